"""Whether one answer makes sense: needs, sanity and voice, judged against the trader's situation and prompt.

    (parsed answer, Situation, prompt) -> needs_of / sanity_of / words_of -> AnswerSense
        -> answer_faults (a count per fault) -> answer_score (one number: higher is better)

Pure functions on one answer; the report sums them over traces (`sense_figures.py`) and distillation
may rank candidate answers with `answer_score`. Every definition is pre-declared in docs/EVAL.md
("Sense: needs, sanity, voice") with a worked example; the tests pin those examples.

- *short*: a good is short when one more unit of it in hand would lower the meals missed plus the fuel
  units lacking over this turn and the next, eating and burning as the rules do (`unmet`);
- *absurd* price: a limit price below `ABSURD_LOW` or above `ABSURD_HIGH` times the good's last price;
- *copy*: thinking or gossip that repeats a segment of the prompt verbatim, or nearly (normalised
  difflib ratio at least `NEAR`), tagged with the prompt part it came from (`SOURCES`);
- *coined* word: a token of the raw text joined by punctuation between letters ("buy-sell", "buy,sell"),
  with a capital after a small letter ("winterFroze") or more than `LONGEST_WORD` letters in a row.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from typing import Mapping

from pydantic import BaseModel, ConfigDict

from engine.core.answer import PRICE_CEILING, PRICE_FLOOR
from engine.mind.prompt import SUGGESTED_HEAD
from engine.mind.situation import Situation, short_goods, stock_good, unmet  # noqa: F401 (unmet: the lab's name)
from engine.mind.view import read_said

ABSURD_LOW = PRICE_FLOOR
"""A limit price below this many times the good's last price is absurd."""
ABSURD_HIGH = PRICE_CEILING
"""A limit price above this many times the good's last price is absurd."""
NEAR = 0.9
"""Normalised difflib ratio from which a text counts as a near-verbatim copy of a prompt segment (see
docs/EVAL.md for why 0.9 and not 0.8)."""
MIN_SEGMENT_WORDS = 2
"""Prompt segments shorter than this (single words such as "buy") are not compared."""
MIN_CONTAINED_WORDS = 4
"""A segment of at least this many words found inside a text (or the text inside a segment) is a copy."""
REPEAT_MIN_WORDS = 6
"""A text of at least this many words whose distinct words are fewer than `REPEAT_SHARE` of them repeats
itself ("no, no, no, no, no, no"): a small model stuck in a loop until its token limit."""
REPEAT_SHARE = 0.5
"""Distinct words / words below which a long enough text repeats itself."""
LONGEST_WORD = 15
"""A token with a run of more letters than this is a coined word (`coined`): English words that long are
vanishingly rare in gossip, and a small model's run-together "nootherworkeffouworkeffou..." has 60."""
TOKEN_EDGES = ".,!?;:'\"()"
"""Punctuation stripped from both ends of a whitespace-separated token before `coined` judges it (so a
sentence's full stop, a quote or a bracket around a word is not punctuation between letters)."""
SOURCES = ("example", "format", "heard", "prompt")
"""Where a copied segment came from, in the order a tie is given: the example answer, the answer format
(the prompt's first paragraph), another trader's gossip quoted in the news, anything else in the prompt."""
UNPARSED_SCORE = -100.0
"""`answer_score` of an answer that was not parsed, below any parsed answer's: its 8 orders at most
cost 3 faults each, plus 4 goods bid and offered, 1 need, 1 per perishable good and 8 for its words
(39 in the default wood)."""

