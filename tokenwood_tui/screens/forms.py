"""The desk's move forms: one dialog per move, refusing wrong input in the form with a reason.

A closed set (a side, a good, a creature, one of your orders, shorts or legends) is picked from a list
(`Select`), so a typing mistake cannot land in it; a number takes only digits, and is checked against
the move's bounds as it is typed (the note under the field). `moves.parse_move` still checks the
whole move when it is sent: the form only makes typing mistakes impossible. The cursor starts in the
first field, tab moves between fields, enter sends (unless a list is open: then it picks), escape closes.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import Integer
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from engine.brains.human import QueuedMove
from engine.mind.view import View
from tokenwood_tui.moves import FieldSpec, FormSpec, MoveError, bounds, options, parse_move


class MoveForm(ModalScreen[bool]):
    """A form for one Patron move; Enter queues it, Escape closes. Dismisses with whether it queued."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "send", "Queue", show=False, priority=True),
    ]

    def __init__(self, spec: FormSpec, view: View, queued: tuple[QueuedMove, ...],
                 submit: Callable[[QueuedMove], str | None]) -> None:
        super().__init__(id=f"form-{spec.kind}")
        self.spec, self.view, self.queued, self.submit = spec, view, queued, submit

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="dialog"):
            yield Static(Text(self.spec.title, style="bold"), classes="dialog-title")
            yield Static(Text(self.spec.help, style="dim"), classes="dialog-help")
            for f in self.spec.fields:
                with Horizontal(classes="form-row"):
                    yield Label(f.label, classes="form-label")
                    yield self.field(f)
                if f.number:
                    yield Static("", id=f"e-{f.name}", classes="form-hint form-note")
            yield Static("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Queue for next turn (enter)", id="form-queue", variant="primary", compact=True)
                yield Button("Close (esc)", id="form-close", compact=True)

    def field(self, f: FieldSpec) -> Widget:
        """The widget for one field: a list for a closed set, digits for a number, else free text."""
        fid = f"f-{f.name}"
        if f.choices:
            opts = options(f.choices, self.view)
            if not opts:
                return Select([], prompt="(none)", id=fid, compact=True)
            values = [v for _, v in opts]
            return Select(opts, value=f.default if f.default in values else values[0], allow_blank=False,
                          id=fid, compact=True)
        if f.number:
            lo, hi = bounds(self.spec.kind, f.name)
            return Input(value=f.default, placeholder=f.placeholder, id=fid, compact=True, type="integer",
                         validators=[Integer(minimum=lo, maximum=hi)], validate_on=["changed"], valid_empty=True)
        return Input(value=f.default, placeholder=f.placeholder, id=fid, compact=True)

    def on_mount(self) -> None:
        self.query_one(f"#f-{self.spec.fields[0].name}").focus()

    def values(self) -> dict[str, str]:
        """The form's fields as typed or picked (an empty list: an empty string)."""
        out = {}
        for f in self.spec.fields:
            box = self.query_one(f"#f-{f.name}")
            value = box.value
            out[f.name] = "" if value is Select.NULL else str(value)
        return out

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter picks in an open list, presses a focused button, and sends the form anywhere else."""
        if action == "send":
            return not (isinstance(self.focused, Button) or any(s.expanded for s in self.query(Select)))
        return True

    def action_send(self) -> None:
        """Enter: queue the move, or say why not."""
        self.send()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        """Say under a number field what is wrong with it while it is typed."""
        notes = self.query(f"#e-{(event.input.id or '').removeprefix('f-')}")
        if not notes:
            return
        result = event.validation_result
        wrong = "; ".join(result.failure_descriptions) if result is not None and not result.is_valid else ""
        notes.first(Static).update(Text(wrong, style="red"))
        notes.first(Static).display = bool(wrong)

    @on(Button.Pressed, "#form-queue")
    def _queue(self) -> None:
        self.send()

    @on(Button.Pressed, "#form-close")
    def action_close(self) -> None:
        self.dismiss(False)
