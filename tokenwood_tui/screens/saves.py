"""Save and load dialogs: the saves in the saves folder, with their turn, date, council and scenario.

A save that cannot be read is listed with its reason; choosing it shows the reason and leaves the
game as it was.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from engine.play.saves import list_saves

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,60}$")
"""A save name: letters, digits, dot, dash, underscore (no folders)."""


def saves_table(table: DataTable, folder: Path) -> list[dict]:
    """Fill a table with the saves in `folder` (row key: the path); returns them."""
    table.clear(columns=True)
    for key, label, width in (("file", "Save", 20), ("turn", "Turn", 4), ("date", "Saved (UTC)", 16),
                              ("what", "Council / scenario, or why it cannot be read", 60)):
        table.add_column(label, key=key, width=width)
    saves = list_saves(folder) if folder.is_dir() else []
    for s in saves:
        name = Path(s["path"]).name
        if s["error"]:
            reason = s["error"].split(": ", 1)[-1]
            table.add_row(name, "-", "-", Text(reason, style="red"), key=s["path"])
        else:
            council = ", ".join(f"{k}={v}" for k, v in s["council"].items())
            date = (s["saved_at"] or "")[:16].replace("T", " ")
            table.add_row(name, str(s["turn"]), date, f"{s['scenario']}: {council}", key=s["path"])
    if not saves:
        table.add_row("(no saves yet)", "", "", "", key="-")
    return saves


class SaveScreen(ModalScreen[str | None]):
    """Save the game under a name (or quick-save); dismisses with the path written."""

    BINDINGS = [("escape", "close", "Close")]

    def __init__(self, folder: Path, default: str, submit: Callable[[Path], str | None]) -> None:
        super().__init__(id="save-dialog")
        self.folder, self.default, self.submit = folder, default, submit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text("Save the game", style="bold"), classes="dialog-title")
            yield Static(Text(f"Saves go in {self.folder}/. Choose a name, or a row to overwrite it.",
                              style="dim"), classes="dialog-help")
            yield DataTable(id="saves-table", cursor_type="row")
            with Horizontal(classes="form-row"):
                yield Label("name", classes="form-label")
                yield Input(value=self.default, id="save-name", compact=True)
            yield Static("", id="save-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save-do", variant="primary", compact=True)
                yield Button("Quick save", id="save-quick", compact=True)
                yield Button("Close (esc)", id="save-close", compact=True)

    def on_mount(self) -> None:
        saves_table(self.query_one(DataTable), self.folder)
        self.query_one("#save-name", Input).focus()

    @on(DataTable.RowSelected)
    def _pick(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value and event.row_key.value != "-":
            self.query_one("#save-name", Input).value = Path(event.row_key.value).stem

    def save_as(self, name: str) -> None:
        """Save under `name`, or say why not."""
        name = name.strip().removesuffix(".json")
        if not NAME_RE.match(name):
            self.query_one("#save-error", Static).update(Text(
                "Refused: a save name is letters, digits, '.', '-' or '_' (no folders)", style="bold red"))
            return
        path = self.folder / f"{name}.json"
        why = self.submit(path)
        if why:
            self.query_one("#save-error", Static).update(Text(f"Refused: {why}", style="bold red"))
            return
        self.dismiss(str(path))

    @on(Input.Submitted, "#save-name")
    @on(Button.Pressed, "#save-do")
    def _save(self) -> None:
        self.save_as(self.query_one("#save-name", Input).value)

    @on(Button.Pressed, "#save-quick")
    def _quick(self) -> None:
        self.save_as("quicksave")

    @on(Button.Pressed, "#save-close")
    def action_close(self) -> None:
        self.dismiss(None)


class LoadScreen(ModalScreen[str | None]):
    """Load a save; one that cannot be read shows why and the game stays as it was."""

    BINDINGS = [("escape", "close", "Close")]

    def __init__(self, folder: Path, submit: Callable[[Path], str | None]) -> None:
        super().__init__(id="load-dialog")
        self.folder, self.submit = folder, submit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text("Load a game", style="bold"), classes="dialog-title")
            yield Static(Text(f"Saves in {self.folder}/, newest first. Enter loads the row; or type a path.",
                              style="dim"), classes="dialog-help")
            yield DataTable(id="saves-table", cursor_type="row")
            with Horizontal(classes="form-row"):
                yield Label("path", classes="form-label")
                yield Input(placeholder="another save file", id="load-path", compact=True)
            yield Static("", id="load-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Load", id="load-do", variant="primary", compact=True)
                yield Button("Close (esc)", id="load-close", compact=True)

    def on_mount(self) -> None:
        saves_table(self.query_one(DataTable), self.folder)
        self.query_one(DataTable).focus()

    def load(self, path: str) -> None:
        """Load `path`, or show why it cannot be loaded."""
        if not path or path == "-":
            return
        why = self.submit(Path(path))
        if why:
            self.query_one("#load-error", Static).update(Text(f"Cannot load: {why}", style="bold red"))
            return
        self.dismiss(path)

    @on(DataTable.RowSelected)
    def _row(self, event: DataTable.RowSelected) -> None:
        self.load(event.row_key.value or "")

    @on(Input.Submitted, "#load-path")
    def _typed(self) -> None:
        self.load(self.query_one("#load-path", Input).value.strip())

    @on(Button.Pressed, "#load-do")
    def _button(self) -> None:
        typed = self.query_one("#load-path", Input).value.strip()
        if typed:
            self.load(typed)
            return
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.load(key or "")

    @on(Button.Pressed, "#load-close")
    def action_close(self) -> None:
        self.dismiss(None)
