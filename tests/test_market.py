"""Tests for engine.core.market: exact book snapshots, escrow, rejections, saves, and random-stream properties."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.core.market import Fill, Market, NewOrder, Order, PlaceResult, Rejection

GOODS = ("honey", "acorns")


@dataclass
class Purse:
    """A minimal Account."""

    pebbles: int = 0
    goods: dict[str, int] = field(default_factory=dict)


def wood(**purses: Purse) -> tuple[Market, dict[str, Purse]]:
    """An empty market for GOODS and the given traders' purses."""
    return Market.for_goods(GOODS), dict(purses)


def rich() -> Purse:
    return Purse(1_000, {"honey": 100, "acorns": 100})


def put(m: Market, accts: dict[str, Purse], trader: str, side: str, qty: int, price: int, *,
        good: str = "honey", lifetime: int = 1, turn: int = 1) -> PlaceResult:
    return m.place(trader, side, good, qty, price, lifetime, turn, accts)  # type: ignore[arg-type]


def snapshot(m: Market, good: str = "honey") -> tuple[list[tuple], list[tuple]]:
    """(bids, asks) as (trader, side, price, qty), best first."""
    book = m.books[good]
    return ([(o.trader, o.side, o.price, o.qty) for o in book.bids],
            [(o.trader, o.side, o.price, o.qty) for o in book.asks])


def trades(result: PlaceResult) -> list[tuple[str, str, int, int]]:
    """Fills as (buyer, seller, qty, price)."""
    return [(f.buyer, f.seller, f.qty, f.price) for f in result.fills]


def reasons(result: PlaceResult) -> list[str]:
    return [r.reason for r in result.rejections]


# -- matching --------------------------------------------------------------------------------------


def test_simple_cross_trades_at_resting_price_and_settles() -> None:
    m, a = wood(oona=Purse(100), sorrel=Purse(0, {"honey": 5}))
    assert put(m, a, "sorrel", "sell", 5, 10).rested
    r = put(m, a, "oona", "buy", 5, 10)
    assert trades(r) == [("oona", "sorrel", 5, 10)]
    assert r.fills[0] == Fill(good="honey", qty=5, price=10, buyer="oona", seller="sorrel", buy_order_id=2,
                              sell_order_id=1, turn=1, aggressor="buy")
    assert (r.order_id, r.rested, r.rejections) == (2, False, [])
    assert snapshot(m) == ([], [])
    assert a["oona"] == Purse(50, {"honey": 5})
    assert a["sorrel"] == Purse(50, {"honey": 0})


def test_buyer_above_ask_pays_ask_and_gets_difference_back_at_once() -> None:
    m, a = wood(oona=Purse(100), sorrel=Purse(0, {"honey": 3}))
    put(m, a, "sorrel", "sell", 3, 8)
    r = put(m, a, "oona", "buy", 3, 11)
    assert trades(r) == [("oona", "sorrel", 3, 8)]
    assert a["oona"].pebbles == 100 - 24
    assert a["sorrel"].pebbles == 24
    assert m.reserved_pebbles() == 0


def test_seller_below_bid_gets_the_bid_price() -> None:
    m, a = wood(oona=Purse(100), sorrel=Purse(0, {"honey": 4}))
    put(m, a, "oona", "buy", 4, 12)
    r = put(m, a, "sorrel", "sell", 4, 5)
    assert trades(r) == [("oona", "sorrel", 4, 12)]
    assert r.fills[0].aggressor == "sell"
    assert a["sorrel"] == Purse(48, {"honey": 0})
    assert a["oona"] == Purse(52, {"honey": 4})


def test_same_price_asks_fill_in_arrival_order() -> None:
    m, a = wood(sorrel=rich(), fennick=rich(), oona=rich())
    put(m, a, "sorrel", "sell", 3, 10)
    put(m, a, "fennick", "sell", 3, 10)
    r = put(m, a, "oona", "buy", 4, 10)
    assert trades(r) == [("oona", "sorrel", 3, 10), ("oona", "fennick", 1, 10)]
    assert snapshot(m) == ([], [("fennick", "sell", 10, 2)])