_SPLIT_RE = re.compile(r'[\n"(){}\[\]:;]|[.!?](?=\s|$)')
_NON_WORD_RE = re.compile(r"[\W_]+")
_LETTER = r"[^\W\d_]"
_JOINED_RE = re.compile(rf"{_LETTER}(?:[^\w\s'\u2019]|_)+{_LETTER}")
"""Punctuation other than an apostrophe (straight or curly) between two letters: "buy-sell", "buy,sell"."""
_LONG_RE = re.compile(rf"{_LETTER}{{{LONGEST_WORD + 1},}}")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Needs(_Frozen):
    """What an answer did about its trader's needs."""

    short: list[str]
    """Goods short over this turn and the next (see `short_goods`)."""
    buys: int
    """Buy orders in the answer."""
    buys_short: int
    """Buy orders for a short good."""
    buys_stock: int = 0
    """Buy orders, not for a short good, of the fuel a creature gathers before winter (`stock_good`)."""
    need_now: bool
    """Whether it lacks food or fuel for this very turn."""
    affordable: bool
    """Whether its pebbles cover this turn's lack at last prices (`cover_cost`)."""
    need_now_unbought: bool
    """It lacked something this turn, could afford it, and bid for none of what it lacked."""
    surplus: dict[str, int]
    """Perishable units that would rot at the end of the turn if kept (see `surplus`)."""
    surplus_offered: dict[str, int]
    """Of those, units its sell orders offered (at most the surplus)."""
    bid_in_full: bool = False
    """Its buys bid for all of this turn's lack at the last price or dearer (`bid_in_full`)."""


class Sanity(_Frozen):
    """How sane an answer's orders were, given what its trader held and the last prices."""

    ratios: list[tuple[str, float]]
    """(side, limit price / last price) of every order whose good has a last price."""
    absurd: int
    """Orders priced below `ABSURD_LOW` or above `ABSURD_HIGH` times the last price."""
    sells: int
    """Sell orders."""
    sells_not_held: int
    """Sell orders of a good the trader held none of in hand."""


class Words(_Frozen):
    """One text of an answer (its thinking or its gossip)."""

    empty: bool
    """Nothing but whitespace."""
    no_letters: bool
    """Not a single letter (empty included): ":{", "...", "42"."""
    repeats: bool = False
    """It repeats itself (`repeats`): "no, no, no, no, no, no"."""
    coined: bool = False
    """It holds a coined word (`coined`): "buy-sell", "buy,sell", "winterFroze"."""
    copied: str | None
    """"verbatim" or "near" when it copies a prompt segment, else None."""
    source: str | None
    """Where the copied segment came from (one of `SOURCES`), else None."""
    normal: str
    """The text normalised (`normalise`), for counting distinct lines."""


class AnswerSense(_Frozen):
    """Every sense measure of one answer; a part is None where the trace row lacks what it needs."""

    needs: Needs | None
    """None without a situation, or for a trader without needs (the Patron)."""
    sanity: Sanity | None
    """None without a situation."""
    bid_and_ask: list[str]
    """Goods this answer both bid for and offered."""
    self_buys: int
    """Buy orders of the good its trader makes (needs a situation; 0 without)."""
    thinking: Words
    """The private thought."""
    gossip: Words
    """The words said aloud."""


# -- needs ------------------------------------------------------------------------------------------

def cover_cost(sit: Situation) -> int | None:
    """Pebbles that buy this turn's lack at last prices: the cheapest foods not held, and the fuel missing.

    0 when it lacks nothing this turn; None when no purchase could cover it (too few kinds of food).

    >>> owl = Situation(me="Oona", produces="honey", meals=2, foods=["honey", "acorns", "berries"],
    ...                 goods={"honey": 5}, last={"acorns": 4, "berries": 5, "firewood": 5}, fuel="firewood", burn=2)
    >>> cover_cost(owl)  # one acorn (the cheaper food) and two firewood
    14
    """
    lacking, foods, fuel = lack_of(sit)
    prices = sorted(sit.last.get(f, 0) for f in foods)
    if len(prices) < lacking:
        return None
    return sum(prices[:lacking]) + fuel * sit.last.get(sit.fuel or "", 0)


def lack_of(sit: Situation) -> tuple[int, list[str], int]:
    """This turn's lack: (foods to buy, one unit each; the foods it could buy, not held and not its own
    good; units of fuel its fire lacks).

    >>> lack_of(Situation(me="Oona", produces="honey", meals=2, foods=["honey", "acorns", "berries"],
    ...                   goods={"honey": 5}, fuel="firewood", burn=2))
    (1, ['acorns', 'berries'], 2)
    """
    held = [f for f in sit.foods if sit.goods.get(f, 0) > 0]
    lacking = max(0, min(sit.meals, len(sit.foods)) - len(held))
    fuel = max(0, sit.burn - sit.goods.get(sit.fuel, 0)) if sit.fuel else 0
    return lacking, [f for f in sit.foods if f not in held and f != sit.produces], fuel


