"""The terminal UI's app: keys become actions, workers play turns, messages update the board.

    run_app(mode, council, seed, scenario, load, replay)        `tokenwood play` / `tokenwood watch`
    on mount: wake_brains worker -> BrainsReady | BrainsFailed
    space:    play_turn worker  -> TurnStarted, BrainStarted/BrainAnswered..., TurnResolved | TurnFailed
    handlers: board = session.board() -> BoardScreen.show(board) (scanned first in a played game)

The app is put together from parts, one per thing it does (`tokenwood_tui/app_parts/`, see its
`host.py` for why they are mixins): keys and the actions that only show (`keys.py`), turns, the
creatures' progress and auto-play (`turns.py`), saving and loading (`saves.py`), the window's size
(`size.py`). This module keeps the app's life cycle (mount, waking the brains, quitting, and with
them the cycle collector's settling and release: `collector.py`) and the board: rendering it (scanned
by the screen firewall in a played game), the top line, the season's end.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path
from typing import Literal

from textual import on, work
from textual.app import App

from engine.play.config import ConfigError, UserConfig, save_theme
from engine.play.logs import log_file, setup_logging
from tokenwood_tui import guard
from tokenwood_tui.app_parts.keys import KeysPart
from tokenwood_tui.app_parts.saves import SavesPart
from tokenwood_tui.app_parts.size import MIN_SIZE, SizePart
from tokenwood_tui.app_parts.turns import TurnsPart
from tokenwood_tui.collector import Collector
from tokenwood_tui.messages import BrainAnswered, BrainsFailed, BrainsReady, BrainStarted, PanelWithheld
from tokenwood_tui.palette import WoodCommands
from tokenwood_tui.quiet import stderr_for_children, terminal_for_ui
from tokenwood_tui.screens.board import BoardScreen
from tokenwood_tui.screens.ending import EndScreen
from tokenwood_tui.screens.pauses import FailedScreen, WakingScreen
from tokenwood_tui.session import Session, open_session
from tokenwood_tui.widgets.status import StatusBar
from tokenwood_tui.widgets.tables import CreaturesPanel


class TokenwoodApp(KeysPart, TurnsPart, SavesPart, SizePart):
    """Thousand Token Wood in a terminal: play as the Patron, or watch."""

    CSS_PATH = "tokenwood.tcss"
    TITLE = "Thousand Token Wood"
    COMMANDS = App.COMMANDS | {WoodCommands}

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
        self._thinking = {}
        self._progress = {}
        self._turn_started = 0.0
        self._ticker = None
        self._auto_timer = None
        self._view = None
        self._end_shown = False
        self._waking = None
        self._too_small = None
        self._board_stale = False
        self.collector = Collector()
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
        self.call_after_refresh(self.collector.settle)  # the engines are loaded: set the heap aside

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

    def on_unmount(self) -> None:
        self.collector.release()

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
        self.call_after_refresh(self.prepare_inspector)  # after the board's first paint, not before it

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

    def _maybe_end(self) -> bool:
        """Show the end of the game once, when the season is over or the player was banished."""
        s = self.session
        if not s.over or self._end_shown or self.too_small:
            return s.over
        self._end_shown = True
        self._set_auto(False)
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


def run_app(mode: Literal["play", "watch"], council: str | None = None, seed: int = 1, scenario: str | None = None,
            load: str | None = None, replay: str | None = None, answer_timeout: float | None = None,
            config: UserConfig | None = None) -> int:
    """Run `tokenwood play` or `tokenwood watch`; returns the exit status (2 for a user error, 1 when the
    creatures could not wake).

    `config` (the configuration file, with the command line's `--stream`/`--no-stream` over it) gives
    the saves folder, the theme, the auto-play pause and whether brains stream; the theme chosen in
    the palette is written back to the file.
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
    settings = config or UserConfig()
    try:
        session = open_session(mode, council, seed, scenario, load, replay, answer_timeout=answer_timeout,
                               saves_dir=settings.saves_dir(), stream=settings.stream)
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