def test_better_price_beats_earlier_arrival() -> None:
    m, a = wood(sorrel=rich(), fennick=rich(), oona=rich())
    put(m, a, "sorrel", "buy", 2, 9)
    put(m, a, "fennick", "buy", 2, 10)
    r = put(m, a, "oona", "sell", 3, 9)
    assert trades(r) == [("fennick", "oona", 2, 10), ("sorrel", "oona", 1, 9)]
    assert snapshot(m) == ([("sorrel", "buy", 9, 1)], [])


def test_partial_fills_across_levels_then_remainder_rests_at_limit() -> None:
    m, a = wood(sorrel=rich(), fennick=rich(), oona=Purse(100))
    put(m, a, "sorrel", "sell", 2, 10)
    put(m, a, "fennick", "sell", 3, 11)
    put(m, a, "sorrel", "sell", 4, 12)
    r = put(m, a, "oona", "buy", 6, 11)
    assert trades(r) == [("oona", "sorrel", 2, 10), ("oona", "fennick", 3, 11)]
    assert r.rested
    assert snapshot(m) == ([("oona", "buy", 11, 1)], [("sorrel", "sell", 12, 4)])
    # 66 escrowed, 20 + 33 spent, 2 refunded (1 per unit bought at 10), 11 still escrowed
    assert a["oona"] == Purse(100 - 20 - 33 - 11, {"honey": 5})
    assert m.reserved_pebbles() == 11


def test_no_cross_both_rest_and_nothing_trades() -> None:
    m, a = wood(sorrel=rich(), oona=rich())
    put(m, a, "oona", "buy", 2, 9)
    r = put(m, a, "sorrel", "sell", 3, 10)
    assert (r.fills, r.rested) == ([], True)
    assert snapshot(m) == ([("oona", "buy", 9, 2)], [("sorrel", "sell", 10, 3)])
    assert (m.best_bid("honey"), m.best_ask("honey")) == (9, 10)
    assert (m.best_bid("acorns"), m.best_ask("acorns")) == (None, None)
    assert m.reserved_pebbles() == 18 and m.reserved_goods("honey") == 3


def test_books_are_separate_per_good() -> None:
    m, a = wood(sorrel=rich(), oona=rich())
    put(m, a, "sorrel", "sell", 2, 5, good="acorns")
    r = put(m, a, "oona", "buy", 2, 9, good="honey")
    assert r.fills == [] and snapshot(m, "acorns") == ([], [("sorrel", "sell", 5, 2)])


# -- lifetimes and expiry ---------------------------------------------------------------------------


def test_lifetime_sets_last_live_turn_and_expire_refunds() -> None:
    m, a = wood(oona=Purse(100), sorrel=Purse(0, {"honey": 5}))
    buy = put(m, a, "oona", "buy", 2, 10, turn=3, lifetime=2).order_id
    sell = put(m, a, "sorrel", "sell", 5, 20, turn=3, lifetime=1).order_id
    assert [o.expires_turn for o in m.orders_of("oona") + m.orders_of("sorrel")] == [4, 3]
    assert m.expire(3, a) == []
    assert [o.id for o in m.expire(4, a)] == [sell]
    assert a["sorrel"].goods["honey"] == 5 and m.reserved_goods("honey") == 0
    assert a["oona"].pebbles == 80
    gone = m.expire(5, a)
    assert [(o.id, o.trader, o.qty) for o in gone] == [(buy, "oona", 2)]
    assert a["oona"].pebbles == 100 and snapshot(m) == ([], [])


def test_expire_refunds_only_the_unfilled_remainder() -> None:
    m, a = wood(oona=Purse(100), sorrel=Purse(0, {"honey": 1}))
    put(m, a, "oona", "buy", 3, 10)
    put(m, a, "sorrel", "sell", 1, 10)
    assert [o.qty for o in m.expire(2, a)] == [2]
    assert a["oona"] == Purse(90, {"honey": 1})


