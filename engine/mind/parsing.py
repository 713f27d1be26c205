"""Parse and repair a trader's raw answer into the valid actions it holds; never raises.

    raw -> strip reasoning -> find the JSON -> shape -> normalise keys and values -> validate each action -> Answer

The text steps live in `engine.mind.repair`; this module turns the JSON value into an `Answer` (or a
`PatronAnswer`). Every action is validated on its own, so one bad order never sinks the good ones: what
fails becomes a `Dropped` with its reason, and every repair applied is named in `ParseResult.repairs`.
Rule-level judgement (affordability, self-buy) belongs to the engine, not here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from annotated_types import MaxLen
from pydantic import BaseModel, ValidationError

from engine.mind import repair
from engine.core.answer import (
    MAX_WORDS,
    ID_ACTIONS,
    ActionKind,
    Answer,
    OrderAction,
    PatronAnswer,
)
from engine.mind.synonyms import (
    ANSWER_KEYS,
    FIELD_KEYS,
    PATRON_KEYS,
    SIDED_KEYS,
    SIDES,
    is_whole_number,
    match_good,
    match_trader,
    order_from_text,
    says_nothing,
    shorten,
    squash,
    to_direction,
    to_int,
    to_side,
    to_text,
)


class Quirks(BaseModel, frozen=True):
    """Per-model output quirks, filled from the model registry."""

    strip_think: bool = True
    """Drop <think>...</think> (also an unclosed <think> up to the JSON, and a stray </think>)."""
    harmony: bool = False
    """gpt-oss harmony format: keep only the `final` channel, also when special tokens were skipped."""


class Dropped(BaseModel, frozen=True):
    """Something in an answer that was thrown away, and why."""

    where: str
    """Where it sat, e.g. "orders[2]", "accept[0]", "answer"."""
    reason: str
    """A short human reason, e.g. "qty: Input should be greater than or equal to 1 (got -3)"."""
    value: str
    """The offending value, truncated to ~120 characters."""


class ParseResult(BaseModel, frozen=True):
    """What one raw answer parsed to."""

    answer: Answer | PatronAnswer
    """The valid actions only (possibly an empty answer)."""
    raw: str
    """The raw text, exactly as the brain produced it."""
    repairs: tuple[str, ...] = ()
    """Names of the repair steps applied, in order, e.g. ("strip_think", "json_repair", "key_synonym:quantity->qty")."""
    dropped: tuple[Dropped, ...] = ()
    """What was thrown away, with reasons."""
    found_json: bool = False
    """Whether a JSON object (or list of orders) was found at all."""


class ParseStats(BaseModel):
    """Running parse figures for one model; `add` a result, `merge` another model's or run's figures."""

    answers: int = 0
    """Answers parsed."""
    answers_with_valid_action: int = 0
    """Answers that held at least one valid action (order, cancel, accept, decline or Patron move)."""
    valid_actions: int = 0
    """Valid actions kept, over all answers."""
    dropped_actions: int = 0
    """Actions (and fields) dropped, over all answers; a missing JSON object is counted in `no_json` instead."""
    repaired_answers: int = 0
    """Answers that needed at least one repair step."""
    no_json: int = 0
    """Answers in which no JSON object was found."""

    def add(self, result: ParseResult) -> None:
        """Count one parse result."""
        actions = result.answer.count_actions()
        self.answers += 1
        self.answers_with_valid_action += actions > 0
        self.valid_actions += actions
        self.dropped_actions += sum(d.where != "answer" for d in result.dropped)
        self.repaired_answers += bool(result.repairs)
        self.no_json += not result.found_json

    def merge(self, other: ParseStats) -> ParseStats:
        """Add another set of figures into this one; returns self."""
        for name in ParseStats.model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def __add__(self, other: ParseStats) -> ParseStats:
        """The two sets of figures together, as a new `ParseStats`."""
        return self.model_copy().merge(other)


def _lookup(table: dict[str, tuple[str, ...]], fields: Sequence[str]) -> dict[str, str]:
    """Squashed key -> field, for `fields` only; a field's own name beats another field's synonym."""
    out = {squash(syn): name for name in fields for syn in table[name]}
    return out | {squash(name): name for name in fields}


ACTION_MODELS: dict[str, type[BaseModel]] = {k.value: k.item for k in ActionKind if issubclass(k.item, BaseModel)}
"""Answer field -> the model one of its actions is validated against (orders, lend, tip, short, cover, bribe)."""
_FIELDS = {model: _lookup(FIELD_KEYS, list(model.model_fields)) for model in ACTION_MODELS.values()}
_ORDER_FIELDS = _FIELDS[OrderAction]
_TEXT_FIELDS = ("thinking", "gossip", "request")
_VALUE_REPAIRS = {
    "side": "side_synonym", "direction": "direction_synonym", "good": "good_name", "creature": "trader_name",
}  # fmt: skip
_NOTHING = frozenset({"", "none", "null", "nil", "na", "no", "nothing", "empty"})
"""Words a model writes for "no actions": "orders": "none" is an empty list, not a dropped action."""
_ID_LISTS = tuple(k.value for k in ID_ACTIONS)


_TOP_KEYS = {
    False: _lookup(ANSWER_KEYS, list(ANSWER_KEYS)),
    True: _lookup(ANSWER_KEYS | PATRON_KEYS, list(ANSWER_KEYS) + list(PATRON_KEYS)),
}
"""Squashed top-level key -> answer field, for a creature (False) and for the Patron (True)."""


def _max_items(model: type[BaseModel], field: str) -> int:
    """The max_length pydantic enforces on a list field."""
    return next((m.max_length for m in model.model_fields[field].metadata if isinstance(m, MaxLen)), 10**6)


# -- the pipeline ---------------------------------------------------------------------------------

MAX_TEXT = 12_000
"""Characters of an answer (after its reasoning is stripped) that are searched for JSON; the rest is cut off."""
MAX_CANDIDATES = 24
"""JSON-looking values tried, in order, before giving up on finding an answer among them."""
MAX_DEPTH = 16
"""Values nested deeper than this are not answers (and would make json_repair slow)."""
_ORDER_GAP = re.compile(r"\s*,?\s*")
"""What may stand between two orders written one after another at top level."""


class _Parse:
    """One parse in progress: the context the steps share and what they record."""

    def __init__(self, quirks: Quirks, patron: bool, goods: Sequence[str], traders: Sequence[str]):
        self.quirks, self.patron, self.goods, self.traders = quirks, patron, tuple(goods), tuple(traders)
        self.model = PatronAnswer if patron else Answer
        self.top = _TOP_KEYS[patron]
        self.repairs: list[str] = []
        self.dropped: list[Dropped] = []
        self.cut_off = False

    def repair(self, name: str) -> None:
        """Record that a repair step was applied (once per name)."""
        if name not in self.repairs:
            self.repairs.append(name)

    def drop(self, where: str, reason: str, value: Any) -> None:
        """Record something thrown away."""
        self.dropped.append(Dropped(where=where, reason=reason, value=shorten(value)))

    def step(self, name: str, func, text: str, *args) -> str:
        """Run one text step; record its name when it changed the text."""
        out = func(text, *args)
        if out != text:
            self.repair(name)
        return out

    # raw text -> one JSON value
    def find_json(self, raw: str) -> Any:
        """Strip reasoning and chat leftovers, then pick the JSON value that is the answer (None if none).

        'Sure! {"note": 1} ```json\n{"orders": [],}\n```' -> {"orders": []}   (code_fence, json_repair)
        'I think {x} then {"gossip": "hi"}' -> {"gossip": "hi"}   (the first value that looks like an answer)
        """
        text = self.step("harmony", repair.strip_harmony, raw, self.quirks.harmony)
        if self.quirks.strip_think:
            text = self.step("strip_think", repair.strip_think, text)
        text = self.step("chat_tokens", repair.strip_chat_tokens, text)
        text = self.step("bad_unicode", repair.clean_unicode, text)
        if len(text) > MAX_TEXT:  # longer than any answer a token limit allows; json_repair is slow on it
            self.repair("too_long")
            text = text[:MAX_TEXT]
        sources = [*repair.code_fences(text), text]  # spans are found in each fence body, then in the text
        spans = [(span, k) for k, src in enumerate(sources) for span in repair.json_spans(src)]
        chosen = None
        for n, (span, k) in enumerate(spans[:MAX_CANDIDATES]):
            if span.depth > MAX_DEPTH:
                continue
            value, repaired = repair.load_json(span.text)
            looks = self.looks_like_answer(value)
            objects = isinstance(value, dict) or isinstance(value, list) and all(isinstance(v, dict) for v in value)
            if looks or (chosen is None and objects):
                chosen = (value, repaired, span, k, n)
            if looks:
                break
        if chosen is None:
            return None
        value, repaired, span, k, n = chosen
        in_fence = k < len(sources) - 1
        end = span.end
        if _is_order(value) and not span.cut_off:
            value, end, repaired = self.order_sequence(value, spans, n, sources[k], repaired)
        if in_fence:
            self.repair("code_fence")
        elif text[: span.start].strip() or text[end:].strip():
            self.repair("extra_text")
        if n and not in_fence:
            self.repair("later_object")
        if repaired:
            self.repair("json_repair")
        if span.cut_off:
            self.repair("cut_off")
            self.cut_off = True
        if span.lost:
            where = self.top.get(squash(span.lost_key), squash(span.lost_key) or "orders")
            self.drop(f"{where}[{span.lost_index}]", "cut off at the token limit", span.lost)
        return value

    def order_sequence(self, first: dict, spans: list, n: int, src: str, repaired: bool) -> tuple[Any, int, bool]:
        """Orders written one after another at top level, with no list around them, are all the answer's orders.

        '{"side": "buy", ...}, {"side": "sell", ...}\n{"side": "buy", "qty' -> {"orders": [{buy}, {sell}]}, the
        unclosed third one dropped as cut off. Only objects separated by commas and whitespace join: prose in
        between ('Answer (one line of JSON):') starts a made-up next answer, which is not this one.
        Returns (`first` alone or the answer it starts, where the orders end in `src`, whether any was repaired).
        """
        span, k = spans[n]
        if "orders" in {self.top.get(squash(key)) for key in first}:
            return first, span.end, repaired
        orders, end, lost = [first], span.end, None
        for nxt, k2 in spans[n + 1 : n + 1 + MAX_CANDIDATES]:
            if k2 != k or nxt.start < end or not _ORDER_GAP.fullmatch(src, end, nxt.start) or nxt.depth > MAX_DEPTH:
                break
            value, fixed = repair.load_json(nxt.text)
            if not isinstance(value, dict) or {squash(key) for key in value} & self.top.keys():
                break
            if nxt.cut_off:  # an unclosed order's last number may have been cut short: never trusted
                lost, end = src[nxt.start :], nxt.end
                break
            if not _is_order(value):
                break
            orders.append(value)
            repaired, end = repaired or fixed, nxt.end
        if end == span.end:
            return first, end, repaired
        self.repair("order_sequence")
        if lost is not None:
            self.repair("cut_off")
            self.drop(f"orders[{len(orders)}]", "cut off at the token limit", lost)
        order = {k: v for k, v in first.items() if squash(k) in _ORDER_FIELDS or squash(k) in SIDES}
        rest = {k: v for k, v in first.items() if k not in order}
        return rest | {"orders": [order, *orders[1:]]}, end, repaired

    def looks_like_answer(self, value: Any, depth: int = 0) -> bool:
        """Has a known answer key, or is an order, or wraps one of those, or is a list of orders.

        {"say": "hi"} -> True; {"side": "buy", "qty": 2} -> True; {"answer": {"orders": []}} -> True; {"x": 1} -> False
        """
        if isinstance(value, list):
            return bool(value) and self.looks_like_answer(value[0], depth)
        if not isinstance(value, dict) or depth > 3:
            return False
        keys = {squash(k) for k in value}
        if keys & self.top.keys() or keys & SIDED_KEYS.keys() or _is_order(value):
            return True
        return any(self.looks_like_answer(v, depth + 1) for v in value.values() if isinstance(v, dict))

    # JSON value -> a dict of answer fields
    def shape(self, value: Any, depth: int = 0) -> dict | None:
        """Turn the JSON value into an answer-shaped dict; None when it cannot be one.

        [{"side": "buy", ...}] -> {"orders": [{"side": "buy", ...}]}
        {"action": "buy", "good": "honey", ..., "say": "hi"} -> {"say": "hi", "orders": [{"action": "buy", ...}]}
        {"answer": {"orders": []}} -> {"orders": []}
        """
        if isinstance(value, list):
            if value and isinstance(value[0], dict) and not _is_order(value[0]) and self.looks_like_answer(value[0]):
                self.repair("first_of_list")
                return self.shape(value[0], depth + 1)
            self.repair("bare_list")
            return {"orders": value}
        if not isinstance(value, dict):
            return None
        keys = {squash(k) for k in value}
        if _is_order(value) and "orders" not in {self.top.get(k) for k in keys}:
            self.repair("single_order")
            order = {k: v for k, v in value.items() if squash(k) in _ORDER_FIELDS or squash(k) in SIDES}
            rest = {k: v for k, v in value.items() if k not in order}
            if self.cut_off:  # its last number may have been cut short: never trusted
                self.drop("orders[0]", "cut off at the token limit", order)
                return rest
            return rest | {"orders": [order]}
        if keys & self.top.keys() or keys & SIDED_KEYS.keys() or depth > 3:
            return value
        for key, inner in value.items():
            if isinstance(inner, str) and "{" in inner:
                inner = repair.load_json(inner[inner.index("{"):])[0]
            if self.looks_like_answer(inner):
                self.repair(f"unwrapped:{key}")
                return self.shape(inner, depth + 1)
        return value

    # answer-shaped dict -> Answer
    def build(self, fields: dict) -> Answer:
        """Normalise each top-level key and validate each action on its own.

        {"Say": "hi", "offers": [{"action": "sell", "item": "acorn", "quantity": "2", "price": 3}]}
        -> Answer(gossip="hi", orders=[OrderAction(side="sell", good="acorns", qty=2, price=3)])
        """
        data: dict[str, Any] = {}
        actions: dict[str, list[tuple[Any, str | None]]] = {}
        ids: dict[str, list] = {}
        pending = list(fields.items())
        for key, value in pending:
            name = self.top.get(squash(key))
            side = SIDED_KEYS.get(squash(key))
            if name is None and side is None:
                self.repair(f"ignored_key:{shorten(key, 40)}")
                continue
            if name is not None and name != key:
                self.repair(f"key_synonym:{shorten(key, 40)}->{name}")
            if name is None:
                self.repair(f"sided_key:{shorten(key, 40)}")
            name = name or "orders"
            if name in ACTION_MODELS:
                items = self.items(name, value)
                pending += self.hoist(name, items)
                actions.setdefault(name, []).extend((item, side) for item in items)
            elif name in _ID_LISTS:
                ids.setdefault(name, []).extend(self.items(name, value))
            elif name in _TEXT_FIELDS:
                data.setdefault(name, self.text(name, value))
            elif name == "legend" and value is not None:
                data.setdefault("legend", to_text(value))
        for name, items in actions.items():
            data[name] = self.validate_each(name, items)
        for name, items in ids.items():
            data[name] = self.ids(name, items)
        return self.model.model_validate(data)

    def items(self, name: str, value: Any) -> list:
        """A list of raw actions from whatever the model wrote there: a dict -> [dict], "[...]" -> [...]."""
        if value is None:
            return []
        if isinstance(value, str) and squash(value) in _NOTHING:
            self.repair(f"nothing:{name}")
            return []
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            value = repair.load_json(value)[0]
            self.repair(f"decoded:{name}")
        if isinstance(value, list):
            if any(isinstance(v, list) for v in value):  # [[{...}, {...}]]
                self.repair(f"flattened:{name}")
                value = [w for v in value for w in (v if isinstance(v, list) else [v])]
            return value
        self.repair(f"wrapped:{name}")
        return [value]

    def hoist(self, name: str, items: list) -> list[tuple[str, Any]]:
        """Take answer fields out of an action list, where a missing ']' left them (json_repair's reading).

        '{"orders": [{...}, "gossip": "hi"}' repairs to {"orders": [{...}, {"gossip": "hi"}]}
        -> items [{...}], returns [("gossip", "hi")]
        An item with an answer key and no action field is hoisted whole: its other keys ("yes": [...]) are
        then ignored at top level like any unknown key, instead of sinking the gossip beside them.
        """
        out = []
        fields = _FIELDS[ACTION_MODELS[name]]
        for item in list(items):
            keys = [squash(k) for k in item] if isinstance(item, dict) else []
            action_keys = [k for k in keys if k in fields or (name == "orders" and k in SIDES)]
            if any(k in self.top for k in keys) and not action_keys:
                self.repair(f"hoisted:{name}")
                items.remove(item)
                out += item.items()
        return out

    def ids(self, name: str, items: list) -> list[int]:
        """Offer or order ids: [3, "4", "#5"] -> [3, 4, 5]; what is not a whole number is dropped."""
        out = []
        for i, item in enumerate(items):
            try:
                out.append(to_int(item))
                if not isinstance(item, int):
                    self.repair(f"number:{name}")
            except ValueError as exc:
                self.drop(f"{name}[{i}]", f"id {exc}", item)
        limit = _max_items(self.model, name)
        for i in range(limit, len(out)):
            self.drop(f"{name}[{i}]", f"more than {limit} ids", out[i])
        return out[:limit]

    def text(self, name: str, value: Any, limit: int = MAX_WORDS) -> str:
        """Words clamped to their field's length (a repair, not a drop); punctuation alone says nothing."""
        text = to_text(value)
        if not isinstance(value, str | None):
            self.repair(f"text:{name}")
        if text and says_nothing(text):
            self.repair(f"blank:{name}")
            return ""
        if len(text) > limit:
            self.repair(f"clamp:{name}")
            text = text[: limit - 1].rstrip() + "…"
        return text

    def validate_each(self, name: str, items: list[tuple[Any, str | None]]) -> list[BaseModel]:
        """Validate every action on its own; the failures become `Dropped`, the rest are kept up to the limit."""
        model, kept = ACTION_MODELS[name], []
        limit = _max_items(self.model, name)
        for i, (item, side) in enumerate(items):
            action = self.action(model, item, f"{name}[{i}]", side)
            if action is not None and len(kept) >= limit:
                self.drop(f"{name}[{i}]", f"more than {limit} {name}", item)
            elif action is not None:
                kept.append(action)
        return kept

    def action(self, model: type[BaseModel], item: Any, where: str, side: str | None) -> BaseModel | None:
        """One action: keys to field names, values normalised, then pydantic; None (and a Dropped) on failure."""
        if model is OrderAction and isinstance(item, str):
            item = order_from_text(item) or item
            if isinstance(item, dict):
                self.repair("order_from_text")
        if not isinstance(item, dict):
            self.drop(where, f"expected an object (got {type(item).__name__})", item)
            return None
        fields = _FIELDS[model]
        data: dict[str, Any] = {}
        for key, value in item.items():
            name, word = fields.get(squash(key)), squash(key)
            if name is None and model is OrderAction and word in SIDES:  # {"buy": "honey"}, {"buy": 3}, {"buy": {}}
                self.repair("side_key")
                data.setdefault("side", word)
                if isinstance(value, dict):
                    data |= {n: v for k, v in value.items() if (n := fields.get(squash(k))) and n not in data}
                else:
                    data.setdefault("qty" if is_whole_number(value) else "good", value)
            elif name is None:
                self.repair(f"ignored_key:{shorten(key, 40)}")
            elif value is None:  # "lifetime": null means "the default"; a required field is then reported missing
                self.repair(f"null_field:{name}")
            elif name not in data:
                if name != key:
                    self.repair(f"key_synonym:{shorten(key, 40)}->{name}")
                data[name] = value
        if side and "side" not in data:
            data["side"] = side
        try:
            for name, value in data.items():
                data[name] = self.value(name, value, model)
        except ValueError as exc:
            self.drop(where, f"{name} {exc}", item)
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.drop(where, explain(exc), item)
            return None

    def value(self, name: str, value: Any, model: type[BaseModel]) -> Any:
        """Normalise one field's value by what the field is."""
        if name == "side":
            out = to_side(value)
        elif name == "direction":
            out = to_direction(value)
        elif name == "good":
            out = match_good(value, self.goods)
        elif name == "creature":
            out = match_trader(value, self.traders)
        elif name == "request":
            return self.text(name, value)
        elif model.model_fields[name].annotation in (int, "int"):
            out = to_int(value)
        else:
            return value
        if out != value or type(out) is not type(value):
            kind = _VALUE_REPAIRS.get(name, "number")
            self.repair(f"{kind}:{shorten(repr(value) if isinstance(value, str) else value, 30)}->{out}")
        return out


def _is_order(value: Any) -> bool:
    """An order written at top level: two of side/good/qty/price, or a side word as key ({"buy": "honey", ...})."""
    if not isinstance(value, dict):
        return False
    keys = [squash(k) for k in value]
    fields = {_ORDER_FIELDS.get(k) for k in keys} & {"side", "good", "qty", "price"}
    sided = any(k in SIDES and not isinstance(value[raw], (dict, list)) for k, raw in zip(keys, value))
    return len(fields) >= 2 or (sided and len(fields) >= 1)


def explain(exc: ValidationError) -> str:
    """Pydantic's errors as one line: 'qty: Input should be greater than or equal to 1 (got -3); price is missing'."""
    parts = []
    for err in exc.errors():
        loc = ".".join(map(str, err["loc"])) or "value"
        if err["type"] == "missing":
            parts.append(f"{loc} is missing")
        else:
            parts.append(f"{loc}: {err['msg']} (got {shorten(err.get('input'), 40)})")
    return "; ".join(parts)


def parse_answer(
    raw: str,
    *,
    quirks: Quirks = Quirks(),
    patron: bool = False,
    goods: Sequence[str] = (),
    traders: Sequence[str] = (),
) -> ParseResult:
    """Parse a trader's raw answer into its valid actions, repairing what can be repaired; never raises.

    '```json\\n{"orders": [{"side": "Buy", "item": "Acorn", "quantity": "2", "price": 3}]}\\n```'
    -> Answer(orders=[OrderAction(side="buy", good="acorns", qty=2, price=3)]) with goods ("honey", "acorns")
    """
    parse = _Parse(quirks, patron, goods, traders)
    empty = parse.model()
    raw = raw if isinstance(raw, str) else shorten(raw, 10**6)
    try:
        value = parse.find_json(raw)
        fields = parse.shape(value)
        if fields is None:
            reason = "empty answer" if not raw.strip() else "no JSON object found"
            parse.drop("answer", reason, raw)
            answer = empty
        else:
            answer = parse.build(fields)
    except Exception as exc:  # the parser never raises into the turn: a bug here costs one answer, not a game
        parse.drop("answer", f"internal parser error: {type(exc).__name__}: {exc}", raw)
        fields, answer = None, empty
    return ParseResult(
        answer=answer,
        raw=raw,
        repairs=tuple(parse.repairs),
        dropped=tuple(parse.dropped),
        found_json=fields is not None,
    )
