"""The inspector: for any remembered turn and trader, exactly what was sent and what came back.

In a played game only the Patron's own side is remembered (its brief and what it sent): a creature's
prompt, raw answer and thinking never reach the player's screen.

While a turn is decided, the live area above the body shows every streaming creature's answer as it
is written (`show_live`): its text for a spectator, only its figures in a played game.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static

from tokenwood_tui.history import Entry, History
from tokenwood_tui.widgets.footer import SteadyFooter


def entry_text(e: Entry) -> Text:
    """Everything about one decision, in sections."""
    out = Text()

    def section(title: str, body: str | Text, empty: str = "(none)") -> None:
        out.append(f"\n{title}\n", style="bold #7fb069")
        if isinstance(body, Text):
            out.append_text(body if body.plain else Text(empty, style="dim"))
        else:
            out.append(body if body else empty, style="" if body else "dim")
        out.append("\n")

    out.append(f"{e.trader}", style="bold")
    out.append(f"  turn {e.turn}  model {e.model}  {e.latency_s:.2f} s", style="")
    if e.tokens:
        out.append(f"  {e.tokens} tokens")
    if e.fault:
        out.append(f"\nNo answer ({(e.fault_kind or 'fault').replace('_', ' ')}): {e.fault}", style="bold red")
    if e.leak:
        out.append(f"\nThe firewall stopped this prompt ({len(e.leak)} hit(s)).", style="bold red")
    out.append("\n")
    section("Prompt (exactly what was sent)", e.prompt)
    section("Raw answer", e.raw, "(empty)")
    section("Repairs applied", ", ".join(e.repairs))
    section("Parsed actions (what the rules received)", e.parsed, "(nothing could be parsed)")
    section("Dropped by the parser", "\n".join(e.dropped))
    section("Refused by the rules", "\n".join(e.refused))
    return out


class InspectorScreen(Screen):
    """Browse remembered turns (left/right) and traders (up/down)."""

    BINDINGS = [
        Binding("escape,i", "close", "Back to the board"),
        Binding("left,comma", "turn(-1)", "Earlier turn", priority=True),
        Binding("right,full_stop", "turn(1)", "Later turn", priority=True),
        Binding("home", "first", "First", show=False, priority=True),
        Binding("end", "last", "Latest", priority=True),
    ]
    ALLOWED_APP_ACTIONS = frozenset({"step", "auto", "faster", "slower", "quit", "help"})
    """App actions that still work while the inspector is open."""

    def __init__(self, history: History, played: bool) -> None:
        super().__init__(id="inspector")
        self.history, self.played = history, played
        turns = history.turns
        self.turn: int | None = turns[-1] if turns else None
        self.trader: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="insp-head")
        yield Static(id="insp-live")
        with Horizontal(id="insp-main"):
            yield OptionList(id="insp-traders")
            with VerticalScroll(id="insp-scroll"):
                yield Static(id="insp-body")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#insp-live", Static).display = False
        self.render_entry()
        self.query_one(OptionList).focus()

    def show_live(self, writing: Text | None) -> None:
        """Show what the creatures are writing now (None: nothing, the live area folds away)."""
        live = self.query_one("#insp-live", Static)
        live.display = writing is not None
        if writing is not None:
            live.update(writing)

    def reopen(self) -> None:
        """Open again at the latest turn: the app keeps this screen alive between openings (it opens at once)."""
        turns = self.history.turns
        self.turn, self.trader = (turns[-1] if turns else None), None
        if self.is_mounted:
            self.render_entry()
            self.query_one("#insp-scroll").scroll_home(animate=False)
            self.query_one(OptionList).focus()

    def follow(self) -> None:
        """A new turn was remembered: move to it when showing the latest, else keep the place."""
        turns = self.history.turns
        if not turns:
            self.turn = None
        elif self.turn is None or self.turn not in turns or self.turn == turns[-2 if len(turns) > 1 else -1]:
            self.turn = turns[-1]
        self.render_entry()

    def render_entry(self) -> None:
        """Show the current turn and trader."""
        head = Text()
        head.append(" Inspector ", style="bold reverse #6fa8dc")
        turns = self.history.turns
        if self.turn is None:
            head.append("  no turn played yet: press space to play one", style="dim")
            self.query_one("#insp-head", Static).update(head)
            self.query_one("#insp-body", Static).update(Text(
                "Every prompt, raw answer, repair and refusal of the last turns shows here.", style="dim"))
            return
        i = turns.index(self.turn)
        head.append(f"  turn {self.turn}", style="bold")
        head.append(f"  ({i + 1} of {len(turns)} remembered; left/right to browse, up/down for traders)", style="dim")
        if self.played:
            head.append("  In a played game you see only your own side.", style="italic #e8b931")
        self.query_one("#insp-head", Static).update(head)
        traders = self.history.traders(self.turn)
        if self.trader not in traders:
            self.trader = traders[0] if traders else None
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options(traders)
        if self.trader in traders:
            ol.highlighted = traders.index(self.trader)
        entry = self.history.get(self.turn, self.trader) if self.trader else None
        self.query_one("#insp-body", Static).update(entry_text(entry) if entry else Text("(nothing)", style="dim"))

    @on(OptionList.OptionHighlighted)
    def _picked(self, event: OptionList.OptionHighlighted) -> None:
        name = str(event.option.prompt)
        if name != self.trader:
            self.trader = name
            entry = self.history.get(self.turn, name) if self.turn is not None else None
            self.query_one("#insp-body", Static).update(entry_text(entry) if entry else Text(""))
            self.query_one("#insp-scroll").scroll_home(animate=False)

    def action_turn(self, delta: int) -> None:
        """Show an earlier (-1) or later (+1) turn."""
        turns = self.history.turns
        if not turns or self.turn is None:
            return
        i = max(0, min(len(turns) - 1, turns.index(self.turn) + delta))
        self.turn = turns[i]
        self.render_entry()

    def action_first(self) -> None:
        """Show the oldest remembered turn."""
        if self.history.turns:
            self.turn = self.history.turns[0]
            self.render_entry()

    def action_last(self) -> None:
        """Show the latest turn."""
        if self.history.turns:
            self.turn = self.history.turns[-1]
            self.render_entry()

    def action_close(self) -> None:
        """Back to the board."""
        self.app.pop_screen()
