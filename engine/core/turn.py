"""Turn resolution, exactly in GAME.md's order. Pure: no I/O, no model calls, all randomness from the dice.

    begin_turn(state)              1. the world moves: production, legends, winter, foreknowledge
    (the game asks every brain)    2.-3. decisions, parse and repair (engine.play.game / engine.mind.parsing)
    resolve_turn(state, answers)   4. offers, Patron moves, orders in seeded order, expiry, loans,
                                      shorts, eating, firewood, spoilage, offers lapse
                                   5. magistrate, relationships, public record
    record_turn(state, report)     the turn's metrics, in one place (engine.play.metrics; the game calls it)
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from engine.core import dealings, legends, magistrate, sentiment
from engine.core.answer import ActionKind, Answer, PatronAnswer
from engine.core.dealings import Transfer
from engine.core.economy import Flows, burn_for, production_for, totals
from engine.core.firewall import canary, scrub_public_text
from engine.core.market import Fill, NewOrder
from engine.core.refusals import Denial, Refusal
from engine.core.scenario import PATRON
from engine.core.state import Event, GameState, Thought, TradeRecord

THOUGHTS_KEPT = 3
"""Private thoughts kept per trader in the hidden ledger."""


@dataclass
class TurnReport:
    """What happened in one resolved turn (a value; the state already holds the consequences)."""

    turn: int
    """The turn resolved."""
    fills: list[Fill] = field(default_factory=list)
    """Every trade."""
    refusals: list[Refusal] = field(default_factory=list)
    """Every refused action."""
    events: list[Event] = field(default_factory=list)
    """Public events of the turn."""
    flows: Flows = field(default_factory=Flows)
    """Goods made and lost."""
    conserved: bool = True
    """Whether pebbles and goods balanced."""
    before: tuple[int, dict[str, int]] = (0, {})
    """All pebbles and goods in the wood when the turn began (for the conservation check)."""


def begin_turn(state: GameState) -> TurnReport:
    """Step 1: the world moves for the turn about to be decided (turn = public.turn + 1)."""
    turn = state.public.turn + 1
    report = TurnReport(turn=turn, before=totals(state))
    events, destroyed = legends.begin_due(state, turn)
    report.events += events
    report.flows.spoiled.update(destroyed)
    legends.hear_ahead(state, turn)
    for t in state.scenario.traders:
        made = production_for(state, t.name, turn)
        if made:
            h = state.hidden.holdings[t.name]
            h.goods[t.produces] = h.goods.get(t.produces, 0) + made
            report.flows.produced[t.produces] += made
    w = state.scenario.winter
    if turn == w.start:
        report.events.append(Event(turn=turn, kind="weather", text="Winter comes to the wood: every hearth "
                                   "needs firewood now."))
    return report


def resolve_turn(state: GameState, report: TurnReport, answers: dict[str, Answer],
                 hesitated: dict[str, str] | None = None) -> TurnReport:
    """Steps 4-5: resolve everyone's answers for `report.turn`. Missing answers mean "do nothing".

    Named stages, in GAME.md's order; each returns what it produced and only this function adds it
    to the report:

        _hesitations      who could not answer hesitates, in public
        arrival order     one seeded order of the traders for the turn
        _answers          offers answered, cancels, the Patron's moves, gossip, thoughts: trader by trader
        _orders           every order of the turn called together (price first, then a seeded arrival order);
                          resting orders expire
        _record_trades    public trade records, one event per good, last prices
        _debts            loans and shorts fall due, unanswered offers lapse
        _eat_and_burn     meals eaten and firewood burned
        _spoil            hoards past their limit rot
        magistrate        evidence, suspicion, sanctions, the public meter
        _relationships    traders warm to those they traded with; old thoughts are forgotten
        _publish          the turn's events made public, the turn counted, conservation checked

    The turn's metrics are not written here: `engine.play.metrics.record_turn` computes them from the report.
    """
    turn = report.turn
    report.events += _hesitations(turn, hesitated or {})
    order = state.dice.shuffle([t.name for t in state.scenario.traders] + [PATRON])
    blocked = state.public.patron_banished or state.public.patron_frozen_until >= turn
    answered = _answers(state, answers, order, turn, blocked)
    report.refusals += answered.refusals
    report.events += answered.events
    fills, refused = _orders(state, answers, order, turn, blocked)
    report.fills += fills
    report.refusals += refused
    report.events += _record_trades(state, turn, fills)
    report.events += _debts(state, turn)
    report.flows.consumed.update(_eat_and_burn(state, turn))
    report.flows.spoiled.update(_spoil(state))
    report.events += magistrate.observe(state, turn, fills, answered.transfers)
    _relationships(state, fills)
    report.conserved = _publish(state, report)
    return report


@dataclass
class _Answered:
    """What the answers stage produced."""

    refusals: list[Refusal] = field(default_factory=list)
    """Offers, cancels and Patron moves the rules refused."""
    events: list[Event] = field(default_factory=list)
    """Gossip."""
    transfers: list[Transfer] = field(default_factory=list)
    """Private deals paid out (for the magistrate)."""


def _hesitations(turn: int, hesitated: dict[str, str]) -> list[Event]:
    """A public event for each trader that gave no answer, with why."""
    return [Event(turn=turn, kind="hesitate", actors=[name], text=f"{name} hesitates this turn ({why}).")
            for name, why in sorted(hesitated.items())]


def _answers(state: GameState, answers: dict[str, Answer], order: list[str], turn: int,
             blocked: bool) -> _Answered:
    """Everything but the orders, trader by trader in arrival order (a blocked Patron is refused)."""
    out = _Answered()
    for name in order:
        ans = answers.get(name)
        if ans is None:
            continue
        if name == PATRON and blocked:
            if _has_actions(ans):
                why = "banished" if state.public.patron_banished else "frozen"
                out.refusals.append(Refusal(name, "answer", why))
            continue
        transfers, refused = _offers(state, name, ans, turn)
        out.transfers += transfers
        out.refusals += refused
        out.refusals += _cancels(state, name, ans)
        if isinstance(ans, PatronAnswer) and name == PATRON:
            out.refusals += _patron_moves(state, ans, turn)
        out.events += _speak(state, name, ans, turn)
    return out


def _offers(state: GameState, name: str, ans: Answer, turn: int) -> tuple[list[Transfer], list[Refusal]]:
    """Loans and bribes accepted or declined: (the deals paid out, the answers refused)."""
    transfers, refused = [], []
    for key, accept in (("accept", True), ("decline", False)):
        for i, offer_id in enumerate(getattr(ans, key)):
            if name == PATRON:
                paid, why = None, Denial("patron_receives_no_offers", "the Patron receives no offers")
            else:
                paid, why = dealings.answer_offer(state, name, offer_id, accept, turn)
            if paid:
                transfers.append(paid)
            if why:
                refused.append(Refusal.of(name, f"{key}[{i}]", why))
    return transfers, refused


def _cancels(state: GameState, name: str, ans: Answer) -> list[Refusal]:
    """Resting orders cancelled; returns the cancels the market refused."""
    refused = []
    for i, order_id in enumerate(ans.cancel):
        rej = state.market.cancel(name, order_id, state.hidden.holdings[name])
        if rej is not None:
            refused.append(Refusal(name, f"cancel[{i}]", rej.reason, rej.detail))
    return refused


def _speak(state: GameState, name: str, ans: Answer, turn: int) -> list[Event]:
    """Gossip goes public (and stirs feelings); the private thought goes to the hidden ledger."""
    events = []
    hid = state.hidden
    if ans.gossip.strip():
        said = scrub_public_text(ans.gossip.strip())[:160]
        events.append(Event(turn=turn, kind="gossip", actors=[name], text=f"{name} says: \"{said}\"", said=said))
        _gossip_feelings(state, name, said)
    if ans.thinking.strip():
        hid.thoughts.append(Thought(turn=turn, trader=name, text=ans.thinking.strip()[:200],
                                    canary=canary(hid.salt, "thought", f"{turn}|{name}")))
    return events


def _orders(state: GameState, answers: dict[str, Answer], order: list[str], turn: int,
            blocked: bool) -> tuple[list[Fill], list[Refusal]]:
    """Every order of the turn, in one seeded arrival order, called together (`Market.call`: price first, the
    arrival order among equal prices), then expiry: (the fills, the refusals)."""
    sc, hid = state.scenario, state.hidden
    fills: list[Fill] = []
    refused: list[Refusal] = []
    stream = [(name, i, o) for name in order if (ans := answers.get(name)) is not None
              and not (name == PATRON and blocked) for i, o in enumerate(ans.orders)]
    called: list[tuple[str, str]] = []
    entering: list[NewOrder] = []
    for name, i, o in state.dice.shuffle(stream):
        where = f"orders[{i}]"
        if o.good not in sc.good_names:
            refused.append(Refusal(name, where, "unknown_good", o.good))
            continue
        if name != PATRON and o.side == "buy" and o.good == sc.trader(name).produces:
            refused.append(Refusal(name, where, "self_buy", f"{name} makes {o.good}"))
            continue
        called.append((name, where))
        entering.append(NewOrder(name, o.side, o.good, o.qty, o.price, o.lifetime))
    for (name, where), res in zip(called, state.market.call(entering, turn, hid.holdings)):
        fills += res.fills
        refused += [Refusal(name, where, rej.reason, rej.detail) for rej in res.rejections if rej.trader == name]
    state.market.expire(turn + 1, hid.holdings)
    return fills, refused


def _debts(state: GameState, turn: int) -> list[Event]:
    """Loans and shorts fall due, unanswered offers lapse; returns the public default events."""
    events = dealings.settle_loans(state, turn)
    dealings.settle_shorts(state, turn)
    dealings.lapse_offers(state, turn)
    return events


def _relationships(state: GameState, fills: list[Fill]) -> None:
    """Traders warm to those they traded with; each keeps only its last few thoughts."""
    _trade_feelings(state, fills)
    hid, sc = state.hidden, state.scenario
    hid.thoughts = hid.thoughts[-THOUGHTS_KEPT * (len(sc.traders) + 1):]


def _publish(state: GameState, report: TurnReport) -> bool:
    """The turn's events become public and the turn is counted; returns whether it conserved."""
    pub = state.public
    pub.winter_burn = burn_for(state, report.turn)
    pub.events.extend(report.events)
    pub.turn = report.turn
    return _conserved(state, report)