# -- cancel ------------------------------------------------------------------------------------------


def test_cancel_own_order_refunds_escrow() -> None:
    m, a = wood(oona=Purse(100), sorrel=Purse(0, {"honey": 4}))
    b = put(m, a, "oona", "buy", 3, 10).order_id
    s = put(m, a, "sorrel", "sell", 4, 12).order_id
    assert m.cancel("oona", b, a["oona"]) is None
    assert m.cancel("sorrel", s, a["sorrel"]) is None
    assert a["oona"].pebbles == 100 and a["sorrel"].goods["honey"] == 4
    assert snapshot(m) == ([], []) and m.orders_of("oona") == []


def test_cancel_someone_elses_or_unknown_order_is_rejected_and_changes_nothing() -> None:
    m, a = wood(oona=Purse(100), sorrel=rich())
    b = put(m, a, "oona", "buy", 3, 10).order_id
    before = m.model_copy(deep=True)
    r = m.cancel("sorrel", b, a["sorrel"])
    assert r == Rejection(trader="sorrel", order_id=b, reason="not_your_order", detail=r.detail)
    assert m.cancel("oona", 99, a["oona"]).reason == "unknown_order"  # type: ignore[union-attr]
    assert m == before and a["oona"].pebbles == 70
    assert m.cancel("oona", b, a["oona"]) is None
    assert m.cancel("oona", b, a["oona"]).reason == "unknown_order"  # type: ignore[union-attr]


def test_cancel_all_removes_one_traders_orders_across_goods() -> None:
    m, a = wood(oona=rich(), sorrel=rich())
    put(m, a, "oona", "buy", 1, 5)
    put(m, a, "sorrel", "buy", 1, 6)
    put(m, a, "oona", "sell", 2, 50, good="acorns")
    removed = m.cancel_all("oona", a)
    assert [(o.good, o.side, o.qty) for o in removed] == [("honey", "buy", 1), ("acorns", "sell", 2)]
    assert a["oona"] == rich()
    assert snapshot(m) == ([("sorrel", "buy", 6, 1)], []) and snapshot(m, "acorns") == ([], [])
    assert m.cancel_all("oona", a) == []


# -- self-trade prevention ----------------------------------------------------------------------------


def test_self_trade_cancels_own_resting_order_and_keeps_matching() -> None:
    m, a = wood(oona=rich(), sorrel=rich())
    own = put(m, a, "oona", "sell", 2, 10).order_id
    put(m, a, "sorrel", "sell", 3, 11)
    r = put(m, a, "oona", "buy", 2, 11)
    assert [(x.reason, x.order_id, x.trader) for x in r.rejections] == [("self_trade_cancelled", own, "oona")]
    assert trades(r) == [("oona", "sorrel", 2, 11)]
    assert snapshot(m) == ([], [("sorrel", "sell", 11, 1)])
    assert a["oona"] == Purse(1_000 - 22, {"honey": 102, "acorns": 100})


def test_self_trade_on_incoming_sell_refunds_own_bid() -> None:
    m, a = wood(oona=rich())
    put(m, a, "oona", "buy", 2, 10)
    r = put(m, a, "oona", "sell", 1, 9)
    assert (reasons(r), r.fills, r.rested) == (["self_trade_cancelled"], [], True)
    assert snapshot(m) == ([], [("oona", "sell", 9, 1)])
    assert a["oona"] == Purse(1_000, {"honey": 99, "acorns": 100})


