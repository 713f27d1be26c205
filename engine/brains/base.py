"""The one small interface every brain implements.

    view + prompt -> Brain.decide -> Reply(raw text) -> engine.mind.parsing -> actions

Scripted brains read the view and answer with JSON text; model brains send the prompt to a model and
return what it wrote; a replay brain returns recorded raw text; the human's brain returns what the UI
built. A brain never raises into the turn: a failure is a `Reply` with `fault` set (the trader
hesitates this turn and the fault is counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    from engine.mind.view import View


@dataclass(frozen=True)
class Reply:
    """What a brain said for one turn."""

    raw: str
    """The raw text of the answer, exactly as produced (empty when `fault` is set)."""
    model: str
    """Which model (or scripted temperament) produced it, e.g. "smollm2-135m" or "scripted:hoarder"."""
    latency_s: float = 0.0
    """Seconds the brain took (wall clock; scripted brains report 0)."""
    fault: str | None = None
    """Why no answer came (timeout, engine died, server refused), or None."""
    tokens: int = 0
    """Tokens generated, where the backend knows."""


@runtime_checkable
class Brain(Protocol):
    """Anything that can decide one trader's turn."""

    model: str
    """The model id (or scripted temperament) behind this brain, shown on the scoreboard."""

    async def decide(self, view: "View", prompt: str) -> Reply:
        """Answer for this turn. `prompt` is exactly what a model would be sent; it has passed the firewall."""
        ...

    async def close(self) -> None:
        """Release whatever the brain holds (engines, connections). Safe to call twice."""
        ...
