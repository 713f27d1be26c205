"""Scoring rules: net worth (from the state, and from a trader's own view, by one sum) and public standing."""

from types import SimpleNamespace

import pytest

from engine.core.economy import net_worth, standing, worth
from engine.core.scenario import PATRON
from engine.mind.view import view_for, worth_in_view
from tests.conftest import play, scripted_game

PRICES = {"honey": 6, "acorns": 4}


def order(side: str, good: str, qty: int, price: int) -> SimpleNamespace:
    return SimpleNamespace(side=side, good=good, qty=qty, price=price)


def test_worth_counts_pebbles_goods_and_escrow_less_debts_and_shorts():
    assert worth(10, {"honey": 2, "acorns": 1}, [], PRICES) == 10 + 12 + 4
    # a resting buy is worth its escrowed pebbles, a resting sell its units at the last price
    assert worth(0, {}, [order("buy", "acorns", 3, 5), order("sell", "honey", 2, 99)], PRICES) == 15 + 12
    assert worth(50, {}, [], PRICES, owed=7, shorted=[("honey", 3)]) == 50 - 7 - 18


@pytest.mark.parametrize("seed", [1, 4])
def test_a_traders_own_view_gives_the_same_worth_as_the_state(seed):
    game = scripted_game(seed)
    for _ in range(4):
        play(game, 6)
        for name in [t.name for t in game.state.scenario.traders] + [PATRON]:
            assert worth_in_view(view_for(game.state, name)) == net_worth(game.state, name)


def test_worth_in_view_counts_debts_and_open_shorts():
    game = scripted_game(2)
    play(game, 12)
    view = view_for(game.state, PATRON)
    books = [SimpleNamespace(good=g, last=p) for g, p in PRICES.items()]
    shaped = SimpleNamespace(pebbles=100, goods={"honey": 1}, my_orders=[], books=books,
                             debts=[SimpleNamespace(owed=9)],
                             patron=view.patron.model_copy(update={"open_shorts": [(3, "acorns", 2, 20)]}))
    assert worth_in_view(shaped) == 100 + 6 - 9 - 8


@pytest.mark.parametrize("counts, expected", [
    ((0, 0, 0, 0, 0), (0, "unknown")),
    ((1, 0, 0, 0, 0), (0, "known")),
    ((15, 0, 0, 0, 0), (5, "esteemed")),
    ((40, 0, 0, 0, 0), (5, "esteemed")),  # trades count up to 15
    ((6, 0, 0, 0, 0), (2, "respected")),
    ((3, 0, 1, 0, 0), (-1, "doubted")),
    ((0, 0, 0, 1, 0), (-3, "doubted")),
    ((0, 0, 0, 0, 2), (-4, "shunned")),
    ((0, 3, 0, 0, 0), (3, "respected")),
])
def test_standing_from_what_the_record_shows(counts, expected):
    assert standing(*counts) == expected
