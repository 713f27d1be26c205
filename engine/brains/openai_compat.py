"""A brain behind any OpenAI-compatible server: `vllm serve`, llama.cpp's server, Ollama, a GPU box.

    prompt -> (registry template | chat messages) -> HTTP request -> Reply(raw text)

Models whose registry entry names a template are sent the rendered text on the completions
endpoint; the others are sent one user message on the chat endpoint (the server applies the
tokenizer's template). Structured outputs are asked for as vLLM's `structured_outputs` extra field
(and, on the chat endpoint, the standard `response_format`, which other servers understand).
Every failure (timeout, refused connection, an error status, an empty choice) is a `Reply` with
`fault` and its `fault_kind` set (`fault_kind_of`): the creature hesitates and the game goes on.

Given `on_progress`, the answer is asked for as a stream (`stream=True`) and reported as it comes;
a server that will not stream (it refuses the request with 400, 422 or 501, or sends no chunk) is
asked again plainly, and not asked to stream again. The timeout covers both requests together.
"""

from __future__ import annotations

import asyncio
import time

from engine.brains.base import FaultKind, Progress, ProgressFn, Reply, report_progress
from engine.core.answer import limit_schema
from engine.mind.echo import echo_phrases
from engine.mind.prompt import answer_schema
from engine.mind.view import View


NO_STREAM_STATUS = frozenset({400, 422, 501})
"""HTTP statuses with which a server refuses a request it would answer without `stream=True`."""


