"""Value repair steps: from what a model wrote in a JSON field to what the answer format wants.

The synonym tables (`ANSWER_KEYS`, `PATRON_KEYS`, `SIDED_KEYS`, `FIELD_KEYS`, `SIDES`, `DIRECTIONS`) and
the normalisers `to_int`, `to_text`, `to_side`, `to_direction`, `match_good`, `match_trader`,
`order_from_text`. They raise `ValueError` with a "must be ..." message that `engine.mind.parsing` turns into
a `Dropped` reason. Finding the JSON value in a model's text comes before them: `engine.mind.repair`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

VALUE_CHARS = 120
"""How much of an offending value a `Dropped` keeps."""

# -- synonym tables (keys are compared squashed: lower case, letters and digits only) ---------------


def squash(key: object) -> str:
    """A key reduced for comparison: 'Price_Per-Unit ' -> 'priceperunit'."""
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


ANSWER_KEYS: dict[str, tuple[str, ...]] = {
    "thinking": ("thinking", "thoughts", "thought", "reasoning", "reason", "think", "rationale", "analysis"),
    "orders": ("orders", "order", "offers", "bids", "trades", "trade", "actions"),
    "cancel": ("cancel", "cancels", "cancelorders", "cancellations", "cancelled"),
    "gossip": ("gossip", "say", "says", "message", "msg", "talk", "chat", "speech", "speak", "shout", "public"),
    "accept": ("accept", "accepts", "accepted", "acceptoffers"),
    "decline": ("decline", "declines", "declined", "reject", "rejects", "refuse"),
}
"""Top-level answer fields and the keys models use for them."""
PATRON_KEYS: dict[str, tuple[str, ...]] = {
    "lend": ("lend", "lends", "loan", "loans", "lending"),
    "tip": ("tip", "tips", "whisper", "whispers"),
    "short": ("short", "shorts"),
    "cover": ("cover", "covers"),
    "bribe": ("bribe", "bribes"),
    "legend": ("legend", "springlegend", "woodlegend"),
}
"""The Patron's extra top-level fields."""
SIDED_KEYS = {"buy": "buy", "buys": "buy", "bids": "buy", "purchase": "buy", "buying": "buy",
              "sell": "sell", "sells": "sell", "asks": "sell", "selling": "sell"}  # fmt: skip
"""Top-level keys whose orders take their side from the key: {"buy": [{"good": ...}]}."""
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "side": ("side", "action", "type", "direction", "ordertype", "buyorsell", "kind"),
    "good": ("good", "goods", "item", "items", "resource", "product", "commodity"),
    "qty": ("qty", "quantity", "amount", "units", "count", "number", "num"),
    "price": ("price", "priceperunit", "limit", "limitprice", "unitprice", "pebbles", "cost", "each"),
    "lifetime": ("lifetime", "turns", "duration", "ttl", "expires", "expiry"),
    "creature": ("creature", "to", "target", "trader", "who", "recipient", "name"),
    "amount": ("amount", "pebbles", "sum", "principal", "loan", "value"),
    "rate_pct": ("ratepct", "rate", "interest", "interestrate", "ratepercent", "pct"),
    "term": ("term", "turns", "duration", "deadline", "due"),
    "direction": ("direction", "dir", "move", "trend", "will"),
    "true": ("true", "istrue", "real", "honest", "genuine"),
    "short_id": ("shortid", "id", "short"),
    "request": ("request", "ask", "favour", "favor", "message", "note", "want"),
}
"""Action fields and the keys models use for them; each action model uses the rows of its own fields."""
SIDES = {"buy": "buy", "purchase": "buy", "bid": "buy", "b": "buy", "buying": "buy", "long": "buy",
         "sell": "sell", "offer": "sell", "ask": "sell", "s": "sell", "selling": "sell"}  # fmt: skip
"""Side words: what a model writes -> "buy" or "sell"."""
DIRECTIONS = {"rise": "rise", "up": "rise", "rising": "rise", "increase": "rise", "higher": "rise", "bull": "rise",
              "fall": "fall", "down": "fall", "falling": "fall", "drop": "fall", "decrease": "fall",
              "lower": "fall", "bear": "fall"}  # fmt: skip
"""Tip directions: what a model writes -> "rise" or "fall"."""


# -- value normalisers ----------------------------------------------------------------------------