def bid_in_full(orders: list[dict], sit: Situation) -> bool:
    """Whether the answer's buys bid for all of this turn's lack (`lack_of`) at the last price or dearer:
    a unit each of as many foods it could buy as it lacks, and every unit of fuel its fire lacks. A
    creature that did so and still went hungry or cold met a market that sold out to other bids (dearer
    ones, or equal ones earlier in the turn's seeded shuffle; before the turn's call, any bid that came
    first), not an answer that fell short.

    >>> owl = Situation(me="Oona", produces="honey", meals=2, foods=["honey", "acorns", "berries"],
    ...                 goods={"honey": 5}, last={"acorns": 4, "berries": 5, "firewood": 5}, fuel="firewood", burn=2)
    >>> buy = lambda good, qty, price: {"side": "buy", "good": good, "qty": qty, "price": price}
    >>> bid_in_full([buy("berries", 1, 6), buy("firewood", 2, 5)], owl)
    True
    >>> bid_in_full([buy("berries", 1, 6), buy("firewood", 2, 4)], owl), bid_in_full([buy("firewood", 3, 9)], owl)
    (False, False)
    """
    lacking, foods, fuel = lack_of(sit)
    bids: Counter = Counter()
    for o in orders:
        good = o.get("good")
        if o.get("side") == "buy" and int(o.get("price") or 0) >= sit.last.get(good, 0):
            bids[good] += int(o.get("qty") or 0)
    return sum(bids[f] > 0 for f in foods) >= lacking and (not fuel or bids[sit.fuel] >= fuel)


def surplus(sit: Situation) -> dict[str, int]:
    """Perishable units that would rot if kept: units above the hoard limit after this turn's meal.

    A food among its `meals` most-held foods is eaten (one unit) before spoilage is counted.

    >>> fox = Situation(me="Fennick", produces="berries", meals=2, foods=["honey", "acorns", "berries"],
    ...                 goods={"berries": 11, "honey": 1}, hoard_limits={"berries": 8, "honey": 12})
    >>> surplus(fox)  # 11 berries, one eaten, 8 kept: 2 would rot in part
    {'berries': 2}
    """
    held = sorted((f for f in sit.foods if sit.goods.get(f, 0) > 0), key=lambda f: (-sit.goods[f], f))
    eaten = set(held[: sit.meals])
    out = {}
    for good, limit in sit.hoard_limits.items():
        extra = sit.goods.get(good, 0) - (good in eaten) - limit
        if extra > 0:
            out[good] = extra
    return out


def needs_of(orders: list[dict], sit: Situation) -> Needs | None:
    """The needs measures of an answer's orders; None for a trader without needs (the Patron)."""
    if sit.produces is None or not sit.meals:
        return None
    short, now = short_goods(sit), short_goods(sit, turns=1)
    buys = [o for o in orders if o.get("side") == "buy"]
    cost = cover_cost(sit)
    affordable = cost is not None and cost <= sit.pebbles
    rot = surplus(sit)
    offered = Counter()
    for o in orders:
        if o.get("side") == "sell" and o.get("good") in rot:
            offered[o["good"]] += int(o.get("qty") or 0)
    return Needs(
        short=short, buys=len(buys), buys_short=sum(o.get("good") in short for o in buys),
        buys_stock=sum(o.get("good") == stock_good(sit) and o.get("good") not in short for o in buys),
        need_now=bool(now), affordable=affordable,
        need_now_unbought=bool(now) and affordable and not any(o.get("good") in now for o in buys),
        surplus=rot, surplus_offered={g: min(offered[g], n) for g, n in rot.items()},
        bid_in_full=bid_in_full(orders, sit),
    )


# -- sanity -----------------------------------------------------------------------------------------

def is_absurd(ratio: float) -> bool:
    """Whether a limit price this many times the last price is absurd.

    >>> is_absurd(0.49), is_absurd(0.5), is_absurd(2.0), is_absurd(2.01)
    (True, False, False, True)
    """
    return ratio < ABSURD_LOW or ratio > ABSURD_HIGH


