"""Best-of-n: the teacher answers each decision n times, the best answer is played and learned.

    view + prompt -> n asks at once, each from its own seed (the engine batches them)
        -> the game's parser -> the rules on a copy of the turn (what they would refuse)
        -> the filter's checks (`filter.reject_reason`, then `filter.sense_reason`)
        -> `sense.answer_faults` and `answer_score` -> the best candidate (`choose`)
        -> its reply goes back to the game: it is played, traced, and learned from
    every candidate with its checks, faults and score -> DIR/seed-S.candidates.jsonl (`CandidateLog`)

As in rejection-sampling fine-tuning, the student learns from the best of several samples instead of
the first one. `choose` ranks first the candidates that pass every check the filter makes (so the answer
played is one the filter would keep), then the highest `answer_score` (fewest faults: buys of goods not
short, needs left unbought, absurd prices, sells of goods not held, copied words, ...), then the lowest
index: the same candidates always give the same choice.

The seed of candidate i is derived from (season seed, turn, creature, i) alone (`decision_seed`), so a
season collected again asks the very same requests. The rules are asked on a copy of the state with
this one answer (`would_refuse`): what they refuse for it alone. In the real turn other traders' orders
come first or after, so the played answer's refusals (in its trace row, which the filter reads) can
differ in rare cases (pebbles that a sale earned first, an offer taken by then).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar, Iterable

from engine.brains.base import Brain, Reply
from engine.core.economy import totals
from engine.core.state import GameState
from engine.core.turn import TurnReport, resolve_turn
from engine.lab.distill.filter import reject_reason, row_faults, sense_reason
from engine.lab.evaluation.sense import answer_score
from engine.mind.parsing import Quirks
from engine.mind.view import View
from engine.play.game import Decision, TurnRecord, parse_reply
from engine.play.traces import trace_row
from engine.play.seeds import decision_seed

DEFAULT_BEST_OF = 4
"""Candidates asked per decision by default (`tokenwood distill --best-of`; 1 is the first generation)."""
def would_refuse(state: GameState, decision: Decision) -> TurnReport:
    """The rules' report of the turn being decided, on a copy of `state`, with this decision's answer alone.

    `state` is the game's state while its brains decide (the world has moved for the turn; nothing is
    resolved yet); it is not touched.
    """
    trial = state.model_copy(deep=True)
    report = TurnReport(turn=decision.view.turn, before=totals(trial))
    answers = {decision.trader: decision.parsed.answer} if decision.parsed is not None else {}
    return resolve_turn(trial, report, answers)


@dataclass(frozen=True)
class Candidate:
    """One of the teacher's answers to one decision, judged."""

    index: int
    """Its place among the decision's candidates (0 first)."""
    seed: int
    """The sampling seed it was asked with."""
    reply: Reply
    """What the teacher wrote."""
    row: dict
    """Its trace row as if it had been played alone (`engine.play.traces.trace_row`): parse, repairs,
    drops, the rules' refusals, the fault, the situation."""
    check: str | None
    """The first filter check it fails (`filter.REASONS`; never "firewall" or "too_long"), None when clean."""
    faults: dict[str, int] | None
    """`sense.answer_faults` (None when nothing was parsed)."""
    score: float
    """`sense.answer_score` of those faults (0 is best)."""

    @property
    def rank(self) -> tuple[bool, float, int]:
        """The key `choose` maximises: clean first, then the score, then the lower index."""
        return self.check is None, self.score, -self.index

    def record(self) -> dict:
        """The candidate as a line of the candidates file (the decision's prompt and situation are in the
        trace row of the same turn and creature)."""
        row = {k: v for k, v in self.row.items() if k not in ("turn", "creature", "model", "prompt", "situation")}
        return {"i": self.index, "seed": self.seed, **row, "check": self.check, "faults": self.faults,
                "score": self.score}


