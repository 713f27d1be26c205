"""Per-viewer views: the only road from the game state to a prompt or to the player's screen.

`view_for(state, trader)` copies plain values out of the public record and the viewer's own private
slice. A view holds no reference to the state and never copies a canary. The Patron's view adds the
Patron's own secrets (what it heard ahead of time, the truth of the tips it gave): those are its own.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from engine.core import sentiment
from engine.core.economy import burn_for, foods_needed, short_on, worth
from engine.core.scenario import PATRON
from engine.core.state import GameState


class _V(BaseModel):
    model_config = ConfigDict(frozen=True)


class BookView(_V):
    """One good's public order book."""

    good: str
    """The good."""
    bids: list[tuple[int, int]]
    """(price, units) best first."""
    asks: list[tuple[int, int]]
    """(price, units) best first."""
    last: int
    """Last price."""
    trend: str
    """rising / falling / steady."""
    history: list[int]
    """Recent last prices (a fixed window)."""


class MyOrder(_V):
    """One of the viewer's own resting orders."""

    id: int
    """Order id (for cancel)."""
    side: str
    """buy or sell."""
    good: str
    """Good."""
    qty: int
    """Units remaining."""
    price: int
    """Limit price."""
    expires: int
    """Last turn it is live."""


class Offer(_V):
    """A loan or bribe offered to the viewer, awaiting accept or decline."""

    id: int
    """Offer id to put in accept or decline."""
    kind: str
    """loan or bribe."""
    text: str
    """What the offer says."""


class Debt(_V):
    """A loan the viewer owes."""

    id: int
    """Loan id."""
    owed: int
    """Pebbles owed now."""
    due: int
    """Turn it falls due."""


class PatronSecrets(_V):
    """What only the Patron knows: its own deals and foreknowledge (shown only to the Patron)."""

    heard: list[str] = Field(default_factory=list)
    """Legends the Patron heard of ahead of time, as words."""
    tips: list[str] = Field(default_factory=list)
    """Tips given, each with whether it was true."""
    loans: list[str] = Field(default_factory=list)
    """Loans offered and where each stands."""
    shorts: list[str] = Field(default_factory=list)
    """Shorts and where each stands."""
    open_shorts: list[tuple[int, str, int, int]] = Field(default_factory=list)
    """(id, good, units, due turn) of each open short."""
    bribes: list[str] = Field(default_factory=list)
    """Bribes offered and where each stands."""
    legends_left: list[tuple[str, str]] = Field(default_factory=list)
    """(id, name) of legends the Patron may still spring (empty once one was sprung)."""


class View(_V):
    """What one trader sees at the start of its decision."""

    turn: int
    """The turn being decided."""
    season_length: int
    """Turns in the season."""
    me: str
    """The viewer's name."""
    species: str
    """The viewer's species ("Patron" for the Patron)."""
    produces: str | None
    """The good the viewer makes and must never buy (None for the Patron)."""
    rate: int
    """Units it makes per turn when healthy."""
    pebbles: int
    """Pebbles in hand."""
    goods: dict[str, int]
    """Units in hand by good."""
    hunger: int
    """Missed meals not yet recovered from."""
    cold: int
    """Cold turns not yet recovered from."""
    meals: int
    """Meals a creature eats per turn (each a different food)."""
    foods: list[str]
    """Goods that are food."""
    goods_all: list[str]
    """Every good traded."""
    short_on: dict[str, int]
    """Goods this viewer lacks for the coming turn: good -> units needed (foods: any `foods_needed` of them)."""
    foods_needed: int
    """How many more different foods it needs in hand to eat all its meals this turn."""
    burn: int
    """Firewood each creature burns per turn now (0 before winter)."""
    burn_next: int = 0
    """Firewood each creature will burn next turn, as far as the public record tells now (the winter
    schedule and legends already under way)."""
    fuels: list[str] = Field(default_factory=list)
    """Goods that are burned for warmth (the first one is what winter burns)."""
    hoard_limits: dict[str, int] = Field(default_factory=dict)
    """Perishable goods -> units a trader may hold before the excess rots at the end of the turn."""
    winter_starts: int
    """Turn winter begins."""
    books: list[BookView]
    """The public order books."""
    my_orders: list[MyOrder]
    """The viewer's resting orders."""
    offers: list[Offer]
    """Offers awaiting the viewer's answer."""
    debts: list[Debt]
    """Loans the viewer owes."""
    whispers: list[str]
    """Tips the viewer heard (words only)."""
    events: list[str]
    """The last few public events."""
    feelings: list[str]
    """One line per other trader (bounded)."""
    legends: list[str]
    """Legends under way, as public words."""
    suspicion: str
    """The magistrate's public meter."""
    frozen: bool
    """Whether the viewer's assets are frozen this turn."""
    others: list[str]
    """Every other trader's name."""
    patron: PatronSecrets | None = None
    """The Patron's own secrets (only in the Patron's view)."""