def sanity_of(orders: list[dict], sit: Situation, borrowed: Mapping[str, int] | None = None) -> Sanity:
    """Price ratios against the last prices, absurd prices, and sells of goods not held.

    `borrowed`: units the same answer borrows to sell (the Patron's shorts), which count as held.
    """
    ratios = [(str(o.get("side")), int(o["price"]) / sit.last[o.get("good")]) for o in orders
              if o.get("price") and sit.last.get(o.get("good"), 0) > 0]
    sells = [o for o in orders if o.get("side") == "sell"]
    held = Counter(sit.goods) + Counter(borrowed or {})
    return Sanity(ratios=ratios, absurd=sum(is_absurd(r) for _, r in ratios), sells=len(sells),
                  sells_not_held=sum(held[o.get("good")] <= 0 for o in sells))


def bid_and_ask(orders: list[dict]) -> list[str]:
    """Goods one answer both bids for and offers.

    >>> bid_and_ask([{"side": "buy", "good": "honey"}, {"side": "sell", "good": "honey"},
    ...              {"side": "sell", "good": "berries"}])
    ['honey']
    """
    sides: dict[str, set] = {}
    for o in orders:
        sides.setdefault(str(o.get("good")), set()).add(o.get("side"))
    return [g for g, s in sides.items() if {"buy", "sell"} <= s]


# -- voice ------------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Lowercase, every run of characters other than letters and digits one space, stripped.

    >>> normalise("  Fair prices today,  friends! ")
    'fair prices today friends'
    """
    return _NON_WORD_RE.sub(" ", str(text).lower()).strip()


def _segments(text: str) -> list[str]:
    """Normalised pieces of a text cut at line breaks, quotes, brackets, colons, semicolons and sentence ends."""
    parts = (normalise(p) for p in _SPLIT_RE.split(text))
    return [p for p in parts if len(p.split()) >= MIN_SEGMENT_WORDS]


EXAMPLE_HEADS = ("Example answer:", SUGGESTED_HEAD)
"""The lines a prompt's example follows (engine.mind.prompt), today's and before issue 15's."""


def prompt_segments(prompt: str, me: str | None = None) -> list[tuple[str, str]]:
    """(source, normalised segment) of everything a trader could copy from its prompt.

    The first paragraph is the answer format ("format"); the line after an example's heading
    (`EXAMPLE_HEADS`: the worked answer of prompts before issue 15, the suggested orders since) is the
    example ("example"); a news line quoting another trader's gossip gives its words ("heard"; the
    trader's own earlier words are left out); every other line is "prompt".

    >>> p = 'Answer as JSON: "gossip" (one public sentence).\\n\\n- turn 2: Fennick says: "Honey is dear."\\n'
    >>> p += 'Example answer:\\n{"thinking": "I need food.", "gossip": "Fair prices today, friends."}'
    >>> for source, segment in prompt_segments(p):
    ...     print(source, segment)
    format answer as json
    format one public sentence
    heard honey is dear
    prompt example answer
    example i need food
    example fair prices today friends
    """
    out: list[tuple[str, str]] = []
    lines = prompt.split("\n")
    opening = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    for i, line in enumerate(lines):
        heard = read_said(line.strip().removeprefix("- "))
        if heard:
            if heard[0] != me:
                out += [("heard", s) for s in _segments(heard[1])]
            continue
        source = "format" if i < opening else "example" if i and lines[i - 1].strip() in EXAMPLE_HEADS else "prompt"
        out += [(source, s) for s in _segments(line)]
    return out


def _contains(outer: str, inner: str) -> bool:
    return f" {inner} " in f" {outer} "