# -- rejections ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "good", "qty", "price", "lifetime", "reason"),
    [
        ("buy", "mud", 1, 1, 1, "unknown_good"),
        ("buy", "honey", 0, 5, 1, "bad_qty"),
        ("sell", "honey", -2, 5, 1, "bad_qty"),
        ("buy", "honey", 1, 0, 1, "bad_price"),
        ("sell", "honey", 1, -3, 1, "bad_price"),
        ("buy", "honey", 1, 1, 0, "bad_lifetime"),
        ("hold", "honey", 1, 1, 1, "bad_side"),
        ("buy", "honey", 3, 4, 1, "insufficient_pebbles"),  # needs 12, has 11
        ("sell", "honey", 3, 4, 1, "insufficient_goods"),  # needs 3, has 2
        ("sell", "acorns", 1, 4, 1, "insufficient_goods"),  # none at all
    ],
)
def test_invalid_orders_are_rejected_as_values(side, good, qty, price, lifetime, reason) -> None:
    m, a = wood(oona=Purse(11, {"honey": 2}))
    r = m.place("oona", side, good, qty, price, lifetime, 1, a)
    assert (r.order_id, r.fills, r.rested, reasons(r)) == (None, [], False, [reason])
    assert r.rejections[0].trader == "oona" and r.rejections[0].detail
    assert a["oona"] == Purse(11, {"honey": 2}) and m == Market.for_goods(GOODS)


def test_escrow_boundary_exact_funds_are_enough() -> None:
    m, a = wood(oona=Purse(12, {"honey": 3}))
    assert put(m, a, "oona", "buy", 3, 4).order_id == 1
    assert put(m, a, "oona", "sell", 3, 99).order_id == 2
    assert a["oona"] == Purse(0, {"honey": 0})


# -- reading the book ----------------------------------------------------------------------------------


def test_depth_aggregates_levels_best_first_and_truncates() -> None:
    m, a = wood(oona=rich(), sorrel=rich())
    for trader, side, qty, price in [("oona", "buy", 1, 7), ("sorrel", "buy", 2, 7), ("oona", "buy", 4, 9),
                                     ("sorrel", "buy", 1, 5), ("oona", "sell", 3, 12), ("sorrel", "sell", 5, 12),
                                     ("sorrel", "sell", 1, 11), ("oona", "sell", 2, 15)]:
        put(m, a, trader, side, qty, price)
    assert m.depth("honey") == ([(9, 4), (7, 3), (5, 1)], [(11, 1), (12, 8), (15, 2)])
    assert m.depth("honey", levels=2) == ([(9, 4), (7, 3)], [(11, 1), (12, 8)])
    assert m.depth("honey", levels=0) == ([], [])
    assert m.depth("acorns") == ([], [])
    with pytest.raises(KeyError):
        m.depth("mud")


def test_orders_of_lists_by_id_and_returns_copies() -> None:
    m, a = wood(oona=rich(), sorrel=rich())
    put(m, a, "oona", "sell", 1, 30, good="acorns")
    put(m, a, "sorrel", "buy", 1, 3)
    put(m, a, "oona", "buy", 2, 4)
    mine = m.orders_of("oona")
    assert [(o.id, o.good, o.side) for o in mine] == [(1, "acorns", "sell"), (3, "honey", "buy")]
    mine[1].qty = 99
    assert m.order(3).qty == 2 and m.order(2).trader == "sorrel" and m.order(42) is None  # type: ignore[union-attr]


def test_results_built_on_the_fast_path_are_valid_models() -> None:
    m, a = wood(oona=rich(), sorrel=rich())
    put(m, a, "oona", "sell", 2, 10)
    r = put(m, a, "oona", "buy", 3, 12)
    put(m, a, "sorrel", "sell", 1, 12)
    put(m, a, "sorrel", "sell", 5, 12)
    for model in (r, *m.books["honey"].bids, *m.books["honey"].asks):
        assert type(model).model_validate(model.model_dump()) == model
    with pytest.raises(ValidationError):  # frozen
        r.rested = False  # type: ignore[misc]


# -- saves -------------------------------------------------------------------------------------------------


