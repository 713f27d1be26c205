"""The Patron's desk (play) and, for spectators, what goes on behind the curtain (watch)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, OptionList, Static

from engine.core.scenario import PATRON
from tokenwood_tui.viewmodel import METER, Board, Desk
from tokenwood_tui.moves import FORMS
from tokenwood_tui.widgets.panel import Panel

METER_STYLE = {"calm": "green", "murmurs": "yellow", "watchful": "#e06c2c", "investigating": "bold red"}
"""The magistrate's meter words, coloured."""


def meter(word: str) -> Text:
    """The magistrate's public meter as a bar and a word."""
    level = METER.index(word) + 1 if word in METER else 0
    style = METER_STYLE.get(word, "")
    return Text.assemble(("\u25a0" * level, style), ("\u25a1" * (len(METER) - level), "dim"), " ", (word, style))


def _section(out: Text, title: str, rows: tuple[str, ...], empty: str = "") -> None:
    if not rows and not empty:
        return
    out.append(f"\n{title}", style="bold")
    if not rows:
        out.append(f" {empty}", style="dim")
    for r in rows:
        out.append(f"\n  {r}")


def desk_text(desk: Desk, board: Board) -> Text:
    """The desk's standing, in words."""
    out = Text()
    out.append("Pebbles ", style="dim")
    out.append(str(desk.pebbles), style="bold")
    out.append("   worth ", style="dim")
    out.append(str(desk.worth), style="bold")
    held = ", ".join(f"{q} {g}" for g, q in desk.goods.items() if q) or "no goods"
    out.append(f"\nHolding {held}")
    out.append("\nMagistrate ")
    out.append_text(meter(board.suspicion))
    if board.banished:
        out.append("\nYOU HAVE BEEN BANISHED", style="bold red")
    elif desk.frozen or board.frozen_until > board.turn:
        out.append(f"\nFROZEN until turn {board.frozen_until}: no moves", style="bold red")
    _section(out, "You heard ahead:", desk.heard)
    _section(out, "Your resting orders:", desk.orders, "none")
    _section(out, "Tips you gave:", desk.tips)
    _section(out, "Loans:", desk.loans)
    _section(out, "Shorts:", desk.shorts)
    _section(out, "Bribes:", desk.bribes)
    if not (desk.heard or desk.orders or desk.tips or desk.loans or desk.shorts or desk.bribes):
        out.append("\n\nYou make nothing: you trade, lend at interest, whisper tips (true or planted), "
                   "sell short, bribe, and may spring one Wood Legend a season. Queue moves with the "
                   "buttons below (or their keys); space plays the turn and sends them. The magistrate "
                   "watches for trading on what you should not know. End the season richest, unbanished.",
                   style="dim")
    if desk.legends_left:
        out.append(f"\nA legend to spring: {len(desk.legends_left)} in the deck", style="dim")
    else:
        out.append("\nYour legend is spent this season", style="dim")
    return out


class DeskPanel(Panel):
    """The Patron's own standing, its moves, and what is queued for the next turn."""

    TITLE = "The Patron's desk (you)"
    SUBTITLE = "esc: back to the board"

    queued: reactive[tuple[str, ...]] = reactive(tuple, init=False)
    """Queued moves, in words."""
    next_turn: reactive[int] = reactive(1, init=False)
    """The turn the queued moves go with."""

    class MoveRequested(Message):
        """A desk button asked for a move form."""

        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind
            """The move kind (a PatronAnswer field)."""

    class WithdrawRequested(Message):
        """The person asked to take back one queued move."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index
            """Its position in the queue."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="desk-scroll"):
            yield Static(id="desk-info")
        with Grid(id="desk-buttons"):
            for kind, form in FORMS.items():
                yield Button(Text(f"{form.button} ({form.key})"), id=f"desk-{kind}", compact=True)
        yield Static(id="desk-queue-title")
        yield OptionList(id="desk-queue")

    def on_mount(self) -> None:
        super().on_mount()
        self._queue_title()

    def texts(self, board: Board) -> list[str]:
        return [desk_text(board.desk, board).plain]

    def show(self, board: Board) -> None:
        self.query_one("#desk-info", Static).update(desk_text(board.desk, board))
        self.next_turn = board.turn + 1

    def _queue_title(self) -> None:
        n = len(self.queued)
        hint = "  del withdraws, space sends" if n else ": nothing yet (you pass)"
        self.query_one("#desk-queue-title", Static).update(
            Text.assemble((f"Queued for turn {self.next_turn}", "bold"), (hint, "dim")))

    def watch_queued(self, queued: tuple[str, ...]) -> None:
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options([f"{i + 1}. {q}" for i, q in enumerate(queued)])
        self._queue_title()

    def watch_next_turn(self, _: int) -> None:
        self._queue_title()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        kind = (event.button.id or "").removeprefix("desk-")
        if kind in FORMS:
            self.post_message(self.MoveRequested(kind))

    def on_key(self, event) -> None:
        if event.key in ("delete", "backspace") and self.query_one(OptionList).has_focus:
            index = self.query_one(OptionList).highlighted
            if index is not None:
                event.stop()
                self.post_message(self.WithdrawRequested(index))


class CurtainPanel(Panel):
    """For spectators: every purse, the magistrate's exact count, the Patron's dealings, private thoughts."""

    TITLE = "Behind the curtain (spectators only)"

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="curtain-scroll"):
            yield Static(id="curtain-info")

    def texts(self, board: Board) -> list[str]:
        return []

    def show(self, board: Board) -> None:
        sp = board.spectator
        if sp is None:
            return
        table = Table(box=None, pad_edge=False, expand=True, header_style="bold dim")
        table.add_column("Purse", no_wrap=True)
        table.add_column("peb", justify="right")
        for g in board.goods:
            table.add_column(g[:3], justify="right")
        table.add_column("hun/cold", justify="right")
        for name, (pebbles, goods, hunger, cold) in sp.purses.items():
            table.add_row(name, str(pebbles), *(str(goods.get(g, 0)) for g in board.goods),
                          f"{hunger}/{cold}" if name != PATRON else "-")
        out = Text()
        out.append("Magistrate ")
        out.append_text(meter(board.suspicion))
        out.append(f"  ({sp.suspicion_points} of {sp.banish_at} to banishment)", style="dim")
        if sp.sanctions:
            out.append(f"\nSanctions: {', '.join(sp.sanctions)}", style="red")
        out.append("\n")
        desk = desk_text(board.desk, board)
        out.append("\nThe Patron (", style="bold")
        out.append(next((t.model_label for t in board.traders if t.name == PATRON), "?"), style="bold")
        out.append("):\n", style="bold")
        out.append_text(desk)
        if sp.thoughts:
            out.append("\n\nPrivate thoughts:", style="bold")
            for turn, who, text in sp.thoughts:
                out.append(f"\n  t{turn} {who}: ", style="dim")
                out.append(text, style="italic")
        self.query_one("#curtain-info", Static).update(Group(table, out))