def judge_candidate(index: int, seed: int, reply: Reply, view: View, prompt: str, state: GameState,
                    quirks: dict[str, Quirks]) -> Candidate:
    """Parse a candidate as the game would, ask the rules what they would refuse, and score it."""
    parsed = None if reply.fault is not None else parse_reply(reply, state.scenario, quirks)
    decision = Decision(view.me, view, prompt, reply, parsed)
    report = would_refuse(state, decision)
    row = trace_row(TurnRecord(view.turn, [decision], report, reply.latency_s), decision)
    faults = row_faults(row)
    check = reject_reason(row) or sense_reason(faults)
    return Candidate(index, seed, reply, row, check, faults, answer_score(faults))


def choose(candidates: list[Candidate]) -> Candidate:
    """The best candidate: clean before not, then the highest score, then the lowest index."""
    return max(candidates, key=lambda c: c.rank)


def why(best: Candidate, candidates: list[Candidate]) -> str:
    """Why `best` was chosen, in words, e.g. "passes every check; score -1 (others: -2, -100)"."""
    head = "passes every check" if best.check is None else f"no candidate passes every check (this one: {best.check})"
    others = [c for c in candidates if c is not best]
    tied = [c.index for c in others if c.rank[:2] == best.rank[:2]]
    text = f"{head}; score {best.score:g}"
    if others:
        text += " (others: " + ", ".join(f"{c.score:g}" + ("" if c.check is None else f" {c.check}")
                                          for c in others) + ")"
    if tied:
        text += f"; tied with {', '.join(map(str, tied))}: the lowest index is played"
    return text


@dataclass
class CandidateLog:
    """Every decision's candidates of one season, as they were judged."""

    decisions: list[dict] = field(default_factory=list)
    """One record per decision: turn, creature, model, chosen, why, candidates."""

    def add(self, view: View, model: str, candidates: list[Candidate], best: Candidate) -> None:
        """Record one decision."""
        self.decisions.append({"turn": view.turn, "creature": view.me, "model": model, "best_of": len(candidates),
                               "chosen": best.index, "score": best.score, "check": best.check,
                               "why": why(best, candidates), "candidates": [c.record() for c in candidates]})

    def text(self, order: list[str]) -> str:
        """The candidates file: one JSON line per decision, by turn and then in `order` (the traces' order)."""
        rows = sorted(self.decisions, key=lambda d: (d["turn"], order.index(d["creature"])))
        return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in rows)


@dataclass
class BestOfBrain:
    """A creature's brain that asks `inner` n times from n seeds and answers with the best candidate.

    `state` gives the game's state at decision time (the rules are asked on a copy of it); `quirks` are
    the game's parser quirks by model; each decision is added to `log`.
    """

    inner: Brain
    """The teacher's brain; it must take `seed` in `decide` (`seeded = True`)."""
    n: int
    """Candidates per decision."""
    season: int
    """The season's seed (part of every sampling seed)."""
    state: Callable[[], GameState]
    """The game's state now."""
    quirks: dict[str, Quirks]
    """Parser quirks by model id, as the game has them."""
    log: CandidateLog = field(default_factory=CandidateLog)
    """Where each decision's candidates go."""
    streams: ClassVar[bool] = False
    """It answers once, with the chosen candidate (no progress to report)."""

    def __post_init__(self) -> None:
        if not getattr(self.inner, "seeded", False):
            raise TypeError(f"best-of-n needs a brain that samples from a seed; {self.inner.model} cannot")
        if self.n < 1:
            raise ValueError(f"best-of needs 1 or more candidates, got {self.n}")

    @property
    def model(self) -> str:
        """The teacher's model id (the game's telemetry and traces name it)."""
        return self.inner.model

    async def decide(self, view: View, prompt: str) -> Reply:
        """Ask for n candidates at once, judge each, record them all, answer with the best."""
        seeds = [decision_seed(self.season, view.turn, view.me, i) for i in range(self.n)]
        replies = await asyncio.gather(*(self._ask(view, prompt, seed) for seed in seeds))
        state = self.state()
        candidates = [judge_candidate(i, seed, reply, view, prompt, state, self.quirks)
                      for i, (seed, reply) in enumerate(zip(seeds, replies))]
        best = choose(candidates)
        self.log.add(view, self.model, candidates, best)
        return best.reply

    async def _ask(self, view: View, prompt: str, seed: int) -> Reply:
        """One candidate; a brain that raises gives a fault, as it would in a game turn."""
        try:
            return await self.inner.decide(view, prompt, seed=seed)
        except Exception as err:  # noqa: BLE001 - one failed candidate must not lose the others
            return Reply(raw="", model=self.model, fault=f"brain error: {err!r:.200}", fault_kind="brain_error")

    async def close(self) -> None:
        """Close the teacher's brain."""
        await self.inner.close()


