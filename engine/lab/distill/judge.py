"""Judge: teacher and student on the same fresh seeds, both decoding freely, side by side.

    registry -> the two entries with `structured.mode = "none"` (in memory; no file is touched)
             -> play_seeds(teacher), then play_seeds(student) (one engine each, one after the other)
             -> figures from their traces and summaries -> table and verdict
             -> sense figures from the same traces and series (`sense_figures.SenseTally`) -> sense table
             -> each decision measure's difference and its exact p (`sense_verdict`)

Without a grammar nothing forces the JSON, so the figures show what each model learned to write:
answers holding at least one valid action (parsed and not refused by the rules), valid actions per
answer, self-buy attempts, answers lost and why, the creatures' net worth and the latency. The sense
figures say whether the decisions made sense (docs/EVAL.md defines each one): needs (buys of short
goods, meals missed, cold turns, unmet while affordable), sanity (absurd prices, sells of goods not
held, a bid and an ask on one good) and voice (copied thinking and gossip, distinct gossip).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

from engine.core.refusals import refusal_code
from engine.core.scenario import PATRON
from engine.lab.distill.collect import Played, play_seeds
from engine.lab.distill.filter import count_actions, is_self_buy, read_rows
from engine.lab.evaluation.report import count_share
from engine.lab.evaluation.sense import ABSURD_HIGH, ABSURD_LOW
from engine.lab.evaluation.sense_figures import SenseTally, cold_turns, meals_missed, outcomes, written
from engine.lab.evaluation.stats import ALPHA, fisher_p, rate_p
from engine.models.registry import Registry

TARGET_VALID = 0.95
"""The distilled student's target: share of answers with a valid action."""
TARGET_SELF_BUY = 0.0
"""The distilled student's target: share of answers with a self-buy attempt."""


def unconstrained(registry: Registry, model_ids: list[str]) -> Registry:
    """A copy of the registry in which these models decode freely (`structured.mode = "none"`)."""
    models = dict(registry.models)
    for mid in model_ids:
        spec = registry.get(mid)
        models[mid] = spec.model_copy(update={"structured": spec.structured.model_copy(update={"mode": "none"})})
    return registry.model_copy(update={"models": models})


def figures(played: Played) -> dict:
    """One model's judged figures from its traces and summaries."""
    c: Counter = Counter()
    lost: Counter = Counter()
    drops: Counter = Counter()
    refusals: Counter = Counter()
    latencies: list[float] = []
    for path in played.traces:
        for row in read_rows(path):
            if row.get("model") != played.model:
                continue
            c["answers"] += 1
            parsed, refused = row.get("parsed"), row.get("refused") or []
            if row.get("fault") or row.get("leak") or parsed is None:
                lost["fault: " + str(row.get("fault") or "firewall")[:40]] += 1
                continue
            latencies.append(float(row.get("latency_s") or 0.0))
            c["tokens"] += int(row.get("tokens") or 0)
            dropped = row.get("dropped") or []
            whole = [d for d in dropped if d.get("where") == "answer"]
            for d in dropped:
                drops[_kind(d.get("reason", ""))] += 1
            if whole:
                lost[_kind(whole[0].get("reason", ""))] += 1
            c["dropped_actions"] += sum(d.get("where") != "answer" for d in dropped)
            c["repaired"] += bool(row.get("repairs"))
            self_buys = sum(is_self_buy(r) for r in refused)
            valid = max(0, count_actions(parsed) - len(refused))
            c["self_buy_attempts"] += self_buys
            c["answers_with_self_buy"] += self_buys > 0
            c["refused_actions"] += len(refused)
            c["valid_actions"] += valid
            c["answers_with_valid_action"] += valid > 0
            for r in refused:
                refusals[refusal_code(r)] += 1
    answers = c["answers"]
    worth = [w for s in played.summaries for n, w in s["net_worth"].items() if n != PATRON]
    turn_lat = [t for s in played.summaries for t in s.get("turn_latency_s", [])]
    return {
        "model": played.model,
        "seasons": len(played.summaries),
        "answers": answers,
        "answers_with_valid_action": c["answers_with_valid_action"],
        "valid_answer_rate": _rate(c["answers_with_valid_action"], answers),
        "valid_actions": c["valid_actions"],
        "valid_actions_per_answer": round(c["valid_actions"] / answers, 3) if answers else 0.0,
        "self_buy_attempts": c["self_buy_attempts"],
        "answers_with_self_buy": c["answers_with_self_buy"],
        "self_buy_rate": _rate(c["answers_with_self_buy"], answers),
        "refused_actions": c["refused_actions"],
        "refusals": dict(refusals.most_common(5)),
        "dropped_actions": c["dropped_actions"],
        "answers_lost": sum(lost.values()),
        "answers_lost_why": dict(lost.most_common(5)),
        "drop_reasons": dict(drops.most_common(5)),
        "repaired_answers": c["repaired"],
        "creature_net_worth_mean": round(statistics.mean(worth), 1) if worth else 0.0,
        "patron_net_worth_mean": round(statistics.mean(s["net_worth"][PATRON] for s in played.summaries), 1)
        if played.summaries else 0.0,
        "latency_mean_s": round(statistics.mean(latencies), 3) if latencies else 0.0,
        "latency_median_s": round(statistics.median(latencies), 3) if latencies else 0.0,
        "tokens_per_answer": round(c["tokens"] / len(latencies), 1) if latencies else 0.0,
        "turn_latency_mean_s": round(statistics.mean(turn_lat), 3) if turn_lat else 0.0,
        "engine_load_s": round(played.load_s, 1),
        "play_s": round(played.play_s, 1),
        "sense": sense_of(played),
    }


