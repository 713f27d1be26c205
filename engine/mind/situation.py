"""A trader's situation at decision time: the few facts of its own view that judging an answer needs.

    view_for(state, trader) -> View -> situation_of(view) -> Situation -> trace row's `situation`

The prompt is built from the same View, so the situation holds nothing the trader was not shown (or
could not work out from the rules it was told). It is kept in every trace row so that the sense
measures (`engine.lab.evaluation.sense`: needs, sanity) can judge each answer against what the trader
held and knew when it wrote it, without replaying the game.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
