"""The sense measures summed over trace rows: needs, sanity and voice per model and per trader.

    trace row + its turn's outcome (season series) -> sense.answer_sense -> SenseTally.add
    season series -> meals missed, cold turns (SenseTally.add_season) -> SenseTally.figures()

Definitions: docs/EVAL.md ("Sense: needs, sanity, voice"). A row without a `situation` (traces written
before it was recorded) counts for voice only; its needs and sanity are "n/a", never a guess. A season
record without the hunger and cold series leaves meals missed and cold turns "n/a".
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from engine.lab.evaluation.sense import ABSURD_HIGH, ABSURD_LOW, SOURCES, AnswerSense, Words, answer_sense, cover_cost
from engine.mind.situation import Situation

RATIO_BINS = ("below 0.5x", "0.5x-1x", "1x", "1x-2x", "above 2x")
"""Pre-declared bins of limit price / last price: absurd low, under, at, over, absurd high."""


@dataclass(frozen=True)
class Outcome:
    """What became of one creature on one turn, from the season's series."""

    missed: int | None
    """Meals it missed at the end of the turn (None when the series has no hunger counters)."""
    cold: bool | None
    """Whether it went cold at the end of the turn (None when the series has no cold counters)."""
    sold: dict[str, int] = field(default_factory=dict)
    """Units it sold that turn, by good."""


def ratio_bin(ratio: float) -> str:
    """The bin of one limit price / last price.

    >>> [ratio_bin(r) for r in (0.4, 0.5, 1.0, 1.2, 2.0, 2.5)]
    ['below 0.5x', '0.5x-1x', '1x', '1x-2x', '1x-2x', 'above 2x']
    """
    if ratio < ABSURD_LOW:
        return RATIO_BINS[0]
    if ratio > ABSURD_HIGH:
        return RATIO_BINS[4]
    return RATIO_BINS[1] if ratio < 1 else RATIO_BINS[2] if ratio == 1 else RATIO_BINS[3]


def meals_missed(hunger: list[int]) -> list[int]:
    """Meals missed each turn, from the hunger counter before turn 1 and after each turn.

    The rules add the meals missed to hunger, or take one off it when none was missed, so a rise is
    exactly the meals missed and anything else is none.

    >>> meals_missed([0, 1, 3, 2, 2])
    [1, 2, 0, 0]
    """
    return [max(0, b - a) for a, b in zip(hunger, hunger[1:])]


def cold_turns(cold: list[int]) -> list[bool]:
    """Whether each turn was cold, from the cold counter before turn 1 and after each turn (a rise).

    >>> cold_turns([0, 1, 2, 1, 0])
    [True, True, False, False]
    """
    return [b > a for a, b in zip(cold, cold[1:])]


def outcomes(series: dict) -> dict[tuple[str, int], Outcome]:
    """(creature, turn) -> what became of it, from a season's series (older series lack hunger and cold)."""
    sold: dict[tuple[str, int], Counter] = {}
    for t in series.get("trades", []):
        sold.setdefault((t["seller"], int(t["turn"])), Counter())[t["good"]] += int(t["qty"])
    hunger, cold = series.get("hunger_by_turn") or {}, series.get("cold_by_turn") or {}
    out = {}
    for name in series.get("produces", {}):
        missed = meals_missed(hunger[name]) if name in hunger else []
        chill = cold_turns(cold[name]) if name in cold else []
        turns = max(len(missed), len(chill), max((t for n, t in sold if n == name), default=0))
        for turn in range(1, turns + 1):
            out[(name, turn)] = Outcome(missed=missed[turn - 1] if missed else None,
                                        cold=chill[turn - 1] if chill else None,
                                        sold=dict(sold.get((name, turn), {})))
    return out


def unmet_affordable(outcome: Outcome, sit: Situation) -> bool:
    """Whether the creature missed a meal or went cold on a turn whose cover cost its pebbles paid when it
    decided ("unmet while affordable", docs/EVAL.md)."""
    cost = cover_cost(sit)
    return bool(outcome.missed or outcome.cold) and cost is not None and cost <= sit.pebbles