def sense_of(played: Played) -> dict:
    """The model's sense figures (`SenseTally.figures`) over its judged seasons, as an eval report sums them.

    Each answer is judged against its row's prompt and situation, and against what became of its
    creature that turn (the season's series); each creature's season adds its meals missed and cold
    turns. A season without series (recorded before they were kept) leaves those "n/a".
    """
    tally = SenseTally()
    for path, series in zip_longest(played.traces, played.series):
        became = outcomes(series) if series else {}
        mine: set[str] = set()
        for row in read_rows(path):
            if row.get("model") == played.model:
                mine.add(row["creature"])
                tally.add(row, became.get((row["creature"], int(row["turn"]))))
        hunger, cold = (series or {}).get("hunger_by_turn") or {}, (series or {}).get("cold_by_turn") or {}
        for name in sorted(mine & set(hunger) & set(cold)):
            tally.add_season(meals_missed(hunger[name]), cold_turns(cold[name]))
    return tally.figures()


def verdict(teacher: dict, student: dict) -> dict:
    """Whether the student beat the teacher (no worse on both, better on one) and met the targets."""
    sv, tv = student["valid_answer_rate"], teacher["valid_answer_rate"]
    ss, ts = student["self_buy_rate"], teacher["self_buy_rate"]
    no_worse = sv >= tv and ss <= ts
    beat = no_worse and (sv > tv or ss < ts)
    targets = sv >= TARGET_VALID and ss <= TARGET_SELF_BUY and no_worse
    if beat:
        text = "the student BEAT the teacher on this run"
    elif no_worse:
        text = "the student TIED the teacher on this run (equal on both figures)"
    else:
        text = "the student did NOT beat the teacher on this run"
    text += (f": answers with a valid action {sv:.1%} vs {tv:.1%}, self-buy attempts {ss:.1%} vs {ts:.1%} "
             f"of answers; targets (>= {TARGET_VALID:.0%} valid, {TARGET_SELF_BUY:.0%} self-buys, no worse "
             f"than the teacher) {'met' if targets else 'NOT met'}")
    return {"student_beat_teacher": beat, "no_worse": no_worse, "targets_met": targets, "text": text}


