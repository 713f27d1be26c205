"""The replay brain: feeds recorded raw answers back from a traces file.

Replaying a game's traces with the same seed gives the same game: the raw text goes through the same
parse-and-repair layer and the same rules. A turn with no recorded answer is a fault (the trader
hesitates), never a crash.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.brains.base import FAULT_KINDS, Reply
from engine.mind.view import View


class TracesError(ValueError):
    """A traces file that cannot be read; the message names the line."""


def load_traces(path: str | Path) -> dict[tuple[int, str], dict]:
    """(turn, trader) -> trace record, from a JSON-lines traces file."""
    out: dict[tuple[int, str], dict] = {}
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except OSError as err:
        raise TracesError(f"{path}: cannot read traces: {err}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            out[(int(rec["turn"]), str(rec["creature"]))] = rec
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise TracesError(f"{path}: line {n} is not a trace record ({err})") from None
    return out


class ReplayBrain:
    """Answers with what was recorded for this trader on this turn."""

    def __init__(self, records: dict[tuple[int, str], dict], trader: str) -> None:
        self.records = records
        self.trader = trader
        models = [r.get("model", "replay") for (t, c), r in records.items() if c == trader]
        self.model = f"replay:{models[0]}" if models else "replay"

    async def decide(self, view: View, prompt: str) -> Reply:
        """The recorded raw answer, or a fault when none was recorded."""
        rec = self.records.get((view.turn, view.me))
        if rec is None:
            return Reply(raw="", model=self.model, fault=f"no recorded answer for turn {view.turn}",
                         fault_kind="no_answer")
        if rec.get("fault"):
            kind = rec.get("fault_kind")  # traces from before kinds were recorded carry none
            return Reply(raw="", model=self.model, fault=str(rec["fault"]),
                         fault_kind=kind if kind in FAULT_KINDS else "no_answer")
        return Reply(raw=rec.get("raw") or "", model=self.model, latency_s=0.0)

    async def close(self) -> None:
        """Nothing to release."""
