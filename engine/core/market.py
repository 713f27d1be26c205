"""The market: one price-time-priority limit order book per good, with escrow.

Pure rules: no I/O, no randomness, no logging. Placing a buy reserves its pebbles and placing a sell
its units, so a resting order always settles. Fills, refunds and cancellations move pebbles and goods
between `Account`s at once and come back as values (`Fill`, `Rejection`), never as exceptions.

Conservation: after every operation the pebbles in all accounts plus `reserved_pebbles()`, and for each
good the units in all accounts plus `reserved_goods(good)`, are what they were before.

The whole `Market` is a pydantic model: `model_dump(mode="json")` and `model_validate` round-trip it to
an equal market that behaves identically. Lookup indexes are private attributes rebuilt on load.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, NamedTuple, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

Side = Literal["buy", "sell"]
_M = TypeVar("_M", bound="BaseModel")

RejectReason = Literal[
    "unknown_good",
    "bad_side",
    "bad_qty",
    "bad_price",
    "bad_lifetime",
    "insufficient_pebbles",
    "insufficient_goods",
    "self_trade_cancelled",
    "unknown_order",
    "not_your_order",
]
"""Short codes a `Rejection` carries."""


class Account(Protocol):
    """A trader's holdings, owned by the game state and mutated by the market."""

    pebbles: int
    """Free pebbles (escrowed pebbles are not counted here)."""
    goods: dict[str, int]
    """Free units per good; a missing key means 0."""


class Order(BaseModel):
    """A limit order; while it rests, its remaining pebbles (buy) or units (sell) are in escrow."""

    model_config = ConfigDict(extra="forbid")

    id: int
    """Market-wide order id, unique and ascending in placement order."""
    trader: str
    """Who placed it."""
    good: str
    """The good traded."""
    side: Side
    """Buy or sell."""
    qty: int = Field(ge=1)
    """Units still unfilled; decremented as the order fills."""
    price: int = Field(ge=1)
    """Limit price, pebbles per unit."""
    placed_turn: int
    """Turn on which it was placed."""
    expires_turn: int
    """Last turn on which it is live: placed on turn T with lifetime L, it is T+L-1."""
    seq: int
    """Arrival sequence number for time priority (market-wide counter)."""


class Fill(BaseModel):
    """One trade between a resting order and an incoming one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    good: str
    """The good traded."""
    qty: int
    """Units that changed hands."""
    price: int
    """Pebbles per unit: always the resting order's limit price."""
    buyer: str
    """Trader who received the units."""
    seller: str
    """Trader who received the pebbles."""
    buy_order_id: int
    """Id of the buy order."""
    sell_order_id: int
    """Id of the sell order."""
    turn: int
    """Turn on which the trade happened."""
    aggressor: Side
    """Side of the incoming order that caused the trade."""


class Rejection(BaseModel):
    """Something the market refused or undid, as a value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trader: str
    """Trader concerned."""
    order_id: int | None
    """Order concerned; None when an order was refused before it got an id."""
    reason: RejectReason
    """Short machine-readable code."""
    detail: str
    """Human-readable explanation carrying the offending values."""


class PlaceResult(BaseModel):
    """What placing one order did."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: int | None
    """Id assigned to the order; None if it was rejected before entering the market."""
    fills: list[Fill]
    """Trades it made, in the order they happened."""
    rejections: list[Rejection]
    """Why it was refused, or own resting orders cancelled by self-trade prevention."""
    rested: bool
    """Whether a remainder now rests on the book."""


class NewOrder(NamedTuple):
    """One order of a turn's call (`Market.call`), as its trader wrote it."""

    trader: str
    side: Side
    good: str
    qty: int
    price: int
    lifetime: int


class OrderBook(BaseModel):
    """The resting orders for one good; each side best first, first-in first-out within a price."""

    model_config = ConfigDict(extra="forbid")

    good: str
    """The good this book trades."""
    bids: list[Order] = Field(default_factory=list)
    """Resting buys: highest price first, then lowest seq."""
    asks: list[Order] = Field(default_factory=list)
    """Resting sells: lowest price first, then lowest seq."""


