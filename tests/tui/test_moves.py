"""The desk's validation: wrong input is refused with a reason a person can act on."""

import pytest

from engine.brains.human import KINDS, QueuedMove
from engine.core.answer import LendMove, OrderAction, TipMove
from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.mind.view import view_for
from engine.play.council import resolve_council
from engine.play.scenario_files import load_scenario
from tokenwood_tui.moves import (FORMS, PARSERS, WORDS, MoveError, bounds, choices, describe, free_pebbles, options,
                             parse_move)


@pytest.fixture
def view():
    sc = load_scenario()
    state = new_game(sc, 3, resolve_council("scripted", sc))
    state.hidden.holdings[PATRON].goods["honey"] = 4
    return view_for(state, PATRON)


ORDER = {"side": "buy", "good": "honey", "qty": "2", "price": "7", "lifetime": "1"}


def test_a_good_order_becomes_the_engine_move(view):
    m = parse_move("orders", ORDER, view)
    assert m == QueuedMove("orders", OrderAction(side="buy", good="honey", qty=2, price=7, lifetime=1))
    assert describe(m) == "buy 2 honey at 7"


@pytest.mark.parametrize("fields, reason", [
    ({"price": "-3"}, "price: Input should be greater than or equal to 1 (got -3)"),
    ({"qty": "abc"}, "units must be a whole number, got 'abc'"),
    ({"qty": ""}, "units is empty"),
    ({"good": "pinecones"}, "no good called 'pinecones' (goods: honey, acorns, berries, firewood)"),
    ({"side": "hold"}, "no side called 'hold' (sides: buy, sell)"),
    ({"lifetime": "11"}, "lifetime: Input should be less than or equal to 10 (got 11)"),
    ({"side": "sell", "qty": "5"}, "you hold 4 honey: cannot sell 5"),
    ({"qty": "30", "price": "7"}, "this order puts 210 pebbles in escrow; you have 200 not yet promised"),
])
def test_bad_orders_are_refused_with_the_reason(view, fields, reason):
    with pytest.raises(MoveError) as err:
        parse_move("orders", {**ORDER, **fields}, view)
    assert str(err.value) == reason


def test_queued_sells_and_buys_count_against_what_is_left(view):
    sold = parse_move("orders", {**ORDER, "side": "sell", "qty": "3"}, view)
    with pytest.raises(MoveError, match="you hold 4 honey, 3 already queued to sell: cannot sell 2"):
        parse_move("orders", {**ORDER, "side": "sell", "qty": "2"}, view, [sold])
    lend = QueuedMove("lend", LendMove(creature="Oona", amount=150, rate_pct=5, term=4))
    assert free_pebbles(view, [lend]) == 50
    with pytest.raises(MoveError, match="you have 50 pebbles not yet promised; cannot offer 60"):
        parse_move("bribe", {"creature": "Sorrel", "amount": "60", "request": "x"}, view, [lend])


def test_a_short_makes_its_units_sellable_the_same_turn(view):
    short = parse_move("short", {"good": "acorns", "qty": "3", "term": "4"}, view)
    sell = parse_move("orders", {**ORDER, "side": "sell", "good": "acorns", "qty": "3"}, view, [short])
    assert sell == QueuedMove("orders", OrderAction(side="sell", good="acorns", qty=3, price=7, lifetime=1))


