"""Streaming: brains report answers as they are written; the reply (and its parse) stays the whole answer."""

from __future__ import annotations

import asyncio
import json
import sys
from types import SimpleNamespace

import httpx2 as httpx
import pytest

from engine.brains.base import Progress, Reply, report_progress
from engine.brains.pace import Pace
from engine.brains.vllm import _run, _stream
from engine.core.scenario import PATRON
from engine.models.registry import load_registry
from tests.conftest import play, scripted_game
from tests.streaming_fakes import StreamingFake
from tests.test_openai_brain import brain_with
from tokenwood_tui.viewmodel import progress_note, progress_status, progress_tail

ANSWER = '{"orders": [], "gossip": "the honey is sweet"}'


# --- the game loop ------------------------------------------------------------------------------


def test_the_game_hands_progress_to_streaming_brains_only():
    game = scripted_game(seed=2)
    fakes = {name: StreamingFake(game.brains[name], "a secret note") for name in ("Oona", "Sorrel")}
    game.brains.update(fakes)
    heard: dict[str, list[Progress]] = {}
    game.on_progress = lambda who, p: heard.setdefault(who, []).append(p)
    [record] = play(game, 1)
    assert set(heard) == {"Oona", "Sorrel"}  # the scripted brains that cannot stream never report
    for name, fake in fakes.items():
        texts = [p.text for p in heard[name]]
        assert texts == fake.streamed and len(texts) == fake.chunks
        assert all(a == b[:len(a)] and len(a) < len(b) for a, b in zip(texts, texts[1:]))  # it grows
        decision = next(d for d in record.decisions if d.trader == name)
        assert decision.reply.raw == texts[-1]  # the reply is the whole streamed answer, parsed once
        assert "ignored_key:scratch" in decision.parsed.repairs


def test_without_a_listener_a_streaming_brain_is_asked_plainly():
    game = scripted_game(seed=2)
    game.brains["Oona"] = fake = StreamingFake(game.brains["Oona"], "a secret note")
    play(game, 1)
    assert fake.streamed == []


def test_streaming_does_not_change_the_game():
    plain, streamed = scripted_game(seed=4), scripted_game(seed=4)
    for name in [n for n in streamed.brains if n != PATRON]:
        streamed.brains[name] = StreamingFake(streamed.brains[name])  # no secret: the same answer text
    streamed.on_progress = lambda who, p: None
    play(plain, 5)
    play(streamed, 5)
    assert plain.state.model_dump() == streamed.state.model_dump()


def test_a_listener_that_fails_does_not_break_the_answer():
    game = scripted_game(seed=2)
    game.brains["Oona"] = StreamingFake(game.brains["Oona"])

    def broken(who, p):
        raise RuntimeError("the screen fell over")

    game.on_progress = broken
    [record] = play(game, 1)
    oona = next(d for d in record.decisions if d.trader == "Oona")
    assert oona.reply.fault is None and oona.parsed is not None
    report_progress(None, Progress(1, 0.1, "x"))  # no listener: nothing to call


# --- vLLM: DELTA outputs joined -------------------------------------------------------------------


class FakeLLM:
    """Yields one DELTA output per step (and an empty one), as AsyncLLM.generate does."""

    def __init__(self, pieces: list[tuple[str, int]]) -> None:
        self.pieces = pieces

    async def generate(self, prompt, params, request_id):
        yield SimpleNamespace(outputs=[])
        for text, n in self.pieces:
            await asyncio.sleep(0)
            yield SimpleNamespace(outputs=[SimpleNamespace(text=text, token_ids=list(range(n)))])


def fake_engine(pieces, pace=None):
    spec = load_registry(None).get("smollm2-135m")
    return SimpleNamespace(spec=spec, llm=FakeLLM(pieces), pace=pace, in_flight=2)


