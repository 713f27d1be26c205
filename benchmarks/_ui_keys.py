"""Key presses timed in the real app, shared by the UI benchmarks (run_all.py skips `_` modules).

    probe = KeyProbe(app)                      wraps the actions `f` and `i` run (and the inspector's close)
    await probe.press_while(running, seconds)  presses f, i, i ... while running(): (key, handled, painted, cpu)
    report(samples)                            median and max per key: handled, painted, cpu
    probe.collector_line()                     the cycle collector's passes that ran while a key waited
    async with warmed_watch_app(turns) as (app, pilot, probe)   a scripted watch game, `turns` played
    await end_turn(app, pilot)                 the turn's workers done, back on the board

A key is sent the way the terminal driver sends it (Pilot's own press also waits for the CPU to be
idle, which would hide the latency being measured). "Handled" is the time from the press until its
action has run; "painted" until the screen has been refreshed after it; "cpu" is the CPU time the
app's thread spent from the press to the paint (on a machine busy with other work the wall-clock
figures also hold the time other processes had the processor; this one does not).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import tempfile
import time
from contextlib import asynccontextmanager

from textual import events

from tokenwood_tui.app import TokenwoodApp
from tokenwood_tui.screens.inspector import InspectorScreen
from tokenwood_tui.session import open_session

KEYS = ("f", "i-open", "i-close")
"""The keys pressed in turn: `f` rewrites the public record under a new filter, `i` opens the
inspector and `i` again closes it."""

GAP_S = 0.1
"""Seconds between one key's paint and the next press."""


@asynccontextmanager
async def warmed_watch_app(turns: int):
    """A scripted `watch` game (seed 3, 140 x 45, no animation) with `turns` played: (app, pilot, probe)."""
    with tempfile.TemporaryDirectory() as saves:
        app = TokenwoodApp(open_session("watch", "scripted", 3, saves_dir=saves))
        app.animation_level = "none"
        probe = KeyProbe(app)
        async with app.run_test(size=(140, 45)) as pilot:
            while not app.session.ready:
                await pilot.pause(0.05)
            for _ in range(turns):
                await pilot.press("space")
                await app.workers.wait_for_complete()
                await pilot.pause()
            yield app, pilot, probe


async def end_turn(app, pilot) -> None:
    """Wait for the turn's workers, then go back to the board if a key left another screen open."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    if app.screen is not app.board_screen:
        await pilot.press("escape")


def send_key(app, key: str) -> None:
    """Send a key the way the terminal driver does."""
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)


class KeyProbe:
    """Marks when a probed action ran and when the screen was refreshed after it."""

    def __init__(self, app) -> None:
        self.app = app
        self.mark: dict[str, float] = {}
        self.waiting = False
        """Whether a pressed key has not been painted yet."""
        self.passes: list[float] = []
        """CPU seconds of each cycle collector pass that ran while a key waited."""
        self._pass_started = 0.0
        app.action_filter = self._wrap(app.action_filter)
        app.action_inspect = self._wrap(app.action_inspect)
        InspectorScreen.action_close = self._wrap(InspectorScreen.action_close)
        gc.callbacks.append(self._collector)

    def _collector(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._pass_started = time.thread_time()
        elif self.waiting:
            self.passes.append(time.thread_time() - self._pass_started)

    def collector_line(self) -> str:
        """How often the cycle collector ran while a key waited, and for how long."""
        longest = max(self.passes, default=0.0) * 1000
        return (f"cycle collector passes while a key waited: {len(self.passes)}, "
                f"{sum(self.passes) * 1000:.0f} ms of CPU in all, the longest {longest:.0f} ms")

    def _wrap(self, action):
        def wrapped(*args):
            result = action(*args)
            self.mark["handled"] = time.perf_counter()
            self.app.call_after_refresh(lambda: self.mark.setdefault("painted", time.perf_counter()))
            return result
        return wrapped

    async def press(self, key: str) -> tuple[float, float, float]:
        """Press `key` (an `f` or an `i`); (handled, painted, cpu) milliseconds (5 s when it never came)."""
        self.mark.clear()
        self.waiting = True
        t0, c0 = time.perf_counter(), time.thread_time()
        send_key(self.app, key)
        while "painted" not in self.mark and time.perf_counter() - t0 < 5:
            await asyncio.sleep(0.001)
        now, cpu = time.perf_counter(), time.thread_time() - c0
        self.waiting = False
        return (self.mark.get("handled", now) - t0) * 1000, (self.mark.get("painted", now) - t0) * 1000, cpu * 1000

    async def press_while(self, running, seconds: float) -> list[tuple[str, float, float, float]]:
        """Press f, i, i, f ... while `running()` holds, for at most `seconds`; (key, handled, painted, cpu)."""
        samples = []
        started = time.perf_counter()
        k = 0
        while running() and time.perf_counter() - started < seconds:
            label = KEYS[k % len(KEYS)]
            samples.append((label, *await self.press(label[0])))
            k += 1
            await asyncio.sleep(GAP_S)
        return samples


def report(samples: list[tuple[str, float, float, float]]) -> None:
    """Print median and max per key: handled, painted, and the app thread's CPU until painted."""
    for i, label in ((1, "handled"), (2, "painted"), (3, "cpu")):
        lat = [s[i] for s in samples]
        print(f"{label:8} median {statistics.median(lat):6.1f} ms   max {max(lat):6.1f} ms")
        for key in KEYS:
            mine = [s[i] for s in samples if s[0] == key]
            if mine:
                print(f"  {key:8} median {statistics.median(mine):6.1f} ms   max {max(mine):6.1f} ms  ({len(mine)})")