_NUMBER = re.compile(
    r"\s*[$£€~#]?\s*([+-]?\d{1,12})(?:\.(\d{1,12}))?"  # 5, +5, $5, 5.0
    r"\s*(?:%|[^\W\d_][^\W\d_ .]*(?: [^\W\d_]+)*\.?)?\s*"  # then "%" or words: "5 pebbles each."
)


def to_int(value: Any) -> int:
    """A whole number: 5, 5.0, "5", "5 pebbles", "$5", "5%" -> 5; ValueError for 5.7, "five", true, "5-7".

    Non-integers are refused rather than rounded: a price of 4.5 is a misunderstanding, not a 5.
    """
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number (got {value!r})")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and (m := _NUMBER.fullmatch(value)) and not (m.group(2) or "0").strip("0"):
        return int(m.group(1))
    raise ValueError(f"must be a whole number (got {shorten(value)})")


def to_text(value: Any) -> str:
    """Words from any JSON value: None -> '', ["a", "b"] -> 'a b', 5 -> '5', {"k": 1} -> '{"k": 1}'."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return " ".join(filter(None, map(to_text, value)))
    return shorten(value, limit=2_000)


def says_nothing(text: str) -> bool:
    """Whether words hold no letter or digit: ':', ':[{', '...' say nothing (a model's leftover punctuation)."""
    return not any(ch.isalnum() for ch in text)


def _singular(name: str) -> str:
    """'berries' -> 'berry', 'acorns' -> 'acorn', 'moss' -> 'moss'."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def match_good(value: Any, goods: Sequence[str]) -> str:
    """The scenario's name for a good: 'Acorn' -> 'acorns', ' HONEY🍯' -> 'honey' (goods honey, acorns).

    Case, plural/singular and stray symbols are forgiven; ValueError when no good matches.
    """
    if not isinstance(value, str):
        raise ValueError(f"must be a good's name (got {shorten(value)})")
    name = re.sub(r"[^\w\s-]", "", value).strip().lower()
    if not goods:
        return name
    for good in goods:
        if _singular(good.lower()) == _singular(name):
            return good
    raise ValueError(f"must be a known good (got {shorten(value, 40)}; known: {', '.join(goods)})")


def match_trader(value: Any, traders: Sequence[str]) -> str:
    """The scenario's name for a trader: 'oona the owl' -> 'Oona' (traders Oona, Sorrel); ValueError if unknown."""
    if not isinstance(value, str):
        raise ValueError(f"must be a trader's name (got {shorten(value)})")
    name = value.strip()
    if not traders:
        return name
    first = (re.findall(r"\w+", name.lower()) or [""])[0]
    for trader in traders:
        if trader.lower() == name.lower() or (re.findall(r"\w+", trader.lower()) or [""])[0] == first:
            return trader
    raise ValueError(f"must be a known trader (got {shorten(value, 40)}; known: {', '.join(traders)})")


def to_side(value: Any) -> str:
    """'Purchase' -> 'buy', 'ASK' -> 'sell'; ValueError for anything not in `SIDES`."""
    return _from_table(value, SIDES)


def to_direction(value: Any) -> str:
    """'up' -> 'rise', 'Down' -> 'fall'; ValueError for anything not in `DIRECTIONS`."""
    return _from_table(value, DIRECTIONS)


def _from_table(value: Any, table: dict[str, str]) -> str:
    if isinstance(value, str) and (word := table.get(squash(value))):
        return word
    raise ValueError(f"must be one of {', '.join(sorted(set(table.values())))} (got {shorten(value)})")


def shorten(value: Any, limit: int = VALUE_CHARS) -> str:
    """A value as compact text, cut to `limit` characters; never raises."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_whole_number(value: Any) -> bool:
    """Whether `to_int` takes it: '3 pebbles' -> True, 'honey' -> False."""
    try:
        to_int(value)
    except ValueError:
        return False
    return True


_TEXT_ORDER = re.compile(
    r"\s*(?P<side>[a-z]+)\s+(?P<qty>\d{1,6})\s+(?:units?\s+of\s+)?(?P<good>[a-z]+)\s*(?:at|@|for)\s*"
    r"(?P<price>\d{1,6})\s*(?:pebbles?)?\s*(?:each|apiece)?\.?\s*",
    re.I,
)


def order_from_text(text: str) -> dict | None:
    """An order written as words inside an orders list: 'buy 3 honey at 5 pebbles' -> {side, good, qty, price}."""
    m = _TEXT_ORDER.fullmatch(text)
    if not m or squash(m["side"]) not in SIDES:
        return None
    return {"side": m["side"], "good": m["good"], "qty": int(m["qty"]), "price": int(m["price"])}
