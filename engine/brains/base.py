"""The one small interface every brain implements.

    view + prompt -> Brain.decide -> Reply(raw text) -> engine.mind.parsing -> actions

Scripted brains read the view and answer with JSON text; model brains send the prompt to a model and
return what it wrote; a replay brain returns recorded raw text; the human's brain returns what the UI
built. A brain never raises into the turn: a failure is a `Reply` with `fault` set (the trader
hesitates this turn and the fault is counted), and `fault_kind` says which kind of failure it was,
set where it happened (never read back from the text): one of `FAULT_KINDS`.

A brain that can stream (`streams = True`) also takes `on_progress` in `decide` and calls it with a
`Progress` as its answer is written (the whole text so far, tokens, seconds); the reply it returns
still holds the whole answer, which is parsed once. Brains that cannot stream never call it.

A model brain that can sample from a given seed (`seeded = True`) also takes `seed` in `decide`: the
same prompt and seed give the same answer, and two prompts asked with one seed draw the same random
numbers, so their answers differ only where the prompts do (`tokenwood probe` asks that way). The game
never passes a seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal, Protocol, get_args, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    from engine.mind.view import View


FaultKind = Literal["timeout", "refused", "server_error", "engine_dead", "firewall_stop", "brain_error",
                    "no_answer"]
"""Why an answer did not come: the closed set every fault is counted by."""

FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
"""Every fault kind, in the order summaries and reports list them."""

FAULT_MEANINGS: dict[FaultKind, str] = {
    "timeout": "the model did not answer before its deadline",
    "refused": "the server could not be reached (connection refused, no such host)",
    "server_error": "the server or engine answered the request with an error",
    "engine_dead": "the model's engine had died or was closed",
    "firewall_stop": "the firewall stopped the prompt before it was sent",
    "brain_error": "the brain raised an error instead of answering",
    "no_answer": "no answer was recorded for the turn (a replay), or the turn was cut short",
}
"""What each fault kind means (docs/CLI.md lists the same)."""


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
    fault_kind: FaultKind | None = None
    """Which kind of fault `fault` is (set together with it), or None when the answer came."""

    def __post_init__(self) -> None:
        if (self.fault is None) != (self.fault_kind is None):
            raise ValueError(f"a fault and its kind come together (fault={self.fault!r}, "
                             f"fault_kind={self.fault_kind!r})")
        if self.fault_kind is not None and self.fault_kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.fault_kind!r}; one of {', '.join(FAULT_KINDS)}")


@dataclass(frozen=True)
class Progress:
    """How far one answer has been written (a streaming brain reports these while it decides)."""

    tokens: int
    """Tokens written so far."""
    elapsed_s: float
    """Seconds since the brain was asked."""
    text: str
    """The whole answer so far (private: never shown to a player, only to a spectator)."""
    max_tokens: int = 0
    """The answer's token limit (0: unknown)."""
    left_s: float | None = None
    """At most this many seconds are left, from the engine's measured pace (None: unknown)."""


ProgressFn = Callable[[Progress], None]
"""Where a streaming brain reports its progress."""


def report_progress(on_progress: ProgressFn | None, progress: Progress) -> None:
    """Hand `progress` to `on_progress` (if any); a listener that fails never breaks the answer."""
    if on_progress is None:
        return
    try:
        on_progress(progress)
    except Exception:  # noqa: BLE001 - the screen's trouble is not the brain's
        import logging

        logging.getLogger(__name__).exception("a progress listener failed")


@runtime_checkable
class Brain(Protocol):
    """Anything that can decide one trader's turn."""

    model: str
    """The model id (or scripted temperament) behind this brain, shown on the scoreboard."""

    async def decide(self, view: "View", prompt: str) -> Reply:
        """Answer for this turn. `prompt` is exactly what a model would be sent; it has passed the firewall.

        A brain with `streams = True` also accepts `on_progress: ProgressFn | None` (a keyword)."""
        ...

    async def close(self) -> None:
        """Release whatever the brain holds (engines, connections). Safe to call twice."""
        ...
