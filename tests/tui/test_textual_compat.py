"""What the UI relies on in Textual beyond its documented widgets still holds in the installed Textual.

If a test here fails after a Textual upgrade, the message names the version: fix
tokenwood_tui/textual_compat.py (and only it) before relaxing or moving the pin in pyproject.toml.
"""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from tokenwood_tui.textual_compat import TextualChanged, render_strips, set_last_column_width, textual_version

WHERE = f"Textual {textual_version()}: see tokenwood_tui/textual_compat.py"


class Tiny(App):
    """A label over a small table, 30 x 6."""

    def compose(self) -> ComposeResult:
        yield Static("canary-on-screen", id="label")
        table = DataTable(id="t")
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Who", key="who", width=5)
        table.add_column("Said", key="said", width=4)
        table.add_row("Oona", Text("hello there"), key="oona")
        table.add_row("Bram", "hi", key="bram")


async def test_the_screen_reads_back_as_the_characters_shown():
    app = Tiny()
    async with app.run_test(size=(30, 6)) as pilot:
        await pilot.pause()
        strips = render_strips(app.screen)
        assert len(strips) == 6, f"{WHERE}: one strip per terminal line expected, got {len(strips)}"
        lines = [s.text for s in strips]
        assert lines[0].startswith("canary-on-screen"), f"{WHERE}: the screen read back as {lines!r}"
        assert "Oona" in lines[2] and "hell" in lines[2], f"{WHERE}: the screen read back as {lines!r}"


def test_a_textual_without_the_compositor_fails_loudly():
    class NotAScreen:
        pass

    with pytest.raises(TextualChanged, match=r"Textual \d+\.\d+.*render_strips"):
        render_strips(NotAScreen())


async def test_the_last_column_takes_a_new_width_and_keeps_its_cells():
    app = Tiny()
    async with app.run_test(size=(30, 6)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        before = table.virtual_size.width
        set_last_column_width(table, "said", 12)
        await pilot.pause()
        assert [c.value for c in table.columns] == ["who", "said"], WHERE
        said = table.columns[list(table.columns)[-1]]
        assert (said.width, said.auto_width, said.label.plain) == (12, False, "Said"), WHERE
        assert table.virtual_size.width == before + 8, f"{WHERE}: the table did not measure itself again"
        assert table.get_cell("oona", "said").plain == "hello there" and table.get_cell("bram", "said") == "hi", WHERE
        line = next(s.text for s in render_strips(app.screen) if "Oona" in s.text)
        assert "hello there" in line, f"{WHERE}: the wider column shows {line!r}"


async def test_only_the_last_column_can_be_resized():
    app = Tiny()
    async with app.run_test(size=(30, 6)):
        with pytest.raises(ValueError, match="'who' is not the table's last column"):
            set_last_column_width(app.query_one(DataTable), "who", 9)
