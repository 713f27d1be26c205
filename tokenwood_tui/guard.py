"""The screen's firewall (play mode): scan what is about to be shown, and what is shown; fail closed.

    panel.texts(board) -> scan(texts)       before a panel renders: a hit withholds the panel
    screen_text(app) / panel_texts(screen)  after: the very characters on the screen, per panel

A hit is a canary, a token banned for the Patron (`engine.core.firewall.scan(..., patron=True)`), or a
creature's private thought (the guard is handed those as extra tokens). The hit itself is logged,
never shown: the panel shows a "withheld" notice instead.
"""

from __future__ import annotations

import logging
from typing import Iterable

from engine.core import firewall
from engine.core.scenario import PATRON
from engine.core.state import GameState
from tokenwood_tui.textual_compat import render_strips  # noqa: F401  (the screen as rendered now; used here and by screens)

log = logging.getLogger("tokenwood_tui.firewall")

WITHHELD = "withheld: this panel held something the Patron may not see (the firewall logged it)"
"""What a withheld panel shows."""

MIN_SECRET = 12
"""Private thoughts shorter than this are not used as scan tokens (too likely to match by chance)."""


def secrets_of(state: GameState) -> tuple[str, ...]:
    """Extra tokens no player's screen may hold: every creature's recent private thinking, except a
    thought its creature said aloud (small models often write the same words as thought and gossip: on
    seed 5's turn 3 Oona thought and said "buy, only sell", and the traders and the record were withheld
    for the turns the thought stayed in the window, though every trader had heard it)."""
    said: dict[str, list[str]] = {}
    for e in state.public.events:
        if e.kind == "gossip" and e.said:
            for actor in e.actors:
                said.setdefault(actor, []).append(e.said)
    return tuple(dict.fromkeys(t.text for t in state.hidden.thoughts
                               if t.trader != PATRON and len(t.text) >= MIN_SECRET
                               and not any(t.text in words for words in said.get(t.trader, ()))))


def scan(texts: Iterable[str], extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Hits in some texts (empty when clean)."""
    result = firewall.scan("\n".join(texts), patron=True, extra=extra)
    return result.hits


def screen_lines(screen) -> list[str]:
    """The characters of a screen as rendered now, one string per terminal line."""
    return [strip.text for strip in render_strips(screen)]


def screen_text(app) -> str:
    """Everything on the app's active screen as plain text."""
    return "\n".join(screen_lines(app.screen))


def region_text(strips: list, widget) -> str:
    """The characters of one widget's region, cut out of a rendered screen."""
    r = widget.region
    return "\n".join(s.crop(r.x, r.right).text for s in strips[r.y:r.bottom])


def report(panel: str, hits: tuple[str, ...]) -> None:
    """Log a withheld panel (the hits go to the log, not the screen)."""
    log.warning("firewall withheld panel %s: %d hit(s): %s", panel, len(hits), ", ".join(hits))
