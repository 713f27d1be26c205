"""The board: every panel of the game on one screen, laid out in tokenwood.tcss."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container, Horizontal
from textual.message import Message
from textual.screen import Screen

from tokenwood_tui import guard
from tokenwood_tui.viewmodel import Board
from tokenwood_tui.widgets.chart import PricesPanel
from tokenwood_tui.widgets.desk import CurtainPanel, DeskPanel
from tokenwood_tui.widgets.footer import SteadyFooter
from tokenwood_tui.widgets.panel import Panel
from tokenwood_tui.widgets.record import RecordPanel
from tokenwood_tui.widgets.status import StatusBar
from tokenwood_tui.widgets.tables import BooksPanel, CreaturesPanel, FeelingsPanel, ScoresPanel, TradesPanel


class BoardScreen(Screen):
    """The main screen: traders, books, prices, scoreboard, feelings, the record, the desk."""

    class Shown(Message):
        """The board came back to the front (a dialog or another screen closed)."""

    def __init__(self, mode: str) -> None:
        super().__init__(id="board")
        self.mode = mode

    def compose(self) -> ComposeResult:
        yield StatusBar(self.mode, id="status")
        yield CreaturesPanel(id="traders")
        with Container(id="body", classes=self.mode):
            yield BooksPanel(id="books")
            yield PricesPanel(id="prices")
            yield DeskPanel(id="desk") if self.mode == "play" else CurtainPanel(id="curtain")
            yield ScoresPanel(id="scores")
            yield FeelingsPanel(self.mode, id="feelings")
            with Horizontal(id="lower"):
                yield RecordPanel(id="record")
                yield TradesPanel(id="trades")
        yield SteadyFooter()

    def on_screen_resume(self) -> None:
        self.post_message(self.Shown())

    @property
    def panels(self) -> list[Panel]:
        """Every panel that renders the board."""
        return list(self.query(Panel))

    def show(self, board: Board, secrets: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, ...]]]:
        """Render `board` on every panel; in a played game scan each panel first and withhold on a hit.

        Returns (panel id, hits) for each panel withheld.
        """
        withheld = []
        for panel in self.panels:
            if board.mode == "play":
                hits = guard.scan(panel.texts(board), secrets)
                if hits:
                    panel.withhold()
                    guard.report(panel.id or type(panel).__name__, hits)
                    withheld.append((panel.id or "", hits))
                    continue
            panel.board = board
        self.query_one(StatusBar).board = board
        return withheld

    def scan_rendered(self, secrets: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, ...]]]:
        """Scan the characters now on screen, panel by panel; withhold each panel with a hit."""
        withheld = []
        strips = guard.render_strips(self)
        for panel in self.panels:
            if panel.withheld or not panel.region.area:
                continue
            hits = guard.scan([guard.region_text(strips, panel)], secrets)
            if hits:
                panel.withhold()
                guard.report(panel.id or "", hits)
                withheld.append((panel.id or "", hits))
        return withheld
