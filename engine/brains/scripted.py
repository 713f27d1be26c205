"""Scripted brains: creatures with temperaments, and a scripted Patron. Instant and deterministic.

Each reads only its view (exactly what a model would be told) and answers with JSON text, which goes
through the same parse-and-repair layer as a model's answer. No hidden state: a scripted brain's
answer is a pure function of its view, so saves and replays need nothing from it.

Temperaments:
- hoarder: keeps a large reserve of what it makes, asks a premium, buys needs early and generously;
- speculator: follows trends and whispers, buys extra when a price rises, dumps when it falls;
- cautious: buys exactly what it needs at about the last price, sells its surplus at the market.
"""

from __future__ import annotations

import json
import zlib

from engine.brains.base import Reply
from engine.mind.view import BookView, View


BUY_PREMIUM = {"hoarder": 2, "speculator": 1, "cautious": 0}
"""Pebbles each temperament bids above the last price (before its hunger and cold add urgency)."""
ASK_PREMIUM = {"hoarder": 2, "speculator": 0, "cautious": 0}
"""Pebbles each temperament asks above the last price for what it makes."""
RESERVE = {"hoarder": 6, "speculator": 1, "cautious": 2}
"""Units of what it makes each temperament keeps back from sale."""


def _jitter(view: View, salt: str, span: int) -> int:
    """A deterministic wobble in [-span, span] from the turn and the trader's name."""
    if span <= 0:
        return 0
    return zlib.crc32(f"{view.turn}|{view.me}|{salt}".encode()) % (2 * span + 1) - span


class ScriptedCreature:
    """A creature that trades by a fixed temperament."""

    def __init__(self, temperament: str) -> None:
        if temperament not in ("hoarder", "speculator", "cautious"):
            raise ValueError(f"unknown temperament {temperament!r}")
        self.temperament = temperament
        self.model = f"scripted:{temperament}"

    async def decide(self, view: View, prompt: str) -> Reply:
        """Answer from the view alone."""
        return Reply(raw=json.dumps(self.answer(view)), model=self.model)

    async def close(self) -> None:
        """Nothing to release."""

    def answer(self, view: View) -> dict:
        """The temperament's answer as a plain dict: buy what it wants, sell its surplus, answer offers."""
        books = {b.good: b for b in view.books}
        # wants -> buys; surplus -> a sell; (speculators) flips; offers -> accept / decline; gossip
        orders = self._buys(view, books, self._wants(view, books))
        sell = self._sell(view, books)
        if sell is not None:
            orders.append(sell)
        if self.temperament == "speculator":
            orders += _flips(view)
        accept, decline = self._replies(view)
        return {"thinking": f"{self.temperament}: short on {sorted(view.short_on)}", "orders": orders[:8],
                "gossip": self._gossip(view), "accept": accept, "decline": decline}

    def _wants(self, view: View, books: dict[str, BookView]) -> dict[str, int]:
        """What to buy and how much: what it is short on, plus a winter reserve of fuel, plus speculation."""
        t = self.temperament
        wants: dict[str, int] = {}
        foods_short = [g for g in view.short_on if g in view.foods]
        cheapest = sorted(foods_short, key=lambda g: (books[g].asks[0][0] if books[g].asks else books[g].last, g))
        for pick in cheapest[: view.foods_needed]:
            wants[pick] = 1 if t != "hoarder" else 2
        for g, q in view.short_on.items():
            if g not in view.foods:
                wants[g] = q + (1 if t == "hoarder" else 0)
        turns_to_winter = view.winter_starts - view.turn
        for g in view.goods_all:
            if g in view.foods or g == view.produces:
                continue
            if 0 < turns_to_winter <= 4 and view.goods.get(g, 0) < 3:
                wants[g] = max(wants.get(g, 0), 2 if t == "hoarder" else 1)
        if t == "speculator":
            for b in view.books:
                if b.good != view.produces and b.trend == "rising" and view.goods.get(b.good, 0) < 6:
                    wants[b.good] = wants.get(b.good, 0) + 1
            for w in view.whispers[-1:]:
                for b in view.books:
                    if f" {b.good} will rise" in w and b.good != view.produces:
                        wants[b.good] = wants.get(b.good, 0) + 2
        return wants

    def _buys(self, view: View, books: dict[str, BookView], wants: dict[str, int]) -> list[dict]:
        """Buy orders for `wants`, by good, each priced above the last trade and cut to the pebbles left."""
        orders = []
        cash = view.pebbles
        urgency = min(4, view.hunger + view.cold)
        for good, qty in sorted(wants.items()):
            b = books[good]
            premium = BUY_PREMIUM[self.temperament] + urgency
            price = max(1, b.last + premium + _jitter(view, good, 1))
            if b.asks and b.asks[0][0] <= price + 2 + urgency:
                price = max(price, b.asks[0][0])
            qty = min(qty, cash // price)
            if qty > 0:
                orders.append({"side": "buy", "good": good, "qty": qty, "price": price, "lifetime": 2})
                cash -= qty * price
        return orders

    def _sell(self, view: View, books: dict[str, BookView]) -> dict | None:
        """A sell order for the surplus of what it makes above its temperament's reserve (None: no surplus)."""
        t, own = self.temperament, view.produces
        if not own:
            return None
        surplus = view.goods.get(own, 0) - RESERVE[t]
        if surplus <= 0:
            return None
        b = books[own]
        ask = b.last + ASK_PREMIUM[t] + _jitter(view, own, 1)
        if t == "speculator" and b.trend == "falling":
            ask -= 1
        if b.trend == "rising" or (own not in view.foods and view.burn):
            ask += 1 + view.burn
        floor = max(1, b.history[0] // 2) if surplus < 10 else 1
        ask = max(ask, floor)
        if b.bids and b.bids[0][0] >= ask - 1:
            ask = b.bids[0][0]
        return {"side": "sell", "good": own, "qty": min(surplus, 6), "price": max(1, ask), "lifetime": 2}

    def _replies(self, view: View) -> tuple[list[int], list[int]]:
        """The Patron's offers it accepts and those it declines (every offer is one or the other)."""
        t = self.temperament
        accept = [o.id for o in view.offers if o.kind == "loan" and (t == "speculator" or view.pebbles < 20)]
        accept += [o.id for o in view.offers if o.kind == "bribe" and t != "cautious"]
        decline = [o.id for o in view.offers if o.id not in accept]
        return accept, decline

    def _gossip(self, view: View) -> str:
        """Its temperament's saying, on one turn in five (which one follows from its name); else ''."""
        if view.turn % 5 != len(view.me) % 5:
            return ""
        return {"hoarder": f"{view.produces} is precious; I will not sell it cheap.",
                "speculator": "Prices are moving, friends; fortune favours the quick.",
                "cautious": "Fair dealing keeps the wood warm."}[self.temperament]


def _flips(view: View) -> list[dict]:
    """A speculator's sells of others' goods it holds more than 4 of, unless their price is falling."""
    orders = []
    for b in view.books:
        held = view.goods.get(b.good, 0)
        if b.good != view.produces and held > 4 and b.trend != "falling":
            orders.append({"side": "sell", "good": b.good, "qty": held - 3, "price": b.last + 2})
    return orders
