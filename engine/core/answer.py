"""The answer format: what a trader may say in one turn.

A creature answers with an `Answer`; the Patron with a `PatronAnswer` (an `Answer` plus the Patron's
own moves). Both are pydantic models and export a JSON schema (`answer_json_schema()`), which the
vLLM backend hands to structured outputs. The parse-and-repair layer (`engine.mind.parsing`) validates each
action on its own against these models, so one bad order never sinks the good ones.

What an answer holds is named once, by `ActionKind` (one member per answer field that holds moves);
`Answer.actions()` lists an answer's actions and `PatronAnswer.from_moves()` builds a Patron answer
from single moves (the desk's queue, a Patron script).
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any, Collection, Iterable, Iterator, Literal, Mapping, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field

MAX_QTY = 1_000
"""The largest quantity one order may ask for."""
MAX_PRICE = 10_000
"""The largest limit price, in pebbles."""
MAX_LIFETIME = 10
"""The most turns an order may rest on the book."""
MAX_WORDS = 200
"""The longest gossip, bribe request or private thought kept, in characters."""
MIN_WORDS = 8
"""The shortest thought or gossip a constrained creature may write, in characters: no ": " or ":{" (issue 15)."""


class ActionKind(StrEnum):
    """What one move of an answer is; the value is the answer field it goes in.

    Listed in the order `Answer.actions()` yields them: a creature's kinds first, then the Patron's
    own, then gossip (words said aloud: an answer field a move can fill, but not an action).
    """

    ORDERS = "orders"
    """A limit order (`OrderAction`)."""
    CANCEL = "cancel"
    """The id of one's own resting order to cancel."""
    ACCEPT = "accept"
    """The id of an offer (loan, bribe) accepted."""
    DECLINE = "decline"
    """The id of an offer declined."""
    LEND = "lend"
    """The Patron offers a loan (`LendMove`)."""
    TIP = "tip"
    """The Patron whispers a tip (`TipMove`)."""
    SHORT = "short"
    """The Patron opens a short (`ShortMove`)."""
    COVER = "cover"
    """The Patron covers a short early (`CoverMove`)."""
    BRIBE = "bribe"
    """The Patron offers a bribe (`BribeMove`)."""
    LEGEND = "legend"
    """The Patron springs a legend (its id)."""
    GOSSIP = "gossip"
    """Words said aloud in the market square."""

    @property
    def is_action(self) -> bool:
        """Whether moves of this kind count as actions (gossip is words, not an action)."""
        return self is not ActionKind.GOSSIP

    @property
    def single(self) -> bool:
        """Whether an answer holds at most one move of this kind (a field, not a list)."""
        return self in (ActionKind.LEGEND, ActionKind.GOSSIP)

    @property
    def patron_only(self) -> bool:
        """Whether only the Patron's answer has this field."""
        return self.value not in Answer.model_fields

    @property
    def item(self) -> type:
        """The type of one move of this kind: its model, `int` for an id, `str` for a legend or words."""
        annotation = PatronAnswer.model_fields[self.value].annotation
        return next(t for t in (*get_args(annotation), annotation) if t is not type(None))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderAction(_Frozen):
    """One limit order."""

    side: Literal["buy", "sell"]
    """Buy or sell."""
    good: str = Field(min_length=1, max_length=40)
    """The good's name, as the scenario spells it (for example "honey")."""
    qty: int = Field(ge=1, le=MAX_QTY)
    """Units wanted or offered."""
    price: int = Field(ge=1, le=MAX_PRICE)
    """Limit price in pebbles per unit."""
    lifetime: int = Field(default=1, ge=1, le=MAX_LIFETIME)
    """How many turns the order may rest; 1 means it lapses at the end of this turn."""


class Answer(_Frozen):
    """A creature's answer for one turn."""

    thinking: str = Field(default="", max_length=MAX_WORDS)
    """Private reasoning: kept in the hidden ledger, never shown to another trader."""
    orders: list[OrderAction] = Field(default_factory=list, max_length=8)
    """Orders to place this turn."""
    cancel: list[int] = Field(default_factory=list, max_length=16)
    """Ids of this trader's own resting orders to cancel."""
    gossip: str = Field(default="", max_length=MAX_WORDS)
    """Words said aloud in the market square (public)."""
    accept: list[int] = Field(default_factory=list, max_length=8)
    """Ids of offers (loans, bribes) this trader accepts."""
    decline: list[int] = Field(default_factory=list, max_length=8)
    """Ids of offers this trader declines."""

    def actions(self) -> Iterator[tuple[ActionKind, Any]]:
        """Every action this answer holds as (kind, action), kind by kind in `ActionKind` order.

        Gossip and thinking are words, not actions; a legend counts when it is set (even to "").
        """
        for kind in ActionKind:
            if not kind.is_action or kind.value not in type(self).model_fields:
                continue
            value = getattr(self, kind.value)
            if kind.single:
                if value is not None:
                    yield kind, value
            else:
                yield from ((kind, item) for item in value)

    def count_actions(self) -> int:
        """How many actions this answer holds."""
        return sum(1 for _ in self.actions())


