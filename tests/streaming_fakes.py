"""A fake streaming brain for tests: a scripted answer, written in chunks with small sleeps.

    StreamingFake(inner, secret)   decide() asks `inner`, puts `secret` in an ignored field at the
                                   front of its JSON, and reports the text chunk by chunk

A `gate` (an asyncio.Event) holds every fake, once its secret has been written and before its answer
ends, until the test opens it, so a test can look at the screen while four answers are being written.
"""

from __future__ import annotations

import asyncio
import json

from engine.brains.base import Progress, Reply, report_progress


class StreamingFake:
    """Wraps a brain; streams its answer (with `secret` in a field the parser ignores)."""

    streams = True

    def __init__(self, inner, secret: str = "", *, chunks: int = 8, pause_s: float = 0.001,
                 gate: asyncio.Event | None = None, halfway: list | None = None) -> None:
        self.inner, self.secret, self.chunks, self.pause_s = inner, secret, chunks, pause_s
        self.gate, self.halfway = gate, halfway if halfway is not None else []
        self.streamed: list[str] = []
        """Every text reported, in order."""

    @property
    def model(self) -> str:
        """The wrapped brain's model."""
        return self.inner.model

    async def decide(self, view, prompt: str, on_progress=None) -> Reply:
        """The inner brain's answer, streamed when `on_progress` is given."""
        reply = await self.inner.decide(view, prompt)
        if reply.fault is not None:
            return reply
        body = json.loads(reply.raw)
        text = json.dumps({"scratch": self.secret, **body}) if self.secret else reply.raw
        if on_progress is None:
            return Reply(raw=text, model=reply.model, tokens=self.chunks)
        size = max(1, -(-len(text) // self.chunks))
        held = False
        for n, at in enumerate(range(size, len(text) + size, size), 1):
            sofar = text[:at]
            self.streamed.append(sofar)
            report_progress(on_progress, Progress(n, 0.01 * n, sofar, self.chunks, 0.01 * (self.chunks - n)))
            if self.gate is not None and not held and self.secret in sofar:
                held = True
                self.halfway.append(self)
                await self.gate.wait()
            await asyncio.sleep(self.pause_s)
        return Reply(raw=text, model=reply.model, tokens=self.chunks)

    async def close(self) -> None:
        """Close the wrapped brain."""
        await self.inner.close()