def _bid_key(order: Order) -> tuple[int, int]:
    return (-order.price, order.seq)


def _ask_key(order: Order) -> tuple[int, int]:
    return (order.price, order.seq)


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


_set = object.__setattr__


def _trusted(cls: type[_M], **values: object) -> _M:
    """`cls.model_construct(**values)` without its per-field bookkeeping, for the hot path.

    Only for our own models, with every field given and already valid (no defaults, aliases,
    private attributes or post-init hooks): it sets exactly what `model_construct` would.
    """
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _reject(trader: str, order_id: int | None, reason: RejectReason, detail: str) -> Rejection:
    return _trusted(Rejection, trader=trader, order_id=order_id, reason=reason, detail=detail)


def _self_trade(rest: Order, order: Order) -> Rejection:
    """The rejection for a trader's resting order cancelled because its new order would have traded with it."""
    return _reject(
        order.trader,
        rest.id,
        "self_trade_cancelled",
        f"your resting {rest.side} #{rest.id} ({rest.qty} @ {rest.price}) would have "
        f"traded with your new {order.side} #{order.id}; it was cancelled",
    )


def _settle(order: Order, rest: Order, q: int, account: Account, counterparty: Account) -> Fill:
    """Trade `q` units between an incoming escrowed order and a resting one, at the resting price.

    Both sides' escrow is already out of the accounts: a buy pays the seller and gets back the surplus
    of its limit over the resting price; a sell delivers the units the buyer escrowed pebbles for.
    """
    good, p = order.good, rest.price
    if order.side == "buy":  # seller's units were escrowed; pay the seller, refund the buyer's surplus
        counterparty.pebbles += q * p
        account.goods[good] = account.goods.get(good, 0) + q
        account.pebbles += q * (order.price - p)
        buyer, seller, buy_id, sell_id = order.trader, rest.trader, order.id, rest.id
    else:  # buyer's pebbles were escrowed at p; deliver the units, pay the seller
        counterparty.goods[good] = counterparty.goods.get(good, 0) + q
        account.pebbles += q * p
        buyer, seller, buy_id, sell_id = rest.trader, order.trader, rest.id, order.id
    return _trusted(
        Fill,
        good=good, qty=q, price=p, buyer=buyer, seller=seller, buy_order_id=buy_id,
        sell_order_id=sell_id, turn=order.placed_turn, aggressor=order.side,
    )


def _levels(orders: list[Order], levels: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    if levels < 1:
        return out
    for order in orders:
        if out and out[-1][0] == order.price:
            out[-1] = (order.price, out[-1][1] + order.qty)
        elif len(out) == levels:
            break
        else:
            out.append((order.price, order.qty))
    return out


class _Index:
    """Resting orders by id and by trader: derived from the books, never saved, rebuilt on load."""

    __slots__ = ("orders", "by_trader")

    def __init__(self) -> None:
        self.orders: dict[int, Order] = {}
        self.by_trader: dict[str, dict[int, Order]] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Index) and self.orders == other.orders and self.by_trader == other.by_trader

    def add(self, order: Order) -> None:
        self.orders[order.id] = order
        self.by_trader.setdefault(order.trader, {})[order.id] = order

    def discard(self, order: Order) -> None:
        del self.orders[order.id]
        mine = self.by_trader[order.trader]
        del mine[order.id]
        if not mine:  # keep the index canonical so a reloaded market compares equal
            del self.by_trader[order.trader]


