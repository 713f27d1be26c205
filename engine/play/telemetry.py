"""Per-model telemetry of one session: what each model's answers became, how long they took, what failed.

    TurnRecord (the game's decisions and the rules' report) -> Telemetry.add -> summary()["models"]

It lives beside the game loop, not in the state: it describes the machines and models of this
session, not the game, so a save never carries it and a loaded game starts it afresh.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.brains.base import FAULT_KINDS
from engine.mind.parsing import ParseStats

if TYPE_CHECKING:  # the game imports this module; its records are only types here
    from engine.play.game import Decision, TurnRecord


@dataclass
class Telemetry:
    """Per-model figures for this session (the summary's `models` object and turn latencies)."""

    stats: dict[str, ParseStats] = field(default_factory=dict)
    """Per-model parse figures."""
    latencies: dict[str, list[float]] = field(default_factory=dict)
    """Per-model seconds of each answer that came."""
    faults: dict[str, Counter] = field(default_factory=dict)
    """Per-model answers that did not come, by kind (`engine.brains.base.FAULT_KINDS`)."""
    self_buys: dict[str, int] = field(default_factory=dict)
    """Per-model attempts to buy a creature's own good, refused by the rules."""
    turn_latency_s: list[float] = field(default_factory=list)
    """Wall-clock seconds each turn's decisions took together."""

    def add(self, record: TurnRecord, models: dict[str, str]) -> None:
        """Count one played turn; `models` maps each trader to the model id of its brain."""
        for d in record.decisions:
            self._count(d)
        for r in record.report.refusals:
            if r.code == "self_buy" and r.trader in models:
                model = models[r.trader]
                self.self_buys[model] = self.self_buys.get(model, 0) + 1
        self.turn_latency_s.append(round(record.latency_s, 4))

    def _count(self, d: Decision) -> None:
        model = d.reply.model
        if d.reply.fault is not None:
            self.faults.setdefault(model, Counter())[d.reply.fault_kind] += 1
        else:
            self.latencies.setdefault(model, []).append(d.reply.latency_s)
        if d.parsed is not None:
            self.stats.setdefault(model, ParseStats()).add(d.parsed)

    def summary(self) -> dict[str, dict]:
        """Per-model figures for the summary's `models` object."""
        out = {}
        for model in sorted(set(self.stats) | set(self.faults) | set(self.latencies) | set(self.self_buys)):
            s = self.stats.get(model, ParseStats())
            lat = self.latencies.get(model, [])
            faults = self.faults.get(model, Counter())
            out[model] = {
                "answers": s.answers, "answers_with_valid_action": s.answers_with_valid_action,
                "valid_actions": s.valid_actions, "dropped_actions": s.dropped_actions,
                "repaired_answers": s.repaired_answers, "no_json": s.no_json,
                "self_buy_attempts": self.self_buys.get(model, 0), "timeouts": faults["timeout"],
                "faults": {kind: faults[kind] for kind in FAULT_KINDS},
                "mean_latency_s": round(sum(lat) / len(lat), 4) if lat else 0.0,
            }
        return out
