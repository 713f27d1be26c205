"""The Patron's desk forms as data, and their validation: typed words -> an engine move, or a reason.

    form fields (strings) -> numbers and names checked -> engine.answer model (pydantic)
                          -> the Patron's own view (holdings, free pebbles, orders, shorts) -> QueuedMove

Every refusal is a `MoveError` whose message a person can act on ("you hold 3 honey, 2 already queued
to sell: cannot sell 5"). Nothing here touches the game state: only the Patron's `View`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from pydantic import ValidationError

from engine.answer import (MAX_WORDS, BribeMove, CoverMove, LendMove, OrderAction, ShortMove, TipMove)
from engine.brains.human import QueuedMove
from engine.parsing import explain
from engine.scenario import PATRON
from engine.view import View


class MoveError(ValueError):
    """A desk move that cannot be queued; the message says why, in words."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of a desk form."""

    name: str
    """The move's field name."""
    label: str
    """What the form calls it."""
    choices: str = ""
    """Where its suggestions come from: creatures, goods, side, direction, truth, orders, shorts, legends."""
    default: str = ""
    """Pre-filled value."""
    placeholder: str = ""
    """Grey hint in the empty field."""


@dataclass(frozen=True)
class FormSpec:
    """One desk form."""

    kind: str
    """The PatronAnswer field the move goes into."""
    title: str
    """Dialog title."""
    key: str
    """The key that opens it."""
    button: str
    """The desk button's label."""
    help: str
    """One or two sentences: what the move does (from docs/RULES.md)."""
    fields: tuple[FieldSpec, ...]
    """Its fields, in order."""


FORMS: dict[str, FormSpec] = {f.kind: f for f in (
    FormSpec("orders", "Place an order", "o", "order",
             "A limit order: its pebbles (buy) or goods (sell) wait in escrow while it rests. "
             "It trades at the resting order's price.",
             (FieldSpec("side", "buy or sell", "side", "buy"), FieldSpec("good", "good", "goods"),
              FieldSpec("qty", "units", placeholder="e.g. 3"),
              FieldSpec("price", "limit price, pebbles each", placeholder="e.g. 7"),
              FieldSpec("lifetime", "turns it may rest (1-10)", default="1"))),
    FormSpec("cancel", "Cancel an order", "c", "cancel", "Take one of your resting orders off the book; its escrow "
             "comes back.", (FieldSpec("order_id", "order id", "orders", placeholder="e.g. 12"),)),
    FormSpec("lend", "Lend pebbles", "n", "lend",
             "Offer a loan at interest (whole percent of the principal per turn, at least 1 pebble). "
             "The creature answers next turn; at the due turn unpaid debt is seized in goods, or defaults.",
             (FieldSpec("creature", "to whom", "creatures"), FieldSpec("amount", "pebbles", placeholder="e.g. 25"),
              FieldSpec("rate_pct", "interest, % a turn", default="5"),
              FieldSpec("term", "turns until due", default="4"))),
    FormSpec("tip", "Whisper a tip", "t", "tip",
             "Tell one creature a good will rise or fall. Say whether you pass on real foreknowledge "
             "(true) or plant it: the creature hears only the words; the magistrate watches true tips.",
             (FieldSpec("creature", "to whom", "creatures"), FieldSpec("good", "good", "goods"),
              FieldSpec("direction", "rise or fall", "direction", "rise"),
              FieldSpec("true", "true or planted", "truth", "planted"))),
    FormSpec("short", "Sell short", "h", "short",
             "Borrow units from the wood's pool now (to sell), pay 1 pebble per unit per turn, return "
             "them by the deadline or pay 150% of the last price for each missing unit.",
             (FieldSpec("good", "good", "goods"), FieldSpec("qty", "units", placeholder="e.g. 3"),
              FieldSpec("term", "turns until due", default="5"))),
    FormSpec("cover", "Cover a short", "r", "cover", "Return borrowed units early (you must hold them all).",
             (FieldSpec("short_id", "short id", "shorts"),)),
    FormSpec("bribe", "Offer a bribe", "b", "bribe",
             "Pebbles plus a short request. The creature decides; nothing enforces the request, and the "
             "magistrate counts accepted bribes.",
             (FieldSpec("creature", "to whom", "creatures"), FieldSpec("amount", "pebbles", placeholder="e.g. 10"),
              FieldSpec("request", "your request", placeholder="e.g. sell me firewood first"))),
    FormSpec("legend", "Spring a Wood Legend", "g", "legend", "Once per season: the legend begins next turn.",
             (FieldSpec("legend", "legend id", "legends"),)),
    FormSpec("gossip", "Say something aloud", "y", "say", "Words said in the market square are public.",
             (FieldSpec("text", "what you say", placeholder="e.g. Honey will be dear soon."),)),
)}
"""Desk form kind -> its spec."""


