"""The cycle collector kept off the keys' backs: paused while a turn is decided, run once after it,
the heap set aside once the brains are awake, and everything given back when the app closes."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from engine.core.scenario import PATRON
from tests.streaming_fakes import StreamingFake
from tests.tui.conftest import SIZE, make_app, settle
from tokenwood_tui.collector import Collector


@pytest.fixture
def collector():
    """A collector, and the process's collector as it was afterwards, whatever the test did."""
    mine = Collector()
    yield mine
    mine.release()
    gc.enable()


def passes_during(action) -> list[int]:
    """The generations of the collector passes that ran during `action()`."""
    seen: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "stop":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    try:
        action()
    finally:
        gc.callbacks.remove(note)
    return seen


def test_a_paused_collector_runs_once_in_full_when_resumed(collector):
    collector.pause()
    assert not gc.isenabled()
    assert passes_during(collector.resume).count(2) == 1  # one full pass
    assert gc.isenabled()
    assert 2 not in passes_during(collector.resume)  # resumed already: nothing more


def test_a_collector_someone_else_turned_off_stays_off(collector):
    gc.disable()
    collector.pause()
    collector.resume()
    collector.release()
    assert not gc.isenabled()


def test_settling_sets_the_heap_aside_until_release(collector):
    assert 2 not in passes_during(collector.settle)  # the first time: nothing to collect, only set aside
    assert gc.get_freeze_count() > 0
    collector.pause()
    collector.release()
    assert gc.get_freeze_count() == 0 and gc.isenabled()


class Knot:
    """An object in a cycle with itself: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_settling_again_collects_what_was_set_aside(collector):
    gc.disable()  # the knot must still be there, unreachable, when the heap is set aside
    knot = Knot()
    gone = weakref.ref(knot)
    del knot
    collector.settle()
    gc.enable()
    gc.collect()
    assert gone() is not None  # set aside: no pass walks it
    collector.settle()
    assert gone() is None and gc.get_freeze_count() > 0  # woken again: collected, the rest set aside again


def hold_all(app, gate: asyncio.Event, held: list) -> None:
    """Every creature streams and holds mid-answer until `gate` opens."""
    for name, observed in app.session.game.brains.items():
        if name != PATRON:
            observed.inner = StreamingFake(observed.inner, "a note", gate=gate, halfway=held)


async def test_no_collector_pass_while_the_creatures_write(saves):
    app = make_app(saves, "watch")
    gate, held = asyncio.Event(), []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert gc.get_freeze_count() > 0  # the brains woke: the heap was set aside
        hold_all(app, gate, held)
        await pilot.press("space")
        while len(held) < 4:
            await pilot.pause(0.01)
        assert app.turn_running and not gc.isenabled()
        gate.set()
        await settle(app, pilot)
        assert not app.turn_running and gc.isenabled()  # the turn is over: on again
    assert gc.isenabled() and gc.get_freeze_count() == 0  # the app closed: the collector as it was


async def test_quitting_mid_turn_gives_the_collector_back(saves):
    app = make_app(saves, "watch")
    gate, held = asyncio.Event(), []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        hold_all(app, gate, held)
        await pilot.press("space")
        while len(held) < 4:
            await pilot.pause(0.01)
        assert not gc.isenabled()
        await pilot.press("q")
    assert gc.isenabled() and gc.get_freeze_count() == 0
