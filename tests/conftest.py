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

PATIENT_S = 600
"""Seconds a decision may take in the real-path tests (tests/test_vllm_real.py, test_real_council.py):
they check the path, not the machine's speed (a loaded or slow CPU would turn the measured deadline into
timeouts; the deadlines have their own test)."""


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


@pytest.fixture(scope="session", autouse=True)
def own_config_and_logs(tmp_path_factory):
    """No test reads the user's configuration file or writes to the user's log folder."""
    home = tmp_path_factory.mktemp("user")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOKENWOOD_CONFIG", str(home / "config.toml"))
        mp.setenv("TOKENWOOD_LOG_DIR", str(home / "log"))
        yield home


@pytest.fixture
def launched(monkeypatch):
    """What `run_app` (`tokenwood play|watch`) was called with, instead of starting the UI, on a
    machine without a GPU."""
    import engine.models.hardware
    import tokenwood_tui.app as app_module

    seen = []
    monkeypatch.setattr(app_module, "run_app", lambda mode, **kw: seen.append((mode, kw)) or 0)
    monkeypatch.setattr(engine.models.hardware, "has_gpu", lambda: False)
    return seen


@pytest.fixture
def scenario():
    return load_scenario()


@pytest.fixture(autouse=True)
def _forget_inline_models():
    """Inline models a test's council named (`engine.models.inline`) do not follow it into the next test."""
    yield
    from engine.models.registry import clear_session_models
    clear_session_models()