def choices(source: str, view: View) -> list[str]:
    """The suggestions a field offers, from the Patron's view."""
    s = view.patron
    return {
        "creatures": [o for o in view.others if o != PATRON],
        "goods": list(view.goods_all),
        "side": ["buy", "sell"],
        "direction": ["rise", "fall"],
        "truth": ["true", "planted"],
        "orders": [str(o.id) for o in view.my_orders],
        "shorts": [str(sid) for sid, *_ in (s.open_shorts if s else [])],
        "legends": [lid for lid, _ in (s.legends_left if s else [])],
    }.get(source, [])


def _int(value: str, label: str) -> int:
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        raise MoveError(f"{label} must be a whole number, got {text!r}" if text else f"{label} is empty") from None


def _pick(value: str, options: Sequence[str], what: str) -> str:
    text = value.strip()
    for o in options:
        if o.lower() == text.lower():
            return o
    if not text:
        raise MoveError(f"choose a {what} ({', '.join(options)})")
    raise MoveError(f"no {what} called {text!r} ({what}s: {', '.join(options)})")


def _model(cls, **fields):
    try:
        return cls(**fields)
    except ValidationError as err:
        raise MoveError(explain(err)) from None


def free_pebbles(view: View, queued: Sequence[QueuedMove]) -> int:
    """Pebbles not yet promised by queued buys, loans and bribes."""
    spent = 0
    for m in queued:
        if m.kind == "orders" and m.move.side == "buy":
            spent += m.move.qty * m.move.price
        elif m.kind in ("lend", "bribe"):
            spent += m.move.amount
    return view.pebbles - spent


def sellable(view: View, good: str, queued: Sequence[QueuedMove]) -> tuple[int, int]:
    """(units that could still be sold, units already queued to sell) of a good."""
    queued_sells = sum(m.move.qty for m in queued if m.kind == "orders" and m.move.side == "sell"
                       and m.move.good == good)
    borrowed = sum(m.move.qty for m in queued if m.kind == "short" and m.move.good == good)
    return view.goods.get(good, 0) + borrowed - queued_sells, queued_sells


