"""Trace lines: one JSON object per trader per turn, appended as the game is played.

Each line holds exactly what the trader was sent, what came back, and what became of it (the
parse, its repairs and drops, the rules' refusals, the fault and its kind), and the trader's
situation when it decided (`engine.mind.situation`, from the same view the prompt was built from).
`tokenwood traces export` documents every field; `engine.brains.replay` reads them back to replay a
season.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from engine.mind.situation import situation_of

if TYPE_CHECKING:  # the game imports this module; its records are only types here
    from engine.play.game import Decision, TurnRecord


def trace_row(record: TurnRecord, d: Decision) -> dict:
    """One trader's trace line of one turn, as a JSON-ready dict."""
    refusals = [r.record() for r in record.report.refusals if r.trader == d.trader]
    p = d.parsed
    return {
        "turn": record.turn, "creature": d.trader, "model": d.reply.model, "prompt": d.prompt,
        "raw": d.reply.raw, "parsed": p.answer.model_dump(mode="json") if p else None,
        "repairs": list(p.repairs) if p else [],
        "dropped": [x.model_dump(mode="json") for x in p.dropped] if p else [],
        "refused": refusals, "thinking": p.answer.thinking if p else "",
        "latency_s": round(d.reply.latency_s, 4), "tokens": d.reply.tokens,
        "fault": d.reply.fault, "fault_kind": d.reply.fault_kind, "leak": list(d.leak),
        "situation": situation_of(d.view).model_dump(mode="json"),
    }


def append_traces(path: Path, record: TurnRecord) -> None:
    """Append one line per decision of a played turn to the traces file at `path`."""
    lines = [json.dumps(trace_row(record, d), ensure_ascii=False) for d in record.decisions]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