def test_vllm_deltas_join_into_the_whole_answer():
    pieces = [('{"ord', 2), ('ers": [], "go', 3), ('ssip": "the honey is sweet"}', 5)]
    heard: list[Progress] = []
    engine = fake_engine(pieces, Pace(prefill_s_per_token=0.001, step_s=0.01))
    text, tokens = asyncio.run(_stream(engine, ({}, None), "r1", heard.append, 0.0))
    assert text == ANSWER and tokens == 10
    assert [p.text for p in heard] == ['{"ord', '{"orders": [], "go', ANSWER]
    assert [p.tokens for p in heard] == [2, 5, 10]
    max_tokens = engine.spec.sampling.max_tokens
    assert heard[-1].max_tokens == max_tokens
    assert heard[-1].left_s == pytest.approx((max_tokens - 10) * 0.01 * 2)  # the batch of two shares each step


def test_vllm_stream_without_pace_has_no_estimate_and_an_empty_stream_fails():
    heard: list[Progress] = []
    asyncio.run(_stream(fake_engine([("{}", 1)]), ({}, None), "r2", heard.append, 0.0))
    assert heard[-1].left_s is None
    with pytest.raises(RuntimeError, match="no output"):
        asyncio.run(_stream(fake_engine([]), ({}, None), "r3", heard.append, 0.0))


def stub_vllm(monkeypatch) -> None:
    """Just enough of vLLM's request types for `_run` (the real package loads torch: slow)."""
    kinds = SimpleNamespace(FINAL_ONLY="FINAL_ONLY", DELTA="DELTA")
    params = SimpleNamespace(SamplingParams=lambda **kw: SimpleNamespace(**kw))
    monkeypatch.setitem(sys.modules, "vllm", params)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", SimpleNamespace(
        RequestOutputKind=kinds, StructuredOutputsParams=lambda **kw: SimpleNamespace(**kw)))


class RecordingLLM(FakeLLM):
    """A FakeLLM that keeps the sampling parameters of every request."""

    def __init__(self, pieces) -> None:
        super().__init__(pieces)
        self.asked: list = []

    async def generate(self, prompt, params, request_id):
        self.asked.append(params)
        async for out in super().generate(prompt, params, request_id):
            yield out


def test_without_a_listener_vllm_is_asked_for_the_whole_answer_only(monkeypatch):
    stub_vllm(monkeypatch)
    engine = fake_engine([(ANSWER, 10)])
    engine.llm = RecordingLLM([(ANSWER, 10)])
    engine.schema = None
    assert asyncio.run(_run(engine, [1, 2, 3])) == (ANSWER, 10)
    assert asyncio.run(_run(engine, [1, 2, 3], on_progress=lambda p: None)) == (ANSWER, 10)
    assert [p.output_kind for p in engine.llm.asked] == ["FINAL_ONLY", "DELTA"]


def test_no_stream_on_the_command_line_reaches_the_brains(monkeypatch, tmp_path):
    """`--no-stream` -> the configuration -> the session -> the game -> every brain asked plainly."""
    import tokenwood_tui.app as app_module
    from tokenwood_tui.cli import main

    (tmp_path / "config.toml").write_text(f'saves = "{tmp_path / "saves"}"\n')
    monkeypatch.setenv("TOKENWOOD_CONFIG", str(tmp_path / "config.toml"))
    sessions = []
    monkeypatch.setattr(app_module, "run_session", lambda session, *a, **kw: sessions.append(session) or 0)
    assert main(["watch", "--council", "scripted", "--no-stream"]) == 0
    assert main(["watch", "--council", "scripted"]) == 0
    streamed = {}
    for session, label in zip(sessions, ("off", "on")):
        session.on_brain_progress = lambda who, p: None  # what the app listens with
        asyncio.run(session.start_brains())
        fakes = []
        for name, observed in session.game.brains.items():
            if name != PATRON:
                observed.inner = StreamingFake(observed.inner)
                fakes.append(observed.inner)
        asyncio.run(session.step())
        streamed[label] = [len(f.streamed) for f in fakes]
    assert streamed["off"] == [0, 0, 0, 0] and all(streamed["on"])
    assert [s.saves_dir for s in sessions] == [tmp_path / "saves"] * 2


# --- OpenAI-compatible servers: stream=True, and a fallback ---------------------------------------


def sse(*events: dict) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


