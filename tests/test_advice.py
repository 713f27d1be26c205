"""The prompt's suggested orders (`example_orders`) follow the creature's situation: what it lacks, a
fresh whisper, a bargain; and never its own good or more than its pebbles."""

from __future__ import annotations

import json

import pytest

from engine.mind.prompt import SUGGESTED_HEAD as SUGGESTED
from engine.mind.prompt import BARGAIN, KEEP, TIP_FRESH, bargains, build_prompt, example_orders, legend_rising, tipped
from engine.mind.view import View, legend_line, view_for, whisper_line
from tests.conftest import play, scripted_game


@pytest.fixture(scope="module")
def bramble() -> View:
    """Bramble the badger on turn 6 of seed 7: makes firewood, holds no food, 47 pebbles."""
    game = scripted_game(seed=7)
    play(game, 5)
    view = view_for(game.state, "Bramble")
    assert view.produces == "firewood" and view.foods_needed == 2 and view.pebbles >= 40
    return view


def _with(view: View, **update) -> View:
    return view.model_copy(update=update)


def _priced(view: View, **last: int) -> View:
    books = [b.model_copy(update={"last": last[b.good], "history": [last[b.good]] * 4, "asks": []})
             if b.good in last else b
             for b in view.books]
    return _with(view, books=books)


def _buys(orders: list[dict]) -> dict[str, tuple[int, int]]:
    return {o["good"]: (o["qty"], o["price"]) for o in orders if o["side"] == "buy"}


def _suggested(prompt: str) -> list[dict]:
    lines = prompt.split("\n")
    return json.loads(lines[lines.index(SUGGESTED) + 1]) if SUGGESTED in lines else []


def test_it_buys_the_cheapest_foods_it_lacks_one_kind_per_meal_missed(bramble):
    view = _priced(_with(bramble, whispers=[], legends=[]), honey=9, acorns=4, berries=5, firewood=5)
    # two meals to miss: the two cheapest foods, then the third as a backup (v16)
    assert _buys(example_orders(view)) == {"acorns": (1, 5), "berries": (1, 6), "honey": (1, 10)}
    # the needs fill the grammar's three slots less the sale's: the backup takes the free slot, before the
    # sale (until 2026-12-06 it followed the sale, and Gemma's badger often wrote something else there)
    assert [(o["side"], o["good"]) for o in example_orders(view)] == [
        ("buy", "acorns"), ("buy", "berries"), ("buy", "honey"), ("sell", "firewood")]
    one_meal = _with(view, foods_needed=1)
    assert _buys(example_orders(one_meal)) == {"acorns": (1, 5), "berries": (1, 6)}
    poor = _with(one_meal, pebbles=9)  # the backup only as far as the pebbles go (4 left: not even the last price)
    assert _buys(example_orders(poor)) == {"acorns": (1, 5)}
    fed = _with(view, foods_needed=0)
    assert _buys(example_orders(fed)) == {}  # no meal to miss: no backup either


def test_a_food_it_cannot_afford_gives_way_to_one_it_can(bramble):
    """Regression (seed 2 of the v5 trials): the first short food was too dear, so nothing was suggested."""
    view = _priced(_with(bramble, whispers=[], legends=[], pebbles=11, foods_needed=1,
                         short_on={"honey": 1, "berries": 1}), honey=12, acorns=4, berries=5)
    assert _buys(example_orders(view)) == {"berries": (1, 6)}
    broke = _with(view, pebbles=3)
    assert _buys(example_orders(broke)) == {}


def test_fuel_is_bought_as_far_as_the_pebbles_go_after_food(bramble):
    view = _priced(_with(bramble, whispers=[], legends=[], produces="honey", pebbles=20, foods_needed=1,
                         short_on={"acorns": 1, "firewood": 5}), acorns=4, firewood=4)
    # acorns at 5 first, then 15 pebbles buy 3 firewood at 5
    assert _buys(example_orders(view)) == {"acorns": (1, 5), "firewood": (3, 5)}


def test_a_fresh_whisper_that_a_good_will_rise_adds_one_unit_of_it(bramble):
    calm = _with(_no_asks(bramble), short_on={}, foods_needed=0, whispers=[], legends=[])
    assert _buys(example_orders(calm)) == {}
    tipped_view = _with(calm, whispers=[whisper_line(bramble.turn - 1, "honey", "rise")])
    assert tipped(tipped_view) == ["honey"]
    # a want, not a need: at the last price (`want_price`), which no need bid of the turn is below
    assert _buys(example_orders(tipped_view)) == {"honey": (1, _last(bramble, "honey"))}
    stale = _with(calm, whispers=[whisper_line(bramble.turn - TIP_FRESH - 1, "honey", "rise")])
    falling = _with(calm, whispers=[whisper_line(bramble.turn - 1, "honey", "fall")])
    own = _with(calm, whispers=[whisper_line(bramble.turn - 1, "firewood", "rise")])
    assert tipped(stale) == tipped(falling) == tipped(own) == []


