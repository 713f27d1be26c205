"""The ends of a game: the season's final scoreboard, and banishment."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from engine.core.scenario import PATRON


def verdict(scores: list[tuple[str, str, int]], mode: str, banished: bool) -> Text:
    """Who won, in words."""
    richest = scores[0][0] if scores else "?"
    if banished:
        return Text("The magistrate banished the Patron: no fortune counts from exile.",
                    style="bold red")
    if richest == PATRON:
        return Text("You end the season the richest in the wood, unbanished. You win." if mode == "play"
                    else "The Patron ends the season the richest in the wood.", style="bold green")
    who = next((m for n, m, _ in scores if n == richest), "")
    return Text(f"{richest} ({who}) ends the season the richest in the wood."
                + (" You do not win this time." if mode == "play" else ""), style="bold #e8b931")


def scores_table(scores: list[tuple[str, str, int]]) -> Table:
    """The final scoreboard."""
    t = Table(title="Net worth at the season's end", title_style="bold", expand=False)
    t.add_column("#", justify="right")
    t.add_column("Trader", style="bold")
    t.add_column("Thinks with")
    t.add_column("Worth", justify="right", style="bold")
    for i, (name, model, worth) in enumerate(scores, 1):
        t.add_row(str(i), name, model, str(worth))
    return t


class EndScreen(Screen):
    """The season's end (every purse opens), or the Patron's banishment (the player's game ends)."""

    BINDINGS = [Binding("escape", "close", "Look at the board"), Binding("l", "app.load", "Load a save"),
                Binding("i", "app.inspect", "Inspector"), Binding("q", "app.quit", "Quit")]

    ALLOWED_APP_ACTIONS = frozenset({"load", "inspect", "help"})
    """App actions that work from this screen."""

    def __init__(self, scores: list[tuple[str, str, int]], mode: str, banished: bool, turn: int,
                 season_over: bool) -> None:
        super().__init__(id="end")
        self.scores, self.mode, self.banished, self.turn, self.season_over = scores, mode, banished, turn, season_over

    def compose(self) -> ComposeResult:
        if self.banished and self.mode == "play":
            title = Text(f"Banished on turn {self.turn}", style="bold red")
            body = Text("The magistrate has seen enough of your dealings: you are cast out of the wood and "
                        "your game is over. The creatures trade on without you.")
        else:
            title = Text(f"The season ends (turn {self.turn})", style="bold #7fb069")
            body = verdict(self.scores, self.mode, self.banished)
        with Center():
            with Vertical(id="end-box", classes="dialog"):
                yield Static(title, classes="dialog-title")
                yield Static(body, id="end-verdict")
                if self.season_over or self.mode == "watch":
                    yield Static(scores_table(self.scores), id="end-scores")
                yield Static(Text("esc: look at the board   l: load a save   i: inspector   q: quit",
                                  style="dim"))
        yield Footer()

    def action_close(self) -> None:
        """Back to the (finished) board."""
        self.app.pop_screen()
