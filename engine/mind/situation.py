"""A trader's situation at decision time: the few facts of its own view that judging an answer needs.

    view_for(state, trader) -> View -> situation_of(view) -> Situation -> trace row's `situation`

The prompt is built from the same View, so the situation holds nothing the trader was not shown (or
could not work out from the rules it was told). It is kept in every trace row so that the sense
measures (`engine.lab.evaluation.sense`: needs, sanity) can judge each answer against what the trader
held and knew when it wrote it, without replaying the game.
"""

from __future__ import annotations

from collections import Counter
from typing import Mapping

from pydantic import BaseModel, ConfigDict, Field

from engine.core.answer import STOCK_AHEAD, WINTER_STOCK

from engine.mind.view import View


class Situation(BaseModel):
    """What one trader held and faced when it decided (a compact copy of part of its View)."""

    model_config = ConfigDict(frozen=True)

    me: str
    """The trader's name."""
    produces: str | None = None
    """The good it makes and must never buy (None for the Patron, which has no needs)."""
    rate: int = 0
    """Units of its good it makes per turn when healthy."""
    pebbles: int = 0
    """Pebbles in hand."""
    goods: dict[str, int] = Field(default_factory=dict)
    """Units in hand by good (after this turn's production; units resting in sell orders not included)."""
    last: dict[str, int] = Field(default_factory=dict)
    """Each good's last traded price when the turn was decided (its base price before any trade)."""
    meals: int = 0
    """Meals it eats per turn, each of a different food (0 for the Patron)."""
    foods: list[str] = Field(default_factory=list)
    """Goods that are food."""
    fuel: str | None = None
    """The good winter burns (None when the wood has none)."""
    burn: int = 0
    """Units of fuel it burns at the end of this turn (0 before winter and for the Patron)."""
    burn_next: int = 0
    """Units of fuel it will burn at the end of next turn, as known now."""
    hoard_limits: dict[str, int] = Field(default_factory=dict)
    """Perishable goods -> units it may hold at the end of a turn before the excess rots."""
    hunger: int = 0
    """Missed meals not yet recovered from."""
    cold: int = 0
    """Cold turns not yet recovered from."""
    winter_in: int | None = None
    """Turns until winter starts (0 or less once it has; None in traces from before it was kept)."""


def situation_of(view: View) -> Situation:
    """The situation of the trader whose view this is.

    The Patron makes, eats and burns nothing: its situation has no needs (meals and burn 0).
    """
    creature = view.produces is not None
    return Situation(
        me=view.me, produces=view.produces, rate=view.rate, pebbles=view.pebbles, goods=dict(view.goods),
        last={b.good: b.last for b in view.books}, meals=view.meals if creature else 0, foods=list(view.foods),
        fuel=view.fuels[0] if view.fuels else None, burn=view.burn if creature else 0,
        burn_next=view.burn_next if creature else 0, hoard_limits=dict(view.hoard_limits),
        hunger=view.hunger, cold=view.cold, winter_in=view.winter_starts - view.turn,
    )


def unmet(sit: Situation, goods: Mapping[str, int], turns: int = 2) -> int:
    """Meals missed plus fuel units lacking over `turns` turns (this one first), by the rules' own eating.

    Each turn the trader eats one unit of each of its `meals` most-held foods (ties by name), then
    burns fuel; from the second turn on, its own good grows by its rate first. Nothing is bought.

    >>> owl = Situation(me="Oona", produces="honey", rate=3, meals=2, foods=["honey", "acorns", "berries"])
    >>> unmet(owl, {"honey": 7, "acorns": 1}), unmet(owl, {"honey": 7, "acorns": 1}, turns=1)
    (1, 0)
    """
    hand = Counter({g: q for g, q in goods.items() if q > 0})
    missed = 0
    for turn in range(turns):
        if turn and sit.produces:
            hand[sit.produces] += sit.rate
        held = sorted((f for f in sit.foods if hand[f] > 0), key=lambda f: (-hand[f], f))
        eaten = held[: sit.meals]
        hand.subtract(eaten)
        missed += sit.meals - len(eaten)
        burn = sit.burn if turn == 0 else sit.burn_next
        if burn and sit.fuel:
            used = min(hand[sit.fuel], burn)
            hand[sit.fuel] -= used
            missed += burn - used
    return missed


def short_goods(sit: Situation, turns: int = 2) -> list[str]:
    """Goods one more unit of which would lower `unmet`: what the trader is short of (never its own good).

    >>> owl = Situation(me="Oona", produces="honey", rate=3, meals=2, foods=["honey", "acorns", "berries"],
    ...                 fuel="firewood", burn=1, burn_next=1)
    >>> short_goods(owl.model_copy(update={"goods": {"honey": 7, "acorns": 1, "firewood": 1}}))
    ['acorns', 'berries', 'firewood']
    >>> short_goods(owl.model_copy(update={"goods": {"honey": 7, "acorns": 1, "firewood": 1}}), turns=1)
    []
    """
    base = unmet(sit, sit.goods, turns)
    candidates = [*sit.foods, *([sit.fuel] if sit.fuel else [])]
    return [g for g in dict.fromkeys(candidates) if g != sit.produces
            and unmet(sit, {**sit.goods, g: sit.goods.get(g, 0) + 1}, turns) < base]


def stock_good(sit: Situation) -> str | None:
    """The fuel a creature is gathering for winter, or None: in the `STOCK_AHEAD` turns before winter
    starts, while it holds less than `WINTER_STOCK` of the fuel it does not make (the rules publish when
    winter starts and the prompt asks for the stock: `engine.core.answer.winter_stock`).

    >>> owl = Situation(me="Oona", produces="honey", meals=2, foods=["honey", "acorns", "berries"],
    ...                 fuel="firewood", goods={"firewood": 2}, winter_in=5)
    >>> early, unknown = owl.model_copy(update={"winter_in": 9}), owl.model_copy(update={"winter_in": None})
    >>> stock_good(owl), stock_good(early), stock_good(unknown)
    ('firewood', None, None)
    """
    if sit.fuel is None or sit.fuel == sit.produces or sit.winter_in is None or not 0 < sit.winter_in <= STOCK_AHEAD:
        return None
    return sit.fuel if sit.goods.get(sit.fuel, 0) < WINTER_STOCK else None
