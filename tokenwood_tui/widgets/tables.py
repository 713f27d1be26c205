"""The board's tables: traders, order books, recent trades, scoreboard, feelings. Stable row keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widgets import DataTable

from engine.core.scenario import PATRON
from tokenwood_tui.viewmodel import Board
from tokenwood_tui.textual_compat import set_last_column_width
from tokenwood_tui.widgets.panel import Panel, cell_texts, sync_rows

TREND = {"rising": Text("\u25b2", style="green"), "falling": Text("\u25bc", style="red"),
         "steady": Text("\u25c6", style="dim")}
"""Trend arrows."""


def _table(id: str, cursor: str = "row") -> DataTable:
    t = DataTable(id=id, cursor_type=cursor, zebra_stripes=False, show_cursor=False)
    t.can_focus = True
    return t


class CreaturesPanel(Panel):
    """Every trader: who it is, what thinks for it, what it did and said last turn, and its live status."""

    TITLE = "The traders"
    COLUMNS = ("trader", "model", "makes", "did", "status", "said")

    status: reactive[dict[str, Text]] = reactive(dict, always_update=True, init=False)
    """Trader -> live status ("thinking... 2.1 s", "41 tok 2.1 s", "answered", "hesitated")."""
    live: reactive[dict[str, Text]] = reactive(dict, always_update=True, init=False)
    """Trader -> what stands in its 'Said aloud' cell while it writes (the text's tail for a spectator,
    figures for a player); the board's own saying comes back when the turn resolves."""

    def compose(self) -> ComposeResult:
        yield _table("traders-table")

    def on_mount(self) -> None:
        super().on_mount()
        t = self.query_one(DataTable)
        for key, label, width in self.WIDTHS:
            t.add_column(label, key=key, width=width)
        self._fit()

    WIDTHS = (("trader", "Trader", 19), ("model", "Thinks with", 22), ("makes", "Makes", 15),
              ("did", "Last turn", 30), ("status", "Now", 16), ("said", "Said aloud", 20))

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Give 'Said aloud' whatever width the other columns leave."""
        t = self.query_one(DataTable)
        fixed = sum(w for k, _, w in self.WIDTHS if k != "said") + 2 * len(self.WIDTHS) + 1
        said = max(10, self.size.width - fixed)
        if "said" in t.columns:
            set_last_column_width(t, "said", said)

    def _rows(self, board: Board) -> dict[str, list]:
        rows = {}
        for r in board.traders:
            who = Text(r.name, style="bold") + Text(f" the {r.species}" if r.name != PATRON else
                                                     (" (you)" if board.mode == "play" else ""), style="dim")
            did = Text(r.trades or "no trades", style="" if r.trades else "dim")
            said = self.live.get(r.name) or (Text(f"\u201c{r.said}\u201d", style="italic") if r.said else Text(""))
            status = self.status.get(r.name) or (
                Text("hesitated", style="bold red") if r.hesitated else Text("waiting", style="dim"))
            rows[r.name] = [who, r.model_label, r.makes, did, status, said]
        return rows

    def texts(self, board: Board) -> list[str]:
        return cell_texts(self._rows(board).values())

    def show(self, board: Board) -> None:
        sync_rows(self.query_one(DataTable), self._rows(board), self.COLUMNS)

    def set_status(self, trader: str, text: Text) -> None:
        """Change one trader's live status cell."""
        self.status = {**self.status, trader: text}
        table = self.query_one(DataTable)
        if trader in {k.value for k in table.rows}:
            table.update_cell(trader, "status", text)

    def set_live(self, trader: str, text: Text) -> None:
        """Show `text` in one trader's 'Said aloud' cell while it writes."""
        self.live = {**self.live, trader: text}
        table = self.query_one(DataTable)
        if trader in {k.value for k in table.rows}:
            table.update_cell(trader, "said", text)

    @property
    def said_width(self) -> int:
        """How many characters the 'Said aloud' column shows."""
        column = self.query_one(DataTable).columns.get("said")
        return column.width if column is not None else 20

    def clear_status(self) -> None:
        """Forget live statuses and what was being written (a new turn is about to show)."""
        self.status = {}
        self.clear_live()

    def clear_live(self) -> None:
        """Forget what was being written (the turn resolved: the board's sayings show again)."""
        self.live = {}


class BooksPanel(Panel):
    """One row per good: bid and ask levels with sizes (units@price), last price and trend."""

    TITLE = "Order books"
    SUBTITLE = "buyers bid, sellers ask: units@price"
    COLUMNS = ("good", "last", "trend", "bids", "asks")

    def compose(self) -> ComposeResult:
        yield _table("books-table")

    def on_mount(self) -> None:
        super().on_mount()
        t = self.query_one(DataTable)
        for key, label, width in (("good", "Good", 8), ("last", "Last", 4), ("trend", "", 1),
                                  ("bids", "Buyers", 10), ("asks", "Sellers", 10)):
            t.add_column(label, key=key, width=width)

    @staticmethod
    def _rows(board: Board) -> dict[str, list]:
        rows = {}
        for b in board.books:
            bids = Text(" ".join(f"{q}@{p}" for p, q in b.bids[:3]) or "-", style="green")
            asks = Text(" ".join(f"{q}@{p}" for p, q in b.asks[:3]) or "-", style="red")
            rows[b.good] = [Text(b.good, style="bold"), Text(str(b.last), justify="right"),
                            TREND.get(b.trend, Text("")), bids, asks]
        return rows

    def texts(self, board: Board) -> list[str]:
        return cell_texts(self._rows(board).values())

    def show(self, board: Board) -> None:
        sync_rows(self.query_one(DataTable), self._rows(board), self.COLUMNS)