def copy_kind(text: str, segment: str) -> str | None:
    """"verbatim", "near" or None: how a normalised text copies one normalised prompt segment.

    Verbatim: equal, or one holds the other whole (word for word) and the held one has at least
    `MIN_CONTAINED_WORDS` words. Near: otherwise, a difflib ratio of at least `NEAR`.

    >>> copy_kind("i need food and can spare some of what i make i will sell", "i need food and can spare some of what i make")
    'verbatim'
    >>> copy_kind("fair prices today friend", "fair prices today friends"), copy_kind("honey is dear", "fair prices today friends")
    ('near', None)
    """
    if not text:
        return None
    if text == segment:
        return "verbatim"
    for outer, inner in ((text, segment), (segment, text)):
        if len(inner.split()) >= MIN_CONTAINED_WORDS and _contains(outer, inner):
            return "verbatim"
    if 2 * min(len(text), len(segment)) < NEAR * (len(text) + len(segment)):
        return None  # the lengths alone keep the ratio below NEAR (difflib's real_quick_ratio, without the setup)
    match = difflib.SequenceMatcher(None, text, segment, autojunk=False)
    return "near" if match.quick_ratio() >= NEAR and match.ratio() >= NEAR else None


def repeats(norm: str) -> bool:
    """Whether a normalised text repeats itself: `REPEAT_MIN_WORDS` words or more, of which fewer than
    `REPEAT_SHARE` are distinct.

    >>> repeats("no no no no no no"), repeats("buy sell buy"), repeats("honey is dear but acorns are cheap")
    (True, False, False)
    >>> repeats("buy sell buy sell buy sell"), repeats("no wood no berries no honey no acorns")
    (True, False)
    """
    words = norm.split()
    return len(words) >= REPEAT_MIN_WORDS and len(set(words)) < REPEAT_SHARE * len(words)


def coined(text: str) -> list[str]:
    """The coined tokens of a raw (not normalised) text, in order, as written but stripped of `TOKEN_EDGES`.

    A token (the text split at whitespace) is coined when it holds punctuation other than an apostrophe
    between two letters (a hyphen: "no-trad", "yes-no-not"; a comma or full stop: "buy,sell", "jons.json"),
    a capital right after a small letter ("winterFroze"), or a run of more than `LONGEST_WORD` letters.
    Small models coin such words; gossip never needs them. A run-together word of two real words
    ("buyhoney") is not seen: that needs a dictionary.

    >>> coined("winter-spring-winterFroze. Snow is here, it's coming in! buy,sell buy, sell")
    ['winter-spring-winterFroze', 'buy,sell']
    >>> coined("I don't like this; the Magistrate's mood is calm."), coined("buyhoney")
    ([], [])
    >>> coined("(winterFrozen.Bromble) disappointments nootherworkeffou")  # 15 letters, then 16
    ['winterFrozen.Bromble', 'nootherworkeffou']
    """
    out = []
    for token in str(text).split():
        word = token.strip(TOKEN_EDGES)
        if _JOINED_RE.search(word) or _LONG_RE.search(word) \
                or any(a.islower() and b.isupper() for a, b in zip(word, word[1:])):
            out.append(word)
    return out


def words_of(text: str, segments: list[tuple[str, str]]) -> Words:
    """The voice measures of one text against the prompt's segments (verbatim beats near; then `SOURCES` order)."""
    norm = normalise(text)
    best: tuple[int, int, str, str] | None = None
    for source, seg in segments:
        kind = copy_kind(norm, seg)
        if kind is not None:
            rank = (kind != "verbatim", SOURCES.index(source))
            if best is None or rank < best[:2]:
                best = (*rank, kind, source)
    return Words(empty=not str(text).strip(), no_letters=not any(c.isalpha() for c in str(text)),
                 repeats=repeats(norm), coined=bool(coined(text)), copied=best[2] if best else None,
                 source=best[3] if best else None, normal=norm)


# -- one answer -------------------------------------------------------------------------------------

def answer_sense(parsed: Mapping | None, situation: Situation | Mapping | None, prompt: str,
                 me: str | None = None) -> AnswerSense | None:
    """Every sense measure of one parsed answer (None when nothing was parsed).

    `situation` may be a `Situation`, its JSON (a trace row's field) or None (older traces: the needs
    and sanity parts are then None; voice needs only the prompt).
    """
    if parsed is None:
        return None
    sit = situation if isinstance(situation, Situation) or situation is None else Situation.model_validate(situation)
    orders = [o for o in parsed.get("orders") or [] if isinstance(o, Mapping)]
    segments = prompt_segments(prompt or "", me or (sit.me if sit else None))
    return AnswerSense(
        needs=needs_of(orders, sit) if sit else None,
        sanity=sanity_of(orders, sit, _borrowed(parsed)) if sit else None,
        bid_and_ask=bid_and_ask(orders),
        self_buys=sum(o.get("side") == "buy" and o.get("good") == sit.produces for o in orders) if sit else 0,
        thinking=words_of(str(parsed.get("thinking") or ""), segments),
        gossip=words_of(str(parsed.get("gossip") or ""), segments),
    )