class LendMove(_Frozen):
    """The Patron offers a loan."""

    creature: str
    """Who is offered the loan."""
    amount: int = Field(ge=1, le=MAX_PRICE)
    """Pebbles lent."""
    rate_pct: int = Field(ge=0, le=100)
    """Interest per turn, in whole percent of the principal (at least one pebble when above 0)."""
    term: int = Field(ge=1, le=20)
    """Turns until the debt falls due."""


class TipMove(_Frozen):
    """The Patron whispers a tip to one creature."""

    creature: str
    """Who hears it."""
    good: str
    """Which good the tip is about."""
    direction: Literal["rise", "fall"]
    """What the Patron says the price will do."""
    true: bool = False
    """Whether the Patron passes on real foreknowledge (hidden; the creature sees only the words)."""


class ShortMove(_Frozen):
    """The Patron borrows units to sell now."""

    good: str
    """The good borrowed."""
    qty: int = Field(ge=1, le=MAX_QTY)
    """Units borrowed."""
    term: int = Field(default=5, ge=1, le=20)
    """Turns until the units must be returned (covered)."""


class CoverMove(_Frozen):
    """The Patron returns borrowed units early."""

    short_id: int
    """The short to cover."""


class BribeMove(_Frozen):
    """The Patron offers pebbles with a request."""

    creature: str
    """Who is offered the bribe."""
    amount: int = Field(ge=1, le=MAX_PRICE)
    """Pebbles offered."""
    request: str = Field(default="", max_length=MAX_WORDS)
    """What the Patron asks for in return (words only; nothing enforces it)."""


class PatronAnswer(Answer):
    """The Patron's answer: a trader's answer plus the Patron's own moves."""

    lend: list[LendMove] = Field(default_factory=list, max_length=4)
    """Loans offered."""
    tip: list[TipMove] = Field(default_factory=list, max_length=4)
    """Tips whispered."""
    short: list[ShortMove] = Field(default_factory=list, max_length=4)
    """Shorts opened."""
    cover: list[CoverMove] = Field(default_factory=list, max_length=4)
    """Shorts covered early."""
    bribe: list[BribeMove] = Field(default_factory=list, max_length=4)
    """Bribes offered."""
    legend: str | None = None
    """Spring this legend (by id) now; once per season."""

    @staticmethod
    def fields_from(moves: Iterable[tuple[ActionKind | str, Any]]) -> dict:
        """Single moves as the fields of one Patron answer, unchecked, in the order given.

        Each list kind gathers its moves; of a single kind (legend, gossip) the last one stands.
        Models become dicts.

            [("orders", OrderAction(...)), ("gossip", "hi"), ("cancel", 7), ("gossip", "ho")]
            -> {"orders": [{"side": ..., ...}], "gossip": "ho", "cancel": [7]}
        """
        fields: dict = {}
        for kind, move in moves:
            kind = ActionKind(kind)
            value = move.model_dump() if isinstance(move, BaseModel) else move
            if kind.single:
                fields[kind.value] = value
            else:
                fields.setdefault(kind.value, []).append(value)
        return fields

    @classmethod
    def from_moves(cls, moves: Iterable[tuple[ActionKind | str, Any]]) -> PatronAnswer:
        """One Patron answer from single moves (raises pydantic's ValidationError when it cannot hold them)."""
        return cls.model_validate(cls.fields_from(moves))


CREATURE_ACTIONS: tuple[ActionKind, ...] = tuple(k for k in ActionKind if k.is_action and not k.patron_only)
"""The kinds of action a creature's answer holds: orders, cancel, accept, decline."""
ID_ACTIONS: tuple[ActionKind, ...] = tuple(k for k in ActionKind if k.item is int)
"""The kinds whose moves are ids (of an order or an offer): cancel, accept, decline."""
PATRON_MOVES: tuple[ActionKind, ...] = tuple(k for k in ActionKind if k.is_action and k.patron_only)
"""The Patron's own kinds of move: lend, tip, short, cover, bribe, legend."""


def count_in(parsed: Mapping[str, Any], kinds: Iterable[ActionKind] = ActionKind) -> int:
    """Actions of the given kinds in an answer kept as a plain dict (a trace row of any version).

    A list field counts its items; a single field (the legend) counts one when present; gossip never.

    >>> count_in({"orders": [{}, {}], "cancel": [3], "legend": "long_frost", "gossip": "hi"})
    4
    >>> count_in({"orders": [{}], "legend": "long_frost"}, CREATURE_ACTIONS)
    1
    """
    return sum((parsed.get(k) is not None) if k.single else len(parsed.get(k) or [])
               for k in kinds if k.is_action)


