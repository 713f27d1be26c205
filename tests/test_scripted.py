"""Scripted creatures: each part of a temperament's answer, from a real view of a new game."""

from __future__ import annotations

import pytest

from engine.brains.scripted import RESERVE, ScriptedCreature
from engine.core.newgame import new_game
from engine.mind.view import Offer, View, view_for


@pytest.fixture
def view(scenario) -> View:
    """Oona's view of the first turn of seed 1."""
    return view_for(new_game(scenario, 1), scenario.traders[0].name)


def _holding(view: View, **goods: int) -> View:
    return view.model_copy(update={"goods": {**view.goods, **goods}})


@pytest.mark.parametrize("temperament", ["hoarder", "speculator", "cautious"])
def test_the_surplus_above_the_reserve_is_offered_and_the_reserve_kept(view, temperament):
    own = view.produces
    answer = ScriptedCreature(temperament).answer(_holding(view, **{own: RESERVE[temperament] + 3}))
    sells = [o for o in answer["orders"] if o["side"] == "sell" and o["good"] == own]
    assert [o["qty"] for o in sells] == [3]
    at_reserve = ScriptedCreature(temperament).answer(_holding(view, **{own: RESERVE[temperament]}))["orders"]
    assert not [o for o in at_reserve if o["side"] == "sell" and o["good"] == own]


def test_buys_never_spend_more_pebbles_than_it_has(view):
    poor = view.model_copy(update={"pebbles": 7})
    buys = [o for o in ScriptedCreature("hoarder").answer(poor)["orders"] if o["side"] == "buy"]
    assert sum(o["qty"] * o["price"] for o in buys) <= 7


def test_only_a_speculator_flips_others_goods_it_holds(view):
    other = next(g for g in view.goods_all if g != view.produces)
    rich = _holding(view, **{other: 9})
    flips = [o for o in ScriptedCreature("speculator").answer(rich)["orders"]
             if o["side"] == "sell" and o["good"] == other]
    assert [o["qty"] for o in flips] == [6]  # every trend is steady on the first turn
    assert not [o for o in ScriptedCreature("cautious").answer(rich)["orders"]
                if o["side"] == "sell" and o["good"] == other]


def test_every_offer_is_accepted_or_declined_by_temperament(view):
    offers = [Offer(id=1, kind="loan", text="a loan"), Offer(id=2, kind="bribe", text="a bribe")]
    rich = view.model_copy(update={"offers": offers, "pebbles": 100})
    replies = {t: ScriptedCreature(t).answer(rich) for t in ("hoarder", "speculator", "cautious")}
    assert {t: (a["accept"], a["decline"]) for t, a in replies.items()} == {
        "hoarder": ([2], [1]), "speculator": ([1, 2], []), "cautious": ([], [1, 2])}


def test_gossip_comes_on_one_turn_in_five(view):
    said = [bool(ScriptedCreature("cautious").answer(view.model_copy(update={"turn": t}))["gossip"])
            for t in range(1, 11)]
    assert said.count(True) == 2