class Market(BaseModel):
    """All order books, keyed by good, plus the id and sequence counters."""

    model_config = ConfigDict(extra="forbid")

    books: dict[str, OrderBook] = Field(default_factory=dict)
    """One book per tradeable good, keyed by the good's name."""
    next_order_id: int = Field(default=1, ge=1)
    """Id the next accepted order will get."""
    next_seq: int = Field(default=1, ge=1)
    """Sequence number the next accepted order will get."""

    _ix: _Index = PrivateAttr(default_factory=_Index)

    @model_validator(mode="after")
    def _check_and_index(self) -> Market:
        """Check a loaded market is coherent, sort each side, and rebuild the lookup indexes."""
        orders: dict[int, Order] = {}
        for name, book in self.books.items():
            if book.good != name:
                raise ValueError(f"book keyed {name!r} trades {book.good!r}")
            for side, resting, key in (("buy", book.bids, _bid_key), ("sell", book.asks, _ask_key)):
                for order in resting:
                    if order.good != name or order.side != side:
                        raise ValueError(f"order {order.id} ({order.side} {order.good}) in {name!r} {side}s")
                    if order.id in orders:
                        raise ValueError(f"duplicate order id {order.id}")
                    if order.id >= self.next_order_id or order.seq >= self.next_seq:
                        raise ValueError(f"order {order.id} (seq {order.seq}) is ahead of the counters")
                    orders[order.id] = order
                resting.sort(key=key)
            if book.bids and book.asks and book.bids[0].price >= book.asks[0].price:
                bid, ask = book.bids[0].price, book.asks[0].price
                raise ValueError(f"crossed {name!r} book: bid {bid} >= ask {ask}")
        index = _Index()
        for order_id in sorted(orders):
            index.add(orders[order_id])
        self._ix = index
        return self

    @classmethod
    def for_goods(cls, goods: Iterable[str]) -> Market:
        """An empty market with one book per good."""
        return cls(books={good: OrderBook(good=good) for good in goods})

    # -- placing -------------------------------------------------------------------------------

    def place(
        self,
        trader: str,
        side: Side,
        good: str,
        qty: int,
        price: int,
        lifetime: int,
        turn: int,
        accounts: Mapping[str, Account],
    ) -> PlaceResult:
        """Escrow, match and rest one limit order: a `call` of one order.

        The book holds no crossing orders before it, so the new order is the only one that can cross: it
        trades against the opposite side best price first, each trade at the resting order's price, and
        what is left of it rests. `accounts` must hold the placing trader and every trader with a resting
        order that may trade. Call `expire(turn)` before placing on a new turn so stale orders cannot trade.
        """
        return self.call([NewOrder(trader, side, good, qty, price, lifetime)], turn, accounts)[0]

    def call(self, orders: Sequence[NewOrder], turn: int, accounts: Mapping[str, Account]) -> list[PlaceResult]:
        """Place one turn's orders together, as a call auction; one `PlaceResult` per order, in order.

        Every trader decides at once, so no order of a turn should beat a better-priced one of the same turn
        by arriving first. Each order is checked and escrowed in the order given (the turn's seeded arrival
        order) and put on its book without trading; then each book is crossed: the best bid against the
        best ask, price first and arrival among equal prices, each trade at the limit of whichever of the
        two came first (the resting one, for an order left from an earlier turn), until the prices no
        longer cross. A trade is reported with the later of its two orders, and so is a self-trade: the
        trader's earlier order is cancelled and refunded, as `place` cancels a resting one.

        Asks 1 @ 4 (Fennick), then bids 1 @ 5 (Oona) and 1 @ 7 (Sorrel), in that arrival order: `place`
        one by one sells the berry to Oona at 4; the call sells it to Sorrel, the higher bid, at 4, and
        Oona's bid rests. Pebbles received by a sale of the turn are not spendable by a buy of the same
        turn: every order is escrowed before any trades.
        """
        entered: list[Order | PlaceResult] = []
        for o in orders:
            account = accounts[o.trader]
            problem = self._refusal(o.side, o.good, o.qty, o.price, o.lifetime, account)
            if problem is not None:
                entered.append(_trusted(PlaceResult, order_id=None, fills=[],
                                        rejections=[_reject(o.trader, None, *problem)], rested=False))
                continue
            order = self._escrow(o.trader, o.side, o.good, o.qty, o.price, o.lifetime, turn, account)
            self._rest(self.books[o.good], order)
            entered.append(order)
        fills: dict[int, list[Fill]] = {}
        rejections: dict[int, list[Rejection]] = {}
        for good in dict.fromkeys(o.good for o in entered if isinstance(o, Order)):
            self._cross(self.books[good], accounts, fills, rejections)
        return [o if isinstance(o, PlaceResult) else _trusted(
            PlaceResult, order_id=o.id, fills=fills.get(o.id, []), rejections=rejections.get(o.id, []),
            rested=o.id in self._ix.orders) for o in entered]

    def _cross(self, book: OrderBook, accounts: Mapping[str, Account], fills: dict[int, list[Fill]],
               rejections: dict[int, list[Rejection]]) -> None:
        """Trade a book's crossing orders, best bid against best ask, until its prices no longer cross;
        each fill and self-trade cancellation is added under the id of the later order of the pair."""
        bids, asks, index = book.bids, book.asks, self._ix
        while bids and asks and bids[0].price >= asks[0].price:
            bid, ask = bids[0], asks[0]
            rest, order = (bid, ask) if bid.seq < ask.seq else (ask, bid)
            if bid.trader == ask.trader:  # self-trade prevention: the earlier one is cancelled, refunded
                del (bids if rest is bid else asks)[0]
                index.discard(rest)
                self._refund(rest, accounts[rest.trader])
                rejections.setdefault(order.id, []).append(_self_trade(rest, order))
                continue
            q = bid.qty if bid.qty < ask.qty else ask.qty
            fills.setdefault(order.id, []).append(_settle(order, rest, q, accounts[order.trader],
                                                          accounts[rest.trader]))
            for side, resting in ((bid, bids), (ask, asks)):
                side.qty -= q
                if not side.qty:
                    del resting[0]
                    index.discard(side)

    def _refusal(
        self, side: Side, good: str, qty: int, price: int, lifetime: int, account: Account
    ) -> tuple[RejectReason, str] | None:
        """Why an order cannot be placed, as (reason, detail), or None; checked before anything moves.

        A buy of 3 @ 5 from a trader holding 10 pebbles -> ("insufficient_pebbles", "3 @ 5 needs 15 pebbles, has 10")
        """
        if good not in self.books:
            return ("unknown_good", f"no market for {good!r}")
        if side not in ("buy", "sell"):
            return ("bad_side", f"side must be 'buy' or 'sell', got {side!r}")
        if not _is_positive_int(qty):
            return ("bad_qty", f"qty must be a whole number >= 1, got {qty!r}")
        if not _is_positive_int(price):
            return ("bad_price", f"price must be a whole number >= 1, got {price!r}")
        if not _is_positive_int(lifetime):
            return ("bad_lifetime", f"lifetime must be a whole number >= 1, got {lifetime!r}")
        if side == "buy" and (have := account.pebbles) < qty * price:
            return ("insufficient_pebbles", f"{qty} @ {price} needs {qty * price} pebbles, has {have}")
        if side == "sell" and (have := account.goods.get(good, 0)) < qty:
            return ("insufficient_goods", f"selling {qty} {good} needs {qty} units, has {have}")
        return None

    def _escrow(
        self, trader: str, side: Side, good: str, qty: int, price: int, lifetime: int, turn: int, account: Account
    ) -> Order:
        """Reserve a checked order's pebbles (buy) or units (sell); it gets the next id and sequence number.

        The order is not on the book yet: `call` rests it, then crosses its book.
        """
        if side == "buy":
            account.pebbles -= qty * price
        else:
            account.goods[good] -= qty
        order = _trusted(
            Order,
            id=self.next_order_id, trader=trader, good=good, side=side, qty=qty, price=price,
            placed_turn=turn, expires_turn=turn + lifetime - 1, seq=self.next_seq,
        )
        self.next_order_id += 1
        self.next_seq += 1
        return order

    def _rest(self, book: OrderBook, order: Order) -> None:
        """Put an escrowed order on its side of the book, in price-time order."""
        if order.side == "buy":
            insort(book.bids, order, key=_bid_key)
        else:
            insort(book.asks, order, key=_ask_key)
        self._ix.add(order)

    # -- removing ------------------------------------------------------------------------------

    def cancel(self, trader: str, order_id: int, account: Account) -> Rejection | None:
        """Cancel one of `trader`'s resting orders and refund its escrow to `account`."""
        order = self._ix.orders.get(order_id)
        if order is None:
            return _reject(trader, order_id, "unknown_order", f"no resting order #{order_id}")
        if order.trader != trader:
            return _reject(trader, order_id, "not_your_order", f"order #{order_id} is not yours")
        self._remove(order)
        self._refund(order, account)
        return None

    def cancel_all(self, trader: str, accounts: Mapping[str, Account]) -> list[Order]:
        """Cancel every resting order of `trader`, refund the escrow, and return them by id."""
        mine = self._ix.by_trader.get(trader)
        if not mine:
            return []
        removed = sorted(mine.values(), key=lambda o: o.id)
        account = accounts[trader]
        for order in removed:
            self._remove(order)
            self._refund(order, account)
        return removed

    def expire(self, turn: int, accounts: Mapping[str, Account]) -> list[Order]:
        """Remove every order with `expires_turn < turn`, refund the escrow, and return them by id."""
        index = self._ix
        removed = sorted((o for o in index.orders.values() if o.expires_turn < turn), key=lambda o: o.id)
        if not removed:
            return []
        owners = [accounts[o.trader] for o in removed]  # look every owner up before changing anything
        for book in self.books.values():
            book.bids[:] = [o for o in book.bids if o.expires_turn >= turn]
            book.asks[:] = [o for o in book.asks if o.expires_turn >= turn]
        for order, owner in zip(removed, owners):
            index.discard(order)
            self._refund(order, owner)
        return removed

    # -- reading -------------------------------------------------------------------------------

    def depth(self, good: str, levels: int = 5) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Aggregated (price, total qty) per price level, best first, at most `levels` each: (bids, asks)."""
        book = self._book(good)
        return _levels(book.bids, levels), _levels(book.asks, levels)

    def best_bid(self, good: str) -> int | None:
        """Highest resting buy price, or None if no bids."""
        bids = self._book(good).bids
        return bids[0].price if bids else None

    def best_ask(self, good: str) -> int | None:
        """Lowest resting sell price, or None if no asks."""
        asks = self._book(good).asks
        return asks[0].price if asks else None

    def order(self, order_id: int) -> Order | None:
        """A copy of the resting order with this id, or None."""
        order = self._ix.orders.get(order_id)
        return order.model_copy() if order is not None else None

    def orders_of(self, trader: str) -> list[Order]:
        """Copies of this trader's resting orders, all goods, by id."""
        mine = self._ix.by_trader.get(trader, {})
        return [mine[i].model_copy() for i in sorted(mine)]

    def reserved_pebbles(self) -> int:
        """Total pebbles held in escrow by resting buy orders."""
        return sum(o.qty * o.price for book in self.books.values() for o in book.bids)

    def reserved_goods(self, good: str) -> int:
        """Total units of `good` held in escrow by resting sell orders (0 for a good with no book)."""
        book = self.books.get(good)
        return sum(o.qty for o in book.asks) if book is not None else 0

    # -- internals -----------------------------------------------------------------------------

    def _book(self, good: str) -> OrderBook:
        book = self.books.get(good)
        if book is None:
            raise KeyError(f"no market for {good!r}")
        return book

    def _remove(self, order: Order) -> None:
        """Take a resting order off its book side (found by bisection) and out of the indexes."""
        book = self.books[order.good]
        resting, key = (book.bids, _bid_key) if order.side == "buy" else (book.asks, _ask_key)
        i = bisect_left(resting, key(order), key=key)
        assert resting[i] is order, f"order #{order.id} not where its key says"
        del resting[i]
        self._ix.discard(order)

    @staticmethod
    def _refund(order: Order, account: Account) -> None:
        if order.side == "buy":
            account.pebbles += order.qty * order.price
        else:
            account.goods[order.good] = account.goods.get(order.good, 0) + order.qty