ROWS = (
    ("answers", "answers", "{}"),
    ("answers with a valid action", "valid_answer_rate", "{:.1%}"),
    ("valid actions per answer", "valid_actions_per_answer", "{:.2f}"),
    ("answers with a self-buy attempt", "self_buy_rate", "{:.1%}"),
    ("self-buy attempts", "self_buy_attempts", "{}"),
    ("other refused actions", "refused_actions", "{}"),
    ("answers lost (no JSON, fault)", "answers_lost", "{}"),
    ("actions dropped by the parser", "dropped_actions", "{}"),
    ("creature net worth (mean)", "creature_net_worth_mean", "{:.1f}"),
    ("latency per answer (mean s)", "latency_mean_s", "{:.2f}"),
    ("tokens per answer", "tokens_per_answer", "{:.1f}"),
)


def table(teacher: dict, student: dict, base: dict | None = None) -> list[str]:
    """The side-by-side table as Markdown lines (with `base`, a column for the student before training)."""
    cols = [("teacher", teacher)] + ([("base student", base)] if base else []) + [("student", student)]
    out = ["| figure | " + " | ".join(f"{who} {f['model']}" for who, f in cols) + " |",
           "|---" * (len(cols) + 1) + "|"]
    for label, key, fmt in ROWS:
        cells = []
        for _, f in cols:
            v = f[key] - f["self_buy_attempts"] if key == "refused_actions" else f[key]
            cells.append(fmt.format(v))
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    for who, f in cols:
        if f["answers_lost_why"]:
            out.append(f"\n{who} answers lost: " + ", ".join(f"{k} ({v})" for k, v in f["answers_lost_why"].items()))
        if f["drop_reasons"]:
            out.append(f"{who} parser drops: " + ", ".join(f"{k} ({v})" for k, v in f["drop_reasons"].items()))
    return out


@dataclass(frozen=True)
class SenseRow:
    """One decision measure of the judge's sense table: a count (out of a whole, when it has one)."""

    label: str
    """What the row says."""
    part: tuple[str, ...]
    """Where the figures are in `SenseTally.figures()` (() for its top level)."""
    count: str
    """The key of the count."""
    whole: str | None
    """The key of what it counts out of (None: a plain count, e.g. meals missed over the seasons)."""
    better: int
    """+1 when more is better, -1 when less is."""

    def figures(self, sense: dict) -> tuple[int | None, int | None]:
        """(count, whole) in one model's sense figures; None where they are "n/a"."""
        section: dict | None = sense
        for key in self.part:
            section = (section or {}).get(key)
        if section is None:
            return None, None
        if self.whole == "written":  # (voice figures recorded before 2026-12-06 lack the key)
            return section.get(self.count), written(section)
        return section.get(self.count), section.get(self.whole) if self.whole else None

    def value(self, sense: dict) -> float | None:
        """The figure compared between models: the share when there is a whole, else the count."""
        count, whole = self.figures(sense)
        if count is None or (self.whole and not whole):
            return None
        return count / whole if self.whole else float(count)

    def p(self, one: dict, other: dict) -> float:
        """Exact two-sided p of the difference between two models' figures (`ALPHA` and below: beyond
        chance): Fisher's test of the shares where the row has a whole, else the two-rate test of the
        counts over each model's creature-turns of meals and cold (its answers where it has none)."""
        (a, n), (b, m) = self.figures(one), self.figures(other)
        if self.whole:
            return fisher_p(a, n, b, m)
        return rate_p(a, _exposure(one), b, _exposure(other))

    def cell(self, sense: dict) -> str:
        """The table cell, e.g. "7 / 10 (70%)", "3" or "n/a"."""
        count, whole = self.figures(sense)
        if not self.whole:
            return "n/a" if count is None else str(count)
        return count_share(count, whole or 0, self.value(sense))


