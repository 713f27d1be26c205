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
    assert body["max_tokens"] == 96
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


@pytest.mark.parametrize("handler, why", [
    (lambda r: httpx.Response(500, json={"error": {"message": "engine died"}}), "InternalServerError"),
    (lambda r: httpx.Response(200, json={"id": "1", "object": "chat.completion", "created": 0,
                                         "model": "m", "choices": []}), "no choice"),
    (lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused")), "APIConnectionError"),
])
def test_failures_are_faults(handler, why):
    reply = decide(brain_with(handler))
    assert reply.raw == "" and why in reply.fault


def test_a_slow_server_times_out_as_a_fault():
    async def handler(request):
        await asyncio.sleep(2)
        return httpx.Response(200, json={})

    reply = decide(brain_with(handler, timeout_s=0.2))
    assert reply.fault is not None and ("timed out" in reply.fault or "Timeout" in reply.fault)
