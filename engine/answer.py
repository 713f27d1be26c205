"""The answer format: what a trader may say in one turn.

A creature answers with an `Answer`; the Patron with a `PatronAnswer` (an `Answer` plus the Patron's
own moves). Both are pydantic models and export a JSON schema (`answer_json_schema()`), which the
vLLM backend hands to structured outputs. The parse-and-repair layer (`engine.parsing`) validates each
action on its own against these models, so one bad order never sinks the good ones.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_QTY = 1_000
"""The largest quantity one order may ask for."""
MAX_PRICE = 10_000
"""The largest limit price, in pebbles."""
MAX_LIFETIME = 10
"""The most turns an order may rest on the book."""
MAX_WORDS = 200
"""The longest gossip, bribe request or private thought kept, in characters."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderAction(_Frozen):
    """One limit order."""

    side: Literal["buy", "sell"]
    """Buy or sell."""
    good: str = Field(min_length=1, max_length=40)
    """The good's name, as the scenario spells it (for example "honey")."""
    qty: int = Field(ge=1, le=MAX_QTY)
    """Units wanted or offered."""
    price: int = Field(ge=1, le=MAX_PRICE)
    """Limit price in pebbles per unit."""
    lifetime: int = Field(default=1, ge=1, le=MAX_LIFETIME)
    """How many turns the order may rest; 1 means it lapses at the end of this turn."""


class Answer(_Frozen):
    """A creature's answer for one turn."""

    thinking: str = Field(default="", max_length=MAX_WORDS)
    """Private reasoning: kept in the hidden ledger, never shown to another trader."""
    orders: list[OrderAction] = Field(default_factory=list, max_length=8)
    """Orders to place this turn."""
    cancel: list[int] = Field(default_factory=list, max_length=16)
    """Ids of this trader's own resting orders to cancel."""
    gossip: str = Field(default="", max_length=MAX_WORDS)
    """Words said aloud in the market square (public)."""
    accept: list[int] = Field(default_factory=list, max_length=8)
    """Ids of offers (loans, bribes) this trader accepts."""
    decline: list[int] = Field(default_factory=list, max_length=8)
    """Ids of offers this trader declines."""


class LendMove(_Frozen):
    """The Patron offers a loan."""

    creature: str
    """Who is offered the loan."""
    amount: int = Field(ge=1, le=MAX_PRICE)
    """Pebbles lent."""
    rate_pct: int = Field(ge=0, le=100)
    """Interest per turn, in whole percent of the principal (at least one pebble when above 0)."""
    term: int = Field(ge=1, le=20)
    """Turns until the debt falls due."""


class TipMove(_Frozen):
    """The Patron whispers a tip to one creature."""

    creature: str
    """Who hears it."""
    good: str
    """Which good the tip is about."""
    direction: Literal["rise", "fall"]
    """What the Patron says the price will do."""
    true: bool = False
    """Whether the Patron passes on real foreknowledge (hidden; the creature sees only the words)."""


class ShortMove(_Frozen):
    """The Patron borrows units to sell now."""

    good: str
    """The good borrowed."""
    qty: int = Field(ge=1, le=MAX_QTY)
    """Units borrowed."""
    term: int = Field(default=5, ge=1, le=20)
    """Turns until the units must be returned (covered)."""


class CoverMove(_Frozen):
    """The Patron returns borrowed units early."""

    short_id: int
    """The short to cover."""


class BribeMove(_Frozen):
    """The Patron offers pebbles with a request."""

    creature: str
    """Who is offered the bribe."""
    amount: int = Field(ge=1, le=MAX_PRICE)
    """Pebbles offered."""
    request: str = Field(default="", max_length=MAX_WORDS)
    """What the Patron asks for in return (words only; nothing enforces it)."""


class PatronAnswer(Answer):
    """The Patron's answer: a trader's answer plus the Patron's own moves."""

    lend: list[LendMove] = Field(default_factory=list, max_length=4)
    """Loans offered."""
    tip: list[TipMove] = Field(default_factory=list, max_length=4)
    """Tips whispered."""
    short: list[ShortMove] = Field(default_factory=list, max_length=4)
    """Shorts opened."""
    cover: list[CoverMove] = Field(default_factory=list, max_length=4)
    """Shorts covered early."""
    bribe: list[BribeMove] = Field(default_factory=list, max_length=4)
    """Bribes offered."""
    legend: str | None = None
    """Spring this legend (by id) now; once per season."""


def answer_json_schema(view=None) -> dict:
    """The creature answer's JSON schema, for structured outputs.

    Without a view: the whole `Answer` schema. With a creature's view: a stricter subset built for
    this creature this turn, so a constrained model cannot even write what the rules would refuse:
    buy orders name only goods it does not make (no self-buy), sell orders only goods it holds,
    quantities and prices stay within reach, accept/decline name only offers it has, and at least
    one order is required. Every answer valid under it is valid under `Answer`.
    """
    if view is None or view.produces is None:
        return Answer.model_json_schema()
    top = max([b.last for b in view.books] or [1])
    price = {"type": "integer", "minimum": 1, "maximum": max(20, 3 * top)}

    def order(side: str, goods: list[str]) -> dict:
        return {"type": "object", "additionalProperties": False,
                "properties": {"side": {"enum": [side]}, "good": {"enum": goods},
                               "qty": {"type": "integer", "minimum": 1, "maximum": 10}, "price": price},
                "required": ["side", "good", "qty", "price"]}

    kinds = [order("buy", [g for g in view.goods_all if g != view.produces])]
    held = [g for g in view.goods_all if view.goods.get(g, 0) > 0]
    if held:
        kinds.append(order("sell", held))
    offer_ids = [o.id for o in view.offers]
    offers = {"type": "array", "items": {"enum": offer_ids}} if offer_ids else {"type": "array", "maxItems": 0}
    text = {"type": "string", "maxLength": MAX_WORDS}
    return {"type": "object", "additionalProperties": False,
            "properties": {"thinking": text,
                           "orders": {"type": "array", "items": {"anyOf": kinds}, "minItems": 1, "maxItems": 3},
                           "gossip": text, "accept": offers, "decline": offers},
            "required": ["orders"]}
