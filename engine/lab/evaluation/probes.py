"""Counterfactual probes: change one fact of a creature's view and say which way its decision should move.

    recorded view -> control (the view unchanged) + variant (ONE fact changed, by kind)
        -> engine.mind.prompt.build_prompt, exactly as the game builds prompts
        -> both answers parsed by the game's parser -> net demand for the fact's goods
        -> toward / against / unchanged

Each kind changes only what the game itself can show a creature, in the words the game uses:

- shortage: the creature holds none of the foods it does not make (or, in winter, no firewood), so the
  game's own `short_on` now lists goods it did not list before; it should bid for those goods more.
  Where the recorded view is short already, the mirror: it is given just what it lacks, and should
  bid for those goods less;
- price: one good's last traded price is halved, as if the last trade had been struck there (the price
  history and the trend follow); it should bid for that good more;
- tip: a whisper that a good will rise, worded as the Patron's tips are (`engine.mind.view.whisper_line`),
  dated the turn before; it should bid for that good more;
- legend: a scenario legend that pushes a good up appears as under way (`engine.mind.view.legend_line`),
  its line only (its words and which way it pushes goods): none of its effects; it should bid for the
  goods it pushes up more.

Every kind targets goods the creature does not make (it may never buy those). Where a view offers a kind
several targets, one is drawn from a generator seeded by the view's key and the kind, so the same views
always get the same variants. The pre-declared definitions, with a worked example, are in docs/EVAL.md
("Responsiveness probes").
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Iterable, Literal, get_args

from engine.core import sentiment
from engine.core.answer import Answer
from engine.core.economy import foods_needed, short_on
from engine.core.scenario import Scenario
from engine.core.state import Holdings
from engine.mind.view import HISTORY_WINDOW, WHISPER_WINDOW, View, legend_line, whisper_line

ProbeKind = Literal["shortage", "price", "tip", "legend"]
"""The facts a probe can change."""
KINDS: tuple[ProbeKind, ...] = get_args(ProbeKind)
"""Every probe kind, in the order reports list them."""
EXPECTED: dict[ProbeKind, str] = {
    "shortage": "holds none of the foods it does not make (or no firewood in winter) -> bids more for what it "
                "now lacks; or, where it lacked them, is given them -> bids less for them",
    "price": "a good's last price halved -> bids more for that good",
    "tip": "a whisper that a good will rise -> bids more for that good",
    "legend": "a legend that pushes a good up is under way -> bids more for that good",
}
"""What each kind changes and which way the decision should move (the reports print these)."""

DEFAULT_TURNS: tuple[int, ...] = (4, 8, 12, 16, 20)
"""Turns views are taken from by default: before and into winter (turn 16 in the default wood), around
the first legends."""

Outcome = Literal["toward", "against", "unchanged"]
"""Which way a variant's decision moved from its control's."""


@dataclass(frozen=True)
class Variant:
    """A view with one fact changed, and what to score."""

    kind: ProbeKind
    """Which fact was changed."""
    view: View
    """The changed view (the prompt is built from it exactly as the game builds prompts)."""
    goods: tuple[str, ...]
    """The goods the fact is about: the score is the net demand for these."""
    fact: str
    """The change in words, for the report (e.g. "berries last price 6 -> 3")."""
    direction: int = 1
    """Which way the variant's net demand for `goods` should move from the control's: 1 up, -1 down."""


Builder = Callable[[View, Scenario, random.Random], "Variant | None"]
"""Makes one kind's variant of a view (None where the kind does not apply to it)."""


def shortage_variant(view: View, sc: Scenario, rng: random.Random) -> Variant | None:
    """Whether the creature lacks what it needs, turned around: taken away, or (when it already lacks it) given.

    - lack: it suddenly holds none of the foods it does not make (or, in winter, no firewood); the
      scored goods are those it is now short on and was not; it should bid more for them;
    - relief: where it is already short, it is given just what it lacks (one of each food it is short
      on, or the firewood it lacks); the scored goods are those; it should bid less for them.

    `short_on` and `foods_needed` are recomputed by the game's own rules (`engine.core.economy`). One
    of the forms that apply is drawn; None when none does.
    """
    lack = [[f for f in view.foods if f != view.produces and view.goods.get(f, 0) > 0]]
    if view.burn:
        lack += [[g] for g in sc.fuels if g != view.produces and view.goods.get(g, 0) > 0]
    relief = [[g for g in view.short_on if g in view.foods], [g for g in view.short_on if g not in view.foods]]
    made = [_lacking(view, sc, gone) for gone in lack if gone]
    made += [_relieved(view, sc, given) for given in relief if given]
    made = [v for v in made if v is not None]
    return rng.choice(made) if made else None


def _holding(view: View, sc: Scenario, goods: dict[str, int]) -> View:
    """The view holding `goods` instead, with its shortage recomputed the game's way."""
    held = Holdings(pebbles=view.pebbles, goods=goods, hunger=view.hunger, cold=view.cold)
    return view.model_copy(update={"goods": goods, "short_on": short_on(sc, held, view.produces, view.burn),
                                   "foods_needed": foods_needed(sc, held)})


def _lacking(view: View, sc: Scenario, gone: list[str]) -> Variant | None:
    """The view holding none of `gone` (None: it would lack nothing it did not lack already)."""
    changed = _holding(view, sc, {g: 0 if g in gone else q for g, q in view.goods.items()})
    new = tuple(g for g in changed.short_on if g not in view.short_on)
    if not new:
        return None
    was = ", ".join(f"{g} {view.goods[g]} -> 0" for g in gone)
    return Variant("shortage", changed, new, f"{was}; now short on {', '.join(new)}")


