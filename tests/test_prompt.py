"""The prompt's order serves the prefix cache: shared opening, then the creature's, then the turn's."""

from __future__ import annotations

import os

from engine.mind.prompt import ANSWER_FORMAT, build_prompt
from engine.mind.view import view_for
from tests.conftest import play, scripted_game


def _prompts_by_turn(turns: int) -> list[dict[str, str]]:
    game = scripted_game(seed=7)
    names = [t.name for t in game.state.scenario.traders]
    out = []
    for _ in range(turns):
        out.append({n: build_prompt(view_for(game.state, n)) for n in names})
        play(game, 1)
    return out


def _common_prefix(a: str, b: str) -> str:
    return os.path.commonprefix([a, b])


def test_every_creature_and_turn_opens_with_the_same_answer_format():
    seen = _prompts_by_turn(3)
    prompts = [p for turn in seen for p in turn.values()]
    assert all(p.startswith(ANSWER_FORMAT + "\n\nYou are ") for p in prompts)
    assert ANSWER_FORMAT.count("JSON") == 1 and all(p.count(ANSWER_FORMAT) == 1 for p in prompts)


def test_a_creatures_opening_stays_the_same_from_turn_to_turn():
    first, later = _prompts_by_turn(4)[0], _prompts_by_turn(4)[3]
    for name, prompt in first.items():
        shared = _common_prefix(prompt, later[name])
        # the answer format, who it is, what it makes, what it eats: all before the turn number
        assert shared.endswith("\n\nTurn "), shared[-80:]
        assert f"You are {name} " in shared and "You must NEVER buy" in shared and "meals a turn" in shared
        assert len(shared) > len(ANSWER_FORMAT) + 150