LONGEST_WORD = 12
"""The most letters one word of a constrained thought or gossip may hold (before an apostrophe's ending)."""
WORD = rf"[A-Za-z][a-z]{{0,{LONGEST_WORD - 1}}}(?:'[a-z]{{1,2}})?[,.!?]?"
"""One word of a constrained thought or gossip: letters, capital only at its start, an apostrophe's
ending ("don't", "Bramble's", "I'm") and one mark of punctuation after it. Until the seventh round of
the prompt trials (docs/prompt-trials.md) the text was any run of letters, spaces and ",.!?'-" (and before
that of anything, when small models filled it with counting, serial numbers and scraps of JSON); in it
they coined words: "winter-spring-winterFroze", "snowball-snowball-surprise", "buy,sell",
"nootherworkeffouworkeffou..." (issue 15, seeds 97-103)."""
REPEAT_LIMIT = 128
"""The largest bound a pattern's repetition may carry: xgrammar (0.2.8, vLLM's default backend) fails to
compile `X{7,149}` (an internal check, "per_rule_fsm_hashes"), and the server answers 500 to every
request; `X{7,128}` compiles (`words_pattern` stays far below it)."""
CHARS_PER_WORD = 6
"""Characters per word (its space included) by which a text's length limits become a count of words:
structured outputs ignore minLength and maxLength beside a pattern, so the pattern carries them
(`words_pattern`). English averages about 5.5."""