def _has_actions(ans: Answer) -> bool:
    """Whether an answer tries anything (an empty legend name springs nothing, so it is no action here)."""
    return any(kind is not ActionKind.LEGEND or move for kind, move in ans.actions())


def _patron_moves(state: GameState, ans: PatronAnswer, turn: int) -> list[Refusal]:
    """The Patron's moves in a fixed order: shorts first (so borrowed units can be sold this turn).

    Returns the moves the rules refused.
    """
    steps = [(ActionKind.SHORT, dealings.open_short), (ActionKind.COVER, dealings.cover),
             (ActionKind.LEND, dealings.lend), (ActionKind.TIP, dealings.tip), (ActionKind.BRIBE, dealings.bribe)]
    refused = []
    for key, fn in steps:
        for i, move in enumerate(getattr(ans, key)):
            why = fn(state, move, turn)
            if why:
                refused.append(Refusal.of(PATRON, f"{key}[{i}]", why))
    if ans.legend:
        why = dealings.spring(state, ans.legend, turn)
        if why:
            refused.append(Refusal.of(PATRON, "legend", why))
    return refused


def _gossip_feelings(state: GameState, speaker: str, text: str) -> None:
    """Whoever gossip names warms (+1) or sours (-2) toward the speaker."""
    tone = sentiment.gossip_tone(text)
    if not tone:
        return
    lowered = text.lower()
    for t in state.scenario.traders:
        if t.name != speaker and t.name.lower() in lowered:
            sentiment.nudge(state.hidden, t.name, speaker, 1 if tone > 0 else -2, state.scenario.sentiment_bound)


