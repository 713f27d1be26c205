"""How long a key press takes to be handled while the creatures think (target: under 100 ms).

Three creatures' brains sleep 3 s per decision (a model engine thinking in its own process); one is
CPU-bound in the app's own process: it burns the CPU in 50 ms chunks in a worker thread for 3 s.
While that turn runs, the benchmark presses keys that do real work on the board (`f` rewrites the
public record under a new filter; `i` opens and closes the inspector) the way the terminal driver
sends them, and measures for each the time from the press until its action has run ("handled", the
RESULT figure) and until the screen has been refreshed after it ("painted"). The inspector's open
time is the painted figure of `i` opening it (target: under 100 ms), the first opening of the game
apart (the app builds the inspector behind the board before it). Headless, 140 x 45. The key
pressing is shared with ui_stream_latency.py (benchmarks/_ui_keys.py).

    .venv/bin/python benchmarks/ui_key_latency.py
    RESULT ui_key_latency_ms_median=... max=...
    RESULT inspector_open_ms_first=... median=... max=... cpu_first=... cpu_median=...
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _ui_keys import KeyProbe, end_turn, report, send_key, warmed_watch_app  # noqa: E402

from engine.brains.base import Reply  # noqa: E402
from engine.core.scenario import PATRON  # noqa: E402

THINK_S = 3.0
"""Seconds each brain takes per decision."""
CHUNK_S = 0.05
"""Length of one CPU-bound chunk."""
WARM_TURNS = 8
"""Turns played first, so the board holds a real record."""
SLOW_TURNS = 3
"""Slow turns during which keys are pressed."""


class SleepyBrain:
    """Thinks like a model served in another process: the event loop is free while it waits."""

    def __init__(self, inner) -> None:
        self.inner, self.model = inner, inner.model

    async def decide(self, view, prompt) -> Reply:
        await asyncio.sleep(THINK_S)
        return await self.inner.decide(view, prompt)

    async def close(self) -> None:
        await self.inner.close()


def _burn(seconds: float) -> int:
    end, n = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        n += 1
    return n


class BusyBrain(SleepyBrain):
    """Thinks in the app's own process: 50 ms CPU-bound chunks in a worker thread."""

    async def decide(self, view, prompt) -> Reply:
        end = time.perf_counter() + THINK_S
        while time.perf_counter() < end:
            await asyncio.to_thread(_burn, CHUNK_S)
        return await self.inner.decide(view, prompt)


async def measure() -> tuple[list[tuple[str, float, float, float]], KeyProbe]:
    """(key, handled, painted) milliseconds for each key pressed during the slow turns."""
    samples: list[tuple[str, float, float, float]] = []
    async with warmed_watch_app(WARM_TURNS) as (app, pilot, probe):
        brains = app.session.game.brains
        for i, (name, brain) in enumerate(brains.items()):
            if name != PATRON:
                brain.inner = (BusyBrain if i == 0 else SleepyBrain)(brain.inner)
        for _turn in range(SLOW_TURNS):
            send_key(app, "space")
            await asyncio.sleep(0.2)
            samples += await probe.press_while(lambda: app.turn_running, THINK_S - 0.4)
            await end_turn(app, pilot)
    return samples, probe


def main() -> int:
    samples, probe = asyncio.run(measure())
    if not samples:
        print("no key presses were measured during a turn")
        return 1
    print(f"{len(samples)} key presses (f: refilter the record, i: open/close the inspector) during turns "
          f"whose brains take {THINK_S:g} s (one CPU-bound in {CHUNK_S * 1000:.0f} ms chunks in a thread)")
    report(samples)
    print(probe.collector_line())
    handled = [s[1] for s in samples]
    opened = [s[2] for s in samples if s[0] == "i-open"]
    opened_cpu = [s[3] for s in samples if s[0] == "i-open"]
    print(f"RESULT ui_key_latency_ms_median={statistics.median(handled):.1f} max={max(handled):.1f}")
    if opened:
        print(f"RESULT inspector_open_ms_first={opened[0]:.1f} median={statistics.median(opened):.1f} "
              f"max={max(opened):.1f} cpu_first={opened_cpu[0]:.1f} cpu_median={statistics.median(opened_cpu):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
