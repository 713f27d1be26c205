"""Where the UI leans on Textual beyond its documented widgets: two small functions, one place to look.

    render_strips(screen)                    the screen's characters as rendered now (private: the compositor)
    set_last_column_width(table, key, width)  resize a DataTable column (public calls only)

Textual offers no public way to read back what a screen shows as text (only `App.export_screenshot`,
an SVG, which itself reads the private compositor), so `render_strips` reads `Screen._compositor`;
it raises `TextualChanged`, naming the installed Textual, if an upgrade takes that away. DataTable
has no public way to resize a column, so `set_last_column_width` takes the column out and puts it
back with its cells, which only public methods do. tests/tui/test_textual_compat.py checks both
against the installed Textual.
"""

from __future__ import annotations

from importlib.metadata import version

from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import DataTable


class TextualChanged(RuntimeError):
    """The installed Textual no longer has what this module relies on; the message names its version."""


def textual_version() -> str:
    """The installed Textual's version ("8.2.8")."""
    return version("textual")


def render_strips(screen: Screen) -> list[Strip]:
    """The screen as rendered now: one Strip per terminal line, overlays included.

    Reads Textual's private compositor (`Screen._compositor.render_strips()`, as Textual 8.2.8 has
    it): no public API gives the characters on the screen, and the screen firewall must scan exactly
    those. A Textual without it raises `TextualChanged` rather than letting the firewall scan nothing.
    """
    render = getattr(getattr(screen, "_compositor", None), "render_strips", None)
    if not callable(render):
        raise TextualChanged(f"Textual {textual_version()} has no Screen._compositor.render_strips(): "
                             "the screen firewall cannot read the screen (see tokenwood_tui/textual_compat.py)")
    return render()


def set_last_column_width(table: DataTable, key: str, width: int) -> None:
    """Give a table's last column a new fixed width, keeping its label and cells.

    DataTable (Textual 8.2) has no public way to resize a column: writing `Column.width` is not
    noticed until something else makes the table measure itself again. Removing the column and adding
    it back at the new width (it goes back at the end, so only the last column may be resized) and
    putting its cells back uses public methods only, and the table measures itself again.
    """
    columns = list(table.columns)
    if not columns or columns[-1].value != key:
        raise ValueError(f"{key!r} is not the table's last column ({[c.value for c in columns]})")
    column = table.columns[columns[-1]]
    if column.width == width and not column.auto_width:
        return
    cells = {row.value: table.get_cell(row, key) for row in table.rows}
    table.remove_column(key)
    table.add_column(column.label, key=key, width=width)
    for row, value in cells.items():
        table.update_cell(row, key, value)