def _trade_feelings(state: GameState, fills: list[Fill]) -> None:
    """Each pair that traded this turn warms by one toward each other."""
    pairs = {(f.buyer, f.seller) for f in fills}
    for a, b in sorted(pairs):
        sentiment.nudge(state.hidden, a, b, 1, state.scenario.sentiment_bound)
        sentiment.nudge(state.hidden, b, a, 1, state.scenario.sentiment_bound)


def _record_trades(state: GameState, turn: int, fills: list[Fill]) -> list[Event]:
    """Public trade records and last prices; returns one summary event per good traded."""
    sc, pub = state.scenario, state.public
    events = []
    by_good: dict[str, list[Fill]] = {}
    for f in fills:
        pub.trades.append(TradeRecord(turn=turn, good=f.good, qty=f.qty, price=f.price,
                                      buyer=f.buyer, seller=f.seller))
        by_good.setdefault(f.good, []).append(f)
    for g in sc.good_names:
        hist = pub.price_history.setdefault(g, [])
        fills = by_good.get(g)
        last = fills[-1].price if fills else (hist[-1] if hist else sc.good(g).base_price)
        hist.append(last)
        if fills:
            units = sum(f.qty for f in fills)
            lo, hi = min(f.price for f in fills), max(f.price for f in fills)
            who = ", ".join(f"{f.seller}->{f.buyer} {f.qty}@{f.price}" for f in fills[:4])
            more = f" and {len(fills) - 4} more" if len(fills) > 4 else ""
            span = f"{lo}" if lo == hi else f"{lo}-{hi}"
            events.append(Event(turn=turn, kind="trade", actors=sorted(
                {f.buyer for f in fills[:4]} | {f.seller for f in fills[:4]}),
                text=f"{g}: {units} sold at {span} ({who}{more})"))
    return events


