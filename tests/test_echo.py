"""The echo guard: every run of three words of the gossip a prompt quotes is sent as vLLM's bad_words,
by both backends, unless the registry entry turns it off; the real engine then never writes one."""

from __future__ import annotations

import asyncio
import random

import pytest

from engine.brains.vllm import VLLMBrain
from engine.lab.evaluation.sense import normalise
from engine.mind.echo import DEFAULT_LIMIT, ECHO_WORDS, GUARDED_LINES, SHORT_RUN, echo_phrases
from engine.mind.prompt import SUGGESTED_HEAD
from engine.mind.view import View, read_said, view_for
from tests.conftest import play, scripted_game
from tests.test_probes import PrefillCountingLLM, fake_vllm, pool_with  # noqa: F401 (fake_vllm: a fixture)

HEARD = ['turn 5: Oona says: "buy, sell, buy"', "turn 5: honey: 2 sold at 6 (Oona->Fennick 2@6)",
         'turn 6: Fennick says: "Winter blows cold on the wood"', 'turn 6: Sorrel says: "Go!"']


@pytest.fixture(scope="module")
def view() -> View:
    game = scripted_game(seed=7)
    play(game, 5)
    return view_for(game.state, "Bramble").model_copy(update={"events": HEARD})


def _guarded() -> list[str]:
    """The phrases of the prompt's fixed lines, which come first whatever the news."""
    return echo_phrases(View.model_construct(events=[]))


def test_the_suggestions_heading_is_guarded_first_whatever_the_news(view):
    """Gemma wrote the heading's "yours to change" as its gossip (issue 15, seeds 97-106)."""
    guarded = _guarded()
    assert guarded == ["yours to change", "Yours to change"]
    assert all(line.lower() in SUGGESTED_HEAD.lower() for line in GUARDED_LINES)
    assert echo_phrases(view)[:len(guarded)] == guarded
    assert echo_phrases(view, limit=1) == guarded[:1]


def test_every_three_word_run_of_each_quoted_line_is_guarded_newest_first(view):
    phrases = echo_phrases(view)[len(_guarded()):]
    assert phrases[:2] == ["Winter blows cold", "winter blows cold"]
    for run in ("Winter blows cold", "blows cold on", "cold on the", "on the wood", "buy, sell", "sell, buy"):
        assert run in phrases
    assert "Buy, sell" in phrases  # a line that starts in lower case may be said capitalised
    assert not any("Go" in p or "sold" in p for p in phrases)  # one word is no echo; trades are not gossip
    assert "buy, sell, buy" not in phrases  # a line of three words: its two-word runs, which hold it
    assert all(len(p.split()) == (ECHO_WORDS if "buy" not in p.lower() else SHORT_RUN) for p in phrases)


def test_the_phrases_stop_at_the_limit_keeping_the_newest(view):
    guarded = len(_guarded())
    assert echo_phrases(view, limit=guarded + 3)[guarded:] == ["Winter blows cold", "winter blows cold",
                                                               "blows cold on"]
    rng = random.Random(3)
    words = ["honey", "acorns", "berries", "firewood", "cold", "dear", "cheap", "wood", "sell", "buy", "now"]
    many = view.model_copy(update={"events": [f'turn {t}: Oona says: "{" ".join(rng.choices(words, k=9))}"'
                                              for t in range(40)]})
    assert len(echo_phrases(many)) == DEFAULT_LIMIT  # vLLM counts each up to twice against its cap of 128


def test_the_creatures_own_view_is_all_the_guard_reads(view):
    """Every guarded phrase is in a gossip line of the view's news or in the prompt's fixed lines, as said
    or in another case."""
    said = " | ".join([*(read_said(e)[1].lower() for e in view.events if read_said(e)),
                       *(line.lower() for line in GUARDED_LINES)])
    assert all(p.lower() in said for p in echo_phrases(view))


def test_vllm_requests_carry_the_phrases_as_bad_words(fake_vllm, view):
    llm = PrefillCountingLLM()
    pool = pool_with(llm, on_cpu=False)
    asyncio.run(VLLMBrain("smollm2-135m", pool).decide(view, "prompt"))
    asyncio.run(VLLMBrain("smollm2-135m", pool).decide(None, "prompt"))
    assert llm.sent[0].bad_words == echo_phrases(view)
    assert llm.sent[1].bad_words is None  # no view, nothing quoted
    engine = pool.engines["smollm2-135m"]
    engine.spec = engine.spec.model_copy(update={"sampling": engine.spec.sampling.model_copy(
        update={"echo_guard": False})})
    asyncio.run(VLLMBrain("smollm2-135m", pool).decide(view, "prompt"))
    assert llm.sent[2].bad_words is None


def test_openai_requests_carry_them_too_unless_turned_off(view):
    from engine.brains.openai_compat import OpenAIBrain
    from engine.models.registry import load_registry

    reg = load_registry(None)
    spec = reg.get("smollm2-135m").model_copy(update={"backend": "openai"})
    on = OpenAIBrain(spec, reg).request("Answer.", view)[1]
    assert on["extra_body"]["bad_words"] == echo_phrases(view)
    off_spec = spec.model_copy(update={"sampling": spec.sampling.model_copy(update={"echo_guard": False})})
    assert "bad_words" not in OpenAIBrain(off_spec, reg).request("Answer.", view)[1].get("extra_body", {})


def test_a_registry_file_can_turn_the_guard_off(tmp_path):
    from engine.models.registry import load_registry

    text = (tmp_path / "m.toml")
    text.write_text('[models.quiet]\ndisplay_name = "Quiet"\nlab = "Us"\nbackend = "openai"\n'
                    'base_url = "http://127.0.0.1:9/v1"\n[models.quiet.sampling]\necho_guard = false\n')
    assert load_registry(text).get("quiet").sampling.echo_guard is False
    assert load_registry(None).get("gemma3-270m").sampling.echo_guard is True


def contains_run(text: str, line: str) -> bool:
    """Whether `text` says ECHO_WORDS words in a row of `line` (normalised as the voice measures do)."""
    words = normalise(line).split()
    runs = [" ".join(words[i:i + ECHO_WORDS]) for i in range(len(words) - ECHO_WORDS + 1)]
    return any(f" {r} " in f" {normalise(text)} " for r in runs)


def test_contains_run_sees_an_echo_through_punctuation_and_case():
    assert contains_run("Oh! WINTER blows, cold friends", "Winter blows cold on the wood")
    assert not contains_run("winter blows hard", "Winter blows cold on the wood")
