"""Turn resolution, exactly in GAME.md's order. Pure: no I/O, no model calls, all randomness from the dice.

    begin_turn(state)              1. the world moves: production, legends, winter, foreknowledge
    (the game asks every brain)    2.-3. decisions, parse and repair (engine.game / engine.parsing)
    resolve_turn(state, answers)   4. offers, Patron moves, orders in seeded order, expiry, loans,
                                      shorts, eating, firewood, spoilage, offers lapse
                                   5. magistrate, relationships, metrics, public record
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine import legends, magistrate, memory, patron
from engine.answer import ActionKind, Answer, PatronAnswer
from engine.firewall import canary, scrub_public_text
from engine.market import Fill
from engine.rules import Flows, burn_for, gini, net_worth, production_for, totals
from engine.scenario import PATRON
from engine.state import Event, GameState, Thought, TradeRecord

THOUGHTS_KEPT = 3
"""Private thoughts kept per trader in the hidden ledger."""


@dataclass(frozen=True)
class Refusal:
    """An action the rules refused."""

    trader: str
    """Who tried."""
    where: str
    """Which action, e.g. "orders[1]", "lend[0]", "accept[0]"."""
    reason: str
    """Short reason code or sentence."""


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
    legends.begin_due(state, turn, report.events, report.flows)
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
    """Steps 4-5: resolve everyone's answers for `report.turn`. Missing answers mean "do nothing"."""
    sc, pub, hid = state.scenario, state.public, state.hidden
    turn, events = report.turn, report.events
    for name, why in sorted((hesitated or {}).items()):
        events.append(Event(turn=turn, kind="hesitate", actors=[name],
                            text=f"{name} hesitates this turn ({why})."))
    order = state.dice.shuffle([t.name for t in sc.traders] + [PATRON])
    transfers: list[tuple[str, str, int]] = []
    patron_blocked = pub.patron_banished or pub.patron_frozen_until >= turn

    def refuse(who: str, where: str, reason: str) -> None:
        report.refusals.append(Refusal(who, where, reason))
        state.metrics.refusals[reason.split(":")[0]] = state.metrics.refusals.get(reason.split(":")[0], 0) + 1

    # 4a. offers answered, cancels, the Patron's own moves, gossip and thoughts: trader by trader.
    for name in order:
        ans = answers.get(name)
        if ans is None:
            continue
        if name == PATRON and patron_blocked:
            if _has_actions(ans):
                refuse(name, "answer", "banished" if pub.patron_banished else "frozen")
            continue
        for key, accept in (("accept", True), ("decline", False)):
            for i, offer_id in enumerate(getattr(ans, key)):
                why = ("the Patron receives no offers" if name == PATRON else
                       patron.answer_offer(state, name, offer_id, accept, turn, transfers))
                if why:
                    refuse(name, f"{key}[{i}]", why)
        for i, order_id in enumerate(ans.cancel):
            rej = state.market.cancel(name, order_id, hid.holdings[name])
            if rej is not None:
                refuse(name, f"cancel[{i}]", rej.reason)
        if isinstance(ans, PatronAnswer) and name == PATRON:
            _patron_moves(state, ans, turn, refuse)
        if ans.gossip.strip():
            said = scrub_public_text(ans.gossip.strip())[:160]
            events.append(Event(turn=turn, kind="gossip", actors=[name], text=f"{name} says: \"{said}\""))
            _gossip_feelings(state, name, said)
        if ans.thinking.strip():
            hid.thoughts.append(Thought(turn=turn, trader=name, text=ans.thinking.strip()[:200],
                                        canary=canary(hid.salt, "thought", f"{turn}|{name}")))

    # 4b. every order of the turn, in one seeded arrival order.
    stream = [(name, i, o) for name in order if (ans := answers.get(name)) is not None
              and not (name == PATRON and patron_blocked) for i, o in enumerate(ans.orders)]
    for name, i, o in state.dice.shuffle(stream):
        if o.good not in sc.good_names:
            refuse(name, f"orders[{i}]", f"unknown_good: {o.good}")
            continue
        if name != PATRON and o.side == "buy" and o.good == sc.trader(name).produces:
            state.metrics.self_buy_attempts += 1
            refuse(name, f"orders[{i}]", f"self_buy: {name} makes {o.good}")
            continue
        res = state.market.place(name, o.side, o.good, o.qty, o.price, o.lifetime, turn,
                                 hid.holdings[name], hid.holdings)
        report.fills.extend(res.fills)
        for rej in res.rejections:
            if rej.trader == name:
                refuse(name, f"orders[{i}]", rej.reason)
    state.market.expire(turn + 1, hid.holdings)
    _record_trades(state, report)

    # 4c. debts, shorts, offers delivered or lapsed, eating, firewood, spoilage.
    patron.settle_loans(state, turn, events)
    patron.settle_shorts(state, turn)
    patron.lapse_offers(state, turn)
    _eat_and_burn(state, turn, report.flows)
    _spoil(state, report.flows)

    # 5. magistrate, relationships, metrics, public record.
    magistrate.observe(state, turn, report.fills, transfers, events)
    _trade_feelings(state, report.fills)
    hid.thoughts = hid.thoughts[-THOUGHTS_KEPT * (len(sc.traders) + 1):]
    pub.winter_burn = burn_for(state, turn)
    pub.events.extend(events)
    pub.turn = turn
    _metrics(state, report)
    return report


