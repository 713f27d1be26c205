"""What the app's parts share: the state every part reads and the calls the parts make on each other.

    TokenwoodApp(KeysPart, TurnsPart, SavesPart, SizePart)   tokenwood_tui/app.py: life cycle, the board
      KeysPart    keys.py    bindings, which actions apply where, speed, filter, inspector, help, the desk
      TurnsPart   turns.py   a turn in a worker, its messages, the creatures' progress, auto-play
      SavesPart   saves.py   save and load (dialogs, quick save), the autosave line on the way out
      SizePart    size.py    the "make the window larger" screen
    each part -> AppHost (this module) -> textual.app.App

Why mixins and not collaborator objects: Textual finds an app's message handlers (`on_turn_resolved`),
`@on` handlers, actions (`action_save`, named by the bindings and the command palette) and
`BINDINGS` along the app class's MRO, so a part that is an `App` subclass holding one concern's
handlers keeps the app's public surface exactly as it was (`app.action_inspect`, `app.save_to`)
while each concern reads alone. A collaborator would need a forwarding method in the app for every
handler and action it owns.

`AppHost` declares, once, the state the parts share (set by `TokenwoodApp.__init__`) and the methods
one part calls on another; the declarations are for readers and type checkers only: at run time the
part that defines a method comes before `AppHost` in the MRO.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

if TYPE_CHECKING:  # pragma: no cover
    from textual.worker import Worker

    from engine.mind.view import View
    from engine.play.config import UserConfig
    from tokenwood_tui.collector import Collector
    from tokenwood_tui.screens.board import BoardScreen
    from tokenwood_tui.screens.pauses import WakingScreen
    from tokenwood_tui.session import Mode, Session


class AppHost(App[int]):
    """The app as its parts see it (declarations only; `TokenwoodApp` is the app)."""

    session: Session
    """The game behind the screen."""
    mode: Mode
    """play (the human is the Patron) or watch."""
    settings: UserConfig
    """The configuration file's defaults (theme, auto-play pause)."""
    board_screen: BoardScreen
    """The board, built once."""
    turn_running: bool
    """Whether a turn is being decided."""
    auto: bool
    """Whether auto-play is on."""
    interval: float
    """Seconds between auto-played turns."""
    collector: Collector
    """The app's say over Python's cycle collector (paused while a turn is decided)."""
    _view: View | None
    """The Patron's view of the coming turn, as the board last showed it (play; what the desk checks)."""
    _waking: WakingScreen | None
    """The 'waking the creatures' screen while it is up."""
    _end_shown: bool
    """Whether the end of the game was shown (it is shown once)."""

    if TYPE_CHECKING:  # pragma: no cover - the parts' methods other parts call
        def refresh_board(self) -> None: ...
        def _activity(self, text: str) -> None: ...
        def _idle_activity(self) -> None: ...
        def _show_queue(self) -> None: ...
        def _maybe_end(self) -> bool: ...
        def _set_auto(self, on: bool) -> None: ...
        def action_step(self) -> None: ...
        def wake_brains(self) -> Worker[None]: ...
        @property
        def too_small(self) -> bool: ...
