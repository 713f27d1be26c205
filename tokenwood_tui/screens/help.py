"""Help: the keys, then the rulebook (docs/RULES.md) rendered as Markdown."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static

KEYS = (
    ("space", "play one turn (the desk's queued moves go with it)"),
    ("a", "auto-play on or off;  + / -  faster or slower"),
    ("i", "the inspector: prompts, raw answers, repairs, refusals (left/right: turns)"),
    ("f", "filter the public record by kind (or click a kind)"),
    ("s / ctrl+s", "save (a dialog) / quick save"),
    ("l", "load a save"),
    ("o c n t h r b g y", "desk (play): order, cancel, lend, tip, short, cover, bribe, legend, say"),
    ("esc", "close a dialog, or leave the desk for the board"),
    ("ctrl+p", "every action, searchable"),
    ("?", "this help"),
    ("q", "quit (the game is autosaved)"),
)
"""Key -> what it does."""


def rules_markdown() -> str:
    """The rulebook: bundled with the package if it was, else the repository's docs/RULES.md."""
    try:
        bundled = resources.files("tokenwood_tui").joinpath("RULES.md")
        if bundled.is_file():
            return bundled.read_text("utf-8")
    except (OSError, ModuleNotFoundError):
        pass
    repo = Path(__file__).resolve().parents[2] / "docs" / "RULES.md"
    if repo.is_file():
        return repo.read_text("utf-8")
    return "# The rules\n\nThe rulebook (docs/RULES.md) is not installed with this copy."


def keys_table() -> Table:
    """The keys as a table."""
    t = Table(box=None, show_header=False, pad_edge=False)
    t.add_column(style="bold #e8b931", no_wrap=True)
    t.add_column()
    for k, what in KEYS:
        t.add_row(k, what)
    return t


class HelpScreen(Screen):
    """Keys and rules."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Back to the game")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Static("Thousand Token Wood: keys", classes="help-title")
            yield Static(keys_table(), id="help-keys")
            yield Markdown(rules_markdown(), id="help-rules")
        yield Footer()

    def action_close(self) -> None:
        """Back to the game."""
        self.app.pop_screen()
