"""The OpenAI-compatible brain: request shape, and every failure a fault, never an exception."""

import asyncio
import json

import httpx2 as httpx  # the HTTP library the openai client is built on
import pytest
from openai import AsyncOpenAI

from engine.brains.openai_compat import OpenAIBrain
from engine.models.registry import load_registry


def brain_with(handler, model_id="smollm2-135m", timeout_s=5.0):
    reg = load_registry(None)
    spec = reg.get(model_id).model_copy(update={"backend": "openai", "base_url": "http://wood.test/v1"})
    client = AsyncOpenAI(base_url=spec.base_url, api_key="x", max_retries=0,
                         http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    return OpenAIBrain(spec, reg, client=client, timeout_s=timeout_s)


def decide(brain):
    return asyncio.run(brain.decide(None, "You are Oona. Answer in JSON."))


def test_chat_model_gets_messages_and_a_schema():
    seen = {}

    def handler(request):
        seen["path"] = request.url.path
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json={
            "id": "1", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": '{"orders": []}'}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}})

    reply = decide(brain_with(handler))
    assert reply.fault is None and reply.raw == '{"orders": []}' and reply.tokens == 4
    assert seen["path"] == "/v1/chat/completions"
    body = seen["body"]
    assert body["messages"] == [{"role": "user", "content": "You are Oona. Answer in JSON."}]
    assert body["max_tokens"] == 128
    assert "orders" in body["structured_outputs"]["json"]["properties"]


def test_template_model_gets_the_rendered_prompt_on_completions():
    seen = {}

    def handler(request):
        seen["path"] = request.url.path
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json={
            "id": "1", "object": "text_completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "text": '{"gossip": "hi"}'}]})

    reply = decide(brain_with(handler, "gemma3-270m"))
    assert reply.raw == '{"gossip": "hi"}'
    assert seen["path"] == "/v1/completions"
    assert seen["body"]["prompt"].startswith("You are Oona.")
    assert seen["body"]["prompt"] != "You are Oona. Answer in JSON."  # the registry template wraps it


@pytest.mark.parametrize("handler, why, kind", [
    (lambda r: httpx.Response(500, json={"error": {"message": "engine died"}}), "InternalServerError",
     "server_error"),
    (lambda r: httpx.Response(200, json={"id": "1", "object": "chat.completion", "created": 0,
                                         "model": "m", "choices": []}), "no choice", "server_error"),
    (lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused")), "APIConnectionError", "refused"),
])
def test_failures_are_faults(handler, why, kind):
    reply = decide(brain_with(handler))
    assert reply.raw == "" and why in reply.fault and reply.fault_kind == kind


def test_a_slow_server_times_out_as_a_fault():
    async def handler(request):
        await asyncio.sleep(2)
        return httpx.Response(200, json={})

    reply = decide(brain_with(handler, timeout_s=0.2))
    assert reply.fault is not None and ("timed out" in reply.fault or "Timeout" in reply.fault)
    assert reply.fault_kind == "timeout"


def test_a_server_that_is_down_is_counted_as_refused_not_as_a_timeout(tmp_path):
    """Regression (issue 11): a refused connection was counted as `timeouts: 1` in the summary."""
    import socket

    from engine.play.traces import trace_row
    from tests.conftest import play, scripted_game

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reg = load_registry(None)
    spec = reg.get("smollm2-135m").model_copy(update={"backend": "openai",
                                                      "base_url": f"http://127.0.0.1:{port}/v1"})
    game = scripted_game(3)
    game.brains["Sorrel"] = OpenAIBrain(spec, reg, timeout_s=5.0)
    records = play(game, 2)
    asyncio.run(game.close())
    figures = game.model_summary()["smollm2-135m"]
    assert figures["timeouts"] == 0
    assert figures["faults"]["refused"] == 2 and sum(figures["faults"].values()) == 2
    assert game.state.metrics.faults == 2
    row = trace_row(records[0], next(d for d in records[0].decisions if d.trader == "Sorrel"))
    assert row["fault_kind"] == "refused" and row["fault"]
