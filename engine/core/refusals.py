"""Refusals: what the rules said no to, as a code from one closed set plus the detail a person reads.

    rule or market says no -> Denial(code, detail) -> Refusal(trader, where, code, detail) -> report, trace

The market's codes (`engine.core.market.RejectReason`) are members of the set; the turn's own rules add
theirs (`RuleCode`). Readers compare codes and never parse the detail, which is only ever shown.
Traces carry each refusal as `{"where", "code", "detail"}`; `refusal_code` also reads the free-text
`reason` of traces written before codes existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from engine.core.market import RejectReason

RuleCode = Literal[
    "self_buy",
    "banished",
    "frozen",
    "patron_receives_no_offers",
    "unknown_offer",
    "offer_unpaid",
    "unknown_creature",
    "pool_short",
    "unknown_short",
    "unknown_legend",
    "legend_already_sprung",
    "legend_already_begun",
]
"""The turn's own refusal codes (see `MEANING`)."""

RefusalCode = Literal[RejectReason, RuleCode]
"""Every refusal code: the market's and the turn's, one closed set."""

REFUSAL_CODES: tuple[str, ...] = get_args(RefusalCode)
"""The members of `RefusalCode`, in order."""

MEANING: dict[str, str] = {
    # the market's codes (engine.core.market.RejectReason)
    "unknown_good": "the order, tip or short names a good the wood does not trade",
    "bad_side": "an order's side is neither buy nor sell",
    "bad_qty": "an order's quantity is not a whole number of at least 1",
    "bad_price": "an order's price is not a whole number of at least 1",
    "bad_lifetime": "an order's lifetime is not a whole number of at least 1",
    "insufficient_pebbles": "the trader (or the Patron offering a deal) lacks the pebbles",
    "insufficient_goods": "the trader lacks the units to sell (or the Patron to cover a short)",
    "self_trade_cancelled": "the trader's own resting order was cancelled rather than trade with itself",
    "unknown_order": "a cancel names no resting order",
    "not_your_order": "a cancel names another trader's order",
    # the turn's rules (RuleCode)
    "self_buy": "a creature tried to buy the good it makes",
    "banished": "the banished Patron tried to act",
    "frozen": "the Patron tried to act while the magistrate froze its assets",
    "patron_receives_no_offers": "the Patron tried to accept or decline an offer",
    "unknown_offer": "an accept or decline names no open offer to that creature",
    "offer_unpaid": "an accepted loan or bribe the Patron can no longer pay; it lapses",
    "unknown_creature": "a Patron move names no creature of the wood",
    "pool_short": "the wood's lending pool holds too few units for the short",
    "unknown_short": "a cover names no open short",
    "unknown_legend": "the Patron tried to spring a legend the wood does not know",
    "legend_already_sprung": "the Patron already sprang its one legend this season",
    "legend_already_begun": "the legend the Patron would spring has already happened",
}
"""What each refusal code means, one line per member (a test keeps it equal to `REFUSAL_CODES`)."""


@dataclass(frozen=True)
class Denial:
    """A rule's no, before it is pinned to who tried and which action."""

    code: RefusalCode
    """Why, as a code from the closed set."""
    detail: str = ""
    """What a person reads, carrying the offending values."""


@dataclass(frozen=True)
class Refusal:
    """An action the rules refused."""

    trader: str
    """Who tried."""
    where: str
    """Which action, e.g. "orders[1]", "lend[0]", "accept[0]"."""
    code: RefusalCode
    """Why, as a code from the closed set (compare this, never the text)."""
    detail: str = ""
    """What a person reads, carrying the offending values."""

    @classmethod
    def of(cls, trader: str, where: str, denial: Denial) -> Refusal:
        """A denial pinned to who tried and which action."""
        return cls(trader, where, denial.code, denial.detail)

    @property
    def reason(self) -> str:
        """The refusal in words for a person (the inspector): "code: detail", or the code alone."""
        return f"{self.code}: {self.detail}" if self.detail else self.code

    def record(self) -> dict[str, str]:
        """The refusal as a trace entry (without the trader: a trace row is one trader's)."""
        return {"where": self.where, "code": self.code, "detail": self.detail}


LEGACY_PHRASES: tuple[tuple[str, RefusalCode], ...] = (
    ("the Patron receives no offers", "patron_receives_no_offers"),
    ("the Patron can no longer pay", "offer_unpaid"),
    ("the Patron has already sprung", "legend_already_sprung"),
    ("the Patron has ", "insufficient_pebbles"),
    ("the Patron holds ", "insufficient_goods"),
    ("no open offer #", "unknown_offer"),
    ("no creature called ", "unknown_creature"),
    ("no good called ", "unknown_good"),
    ("the pool holds only ", "pool_short"),
    ("no open short #", "unknown_short"),
    ("no legend ", "unknown_legend"),
)
"""How traces written before codes worded each refusal that was a sentence (the first match wins)."""


def refusal_code(entry: Mapping) -> str:
    """The code of a trace's refusal entry; "?" for an old entry whose words name no known refusal.

    {"where": "orders[0]", "code": "self_buy", "detail": "Oona makes honey"} -> "self_buy"
    {"where": "orders[0]", "reason": "self_buy: Oona makes honey"} (an old trace) -> "self_buy"
    {"where": "accept[0]", "reason": "no open offer #9 for Bramble"} (an old trace) -> "unknown_offer"
    """
    code = entry.get("code")
    if code is not None:
        return str(code)
    reason = str(entry.get("reason", ""))
    head = reason.split(":", 1)[0]
    if head in REFUSAL_CODES:
        return head
    if reason.endswith(" has already happened"):
        return "legend_already_begun"
    return next((code for phrase, code in LEGACY_PHRASES if reason.startswith(phrase)), "?")
