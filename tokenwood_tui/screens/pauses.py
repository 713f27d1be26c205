"""Screens that stand in front of the game: waking the brains, a window too small."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import LoadingIndicator, Static


class WakingScreen(ModalScreen[None]):
    """Shown while model engines start (seconds to minutes); the UI stays live behind it."""

    BINDINGS = [Binding("q", "app.quit", "Quit")]

    def __init__(self, models: list[str]) -> None:
        super().__init__(id="waking")
        self.models = models
        self.started = time.monotonic()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Waking the creatures' minds", style="bold"), classes="dialog-title")
            yield Static(Text("Starting: " + ", ".join(self.models) + ". Small models take 20 s to a "
                              "minute to load; q quits.", style="dim"), classes="dialog-help")
            yield LoadingIndicator()
            yield Static(id="waking-time")

    def on_mount(self) -> None:
        self.set_interval(0.5, self._tick)

    def _tick(self) -> None:
        self.query_one("#waking-time", Static).update(f"{time.monotonic() - self.started:.0f} s")


class FailedScreen(ModalScreen[None]):
    """The brains could not wake: why, and what one can do."""

    BINDINGS = [Binding("q,escape", "app.quit", "Quit"), Binding("l", "app.load", "Load a save")]
    ALLOWED_APP_ACTIONS = frozenset({"load"})
    """App actions that work from this screen."""

    def __init__(self, reason: str) -> None:
        super().__init__(id="failed")
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("The creatures could not wake", style="bold red"), classes="dialog-title")
            yield Static(self.reason, id="failed-reason")
            yield Static(Text("q quits. Try --council scripted, or another council.", style="dim"))


class TooSmallScreen(Screen):
    """The terminal is smaller than the board needs: say how large to make it."""

    BINDINGS = [Binding("q", "app.quit", "Quit")]

    def __init__(self, need: tuple[int, int]) -> None:
        super().__init__(id="too-small")
        self.need = need

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(id="too-small-text")

    def on_mount(self) -> None:
        self.update_size(self.app.size.width, self.app.size.height)

    def update_size(self, width: int, height: int) -> None:
        """Say how large the window is and must be."""
        w, h = self.need
        self.query_one("#too-small-text", Static).update(Text.assemble(
            ("Thousand Token Wood\n\n", "bold #7fb069"),
            (f"Make the window at least {w} x {h}.\n", "bold"),
            (f"It is {width} x {height} now. The game waits here and comes back when it fits.\n\n", ""),
            ("q quits (the game is autosaved)", "dim")))