def _borrowed(parsed: Mapping) -> Counter:
    """Units a Patron's answer borrows by its shorts, by good."""
    out: Counter = Counter()
    for move in parsed.get("short") or []:
        if isinstance(move, Mapping):
            out[str(move.get("good"))] += int(move.get("qty") or 0)
    return out


FAULTS = ("buy_not_short", "need_now_unbought", "surplus_kept", "absurd_price", "sell_not_held", "bid_and_ask",
          "self_buy", "thinking_copied", "gossip_copied", "thinking_no_letters", "gossip_no_letters",
          "thinking_repeats", "gossip_repeats", "thinking_coined", "gossip_coined")
"""The faults `answer_faults` counts, each worth one point against `answer_score`."""


def answer_faults(parsed: Mapping | None, situation: Situation | Mapping | None, prompt: str,
                  me: str | None = None) -> dict[str, int] | None:
    """A count per fault of one answer (None when nothing was parsed): what distillation would avoid.

    buy_not_short: buy orders of a good not short; need_now_unbought: 1 when it lacked food or fuel
    this turn, could afford it and bid for none of it; surplus_kept: perishable goods with a surplus
    its sells did not cover; absurd_price, sell_not_held, self_buy: orders; bid_and_ask: goods both
    bid and offered; *_copied: 1 when the text copies the prompt; *_no_letters: 1 when it has no letter;
    *_repeats: 1 when it repeats itself (`repeats`); *_coined: 1 when it holds a coined word (`coined`).

    >>> sit = Situation(me="Oona", produces="honey", rate=3, pebbles=60, meals=2, foods=["honey", "acorns"],
    ...                 goods={"honey": 5}, last={"honey": 6, "acorns": 4})
    >>> f = answer_faults({"thinking": "Acorns, or I go hungry.", "gossip": "Fair prices today, friends.",
    ...                    "orders": [{"side": "buy", "good": "acorns", "qty": 1, "price": 5},
    ...                               {"side": "sell", "good": "honey", "qty": 2, "price": 30}]},
    ...                   sit, 'Example answer:\\n{"gossip": "Fair prices today, friends."}')
    >>> {k: n for k, n in f.items() if n}, answer_score(f)
    ({'absurd_price': 1, 'gossip_copied': 1}, -2.0)
    """
    s = answer_sense(parsed, situation, prompt, me)
    if s is None:
        return None
    n, z = s.needs, s.sanity
    return {
        "buy_not_short": n.buys - n.buys_short if n else 0,
        "need_now_unbought": int(n.need_now_unbought) if n else 0,
        "surplus_kept": sum(n.surplus_offered[g] < k for g, k in n.surplus.items()) if n else 0,
        "absurd_price": z.absurd if z else 0,
        "sell_not_held": z.sells_not_held if z else 0,
        "bid_and_ask": len(s.bid_and_ask),
        "self_buy": s.self_buys,
        "thinking_copied": int(s.thinking.copied is not None),
        "gossip_copied": int(s.gossip.copied is not None),
        "thinking_no_letters": int(s.thinking.no_letters),
        "gossip_no_letters": int(s.gossip.no_letters),
        "thinking_repeats": int(s.thinking.repeats),
        "gossip_repeats": int(s.gossip.repeats),
        "thinking_coined": int(s.thinking.coined),
        "gossip_coined": int(s.gossip.coined),
    }


def answer_score(faults: Mapping[str, int] | None) -> float:
    """One number for ranking candidate answers: minus the faults (0 is best); `UNPARSED_SCORE` for no answer.

    >>> answer_score({"absurd_price": 1, "gossip_copied": 1}), answer_score(None)
    (-2.0, -100.0)
    """
    if faults is None:
        return UNPARSED_SCORE
    return float(-sum(faults.values()))