class OpenAIBrain:
    """One creature's brain on an OpenAI-compatible server (shares a client with its model's others)."""

    streams = True
    """It can report its answer as it is written (`decide`'s `on_progress`)."""
    seeded = True
    """It can ask the server to sample from a seed (`decide`'s `seed`; servers that ignore it sample freely)."""

    def __init__(self, spec, registry, *, client=None, timeout_s: float = 60.0,
                 server_model: str | None = None) -> None:
        self.spec = spec
        self.registry = registry
        self.model = spec.id
        self.timeout_s = timeout_s
        self.server_model = server_model or spec.server_model
        self._client = client
        self._owns_client = client is None
        self.can_stream = True
        """Whether the server is asked to stream (False once it would not)."""

    def client(self):
        """The async OpenAI client (made on first use), with the key from the variable the entry names."""
        if self._client is None:
            from openai import AsyncOpenAI

            from engine.models.registry import api_key
            self._client = AsyncOpenAI(base_url=self.spec.base_url, api_key=api_key(self.spec), max_retries=0,
                                       timeout=self.timeout_s)
        return self._client

    def request(self, prompt: str, view: View | None = None, seed: int | None = None) -> tuple[str, dict]:
        """(endpoint, keyword arguments) for one answer: "chat" or "completions" (`seed`: the
        standard `seed` field, sent only when given)."""
        s = self.spec.sampling
        kwargs: dict = {"model": self.server_model, "temperature": s.temperature, "top_p": s.top_p,
                        "max_tokens": s.max_tokens}
        if seed is not None:
            kwargs["seed"] = seed
        if s.frequency_penalty:
            kwargs["frequency_penalty"] = s.frequency_penalty
        extra: dict = {}
        if s.repetition_penalty != 1.0:
            extra["repetition_penalty"] = s.repetition_penalty
        avoid = echo_phrases(view) if s.echo_guard and view is not None else []
        if avoid:
            extra["bad_words"] = avoid
        mode = self.spec.structured.mode
        so = self.spec.structured
        schema = limit_schema(answer_schema(view), so.max_array_items, so.max_string_length)
        if mode == "json_schema":
            extra["structured_outputs"] = {"json": schema}
        elif mode == "regex":
            extra["structured_outputs"] = {"regex": self.spec.structured.regex}
        if not self.spec.quirks.skip_special_tokens:
            extra["skip_special_tokens"] = False
        rendered = self.registry.render(self.spec.id, prompt)
        if rendered is None:
            kwargs["messages"] = [{"role": "user", "content": prompt}]
            if mode == "json_schema":
                kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                    "name": "answer", "schema": schema}}
            endpoint = "chat"
        else:
            kwargs["prompt"] = rendered
            endpoint = "completions"
        if extra:
            kwargs["extra_body"] = extra
        return endpoint, kwargs

    async def decide(self, view: View, prompt: str, on_progress: ProgressFn | None = None,
                     seed: int | None = None) -> Reply:
        """Ask the server (streaming the answer into `on_progress` when given; sampling from `seed`
        when given); never raises."""
        started = time.perf_counter()
        try:
            endpoint, kwargs = self.request(prompt, view, seed)
            api = self.client().chat.completions if endpoint == "chat" else self.client().completions
            if on_progress is not None and self.can_stream:
                streamed = await asyncio.wait_for(self._stream(api, endpoint, kwargs, on_progress, started),
                                                  timeout=self.timeout_s)
                if streamed is not None:
                    text, tokens = streamed
                    return Reply(raw=text, model=self.model, latency_s=time.perf_counter() - started,
                                 tokens=tokens)
            left = self.timeout_s - (time.perf_counter() - started)
            resp = await asyncio.wait_for(api.create(**kwargs), timeout=max(left, 0.001))
            choice = resp.choices[0] if resp.choices else None
            if choice is None:
                raise ValueError("the server returned no choice")
            text = choice.message.content if endpoint == "chat" else choice.text
            tokens = getattr(getattr(resp, "usage", None), "completion_tokens", 0) or 0
            return Reply(raw=text or "", model=self.model, latency_s=time.perf_counter() - started,
                         tokens=tokens)
        except asyncio.TimeoutError:
            return self._fault(started, f"timed out after {self.timeout_s:.0f} s", "timeout")
        except Exception as err:  # connection refused, error status, malformed response
            return self._fault(started, f"{type(err).__name__}: {str(err)[:160]}", fault_kind_of(err))

    async def _stream(self, api, endpoint: str, kwargs: dict, on_progress: ProgressFn,
                      started: float) -> tuple[str, int] | None:
        """One streamed answer -> (text, tokens), reporting each chunk; None when the server will not stream.

        Tokens are the server's count when it sends one (`stream_options`), else the chunks that held text.
        """
        import openai

        try:
            stream = await api.create(**kwargs, stream=True, stream_options={"include_usage": True})
        except openai.APIStatusError as err:
            if err.status_code not in NO_STREAM_STATUS:
                raise
            self.can_stream = False
            return None
        pieces: list[str] = []
        chunks, usage = 0, 0
        try:
            async for chunk in stream:
                if getattr(chunk, "usage", None) is not None:
                    usage = chunk.usage.completion_tokens or usage
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                piece = (choice.delta.content if endpoint == "chat" else choice.text) or ""
                if piece:
                    pieces.append(piece)
                    chunks += 1
                    report_progress(on_progress, Progress(chunks, time.perf_counter() - started, "".join(pieces),
                                                          self.spec.sampling.max_tokens))
        finally:
            await stream.close()
        if not chunks and not usage:
            self.can_stream = False
            return None
        return "".join(pieces), usage or chunks

    def _fault(self, started: float, why: str, kind: FaultKind) -> Reply:
        return Reply(raw="", model=self.model, latency_s=time.perf_counter() - started, fault=why,
                     fault_kind=kind)

    async def close(self) -> None:
        """Close the HTTP client this brain made (a shared one is closed by its owner)."""
        if self._owns_client and self._client is not None:
            await self._client.close()
            self._client = None


def fault_kind_of(err: Exception) -> FaultKind:
    """The kind of fault an error of the OpenAI client is: its own timeout, a server that could not be
    reached, or anything else the server did (an error status, a malformed or empty answer)."""
    import openai

    if isinstance(err, (openai.APITimeoutError, asyncio.TimeoutError)):
        return "timeout"
    if isinstance(err, openai.APIConnectionError):
        return "refused"
    return "server_error"