def busy_wood() -> tuple[Market, dict[str, Purse]]:
    m, a = wood(oona=rich(), sorrel=rich(), fennick=rich())
    put(m, a, "oona", "buy", 3, 9, lifetime=3)
    put(m, a, "sorrel", "buy", 2, 9, lifetime=2)
    put(m, a, "fennick", "sell", 4, 12, lifetime=3)
    put(m, a, "sorrel", "sell", 5, 12, lifetime=1)
    put(m, a, "oona", "sell", 3, 20, good="acorns", lifetime=2)
    put(m, a, "fennick", "buy", 2, 12, lifetime=1)  # cancels its own ask, buys 2 of sorrel's
    put(m, a, "oona", "buy", 1, 12)  # buys 1 more of sorrel's
    assert snapshot(m) == ([("oona", "buy", 9, 3), ("sorrel", "buy", 9, 2)], [("sorrel", "sell", 12, 2)])
    return m, a


def reload(m: Market) -> Market:
    return Market.model_validate(json.loads(json.dumps(m.model_dump(mode="json"))))


def test_save_round_trip_is_equal_and_clean() -> None:
    m, _ = busy_wood()
    dumped = m.model_dump(mode="json")
    assert set(dumped) == {"books", "next_order_id", "next_seq"}
    assert set(dumped["books"]["honey"]["bids"][0]) == set(Order.model_fields)
    back = reload(m)
    assert back == m and back.model_dump(mode="json") == dumped
    assert back.depth("honey") == m.depth("honey") == ([(9, 5)], [(12, 2)])
    assert back.orders_of("oona") == m.orders_of("oona") and len(m.orders_of("oona")) == 2
    assert m.model_copy(deep=True) == m


def test_save_round_trip_behaves_identically_afterwards() -> None:
    def next_turn(market: Market, accts: dict[str, Purse]) -> list:
        return [market.expire(2, accts), put(market, accts, "sorrel", "sell", 4, 9, turn=2),
                market.cancel_all("oona", accts), put(market, accts, "fennick", "buy", 1, 30, good="acorns", turn=2)]

    m, a = busy_wood()
    back, b = reload(m), copy.deepcopy(a)
    out = next_turn(m, a)
    assert next_turn(back, b) == out and b == a and back == m
    expired, sold, cancelled, bought = out  # and the turn really did something
    assert [(o.id, o.trader) for o in expired] == [(4, "sorrel")]
    assert (trades(sold), reasons(sold)) == ([("oona", "sorrel", 3, 9)], ["self_trade_cancelled"])
    assert [o.id for o in cancelled] == [5] and (bought.fills, bought.rested) == ([], True)
    assert snapshot(m) == ([], [("sorrel", "sell", 9, 1)])


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: d["books"]["honey"]["asks"].append({**d["books"]["honey"]["bids"][0], "side": "sell", "price": 30}),
        lambda d: d.update(next_order_id=2),
        lambda d: d["books"]["honey"]["bids"][0].update(qty=0),
        lambda d: d["books"]["acorns"].update(good="honey"),
        lambda d: d["books"]["honey"]["asks"].append({**d["books"]["honey"]["bids"].pop(0), "price": 30}),
        lambda d: d["books"]["honey"]["asks"].append(  # a free id, selling at the best bid
            {**d["books"]["honey"]["bids"][0], "id": 3, "seq": 3, "side": "sell"}),
    ],
    ids=["duplicate_id", "id_ahead_of_counter", "empty_order", "misfiled_book", "bid_among_asks", "crossed_book"],
)
def test_corrupt_saves_are_refused(corrupt) -> None:
    m, _ = busy_wood()
    d = m.model_dump(mode="json")
    assert Market.model_validate(copy.deepcopy(d)) == m
    corrupt(d)
    with pytest.raises(ValidationError):
        Market.model_validate(d)


# -- properties over random streams ------------------------------------------------------------------------

TRADERS = ("oona", "sorrel", "fennick", "bramble", "patron", "mole")

sides = st.sampled_from(["buy", "sell"])
place_op = st.tuples(st.just("place"), st.integers(0, 5), sides, st.sampled_from(GOODS),
                     st.integers(1, 6), st.integers(5, 10), st.integers(1, 3))
