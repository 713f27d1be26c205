"""The panel every part of the board is: a bordered box that renders a `Board`, or a withheld notice.

The app sets `panel.board`; the panel's `show(board)` updates its widgets in place. In a played game
the app first scans `panel.texts(board)` (the exact strings the panel would render) and, on a hit,
calls `withhold()` instead: the panel's widgets are hidden behind a notice until a clean board comes.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from rich.text import Text
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from tokenwood_tui.viewmodel import Board
from tokenwood_tui.guard import WITHHELD


class Panel(Vertical):
    """A titled panel that renders a Board."""

    TITLE = ""
    """The border title."""
    SUBTITLE = ""
    """The border subtitle (a hint about its keys), if any."""

    board: reactive[Board | None] = reactive(None, always_update=True, init=False)
    """The board to render (set by the app after every turn, load or change)."""

    withheld: reactive[bool] = reactive(False)
    """Whether the firewall withheld this panel's last board."""

    def on_mount(self) -> None:
        self.border_title = self.TITLE
        if self.SUBTITLE:
            self.border_subtitle = self.SUBTITLE
        self.mount(Static(WITHHELD, classes="withheld-notice"))

    def texts(self, board: Board) -> list[str]:
        """Every string this panel would render for `board` (what the firewall scans)."""
        return []

    def show(self, board: Board) -> None:
        """Render `board` into the panel's widgets."""

    def watch_board(self, board: Board | None) -> None:
        if board is not None:
            self.withheld = False
            self.show(board)

    def withhold(self) -> None:
        """Hide the panel's content behind the withheld notice."""
        self.withheld = True

    def watch_withheld(self, withheld: bool) -> None:
        self.set_class(withheld, "-withheld")


def sync_rows(table: DataTable, rows: dict[str, Sequence[object]], columns: Sequence[str]) -> None:
    """Make `table` hold exactly `rows` (row key -> cells), updating changed cells in place.

    Rows keep their keys; new keys are appended, vanished keys removed, and only cells whose value
    changed are touched, so the cursor and scroll position stay where the person left them.
    """
    existing = {k.value for k in table.rows}
    for key in list(existing):
        if key not in rows:
            table.remove_row(key)
    for key, cells in rows.items():
        if key not in existing:
            table.add_row(*cells, key=key)
            continue
        for col, value in zip(columns, cells):
            if _plain(table.get_cell(key, col)) != _plain(value) or _style(table.get_cell(key, col)) != _style(value):
                table.update_cell(key, col, value)


def _plain(value: object) -> str:
    return value.plain if isinstance(value, Text) else str(value)


def _style(value: object) -> str:
    if isinstance(value, Text):
        return str(value.style) + "|".join(str(s.style) for s in value.spans)
    return ""


def cell_texts(rows: Iterable[Sequence[object]]) -> list[str]:
    """Plain strings of table cells (for the firewall scan)."""
    return [_plain(c) for row in rows for c in row]
