"""The human Patron's brain: the terminal UI's desk queues moves here; the next turn sends them.

    desk form -> HumanPatron.queue(kind, move) -> decide(view, prompt) -> Reply(raw JSON) -> parsing

`decide` answers at once with whatever is queued (an empty answer means the Patron passes) and clears
the queue, so moves queued while a turn is being decided go with the turn after it. The answer is the
same JSON text any other Patron brain produces and goes through the same parse-and-repair layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from engine.brains.base import Reply
from engine.core.answer import ActionKind, PatronAnswer
from engine.mind.view import View

KINDS: tuple[ActionKind, ...] = tuple(k for k in ActionKind if k not in (ActionKind.ACCEPT, ActionKind.DECLINE))
"""The kinds the desk can queue: all but accept and decline (the Patron receives no offers)."""


class QueueError(ValueError):
    """A move the queue cannot take (wrong kind, or the answer would be invalid); the message says why."""


@dataclass(frozen=True)
class QueuedMove:
    """One move waiting for the next turn."""

    kind: ActionKind
    """The PatronAnswer field it goes into (one of `KINDS`)."""
    move: object
    """The validated move (an OrderAction, LendMove, ...; an int for cancel; a str for legend and gossip)."""


def build_answer(moves: list[QueuedMove]) -> PatronAnswer:
    """Combine queued moves into one Patron answer (raises pydantic's ValidationError when too many)."""
    return PatronAnswer.from_moves((m.kind, m.move) for m in moves)


class HumanPatron:
    """The Patron played by a person: answers each turn with the moves queued at the desk."""

    model = "human"

    def __init__(self) -> None:
        self._queue: list[QueuedMove] = []
        self.sent: list[PatronAnswer] = []
        """Answers sent so far this session (newest last, at most 50)."""

    @property
    def queued(self) -> tuple[QueuedMove, ...]:
        """The moves waiting for the next turn, in the order queued."""
        return tuple(self._queue)

    def queue(self, kind: str, move: object) -> QueuedMove:
        """Queue one move for the next turn; raise `QueueError` when it does not fit the answer."""
        if kind not in KINDS:
            raise QueueError(f"unknown move kind {kind!r} (kinds: {', '.join(KINDS)})")
        kind = ActionKind(kind)
        want = kind.item
        if not isinstance(move, want) or (want is int and isinstance(move, bool)):
            raise QueueError(f"a {kind} move must be {want.__name__}, got {type(move).__name__}")
        item = QueuedMove(kind, move)
        kept = [m for m in self._queue if not (kind.single and m.kind == kind)]
        try:
            build_answer([*kept, item])
        except ValidationError as err:
            first = err.errors()[0]
            raise QueueError(f"cannot queue this {kind}: {first['msg']}") from None
        self._queue = [*kept, item]
        return item

    def withdraw(self, index: int) -> QueuedMove:
        """Take back the queued move at `index` (raises IndexError when there is none)."""
        return self._queue.pop(index)

    def clear(self) -> None:
        """Forget every queued move."""
        self._queue.clear()

    def answer(self) -> PatronAnswer:
        """What the next turn would send now."""
        return build_answer(self._queue)

    async def decide(self, view: View, prompt: str) -> Reply:
        """The queued moves as Patron answer JSON; the queue is emptied (an empty answer passes)."""
        answer = self.answer()
        self._queue.clear()
        self.sent = [*self.sent[-49:], answer]
        raw = answer.model_dump_json(exclude_defaults=True)
        return Reply(raw=raw, model=self.model)

    async def close(self) -> None:
        """Nothing to release."""
