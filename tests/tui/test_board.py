"""The board: what each mode may show, computed from what each mode may read."""

import inspect

from engine.core.economy import net_worth
from engine.core.scenario import PATRON
from engine.core.state import Event, TradeRecord
from tests.conftest import play, scripted_game
from tokenwood_tui.viewmodel import play_board, public_board, reputation, spectator_board


def test_the_played_board_is_built_from_the_public_record_and_the_patrons_view_only():
    params = list(inspect.signature(public_board).parameters)
    assert params[:3] == ["public", "me", "sc"]
    game = scripted_game(seed=4)
    play(game, 14)
    b = play_board(game.state)
    assert b.spectator is None
    assert [s.worth for s in b.scores if s.trader != PATRON] == [None] * 4
    assert [s.worth for s in b.scores if s.trader == PATRON] == [net_worth(game.state, PATRON)]
    assert b.turn == 14 and len(b.prices["honey"]) == 14
    assert [t.name for t in b.traders] == ["Oona", "Sorrel", "Fennick", "Bramble", PATRON]


def test_the_patrons_own_worth_matches_the_rules_with_orders_and_shorts_open():
    moves = [{"turn": 2, "action": "short", "good": "honey", "qty": 3, "term": 6},
             {"turn": 2, "action": "order", "side": "buy", "good": "acorns", "qty": 2, "price": 1, "lifetime": 5},
             {"turn": 3, "action": "order", "side": "sell", "good": "honey", "qty": 1, "price": 90, "lifetime": 5}]
    game = scripted_game(seed=2, patron_moves=moves)
    play(game, 4)
    b = play_board(game.state)
    assert b.desk.open_shorts and b.desk.orders
    assert b.desk.worth == net_worth(game.state, PATRON)


def test_the_spectator_sees_the_matrix_and_every_purse():
    game = scripted_game(seed=4)
    play(game, 10)
    b = spectator_board(game.state)
    hid = game.state.hidden
    assert b.spectator.sentiment["Oona"]["Sorrel"] == hid.sentiment.get("Oona", {}).get("Sorrel", 0)
    assert {s.trader: s.worth for s in b.scores} == {n: net_worth(game.state, n) for n in b.names}
    assert b.spectator.purses["Bramble"][0] == hid.holdings["Bramble"].pebbles


def test_reputation_comes_from_trades_gossip_defaults_and_sanctions():
    game = scripted_game(seed=1)
    pub = game.state.public
    pub.trades += [TradeRecord(turn=1, good="honey", qty=1, price=5, buyer="Sorrel", seller="Oona")] * 6
    pub.events += [
        Event(turn=1, kind="gossip", actors=["Fennick"], text='Fennick says: "Oona is a thief"',
              said="Oona is a thief"),
        Event(turn=1, kind="gossip", actors=["Sorrel"], text='Sorrel says: "thank you Oona, honest owl"',
              said="thank you Oona, honest owl"),
        Event(turn=2, kind="default", actors=["Sorrel", PATRON], text="Sorrel could not pay"),
        Event(turn=2, kind="magistrate", actors=[PATRON], text="The magistrate speaks to the Patron: ...",
              sanction="warn"),
        Event(turn=3, kind="magistrate", actors=[PATRON], text="The magistrate warns the wood: ..."),
    ]
    rows = {r.trader: r for r in reputation(pub, ["Oona", "Sorrel", "Bramble", PATRON])}
    assert (rows["Oona"].trades, rows["Oona"].kind_words, rows["Oona"].harsh_words) == (6, 1, 1)
    assert rows["Oona"].score == 6 // 3 + 1 - 2 and rows["Oona"].standing == "known"
    assert rows["Sorrel"].defaults == 1 and rows["Sorrel"].score == 2 - 3 and rows["Sorrel"].standing == "doubted"
    assert rows["Bramble"].standing == "unknown"
    assert rows[PATRON].sanctions == 1 and rows[PATRON].standing == "doubted"
