"""The firewall: canaries on every hidden fact, and a scan of every outgoing prompt and screen.

Every hidden fact carries a canary string derived from the game's secret salt. Prompts are built only
from views (which never copy a canary), and every prompt is scanned before it is sent: a canary or a
banned token stops it (fail closed) and counts a leak. The human's screen is scanned the same way.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

CANARY_PREFIX = "CANARY-"
CANARY_RE = re.compile(r"CANARY-[0-9a-f]{12}")

BANNED_FOR_CREATURES: tuple[str, ...] = (
    CANARY_PREFIX,
    "canary",
    "foreknowledge",
    "hidden ledger",
    "hidden_ledger",
    "evidence",
    "suspicion points",
    '"true":',
    "salt",
)
"""Tokens that appear only in hidden structures; a creature prompt holding one is stopped."""

BANNED_FOR_PATRON: tuple[str, ...] = (
    CANARY_PREFIX,
    "canary",
    "hidden ledger",
    "hidden_ledger",
    "evidence",
    "suspicion points",
    "salt",
)
"""The Patron may see its own foreknowledge and the truth of its own tips, nothing else hidden."""


def canary(salt: str, kind: str, key: object) -> str:
    """The canary of one hidden fact: deterministic from the game's salt, the kind and a key."""
    digest = hashlib.sha256(f"{salt}|{kind}|{key}".encode()).hexdigest()[:12]
    return f"{CANARY_PREFIX}{digest}"


@dataclass(frozen=True)
class ScanResult:
    """What a scan found."""

    clean: bool
    """Whether nothing was found."""
    hits: tuple[str, ...]
    """The canaries and banned tokens found."""


def scan(text: str, *, patron: bool = False, extra: tuple[str, ...] = ()) -> ScanResult:
    """Scan outgoing text for canaries and banned tokens (case-insensitive for tokens)."""
    lowered = text.lower()
    banned = BANNED_FOR_PATRON if patron else BANNED_FOR_CREATURES
    hits = [t for t in (*banned, *extra) if t.lower() in lowered]
    hits.extend(CANARY_RE.findall(text))
    return ScanResult(clean=not hits, hits=tuple(dict.fromkeys(hits)))


_SCRUB_RE = re.compile(
    "|".join(re.escape(t) for t in sorted(set(BANNED_FOR_CREATURES), key=len, reverse=True)),
    re.IGNORECASE,
)


def scrub_public_text(text: str) -> str:
    """Words a trader says aloud lose banned tokens before they enter the public record.

    >>> scrub_public_text("I have evidence the Patron cheats")
    'I have … the Patron cheats'
    """
    return _SCRUB_RE.sub("…", CANARY_RE.sub("…", text))