def _eat_and_burn(state: GameState, turn: int) -> Counter:
    """Creatures eat their meals (one unit of each of `meals` different foods) and burn firewood.

    Returns the units consumed, by good.
    """
    sc = state.scenario
    consumed: Counter = Counter()
    burn = burn_for(state, turn)
    for t in sc.traders:
        h = state.hidden.holdings[t.name]
        held = sorted((f for f in sc.foods if h.goods.get(f, 0) > 0), key=lambda f: (-h.goods[f], f))
        eaten = held[: sc.diet.meals]
        for f in eaten:
            h.goods[f] -= 1
            consumed[f] += 1
        missed = sc.diet.meals - len(eaten)
        h.hunger = h.hunger + missed if missed else max(0, h.hunger - 1)
        if burn:
            fuel = sc.fuels[0] if sc.fuels else None
            have = h.goods.get(fuel, 0) if fuel else 0
            used = min(have, burn)
            if used:
                h.goods[fuel] -= used
                consumed[fuel] += used
            h.cold = h.cold + 1 if used < burn else max(0, h.cold - 1)
        else:
            h.cold = max(0, h.cold - 1)
    return consumed


def _spoil(state: GameState) -> Counter:
    """Perishable goods hoarded past their limit rot (the rounded-up share of the excess).

    Returns the units that rotted, by good.
    """
    spoiled: Counter = Counter()
    for spec in state.scenario.goods:
        if spec.hoard_limit is None or not spec.spoil_pct:
            continue
        for h in state.hidden.holdings.values():
            excess = h.goods.get(spec.name, 0) - spec.hoard_limit
            if excess > 0:
                rot = math.ceil(excess * spec.spoil_pct / 100)
                h.goods[spec.name] -= rot
                spoiled[spec.name] += rot
    return spoiled


def _conserved(state: GameState, report: TurnReport) -> bool:
    """Whether pebbles balanced, every good's units moved only by the turn's flows, and nothing is negative."""
    pebbles0, goods0 = report.before
    pebbles1, goods1 = totals(state)
    ok = pebbles1 == pebbles0 and all(
        goods1[g] == goods0[g] + report.flows.net(g) for g in state.scenario.good_names)
    negative = any(v < 0 for h in state.hidden.holdings.values() for v in (h.pebbles, *h.goods.values()))
    return ok and not negative
