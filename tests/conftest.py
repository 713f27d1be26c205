"""Small helpers to build games and play scripted seasons."""

from __future__ import annotations

import asyncio

import pytest

from engine.brains.patron import SchemingPatron, ScriptedPatron
from engine.brains.scripted import ScriptedCreature
from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.play.council import resolve_council
from engine.play.game import Game
from engine.play.scenario_files import load_scenario


def scripted_game(seed: int = 1, *, patron_moves: list[dict] | None = None, scenario=None,
                  traces=None, autosave=None, state=None) -> Game:
    """A game of the scripted council (the schemer Patron unless moves are given)."""
    sc = scenario or load_scenario()
    st = state or new_game(sc, seed, resolve_council("scripted", sc))
    brains = {t.name: ScriptedCreature(t.temperament) for t in st.scenario.traders}
    brains[PATRON] = ScriptedPatron(patron_moves) if patron_moves is not None else SchemingPatron()
    return Game(state=st, brains=brains, traces_path=traces, autosave_path=autosave)


def play(game: Game, turns: int) -> list:
    """Play `turns` turns synchronously; return the turn records."""
    records = []
    asyncio.run(game.play(turns, progress=records.append))
    return records


@pytest.fixture
def scenario():
    return load_scenario()


@pytest.fixture(autouse=True)
def _forget_inline_models():
    """Inline models a test's council named (`engine.models.inline`) do not follow it into the next test."""
    yield
    from engine.models.registry import clear_session_models
    clear_session_models()
