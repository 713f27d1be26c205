"""Filter: which of the teacher's answers are good enough to learn from, and why the others were not.

    trace rows -> the teacher's creature rows -> first failing check (or kept) -> Example(prompt, answer)

A row is kept only when every check passes; a rejected row is counted once, under the first check it
failed, in this order:

    firewall        a firewall hit stopped a prompt of that turn (any trader's: the whole turn goes)
    fault           the brain gave no answer (timeout, dead engine)
    parser_dropped  the parser dropped something (an action, a field, or the whole answer)
    self_buy        the rules refused an order to buy the creature's own good
    refused         the rules refused some other action (unaffordable, unknown order id, ...)
    no_action       nothing to act on: an answer with no order, cancel, accept or decline
    copied_words    its thinking or gossip copies the prompt (sense checks only: best-of-n collections)
    repeated_words  its thinking or gossip repeats itself, "no, no, no, no, no, no" (sense checks only)
    coined_words    its thinking or gossip holds a coined word, "no-trad", "buy,sell" (sense checks only)
    absurd_price    an order's price is absurd against the last price (sense checks only)
    too_long        the answer is longer, in the student's tokens, than the student may write

The sense checks (`sense_checks=True`, on when the teacher answered best-of-n) judge the answer with
`engine.lab.evaluation.sense.answer_faults` against the row's prompt and situation, with the limits
`MAX_COPIED` and `MAX_ABSURD`; without them the filter is the first generation's, row for row.

The answer learned is the parsed answer written back as compact JSON (`answer_text`): the same
actions the rules accepted, in the key order the prompt asks for, with no repair left to do.
This module is pure: no model library, no I/O besides reading a traces file.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from engine.core.answer import CREATURE_ACTIONS, ID_ACTIONS, count_in
from engine.core.refusals import refusal_code
from engine.lab.evaluation.sense import answer_faults, answer_score
from engine.mind.synonyms import says_nothing

REASONS = ("firewall", "fault", "parser_dropped", "self_buy", "refused", "no_action", "copied_words",
           "repeated_words", "coined_words", "absurd_price", "too_long")
"""Why a teacher answer was not kept, in the order the checks run."""
MAX_COPIED = 0
"""Texts (thinking, gossip) that copy the prompt, verbatim or nearly (`sense.copy_kind`), a kept answer
may hold when the sense checks are on."""
MAX_ABSURD = 0
"""Orders priced below `sense.ABSURD_LOW` or above `sense.ABSURD_HIGH` times the good's last price a kept
answer may hold when the sense checks are on."""


@dataclass(frozen=True)
class Example:
    """One (prompt, answer) pair to train on."""

    prompt: str
    """The creature's prompt, exactly as it was sent (before the chat format)."""
    answer: str
    """The kept answer as compact JSON (`answer_text`)."""
    source: str
    """Where it came from: traces file name, turn and creature, e.g. "seed-3.jsonl:t7:Oona"."""
    choice: dict | None = None
    """How it was chosen among the teacher's candidates (best-of-n; `best_of.choice_summary`), else None."""


@dataclass
class FilterReport:
    """How many teacher answers were kept, and why the others were not."""

    answers: int = 0
    """Teacher answers seen (rows of creatures the teacher drove)."""
    kept: int = 0
    """Answers kept for training."""
    rejected: Counter = field(default_factory=Counter)
    """First failing check -> answers rejected for it."""
    drop_reasons: Counter = field(default_factory=Counter)
    """Parser drop reasons among `parser_dropped` rows (first words of each reason)."""
    refusal_reasons: Counter = field(default_factory=Counter)
    """Rule refusal codes among `self_buy` and `refused` rows."""
    repaired_kept: int = 0
    """Kept answers whose raw text needed a repair step (the learned text is the clean JSON)."""
    other_rows: int = 0
    """Rows of traders the teacher did not drive (the scripted Patron), ignored."""
    rechosen: int = 0
    """Answers the filter chose again among the candidates (`rechoose`) other than the one played."""
    sense_checks: bool = False
    """Whether `copied_words`, `repeated_words`, `coined_words` and `absurd_price` were checked."""

    def as_dict(self) -> dict:
        """JSON-ready figures."""
        return {
            "answers": self.answers, "kept": self.kept,
            "kept_rate": round(self.kept / self.answers, 4) if self.answers else 0.0,
            "rejected": {r: self.rejected.get(r, 0) for r in REASONS},
            "drop_reasons": dict(self.drop_reasons.most_common(8)),
            "refusal_reasons": dict(self.refusal_reasons.most_common(8)),
            "repaired_kept": self.repaired_kept, "other_rows": self.other_rows, "rechosen": self.rechosen,
            "sense_checks": self.sense_checks,
        }

    def lines(self) -> list[str]:
        """The report as a few human lines."""
        rate = f"{self.kept / self.answers:.0%}" if self.answers else "-"
        out = [f"kept {self.kept} of {self.answers} teacher answers ({rate})"]
        if self.rechosen:
            out.append(f"  chosen again among the candidates with today's checks: {self.rechosen} other than the one played")
        for r in REASONS:
            if self.rejected.get(r):
                out.append(f"  not kept, {r}: {self.rejected[r]}")
        if self.refusal_reasons:
            out.append("  refusals: " + ", ".join(f"{k} {v}" for k, v in self.refusal_reasons.most_common(4)))
        if self.drop_reasons:
            out.append("  parser drops: " + ", ".join(f"{k} {v}" for k, v in self.drop_reasons.most_common(4)))
        return out