# -- reading the candidates files back ---------------------------------------------------------------


def candidates_path(traces: Path) -> Path:
    """The candidates file that goes with a traces file: seed-3.jsonl -> seed-3.candidates.jsonl."""
    traces = Path(traces)
    return traces.with_name(f"{traces.stem}.candidates.jsonl")


def read_decisions(path: Path) -> list[dict]:
    """The decision records of one candidates file."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def choice_summary(decision: dict) -> dict:
    """How one decision's answer was chosen, as an example carries it.

    {"best_of": 2, "chosen": 1, "why": "...", "candidates": [{"i": 0, "seed": 7, "score": -2.0, "check": None},
    {"i": 1, "seed": 8, "score": -1.0, "check": None}]}
    -> {"n": 2, "chosen": 1, "seed": 8, "score": -1.0, "why": "...", "scores": [-2.0, -1.0], "checks": [None, None]}
    """
    cands = decision["candidates"]
    return {"n": decision["best_of"], "chosen": decision["chosen"], "seed": cands[decision["chosen"]]["seed"],
            "score": cands[decision["chosen"]]["score"], "why": decision["why"],
            "scores": [c["score"] for c in cands], "checks": [c["check"] for c in cands]}


def read_decision_map(traces_files: Iterable[Path]) -> dict[str, dict]:
    """Source ("seed-3.jsonl:t7:Oona", as the filter names examples) -> the decision's record, for every
    traces file that has a candidates file (the filter chooses again from these: `filter.rechoose`)."""
    out: dict[str, dict] = {}
    for traces in map(Path, traces_files):
        path = candidates_path(traces)
        if path.exists():
            for d in read_decisions(path):
                out[f"{traces.name}:t{d['turn']}:{d['creature']}"] = d
    return out


def read_choices(traces_files: Iterable[Path]) -> dict[str, dict]:
    """Source -> `choice_summary` (how the collect chose), for every traces file that has a candidates file."""
    return {source: choice_summary(d) for source, d in read_decision_map(traces_files).items()}


def selection_figures(traces_files: Iterable[Path]) -> dict | None:
    """What the selection bought, over every candidates file (None when there is none).

    decisions; candidates; clean: share of all candidates that pass every check, against the share of
    chosen ones (a decision has a clean choice when any of its candidates is clean); mean score of all
    candidates, of candidate 0 (what one sample would have given) and of the chosen ones; how often a
    candidate other than 0 was chosen.
    """
    decisions = [d for t in map(Path, traces_files) if candidates_path(t).exists()
                 for d in read_decisions(candidates_path(t))]
    if not decisions:
        return None
    cands = [c for d in decisions for c in d["candidates"]]
    chosen = [d["candidates"][d["chosen"]] for d in decisions]
    first = [d["candidates"][0] for d in decisions]

    def mean(xs: list[float]) -> float:
        return round(sum(xs) / len(xs), 3)

    return {
        "decisions": len(decisions), "candidates": len(cands),
        "best_of": sorted({d["best_of"] for d in decisions}),
        "clean_share_all": mean([c["check"] is None for c in cands]),
        "clean_share_first": mean([c["check"] is None for c in first]),
        "clean_share_chosen": mean([c["check"] is None for c in chosen]),
        "score_mean_all": mean([c["score"] for c in cands]),
        "score_mean_first": mean([c["score"] for c in first]),
        "score_mean_chosen": mean([c["score"] for c in chosen]),
        "chosen_not_first": sum(d["chosen"] != 0 for d in decisions),
    }
