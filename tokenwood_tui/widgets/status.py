"""The line across the top: the turn, the season, the magistrate's mood, the mode and what is happening."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tokenwood_tui.viewmodel import Board
from tokenwood_tui.widgets.desk import meter


class StatusBar(Static):
    """Turn, season, legends, the magistrate, play or watch, auto-play and the current activity."""

    board: reactive[Board | None] = reactive(None, init=False)
    """The board shown."""
    activity: reactive[str] = reactive("", init=False)
    """What is happening now ("waking the creatures...", "turn 13: deciding 2.1 s", "space: next turn")."""
    auto: reactive[bool] = reactive(False, init=False)
    """Whether auto-play is on."""
    interval: reactive[float] = reactive(1.0, init=False)
    """Seconds between auto-played turns."""
    withheld: reactive[int] = reactive(0, init=False)
    """Panels the screen firewall withheld this session."""

    def __init__(self, mode: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode = mode

    def _line(self) -> Text:
        b = self.board
        out = Text()
        out.append(" Thousand Token Wood ", style="bold reverse #7fb069")
        if b is not None:
            out.append(f"  Turn {b.turn}/{b.season_length}", style="bold")
        if self.activity:
            out.append(f"  {self.activity}", style="bold #6fa8dc")
        if self.withheld:
            out.append(f"  firewall withheld {self.withheld}", style="bold red")
        out.append("  \u2502", style="dim")
        if b is not None:
            if b.turn + 1 >= b.winter_starts:
                out.append(f"  winter (burn {b.burn})", style="cyan")
            else:
                out.append(f"  autumn, winter in {b.winter_starts - b.turn - 1}", style="")
            out.append("  magistrate ")
            out.append_text(meter(b.suspicion))
        out.append("  \u2502 ", style="dim")
        out.append("PLAY as the Patron" if self.mode == "play" else "WATCH (spectator)", style="bold")
        out.append(f"  auto {'on' if self.auto else 'off'} {self.interval:g}s", style="green" if self.auto else "dim")
        if b is not None and b.legends:
            out.append("  \u2502 legend: " + "; ".join(b.legends), style="#e8b931")
        return out

    def render(self) -> Text:
        return self._line()