bad_place_op = st.tuples(st.just("place"), st.integers(0, 5), sides, st.sampled_from(GOODS + ("mud",)),
                         st.integers(-1, 6), st.integers(-1, 14), st.integers(0, 3))
op_kinds = {  # weight, strategy: mostly valid orders so that books fill and trade
    "place": (12, place_op),
    "bad_place": (1, bad_place_op),
    "cancel": (2, st.tuples(st.just("cancel"), st.integers(0, 5), st.integers(0, 30))),  # k-th resting order
    "cancel_all": (1, st.tuples(st.just("cancel_all"), st.integers(0, 5))),
    "expire": (1, st.tuples(st.just("expire"))),
}
ops = st.lists(
    st.sampled_from([kind for kind, (weight, _) in op_kinds.items() for _ in range(weight)])
    .flatmap(lambda kind: op_kinds[kind][1]),
    min_size=8,
    max_size=50,
)
purses = st.builds(Purse, st.integers(10, 150), st.fixed_dictionaries({g: st.integers(0, 10) for g in GOODS}))


def check_invariants(m: Market, accts: dict[str, Purse], totals: tuple[int, dict[str, int]]) -> None:
    pebbles = sum(p.pebbles for p in accts.values()) + m.reserved_pebbles()
    goods = {g: sum(p.goods.get(g, 0) for p in accts.values()) + m.reserved_goods(g) for g in GOODS}
    assert (pebbles, goods) == totals
    assert all(p.pebbles >= 0 and min(p.goods.values(), default=0) >= 0 for p in accts.values())
    resting = []
    for g in GOODS:
        bid, ask = m.best_bid(g), m.best_ask(g)
        assert bid is None or ask is None or bid < ask
        book = m.books[g]
        assert [(-o.price, o.seq) for o in book.bids] == sorted((-o.price, o.seq) for o in book.bids)
        assert [(o.price, o.seq) for o in book.asks] == sorted((o.price, o.seq) for o in book.asks)
        resting += book.bids + book.asks
    assert all(o.qty >= 1 for o in resting)
    assert sorted(o.id for o in resting) == sorted(o.id for t in TRADERS for o in m.orders_of(t))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(purses, min_size=3, max_size=6), ops)
def test_random_streams_conserve_and_never_cross(start: list[Purse], stream: list[tuple]) -> None:
    traders = TRADERS[: len(start)]
    m, accts = Market.for_goods(GOODS), dict(zip(traders, start))
    twin, twin_accts = Market.for_goods(GOODS), copy.deepcopy(accts)  # reloaded from a save every step
    totals = (sum(p.pebbles for p in start), {g: sum(p.goods[g] for p in start) for g in GOODS})
    limits: dict[int, tuple[str, int]] = {}  # order id -> (side, limit price)
    turn = 1
    for op in stream:
        twin = reload(twin)
        results = []
        ids = sorted(o.id for t in traders for o in m.orders_of(t))  # cancel mostly real ids, own or not
        for market, a in ((m, accts), (twin, twin_accts)):
            if op[0] == "place":
                _, who, side, good, qty, price, life = op
                trader = traders[who % len(traders)]
                results.append(market.place(trader, side, good, qty, price, life, turn, a))
            elif op[0] == "cancel":
                trader = traders[op[1] % len(traders)]
                results.append(market.cancel(trader, ids[op[2] % len(ids)] if ids else op[2], a[trader]))
            elif op[0] == "cancel_all":
                results.append(market.cancel_all(traders[op[1] % len(traders)], a))
            else:
                results.append(market.expire(turn + 1, a))
        if op[0] == "expire":
            turn += 1
        assert results[0] == results[1] and accts == twin_accts and m == twin
        if op[0] == "place" and results[0].order_id is not None:
            r, side, price = results[0], op[2], op[5]
            limits[r.order_id] = (side, price)
            assert (r.rejections == []) or {x.reason for x in r.rejections} == {"self_trade_cancelled"}
            for f in r.fills:
                assert f.buyer != f.seller and f.aggressor == side
                resting_side, resting_limit = limits[f.sell_order_id if side == "buy" else f.buy_order_id]
                assert resting_side != side and f.price == resting_limit
                assert (f.price <= price) if side == "buy" else (f.price >= price)
        check_invariants(m, accts, totals)


