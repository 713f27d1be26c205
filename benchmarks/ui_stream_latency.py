"""Key latency while four creatures' answers stream onto the board (target: under 100 ms).

A watched game (the spectator sees the text being written, the heaviest case): every creature's
brain streams its answer the way a vLLM brain does, one token a decode step, through the same path
(`decide(..., on_progress)` -> `report_progress(Progress(...))` -> the session -> the app), at
22, 28, 34 and 40 tokens a second, 96 tokens each (the embedded council's token limit; the scripted
answer, led by a field of filler words the parser ignores). While the four streams run, keys that do
real work are pressed (`f` rewrites the record, `i` opens and closes the inspector, whose live area
then shows all four answers growing) and timed: handled and painted, as in ui_key_latency.py.
Headless, 140 x 45.

    .venv/bin/python benchmarks/ui_stream_latency.py
    RESULT ui_stream_key_latency_ms handled_median=... handled_max=... painted_median=... painted_max=...
           cpu_median=... cpu_max=...
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _ui_keys import KeyProbe, end_turn, report, send_key, warmed_watch_app  # noqa: E402

from engine.brains.base import Progress, Reply, report_progress  # noqa: E402
from engine.core.scenario import PATRON  # noqa: E402

RATES = (22.0, 28.0, 34.0, 40.0)
"""Tokens a second, one rate per creature."""
TOKENS = 96
"""Tokens each answer is written in."""
CHARS_PER_TOKEN = 4
"""Characters in one token (about what the embedded models' tokenizers give on this JSON)."""
WARM_TURNS = 8
"""Turns played first, so the board holds a real record."""
STREAM_TURNS = 6
"""Turns during which keys are pressed (while all four answers are being written)."""


class StreamingBrain:
    """Writes its inner brain's answer as a model would: one token per decode step, at `rate` a second."""

    streams = True

    def __init__(self, inner, rate: float) -> None:
        self.inner, self.model, self.rate = inner, inner.model, rate
        self.writing = False
        """Whether it is writing an answer now."""

    def text(self, raw: str) -> str:
        """The answer, led by filler words so that it is TOKENS tokens long."""
        body = json.loads(raw)
        room = TOKENS * CHARS_PER_TOKEN - len(raw) - len('"scratch": "", ')
        filler = " ".join(["the honey is sweet and the acorns are dear"] * 20)[:max(room, 0)]
        return json.dumps({"scratch": filler, **body})

    async def decide(self, view, prompt: str, on_progress=None) -> Reply:
        started = time.monotonic()
        reply = await self.inner.decide(view, prompt)
        if reply.fault is not None or on_progress is None:
            return reply
        text = self.text(reply.raw)
        size = -(-len(text) // TOKENS)
        step = 1.0 / self.rate
        self.writing = True
        try:
            for n in range(1, TOKENS + 1):
                await asyncio.sleep(step)
                report_progress(on_progress, Progress(n, time.monotonic() - started, text[:n * size], TOKENS,
                                                      (TOKENS - n) * step))
        finally:
            self.writing = False
        return Reply(raw=text, model=reply.model, latency_s=time.monotonic() - started, tokens=TOKENS)

    async def close(self) -> None:
        await self.inner.close()


async def measure() -> tuple[list[tuple[str, float, float, float]], KeyProbe]:
    """(key, handled, painted) for each key pressed while four answers stream."""
    samples: list[tuple[str, float, float, float]] = []
    async with warmed_watch_app(WARM_TURNS) as (app, pilot, probe):
        creatures = [b for name, b in app.session.game.brains.items() if name != PATRON]
        writers = []
        for observed, rate in zip(creatures, RATES):
            observed.inner = StreamingBrain(observed.inner, rate)
            writers.append(observed.inner)
        for _turn in range(STREAM_TURNS):
            send_key(app, "space")
            while not all(w.writing for w in writers):
                await asyncio.sleep(0.01)
            samples += await probe.press_while(lambda: all(w.writing for w in writers), 10.0)
            await end_turn(app, pilot)
    return samples, probe


def main() -> int:
    samples, probe = asyncio.run(measure())
    if not samples:
        print("no key presses were measured while the answers streamed")
        return 1
    print(f"{len(samples)} key presses (f: refilter the record, i: open/close the inspector) while four "
          f"creatures stream {TOKENS} tokens each at {', '.join(f'{r:g}' for r in RATES)} tokens/s (watch)")
    report(samples)
    print(probe.collector_line())
    handled, painted, cpu = ([s[i] for s in samples] for i in (1, 2, 3))
    print(f"RESULT ui_stream_key_latency_ms handled_median={statistics.median(handled):.1f} "
          f"handled_max={max(handled):.1f} painted_median={statistics.median(painted):.1f} "
          f"painted_max={max(painted):.1f} cpu_median={statistics.median(cpu):.1f} cpu_max={max(cpu):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