HISTORY_WINDOW = 10
"""Last prices kept per good in a view."""
WHISPER_WINDOW = 3
"""Whispers (the Patron's tips) kept in a view, the newest last."""


def whisper_line(turn: int, good: str, direction: str) -> str:
    """How a creature sees a tip the Patron whispered to it on `turn` (words only, never its truth).

    >>> whisper_line(4, "honey", "rise")
    'turn 4: the Patron whispers that honey will rise.'
    """
    return f"turn {turn}: the Patron whispers that {good} will {direction}."


_WHISPER_RE = re.compile(r"^turn (\d+): the Patron whispers that (\w+) will (\w+)\.$")
_SAID_RE = re.compile(r'^turn \d+: (\S+) says: "(.*)"$')


def read_whisper(line: str) -> tuple[int, str, str] | None:
    """(turn, good, direction) of a `whisper_line`; None for any other line.

    >>> read_whisper(whisper_line(4, "honey", "rise")), read_whisper("turn 4: honey is dear")
    ((4, 'honey', 'rise'), None)
    """
    m = _WHISPER_RE.match(line)
    return (int(m.group(1)), m.group(2), m.group(3)) if m else None


def read_said(line: str) -> tuple[str, str] | None:
    """(speaker, words) of a public event line that quotes a trader's gossip; None for any other line.

    >>> read_said('turn 2: Fennick says: "Honey is dear."'), read_said("turn 2: Oona bought 2 honey at 6")
    (('Fennick', 'Honey is dear.'), None)
    """
    m = _SAID_RE.match(line)
    return (m.group(1), m.group(2)) if m else None


def legend_line(name: str, ends: int, words: str, moves: dict[str, str] | None = None) -> str:
    """How a legend under way appears in a view: its name, its last turn, its public words and which way
    it pushes each good it touches (the scenario's `moves`, public in the rules' legend table).

    The words alone name no direction a small model could read ("the hives cannot keep up"): probed, no
    model bid for a good a legend pushed up (docs/probes-embedded.md, runs 1-4), so the line says it.

    >>> legend_line("The Long Frost", 12, "Every hearth burns hungrier.", {"firewood": "rise"})
    'The Long Frost (until turn 12): Every hearth burns hungrier. Firewood will rise.'
    """
    said = "".join(f" {g.capitalize()} will {way}." for g, way in (moves or {}).items())
    return f"{name} (until turn {ends}): {words}{said}"


_LEGEND_MOVE_RE = re.compile(r" ([A-Z][a-z]+) will (rise|fall)\.")


def read_legend(line: str) -> dict[str, str]:
    """good -> "rise" or "fall", as a `legend_line` states them ({} for a line that states none).

    >>> read_legend(legend_line("Bluebell Mania", 9, "The hives cannot keep up.", {"honey": "rise"}))
    {'honey': 'rise'}
    """
    return {g.lower(): way for g, way in _LEGEND_MOVE_RE.findall(line)}