# -- a turn's call -----------------------------------------------------------------------------------------


def call(m: Market, accts: dict[str, Purse], *orders: tuple, turn: int = 1) -> list[PlaceResult]:
    """`Market.call` of (trader, side, qty, price[, good[, lifetime]]) tuples, in this arrival order."""
    def new(trader: str, side: str, qty: int, price: int, good: str = "honey", lifetime: int = 1) -> NewOrder:
        return NewOrder(trader, side, good, qty, price, lifetime)  # type: ignore[arg-type]

    return m.call([new(*o) for o in orders], turn, accts)  # type: ignore[arg-type]


def test_call_sells_a_scarce_unit_to_the_higher_bid_that_came_later() -> None:
    one_by_one, a1 = wood(fennick=rich(), oona=Purse(50), pip=Purse(50))
    put(one_by_one, a1, "fennick", "sell", 1, 4)
    assert trades(put(one_by_one, a1, "oona", "buy", 1, 5)) == [("oona", "fennick", 1, 4)]
    m, a = wood(fennick=rich(), oona=Purse(50), pip=Purse(50))
    ask, low, high = call(m, a, ("fennick", "sell", 1, 4), ("oona", "buy", 1, 5), ("pip", "buy", 1, 7))
    assert trades(high) == [("pip", "fennick", 1, 4)] and low.fills == [] and ask.fills == []
    assert (a["pip"].pebbles, a["pip"].goods, a["fennick"].pebbles) == (46, {"honey": 1}, 1_004)
    assert low.rested and not high.rested and not ask.rested
    assert snapshot(m) == ([("oona", "buy", 5, 1)], []) and a["oona"].pebbles == 45  # 5 in escrow


def test_call_trades_at_the_limit_of_the_order_that_came_first() -> None:
    m, a = wood(fennick=rich(), oona=Purse(50))
    bid, ask = call(m, a, ("oona", "buy", 2, 9), ("fennick", "sell", 2, 4))
    assert trades(ask) == [("oona", "fennick", 2, 9)] and bid.fills == [] and ask.fills[0].aggressor == "sell"
    m, a = wood(fennick=rich(), oona=Purse(50))
    ask, bid = call(m, a, ("fennick", "sell", 2, 4), ("oona", "buy", 2, 9))
    assert trades(bid) == [("oona", "fennick", 2, 4)] and bid.fills[0].aggressor == "buy"
    assert a["oona"].pebbles == 42  # 18 escrowed, 8 paid, 10 back


def test_call_equal_prices_go_by_arrival_and_a_resting_order_comes_first() -> None:
    m, a = wood(fennick=rich(), oona=Purse(50), pip=Purse(50), sorrel=Purse(50))
    put(m, a, "sorrel", "buy", 1, 6, lifetime=2)  # rests from turn 1
    ask, pip, oona = call(m, a, ("fennick", "sell", 2, 6), ("pip", "buy", 1, 6), ("oona", "buy", 1, 6), turn=2)
    assert trades(ask) == [("sorrel", "fennick", 1, 6)] and trades(pip) == [("pip", "fennick", 1, 6)]
    assert oona.fills == [] and oona.rested
    m, a = wood(fennick=rich(), oona=Purse(50), sorrel=Purse(50))
    put(m, a, "sorrel", "buy", 1, 6, lifetime=2)
    ask, oona = call(m, a, ("fennick", "sell", 1, 6), ("oona", "buy", 1, 7), turn=2)
    assert trades(ask) == [] and trades(oona) == [("oona", "fennick", 1, 6)]  # a better price beats the rest
    assert snapshot(m) == ([("sorrel", "buy", 6, 1)], [])