def test_a_legend_that_pushes_a_good_up_adds_one_unit_of_it_after_the_sale(bramble):
    """Since v15 a legend's line says which way it pushes goods, and the suggestion buys one of a good it
    pushes up, after the needs and the sale (the grammar's opening) where the free slot follows."""
    calm = _with(_no_asks(bramble), short_on={}, foods_needed=0, whispers=[], legends=[])
    mania = legend_line("Bluebell Mania", bramble.turn + 3, "The hives cannot keep up.", {"honey": "rise"})
    notes = legend_line("Acorn-Backed Notes", bramble.turn + 2, "Husks.", {"acorns": "fall"})
    risen = _with(calm, legends=[mania, notes])
    assert legend_rising(risen) == ["honey"] and "Honey will rise." in build_prompt(risen)
    orders = example_orders(risen)
    assert [(o["side"], o["good"]) for o in orders] == [("sell", "firewood"), ("buy", "honey")]
    assert orders[1]["price"] == _last(bramble, "honey")  # a want's price
    own = _with(calm, legends=[legend_line("The Long Frost", bramble.turn + 4, "Cold.", {"firewood": "rise"})])
    full = _with(risen, goods={**risen.goods, "honey": risen.hoard_limits["honey"]})
    assert legend_rising(own) == legend_rising(full) == [] and _buys(example_orders(own)) == {}
    hungry = _priced(_with(risen, foods_needed=1, short_on={"acorns": 1}), acorns=4)
    assert [(o["side"], o["good"]) for o in example_orders(hungry)] == [
        ("buy", "acorns"), ("sell", "firewood"), ("buy", "honey")]  # needs, sale, then the legend's buy


def test_a_bargain_is_named_in_the_prompt_and_bought(bramble):
    calm = _with(bramble, short_on={}, foods_needed=0, whispers=[], legends=[])
    books = []
    for b in calm.books:
        if b.good == "berries":
            b = b.model_copy(update={"history": [6, 6, 5, 7, 3], "last": 3, "trend": "falling"})
        books.append(b)
    cheap = _with(calm, books=books)
    assert bargains(cheap) == {"berries": 6} and 3 <= BARGAIN * 6
    assert _buys(example_orders(cheap)) == {"berries": (1, 3)}  # at the bargain's price, a want's
    prompt = build_prompt(cheap)
    assert "Berries is cheap now: 3 pebbles, against 6 of late." in prompt
    assert _suggested(prompt) == example_orders(cheap)
    full = _with(cheap, goods={**cheap.goods, "berries": cheap.hoard_limits["berries"]})
    assert bargains(full) == {} and "cheap now" not in build_prompt(full)


def test_it_never_suggests_buying_its_own_good_and_sells_all_but_a_few(bramble):
    view = _with(bramble, whispers=[whisper_line(bramble.turn - 1, "firewood", "rise")],
                 short_on={**bramble.short_on, "firewood": 3})
    orders = example_orders(view)
    assert "firewood" not in _buys(orders)
    held = view.goods["firewood"]
    assert held > KEEP + 2
    assert [o for o in orders if o["side"] == "sell"] == [
        {"side": "sell", "good": "firewood", "qty": min(10, held - KEEP), "price": _last(bramble, "firewood")}]
    assert sum(q * p for q, p in _buys(orders).values()) <= view.pebbles
    for few, sold in ((KEEP + 1, 2), (3, 2), (2, 1), (1, None)):
        orders = example_orders(_with(view, goods={**view.goods, "firewood": few}))
        assert [o["qty"] for o in orders if o["side"] == "sell"] == ([sold] if sold else []), few
    for few, burn, sold in ((3, 2, 1), (2, 2, None), (KEEP + 6, 2, 6)):  # winter: never the firewood it burns (v17)
        orders = example_orders(_with(view, goods={**view.goods, "firewood": few}, burn=burn))
        assert [o["qty"] for o in orders if o["side"] == "sell"] == ([sold] if sold else []), (few, burn)


def test_a_dearer_resting_ask_within_the_band_sets_the_bid(bramble):
    view = _priced(_with(bramble, whispers=[], legends=[], foods_needed=1, short_on={"acorns": 1}), acorns=4)
    books = [b.model_copy(update={"asks": [(7, 2), (9, 1)]}) if b.good == "acorns" else b for b in view.books]
    assert _buys(example_orders(_with(view, books=books))) == {"acorns": (1, 7)}  # the ask, not 4 + 1
    far = [b.model_copy(update={"asks": [(9, 2)]}) if b.good == "acorns" else b for b in view.books]
    assert _buys(example_orders(_with(view, books=far))) == {"acorns": (1, 5)}  # above 2x the last: no


def test_suggested_orders_given_to_build_prompt_replace_its_own(bramble):
    held = [{"side": "sell", "good": "firewood", "qty": 1, "price": 9}]
    assert _suggested(build_prompt(bramble, suggested=held)) == held
    assert _suggested(build_prompt(bramble)) == example_orders(bramble)
    assert SUGGESTED not in build_prompt(bramble, suggested=[])


def _no_asks(view: View) -> View:
    return _with(view, books=[b.model_copy(update={"asks": []}) for b in view.books])


def _last(view: View, good: str) -> int:
    return next(b.last for b in view.books if b.good == good)
