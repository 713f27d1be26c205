"""The firewall: no hidden fact reaches any prompt, over full seasons and several seeds."""

import json
import re

import pytest

from engine.brains.base import Reply
from engine.core import firewall
from engine.core.firewall import CANARY_RE, scan, scrub_public_text
from engine.core.scenario import PATRON
from tests.conftest import play, scripted_game

SEEDS = [1, 2, 3, 4, 5]


def all_canaries(state) -> set[str]:
    return set(CANARY_RE.findall(json.dumps(state.hidden.model_dump(mode="json"))))


@pytest.mark.parametrize("seed", SEEDS)
def test_every_prompt_of_every_turn_is_clean(seed, tmp_path):
    traces = tmp_path / "traces.jsonl"
    game = scripted_game(seed, traces=traces)
    play(game, game.state.scenario.season_length)
    canaries = all_canaries(game.state)
    assert len(canaries) > 10  # the hidden ledger is full of marked facts
    rows = [json.loads(line) for line in traces.read_text().splitlines()]
    assert len(rows) == 5 * game.state.scenario.season_length
    for row in rows:
        result = scan(row["prompt"], patron=row["creature"] == PATRON)
        assert result.clean, (row["turn"], row["creature"], result.hits)
        assert not any(c in row["prompt"] for c in canaries)
        if row["creature"] != PATRON:
            assert "planted" not in row["prompt"]
    assert game.state.metrics.firewall_leaks == 0


def test_hidden_facts_carry_canaries():
    game = scripted_game(2)
    play(game, 20)
    hid = game.state.hidden
    marked = [*hid.holdings.values(), *hid.loans, *hid.tips, *hid.bribes, *hid.shorts, *hid.foreknowledge,
              *hid.evidence, *hid.thoughts]
    assert marked and all(CANARY_RE.fullmatch(x.canary) for x in marked)


def test_a_leaking_prompt_is_stopped_and_counted(monkeypatch):
    game = scripted_game(1)
    secret = game.state.hidden.holdings["Oona"].canary
    import engine.play.game as game_mod
    real = game_mod.build_prompt
    monkeypatch.setattr(game_mod, "build_prompt",
                        lambda view: real(view) + (f"\n{secret}" if view.me == "Sorrel" else ""))
    called = []

    class Spy:
        model = "spy"

        async def decide(self, view, prompt):
            called.append(view.me)
            return Reply(raw="{}", model="spy")

        async def close(self):
            pass

    game.brains["Sorrel"] = Spy()
    rec = play(game, 1)[0]
    assert called == []  # fail closed: the brain never saw the prompt
    assert game.state.metrics.firewall_leaks == 1
    sorrel = next(d for d in rec.decisions if d.trader == "Sorrel")
    assert secret in sorrel.leak
    assert any(e.kind == "hesitate" and "Sorrel" in e.actors for e in rec.report.events)


def test_banned_tokens_and_scrubbing():
    assert not scan("a fine day for honey").hits
    assert scan("the Patron's foreknowledge").hits == ("foreknowledge",)
    assert scan("x CANARY-0123456789ab y").clean is False
    assert scan("Tips you gave: told Oona honey will rise (true)", patron=True).clean
    assert scrub_public_text("my evidence: CANARY-0123456789ab") == "my …: …"


def _creature_prompts(record):
    return {d.trader: d.prompt for d in record.decisions if d.trader != PATRON}


def _tips(truth: bool) -> list[dict]:
    moves = []
    for turn in range(2, 30, 3):
        for creature, good in (("Sorrel", "honey"), ("Fennick", "firewood"), ("Oona", "berries")):
            moves.append({"turn": turn, "action": "tip", "creature": creature, "good": good,
                          "direction": "rise", "true": truth})
    return moves


def test_noninterference_tip_truth_changes_no_prompt_until_a_public_consequence():
    a, b = scripted_game(7, patron_moves=_tips(True)), scripted_game(7, patron_moves=_tips(False))
    compared, whispered = 0, 0
    diverged_at = None
    for _ in range(a.state.scenario.season_length):
        same_public = a.state.public.model_dump() == b.state.public.model_dump()
        ra, rb = play(a, 1)[0], play(b, 1)[0]
        if same_public:
            assert _creature_prompts(ra) == _creature_prompts(rb), ra.turn
            compared += 1
            whispered += sum("the Patron whispers" in p for p in _creature_prompts(ra).values())
        elif diverged_at is None:
            diverged_at = ra.turn
    assert a.state.hidden.tips[0].true != b.state.hidden.tips[0].true
    assert compared >= 3 and whispered >= 3  # the tips were heard while prompts stayed identical
    # The truth did have a public consequence: the magistrate acted on the true tips only.
    assert a.state.hidden.suspicion > b.state.hidden.suspicion
    assert diverged_at is not None


def test_noninterference_check_has_teeth(monkeypatch):
    """If a view leaked a tip's truth, the same comparison would catch it on the first whisper."""
    import engine.mind.view as view_mod
    real = view_mod.view_for

    def leaky(state, me):
        v = real(state, me)
        extra = [f"(it is {'really so' if t.true else 'a lie'})" for t in state.hidden.tips if t.creature == me]
        return v.model_copy(update={"whispers": v.whispers + extra})

    import engine.play.game as game_mod
    monkeypatch.setattr(game_mod, "view_for", leaky)
    a, b = scripted_game(7, patron_moves=_tips(True)), scripted_game(7, patron_moves=_tips(False))
    differs = False
    for _ in range(6):
        ra, rb = play(a, 1)[0], play(b, 1)[0]
        differs |= _creature_prompts(ra) != _creature_prompts(rb)
    assert differs
