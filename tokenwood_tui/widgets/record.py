"""The public record: every public event, newest at the bottom, filterable by kind (`f`, or a click)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import RichLog, Static

from tokenwood_tui.viewmodel import KINDS, Board, EventRow
from tokenwood_tui.widgets.panel import Panel

KIND_STYLE = {"trade": "green", "gossip": "italic #c8a2e8", "legend": "bold #e8b931", "magistrate": "bold red",
              "default": "bold #e06c2c", "hesitate": "yellow", "weather": "bold cyan"}
"""How each kind of event is coloured."""

FILTERS = ("all", *KINDS)
"""What the record can show."""

SHOWN = 150
"""Events written when the filter changes or a game is loaded (the newest); the log keeps up to 500."""


def event_line(e: EventRow) -> Text:
    """One event as a line of the record."""
    style = KIND_STYLE.get(e.kind, "")
    return Text.assemble((f"t{e.turn:<3}", "dim"), (f"{e.kind:<10}", style), e.text)


class RecordPanel(Panel):
    """The public record of the wood."""

    TITLE = "The public record"
    SUBTITLE = "f: filter"

    kind: reactive[str] = reactive("all", init=False)
    """The kind shown ("all" for every kind)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._written = -1
        self._events: tuple[EventRow, ...] = ()

    def compose(self) -> ComposeResult:
        yield FilterBar(self._bar(), id="record-filter")
        yield RichLog(id="record-log", wrap=True, markup=False, highlight=False, max_lines=500,
                      min_width=20)

    def _bar(self) -> Text:
        nxt = FILTERS[(FILTERS.index(self.kind) + 1) % len(FILTERS)]
        label = "every kind" if self.kind == "all" else f"{self.kind} only"
        return Text.assemble(("showing ", "dim"), (f" {label} ", f"reverse bold {KIND_STYLE.get(self.kind, '')}"),
                             (f"  f or click: {nxt}", "dim"))

    def texts(self, board: Board) -> list[str]:
        return [e.text for e in board.events]

    def _matches(self, e: EventRow) -> bool:
        return self.kind == "all" or e.kind == self.kind

    def show(self, board: Board) -> None:
        log = self.query_one(RichLog)
        events = board.events
        rewrite = not self._events or len(events) < len(self._events) or events[0] != self._events[0]
        self._events = events
        if rewrite:
            self._rewrite()
            return
        for e in events[self._written + 1:]:
            if self._matches(e):
                log.write(event_line(e))
        self._written = len(events) - 1

    def reset(self) -> None:
        """Forget what was written (another game was loaded): the next board rewrites the record."""
        self._events = ()
        self._written = -1
        self.query_one(RichLog).clear()

    def _rewrite(self) -> None:
        log = self.query_one(RichLog)
        log.clear()
        picked = [e for e in self._events if self._matches(e)][-SHOWN:]
        for e in picked:
            log.write(event_line(e))
        if not picked:
            log.write(Text("(nothing of this kind yet)", style="dim"))
        self._written = len(self._events) - 1

    def watch_kind(self, kind: str) -> None:
        self.query_one("#record-filter", Static).update(self._bar())
        self.border_subtitle = f"f: filter ({kind})"
        self._rewrite()

    def cycle(self) -> str:
        """Show the next kind; returns it."""
        self.kind = FILTERS[(FILTERS.index(self.kind) + 1) % len(FILTERS)]
        return self.kind

    def on_filter_bar_picked(self, message: "FilterBar.Picked") -> None:
        if message.kind:
            self.kind = message.kind
        else:
            self.cycle()


class FilterBar(Static):
    """The row of kinds above the record; a click picks one."""

    class Picked(Message):
        """The bar was clicked: show `kind` (or the next kind when empty)."""

        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind
            """The kind picked."""

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.Picked(""))
