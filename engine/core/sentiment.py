"""Memory that does not grow: bounded integer sentiments, bucketed lines, fixed windows.

A creature's prompt shows one line per other trader ("you feel warmly toward Fennick"), the last few
public events and a one-line price summary per good. None of it grows with the number of turns.
"""

from __future__ import annotations

import re

from engine.core.state import Event, HiddenLedger

NEGATIVE_WORDS = ("thief", "liar", "cheat", "greedy", "rotten", "crook", "swindler", "fool", "hate")
"""Gossip words that sour the one named."""
POSITIVE_WORDS = ("friend", "honest", "fair", "kind", "thank", "trust", "generous", "good")
"""Gossip words that warm the one named."""

MAX_FEELINGS_SHOWN = 8
"""At most this many feeling lines in a prompt (the strongest first; the Patron always shown)."""


def feeling(ledger: HiddenLedger, who: str, toward: str) -> int:
    """How `who` feels toward `toward` (0 when never moved)."""
    return ledger.sentiment.get(who, {}).get(toward, 0)


def nudge(ledger: HiddenLedger, who: str, toward: str, delta: int, bound: int) -> None:
    """Move one sentiment by `delta`, clamped to [-bound, bound]; self-feelings are ignored."""
    if who == toward or delta == 0:
        return
    row = ledger.sentiment.setdefault(who, {})
    row[toward] = max(-bound, min(bound, row.get(toward, 0) + delta))


def bucket(value: int, bound: int) -> str:
    """The words for a sentiment value.

    >>> bucket(7, 10), bucket(-3, 10), bucket(0, 10)
    ('trust', 'distrust', 'feel nothing much toward')
    """
    third = max(1, bound * 3 // 10)
    if value >= 2 * third:
        return "trust"
    if value >= 2:
        return "feel warmly toward"
    if value <= -2 * third:
        return "despise"
    if value <= -2:
        return "distrust"
    return "feel nothing much toward"


def feeling_lines(ledger: HiddenLedger, who: str, others: list[str], bound: int,
                  always: tuple[str, ...] = ()) -> list[str]:
    """One bucketed line per other trader, strongest feelings first, at most MAX_FEELINGS_SHOWN."""
    ranked = sorted((o for o in others if o != who),
                    key=lambda o: (o not in always, -abs(feeling(ledger, who, o)), o))
    return [f"You {bucket(feeling(ledger, who, o), bound)} {o}."
            for o in ranked[:MAX_FEELINGS_SHOWN]]


def recent_events(events: list[Event], window: int) -> list[str]:
    """The last `window` public events as lines, oldest first."""
    picked = events[-window:]
    return [f"turn {e.turn}: {e.text}" for e in picked]


def trend(history: list[int], span: int = 3) -> str:
    """rising / falling / steady over the last `span` turns."""
    if len(history) < 2:
        return "steady"
    a, b = history[max(0, len(history) - 1 - span)], history[-1]
    return "rising" if b > a else "falling" if b < a else "steady"


_WORD_RE = re.compile(r"[a-z]+")


def gossip_tone(text: str) -> int:
    """+1 for kind words, -1 for harsh ones, 0 otherwise.

    >>> gossip_tone("Fennick is a thief"), gossip_tone("thank you Oona"), gossip_tone("nice day")
    (-1, 1, 0)
    """
    words = set(_WORD_RE.findall(text.lower()))
    if words & set(NEGATIVE_WORDS):
        return -1
    if words & set(POSITIVE_WORDS):
        return 1
    return 0
