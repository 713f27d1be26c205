"""The Patron's desk forms as data, and their validation: typed words -> an engine move, or a reason.

    form fields (strings) -> numbers and names checked -> engine.core.answer model (pydantic)
                          -> the Patron's own view (holdings, free pebbles, orders, shorts) -> QueuedMove

Every refusal is a `MoveError` whose message a person can act on ("you hold 3 honey, 2 already queued
to sell: cannot sell 5"). Nothing here touches the game state: only the Patron's `View`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from pydantic import BaseModel, ValidationError

from engine.brains.human import QueuedMove
from engine.core.answer import ActionKind, BribeMove, CoverMove, LendMove, MAX_WORDS, OrderAction, ShortMove, TipMove
from engine.core.scenario import PATRON
from engine.mind.parsing import explain
from engine.mind.view import View


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
    """A closed set, picked from a list: creatures, goods, side, direction, truth, orders, shorts, legends."""
    default: str = ""
    """Pre-filled value (for a closed set: the option picked at first, when it is one)."""
    number: bool = False
    """A whole number: only digits can be typed, checked against the move's bounds as it is typed."""
    placeholder: str = ""
    """Grey hint in the empty field."""


@dataclass(frozen=True)
class FormSpec:
    """One desk form."""

    kind: ActionKind
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


FORMS: dict[ActionKind, FormSpec] = {f.kind: f for f in (
    FormSpec(ActionKind.ORDERS, "Place an order", "o", "order",
             "A limit order: its pebbles (buy) or goods (sell) wait in escrow while it rests. "
             "The turn's orders trade together, best price first, each trade at the price of the order "
             "that came first.",
             (FieldSpec("side", "buy or sell", "side", "buy"), FieldSpec("good", "good", "goods"),
              FieldSpec("qty", "units", placeholder="e.g. 3", number=True),
              FieldSpec("price", "limit price, pebbles each", placeholder="e.g. 7", number=True),
              FieldSpec("lifetime", "turns it may rest (1-10)", default="1", number=True))),
    FormSpec(ActionKind.CANCEL, "Cancel an order", "c", "cancel",
             "Take one of your resting orders off the book; its escrow comes back.",
             (FieldSpec("order_id", "order id", "orders", placeholder="e.g. 12"),)),
    FormSpec(ActionKind.LEND, "Lend pebbles", "n", "lend",
             "Offer a loan at interest (whole percent of the principal per turn, at least 1 pebble). "
             "The creature answers next turn; at the due turn unpaid debt is seized in goods, or defaults.",
             (FieldSpec("creature", "to whom", "creatures"),
              FieldSpec("amount", "pebbles", placeholder="e.g. 25", number=True),
              FieldSpec("rate_pct", "interest, % a turn", default="5", number=True),
              FieldSpec("term", "turns until due", default="4", number=True))),
    FormSpec(ActionKind.TIP, "Whisper a tip", "t", "tip",
             "Tell one creature a good will rise or fall. Say whether you pass on real foreknowledge "
             "(true) or plant it: the creature hears only the words; the magistrate watches true tips.",
             (FieldSpec("creature", "to whom", "creatures"), FieldSpec("good", "good", "goods"),
              FieldSpec("direction", "rise or fall", "direction", "rise"),
              FieldSpec("true", "true or planted", "truth", "planted"))),
    FormSpec(ActionKind.SHORT, "Sell short", "h", "short",
             "Borrow units from the wood's pool now (to sell), pay 1 pebble per unit per turn, return "
             "them by the deadline or pay 150% of the last price for each missing unit.",
             (FieldSpec("good", "good", "goods"), FieldSpec("qty", "units", placeholder="e.g. 3", number=True),
              FieldSpec("term", "turns until due", default="5", number=True))),
    FormSpec(ActionKind.COVER, "Cover a short", "r", "cover", "Return borrowed units early (you must hold them all).",
             (FieldSpec("short_id", "short id", "shorts"),)),
    FormSpec(ActionKind.BRIBE, "Offer a bribe", "b", "bribe",
             "Pebbles plus a short request. The creature decides; nothing enforces the request, and the "
             "magistrate counts accepted bribes.",
             (FieldSpec("creature", "to whom", "creatures"),
              FieldSpec("amount", "pebbles", placeholder="e.g. 10", number=True),
              FieldSpec("request", "your request", placeholder="e.g. sell me firewood first"))),
    FormSpec(ActionKind.LEGEND, "Spring a Wood Legend", "g", "legend", "Once per season: the legend begins next turn.",
             (FieldSpec("legend", "legend id", "legends"),)),
    FormSpec(ActionKind.GOSSIP, "Say something aloud", "y", "say", "Words said in the market square are public.",
             (FieldSpec("text", "what you say", placeholder="e.g. Honey will be dear soon."),)),
)}
"""Desk form kind -> its spec."""


