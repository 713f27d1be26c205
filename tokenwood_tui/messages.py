"""App-level messages: what a worker or a screen reports to the app, in the past tense.

Workers post these; the app's handlers update the widgets. Widget-specific messages live in their
widget (for example `DeskPanel.MoveRequested`).
"""

from __future__ import annotations

from textual.message import Message


class BrainsReady(Message):
    """Every trader's brain is awake and the first turn may be played."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        """How long waking took."""


class BrainsFailed(Message):
    """The brains could not be woken (a model would not load, a council or traces file is wrong)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
        """One line saying why."""


class TurnStarted(Message):
    """A turn began: the world moved and every brain was asked."""

    def __init__(self, turn: int) -> None:
        super().__init__()
        self.turn = turn
        """The turn being decided."""


class BrainStarted(Message):
    """One trader's brain started thinking."""

    def __init__(self, trader: str) -> None:
        super().__init__()
        self.trader = trader
        """Who."""


class BrainAnswered(Message):
    """One trader's brain answered (or faulted) for the running turn."""

    def __init__(self, trader: str, latency_s: float, fault: str | None, fault_kind: str | None = None) -> None:
        super().__init__()
        self.trader = trader
        """Who."""
        self.latency_s = latency_s
        """Seconds it took, as the brain reported them."""
        self.fault = fault
        """Why no answer came, or None."""
        self.fault_kind = fault_kind
        """Its kind (`engine.brains.base.FAULT_KINDS`), or None."""


class TurnResolved(Message):
    """A turn was resolved, recorded and autosaved."""

    def __init__(self, turn: int, trades: int, seconds: float, autosave_error: str | None = None) -> None:
        super().__init__()
        self.turn = turn
        """The turn resolved."""
        self.trades = trades
        """Trades it made."""
        self.seconds = seconds
        """Wall-clock seconds all decisions took together."""
        self.autosave_error = autosave_error
        """Why the autosave failed, or None."""


class TurnFailed(Message):
    """A turn could not be played; the game is as it was before it."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
        """One line saying why."""


class GameSaved(Message):
    """The game was saved."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        """Where."""


class GameLoaded(Message):
    """A save was loaded in place of the game."""

    def __init__(self, path: str, turn: int) -> None:
        super().__init__()
        self.path = path
        """From where."""
        self.turn = turn
        """Its turn."""


class PanelWithheld(Message):
    """The screen firewall withheld a panel whose text held something hidden (play mode)."""

    def __init__(self, panel: str, hits: tuple[str, ...]) -> None:
        super().__init__()
        self.panel = panel
        """The panel's id."""
        self.hits = hits
        """What the scan found (logged, never shown)."""