def written(words: dict) -> int:
    """The texts a model wrote, of one voice field's figures (`SenseTally.figures()["voice"][field]`): the
    whole of its copied, repeats and coined shares. An empty text can neither copy, repeat itself nor coin
    a word, so a model that stays silent must not look original; figures recorded before 2026-12-06 lack
    the key and give texts less empty."""
    return int(words.get("written", words["texts"] - words.get("empty", 0)))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _quantiles(xs: list[float]) -> dict[str, float | None]:
    if not xs:
        return {"p10": None, "median": None, "p90": None}
    qs = statistics.quantiles(xs, n=10, method="inclusive") if len(xs) > 1 else [xs[0]] * 9
    return {"p10": round(qs[0], 4), "median": round(statistics.median(xs), 4), "p90": round(qs[8], 4)}


class SenseTally:
    """Running sense figures of one model or one trader over any number of trace rows."""

    def __init__(self) -> None:
        self.c: Counter = Counter()
        self.offsets: dict[str, list[float]] = {"buy": [], "sell": []}
        self.bins: dict[str, Counter] = {"buy": Counter(), "sell": Counter()}
        self.words: dict[str, Counter] = {"thinking": Counter(), "gossip": Counter()}
        self.lines: Counter = Counter()

    def add(self, row: dict, outcome: Outcome | None = None) -> None:
        """Count one trace row (rows without a parsed answer count nothing)."""
        sit = Situation.model_validate(row["situation"]) if row.get("situation") is not None else None
        sense = answer_sense(row.get("parsed"), sit, row.get("prompt") or "", row.get("creature"))
        if sense is None:
            return
        self.c["answers"] += 1
        self.c["answers_bid_and_ask"] += bool(sense.bid_and_ask)
        self._voice(sense)
        if sit is None:
            return
        self.c["judged"] += 1
        self._sanity(sense)
        self._needs(sense, sit, outcome)

    def _voice(self, s: AnswerSense) -> None:
        for name, words in (("thinking", s.thinking), ("gossip", s.gossip)):
            self._words(self.words[name], words)
        if not s.gossip.empty:
            self.lines[s.gossip.normal] += 1

    @staticmethod
    def _words(c: Counter, w: Words) -> None:
        c["texts"] += 1
        c["empty"] += w.empty
        c["no_letters"] += w.no_letters
        c["repeats"] += w.repeats
        c["coined"] += w.coined
        if w.copied is not None:
            c[w.copied] += 1
            c[f"from {w.source}"] += 1

    def _sanity(self, s: AnswerSense) -> None:
        z = s.sanity
        for side, ratio in z.ratios:
            side = "buy" if side == "buy" else "sell"
            self.offsets[side].append(ratio - 1)
            self.bins[side][ratio_bin(ratio)] += 1
        self.c["absurd"] += z.absurd
        self.c["sells"] += z.sells
        self.c["sells_not_held"] += z.sells_not_held

    def _needs(self, s: AnswerSense, sit: Situation, outcome: Outcome | None) -> None:
        n, c = s.needs, self.c
        if n is None:
            return
        c["needs_answers"] += 1
        c["buys"] += n.buys
        c["buys_short"] += n.buys_short
        c["buys_stock"] += n.buys_stock
        c["need_now"] += n.need_now
        c["need_now_affordable"] += n.need_now and n.affordable
        c["need_now_unbought"] += n.need_now_unbought
        c["surplus_answers"] += bool(n.surplus)
        c["surplus_units"] += sum(n.surplus.values())
        c["surplus_offered"] += sum(n.surplus_offered.values())
        if outcome is None:
            return
        c["surplus_sold"] += sum(min(k, outcome.sold.get(g, 0)) for g, k in n.surplus.items())
        if outcome.missed is not None and outcome.cold is not None:
            c["outcome_turns"] += 1
            unmet = unmet_affordable(outcome, sit)
            c["unmet_affordable"] += unmet
            c["unmet_bid_in_full"] += unmet and n.bid_in_full

    def add_season(self, missed: list[int], cold: list[bool]) -> None:
        """Add one creature's season of meals missed and cold turns."""
        self.c["meals_missed"] += sum(missed)
        self.c["cold_turns"] += sum(cold)
        self.c["needs_turns"] += len(missed)

    def merge(self, other: SenseTally) -> None:
        """Add another tally's counts into this one."""
        self.c.update(other.c)
        for side in self.offsets:
            self.offsets[side] += other.offsets[side]
            self.bins[side].update(other.bins[side])
        for name in self.words:
            self.words[name].update(other.words[name])
        self.lines.update(other.lines)

    def figures(self) -> dict:
        """The tally as a JSON-ready dict; a part is None ("n/a") when no row could measure it."""
        c = self.c
        return {"answers": c["answers"], "judged": c["judged"], "answers_bid_and_ask": c["answers_bid_and_ask"],
                "bid_and_ask_share": _share(c["answers_bid_and_ask"], c["answers"]),
                "needs": self._needs_figures(), "sanity": self._sanity_figures(), "voice": self._voice_figures()}

    def _needs_figures(self) -> dict | None:
        c = self.c
        if not c["needs_answers"] and not c["needs_turns"]:
            return None
        return {
            "answers": c["needs_answers"], "buys": c["buys"], "buys_short": c["buys_short"],
            "buys_short_share": _share(c["buys_short"], c["buys"]), "buys_stock": c["buys_stock"],
            "need_now": c["need_now"], "need_now_affordable": c["need_now_affordable"],
            "need_now_unbought": c["need_now_unbought"],
            "meals_missed": c["meals_missed"] if c["needs_turns"] else None,
            "cold_turns": c["cold_turns"] if c["needs_turns"] else None, "turns": c["needs_turns"],
            "unmet_affordable": c["unmet_affordable"] if c["outcome_turns"] else None,
            "unmet_bid_in_full": c["unmet_bid_in_full"] if c["outcome_turns"] else None,
            "surplus_answers": c["surplus_answers"], "surplus_units": c["surplus_units"],
            "surplus_offered": c["surplus_offered"], "surplus_sold": c["surplus_sold"],
        }

    def _sanity_figures(self) -> dict | None:
        c = self.c
        if not c["judged"]:
            return None
        priced = sum(len(v) for v in self.offsets.values())
        return {
            "orders_priced": priced, "absurd": c["absurd"], "absurd_share": _share(c["absurd"], priced),
            "offset": {side: _quantiles(xs) for side, xs in self.offsets.items()},
            "ratio_bins": {side: {b: self.bins[side][b] for b in RATIO_BINS} for side in self.bins},
            "sells": c["sells"], "sells_not_held": c["sells_not_held"],
            "sells_not_held_share": _share(c["sells_not_held"], c["sells"]),
        }

    def _voice_figures(self) -> dict:
        out = {}
        for name, w in self.words.items():
            copied = w["verbatim"] + w["near"]
            said = w["texts"] - w["empty"]
            out[name] = {"texts": w["texts"], "empty": w["empty"], "written": said, "no_letters": w["no_letters"],
                         "repeats": w["repeats"], "repeats_share": _share(w["repeats"], said),
                         "coined": w["coined"], "coined_share": _share(w["coined"], said),
                         "verbatim": w["verbatim"], "near": w["near"], "copied": copied,
                         "copied_share": _share(copied, said),
                         "copied_from": {s: w[f"from {s}"] for s in SOURCES}}
        lines = sum(self.lines.values())
        out["gossip"] |= {"lines": lines, "distinct": len(self.lines),
                          "distinct_ratio": _share(len(self.lines), lines)}
        return out
