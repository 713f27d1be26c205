"""Prices over the season: one two-row block sparkline per good, on a shared turn axis.

Each good gets two terminal rows (16 levels of height), its own scale (its season low to high), its
last price and trend. The axis spans the whole season, so the lines grow left to right as turns pass;
winter's first turn is marked.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget

from tokenwood_tui.viewmodel import Board
from tokenwood_tui.widgets.panel import Panel

BLOCKS = " \u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
"""Eighths of a cell, empty to full."""

COLOURS = ("#e8b931", "#c08552", "#d4457f", "#e06c2c", "#6fa8dc", "#93c47d")
"""One colour per good, in scenario order."""

LABEL = 9
"""Cells for a good's name."""
TAIL = 7
"""Cells for its last price and trend."""


def resample(values: list[int], columns: int, season: int) -> list[int | None]:
    """Values placed on `columns` cells spanning a `season` of turns (None: a turn not yet played)."""
    out: list[int | None] = []
    for c in range(columns):
        # the last turn that falls in this column
        turn = min(season, (c + 1) * season // columns)
        out.append(values[turn - 1] if 0 < turn <= len(values) else None)
    return out


def two_rows(values: list[int | None], lo: int, hi: int) -> tuple[str, str]:
    """Top and bottom rows of a two-row sparkline of `values` scaled from lo to hi."""
    top, bottom = [], []
    span = max(1, hi - lo)
    for v in values:
        if v is None:
            top.append(" ")
            bottom.append(" ")
            continue
        level = 1 + round((v - lo) * 15 / span)  # 1..16: even the low shows a sliver
        bottom.append(BLOCKS[min(8, level)])
        top.append(BLOCKS[max(0, level - 8)])
    return "".join(top), "".join(bottom)


class PriceChart(Widget):
    """Every good's last price after each turn, over the whole season."""

    DEFAULT_CSS = "PriceChart { height: auto; }"

    prices: reactive[dict[str, list[int]]] = reactive(dict, layout=True)
    """Good -> last price after each turn played."""
    season: reactive[int] = reactive(40)
    """Turns in the season (the axis)."""
    winter: reactive[int] = reactive(0)
    """First turn of winter (marked on the axis; 0: none)."""

    def get_content_height(self, container, viewport, width: int) -> int:
        return 2 * max(1, len(self.prices)) + 1

    def render(self) -> Text:
        width = max(10, self.size.width - LABEL - TAIL)
        columns = min(width, self.season)
        out = Text()
        for i, (good, hist) in enumerate(self.prices.items()):
            colour = COLOURS[i % len(COLOURS)]
            lo, hi = (min(hist), max(hist)) if hist else (0, 1)
            top, bottom = two_rows(resample(hist, columns, self.season), lo, hi)
            last = str(hist[-1]) if hist else "-"
            span = f"{lo:>3}-{hi:<4} " if hist else ""
            arrow = ""
            if len(hist) > 1:
                arrow = "\u25b2" if hist[-1] > hist[-2] else "\u25bc" if hist[-1] < hist[-2] else ""
            out.append(f"{good[:LABEL - 1]:<{LABEL}}", style=f"bold {colour}")
            out.append(top.ljust(width), style=colour)
            out.append(f" {last:>3} {arrow}\n", style="bold")
            out.append(f"{span:<{LABEL}}"[:LABEL], style="dim")
            out.append(bottom.ljust(width), style=colour)
            out.append("\n")
        axis = [" "] * width
        if self.winter and self.winter <= self.season:
            axis[min(width - 1, (self.winter - 1) * columns // self.season)] = "*"
        axis_text = f"{'turn 1':<{LABEL}}" + "".join(axis)
        out.append(axis_text[:LABEL + width - 2] + f"{self.season:>2}", style="dim")
        if self.winter:
            out.append(f"  *winter", style="dim cyan")
        return out


class PricesPanel(Panel):
    """The price chart in a panel."""

    TITLE = "Prices this season"

    def compose(self) -> ComposeResult:
        yield PriceChart(id="price-chart")

    def texts(self, board: Board) -> list[str]:
        return [f"{g} {' '.join(map(str, h))}" for g, h in board.prices.items()]

    def show(self, board: Board) -> None:
        chart = self.query_one(PriceChart)
        chart.season = board.season_length
        chart.winter = board.winter_starts
        chart.prices = {g: list(h) for g, h in board.prices.items()}
        chart.refresh()
