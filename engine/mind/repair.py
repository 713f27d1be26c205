"""Text repair steps: from a model's raw text to the one JSON value that is its answer; each step small and
pure, with an example in its docstring.

    raw -> strip_harmony -> strip_think -> strip_chat_tokens -> code_fences / json_spans -> load_json

The steps never raise. What the JSON value's fields mean (the synonym tables and the value normalisers)
is `engine.mind.synonyms`; the pipeline that runs both and records what they changed is `engine.mind.parsing`.
"""

from __future__ import annotations

import json
import re
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