SENSE_ROWS = (
    SenseRow("buys of goods the creature is short of", ("needs",), "buys_short", "buys", +1),
    SenseRow("short now and could afford it, bought none", ("needs",), "need_now_unbought", "need_now_affordable", -1),
    SenseRow("meals missed (all creatures, all seasons)", ("needs",), "meals_missed", None, -1),
    SenseRow("cold turns (all creatures, all seasons)", ("needs",), "cold_turns", None, -1),
    SenseRow("turns hungry or cold while it could afford the lack", ("needs",), "unmet_affordable", None, -1),
    SenseRow(f"absurd prices (below {ABSURD_LOW}x or above {ABSURD_HIGH}x the last)", ("sanity",), "absurd",
             "orders_priced", -1),
    SenseRow("sells of goods not held", ("sanity",), "sells_not_held", "sells", -1),
    SenseRow("answers with a bid and an ask on one good", (), "answers_bid_and_ask", "answers", -1),
    SenseRow("thinking copied from the prompt", ("voice", "thinking"), "copied", "written", -1),
    SenseRow("gossip copied from the prompt", ("voice", "gossip"), "copied", "written", -1),
    SenseRow("thinking that repeats itself", ("voice", "thinking"), "repeats", "written", -1),
    SenseRow("gossip that repeats itself", ("voice", "gossip"), "repeats", "written", -1),
    SenseRow("thinking with coined words", ("voice", "thinking"), "coined", "written", -1),
    SenseRow("gossip with coined words", ("voice", "gossip"), "coined", "written", -1),
    SenseRow("distinct gossip lines", ("voice", "gossip"), "distinct", "lines", +1),
)
"""The decision measures the judge shows (docs/EVAL.md defines them; `sense_figures` counts them)."""


def sense_table(teacher: dict, student: dict, base: dict | None = None) -> list[str]:
    """The decision measures side by side as Markdown lines (columns as in `table`)."""
    cols = [("teacher", teacher)] + ([("base student", base)] if base else []) + [("student", student)]
    out = ["| decision measure | " + " | ".join(f"{who} {f['model']}" for who, f in cols) + " |",
           "|---" * (len(cols) + 1) + "|"]
    for row in SENSE_ROWS:
        out.append(f"| {row.label} | " + " | ".join(row.cell(f["sense"]) for _, f in cols) + " |")
    return out


def sense_verdict(teacher: dict, student: dict) -> dict:
    """On which decision measures the student did better than the teacher, worse, or the same, and where
    the difference is more than chance.

    Each measure is compared as it stands (a share where it has a whole, else a count), and a measure
    either model could not measure is "n/a". Each difference gets an exact two-sided p (`SenseRow.p`): a
    share by Fisher's test, a count by the two-rate test over the creature-turns it was counted on; one
    with p below `ALPHA` is "shown". The judge's seasons are few (3 x 12 turns), so a difference of one
    answer in 144, or a share of the teacher's 3 gossip lines, is not evidence either way; the verdict
    `ahead` asks for at least one better measure shown and no worse one shown.
    """
    sides: dict[str, list[str]] = {"better": [], "worse": [], "equal": [], "n/a": []}
    p_values: dict[str, float] = {}
    for row in SENSE_ROWS:
        t, s = row.value(teacher["sense"]), row.value(student["sense"])
        if t is None or s is None:
            sides["n/a"].append(row.label)
            continue
        gain = (s - t) * row.better
        sides["better" if gain > 0 else "worse" if gain < 0 else "equal"].append(row.label)
        p_values[row.label] = row.p(teacher["sense"], student["sense"])
    shown = {side: [label for label in sides[side] if p_values[label] < ALPHA] for side in ("better", "worse")}
    ahead = bool(shown["better"]) and not shown["worse"]

    def part(side: str) -> str:
        labels = sides[side]
        if side == "n/a":
            return f"{side} on {len(labels)}"
        listed = ", ".join(f"{label} (p {_p(p_values[label])})" for label in labels)
        return f"{side} on {len(labels)} ({listed})"

    text = "; ".join(part(k) for k, v in sides.items() if v)
    text += (f"; beyond chance (p < {ALPHA}): better on {len(shown['better'])}, worse on {len(shown['worse'])}"
             f", so the student is {'AHEAD of' if ahead else 'NOT shown ahead of'} the teacher on these measures")
    return {**sides, "p": p_values, "better_shown": shown["better"], "worse_shown": shown["worse"],
            "ahead": ahead, "text": f"decision measures, student against teacher: {text}"}


