"""Small rules shared by turn resolution, views and scoring: winter, production, diet, worth, standing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Protocol

from engine.core.scenario import PATRON, Scenario
from engine.core.state import GameState, Holdings


@dataclass
class Flows:
    """Goods that entered or left the wood during one turn (pebbles never do: they are conserved)."""

    produced: Counter = field(default_factory=Counter)
    """Units made, by good."""
    consumed: Counter = field(default_factory=Counter)
    """Units eaten or burned, by good."""
    spoiled: Counter = field(default_factory=Counter)
    """Units that rotted or were destroyed by a legend, by good."""

    def net(self, good: str) -> int:
        """Net units added to the wood."""
        return self.produced[good] - self.consumed[good] - self.spoiled[good]


def active_legends(state: GameState, turn: int):
    """Specs of legends whose effects apply on `turn`."""
    sc = state.scenario
    return [(lg, sc.legend(lg.id)) for lg in state.public.legends if lg.started <= turn <= lg.ends]


def burn_for(state: GameState, turn: int) -> int:
    """Firewood each creature burns on `turn`: winter's burn plus any legend's."""
    w = state.scenario.winter
    base = 0
    if turn >= w.start:
        base = min(w.max_burn, w.burn + (turn - w.start) // w.deepen_every)
    extra = sum(e.amount for _, spec in active_legends(state, turn) for e in spec.effects if e.kind == "burn")
    return max(0, base + extra)


def production_for(state: GameState, name: str, turn: int) -> int:
    """Units `name` produces on `turn`: its rate, legends' changes, halved when weak, none when faint."""
    sc = state.scenario
    spec = sc.trader(name)
    rate = spec.rate + sum(e.amount for _, lg in active_legends(state, turn) for e in lg.effects
                           if e.kind == "production" and e.good == spec.produces)
    h = state.hidden.holdings[name]
    weakness = h.hunger + h.cold
    if weakness >= sc.diet.faint_at:
        return 0
    if weakness >= sc.diet.weak_at:
        rate //= 2
    return max(0, rate)


def foods_needed(sc: Scenario, h: Holdings) -> int:
    """How many more different foods a creature needs in hand to eat all its meals this turn."""
    held = sum(1 for f in sc.foods if h.goods.get(f, 0) > 0)
    return max(0, min(sc.diet.meals, len(sc.foods)) - held)


def short_on(sc: Scenario, h: Holdings, produces: str, burn: int) -> dict[str, int]:
    """Goods a creature lacks this turn: foods it could buy for its meals, firewood it must burn.

    With 2 meals and only honey in hand, an owl needs one more food, either will do:
    {"acorns": 1, "berries": 1}. In winter with burn 2 and 1 firewood, it also needs {"firewood": 1}.
    """
    need: dict[str, int] = {}
    if foods_needed(sc, h):
        for f in sc.foods:
            if h.goods.get(f, 0) == 0 and f != produces:
                need[f] = 1
    for fuel in sc.fuels:
        lack = burn - h.goods.get(fuel, 0)
        if lack > 0 and fuel != produces:
            need[fuel] = lack
    return need


def last_price(state: GameState, good: str) -> int:
    """The last traded price of a good (its base price before any trade)."""
    hist = state.public.price_history.get(good)
    return hist[-1] if hist else state.scenario.good(good).base_price


class RestingOrder(Protocol):
    """What worth needs of a resting order (the market's `Order` and the view's `MyOrder` both fit)."""

    side: str
    good: str
    qty: int
    price: int


def worth(pebbles: int, goods: Mapping[str, int], orders: Iterable[RestingOrder], prices: Mapping[str, int],
          owed: int = 0, shorted: Iterable[tuple[str, int]] = ()) -> int:
    """Net worth: pebbles plus goods at last prices, escrow included, minus debts and shorted units.

    A resting buy is worth the pebbles in its escrow, a resting sell its units at the last price; each
    (good, units) still owed on an open short counts against it at the last price. The one sum behind
    `net_worth` (from the state) and `engine.mind.view.worth_in_view` (from a trader's own view).
    """
    total = pebbles + sum(q * prices[g] for g, q in goods.items())
    total += sum(o.qty * o.price if o.side == "buy" else o.qty * prices[o.good] for o in orders)
    return total - owed - sum(qty * prices[g] for g, qty in shorted)


def net_worth(state: GameState, name: str) -> int:
    """Pebbles plus goods at last prices (escrow included) minus debts and open shorts."""
    hid = state.hidden
    h = hid.holdings[name]
    prices = {g: last_price(state, g) for g in state.scenario.good_names}
    owed = sum(ln.owed for ln in hid.loans if ln.creature == name and ln.status == "active")
    shorted = [(s.good, s.qty) for s in hid.shorts if s.status == "open"] if name == PATRON else []
    return worth(h.pebbles, h.goods, state.market.orders_of(name), prices, owed, shorted)




STANDINGS = ((5, "esteemed"), (2, "respected"), (0, "known"), (-3, "doubted"))
"""(lowest score, word) of each public standing, best first; below the last: "shunned"."""


def standing(trades: int, kind_words: int, harsh_words: int, defaults: int, sanctions: int) -> tuple[int, str]:
    """A trader's public standing as (score, word), from what the public record shows of it.

    score = min(trades, 15) // 3 + kind words - 2 x harsh words - 3 x defaults - 2 x sanctions;
    a trader the record shows nothing of is "unknown".

    >>> standing(6, 1, 1, 0, 0), standing(0, 0, 0, 1, 0), standing(0, 0, 0, 0, 0)
    ((1, 'known'), (-3, 'doubted'), (0, 'unknown'))
    """
    score = min(trades, 15) // 3 + kind_words - 2 * harsh_words - 3 * defaults - 2 * sanctions
    if not (trades or kind_words or harsh_words or defaults or sanctions):
        return score, "unknown"
    return score, next((word for at, word in STANDINGS if score >= at), "shunned")


def gini(values: list[int]) -> float:
    """Gini coefficient of non-negative wealth (negatives count as 0); 0 means equal."""
    xs = sorted(max(0, v) for v in values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return round((2 * weighted) / (n * total) - (n + 1) / n, 6)


def totals(state: GameState) -> tuple[int, dict[str, int]]:
    """All pebbles and all units of each good in the wood: hands, escrow, pool and treasury."""
    hid = state.hidden
    pebbles = hid.treasury + state.market.reserved_pebbles() + sum(h.pebbles for h in hid.holdings.values())
    goods = {}
    for g in state.scenario.good_names:
        goods[g] = (hid.pool.get(g, 0) + state.market.reserved_goods(g)
                    + sum(h.goods.get(g, 0) for h in hid.holdings.values()))
    return pebbles, goods