def test_call_self_trade_cancels_the_earlier_order_and_tells_the_later() -> None:
    m, a = wood(fennick=Purse(20, {"honey": 5}), oona=Purse(50))
    bid, ask, oona = call(m, a, ("fennick", "buy", 1, 6), ("fennick", "sell", 2, 5), ("oona", "buy", 1, 5))
    assert reasons(ask) == ["self_trade_cancelled"] and ask.rejections[0].order_id == bid.order_id
    assert trades(oona) == [("oona", "fennick", 1, 5)] and not bid.rested
    assert a["fennick"].pebbles == 25 and a["fennick"].goods["honey"] == 3  # bid refunded, one sold, one rests
    assert snapshot(m) == ([], [("fennick", "sell", 5, 1)])


def test_call_escrows_every_order_before_any_trade() -> None:
    m, a = wood(fennick=Purse(0, {"honey": 5}), oona=Purse(50, {"acorns": 3}))
    sale, buy, acorns = call(m, a, ("fennick", "sell", 5, 4), ("oona", "buy", 5, 4),
                             ("fennick", "buy", 1, 3, "acorns"))
    assert trades(buy) == [("oona", "fennick", 5, 4)] and reasons(acorns) == ["insufficient_pebbles"]
    assert acorns.order_id is None and a["fennick"].pebbles == 20  # the sale's pebbles came after the call


def test_call_refuses_bad_orders_as_values_in_place() -> None:
    m, a = wood(oona=Purse(10))
    results = call(m, a, ("oona", "buy", 1, 0), ("oona", "buy", 1, 4, "mud"), ("oona", "buy", 2, 4))
    assert [reasons(r) for r in results] == [["bad_price"], ["unknown_good"], []]
    assert results[2].rested and a["oona"].pebbles == 2


calls = st.lists(st.tuples(st.integers(0, 5), sides, st.sampled_from(GOODS), st.integers(1, 6),
                           st.integers(5, 10), st.integers(1, 3)), min_size=1, max_size=14)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(purses, min_size=3, max_size=6), st.lists(calls, min_size=1, max_size=5))
def test_random_calls_conserve_and_put_price_first(start: list[Purse], turns: list[list[tuple]]) -> None:
    traders = TRADERS[: len(start)]
    m, accts = Market.for_goods(GOODS), dict(zip(traders, start))
    totals = (sum(p.pebbles for p in start), {g: sum(p.goods[g] for p in start) for g in GOODS})
    limits: dict[int, tuple[str, int]] = {}  # order id -> (side, limit price)
    for turn, batch in enumerate(turns, start=1):
        news = [NewOrder(traders[w % len(traders)], side, good, qty, price, life)
                for w, side, good, qty, price, life in batch]
        twin, twin_accts = reload(m), copy.deepcopy(accts)
        results = m.call(news, turn, accts)
        assert results == twin.call(news, turn, twin_accts) and m == twin and accts == twin_accts
        assert len(results) == len(news)
        filled: dict[int, int] = {}
        for o, r in zip(news, results):
            if r.order_id is not None:
                limits[r.order_id] = (o.side, o.price)
            for f in r.fills:
                assert f.buyer != f.seller and r.order_id in (f.buy_order_id, f.sell_order_id)
                first = min(f.buy_order_id, f.sell_order_id)  # ids ascend with arrival
                assert f.price == limits[first][1] and f.aggressor == o.side
                for i in (f.buy_order_id, f.sell_order_id):
                    filled[i] = filled.get(i, 0) + f.qty
        for good in GOODS:  # price first: no order of the call left resting beats a filled one's price
            book = m.books[good]
            mine = {r.order_id for o, r in zip(news, results) if r.order_id is not None and o.good == good}
            for side, resting in (("buy", book.bids), ("sell", book.asks)):
                rests = [o.price for o in resting if o.id in mine]
                fills = [limits[i][1] for i in filled if i in mine and limits[i][0] == side]
                if rests and fills:
                    assert (max(rests) <= min(fills)) if side == "buy" else (min(rests) >= max(fills))
        check_invariants(m, accts, totals)
        m.expire(turn + 1, accts)
