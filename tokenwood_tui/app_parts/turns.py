"""The app's turns: one turn at a time in a worker, the creatures' progress while it runs, auto-play.

    space / auto-play -> play_turn worker -> TurnStarted, BrainStarted, BrainAnswered ..., TurnResolved | TurnFailed
    a streaming brain -> _brain_progress (kept only) -> the ticker, ten times a second -> the traders panel
                                                                                     and the inspector's live area

Brains are async (model engines think in their own processes), so the turn worker runs on the app's
event loop and the UI stays live while the creatures think. A streaming brain's progress is only kept
as it comes; the ticker shows the latest of each creature ten times a second, so four streams cost
the keys little. No cycle collector pass runs while a turn is decided: it runs once when the turn is
over and painted (`tokenwood_tui/collector.py` says why). A player sees figures only, scanned by the
firewall first.
"""

from __future__ import annotations

import asyncio
import time

from rich.text import Text
from textual import work
from textual.timer import Timer

from engine.brains.base import Progress
from engine.core.scenario import PATRON
from tokenwood_tui import guard
from tokenwood_tui.app_parts.host import AppHost
from tokenwood_tui.messages import (BrainAnswered, BrainStarted, PanelWithheld, TurnFailed, TurnResolved,
                                    TurnStarted)
from tokenwood_tui.screens.inspector import InspectorScreen
from tokenwood_tui.viewmodel import progress_note, progress_status, progress_tail
from tokenwood_tui.widgets.status import StatusBar
from tokenwood_tui.widgets.tables import CreaturesPanel

TICK_S = 0.1
"""Seconds between two refreshes of the creatures' live statuses while a turn runs."""


class TurnsPart(AppHost):
    """Playing turns: the worker, the messages it posts, the live statuses, and auto-play."""

    _thinking: dict[str, float]
    """Trader -> when its brain started thinking (this turn)."""
    _progress: dict[str, Progress]
    """Trader -> the latest progress of its streaming brain (this turn)."""
    _turn_started: float
    """When the running turn started (monotonic seconds)."""
    _ticker: Timer | None
    """The live statuses' refresh while a turn runs (None between turns)."""
    _auto_timer: Timer | None
    """The pause before the next auto-played turn (None when none is armed)."""

    # --- a turn ------------------------------------------------------------------------------------

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
        self.collector.pause()  # no collector pass while the creatures write (tokenwood_tui/collector.py)
        self._turn_started = time.monotonic()
        self.board_screen.query_one(CreaturesPanel).clear_status()
        self._activity(f"turn {message.turn}: the traders decide")
        if self._ticker is None:
            self._ticker = self.set_interval(TICK_S, self._tick)

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
        self._set_auto(False)
        self.refresh_board()
        self._activity("the turn failed; the game is as it was before it")
        self.notify(f"The turn could not be played: {message.reason}", severity="error", timeout=10)

    # --- each creature while it thinks -------------------------------------------------------------

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
        self.call_after_refresh(self._collect_after_turn)

    def _collect_after_turn(self) -> None:
        """The turn is over and painted: the cycle collector runs once and is on again (unless a new turn began)."""
        if not self.turn_running:
            self.collector.resume()

    # --- auto-play ---------------------------------------------------------------------------------

    def _set_auto(self, on: bool) -> None:
        """Auto-play on or off, as the top line shows it (a timer already armed is left to itself)."""
        self.auto = on
        self.board_screen.query_one(StatusBar).auto = on

    def action_auto(self) -> None:
        """Auto-play on or off."""
        self._set_auto(not self.auto)
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
