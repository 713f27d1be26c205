"""The terminal UI's app: keys become actions, workers play turns, messages update the board.

    run_app(mode, council, seed, scenario, load, replay)        `tokenwood play` / `tokenwood watch`
    on mount: wake_brains worker -> BrainsReady | BrainsFailed
    space:    play_turn worker  -> TurnStarted, BrainStarted/BrainAnswered..., TurnResolved | TurnFailed
    handlers: board = session.board() -> BoardScreen.show(board) (scanned first in a played game)

Brains are async (model engines think in their own processes), so the turn worker runs on the app's
event loop and the UI stays live while the creatures think. A streaming brain's progress is only kept
as it comes (`_brain_progress`); the ticker shows the latest of each creature ten times a second, so
four streams cost the keys nothing. A player sees figures only, scanned by the firewall first.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path
from typing import Literal

from rich.text import Text
from textual import events, on, work
from textual.app import App
from textual.binding import Binding

from engine.brains.base import Progress
from engine.brains.human import QueueError, QueuedMove
from engine.core.scenario import PATRON
from engine.play.config import ConfigError, UserConfig, save_theme
from engine.play.logs import log_file, setup_logging
from tokenwood_tui import guard
from tokenwood_tui.palette import WoodCommands
from tokenwood_tui.messages import (BrainAnswered, BrainsFailed, BrainsReady, BrainStarted, GameLoaded,
                                    GameSaved, PanelWithheld, TurnFailed, TurnResolved, TurnStarted)
from tokenwood_tui.moves import FORMS, describe
from tokenwood_tui.quiet import stderr_for_children, terminal_for_ui
from tokenwood_tui.screens.board import BoardScreen
from tokenwood_tui.screens.ending import EndScreen
from tokenwood_tui.screens.forms import MoveForm
from tokenwood_tui.screens.help import HelpScreen
from tokenwood_tui.screens.inspector import InspectorScreen
from tokenwood_tui.screens.pauses import FailedScreen, TooSmallScreen, WakingScreen
from tokenwood_tui.screens.saves import LoadScreen, SaveScreen
from tokenwood_tui.session import Session, open_session
from tokenwood_tui.viewmodel import progress_note, progress_status, progress_tail
from tokenwood_tui.widgets.desk import DeskPanel
from tokenwood_tui.widgets.record import FILTERS, RecordPanel
from tokenwood_tui.widgets.status import StatusBar
from tokenwood_tui.widgets.tables import CreaturesPanel

MIN_SIZE = (120, 36)
"""The smallest terminal the board fits in (columns, rows)."""

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
"""Pauses between auto-played turns, in seconds."""

GAME_ACTIONS = frozenset({"step", "auto", "faster", "slower", "inspect", "filter", "save", "quick_save",
                          "load", "help", "move", "board"})
"""Actions that only make sense on the board (or where a screen allows them)."""


class TokenwoodApp(App[int]):
    """Thousand Token Wood in a terminal: play as the Patron, or watch."""

    CSS_PATH = "tokenwood.tcss"
    TITLE = "Thousand Token Wood"
    COMMANDS = App.COMMANDS | {WoodCommands}
    BINDINGS = [
        Binding("space", "step", "Step"),
        Binding("a", "auto", "Auto"),
        Binding("plus,equals_sign", "faster", "Faster"),
        Binding("minus", "slower", "Slower"),
        Binding("i", "inspect", "Inspect"),
        Binding("f", "filter", "Filter"),
        Binding("s", "save", "Save"),
        Binding("ctrl+s", "quick_save", "Quick save", show=False),
        Binding("l", "load", "Load"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "board", "Board", show=False),
        *(Binding(form.key, f"move('{kind}')", form.title, show=False) for kind, form in FORMS.items()),
    ]

    def __init__(self, session: Session, *, min_size: tuple[int, int] = MIN_SIZE,
                 settings: UserConfig | None = None, remember_theme: bool = False) -> None:
        super().__init__()
        self.session = session
        self.mode = session.mode
        self.min_size = min_size
        self.settings = settings or UserConfig()
        self.remember_theme = remember_theme
        self._theme_kept = ""
        self.auto = False
        self.interval = self.settings.auto_play_pause or 1.0
        self.turn_running = False
        self.withheld: list[tuple[str, tuple[str, ...]]] = []
        self.farewell = ""
        self.failure: str | None = None
        """Why the brains could not wake (quitting then exits 1 with this line), or None."""
        self._thinking: dict[str, float] = {}
        self._progress: dict[str, Progress] = {}
        self._turn_started = 0.0
        self._ticker = None
        self._auto_timer = None
        self._view = None
        self._end_shown = False
        self._waking = None
        self._too_small: TooSmallScreen | None = None
        self._board_stale = False
        session.on_brain_start = lambda name: self.post_message(BrainStarted(name))
        session.on_brain_done = lambda name, r: self.post_message(BrainAnswered(name, r.latency_s, r.fault,
                                                                                   r.fault_kind))
        session.on_brain_progress = self._brain_progress
        self.board_screen = BoardScreen(self.mode)

    # --- life cycle --------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.title = f"Thousand Token Wood: {'play' if self.mode == 'play' else 'watch'}"
        if self.settings.theme:
            self.theme = self.settings.theme
        self._theme_kept = self.theme
        if self.remember_theme:
            self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.wake_brains()
        await self.push_screen(self.board_screen)
        self.board_screen.query_one(StatusBar).interval = self.interval
        self.refresh_board()
        self._activity("waking the creatures...")
        if self.session.needs_engines:
            models = sorted({m for m in self.session.state.public.council.values() if not m.startswith("scripted")})
            self._waking = WakingScreen(models)
            self.push_screen(self._waking)
        self.check_size()

    @work(exclusive=True, group="brains", exit_on_error=False)
    async def wake_brains(self) -> None:
        """Wake every brain (model engines start here, off the UI's back)."""
        started = time.monotonic()
        try:
            with stderr_for_children(log_file()):
                await self.session.start_brains()
        except Exception as err:  # a council, traces file or model that cannot be used: say so
            self.post_message(BrainsFailed(f"{type(err).__name__}: {err}"))
            return
        self.post_message(BrainsReady(time.monotonic() - started))

    def on_brains_ready(self, message: BrainsReady) -> None:
        self.failure = None
        if self._waking is not None and self.screen is self._waking:
            self.pop_screen()
            self._waking = None
        self.board_screen.query_one(CreaturesPanel).clear_status()
        self.refresh_board()
        self._idle_activity()
        self._maybe_end()

    def on_brains_failed(self, message: BrainsFailed) -> None:
        self.failure = message.reason
        if self._waking is not None and self.screen is self._waking:
            self.pop_screen()
        self._waking = None
        self._activity("the creatures could not wake")
        self.push_screen(FailedScreen(message.reason))

    async def action_quit(self) -> None:
        """Autosave (the last whole turn, once a turn was played) and leave: exit 1 if the brains never woke."""
        self.auto = False
        if self.turn_running:
            self.session.abandon_turn()
            self.workers.cancel_group(self, "turn")
        self.farewell = self._autosave_farewell()
        if self.failure is not None:  # the program could not do its job: one line, and a failing status
            self.farewell = f"tokenwood: the creatures could not wake: {self.failure}"
        self.workers.cancel_group(self, "brains")
        if self.session.needs_engines:
            self._activity("saved; stopping the models (this can take a few seconds)...")
            await asyncio.sleep(0.05)  # let the line reach the screen before the engines stop
        await self.session.close_brains()
        self.exit(0 if self.failure is None else 1)

    def _autosave_farewell(self) -> str:
        """Autosave on the way out; the line saying where the game is (or why it is not saved)."""
        try:
            done = self.session.autosave()
        except Exception as err:  # the player is leaving: say it, do not trap them
            return f"tokenwood: could not autosave: {err}"
        if done is None:
            return ""  # no turn was played: nothing to save, and the autosave there stays as it was
        kept = "".join(f"; the other game that was there is kept in {p}" for p in self.session.kept_aside)
        return f"tokenwood: the game is saved in {done.path}{kept}"

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """Save an SVG of the screen in `saves/screenshots/` (made if missing) and say where; returns its path.

        Textual's own default is the Downloads folder, which many machines do not have.
        """
        folder = Path(path) if path else self.session.saves_dir / "screenshots"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            saved = self.save_screenshot(filename, str(folder), time_format)
        except OSError as err:
            self.notify(f"Screenshot not saved: {err}", severity="error", timeout=8)
            return None
        self.notify(f"Screenshot saved to {saved}", timeout=6)
        return saved

    # --- the size of the window --------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        if self.board_screen.is_attached:
            self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int | None = None, height: int | None = None) -> None:
        """Put up (or take down) the 'make the window larger' screen."""
        w, h = (width, height) if width is not None and height is not None else self.size
        small = w < self.min_size[0] or h < self.min_size[1]
        if small and self._too_small is None:
            self._too_small = TooSmallScreen(self.min_size)
            self.push_screen(self._too_small)
        elif small:
            if self._too_small.is_mounted:
                self._too_small.update_size(w, h)
        elif self._too_small is not None:
            if self.screen is self._too_small:
                self.pop_screen()
            self._too_small = None
            if self._waking is not None and self.session.ready and self.screen is self._waking:
                self.pop_screen()
                self._waking = None
            self._maybe_end()

    @property
    def too_small(self) -> bool:
        """Whether the 'make the window larger' screen is up."""
        return self._too_small is not None

    # --- which actions apply where -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.action_allowed(action, self.screen)

    def action_allowed(self, action: str, screen) -> bool:
        """Whether `action` may run while `screen` is in front."""
        if action == "move" and self.mode != "play":
            return False
        if action not in GAME_ACTIONS:
            return True
        if screen is self.board_screen:
            return True
        return action in getattr(screen, "ALLOWED_APP_ACTIONS", ())

    # --- the board -------------------------------------------------------------------------------

    def refresh_board(self) -> None:
        """Render the game on the board (a played game's panels are scanned first).

        While another screen is in front the board is only marked stale: it is rendered when it
        comes back (widgets updated behind another screen do not lay out again on their own).
        """
        if self.screen is not self.board_screen:
            self._board_stale = True
            return
        self._board_stale = False
        board = self.session.board()
        secrets = guard.secrets_of(self.session.state) if self.mode == "play" else ()
        for panel, hits in self.board_screen.show(board, secrets):
            self.post_message(PanelWithheld(panel, hits))
        if self.mode == "play":
            self._view = self.session.patron_view()
            self._show_queue()
            self.call_after_refresh(self._scan_screen)

    @on(BoardScreen.Shown)
    def _board_shown(self) -> None:
        if self._board_stale:
            self.refresh_board()

    def _scan_screen(self) -> None:
        if self.screen is not self.board_screen:
            return
        secrets = guard.secrets_of(self.session.state)
        for panel, hits in self.board_screen.scan_rendered(secrets):
            self.post_message(PanelWithheld(panel, hits))

    def on_panel_withheld(self, message: PanelWithheld) -> None:
        self.withheld.append((message.panel, message.hits))
        self.board_screen.query_one(StatusBar).withheld = len(self.withheld)

    def _activity(self, text: str) -> None:
        self.board_screen.query_one(StatusBar).activity = text

    def _idle_activity(self) -> None:
        st = self.session.state.public
        if self.session.over:
            self._activity("banished: your game is over" if st.patron_banished and self.mode == "play"
                           else "the season is over")
        elif self.session.ready:
            self._activity(f"space: play turn {st.turn + 1}")

    def _show_queue(self) -> None:
        if self.mode != "play":
            return
        desk = self.board_screen.query_one(DeskPanel)
        desk.queued = tuple(describe(m) for m in self.session.human.queued)

    # --- turns -----------------------------------------------------------------------------------

    def action_step(self) -> None:
        """Play one turn."""
        if not self.session.ready:
            self.notify("The creatures are still waking.", severity="warning")
            return
        if self.turn_running:
            return
        if self.session.over:
            self._end_shown = False
            self._maybe_end()
            return
        self.play_turn()

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def play_turn(self) -> None:
        """Play one turn in the background; the board updates when it is resolved."""
        self.turn_running = True
        self.post_message(TurnStarted(self.session.state.public.turn + 1))
        try:
            record = await self.session.step()
        except asyncio.CancelledError:
            self.turn_running = False
            raise
        except Exception as err:  # the rules or a brain broke: the game went back to before the turn
            self.post_message(TurnFailed(f"{type(err).__name__}: {err}"))
            return
        self.post_message(TurnResolved(record.turn, len(record.report.fills), record.latency_s,
                                       self.session.autosave_error))

    def on_turn_started(self, message: TurnStarted) -> None:
        self._turn_started = time.monotonic()
        self.board_screen.query_one(CreaturesPanel).clear_status()
        self._activity(f"turn {message.turn}: the traders decide")
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self._tick)

    def on_brain_started(self, message: BrainStarted) -> None:
        self._thinking[message.trader] = time.monotonic()
        self._tick()

    def _brain_progress(self, trader: str, progress: Progress) -> None:
        """Keep a streaming brain's latest progress (the ticker shows it; nothing is drawn here)."""
        self._progress[trader] = progress

    def on_brain_answered(self, message: BrainAnswered) -> None:
        self._thinking.pop(message.trader, None)
        panel = self.board_screen.query_one(CreaturesPanel)
        if message.trader in self._progress and self.screen is self.board_screen:
            self._show_progress(panel, message.trader, self._progress[message.trader])
        if message.fault:
            kind = (message.fault_kind or "no answer").replace("_", " ")  # "refused", "server error", ...
            panel.set_status(message.trader, Text(kind, style="bold red"))
        elif message.trader == PATRON and self.mode == "play":
            panel.set_status(message.trader, Text("moves sent", style="green"))
        else:
            took = message.latency_s if message.latency_s else 0.0
            label = f"answered {took:.1f} s" if took >= 0.05 else "answered"
            panel.set_status(message.trader, Text(label, style="green"))

    def _tick(self) -> None:
        if isinstance(self.screen, InspectorScreen):
            self.screen.show_live(self._live_text() if self._progress else None)
        if self.screen is not self.board_screen:
            return
        now = time.monotonic()
        panel = self.board_screen.query_one(CreaturesPanel)
        for name, since in self._thinking.items():
            if name in self._progress:
                self._show_progress(panel, name, self._progress[name])
            else:
                panel.set_status(name, Text(f"thinking\u2026 {now - since:.1f} s", style="bold #6fa8dc"))
        if self.turn_running:
            turn = self.session.state.public.turn + 1
            self._activity(f"turn {turn}: deciding {now - self._turn_started:.1f} s")

    def _withheld_live(self, texts: list[str]) -> bool:
        """In a played game, scan what a streaming brain's progress would show; True (logged) on a hit."""
        if self.mode != "play":
            return False
        hits = guard.scan(texts, guard.secrets_of(self.session.state))
        if hits:
            guard.report("traders (live)", hits)
            self.post_message(PanelWithheld("traders", hits))
        return bool(hits)

    def _show_progress(self, panel: CreaturesPanel, name: str, progress: Progress) -> None:
        """One creature's answer being written: figures, and (for a spectator) the tail of its text."""
        status = progress_status(progress)
        note = progress_note(progress) if self.mode == "play" else progress_tail(progress, panel.said_width)
        if self._withheld_live([status, note]):
            status, note = "withheld", ""
        panel.set_status(name, Text(status, style="bold #6fa8dc"))
        panel.set_live(name, Text(note, style="dim italic"))

    def _live_text(self) -> Text:
        """Every streaming creature's answer so far, for the inspector (figures only in a played game)."""
        out = Text()
        out.append(" Writing now ", style="bold reverse #7fb069")
        for name, progress in self._progress.items():
            body = progress_note(progress) if self.mode == "play" else progress.text
            if self._withheld_live([body]):
                body = guard.WITHHELD
            out.append(f"\n{name}", style="bold")
            out.append(f"  {progress_status(progress)}\n", style="dim")
            out.append(body)
        return out

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self._thinking.clear()
        self._progress.clear()
        self.board_screen.query_one(CreaturesPanel).clear_live()
        if isinstance(self.screen, InspectorScreen):
            self.screen.show_live(None)

    def on_turn_resolved(self, message: TurnResolved) -> None:
        self.turn_running = False
        self._stop_ticker()
        self.refresh_board()
        self._idle_activity()
        if message.autosave_error:
            self.notify(f"Autosave failed: {message.autosave_error}", severity="error", timeout=8)
        if isinstance(self.screen, InspectorScreen):
            self.screen.follow()
        if self._maybe_end():
            return
        if self.auto:
            self._arm_auto()

    def on_turn_failed(self, message: TurnFailed) -> None:
        self.turn_running = False
        self._stop_ticker()
        self.auto = False
        self.board_screen.query_one(StatusBar).auto = False
        self.refresh_board()
        self._activity("the turn failed; the game is as it was before it")
        self.notify(f"The turn could not be played: {message.reason}", severity="error", timeout=10)

    def _maybe_end(self) -> bool:
        """Show the end of the game once, when the season is over or the player was banished."""
        s = self.session
        if not s.over or self._end_shown or self.too_small:
            return s.over
        self._end_shown = True
        self.auto = False
        self.board_screen.query_one(StatusBar).auto = False
        banished = s.state.public.patron_banished
        scores = s.final_scores() if s.season_over or self.mode == "watch" else []
        self.push_screen(EndScreen(scores, self.mode, banished, s.state.public.turn, s.season_over))
        return True

    def _remember_theme(self, theme) -> None:
        """The palette's theme persists: write it to the configuration file (a failure is a notice)."""
        if theme.name == self._theme_kept:  # the theme the game started with: nothing to remember
            return
        try:
            save_theme(theme.name)
            self._theme_kept = theme.name
        except (ConfigError, OSError) as err:
            self.notify(f"Theme not remembered: {err}", severity="warning", timeout=6)

    # --- auto-play -------------------------------------------------------------------------------

    def action_auto(self) -> None:
        """Auto-play on or off."""
        self.auto = not self.auto
        self.board_screen.query_one(StatusBar).auto = self.auto
        if self.auto and not self.turn_running:
            self.action_step()
        elif not self.auto and self._auto_timer is not None:
            self._auto_timer.stop()
            self._auto_timer = None

    def _arm_auto(self) -> None:
        if self._auto_timer is not None:
            self._auto_timer.stop()
        self._auto_timer = self.set_timer(self.interval, self._auto_step)

    def _auto_step(self) -> None:
        self._auto_timer = None
        if not self.auto or self.turn_running:
            return
        if self.screen is not self.board_screen and not isinstance(self.screen, InspectorScreen):
            self._arm_auto()  # a dialog is open (or the window is too small): wait for it
            return
        self.action_step()

    def _set_speed(self, step: int) -> None:
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.interval))
        self.interval = SPEEDS[max(0, min(len(SPEEDS) - 1, i + step))]
        self.board_screen.query_one(StatusBar).interval = self.interval

    def action_faster(self) -> None:
        """A shorter pause between auto-played turns."""
        self._set_speed(-1)

    def action_slower(self) -> None:
        """A longer pause between auto-played turns."""
        self._set_speed(1)

    # --- panels, inspector, help ---------------------------------------------------------------------

    def action_filter(self, kind: str | None = None) -> None:
        """Filter the public record by kind (cycle when none is given)."""
        record = self.board_screen.query_one(RecordPanel)
        if kind is None:
            record.cycle()
        elif kind in FILTERS:
            record.kind = kind

    def action_inspect(self) -> None:
        """Open the inspector (or close it when open)."""
        if isinstance(self.screen, InspectorScreen):
            self.pop_screen()
            return
        if isinstance(self.screen, EndScreen):
            self.pop_screen()
        if not self.is_screen_installed("inspector"):  # built once, kept alive: it opens at once
            self.install_screen(InspectorScreen(self.session.history, played=self.mode == "play"), "inspector")
        inspector = self.get_screen("inspector")
        assert isinstance(inspector, InspectorScreen)
        inspector.reopen()
        self.push_screen(inspector)

    def action_help(self) -> None:
        """Keys and rules."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_board(self) -> None:
        """Leave whatever has focus on the board."""
        self.screen.set_focus(None)

    # --- the desk --------------------------------------------------------------------------------

    def action_move(self, kind: str) -> None:
        """Open the desk form for one kind of move."""
        if self.mode != "play" or kind not in FORMS:
            return
        if self.session.state.public.patron_banished:
            self.notify("You were banished: no more moves.", severity="warning")
            return
        view = self._view or self.session.patron_view()
        self.push_screen(MoveForm(FORMS[kind], view, self.session.human.queued, self._queue_move))

    def _queue_move(self, move: QueuedMove) -> str | None:
        try:
            self.session.human.queue(move.kind, move.move)
        except QueueError as err:
            return str(err)
        self._show_queue()
        return None

    @on(DeskPanel.MoveRequested)
    def _desk_move(self, message: DeskPanel.MoveRequested) -> None:
        self.action_move(message.kind)

    @on(DeskPanel.WithdrawRequested)
    def _desk_withdraw(self, message: DeskPanel.WithdrawRequested) -> None:
        try:
            self.session.human.withdraw(message.index)
        except IndexError:
            return
        self._show_queue()

    # --- saves -----------------------------------------------------------------------------------

    def _busy(self) -> bool:
        if self.turn_running:
            self.notify("The traders are still deciding: wait for the turn to end.", severity="warning")
            return True
        return False

    def save_to(self, path: Path) -> str | None:
        """Save the game to `path`; returns why it failed, or None."""
        if self.turn_running:
            return "the traders are still deciding: wait for the turn to end"
        from engine.play.saves import SaveError
        try:
            written = self.session.save(path)
        except SaveError as err:
            return str(err)
        self.post_message(GameSaved(str(written)))
        return None

    def action_save(self) -> None:
        """Open the save dialog."""
        if self._busy():
            return
        turn = self.session.state.public.turn
        self.push_screen(SaveScreen(self.session.saves_dir, f"turn-{turn:02d}", self.save_to))

    def action_quick_save(self) -> None:
        """Save to quicksave.json at once."""
        if self._busy():
            return
        why = self.save_to(self.session.saves_dir / "quicksave.json")
        if why:
            self.notify(f"Not saved: {why}", severity="error")

    def on_game_saved(self, message: GameSaved) -> None:
        self.notify(f"Saved to {message.path}", timeout=3)

    def action_load(self) -> None:
        """Open the load dialog."""
        if self._busy():
            return
        if isinstance(self.screen, (EndScreen, FailedScreen)):
            self.pop_screen()
        self.push_screen(LoadScreen(self.session.saves_dir, self.load_from))

    def load_from(self, path: Path) -> str | None:
        """Load a save in place of the game; returns why it failed (the game unchanged), or None."""
        if self.turn_running:
            return "the traders are still deciding: wait for the turn to end"
        from engine.play.saves import SaveError
        try:
            rewake = self.session.load(path)
        except SaveError as err:
            return str(err)
        self.post_message(GameLoaded(str(path), self.session.state.public.turn))
        if rewake:
            self.wake_brains()
        return None

    def on_game_loaded(self, message: GameLoaded) -> None:
        self.auto = False
        self.board_screen.query_one(StatusBar).auto = False
        self._end_shown = False
        self.board_screen.query_one(RecordPanel).reset()
        self.board_screen.query_one(CreaturesPanel).clear_status()
        self.refresh_board()
        self._idle_activity()
        self.notify(f"Loaded {message.path} (turn {message.turn})", timeout=3)
        if self.screen is self.board_screen:
            self._maybe_end()


def run_app(mode: Literal["play", "watch"], council: str | None = None, seed: int = 1, scenario: str | None = None,
            load: str | None = None, replay: str | None = None, answer_timeout: float | None = None,
            config: UserConfig | None = None) -> int:
    """Run `tokenwood play` or `tokenwood watch`; returns the exit status (2 for a user error, 1 when the
    creatures could not wake).

    `config` (the configuration file) gives the saves folder, the theme and the auto-play pause; the
    theme chosen in the palette is written back to it.
    """
    from engine.brains.replay import TracesError
    from engine.play.council import CouncilError
    from engine.play.saves import SaveError
    from engine.play.scenario_files import ScenarioError

    if mode not in ("play", "watch"):
        raise ValueError(f"mode must be play or watch, not {mode!r}")
    if replay and mode != "watch":
        print("tokenwood: --replay is for watching (tokenwood watch --replay TRACES)", file=sys.stderr)
        return 2
    try:
        session = open_session(mode, council, seed, scenario, load, replay, answer_timeout=answer_timeout,
                               saves_dir=(config or UserConfig()).saves_dir())
    except (ScenarioError, SaveError, CouncilError, TracesError) as err:
        print(f"tokenwood: {err}", file=sys.stderr)
        return 2
    return run_session(session, config, remember_theme=config is not None)


def run_session(session: Session, settings: UserConfig | None = None, remember_theme: bool = False) -> int:
    """Run the app on a session in this terminal; everything but the UI writes to the log file
    (`engine.play.logs.log_file()`: tokenwood.log in the platform's log directory)."""
    log = log_file()
    if not logging.getLogger("tokenwood_tui").handlers:  # started without `dispatch` (tests, scripts)
        setup_logging(path=log)
    app = TokenwoodApp(session, settings=settings, remember_theme=remember_theme)
    with terminal_for_ui(log):
        rc = app.run()
    if app.farewell:
        print(app.farewell, file=sys.stderr)
    return rc or 0


def main(argv: list[str] | None = None) -> int:
    """`python -m tokenwood_tui.app play|watch [...]`: the `tokenwood play|watch` parsers and handler."""
    from tokenwood_tui.cli_commands import play_or_watch

    return play_or_watch(argv, prog="tokenwood_tui.app")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
