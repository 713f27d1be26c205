"""The app's keys: its bindings, which actions apply on which screen, and the actions that only show.

    BINDINGS                     space a + - i f s ctrl+s l ? q esc, and the desk's keys (moves.FORMS)
    check_action(action)         GAME_ACTIONS run on the board, or where the screen in front allows them
    faster / slower              the pause between auto-played turns, one of SPEEDS
    filter / inspect / help      the record's filter, the inspector (built behind the board before the
                                 first `i`, then kept alive), keys and rules
    move(kind) / the desk        a desk form, its queued move, a withdrawn one (play only)

Turns and auto-play are `turns.TurnsPart`'s; save and load are `saves.SavesPart`'s.
"""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.screen import Screen

from engine.brains.human import QueueError, QueuedMove
from tokenwood_tui.app_parts.host import AppHost
from tokenwood_tui.moves import FORMS, describe
from tokenwood_tui.screens.ending import EndScreen
from tokenwood_tui.screens.forms import MoveForm
from tokenwood_tui.screens.help import HelpScreen
from tokenwood_tui.screens.inspector import InspectorScreen
from tokenwood_tui.widgets.desk import DeskPanel
from tokenwood_tui.widgets.record import FILTERS, RecordPanel
from tokenwood_tui.widgets.status import StatusBar

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
"""Pauses between auto-played turns, in seconds."""

GAME_ACTIONS = frozenset({"step", "auto", "faster", "slower", "inspect", "filter", "save", "quick_save",
                          "load", "help", "move", "board"})
"""Actions that only make sense on the board (or where a screen allows them)."""

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
"""Every key of the app, in the order the footer shows them."""


class KeysPart(AppHost):
    """The app's bindings and the actions that change only what is shown (or what the desk queues)."""

    BINDINGS = BINDINGS

    # --- which actions apply where -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.action_allowed(action, self.screen)

    def action_allowed(self, action: str, screen: Screen) -> bool:
        """Whether `action` may run while `screen` is in front."""
        if action == "move" and self.mode != "play":
            return False
        if action not in GAME_ACTIONS:
            return True
        if screen is self.board_screen:
            return True
        return action in getattr(screen, "ALLOWED_APP_ACTIONS", ())

    # --- the pause between auto-played turns -------------------------------------------------------

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

    # --- panels, inspector, help -------------------------------------------------------------------

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
        inspector = self._inspector()
        inspector.reopen()
        self.push_screen(inspector)

    def _inspector(self) -> InspectorScreen:
        """The inspector, built once and kept alive between openings (it opens at once)."""
        if not self.is_screen_installed("inspector"):
            self.install_screen(InspectorScreen(self.session.history, played=self.mode == "play"), "inspector")
        return self.get_screen("inspector", InspectorScreen)

    def prepare_inspector(self) -> None:
        """Build the inspector behind the board before the first `i`, so that one opens at once too.

        Textual composes, styles and lays out a screen the first time it is pushed: most of a first
        opening's time (about 210 ms of CPU on the 2-core development machine, against 70 to 90 for a
        later one). Pushing it and popping it in one callback, while the board is idle, does that now:
        the screen is started and laid out behind the board, and no frame of it is ever drawn (the
        screen is painted only on a refresh, and the board is in front again before the next one).
        Done once, when the board is first shown; a no-op once the inspector exists.
        """
        if self.is_screen_installed("inspector") or self.screen is not self.board_screen:
            return
        self.push_screen(self._inspector())
        self.pop_screen()

    def action_help(self) -> None:
        """Keys and rules."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_board(self) -> None:
        """Leave whatever has focus on the board."""
        self.screen.set_focus(None)

    # --- the desk ----------------------------------------------------------------------------------

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

    def _show_queue(self) -> None:
        if self.mode != "play":
            return
        desk = self.board_screen.query_one(DeskPanel)
        desk.queued = tuple(describe(m) for m in self.session.human.queued)

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
