"""Repair steps for model answers: small pure functions, each with an example in its docstring.

Text steps, from a model's raw text to the one JSON value that is its answer:

    raw -> strip_harmony -> strip_think -> strip_chat_tokens -> code_fences / json_spans -> load_json

Value steps, from what a model wrote in a field to what the answer format wants: the synonym tables,
`to_int`, `to_text`, `to_side`, `to_direction`, `match_good`, `match_trader`, `order_from_text`.
The pipeline that runs them and records what they changed is `engine.parsing`. The text steps never
raise; the value steps raise `ValueError` with a "must be ..." message that the pipeline turns into a
`Dropped` reason.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import json_repair

# -- reasoning ------------------------------------------------------------------------------------

_HARMONY_MESSAGE = re.compile(
    r"<\|channel\|>\s*([A-Za-z]+)[^<]*(?:<\|constrain\|>[^<]*)?<\|message\|>"
    r"(.*?)(?=<\|(?:end|return|call|start|channel)\|>|\Z)",
    re.S,
)
_HARMONY_TOKENLESS_FINAL = re.compile(r"assistant\s*final", re.I)


def strip_harmony(text: str, tokenless: bool = False) -> str:
    """Keep only gpt-oss's `final` channel; drop `analysis` and `commentary`.

    '<|channel|>analysis<|message|>Buy low.<|end|><|start|>assistant<|channel|>final<|message|>{"orders": []}<|return|>'
    -> '{"orders": []}'
    With `tokenless` (the detokenizer skipped special tokens, a quirk of the model's registry entry):
    'analysisBuy low.assistantfinal{"orders": []}' -> '{"orders": []}'; 'analysisBuy lo' -> ''.
    """
    messages = _HARMONY_MESSAGE.findall(text)
    if messages:
        finals = [body.strip() for channel, body in messages if channel.lower() == "final"]
        return next((body for body in reversed(finals) if body), "")
    if tokenless:
        parts = _HARMONY_TOKENLESS_FINAL.split(text)
        if len(parts) > 1:
            return parts[-1].strip()
        if text.lstrip().lower().startswith("analysis"):
            return ""
    return text


_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?</\1\s*>", re.S | re.I)
_THINK_OPEN = re.compile(r"<(?:think|thinking|reasoning)>", re.I)
_THINK_CLOSE = re.compile(r"</(?:think|thinking|reasoning)\s*>", re.I)
_JSON_START = re.compile(r"```|\{|\[\s*\{")


def strip_think(text: str) -> str:
    """Drop reasoning blocks, closed or not.

    '<think>Honey is cheap.</think>{"orders": []}' -> '{"orders": []}'
    '<think>Honey is cheap, so: {"orders": []}' -> '{"orders": []}'   (unclosed: dropped up to the JSON)
    'Honey is cheap.</think>{"orders": []}' -> '{"orders": []}'       (the chat template opened it)
    """
    if "<" not in text:
        return text
    text = _THINK_BLOCK.sub("", text)
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        after = text[closes[-1].end():]
        text = after if "{" in after else _THINK_CLOSE.sub("", text)
    opened = _THINK_OPEN.search(text)
    if opened:
        rest = text[opened.end():]
        start = _JSON_START.search(rest)
        text = text[: opened.start()] + (rest[start.start():] if start else "")
    return text


# -- chat-format leftovers --------------------------------------------------------------------------

_ROLE_OPEN = r"(?:<\|im_start\|>|<start_of_turn>|<extra_id_1>|<\|start_header_id\|>|<\|start\|>)\s*"
_ASSISTANT_HEADER = re.compile(_ROLE_OPEN + r"(?:assistant|model)\b(?:\s*<\|end_header_id\|>)?", re.I)
_TURN_END = re.compile(
    r"<\|(?:im_end|eot_id|eom_id|endoftext|end_of_text|end|return|user|system)\|>|<end_of_turn>|</s>"
    r"|<[|｜]end▁of▁sentence[|｜]>|" + _ROLE_OPEN + r"(?:user|system|tool|ipython|human)\b",
    re.I,
)
_STRAY_TOKEN = re.compile(
    r"<\|(?:im_start|start_header_id)\|>\s*\w*(?:<\|end_header_id\|>)?"
    r"|<\|[A-Za-z_]{1,30}\|>|<｜[^<>]{1,30}｜>|<extra_id_\d+>|</?s>|<(?:pad|unk|bos|eos)>|<start_of_turn>|<end_of_turn>"
)


def strip_chat_tokens(text: str) -> str:
    """Drop chat-format tokens and keep the first turn that holds JSON (small models run on into a made-up next turn).

    '<|im_start|>assistant\\n{"orders": []}<|im_end|>\\n<|im_start|>user\\nthanks' -> '\\n{"orders": []}'
    '<extra_id_1>Assistant\\n{"gossip": "hi"}</s>' -> '\\n{"gossip": "hi"}'
    """
    if "<" not in text:
        return text
    text = _ASSISTANT_HEADER.sub("", text)
    turns = _TURN_END.split(text)
    if len(turns) > 1:
        text = next((t for t in turns if "{" in t), None) or next((t for t in turns if t.strip()), "")
    return _STRAY_TOKEN.sub("", text)


# -- finding the JSON -----------------------------------------------------------------------------

_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)(?:```|\Z)", re.S)


def code_fences(text: str) -> list[str]:
    """The contents of code fences, in order (an unclosed fence runs to the end).

    'Here:\\n```json\\n{"orders": []}\\n```\\nDone.' -> ['{"orders": []}\\n']
    """
    if "```" not in text:
        return []
    return [body for body in _FENCE.findall(text) if body.strip()]


@dataclass(frozen=True)
class Span:
    """One top-level JSON-looking value found in text."""

    text: str
    """The value's text; when cut off, up to the end of the text, less any unclosed trailing action."""
    cut_off: bool = False
    """The value was never closed: the output stopped at the token limit."""
    lost: str = ""
    """The unclosed action removed from the end of a cut-off value ('' when none)."""
    lost_key: str = ""
    """The key of the list that held the lost action, as written ('' for a bare list)."""
    lost_index: int = 0
    """The lost action's index in that list."""
    start: int = 0
    """Where the value starts in the scanned text."""
    end: int = 0
    """Where it ends (the end of the text when cut off)."""
    depth: int = 1
    """How deeply its brackets nest (an answer needs about 4; hundreds means garbage)."""


_STRUCTURE = re.compile(r'[{}\[\]",\\]')
_LIST_OF_OBJECTS = re.compile(r"\[\s*\{")
_KEY_BEFORE = re.compile(r"""["']?([^"'{},:\[\]]{1,40}?)["']?\s*:\s*\Z""")


def json_spans(text: str, *, rescan: bool = True) -> list[Span]:
    """Top-level {...} (and [{...}]) values in prose, balanced by brackets outside double-quoted strings.

    'I think {"a": 1}, then {"b": [{"c": 2}, {"d' -> [Span('{"a": 1}'),
        Span('{"b": [{"c": 2}, ', cut_off=True, lost='{"d', lost_key='b', lost_index=1), Span('[{"c": 2}, ', ...)]
    A value that never closes is scanned once more from just inside it (the third span above), so a stray
    '{' in prose hides no answer after it; the callers try spans in order.
    """
    spans: list[Span] = []
    stack: list[list] = []  # [opener, position, commas seen at this depth]
    in_string, skip_to, start, depth = False, -1, 0, 0
    for match in _STRUCTURE.finditer(text):
        i, c = match.start(), match.group()
        if i < skip_to:
            continue
        if in_string:
            if c == "\\":
                skip_to = i + 2
            elif c == '"':
                in_string = False
        elif not stack:
            if c == "{" or (c == "[" and _LIST_OF_OBJECTS.match(text, i)):
                stack.append([c, i, 0])
                start, depth = i, 1
        elif c == '"':
            in_string = not _stray_quote(text, i)
        elif c in "{[":
            stack.append([c, i, 0])
            depth = max(depth, len(stack))
        elif c == ",":
            stack[-1][2] += 1
        elif c in "}]":
            opener = "{" if c == "}" else "["
            if any(frame[0] == opener for frame in stack):
                if stack[-1][0] != opener and _goes_on(text, i + 1, stack, opener):
                    del stack[1:]  # '[{...}, "gossip": "hi"}, "orders": ...': a ']' forgotten, not the end
                    continue
                while stack.pop()[0] != opener:
                    pass
                if not stack:
                    spans.append(Span(text[start : i + 1], start=start, end=i + 1, depth=depth))
    if stack:
        spans.append(replace(_cut_off_span(text, start, stack), depth=depth))
        if rescan:
            inner = json_spans(text[start + 1 :], rescan=False)
            spans.extend(replace(s, start=s.start + start + 1, end=s.end + start + 1) for s in inner)
    return spans


_NUMBER_BEFORE = re.compile(r":\s*[-+]?\d+(?:\.\d+)?\Z")
_VALUE_END_AFTER = re.compile(r"\s*[,}\]]")


def _stray_quote(text: str, i: int) -> bool:
    """Whether the '"' at i closes a string that never opened: '"price": 7", "qty": 1' (a number then a quote).

    Read as an opening quote it would swallow the rest of the value and turn every later string inside out.
    """
    return (text[i - 1 : i].isdigit() and _VALUE_END_AFTER.match(text, i + 1) is not None
            and _NUMBER_BEFORE.search(text, max(0, i - 40), i) is not None)


_NEXT_KEY = re.compile(r'\s*,\s*"[^"\n]{1,40}"\s*:')


def _goes_on(text: str, after: int, stack: list[list], opener: str) -> bool:
    """Whether a mismatched closer that would end the whole value is followed by another key of it.

    '{"orders": [{...}}, "gossip": "hi"}': the second '}' meets the unclosed '[' and would close the value,
    but ', "gossip":' follows, so the model forgot the ']' (or wrote '}' for it): the value goes on.
    """
    outermost_only = stack[0][0] == opener and all(frame[0] != opener for frame in stack[1:])
    return outermost_only and _NEXT_KEY.match(text, after) is not None


def _cut_off_span(text: str, start: int, stack: list[list]) -> Span:
    """A value cut off at the end of the text, less its outermost unclosed action (an object in a list).

    '{"orders": [{"side": "buy", "qty": 1' -> Span('{"orders": [', cut_off=True, lost='{"side": "buy", "qty": 1',
        lost_key='orders', lost_index=0)   (the 1 may have been 12: a cut-off action is never trusted)
    """
    for k in range(1, len(stack)):
        if stack[k][0] == "{" and stack[k - 1][0] == "[":
            cut, list_at = stack[k][1], stack[k - 1][1]
            key = _KEY_BEFORE.search(text, max(start, list_at - 60), list_at) if list_at > start else None
            lost_key = key.group(1).strip() if key else ""
            return Span(text[start:cut], True, text[cut:], lost_key, stack[k - 1][2], start, len(text))
    return Span(text[start:], cut_off=True, start=start, end=len(text))


def load_json(text: str) -> tuple[object, bool]:
    """Parse JSON strictly, else repair it with `json_repair`; returns (value, repaired), value None if hopeless.

    '{"qty": 5}' -> ({'qty': 5}, False);  "{'qty': 5, ok: True,}" -> ({'qty': 5, 'ok': True}, True)
    """
    try:
        value, repaired = json.loads(text), False
    except (ValueError, RecursionError):
        try:
            value, repaired = json_repair.loads(text), True
        except Exception:  # json_repair is best-effort; any failure of its own means "no JSON here"
            return None, True
    return (_clean_strings(value) if "\\u" in text else value), repaired


def clean_unicode(text: str) -> str:
    """Text that is valid UTF-8: a lone surrogate (which no decoder produces, but a JSON escape can) -> '?'.

    '{"gossip": "\\ud800"}' decodes to a lone surrogate, which pydantic's str fields refuse; 'a\ud800b' -> 'a?b'.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _clean_strings(value: Any) -> Any:
    """`clean_unicode` on every string (keys too) in a decoded JSON value."""
    if isinstance(value, str):
        return clean_unicode(value)
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {clean_unicode(k) if isinstance(k, str) else k: _clean_strings(v) for k, v in value.items()}
    return value


# == JSON values -> field values ===================================================================

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