@pytest.mark.parametrize("kind, fields, reason", [
    ("lend", {"creature": "Bob", "amount": "10", "rate_pct": "5", "term": "4"},
     "no creature called 'Bob' (creatures: Oona, Sorrel, Fennick, Bramble)"),
    ("lend", {"creature": "Patron", "amount": "10", "rate_pct": "5", "term": "4"},
     "no creature called 'Patron' (creatures: Oona, Sorrel, Fennick, Bramble)"),
    ("lend", {"creature": "oona", "amount": "10", "rate_pct": "500", "term": "4"},
     "rate_pct: Input should be less than or equal to 100 (got 500)"),
    ("lend", {"creature": "Oona", "amount": "900", "rate_pct": "5", "term": "4"},
     "you have 200 pebbles not yet promised; cannot offer 900"),
    ("tip", {"creature": "Oona", "good": "honey", "direction": "up", "true": "true"},
     "no direction called 'up' (directions: rise, fall)"),
    ("tip", {"creature": "Oona", "good": "honey", "direction": "rise", "true": "maybe"},
     "no truth called 'maybe' (truths: true, planted)"),
    ("short", {"good": "honey", "qty": "0", "term": "5"}, "qty: Input should be greater than or equal to 1 (got 0)"),
    ("cancel", {"order_id": "9"}, "no resting order #9 of yours (yours: none)"),
    ("cover", {"short_id": "4"}, "no open short #4 (open: none)"),
    ("gossip", {"text": "   "}, "say something, or close the form"),
])
def test_other_moves_refuse_wrong_input(view, kind, fields, reason):
    with pytest.raises(MoveError) as err:
        parse_move(kind, fields, view)
    assert str(err.value) == reason


def test_a_tip_carries_its_hidden_truth_and_names_are_matched_loosely(view):
    m = parse_move("tip", {"creature": "fennick", "good": "Berries", "direction": "fall", "true": "true"}, view)
    assert m.move == TipMove(creature="Fennick", good="berries", direction="fall", true=True)


def test_a_frozen_patron_can_only_talk(view):
    frozen = view.model_copy(update={"frozen": True})
    with pytest.raises(MoveError, match="frozen"):
        parse_move("orders", ORDER, frozen)
    assert parse_move("gossip", {"text": "Lovely weather."}, frozen).move == "Lovely weather."


def test_the_legend_is_once_a_season(view):
    assert parse_move("legend", {"legend": "long_frost"}, view).move == "long_frost"
    spent = view.model_copy(update={"patron": view.patron.model_copy(update={"legends_left": []})})
    with pytest.raises(MoveError, match="already sprung"):
        parse_move("legend", {"legend": "long_frost"}, spent)


def test_every_form_has_its_own_key():
    keys = [f.key for f in FORMS.values()]
    assert len(set(keys)) == len(keys)
    assert not set(keys) & set(" aifslq")  # the board's own keys


def test_every_kind_the_desk_queues_has_its_form_its_parser_and_its_words():
    assert set(FORMS) == set(PARSERS) == set(WORDS) == set(KINDS)


def test_every_closed_set_is_picked_from_a_list_of_what_the_view_offers(view):
    """A field with choices is a list whose values are exactly what the parser accepts."""
    for spec in FORMS.values():
        for f in spec.fields:
            if f.choices:
                assert [v for _, v in options(f.choices, view)] == choices(f.choices, view), f.name
                assert not f.number
    assert options("creatures", view) == [(c, c) for c in ("Oona", "Sorrel", "Fennick", "Bramble")]
    legends = options("legends", view)
    assert legends and all(label.startswith(f"{lid} (") for label, lid in legends)
    assert options("orders", view) == [] and options("shorts", view) == []


def test_every_number_field_is_bounded_by_the_engines_model():
    """The bounds a number is checked against as it is typed are the engine model's own."""
    numbers = {(k, f.name): bounds(k, f.name) for k, spec in FORMS.items() for f in spec.fields if f.number}
    assert numbers == {
        ("orders", "qty"): (1, 1000), ("orders", "price"): (1, 10000), ("orders", "lifetime"): (1, 10),
        ("lend", "amount"): (1, 10000), ("lend", "rate_pct"): (0, 100), ("lend", "term"): (1, 20),
        ("short", "qty"): (1, 1000), ("short", "term"): (1, 20), ("bribe", "amount"): (1, 10000),
    }
    assert bounds("orders", "good") == (None, None) and bounds("gossip", "text") == (None, None)
