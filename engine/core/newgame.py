"""A new game: the opening state of a scenario for a seed."""

from __future__ import annotations

import hashlib

from engine.core.dealings import POOL_UNITS
from engine.core.firewall import canary
from engine.core.legends import make_schedule
from engine.core.market import Market
from engine.core.scenario import PATRON, Scenario
from engine.core.state import Dice, GameState, HiddenLedger, Holdings, PublicRecord


def new_game(scenario: Scenario, seed: int, council: dict[str, str] | None = None) -> GameState:
    """The opening state: holdings from the scenario, a seeded legend schedule, an empty market."""
    salt = hashlib.sha256(f"tokenwood|{seed}|{scenario.name}".encode()).hexdigest()[:16]
    holdings = {
        t.name: Holdings(pebbles=t.pebbles, goods=dict(t.goods), canary=canary(salt, "holdings", t.name))
        for t in scenario.traders
    }
    holdings[PATRON] = Holdings(pebbles=scenario.patron.pebbles, goods=dict(scenario.patron.goods),
                                canary=canary(salt, "holdings", PATRON))
    for h in holdings.values():
        for g in scenario.good_names:
            h.goods.setdefault(g, 0)
    dice = Dice(seed=seed)
    hidden = HiddenLedger(salt=salt, holdings=holdings, treasury=scenario.treasury,
                          pool={g: POOL_UNITS for g in scenario.good_names})
    state = GameState(scenario=scenario, public=PublicRecord(council=dict(council or {})),
                      hidden=hidden, market=Market.for_goods(scenario.good_names), dice=dice)
    hidden.schedule = make_schedule(scenario, dice)
    return state
