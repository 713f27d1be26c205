"""The coming turn is opened before the player decides: the desk sees the world the brains will see.

The world's moves of a turn (production, legends beginning, what the Patron hears ahead) happen
before anyone decides. A person at the desk must see them before queuing moves, not one turn late,
while saves keep holding the game between two turns.
"""

import asyncio

from engine.core.newgame import new_game
from engine.play.game import Game, state_hash
from engine.play.headless import RunOptions, make_brains
from engine.play.saves import load_state
from engine.play.scenario_files import load_scenario
from tokenwood_tui.session import open_session


def _play(seed: int, turns: int, open_first: bool) -> str:
    async def run() -> str:
        sc = load_scenario()
        state = new_game(sc, seed, {t.name: "scripted" for t in sc.traders})
        brains, quirks, _ = await make_brains(state, RunOptions(council="scripted", seed=seed))
        game = Game(state=state, brains=brains, quirks=quirks)
        for _ in range(turns):
            if open_first:
                game.open_turn()
                game.open_turn()  # opening twice moves the world once
            await game.play_turn()
        return state_hash(game.state)
    return asyncio.run(run())


def test_an_opened_turn_plays_exactly_like_an_unopened_one():
    for seed in (1, 2, 3):
        assert _play(seed, 14, open_first=True) == _play(seed, 14, open_first=False)


def test_the_desk_hears_a_legend_on_the_turn_it_is_heard_and_saves_stay_between_turns(tmp_path):
    async def run(seed: int) -> bool:
        session = open_session("play", council="scripted", seed=seed, saves_dir=tmp_path)
        await session.start_brains()
        try:
            while not session.state.hidden.foreknowledge:
                if session.over:
                    return False
                assert not session.patron_view().patron.heard
                await session.step()
            # the turn on which it is heard is open: the desk knows before deciding, like a Patron's brief
            assert session.game.turn_open
            assert session.patron_view().patron.heard
            saved = load_state(session.save(tmp_path / "mid.json"))
            assert saved.public.turn == session.state.public.turn  # a save holds the game between turns ...
            assert not saved.hidden.foreknowledge  # ... before the world moved
            # the loaded save opens the same turn again, and play goes on exactly as without the save
            other = open_session("play", council="scripted", load=str(tmp_path / "mid.json"), saves_dir=tmp_path)
            await other.start_brains()
            assert other.patron_view().patron.heard == session.patron_view().patron.heard
            await session.step()
            await other.step()
            assert state_hash(other.state) == state_hash(session.state)
            await other.close_brains()
            return True
        finally:
            await session.close_brains()

    assert any(asyncio.run(run(seed)) for seed in range(1, 6))


def test_an_abandoned_turn_goes_back_to_the_same_opened_world(tmp_path):
    async def run() -> None:
        session = open_session("play", council="scripted", seed=5, saves_dir=tmp_path)
        await session.start_brains()
        await session.step()
        opened = state_hash(session.state)
        session._before = session._pristine.model_copy(deep=True)  # as if a turn were running
        session.state.hidden.holdings["Oona"].pebbles += 99  # ... and had half happened
        session.abandon_turn()
        assert session.game.turn_open and state_hash(session.state) == opened
        await session.close_brains()

    asyncio.run(run())