def answer_text(parsed: dict) -> str:
    """A parsed creature answer as the compact JSON the student learns.

    {"thinking": "t", "orders": [{"side": "sell", "good": "honey", "qty": 2, "price": 6, "lifetime": 1}],
     "cancel": [], "gossip": "hi", "accept": [], "decline": []}
    -> '{"thinking":"t","orders":[{"side":"sell","good":"honey","qty":2,"price":6}],"gossip":"hi"}'
    """
    orders = []
    for o in parsed.get("orders") or []:
        order = {k: o[k] for k in ("side", "good", "qty", "price")}
        if o.get("lifetime", 1) != 1:
            order["lifetime"] = o["lifetime"]
        orders.append(order)
    out: dict = {"thinking": _words(parsed.get("thinking")), "orders": orders, "gossip": _words(parsed.get("gossip"))}
    for key in ID_ACTIONS:
        if parsed.get(key):
            out[key.value] = list(parsed[key])
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def _words(text: str | None) -> str:
    """Free text as learned: punctuation alone (a teacher's ':' or ':[{') is learned as nothing."""
    return "" if not text or says_nothing(text) else text


def count_actions(parsed: dict | None) -> int:
    """Actions in a parsed creature answer (orders, cancels, accepts, declines)."""
    return count_in(parsed, CREATURE_ACTIONS) if parsed else 0


def is_self_buy(refusal: dict) -> bool:
    """Whether a traces `refused` entry is a self-buy attempt."""
    return refusal_code(refusal) == "self_buy"


def reject_reason(row: dict, turn_leaked: bool = False) -> str | None:
    """The first check a teacher row fails, or None when it is kept (the length check aside).

    {"leak": [], "fault": None, "parsed": {"orders": [{...}]}, "dropped": [], "refused": []} -> None
    {"refused": [{"where": "orders[0]", "code": "self_buy", "detail": "Oona makes honey"}], ...} -> "self_buy"
    """
    if turn_leaked or row.get("leak"):
        return "firewall"
    if row.get("fault") or row.get("parsed") is None:
        return "fault"
    if row.get("dropped"):
        return "parser_dropped"
    refused = row.get("refused") or []
    if any(is_self_buy(r) for r in refused):
        return "self_buy"
    if refused:
        return "refused"
    if count_actions(row["parsed"]) == 0:
        return "no_action"
    return None


def row_faults(row: Mapping) -> dict[str, int] | None:
    """`sense.answer_faults` of a trace row (or a candidate's row): its parsed answer against its prompt
    and situation (None when nothing was parsed)."""
    return answer_faults(row.get("parsed"), row.get("situation"), row.get("prompt") or "", row.get("creature"))


def sense_reason(faults: Mapping[str, int] | None) -> str | None:
    """The first sense check an answer's faults fail: "copied_words", "repeated_words", "coined_words",
    "absurd_price", or None.

    {"thinking_copied": 0, "gossip_copied": 1, "absurd_price": 0, ...} -> "copied_words"
    """
    if faults is None:
        return None
    if faults["thinking_copied"] + faults["gossip_copied"] > MAX_COPIED:
        return "copied_words"
    if faults.get("thinking_repeats", 0) + faults.get("gossip_repeats", 0) > 0:
        return "repeated_words"
    if faults.get("thinking_coined", 0) + faults.get("gossip_coined", 0) > 0:
        return "coined_words"
    if faults["absurd_price"] > MAX_ABSURD:
        return "absurd_price"
    return None


ANSWER_KEYS = ("raw", "parsed", "repairs", "dropped", "refused", "thinking", "latency_s", "tokens", "fault",
               "fault_kind")
"""The fields of a trace row that belong to the answer (a candidate carries its own); the rest (turn,
creature, model, prompt, situation, leak) belong to the decision."""