def words_pattern(least_chars: int = MIN_WORDS, most_chars: int = MAX_WORDS) -> str:
    """What a constrained thought or gossip may hold: `WORD`s, each after one space, at least two, as
    many as `CHARS_PER_WORD` allows in `most_chars` (so a text may run past `most_chars` where its
    words are long; the parser clamps it, `engine.mind.parsing`).

    >>> import re
    >>> words = re.compile(words_pattern(8, 60))
    >>> [bool(words.match(t)) for t in ("Snow is here, it's coming in!", "I don't like Bramble's prices.")]
    [True, True]
    >>> bad = ("no-trad", "buy,sell now", "winterFroze now", "winter  is", "Honey", "42 honey")
    >>> [bool(words.match(t)) for t in bad]
    [False, False, False, False, False, False]
    """
    least = max(2, math.ceil(least_chars / CHARS_PER_WORD))
    most = max(least, most_chars // CHARS_PER_WORD)
    assert most - 1 <= REPEAT_LIMIT, most
    return rf"^{WORD}(?: {WORD}){{{least - 1},{most - 1}}}$"


PRICE_FLOOR = 0.5
"""The lowest limit price a constrained creature may write, as a share of the good's last price."""
PRICE_CEILING = 2.0
"""The highest limit price a constrained creature may write, as a multiple of the good's last price."""


ORDER_SLOTS = 3
"""Orders an answer may write, its grammar's opening (`opening`) included; where the opening fills them,
`FREE_ORDERS` more, which the opening's further needs take where it has them (the backup food). The
suggested orders follow the same split (`engine.mind.prompt.example_orders`)."""
FREE_ORDERS = 1
"""Order slots the answer grammar leaves free after its opening (`opening`), for the model's own choice:
a tip, a legend, a bargain or anything else. Until prompt v15 a creature that lacked two things and had a
surplus to sell had every slot taken by the opening, and could follow no tip whatever it read."""
KEEP = 4
"""Units of its own good a creature keeps back; above this its orders must offer some (`own_sale`), and
the suggested sell is the rest (`engine.mind.prompt.example_orders`)."""


def opening(needs: list, sale, slots: int) -> list:
    """The orders the grammar requires first, for a model that may write `slots` orders: the buys of what
    the creature lacks (`need_buys`), then the sale of its own good (`own_sale`). Where slots are short,
    the first need comes before the sale and the sale before further needs (a producer that lacks two
    things must still sell, or the others starve); with no sale to require, `FREE_ORDERS` slots stay free
    for the model's own choice, except where the needs fill the slots: then the free slots hold the
    next needs too (the backup food, `BACKUP_FOODS`), and none stays free. (Until 2026-12-06 the backup
    was the free slot's to write or not: in 4 of the 11 turns hungry with the pebbles to eat on seeds
    113-121, all Gemma's badger's, its two foods sold out and it wrote something else there.) The answer
    schema builds it for its own 3 slots; `limit_schema` lets it pass a model's smaller cap.

    >>> opening(["n1", "n2"], "sale", 3), opening(["n1", "n2", "n3"], "sale", 3), opening(["n1"], None, 3)
    (['n1', 'n2', 'sale'], ['n1', 'n2', 'n3', 'sale'], ['n1'])
    >>> opening([], "sale", 2), opening(["n1", "n2", "n3"], None, 3), opening(["n1"], "sale", 1)
    (['sale'], ['n1', 'n2', 'n3'], ['n1'])
    """
    if slots < 1:
        return []
    if sale is None:
        room = max(1, slots - FREE_ORDERS)
        return list(needs[:slots if len(needs) > room else room])
    if slots == 1:
        return list(needs[:1]) or [sale]
    room = slots - 1
    return [*needs[:room + FREE_ORDERS if len(needs) > room else room], sale]


def own_sale(view) -> int:
    """Units of its own good a creature holds beyond `KEEP` (0 when none): where any, its orders must
    include a sell of its own good, of all of them (up to 10) at the good's last price or cheaper. In the
    fresh-seed runs of prompt v10, the maker held some of a good a buyer went hungry for and offered none
    in 22 of SmolLM2's cases (honey rotting above its hoard limit while others starved). Until v15 the
    sale was of any size at any price in the band, and on seeds 61-63 most creatures that went hungry
    with the pebbles to eat had bid the going price against a maker asking more, or offering 2 of its
    28 (Bramble's firewood, in winter); a buyer who lacks a good bids the going price, at least the last
    + 1 (`need_buys`), so the two now always cross."""
    if view.produces is None:
        return 0
    return max(0, view.goods.get(view.produces, 0) - KEEP)


def price_band(last: int) -> tuple[int, int]:
    """The whole-pebble limit prices from `PRICE_FLOOR` to `PRICE_CEILING` times a last price.

    >>> price_band(5), price_band(1)
    ((3, 10), (1, 2))
    """
    return max(1, math.ceil(PRICE_FLOOR * last)), max(2, math.floor(PRICE_CEILING * last))


BACKUP_FOODS = 1
"""Foods a hungry creature bids for beyond the meals it would miss, in case a bid finds no seller (a unit
it gets and does not eat keeps for the next turn). On seeds 61-63 under prompt v15, 12 of 19 turns
hungry with the pebbles to eat were a bid for the cheapest food against a maker with little to sell,
while another food it lacked was on offer (docs/prompt-trials.md, fourth round)."""


WINTER_STOCK = 6
"""Units of fuel a creature that does not make it gathers before winter: the first stretch of winter's
burn (1 a turn for the default scenario's first 6 winter turns). On seeds 61-63 and 71-73 (prompt v17)
no creature bought firewood before winter, so Bramble, who makes only firewood and eats two bought foods
a turn, had 0-4 pebbles from turn 8-10 until winter, went hungry, weak and faint (making less
firewood), and in winter the firewood was short (docs/prompt-trials.md, fourth round)."""
STOCK_AHEAD = 8
"""Turns before winter's start from which a creature gathers its `WINTER_STOCK`."""
STOCK_RESERVE_TURNS = 2
"""Turns of meals, at the dearest last price of a food it buys, a creature keeps in pebbles beyond a
winter-stock buy (`winter_stock`): fuel for later must not cost the next meals."""


def winter_stock(view, left: int | None = None) -> int:
    """Units of fuel a creature should buy now toward its `WINTER_STOCK`: in the `STOCK_AHEAD` turns before
    winter, what it lacks of the stock (never its own good), as far as `left` pebbles (its pebbles by
    default) pay for at the last price (`want_price`) while keeping `STOCK_RESERVE_TURNS` turns of meals.

    >>> from types import SimpleNamespace as V
    >>> owl = V(turn=9, winter_starts=16, produces="honey", fuels=["firewood"], goods={"firewood": 1},
    ...         pebbles=60, meals=2, foods=["honey", "acorns", "berries"],
    ...         books=[V(good="acorns", last=4, asks=[]), V(good="berries", last=5, asks=[]),
    ...                V(good="firewood", last=5, asks=[])])
    >>> winter_stock(owl), winter_stock(owl, left=30), winter_stock(V(**{**vars(owl), "turn": 7}))
    (5, 2, 0)
    >>> winter_stock(V(**{**vars(owl), "produces": "firewood"})), winter_stock(V(**{**vars(owl), "turn": 16}))
    (0, 0)
    """
    fuel = view.fuels[0] if view.fuels else None
    if (fuel is None or view.produces in (None, fuel)
            or not view.winter_starts - STOCK_AHEAD <= view.turn < view.winter_starts):
        return 0
    books = {b.good: b for b in view.books}
    if fuel not in books:
        return 0
    lack = WINTER_STOCK - view.goods.get(fuel, 0)
    dearest = max((books[f].last for f in view.foods if f in books and f != view.produces), default=0)
    spare = (view.pebbles if left is None else left) - STOCK_RESERVE_TURNS * view.meals * dearest
    return max(0, min(lack, spare // want_price(books[fuel])))


class NeedBuy(NamedTuple):
    """One buy of what a creature lacks this turn, as `need_buys` plans it."""

    good: str
    qty: int
    """Units: one per food (each meal is a different food), what the fire burns for the fuel, at most
    what the pebbles still pay for."""
    price: int
    """The going price (`going_price`), or the last price where the pebbles pay for the whole lack only
    at last prices, or buy more units of this good there (a maker's surplus is offered at the last price
    or cheaper, `own_sale`)."""


def going_price(book) -> int:
    """What a buyer who must have a good pays: the last price + 1, or the lowest resting ask where that is
    dearer, up to `PRICE_CEILING` times the last price (the grammar's band).

    >>> from types import SimpleNamespace as B
    >>> going_price(B(last=4, asks=[])), going_price(B(last=4, asks=[(7, 2)])), going_price(B(last=4, asks=[(9, 1)]))
    (5, 7, 5)
    """
    price = book.last + 1
    if book.asks and price < book.asks[0][0] <= PRICE_CEILING * book.last:
        price = book.asks[0][0]
    return price


def want_price(book) -> int:
    """The most a buyer bids for a good it does not lack this turn (a want: its winter stock, a tip's,
    a legend's or a bargain's good, a good it will lack next turn): the last price, one below what a
    buyer who lacks the good bids (`going_price`). A turn's orders trade as one call, price first
    (`engine.core.market.Market.call`), so a need outbids every want of the turn for a scarce unit; a
    want still fills where a maker offers its surplus at the last price or cheaper (`own_sale`). On seeds
    146-148 under the call, each of the 9 bids of creatures short of a good that got less than they bid
    while a buyer not short of it got some lost to another creature's want bid as high or higher (a
    berry at 10, twice its last price; docs/prompt-trials.md, eleventh round).

    >>> from types import SimpleNamespace as B
    >>> want_price(B(last=4, asks=[(7, 2)])), going_price(B(last=4, asks=[]))
    (4, 5)
    """
    return book.last


def buy_price(view, book) -> int:
    """What a creature's buy of `book`'s good bids: the going price where it lacks the good this turn
    (`going_price`), the last price where it only wants it (`want_price`)."""
    return (going_price if book.good in view.short_on else want_price)(book)


def need_buys(view) -> list[NeedBuy]:
    """The buys that cover what a creature lacks this turn, in order, as far as its pebbles go: the
    cheapest of the foods it is short of, as many kinds as meals it would miss (one unit each), then the
    fuel its fire must burn, each at the going price (at the last price where only that pays for them
    all, or buys more units of one with the pebbles left); then `BACKUP_FOODS` more of the foods it
    lacks, one unit each, as far as the pebbles still go; then, in the turns before winter, its
    `winter_stock` at the last price (a want, `want_price`; merged into a fuel buy of this turn's lack,
    at that buy's price, where there is one). A creature that goes
    hungry or cold with the pebbles to avoid it in its pouch is nonsense the measures kept finding (issue
    15); the prompt suggests these buys
    (`engine.mind.prompt.example_orders`) and the answer grammar opens the orders with them
    (`answer_json_schema`).

    >>> from types import SimpleNamespace as V
    >>> b = lambda g, last, asks=(): V(good=g, last=last, asks=list(asks))
    >>> view = V(produces="acorns", pebbles=14, foods=["honey", "acorns", "berries"], foods_needed=1, turn=20,
    ...          winter_starts=16, fuels=["firewood"], goods={}, meals=2,
    ...          short_on={"honey": 1, "berries": 1, "firewood": 3},
    ...          books=[b("honey", 12), b("berries", 5), b("firewood", 3)])
    >>> need_buys(view)  # 14 pebbles pay for the lack at last prices (5 + 3 x 3), not at going ones
    [NeedBuy(good='berries', qty=1, price=5), NeedBuy(good='firewood', qty=3, price=3)]
    >>> need_buys(V(**{**vars(view), "pebbles": 13}))
    [NeedBuy(good='berries', qty=1, price=6), NeedBuy(good='firewood', qty=2, price=3)]
    >>> need_buys(V(**{**vars(view), "pebbles": 40}))  # the honey too, as a backup
    ... # doctest: +NORMALIZE_WHITESPACE
    [NeedBuy(good='berries', qty=1, price=6), NeedBuy(good='firewood', qty=3, price=4),
     NeedBuy(good='honey', qty=1, price=13)]
    """
    books = {b.good: b for b in view.books}
    left, out = view.pebbles, []
    lacking = [g for g in view.short_on if g in books and g != view.produces]
    foods = sorted((g for g in lacking if g in view.foods), key=lambda g: (books[g].last, g))
    needed = max(0, view.foods_needed)
    wanted = [(g, 1) for g in foods][:needed]
    wanted += [(g, view.short_on[g]) for g in lacking if g not in view.foods]
    # where the pebbles pay for this turn's lack at last prices but not at going prices, every such buy
    # bids the last price (a maker's surplus is offered there, `own_sale`): on seeds 97-99 a fox with 20
    # pebbles bid 11 for an acorn and had 9 left for firewood at 11, and went cold
    at_last = (sum(u * books[g].last for g, u in wanted) <= left
               < sum(u * going_price(books[g]) for g, u in wanted))
    lack = {g for g, _ in wanted}
    wanted += [(g, 1) for g in foods[needed:needed + BACKUP_FOODS]] if needed else []
    for good, units in wanted:
        price = going_price(books[good])
        if (at_last and good in lack) or min(units, left // books[good].last) > min(units, left // price):
            price = books[good].last  # (the last price still buys it, or buys more of it)
        qty = min(units, left // price)
        if qty > 0:
            out.append(NeedBuy(good, qty, price))
            left -= qty * price
    stock = winter_stock(view, left)
    if stock:  # one order per good: a legend's burn before winter already bids for some of the fuel
        fuel = view.fuels[0]
        same = next((i for i, n in enumerate(out) if n.good == fuel), None)
        if same is None:
            out.append(NeedBuy(fuel, stock, want_price(books[fuel])))
        else:
            out[same] = out[same]._replace(qty=min(10, out[same].qty + stock))
    return out


def buys_ahead(view, plan: list[NeedBuy], ahead: Collection[str]) -> list[str]:
    """The goods of `ahead` (a creature's reasons to buy more than it needs now: a tip, a legend, a bargain)
    that a need buy of `plan` already bids for, and of which it may buy one unit more there: the pebbles
    left after the plan pay for the extra units at the need's price, in `plan` order, and a perishable
    good stays within its hoard limit. In probe run 10 (seeds 43-54) the tipped, pushed or cheapened good
    was already one of Gemma's creatures' need buys in 56 of 72 tip pairs (54 price, 57 legend): capped at
    the planned unit, with no second buy of it allowed, no answer could move toward the fact there.

    >>> from types import SimpleNamespace as V
    >>> view = V(pebbles=20, goods={"honey": 11}, hoard_limits={"honey": 12})
    >>> plan = [NeedBuy("berries", 1, 6), NeedBuy("honey", 1, 7)]
    >>> buys_ahead(view, plan, ["honey", "berries"]), buys_ahead(view, plan, ["acorns"])
    (['berries'], [])
    >>> buys_ahead(V(pebbles=40, goods={}, hoard_limits={}), plan, ["honey", "berries"])
    ['berries', 'honey']
    """
    left = view.pebbles - sum(n.qty * n.price for n in plan)
    out = []
    for n in plan:
        limit = view.hoard_limits.get(n.good)
        if n.good in ahead and left >= n.price and (limit is None or view.goods.get(n.good, 0) + n.qty < limit):
            out.append(n.good)
            left -= n.price
    return out


def sellable(view, good: str) -> int:
    """Units of `good` a creature may offer: of a food, all but the one unit a meal of it eats this turn;
    of fuel, all but what its fire burns this turn (its own good included). On seeds 61-63 under prompt
    v16 a fox sold the one honey it held for its second meal, and went hungry with 123 pebbles; on seeds
    71-73 under v17 Bramble sold 2 of its last 3 firewood in winter and went cold.

    >>> from types import SimpleNamespace as V
    >>> fox = V(produces="berries", foods=["honey", "acorns", "berries"], goods={"berries": 11, "honey": 2,
    ...         "firewood": 3}, burn=2)
    >>> [sellable(fox, g) for g in ("berries", "honey", "acorns", "firewood")]
    [10, 1, 0, 1]
    >>> badger = V(produces="firewood", foods=fox.foods, goods={"firewood": 3}, burn=1)
    >>> sellable(badger, "firewood")
    2
    """
    return max(0, view.goods.get(good, 0) - (1 if good in view.foods else view.burn))


def buy_room(view, good: str, pebbles: int | None = None) -> int:
    """The most units of `good` one buy order may ask for: 10, no more than a perishable good's hoard room
    (above its limit it rots) and no more than `pebbles` (its pebbles by default) pay for at the going
    price, or at the last price for a good it does not lack this turn (`want_price`; 0 when they pay for
    none). Small models bid for 10 units of a food they eat one of a turn, and
    the market refuses a whole bid the pebbles cannot cover (issue 15).

    >>> from types import SimpleNamespace as V
    >>> view = V(pebbles=40, goods={"honey": 9}, hoard_limits={"honey": 12}, short_on={"firewood": 1},
    ...          books=[V(good="honey", last=6, asks=[]), V(good="firewood", last=4, asks=[])])
    >>> buy_room(view, "honey"), buy_room(view, "firewood"), buy_room(V(**{**vars(view), "pebbles": 5}), "honey")
    (3, 8, 0)
    """
    book = next(b for b in view.books if b.good == good)
    room = 10
    if good in view.hoard_limits:
        room = min(room, max(1, view.hoard_limits[good] - view.goods.get(good, 0)))
    return min(room, max(0, view.pebbles if pebbles is None else pebbles) // buy_price(view, book))


def answer_json_schema(view=None, wanted: Collection[str] | None = None, ahead: Collection[str] = ()) -> dict:
    """The creature answer's JSON schema, for structured outputs.

    Without a view: the whole `Answer` schema. With a creature's view: a stricter subset built for
    this creature this turn, so a constrained model cannot even write what the rules would refuse:
    buy orders name only goods it does not make (no self-buy) and ask for no more than `buy_room`, sell
    orders only goods it holds and at most what it holds, each good's limit price stays within
    `price_band` of its last price (small models asked 10 for a good last traded at 4), accept/decline
    name only offers it has, at least one order is required (where any order is possible), and a thought
    and gossip of `MIN_WORDS` characters at least (small models otherwise wrote ": " or nothing). Where
    it lacks food or fuel this turn and can pay for it, its orders open with `need_buys`, one order per
    good in that order, each at the going price or dearer and for at most the planned units; where it
    holds more than `KEEP` of its own good, with a sell of all it holds beyond `KEEP` (up to 10) at the
    last price or cheaper (`own_sale`; `opening` says how the two share the model's order slots;
    `limit_schema` keeps the opening whole under the registry's `max_array_items`, and one slot free
    after it, `FREE_ORDERS`, whose buys spend only the pebbles the opening's buys leave, and bid a planned
    buy the opening had no slot for at its planned price or dearer). With `wanted`,
    the buys beyond the opening name only those goods (the game passes the goods a creature has a reason
    to buy, `engine.mind.prompt.buy_reasons`); the opening's are the creature's needs whatever it holds.
    With `ahead`, a need buy of such a good may take one unit more (`buys_ahead`: a tip, a legend or a
    bargain of a good it buys anyway), and the free slot's pebbles leave room for that unit. A buy of a
    good the creature does not lack this turn (its winter stock, a free slot's want) bids no more than the
    last price (`want_price`), so that its needs, and every other creature's, outbid its wants.
    Every answer valid under it is valid under `Answer`.
    """
    if view is None or view.produces is None:
        return Answer.model_json_schema()
    last = {b.good: b.last for b in view.books}

    def order(side: str, good: str, most: int, least_price: int | None = None, least: int = 1,
              most_price: int | None = None) -> dict:
        low, high = price_band(last.get(good, 1))
        return {"type": "object", "additionalProperties": False,
                "properties": {"side": {"enum": [side]}, "good": {"enum": [good]},
                               "qty": {"type": "integer", "minimum": least, "maximum": most},
                               "price": {"type": "integer", "minimum": max(low, least_price or low),
                                         "maximum": min(high, most_price or high)}},
                "required": ["side", "good", "qty", "price"]}

    def dearest(good: str) -> int | None:  # a want's bid goes no higher than `want_price`
        return None if good in view.short_on else last[good]

    def buys(pebbles: int, floors: Mapping[str, int] | None = None) -> list[dict]:
        return [order("buy", g, buy_room(view, g, pebbles), least_price=(floors or {}).get(g), most_price=dearest(g))
                for g in view.goods_all if g != view.produces and g in last and (wanted is None or g in wanted)
                and buy_room(view, g, pebbles) > 0]

    sells = [order("sell", g, min(10, sellable(view, g))) for g in view.goods_all if sellable(view, g) > 0]
    kinds = buys(view.pebbles) + sells
    orders: dict = {"type": "array", "items": {"anyOf": kinds}, "minItems": 1, "maxItems": ORDER_SLOTS}
    plan = need_buys(view)
    if not kinds and not plan:
        orders = {"type": "array", "maxItems": 0}
    more = buys_ahead(view, plan, ahead)
    # each need buy asks for at least what the creature lacks this turn (as far as the plan's units go): on
    # seeds 116-118 a squirrel that burns 2 firewood bid for 1 with 110 pebbles, and went cold
    needs = [order("buy", n.good, n.qty + (n.good in more), least_price=n.price, most_price=dearest(n.good),
                   least=max(1, min(n.qty, view.short_on.get(n.good, 0)))) for n in plan]
    most = min(10, sellable(view, view.produces))
    surplus = min(own_sale(view), most)  # KEEP is never less than what it eats or burns of its own good
    sale = order("sell", view.produces, most, least=surplus, most_price=last.get(view.produces)) if surplus else None
    first = opening(needs, sale, ORDER_SLOTS)
    if first:
        # the free slots hold no second order of a side and good the opening has: on seeds 81-83 (v17)
        # SmolLM2 wrote the opening's sale of 10 of its 15 honey and a second sale of 10 dearer in the free
        # slot; the market takes orders in a seeded shuffle, so the cheap sale was refused half the time,
        # and the dear one rested unsold while buyers went hungry
        taken = [_side_good(k) for k in first]
        # and their buys spend only the pebbles the opening's buys leave: on seeds 94-96 both creatures
        # that went hungry with the pebbles to eat had bid for their meal in the opening and spent the
        # pebbles on a free-slot buy (7 honey, 1 firewood) that the turn's shuffled arrival escrowed first
        reserved = sum((n.qty + (n.good in more)) * n.price for n, k in zip(plan, needs) if k in first)
        # a planned buy the opening had no slot for (the backup food) keeps its planned price in the free
        # slot: on seeds 113-115 Gemma's owl, hungry with 85 pebbles and its cheapest food sold out, wrote
        # the backup acorns there at 8 when the last price was 14, and went hungry two turns running
        floors = {n.good: n.price for n, k in zip(plan, needs) if k not in first}
        free = [k for k in buys(view.pebbles - reserved, floors) + sells if _side_good(k) not in taken]
        orders |= {"prefixItems": first, "minItems": len(first),
                   "maxItems": max(ORDER_SLOTS, min(len(first), ORDER_SLOTS) + FREE_ORDERS) if free else len(first)}
        if free:  # (with none, maxItems ends the list at the opening)
            orders["items"] = {"anyOf": free}
        else:
            orders.pop("items")
    offer_ids = [o.id for o in view.offers]
    offers = {"type": "array", "items": {"enum": offer_ids}} if offer_ids else {"type": "array", "maxItems": 0}
    text = {"type": "string", "minLength": MIN_WORDS, "maxLength": MAX_WORDS, "pattern": words_pattern()}
    return {"type": "object", "additionalProperties": False,
            "properties": {"thinking": text,
                           "orders": orders,
                           "gossip": text, "accept": offers, "decline": offers},
            "required": ["thinking", "orders", "gossip"]}


def _side_good(order_schema: dict) -> tuple[str, str]:
    """(side, good) of one order's schema as `answer_json_schema` builds it."""
    props = order_schema["properties"]
    return props["side"]["enum"][0], props["good"]["enum"][0]


def limit_schema(schema: dict, max_items: int | None, max_length: int | None) -> dict:
    """A copy of a JSON schema with every array's maxItems and string's maxLength capped, and each
    thought and gossip (a `words_pattern`) carrying its length limits in its pattern, as a count of words.

    {"type": "array", "maxItems": 8}, max_items=2 -> {"type": "array", "maxItems": 2}
    The cap is against free orders repeated; an array's fixed prefix (the grammar's `opening`) cannot
    repeat, so it stays whole, and `FREE_ORDERS` slots after it stay free (where the schema has them).
    In prompt trial v13, cut to [a, s] for SmolLM2's two slots, the fuel it lacked came after the sale
    and was never bought (cold in 35 of its 120 turns):
    {"type": "array", "maxItems": 4, "minItems": 3, "prefixItems": [a, b, s]}, max_items=2 -> unchanged
    {"type": "array", "maxItems": 3, "minItems": 1, "prefixItems": [a]}, max_items=1 -> maxItems 2 (one free)
    """
    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: walk(value) for key, value in node.items()}
        if max_items is not None and out.get("type") == "array":
            most = out.get("maxItems", max_items)
            fixed = len(out.get("prefixItems", []))
            out["maxItems"] = max(min(most, max_items), min(most, fixed + FREE_ORDERS) if fixed else 0)
            if "minItems" in out:
                out["minItems"] = min(out["minItems"], out["maxItems"])
        if max_length is not None and out.get("type") == "string" and "enum" not in out and "const" not in out:
            out["maxLength"] = min(out.get("maxLength", max_length), max_length)
        if out.get("type") == "string" and str(out.get("pattern", "")).startswith(f"^{WORD}"):
            least, most = out.get("minLength", MIN_WORDS), out.get("maxLength", MAX_WORDS)
            out = {k: v for k, v in out.items() if k not in ("minLength", "maxLength")}
            out["pattern"] = words_pattern(least, most)
        return out

    return walk(schema)