def chat_chunk(content: str | None, usage: int | None = None) -> dict:
    choices = [] if content is None else [{"index": 0, "delta": {"content": content}, "finish_reason": None}]
    chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": choices}
    if usage is not None:
        chunk["usage"] = {"prompt_tokens": 5, "completion_tokens": usage, "total_tokens": 5 + usage}
    return chunk


def decide(brain, heard):
    return asyncio.run(brain.decide(None, "You are Oona. Answer in JSON.", on_progress=heard.append))


def test_openai_chat_streams_into_progress():
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse(
            chat_chunk('{"orders": [], '), chat_chunk('"gossip": "the honey is sweet"}'), chat_chunk(None, usage=12)))

    heard: list[Progress] = []
    reply = decide(brain_with(handler), heard)
    assert reply.fault is None and reply.raw == ANSWER and reply.tokens == 12
    assert [p.text for p in heard] == ['{"orders": [], ', ANSWER]
    assert bodies[0]["stream"] is True and bodies[0]["stream_options"] == {"include_usage": True}


def test_openai_completions_stream_counts_chunks_without_usage():
    def handler(request):
        chunks = [{"id": "1", "object": "text_completion", "created": 0, "model": "m",
                   "choices": [{"index": 0, "text": t, "finish_reason": None}]} for t in ('{"gossip"', ': "hi"}')]
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse(*chunks))

    heard: list[Progress] = []
    reply = decide(brain_with(handler, "gemma3-270m"), heard)
    assert reply.raw == '{"gossip": "hi"}' and reply.tokens == 2 and len(heard) == 2


def test_a_server_that_will_not_stream_is_asked_plainly_and_not_again():
    streamed = []

    def handler(request):
        body = json.loads(request.content)
        streamed.append(bool(body.get("stream")))
        if body.get("stream"):
            return httpx.Response(400, json={"error": {"message": "stream is not supported"}})
        return httpx.Response(200, json={
            "id": "1", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": ANSWER}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14}})

    brain = brain_with(handler)
    heard: list[Progress] = []
    first, second = decide(brain, heard), decide(brain, heard)
    assert first.raw == second.raw == ANSWER and first.fault is None
    assert streamed == [True, False, False] and not brain.can_stream and heard == []


@pytest.mark.parametrize("status, kind", [(500, "server_error"), (503, "server_error")])
def test_a_stream_refused_with_a_server_error_is_a_fault_not_a_fallback(status, kind):
    reply = decide(brain_with(lambda r: httpx.Response(status, json={"error": {"message": "down"}})), [])
    assert reply.raw == "" and reply.fault_kind == kind


def test_a_slow_stream_times_out_as_a_fault():
    async def handler(request):
        await asyncio.sleep(2)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse(chat_chunk("{}")))

    reply = decide(brain_with(handler, timeout_s=0.2), [])
    assert reply.fault_kind == "timeout" and reply.raw == ""


def test_a_refused_stream_is_counted_as_refused():
    def handler(request):
        raise httpx.ConnectError("refused")

    reply = decide(brain_with(handler), [])
    assert reply.fault_kind == "refused"


# --- what the screen makes of progress ------------------------------------------------------------


def test_a_players_note_holds_figures_never_the_text():
    p = Progress(41, 2.14, "You have 12 pebbles and a secret", max_tokens=96, left_s=3.2)
    assert progress_status(p) == "41 tok 2.1 s"
    assert progress_note(p) == "41 of at most 96 tokens, at most 3 s left"
    assert "pebbles" not in progress_note(p) and "pebbles" not in progress_status(p)
    assert progress_note(Progress(5, 1.0, "x")) == "5 tokens"


def test_a_spectator_sees_the_tail_of_the_text_on_one_line():
    p = Progress(9, 1.0, '{"orders": [],\n  "gossip": "the honey is sweet"}')
    assert progress_tail(p, 200) == '{"orders": [], "gossip": "the honey is sweet"}'
    tail = progress_tail(p, 12)
    assert len(tail) == 12 and tail.startswith("\u2026") and tail.endswith('sweet"}')


def test_replies_still_pair_faults_with_kinds():
    with pytest.raises(ValueError):
        Reply(raw="", model="m", fault="x")