def rechoose(row: dict, decision: Mapping) -> tuple[dict, dict]:
    """Choose again among a decision's best-of-n candidates with the filter's checks as they are now.

    `row` is the trace row of the answer that was played, `decision` its record in the candidates file
    (`best_of.CandidateLog`). Each candidate is judged on the decision's prompt and situation with
    `reject_reason` and `sense_reason` (checks added after the collect count too), then ranked as
    `best_of.choose` ranks: clean first, then `answer_score`, then the lowest index. The played candidate
    keeps its real turn's refusals (the others have the rules' answer for them alone). Returns the row to
    learn from and how it was chosen (`best_of.choice_summary`'s fields, plus "played": the index that was
    played in the collect).
    """
    played = decision["chosen"]
    judged = []
    for cand in decision["candidates"]:
        if cand["i"] == played:
            merged = row
        else:
            merged = {**{k: v for k, v in row.items() if k not in ANSWER_KEYS},
                      **{k: cand.get(k) for k in ANSWER_KEYS}}
        faults = row_faults(merged) if merged.get("parsed") is not None else None
        check = reject_reason(merged) or sense_reason(faults)
        judged.append(((check is None, answer_score(faults), -cand["i"]), cand, merged, check))
    rank, best, merged, _ = max(judged, key=lambda j: j[0])
    head = "passes every check" if rank[0] else "no candidate passes every check"
    others = ", ".join(f"{r[1]:g}" + ("" if c is None else f" {c}") for r, cand, _, c in judged if cand is not best)
    why = f"chosen again by the filter: {head}; score {rank[1]:g}" + (f" (others: {others})" if others else "")
    return merged, {"n": len(judged), "chosen": best["i"], "played": played, "seed": best.get("seed"),
                    "score": rank[1], "why": why, "scores": [r[1] for r, *_ in judged],
                    "checks": [c for *_, c in judged]}


def read_rows(path: Path) -> list[dict]:
    """Every JSON line of a traces file."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def filter_traces(
    files: Iterable[Path],
    teacher: str,
    *,
    count_tokens: Callable[[str], int] | None = None,
    max_answer_tokens: int | None = None,
    sense_checks: bool = False,
    choices: Mapping[str, dict] | None = None,
    decisions: Mapping[str, Mapping] | None = None,
) -> tuple[list[Example], FilterReport]:
    """Keep the teacher's clean answers from traces files; `count_tokens` measures the learned text.

    `sense_checks` adds `copied_words`, `repeated_words`, `coined_words` and `absurd_price`; `choices` (source ->
    how the answer was chosen among the teacher's candidates) is attached to each kept example. With
    `decisions` (source -> the decision's record in the candidates file), each answer is first chosen again
    among its candidates with today's checks (`rechoose`): a collect made before a check existed still gives
    the candidate that passes it, where one does.
    """
    report = FilterReport(sense_checks=sense_checks)
    examples: list[Example] = []
    for path in files:
        path = Path(path)
        rows = read_rows(path)
        leaked = {r["turn"] for r in rows if r.get("leak")}
        for row in rows:
            if row.get("model") != teacher:
                report.other_rows += 1
                continue
            report.answers += 1
            source = f"{path.name}:t{row['turn']}:{row['creature']}"
            choice = (choices or {}).get(source)
            if decisions is not None and source in decisions:
                row, choice = rechoose(row, decisions[source])
                report.rechosen += choice["chosen"] != choice["played"]
            why = reject_reason(row, row["turn"] in leaked)
            if why is None and sense_checks:
                why = sense_reason(row_faults(row))
            text = answer_text(row["parsed"]) if why is None else ""
            if why is None and count_tokens is not None and max_answer_tokens is not None \
                    and count_tokens(text) > max_answer_tokens:
                why = "too_long"
            if why is not None:
                report.rejected[why] += 1
                if why == "parser_dropped":
                    report.drop_reasons.update(_short(d.get("reason", "")) for d in row.get("dropped") or [])
                if why in ("self_buy", "refused"):
                    report.refusal_reasons.update(refusal_code(r) for r in row.get("refused") or [])
                continue
            report.kept += 1
            report.repaired_kept += bool(row.get("repairs"))
            examples.append(Example(row["prompt"], text, source, choice))
    return examples, report


def _short(reason: str) -> str:
    """The kind of a drop reason: its text up to the first colon or parenthesis, trimmed.

    "qty: Input should be greater than or equal to 1 (got -3)" -> "qty"
    """
    return reason.split(":", 1)[0].split("(", 1)[0].strip()[:40] or "?"