def _has_actions(ans: Answer) -> bool:
    """Whether an answer tries anything (an empty legend name springs nothing, so it is no action here)."""
    return any(kind is not ActionKind.LEGEND or move for kind, move in ans.actions())


def _patron_moves(state: GameState, ans: PatronAnswer, turn: int, refuse) -> None:
    """The Patron's moves in a fixed order: shorts first (so borrowed units can be sold this turn)."""
    steps = [("short", ans.short, patron.open_short), ("cover", ans.cover, patron.cover),
             ("lend", ans.lend, patron.lend), ("tip", ans.tip, patron.tip), ("bribe", ans.bribe, patron.bribe)]
    for key, moves, fn in steps:
        for i, move in enumerate(moves):
            why = fn(state, move, turn)
            if why:
                refuse(PATRON, f"{key}[{i}]", why)
    if ans.legend:
        why = patron.spring(state, ans.legend, turn)
        if why:
            refuse(PATRON, "legend", why)


def _gossip_feelings(state: GameState, speaker: str, text: str) -> None:
    """Whoever gossip names warms (+1) or sours (-2) toward the speaker."""
    tone = memory.gossip_tone(text)
    if not tone:
        return
    lowered = text.lower()
    for t in state.scenario.traders:
        if t.name != speaker and t.name.lower() in lowered:
            memory.nudge(state.hidden, t.name, speaker, 1 if tone > 0 else -2, state.scenario.sentiment_bound)


def _trade_feelings(state: GameState, fills: list[Fill]) -> None:
    """Each pair that traded this turn warms by one toward each other."""
    pairs = {(f.buyer, f.seller) for f in fills}
    for a, b in sorted(pairs):
        memory.nudge(state.hidden, a, b, 1, state.scenario.sentiment_bound)
        memory.nudge(state.hidden, b, a, 1, state.scenario.sentiment_bound)


def _record_trades(state: GameState, report: TurnReport) -> None:
    """Public trade records, one summary event per good, self-buy audit, and last prices."""
    sc, pub = state.scenario, state.public
    producer = {t.name: t.produces for t in sc.traders}
    by_good: dict[str, list[Fill]] = {}
    for f in report.fills:
        pub.trades.append(TradeRecord(turn=report.turn, good=f.good, qty=f.qty, price=f.price,
                                      buyer=f.buyer, seller=f.seller))
        by_good.setdefault(f.good, []).append(f)
        if producer.get(f.buyer) == f.good:
            state.metrics.self_buys_executed += 1
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
            report.events.append(Event(turn=report.turn, kind="trade", actors=sorted(
                {f.buyer for f in fills[:4]} | {f.seller for f in fills[:4]}),
                text=f"{g}: {units} sold at {span} ({who}{more})"))


def _eat_and_burn(state: GameState, turn: int, flows: Flows) -> None:
    """Creatures eat their meals (one unit of each of `meals` different foods) and burn firewood."""
    sc = state.scenario
    burn = burn_for(state, turn)
    for t in sc.traders:
        h = state.hidden.holdings[t.name]
        held = sorted((f for f in sc.foods if h.goods.get(f, 0) > 0), key=lambda f: (-h.goods[f], f))
        eaten = held[: sc.diet.meals]
        for f in eaten:
            h.goods[f] -= 1
            flows.consumed[f] += 1
        missed = sc.diet.meals - len(eaten)
        h.hunger = h.hunger + missed if missed else max(0, h.hunger - 1)
        if burn:
            fuel = sc.fuels[0] if sc.fuels else None
            have = h.goods.get(fuel, 0) if fuel else 0
            used = min(have, burn)
            if used:
                h.goods[fuel] -= used
                flows.consumed[fuel] += used
            h.cold = h.cold + 1 if used < burn else max(0, h.cold - 1)
        else:
            h.cold = max(0, h.cold - 1)


def _spoil(state: GameState, flows: Flows) -> None:
    """Perishable goods hoarded past their limit rot (the rounded-up share of the excess)."""
    for spec in state.scenario.goods:
        if spec.hoard_limit is None or not spec.spoil_pct:
            continue
        for h in state.hidden.holdings.values():
            excess = h.goods.get(spec.name, 0) - spec.hoard_limit
            if excess > 0:
                rot = math.ceil(excess * spec.spoil_pct / 100)
                h.goods[spec.name] -= rot
                flows.spoiled[spec.name] += rot


def _metrics(state: GameState, report: TurnReport) -> None:
    """Trades, Gini and the conservation check for the turn."""
    m = state.metrics
    m.trades_by_turn.append(len(report.fills))
    names = [t.name for t in state.scenario.traders] + [PATRON]
    worth = {n: net_worth(state, n) for n in names}
    for n, w in worth.items():
        m.net_worth_by_turn.setdefault(n, []).append(w)
    m.gini_by_turn.append(gini(list(worth.values())))
    pebbles0, goods0 = report.before
    pebbles1, goods1 = totals(state)
    ok = pebbles1 == pebbles0 and all(
        goods1[g] == goods0[g] + report.flows.net(g) for g in state.scenario.good_names)
    negative = any(v < 0 for h in state.hidden.holdings.values() for v in (h.pebbles, *h.goods.values()))
    report.conserved = ok and not negative
    m.conservation_ok = m.conservation_ok and report.conserved
    m.invalid_actions += len(report.refusals)
