"""Streaming on the screen: a spectator watches four answers being written; a player sees figures only.

Every creature's brain is a fake streaming brain whose answer carries, in a field the parser ignores,
a hidden fact (its purse as its prompt says it), a canary and "Behind the curtain". Each fake is held
once that has been written, so the screen is looked at while all four answers are being written.
"""

from __future__ import annotations

import asyncio

from engine.core import firewall
from engine.core.scenario import PATRON
from tests.streaming_fakes import StreamingFake
from tests.tui.conftest import SIZE, make_app, settle, shown
from tests.tui.test_screen_firewall import leaks
from tokenwood_tui.guard import region_text, render_strips
from tokenwood_tui.screens.inspector import InspectorScreen
from tokenwood_tui.widgets.tables import CreaturesPanel

CREATURES = ("Oona", "Sorrel", "Fennick", "Bramble")


def secret_of(state, name: str) -> str:
    """What `name`'s streamed answer hides: its purse, a canary, a spectator's heading."""
    purse = state.hidden.holdings[name].pebbles
    return f"You have {purse} pebbles and {firewall.canary(state.hidden.salt, name, 1)} Behind the curtain"


def stream_all(app, gate: asyncio.Event, held: list) -> dict[str, StreamingFake]:
    """Swap every creature's brain for a fake streaming one (the Patron keeps its own)."""
    fakes = {}
    for name, observed in app.session.game.brains.items():
        if name != PATRON:
            observed.inner = fakes[name] = StreamingFake(observed.inner, secret_of(app.session.state, name),
                                                         gate=gate, halfway=held)
    return fakes


async def hold_turn(app, pilot, held: list) -> None:
    """Start a turn and wait until all four creatures are held mid-answer and the ticker has shown them."""
    held.clear()
    await pilot.press("space")
    for _ in range(500):
        if len(held) == len(CREATURES):
            break
        await pilot.pause(0.01)
    assert len(held) == len(CREATURES), "every creature is writing"
    await pilot.pause(0.25)  # the ticker (10 a second) shows the latest progress


async def release(app, pilot, gate: asyncio.Event) -> None:
    gate.set()
    await settle(app, pilot)
    gate.clear()


def traders_panel(app) -> str:
    return " ".join(region_text(render_strips(app.screen), app.board_screen.query_one("#traders")).split())


async def test_a_played_season_streams_figures_and_never_text(saves):
    app = make_app(saves, seed=5)
    gate, held = asyncio.Event(), []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        fakes = stream_all(app, gate, held)
        state = lambda: app.session.state  # noqa: E731
        for turn in range(1, 41):
            await hold_turn(app, pilot, held)
            secrets = [fake.secret for fake in fakes.values()]
            text = await shown(app, pilot)
            assert leaks(text, state()) == [], f"turn {turn}, mid-stream"
            assert not any(s in text or s[:20] in text for s in secrets), f"turn {turn}"
            assert not any(part in text for part in ('"scratch"', '{"', "pebbles and")), f"turn {turn}"
            panel = traders_panel(app)
            assert panel.count(" tok ") == len(CREATURES), f"turn {turn}: every creature's figures show"
            assert "of at most" in panel
            if turn in (8, 25):
                await pilot.press("i")
                await pilot.pause(0.25)
                assert isinstance(app.screen, InspectorScreen)
                text = await shown(app, pilot)
                assert "Writing now" in text and "of at most" in text
                assert leaks(text, state()) == [] and not any(s[:20] in text for s in secrets)
                await pilot.press("escape")
                await pilot.pause()
            await release(app, pilot, gate)
            assert state().public.turn == turn
            if turn < 40:
                text = await shown(app, pilot)
                assert leaks(text, state()) == [], f"turn {turn}, resolved"
                assert " tok " not in traders_panel(app)  # the figures go when the turn resolves
        assert all(len(f.streamed) > 40 for f in fakes.values())
        assert app.withheld == []  # clean by construction: the text never reached a widget


async def test_a_spectator_watches_four_answers_being_written(saves):
    app = make_app(saves, "watch", seed=5)
    gate, held = asyncio.Event(), []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        fakes = stream_all(app, gate, held)
        await hold_turn(app, pilot, held)
        panel = traders_panel(app)
        assert panel.count(" tok ") == len(CREATURES)
        live = app.board_screen.query_one(CreaturesPanel).live
        for name, fake in fakes.items():  # each row shows the tail of what its creature has written
            tail = live[name].plain.lstrip("\u2026")
            assert len(tail) > 10 and " ".join(fake.streamed[-1].split()).endswith(tail) and tail[-10:] in panel
        await pilot.press("i")
        await pilot.pause(0.25)
        text = await shown(app, pilot)
        assert "Writing now" in text
        assert all(secret_of(app.session.state, name)[:24] in text for name in CREATURES)
        await release(app, pilot, gate)
        text = await shown(app, pilot)
        assert "Writing now" not in text  # the live area folds away when the turn resolves