def choices(source: str, view: View) -> list[str]:
    """The values a closed set offers (what its parser accepts), from the Patron's view."""
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


def options(source: str, view: View) -> list[tuple[str, str]]:
    """A closed set's options as (what the list shows, the value the form sends), from the Patron's view."""
    s = view.patron
    if source == "orders":
        return [(f"#{o.id} {o.side} {o.qty} {o.good} at {o.price}", str(o.id)) for o in view.my_orders]
    if source == "shorts":
        return [(f"#{i} {q} {g} due turn {d}", str(i)) for i, g, q, d in (s.open_shorts if s else [])]
    if source == "legends":
        return [(f"{lid} ({name})", lid) for lid, name in (s.legends_left if s else [])]
    return [(c, c) for c in choices(source, view)]


MODELS: dict[ActionKind, type[BaseModel]] = {
    ActionKind.ORDERS: OrderAction, ActionKind.LEND: LendMove, ActionKind.TIP: TipMove,
    ActionKind.SHORT: ShortMove, ActionKind.COVER: CoverMove, ActionKind.BRIBE: BribeMove,
}
"""Desk form kind -> the engine's model its fields fill (the kinds whose move is a bare id or text have none)."""


def bounds(kind: str, name: str) -> tuple[int | None, int | None]:
    """The least and greatest whole number the engine's model takes in a form's field (None: no bound)."""
    model = MODELS.get(ActionKind(kind))
    info = model.model_fields.get(name) if model else None
    meta = info.metadata if info else []
    return (next((m.ge for m in meta if hasattr(m, "ge")), None),
            next((m.le for m in meta if hasattr(m, "le")), None))


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
        if m.kind == ActionKind.ORDERS and m.move.side == "buy":
            spent += m.move.qty * m.move.price
        elif m.kind in (ActionKind.LEND, ActionKind.BRIBE):
            spent += m.move.amount
    return view.pebbles - spent


def sellable(view: View, good: str, queued: Sequence[QueuedMove]) -> tuple[int, int]:
    """(units that could still be sold, units already queued to sell) of a good."""
    queued_sells = sum(m.move.qty for m in queued if m.kind == ActionKind.ORDERS and m.move.side == "sell"
                       and m.move.good == good)
    borrowed = sum(m.move.qty for m in queued if m.kind == ActionKind.SHORT and m.move.good == good)
    return view.goods.get(good, 0) + borrowed - queued_sells, queued_sells


def _order(v: dict[str, str], view: View, queued: Sequence[QueuedMove]) -> OrderAction:
    """A limit order: a sell needs the units (held, or borrowed by a queued short), a buy the pebbles."""
    side = _pick(v.get("side", ""), ["buy", "sell"], "side")
    good = _pick(v.get("good", ""), choices("goods", view), "good")
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
    return move


def _cancel(v: dict[str, str], view: View, queued: Sequence[QueuedMove]) -> int:
    """The id of one of the Patron's own resting orders, not already queued to be cancelled."""
    oid = _int(v.get("order_id", ""), "order id")
    if oid not in {o.id for o in view.my_orders}:
        mine = ", ".join(f"#{o.id}" for o in view.my_orders) or "none"
        raise MoveError(f"no resting order #{oid} of yours (yours: {mine})")
    if any(m.kind == ActionKind.CANCEL and m.move == oid for m in queued):
        raise MoveError(f"order #{oid} is already queued to be cancelled")
    return oid


def _affordable(move: LendMove | BribeMove, view: View, queued: Sequence[QueuedMove]) -> LendMove | BribeMove:
    """The move, when the pebbles it offers are not yet promised elsewhere."""
    free = free_pebbles(view, queued)
    if move.amount > free:
        raise MoveError(f"you have {free} pebbles not yet promised; cannot offer {move.amount}")
    return move


def _lend(v: dict[str, str], view: View, queued: Sequence[QueuedMove]) -> LendMove:
    """A loan offer to a creature, within the pebbles not yet promised."""
    who = _pick(v.get("creature", ""), choices("creatures", view), "creature")
    amount = _int(v.get("amount", ""), "pebbles")
    move = _model(LendMove, creature=who, amount=amount, rate_pct=_int(v.get("rate_pct", ""), "interest"),
                  term=_int(v.get("term", ""), "term"))
    return _affordable(move, view, queued)


def _bribe(v: dict[str, str], view: View, queued: Sequence[QueuedMove]) -> BribeMove:
    """Pebbles offered to a creature with a short request, within the pebbles not yet promised."""
    who = _pick(v.get("creature", ""), choices("creatures", view), "creature")
    amount = _int(v.get("amount", ""), "pebbles")
    request = v.get("request", "").strip()
    if len(request) > MAX_WORDS:
        raise MoveError(f"the request is {len(request)} characters; at most {MAX_WORDS}")
    return _affordable(_model(BribeMove, creature=who, amount=amount, request=request), view, queued)


