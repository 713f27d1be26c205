"""The inspector's memory: what each trader was sent and answered, for the last turns only.

    TurnRecord.decisions + report.refusals -> Entry (plain strings) -> History (bounded, per turn)

In a played game only the Patron's own entries are kept: a creature's prompt, raw answer and thinking
never reach the player's screen. A spectator's history keeps every trader.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass

from engine.core.scenario import PATRON
from engine.play.game import TurnRecord

KEEP_TURNS = 50
"""Turns the inspector remembers."""


@dataclass(frozen=True)
class Entry:
    """One trader's decision for one turn, as the inspector shows it."""

    turn: int
    """The turn decided."""
    trader: str
    """Who decided."""
    model: str
    """Model id (or scripted temperament, or "human")."""
    prompt: str
    """Exactly what was sent (the Patron's brief, for the Patron)."""
    raw: str
    """The raw answer text."""
    repairs: tuple[str, ...]
    """Repair steps the parser applied."""
    parsed: str
    """The valid actions, as indented JSON ("" when nothing was parsed)."""
    dropped: tuple[str, ...]
    """What the parser threw away: "where: reason (value)"."""
    refused: tuple[str, ...]
    """What the rules refused: "where: reason"."""
    latency_s: float
    """Seconds the brain took."""
    tokens: int
    """Tokens generated, where known."""
    fault: str | None
    """Why no answer came, or None."""
    fault_kind: str | None
    """Its kind (`engine.brains.base.FAULT_KINDS`: timeout, refused, ...), or None."""
    leak: tuple[str, ...]
    """Firewall hits that stopped the prompt."""


def entries_of(record: TurnRecord, *, only: str | None = None) -> list[Entry]:
    """Inspector entries for one played turn (only one trader's when `only` is given)."""
    out = []
    for d in record.decisions:
        if only is not None and d.trader != only:
            continue
        p = d.parsed
        out.append(Entry(
            turn=record.turn, trader=d.trader, model=d.reply.model, prompt=d.prompt, raw=d.reply.raw,
            repairs=tuple(p.repairs) if p else (),
            parsed=json.dumps(p.answer.model_dump(mode="json", exclude_defaults=True), indent=1,
                              ensure_ascii=False) if p else "",
            dropped=tuple(f"{x.where}: {x.reason} ({x.value})" for x in p.dropped) if p else (),
            refused=tuple(f"{r.where}: {r.reason}" for r in record.report.refusals if r.trader == d.trader),
            latency_s=d.reply.latency_s, tokens=d.reply.tokens, fault=d.reply.fault,
            fault_kind=d.reply.fault_kind, leak=tuple(d.leak)))
    return out


class History:
    """The last `keep` turns of inspector entries; in a played game, the Patron's own only."""

    def __init__(self, *, played: bool, keep: int = KEEP_TURNS) -> None:
        self.played = played
        self.keep = keep
        self._turns: OrderedDict[int, dict[str, Entry]] = OrderedDict()

    def add(self, record: TurnRecord) -> None:
        """Remember one turn (forgetting the oldest beyond `keep`)."""
        entries = entries_of(record, only=PATRON if self.played else None)
        self._turns[record.turn] = {e.trader: e for e in entries}
        self._turns.move_to_end(record.turn)
        while len(self._turns) > self.keep:
            self._turns.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (after loading another game)."""
        self._turns.clear()

    @property
    def turns(self) -> list[int]:
        """Turns remembered, oldest first."""
        return list(self._turns)

    def traders(self, turn: int) -> list[str]:
        """Traders with an entry on `turn`."""
        return list(self._turns.get(turn, {}))

    def get(self, turn: int, trader: str) -> Entry | None:
        """One entry, or None."""
        return self._turns.get(turn, {}).get(trader)