class TradesPanel(Panel):
    """The most recent public trades, newest at the bottom."""

    TITLE = "Recent trades"
    COLUMNS = ("turn", "good", "deal", "who")
    KEEP = 30

    def compose(self) -> ComposeResult:
        yield _table("trades-table")

    def on_mount(self) -> None:
        super().on_mount()
        t = self.query_one(DataTable)
        for key, label, width in (("turn", "T", 2), ("good", "Good", 8), ("deal", "Deal", 5),
                                  ("who", "Seller\u2192buyer", 15)):
            t.add_column(label, key=key, width=width)

    def _rows(self, board: Board) -> dict[str, list]:
        return {str(tr.key): [str(tr.turn), tr.good, f"{tr.qty}@{tr.price}", f"{tr.seller}\u2192{tr.buyer}"]
                for tr in board.trades[-self.KEEP:]}

    def texts(self, board: Board) -> list[str]:
        return cell_texts(self._rows(board).values())

    def show(self, board: Board) -> None:
        table = self.query_one(DataTable)
        sync_rows(table, self._rows(board), self.COLUMNS)
        table.scroll_end(animate=False)


class ScoresPanel(Panel):
    """Net worth with the model behind each trader (a creature's purse is private in a played game)."""

    TITLE = "Scoreboard"
    COLUMNS = ("trader", "model", "worth", "cash")

    def compose(self) -> ComposeResult:
        yield _table("scores-table")

    def on_mount(self) -> None:
        super().on_mount()
        t = self.query_one(DataTable)
        for key, label, width in (("trader", "Trader", 8), ("model", "Model", 17), ("worth", "Worth", 7),
                                  ("cash", "Trade\u00b1", 6)):
            t.add_column(label, key=key, width=width)

    @staticmethod
    def _rows(board: Board) -> dict[str, list]:
        rows = {}
        for s in board.scores:
            worth = Text(str(s.worth), style="bold") if s.worth is not None else Text("private", style="dim")
            cash = Text(f"{s.trade_cash:+d}", style="green" if s.trade_cash > 0 else "red" if s.trade_cash < 0 else "")
            rows[s.trader] = [s.trader, s.model_label, worth, cash]
        return rows

    def texts(self, board: Board) -> list[str]:
        return cell_texts(self._rows(board).values())

    def show(self, board: Board) -> None:
        sync_rows(self.query_one(DataTable), self._rows(board), self.COLUMNS)
        if board.mode == "play":
            self.border_subtitle = "purses open at the season's end"
        else:
            self.border_subtitle = "exact (spectator)"


def heat(value: int, bound: int) -> Text:
    """A sentiment as a heat-map cell: red for dislike, green for liking, grey for indifference."""
    x = max(-1.0, min(1.0, value / max(1, bound)))
    if x >= 0:
        r, g, b = int(40 + 10 * (1 - x)), int(60 + 140 * x), int(40 + 20 * (1 - x))
    else:
        r, g, b = int(60 + 150 * -x), 40, 40
    return Text(f"{value:+d}".center(6) + " ", style=f"bold #ffffff on #{r:02x}{g:02x}{b:02x}")


class FeelingsPanel(Panel):
    """Play: each trader's public reputation. Watch: who feels what toward whom (a heat map)."""

    def __init__(self, mode: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        self.TITLE = "Reputation (public)" if mode == "play" else "Feelings: row toward column (hidden)"
        self._columns: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield _table("feelings-table", cursor="cell")

    def on_mount(self) -> None:
        super().on_mount()
        t = self.query_one(DataTable)
        if self.mode == "play":
            cols = (("trader", "Trader", 8), ("standing", "Standing", 9), ("trades", "Trades", 6),
                    ("words", "Words", 5), ("defaults", "Dflt", 4))
            for key, label, width in cols:
                t.add_column(label, key=key, width=width)
            self._columns = tuple(c[0] for c in cols)

    def _rows(self, board: Board) -> dict[str, list]:
        if self.mode == "play" or board.spectator is None:
            colour = {"esteemed": "bold green", "respected": "green", "known": "", "unknown": "dim",
                      "doubted": "yellow", "shunned": "bold red"}
            return {r.trader: [r.trader, Text(r.standing, style=colour.get(r.standing, "")), str(r.trades),
                               f"+{r.kind_words}/-{r.harsh_words}",
                               str(r.defaults + r.sanctions) if r.trader == PATRON else str(r.defaults)]
                    for r in board.reputation}
        sp = board.spectator
        rows = {}
        for who, row in sp.sentiment.items():
            rows[who] = [Text(f" {who}", style="bold")] + [
                heat(row[n], sp.bound) if n in row else Text("\u00b7".center(7), style="dim")
                for n in board.names]
        return rows

    def texts(self, board: Board) -> list[str]:
        return cell_texts(self._rows(board).values())

    def show(self, board: Board) -> None:
        t = self.query_one(DataTable)
        if self.mode == "watch" and not self._columns:
            t.cell_padding = 0
            t.add_column(" feels", key="who", width=9)
            for n in board.names:
                t.add_column(n[:6].center(7), key=n, width=7)
            self._columns = ("who", *board.names)
        sync_rows(t, self._rows(board), self._columns)
        if self.mode == "play":
            self.border_subtitle = "from public trades, gossip and defaults"
        else:
            self.border_subtitle = f"-{board.spectator.bound if board.spectator else 10}..+" \
                                   f"{board.spectator.bound if board.spectator else 10}"