def _tip(v: dict[str, str], view: View, queued: Sequence[QueuedMove]) -> TipMove:
    """A tip whispered to a creature: a good, a direction, and whether it is true or planted."""
    truth = _pick(v.get("true", ""), ["true", "planted"], "truth")
    return _model(TipMove, creature=_pick(v.get("creature", ""), choices("creatures", view), "creature"),
                  good=_pick(v.get("good", ""), choices("goods", view), "good"),
                  direction=_pick(v.get("direction", ""), ["rise", "fall"], "direction"),
                  true=truth == "true")


def _short(v: dict[str, str], view: View, queued: Sequence[QueuedMove]) -> ShortMove:
    """Units of a good borrowed for a term."""
    return _model(ShortMove, good=_pick(v.get("good", ""), choices("goods", view), "good"),
                  qty=_int(v.get("qty", ""), "units"), term=_int(v.get("term", "5") or "5", "term"))


def _cover(v: dict[str, str], view: View, queued: Sequence[QueuedMove]) -> CoverMove:
    """An open short covered early: the Patron must hold every unit it owes."""
    sid = _int(v.get("short_id", ""), "short id")
    shorts = {s[0]: s for s in (view.patron.open_shorts if view.patron else [])}
    if sid not in shorts:
        raise MoveError(f"no open short #{sid} (open: {', '.join(f'#{i}' for i in shorts) or 'none'})")
    _, good, qty, _ = shorts[sid]
    if view.goods.get(good, 0) < qty:
        raise MoveError(f"short #{sid} owes {qty} {good}; you hold {view.goods.get(good, 0)}")
    return _model(CoverMove, short_id=sid)


def _legend(v: dict[str, str], view: View, queued: Sequence[QueuedMove]) -> str:
    """The id of a legend the Patron may still spring this season."""
    left = view.patron.legends_left if view.patron else []
    if not left:
        raise MoveError("you have already sprung your legend this season (or none is left)")
    return _pick(v.get("legend", ""), [lid for lid, _ in left], "legend")


def _gossip(v: dict[str, str], view: View, queued: Sequence[QueuedMove]) -> str:
    """Words said aloud: not empty, not too long."""
    text = v.get("text", "").strip()
    if not text:
        raise MoveError("say something, or close the form")
    if len(text) > MAX_WORDS:
        raise MoveError(f"that is {len(text)} characters; at most {MAX_WORDS}")
    return text


PARSERS: dict[ActionKind, Callable[[dict[str, str], View, Sequence[QueuedMove]], object]] = {
    ActionKind.ORDERS: _order, ActionKind.CANCEL: _cancel, ActionKind.LEND: _lend, ActionKind.TIP: _tip,
    ActionKind.SHORT: _short, ActionKind.COVER: _cover, ActionKind.BRIBE: _bribe, ActionKind.LEGEND: _legend,
    ActionKind.GOSSIP: _gossip,
}
"""Desk form kind -> its parser: (form values, the Patron's view, moves queued) -> the move, or `MoveError`."""


def parse_move(kind: str, values: dict[str, str], view: View, queued: Sequence[QueuedMove] = ()) -> QueuedMove:
    """Check one desk form against the engine's models and the Patron's view; the move, or `MoveError`."""
    if kind not in FORMS:
        raise MoveError(f"unknown move {kind!r}")
    kind = ActionKind(kind)
    if view.frozen and kind != ActionKind.GOSSIP:
        raise MoveError("the magistrate has frozen your assets this turn: no moves until the freeze ends")
    v = {k: str(x) for k, x in values.items()}
    return QueuedMove(kind, PARSERS[kind](v, view, queued))


WORDS: dict[ActionKind, Callable[[Any], str]] = {
    ActionKind.ORDERS: lambda x: f"{x.side} {x.qty} {x.good} at {x.price}"
                                 + (f" for {x.lifetime} turns" if x.lifetime > 1 else ""),
    ActionKind.CANCEL: lambda x: f"cancel order #{x}",
    ActionKind.LEND: lambda x: f"lend {x.amount} to {x.creature} at {x.rate_pct}% for {x.term} turns",
    ActionKind.TIP: lambda x: f"tip {x.creature}: {x.good} will {x.direction} ({'true' if x.true else 'planted'})",
    ActionKind.SHORT: lambda x: f"short {x.qty} {x.good} for {x.term} turns",
    ActionKind.COVER: lambda x: f"cover short #{x.short_id}",
    ActionKind.BRIBE: lambda x: f"bribe {x.creature} {x.amount}: \u201c{x.request}\u201d",
    ActionKind.LEGEND: lambda x: f"spring legend {x}",
    ActionKind.GOSSIP: lambda x: f"say \u201c{x}\u201d",
}
"""Desk form kind -> the words for one queued move of that kind."""


def describe(m: QueuedMove) -> str:
    """A queued move in words, for the desk's list."""
    return WORDS[m.kind](m.move)