def _p(p: float) -> str:
    """A p for the verdict's text: "< 0.001" or three decimals."""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


async def judge(teacher: str, student: str, seeds: list[int], turns: int, out_dir: Path, *,
                registry: Registry, parallel: int = 2, scenario: str | None = None,
                progress: bool = True, student_tag: str | None = None, base: str | None = None) -> dict:
    """Play the seeds with each model decoding freely; return the figure sets and the verdict.

    `student_tag` (the training fingerprint) keeps an older student's judged seasons from being reused.
    `base` (the student's registry id before training) adds a third set, "base", for before and after;
    the verdict stays teacher against student.
    """
    models = [("teacher", teacher)] + ([("base", base)] if base else []) + [("student", student)]
    free = unconstrained(registry, [mid for _, mid in models])
    result = {}
    for role, mid in models:
        played = await play_seeds(mid, seeds, turns, Path(out_dir) / role, registry=free, parallel=parallel,
                                  scenario=scenario, progress=progress, label=f"judge {role}",
                                  tag=student_tag if role == "student" else None)
        result[role] = figures(played)
    result["verdict"] = verdict(result["teacher"], result["student"])
    result["sense_verdict"] = sense_verdict(result["teacher"], result["student"])
    return result


ROLES = ("teacher", "base", "student")
"""The judge's folders under its `out_dir`, one per judged model (base only with `judge(base=...)`)."""


def recorded(role_dir: Path) -> Played:
    """One judged model's seasons as `judge` recorded them in `role_dir` (`seed-N.json` beside its traces
    `seed-N.jsonl`), in seed order, to be scored again without playing (`rescore`). A missing, unreadable
    or mixed folder raises ValueError naming the file."""
    found = []
    for marker in Path(role_dir).glob("seed-*.json"):
        try:
            seed, record = int(marker.stem.removeprefix("seed-")), json.loads(marker.read_text())
            model = record["params"]["model"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{marker}: not a judged season's record ({exc})") from exc
        traces = marker.with_suffix(".jsonl")
        if not traces.is_file():
            raise ValueError(f"{marker}: its traces {traces.name} are missing")
        found.append((seed, model, traces, record))
    models = {model for _, model, _, _ in found}
    if len(models) != 1:
        raise ValueError(f"{role_dir}: " + ("no judged seasons (seed-N.json)" if not models
                                            else f"seasons of several models ({', '.join(sorted(models))})"))
    found.sort(key=lambda f: f[0])
    return Played(models.pop(), traces=[f[2] for f in found], summaries=[f[3]["summary"] for f in found],
                  series=[f[3].get("series") for f in found])


def rescore(judge_dir: Path) -> dict:
    """`judge`'s result from the seasons it recorded under `judge_dir` (`ROLES`), with nothing played: the
    figures, sense figures and both verdicts as the code now defines them (e.g. after a measure's whole
    changed). Engine and play times are 0."""
    result = {role: figures(recorded(Path(judge_dir) / role)) for role in ROLES
              if role != "base" or (Path(judge_dir) / role).is_dir()}
    result["verdict"] = verdict(result["teacher"], result["student"])
    result["sense_verdict"] = sense_verdict(result["teacher"], result["student"])
    return result


def _exposure(sense: dict) -> int:
    """The creature-turns a model's meals and cold were counted on (its answers where not recorded)."""
    return int((sense.get("needs") or {}).get("turns") or sense.get("answers") or 0)


def _rate(n: int, d: int) -> float:
    return round(n / d, 4) if d else 0.0


def _kind(reason: str) -> str:
    """A drop reason's kind, e.g. "no JSON object found" or "qty"."""
    return reason.split(":", 1)[0].split("(", 1)[0].strip()[:48] or "?"