def parse_move(kind: str, values: dict[str, str], view: View, queued: Sequence[QueuedMove] = ()) -> QueuedMove:
    """Check one desk form against the engine's models and the Patron's view; the move, or `MoveError`."""
    if kind not in FORMS:
        raise MoveError(f"unknown move {kind!r}")
    if view.frozen and kind != "gossip":
        raise MoveError("the magistrate has frozen your assets this turn: no moves until the freeze ends")
    v = {k: str(x) for k, x in values.items()}
    creatures = choices("creatures", view)
    goods = choices("goods", view)
    if kind == "orders":
        side = _pick(v.get("side", ""), ["buy", "sell"], "side")
        good = _pick(v.get("good", ""), goods, "good")
        move = _model(OrderAction, side=side, good=good, qty=_int(v.get("qty", ""), "units"),
                      price=_int(v.get("price", ""), "price"),
                      lifetime=_int(v.get("lifetime", "1") or "1", "lifetime"))
        if side == "sell":
            left, already = sellable(view, good, queued)
            if move.qty > left:
                more = f", {already} already queued to sell" if already else ""
                raise MoveError(f"you hold {view.goods.get(good, 0)} {good}{more}: cannot sell {move.qty}")
        else:
            free = free_pebbles(view, queued)
            if move.qty * move.price > free:
                raise MoveError(f"this order puts {move.qty * move.price} pebbles in escrow; "
                                f"you have {free} not yet promised")
    elif kind == "cancel":
        oid = _int(v.get("order_id", ""), "order id")
        if oid not in {o.id for o in view.my_orders}:
            mine = ", ".join(f"#{o.id}" for o in view.my_orders) or "none"
            raise MoveError(f"no resting order #{oid} of yours (yours: {mine})")
        if any(m.kind == "cancel" and m.move == oid for m in queued):
            raise MoveError(f"order #{oid} is already queued to be cancelled")
        move = oid
    elif kind in ("lend", "bribe"):
        who = _pick(v.get("creature", ""), creatures, "creature")
        amount = _int(v.get("amount", ""), "pebbles")
        if kind == "lend":
            move = _model(LendMove, creature=who, amount=amount, rate_pct=_int(v.get("rate_pct", ""), "interest"),
                          term=_int(v.get("term", ""), "term"))
        else:
            request = v.get("request", "").strip()
            if len(request) > MAX_WORDS:
                raise MoveError(f"the request is {len(request)} characters; at most {MAX_WORDS}")
            move = _model(BribeMove, creature=who, amount=amount, request=request)
        free = free_pebbles(view, queued)
        if move.amount > free:
            raise MoveError(f"you have {free} pebbles not yet promised; cannot offer {move.amount}")
    elif kind == "tip":
        truth = _pick(v.get("true", ""), ["true", "planted"], "truth")
        move = _model(TipMove, creature=_pick(v.get("creature", ""), creatures, "creature"),
                      good=_pick(v.get("good", ""), goods, "good"),
                      direction=_pick(v.get("direction", ""), ["rise", "fall"], "direction"),
                      true=truth == "true")
    elif kind == "short":
        move = _model(ShortMove, good=_pick(v.get("good", ""), goods, "good"),
                      qty=_int(v.get("qty", ""), "units"), term=_int(v.get("term", "5") or "5", "term"))
    elif kind == "cover":
        sid = _int(v.get("short_id", ""), "short id")
        shorts = {s[0]: s for s in (view.patron.open_shorts if view.patron else [])}
        if sid not in shorts:
            raise MoveError(f"no open short #{sid} (open: {', '.join(f'#{i}' for i in shorts) or 'none'})")
        _, good, qty, _ = shorts[sid]
        if view.goods.get(good, 0) < qty:
            raise MoveError(f"short #{sid} owes {qty} {good}; you hold {view.goods.get(good, 0)}")
        move = _model(CoverMove, short_id=sid)
    elif kind == "legend":
        left = view.patron.legends_left if view.patron else []
        if not left:
            raise MoveError("you have already sprung your legend this season (or none is left)")
        move = _pick(v.get("legend", ""), [lid for lid, _ in left], "legend")
    else:  # gossip
        move = v.get("text", "").strip()
        if not move:
            raise MoveError("say something, or close the form")
        if len(move) > MAX_WORDS:
            raise MoveError(f"that is {len(move)} characters; at most {MAX_WORDS}")
    return QueuedMove(kind, move)


def describe(m: QueuedMove) -> str:
    """A queued move in words, for the desk's list."""
    x = m.move
    if m.kind == "orders":
        rest = f" for {x.lifetime} turns" if x.lifetime > 1 else ""
        return f"{x.side} {x.qty} {x.good} at {x.price}{rest}"
    if m.kind == "cancel":
        return f"cancel order #{x}"
    if m.kind == "lend":
        return f"lend {x.amount} to {x.creature} at {x.rate_pct}% for {x.term} turns"
    if m.kind == "tip":
        return f"tip {x.creature}: {x.good} will {x.direction} ({'true' if x.true else 'planted'})"
    if m.kind == "short":
        return f"short {x.qty} {x.good} for {x.term} turns"
    if m.kind == "cover":
        return f"cover short #{x.short_id}"
    if m.kind == "bribe":
        return f"bribe {x.creature} {x.amount}: \u201c{x.request}\u201d"
    if m.kind == "legend":
        return f"spring legend {x}"
    return f"say \u201c{x}\u201d"
