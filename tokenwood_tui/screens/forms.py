"""The desk's move forms: one dialog per move, refusing wrong input in the form with a reason."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

from engine.brains.human import QueuedMove
from engine.mind.view import View
from tokenwood_tui.moves import FormSpec, MoveError, choices, parse_move


class MoveForm(ModalScreen[bool]):
    """A form for one Patron move; Enter queues it, Escape closes. Dismisses with whether it queued."""

    BINDINGS = [("escape", "close", "Close")]

    def __init__(self, spec: FormSpec, view: View, queued: tuple[QueuedMove, ...],
                 submit: Callable[[QueuedMove], str | None]) -> None:
        super().__init__(id=f"form-{spec.kind}")
        self.spec, self.view, self.queued, self.submit = spec, view, queued, submit

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="dialog"):
            yield Static(Text(self.spec.title, style="bold"), classes="dialog-title")
            yield Static(Text(self.spec.help, style="dim"), classes="dialog-help")
            for f in self.spec.fields:
                options = choices(f.choices, self.view) if f.choices else []
                with Horizontal(classes="form-row"):
                    yield Label(f.label, classes="form-label")
                    yield Input(value=f.default, placeholder=f.placeholder or (options[0] if options else ""),
                                id=f"f-{f.name}", compact=True,
                                suggester=SuggestFromList(options, case_sensitive=False) if options else None)
                if options:
                    yield Static(Text(self._hint(f.choices, options), style="dim"), classes="form-hint")
            yield Static("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Queue for next turn", id="form-queue", variant="primary", compact=True)
                yield Button("Close (esc)", id="form-close", compact=True)

    def _hint(self, source: str, options: list[str]) -> str:
        if source == "orders":
            return "yours: " + "; ".join(f"#{o.id} {o.side} {o.qty} {o.good} at {o.price}" for o in self.view.my_orders)
        if source == "legends" and self.view.patron is not None:
            return "deck: " + ", ".join(f"{lid} ({name})" for lid, name in self.view.patron.legends_left)
        if source == "shorts" and self.view.patron is not None:
            return "open: " + "; ".join(f"#{i} {q} {g} due turn {d}" for i, g, q, d in self.view.patron.open_shorts)
        return "one of: " + ", ".join(options)

    def on_mount(self) -> None:
        first = self.query(Input).first()
        first.focus()

    def values(self) -> dict[str, str]:
        """The form's fields as typed."""
        return {f.name: self.query_one(f"#f-{f.name}", Input).value for f in self.spec.fields}

    def refuse(self, reason: str) -> None:
        """Show why the move cannot be queued."""
        self.query_one("#form-error", Static).update(Text(f"Refused: {reason}", style="bold red"))

    def send(self) -> None:
        """Check the form and queue the move, or say why not."""
        try:
            move = parse_move(self.spec.kind, self.values(), self.view, self.queued)
        except MoveError as err:
            self.refuse(str(err))
            return
        why = self.submit(move)
        if why:
            self.refuse(why)
            return
        self.dismiss(True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.send()

    @on(Button.Pressed, "#form-queue")
    def _queue(self) -> None:
        self.send()

    @on(Button.Pressed, "#form-close")
    def action_close(self) -> None:
        self.dismiss(False)
