"""How fast an engine is on this machine, and the deadline a decision gets because of it.

    warm-up (engine.brains.vllm) -> Pace(prefill per token, decode step) -> deadline(prompt, max_tokens, batch)

A constant timeout is wrong on every machine but one: too short where the processor is slow (the
creatures hesitate although the model was about to answer), too long where it is fast (a hung engine
stalls the turn). Each engine measures its own pace when it warms up, and a decision's deadline is
what that pace says the answer needs, times a headroom, plus a grace for what the warm-up does not
see (compiling the answer's grammar, scheduling). `--answer-timeout` overrides it.

Measured pace is also kept in the cache (`paces.json`), so `tokenwood doctor` can say what a turn
took on this machine last time without starting an engine.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

HEADROOM = 3.0
"""How many times the measured need a decision may take before it is a fault."""
GRACE_S = 10.0
"""Seconds added to every deadline: grammar compilation, scheduling, another engine's start-up."""


@dataclass(frozen=True)
class Pace:
    """An engine's measured speed (one sequence, from its warm-up)."""

    prefill_s_per_token: float
    """Seconds to read one prompt token."""
    step_s: float
    """Seconds per decode step of one sequence."""

    def need_s(self, prompt_tokens: int, max_tokens: int, batch: int = 1) -> float:
        """Seconds one answer needs when `batch` requests share the engine.

        Counted as if batching saved nothing (each of the `batch` prompts read in turn, each step
        `batch` times as long): an upper bound, since a batch is never slower than its requests alone.

        Pace(0.002, 0.03).need_s(500, 96, batch=2) -> 2 * 500 * 0.002 + 96 * 0.03 * 2 = 7.76
        """
        batch = max(1, batch)
        return batch * prompt_tokens * self.prefill_s_per_token + max_tokens * self.step_s * batch

    def expected_s(self, prompt_tokens: int, answer_tokens: int, batch: int = 1) -> float:
        """Seconds a turn of `batch` answers on this engine is expected to take: every prompt read,
        then `answer_tokens` batched steps (on these small models a step of a few sequences costs
        about what one sequence's does: council_turn.py measures it).

        Pace(0.002, 0.05).expected_s(800, 60, batch=2) -> 2 * 800 * 0.002 + 60 * 0.05 = 6.2
        """
        return max(1, batch) * prompt_tokens * self.prefill_s_per_token + answer_tokens * self.step_s

    def deadline_s(self, prompt_tokens: int, max_tokens: int, batch: int = 1) -> float:
        """Seconds one decision may take before it becomes a fault: headroom x need + grace.

        Pace(0.002, 0.03).deadline_s(500, 96, batch=2) -> 3.0 * 7.76 + 10.0 = 33.28
        """
        return HEADROOM * self.need_s(prompt_tokens, max_tokens, batch) + GRACE_S


def paces_path() -> Path:
    """Where measured paces are kept: the tokenwood cache's `paces.json`."""
    from engine.models.prepare import cache_home

    return cache_home() / "paces.json"


def remember(key: str, pace: Pace, path: Path | None = None) -> None:
    """Record `pace` under `key` (model id, dtype and machine kind) in the cache; never raises."""
    path = path or paces_path()
    try:
        known = recall_all(path)
        known[key] = asdict(pace)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n")
        tmp.replace(path)
    except OSError:
        pass


def recall_all(path: Path | None = None) -> dict[str, dict]:
    """Every pace recorded in the cache, by key (empty when none or unreadable)."""
    try:
        data = json.loads((path or paces_path()).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def recall(key: str, path: Path | None = None) -> Pace | None:
    """The pace recorded under `key`, or None."""
    entry = recall_all(path).get(key)
    try:
        return Pace(float(entry["prefill_s_per_token"]), float(entry["step_s"])) if entry else None
    except (KeyError, TypeError, ValueError):
        return None


def pace_key(model_id: str, dtype: str, machine: str) -> str:
    """The cache key of a pace: "smollm2-135m float32 avx2"."""
    return f"{model_id} {dtype} {machine}"