def view_for(state: GameState, me: str) -> View:
    """Build `me`'s view of the turn about to be decided."""
    sc, pub, hid = state.scenario, state.public, state.hidden
    turn = pub.turn + 1
    mine = hid.holdings[me]
    is_patron = me == PATRON
    spec = None if is_patron else sc.trader(me)
    books = []
    for g in sc.good_names:
        bids, asks = state.market.depth(g, levels=5)
        hist = pub.price_history.get(g, [sc.good(g).base_price])
        books.append(BookView(good=g, bids=bids, asks=asks, last=hist[-1],
                              trend=sentiment.trend(hist), history=hist[-HISTORY_WINDOW:]))
    my_orders = [MyOrder(id=o.id, side=o.side, good=o.good, qty=o.qty, price=o.price,
                         expires=o.expires_turn) for o in state.market.orders_of(me)]
    offers: list[Offer] = []
    for ln in hid.loans:
        if ln.creature == me and ln.status == "offered":
            offers.append(Offer(id=ln.id, kind="loan", text=(
                f"The Patron offers to lend you {ln.principal} pebbles at {ln.rate_pct}% a turn, "
                f"due {ln.term} turns after you accept.")))
    for b in hid.bribes:
        if b.creature == me and b.status == "offered":
            offers.append(Offer(id=b.id, kind="bribe", text=(
                f"The Patron offers you {b.amount} pebbles and asks: \"{b.request}\".")))
    debts = [Debt(id=ln.id, owed=ln.owed, due=ln.due) for ln in hid.loans
             if ln.creature == me and ln.status == "active"]
    whispers = [whisper_line(t.turn, t.good, t.direction) for t in hid.tips if t.creature == me][-WHISPER_WINDOW:]
    others = [t.name for t in sc.traders if t.name != me] + ([] if is_patron else [PATRON])
    legends = [legend_line(lg.name, lg.ends, lg.words, sc.legend(lg.id).moves) for lg in pub.legends if lg.ends >= turn]
    secrets = _patron_secrets(state, turn) if is_patron else None
    return View(
        turn=turn, season_length=sc.season_length, me=me,
        species="Patron" if is_patron else spec.species,
        produces=None if is_patron else spec.produces, rate=0 if is_patron else spec.rate,
        pebbles=mine.pebbles, goods={g: mine.goods.get(g, 0) for g in sc.good_names},
        hunger=mine.hunger, cold=mine.cold, meals=sc.diet.meals, foods=sc.foods,
        goods_all=sc.good_names,
        short_on={} if is_patron else short_on(sc, mine, spec.produces, burn_for(state, turn)),
        foods_needed=0 if is_patron else foods_needed(sc, mine),
        burn=burn_for(state, turn), burn_next=burn_for(state, turn + 1), fuels=sc.fuels,
        hoard_limits={g.name: g.hoard_limit for g in sc.goods if g.hoard_limit is not None and g.spoil_pct},
        winter_starts=sc.winter.start,
        books=books, my_orders=my_orders, offers=offers, debts=debts, whispers=whispers,
        events=sentiment.recent_events(pub.events, sc.event_window),
        feelings=[] if is_patron else sentiment.feeling_lines(
            hid, me, others, sc.sentiment_bound, always=(PATRON,)),
        legends=legends, suspicion=pub.suspicion,
        frozen=is_patron and pub.patron_frozen_until >= turn,
        others=others, patron=secrets,
    )


def _patron_secrets(state: GameState, turn: int) -> PatronSecrets:
    sc, pub, hid = state.scenario, state.public, state.hidden
    heard = [f"{sc.legend(f.legend).name} will begin on turn {f.starts} "
             f"({', '.join(f'{g} {d}' for g, d in sc.legend(f.legend).moves.items())})"
             for f in hid.foreknowledge if f.starts >= turn]
    tips = [f"turn {t.turn}: told {t.creature} {t.good} will {t.direction} "
            f"({'true' if t.true else 'planted'})" for t in hid.tips][-6:]
    loans = [f"#{ln.id} {ln.creature}: {ln.principal} at {ln.rate_pct}% - {ln.status}"
             + (f", owes {ln.owed} by turn {ln.due}" if ln.status == "active" else "")
             for ln in hid.loans][-6:]
    shorts = [f"#{s.id} {s.qty} {s.good} due turn {s.due} - {s.status}" for s in hid.shorts][-6:]
    open_shorts = [(s.id, s.good, s.qty, s.due) for s in hid.shorts if s.status == "open"]
    bribes = [f"#{b.id} {b.creature}: {b.amount} for \"{b.request}\" - {b.status}" for b in hid.bribes][-6:]
    started = {lg.id for lg in pub.legends}
    left = [] if hid.sprung else [(lg.id, lg.name) for lg in sc.legends if lg.id not in started]
    return PatronSecrets(heard=heard, tips=tips, loans=loans, shorts=shorts, open_shorts=open_shorts,
                         bribes=bribes, legends_left=left)

def worth_in_view(view: View) -> int:
    """A trader's net worth from its own view alone (the same sum as `net_worth`, on what the view shows)."""
    shorted = [(g, qty) for _, g, qty, _ in view.patron.open_shorts] if view.patron is not None else []
    return worth(view.pebbles, view.goods, view.my_orders, {b.good: b.last for b in view.books},
                 sum(d.owed for d in view.debts), shorted)
