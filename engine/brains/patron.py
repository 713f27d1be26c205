"""Scripted Patrons: a default schemer for headless runs, and one that plays a script of moves.

A Patron script is a JSON list of moves, each with a `turn` and an `action`:

    {"turn": 3, "action": "tip", "creature": "Oona", "good": "honey", "direction": "rise", "true": false}
    {"turn": 2, "action": "order", "side": "buy", "good": "acorns", "qty": 3, "price": 5, "lifetime": 1}
    {"turn": 4, "action": "cancel", "order_id": 7}
    {"turn": 4, "action": "lend", "creature": "Sorrel", "amount": 30, "rate_pct": 5, "term": 4}
    {"turn": 5, "action": "short", "good": "firewood", "qty": 4, "term": 5}
    {"turn": 8, "action": "cover", "short_id": 3}
    {"turn": 6, "action": "bribe", "creature": "Bramble", "amount": 15, "request": "sell me firewood cheap"}
    {"turn": 7, "action": "legend", "legend": "long_frost"}
    {"turn": 7, "action": "gossip", "text": "Honey will be dear soon."}

Moves for the same turn are combined into one Patron answer. A malformed script is refused when
loaded, with the index and the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.brains.base import Reply
from engine.core.answer import ActionKind, PatronAnswer
from engine.mind.view import View

ACTIONS: dict[str, tuple[ActionKind, tuple[str, ...] | str]] = {
    "order": (ActionKind.ORDERS, ("side", "good", "qty", "price", "lifetime")),
    "cancel": (ActionKind.CANCEL, "order_id"),
    "lend": (ActionKind.LEND, ("creature", "amount", "rate_pct", "term")),
    "tip": (ActionKind.TIP, ("creature", "good", "direction", "true")),
    "short": (ActionKind.SHORT, ("good", "qty", "term")),
    "cover": (ActionKind.COVER, ("short_id",)),
    "bribe": (ActionKind.BRIBE, ("creature", "amount", "request")),
    "legend": (ActionKind.LEGEND, "legend"),
    "gossip": (ActionKind.GOSSIP, "text"),
}
"""Script action -> (the kind of move it is, the fields copied from it; one name: the move is that field's value)."""


class PatronScriptError(ValueError):
    """A Patron script that cannot be used; the message names the move and the problem."""


def load_patron_script(path: str | Path) -> list[dict]:
    """Read and check a Patron script file."""
    try:
        moves = json.loads(Path(path).read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise PatronScriptError(f"{path}: cannot read Patron script: {err}") from None
    if not isinstance(moves, list):
        raise PatronScriptError(f"{path}: a Patron script is a JSON list of moves")
    for i, m in enumerate(moves):
        if not isinstance(m, dict) or not isinstance(m.get("turn"), int) or m.get("action") not in ACTIONS:
            raise PatronScriptError(
                f"{path}: Patron script move [{i}] needs an integer 'turn' and an 'action' in {sorted(ACTIONS)}: {m!r:.120}")
    return moves


def _move(m: dict) -> tuple[ActionKind, object]:
    """One script move as (kind, move), unchecked: the parser judges it like any Patron's answer.

    {"action": "tip", "creature": "Oona", "good": "honey", "direction": "rise", "turn": 3}
    -> (ActionKind.TIP, {"creature": "Oona", "good": "honey", "direction": "rise"})
    {"action": "cancel", "order_id": 7, "turn": 4} -> (ActionKind.CANCEL, 7)
    """
    kind, fields = ACTIONS[m["action"]]
    if isinstance(fields, str):
        return kind, m.get(fields, "" if kind is ActionKind.GOSSIP else None)
    return kind, {f: m[f] for f in fields if f in m}


def moves_to_answer(moves: list[dict]) -> dict:
    """Combine one turn's script moves into a Patron answer dict."""
    return PatronAnswer.fields_from(map(_move, moves))


class ScriptedPatron:
    """Plays a fixed list of moves (from --patron-script); passes on turns with none."""

    model = "scripted:patron-script"

    def __init__(self, moves: list[dict]) -> None:
        self.moves = moves

    async def decide(self, view: View, prompt: str) -> Reply:
        """This turn's scripted moves as a Patron answer."""
        todays = [m for m in self.moves if m["turn"] == view.turn]
        return Reply(raw=json.dumps(moves_to_answer(todays)), model=self.model)

    async def close(self) -> None:
        """Nothing to release."""


class SchemingPatron:
    """A default scripted Patron: trades on what it hears, lends, tips (true and planted), shorts, bribes."""

    model = "scripted:schemer"

    async def decide(self, view: View, prompt: str) -> Reply:
        """A deterministic scheme from the Patron's view."""
        return Reply(raw=json.dumps(self.answer(view)), model=self.model)

    async def close(self) -> None:
        """Nothing to release."""

    def answer(self, view: View) -> dict:
        """The schemer's moves as a plain dict."""
        if view.frozen:
            return {}
        s = view.patron
        books = {b.good: b for b in view.books}
        out: dict = {"orders": [], "tip": [], "lend": [], "short": [], "bribe": []}
        creatures = [o for o in view.others]
        heard = s.heard if s else []
        # Trade on foreknowledge: buy what will rise.
        for line in heard:
            for b in view.books:
                if f"{b.good} rise" in line and view.pebbles > b.last * 3:
                    out["orders"].append({"side": "buy", "good": b.good, "qty": 3, "price": b.last + 1})
                    out["tip"].append({"creature": creatures[view.turn % len(creatures)], "good": b.good,
                                       "direction": "rise", "true": True})
        # Plant a tip now and then.
        if view.turn % 6 == 3:
            g = view.goods_all[view.turn % len(view.goods_all)]
            out["tip"].append({"creature": creatures[(view.turn + 1) % len(creatures)], "good": g,
                               "direction": "fall", "true": False})
        if view.turn % 7 == 2 and view.pebbles > 60:
            out["lend"].append({"creature": creatures[view.turn % len(creatures)], "amount": 25,
                                "rate_pct": 5, "term": 4})
        if view.turn % 11 == 5 and s is not None and not s.open_shorts:
            out["short"].append({"good": "honey", "qty": 3, "term": 4})
            out["orders"].append({"side": "sell", "good": "honey", "qty": 3, "price": books["honey"].last})
        if s is not None:
            for sid, good, qty, due in s.open_shorts:
                if due - view.turn <= 1 and view.goods.get(good, 0) < qty:
                    need = qty - view.goods.get(good, 0)
                    out["orders"].append({"side": "buy", "good": good, "qty": need, "price": books[good].last + 2})
        if view.turn % 13 == 9 and view.pebbles > 40:
            out["bribe"].append({"creature": creatures[(view.turn + 2) % len(creatures)], "amount": 10,
                                 "request": "Sell to me first."})
        # Sell what it holds (seized goods, cover leftovers) when the price is up.
        for g, q in view.goods.items():
            if q > 0 and books[g].trend == "rising" and not (s and any(os[1] == g for os in s.open_shorts)):
                out["orders"].append({"side": "sell", "good": g, "qty": q, "price": books[g].last + 1})
        return {k: v for k, v in out.items() if v}