def _relieved(view: View, sc: Scenario, given: list[str]) -> Variant | None:
    """The view holding just enough of `given`, goods it is short on (None: it would still be short on them)."""
    changed = _holding(view, sc, {g: q + view.short_on.get(g, 0) if g in given else q for g, q in view.goods.items()})
    if any(g in changed.short_on for g in given):
        return None
    was = ", ".join(f"{g} {view.goods[g]} -> {changed.goods[g]}" for g in given)
    return Variant("shortage", changed, tuple(given), f"{was}; no longer short on them", direction=-1)


def price_variant(view: View, sc: Scenario, rng: random.Random) -> Variant | None:
    """One good's last traded price halved (rounded down), as if the last trade had been struck there.

    The book's history gains that price (its window kept) and its trend is recomputed the game's way;
    bids and asks stay. Only goods it does not make, last price 2 or more.
    """
    books = [b for b in view.books if b.good != view.produces and b.last >= 2]
    if not books:
        return None
    book = rng.choice(books)
    price = book.last // 2
    history = [*book.history, price][-HISTORY_WINDOW:]
    moved = book.model_copy(update={"last": price, "history": history, "trend": sentiment.trend(history)})
    changed = view.model_copy(update={"books": [moved if b is book else b for b in view.books]})
    return Variant("price", changed, (book.good,), f"{book.good} last price {book.last} -> {price}")


def tip_variant(view: View, sc: Scenario, rng: random.Random) -> Variant | None:
    """A new whisper that a good will rise, dated the turn before (as the Patron's tips arrive).

    The whispers keep the game's window (the oldest may drop out). Only goods it does not make and no
    whisper already names; none on turn 1 (no tip can have been given yet).
    """
    goods = [g for g in view.goods_all if g != view.produces and not any(f" {g} will " in w for w in view.whispers)]
    if view.turn < 2 or not goods:
        return None
    good = rng.choice(goods)
    line = whisper_line(view.turn - 1, good, "rise")
    changed = view.model_copy(update={"whispers": [*view.whispers, line][-WHISPER_WINDOW:]})
    return Variant("tip", changed, (good,), line)


def legend_variant(view: View, sc: Scenario, rng: random.Random) -> Variant | None:
    """A scenario legend that pushes goods up, shown as begun this turn (its words only, no effects).

    Only legends not already under way whose `moves` raise a good the creature does not make; the
    scored goods are those.
    """
    options = []
    for lg in sc.legends:
        rising = tuple(g for g, way in lg.moves.items() if way == "rise" and g != view.produces)
        if rising and not any(line.startswith(f"{lg.name} (") for line in view.legends):
            options.append((lg, rising))
    if not options:
        return None
    lg, rising = rng.choice(options)
    line = legend_line(lg.name, view.turn + lg.turns - 1, lg.words, lg.moves)
    changed = view.model_copy(update={"legends": [*view.legends, line]})
    return Variant("legend", changed, rising, line)


BUILDERS: dict[ProbeKind, Builder] = {
    "shortage": shortage_variant,
    "price": price_variant,
    "tip": tip_variant,
    "legend": legend_variant,
}
"""The variant builder of each kind."""


def make_variant(kind: ProbeKind, view: View, sc: Scenario, key: str) -> Variant | None:
    """`kind`'s variant of `view`, its target drawn by a generator seeded with `key` and the kind.

    The same view and key always give the same variant (`random.Random` seeds a string the same way in
    every process).
    """
    return BUILDERS[kind](view, sc, random.Random(f"{key}|{kind}"))


def net_demand(answer: Answer, goods: Iterable[str]) -> int:
    """Units the answer bids for of `goods`, less the units it offers of them (new orders only).

    >>> from engine.core.answer import OrderAction as O
    >>> net_demand(Answer(orders=[O(side="buy", good="acorns", qty=3, price=4),
    ...                           O(side="sell", good="acorns", qty=1, price=5),
    ...                           O(side="buy", good="honey", qty=2, price=9)]), ["acorns"])
    2
    """
    wanted = set(goods)
    return sum(o.qty if o.side == "buy" else -o.qty for o in answer.orders if o.good in wanted)


def net_orders(answer: Answer, goods: Iterable[str]) -> int:
    """Buy orders the answer places for `goods`, less its sell orders of them: the decision's direction
    without its quantities (the second score, `SCORES`).

    >>> from engine.core.answer import OrderAction as O
    >>> net_orders(Answer(orders=[O(side="buy", good="acorns", qty=10, price=4),
    ...                           O(side="sell", good="acorns", qty=1, price=5)]), ["acorns"])
    0
    """
    wanted = set(goods)
    return sum(1 if o.side == "buy" else -1 for o in answer.orders if o.good in wanted)


SCORES: dict[str, Callable[[Answer, Iterable[str]], int]] = {"units": net_demand, "orders": net_orders}
"""How a pair is scored: "units" (net demand, declared first) and "orders" (net buy orders, declared
after the v8 run of seeds 1-3 showed small models' quantities are noise: a control bidding for 10
units and its variant for 1 moved "against" while both bid). docs/EVAL.md has both."""


def outcome(control: Answer, variant: Answer, goods: Iterable[str], direction: int = 1,
            score: str = "units") -> Outcome:
    """toward: the variant's score for `goods` (`SCORES`; net demand by default) moved from the control's
    the way `direction` says (1: up, -1: down); against: the other way; unchanged: not at all."""
    goods, measure = tuple(goods), SCORES[score]
    moved = (measure(variant, goods) - measure(control, goods)) * direction
    return "toward" if moved > 0 else "against" if moved < 0 else "unchanged"
