"""Wood Legends: a seeded schedule, the Patron's foreknowledge of it, and legends beginning."""

from __future__ import annotations

from collections import Counter

from engine.core.firewall import canary
from engine.core.refusals import Denial
from engine.core.scenario import Scenario
from engine.core.state import ActiveLegend, Dice, Event, Foreknowledge, GameState


def make_schedule(sc: Scenario, dice: Dice) -> list[tuple[int, str]]:
    """A seeded schedule: the deck shuffled, spaced `every` turns apart (plus or minus `jitter`)."""
    plan = sc.legend_schedule
    deck = dice.shuffle([lg.id for lg in sc.legends])
    out, turn = [], plan.first
    for legend_id in deck:
        t = turn + dice.randint(-plan.jitter, plan.jitter) if plan.jitter else turn
        t = max(1, t)
        if t > sc.season_length:
            break
        out.append((t, legend_id))
        turn += plan.every
    return out


def hear_ahead(state: GameState, turn: int) -> None:
    """On `turn`, the Patron may hear of a legend due `foreknowledge_turns` later (a seeded chance)."""
    p = state.scenario.patron
    hid = state.hidden
    if p.foreknowledge_turns <= 0:
        return
    for start, legend_id in hid.schedule:
        if start - p.foreknowledge_turns == turn and state.dice.randint(0, 99) < p.foreknowledge_pct:
            hid.foreknowledge.append(Foreknowledge(
                legend=legend_id, heard=turn, starts=start,
                canary=canary(hid.salt, "foreknowledge", f"{legend_id}@{start}")))


def begin_due(state: GameState, turn: int) -> tuple[list[Event], Counter]:
    """Begin every legend scheduled for `turn` and apply its one-off effects; announce those that passed.

    Returns (the public events, units each legend destroyed by good).
    """
    sc, pub, hid = state.scenario, state.public, state.hidden
    events: list[Event] = []
    spoiled: Counter = Counter()
    started_ids = {lg.id for lg in pub.legends}
    for start, legend_id in hid.schedule:
        if start != turn or legend_id in started_ids:
            continue
        spec = sc.legend(legend_id)
        pub.legends.append(ActiveLegend(id=spec.id, name=spec.name, words=spec.words, started=turn,
                                        ends=turn + spec.turns - 1))
        events.append(Event(turn=turn, kind="legend", text=f"{spec.name} begins: {spec.words}"))
        for eff in spec.effects:
            if eff.kind == "spoil":
                spoiled.update(_spoil_everywhere(state, eff.good, eff.amount))
    for lg in pub.legends:
        if lg.ends == turn - 1:
            events.append(Event(turn=turn, kind="legend", text=f"{lg.name} has passed."))
    return events, spoiled


def _spoil_everywhere(state: GameState, good: str, pct: int) -> dict[str, int]:
    """Destroy `pct` percent (rounded down) of every trader's units of `good` in hand."""
    lost_total = 0
    for h in state.hidden.holdings.values():
        held = h.goods.get(good, 0)
        lost = held * pct // 100
        if lost:
            h.goods[good] = held - lost
            lost_total += lost
    return {good: lost_total}


def spring(state: GameState, legend_id: str, turn: int) -> Denial | None:
    """The Patron springs a legend: it begins next turn. Returns why not, or None."""
    pub, hid, sc = state.public, state.hidden, state.scenario
    if hid.sprung:
        return Denial("legend_already_sprung", "the Patron has already sprung its legend this season")
    if legend_id not in {lg.id for lg in sc.legends}:
        return Denial("unknown_legend", f"no legend {legend_id!r}")
    if legend_id in {lg.id for lg in pub.legends}:
        return Denial("legend_already_begun", f"{legend_id!r} has already happened")
    hid.schedule = [(t, i) for t, i in hid.schedule if i != legend_id] + [(turn + 1, legend_id)]
    hid.schedule.sort()
    hid.sprung = legend_id
    return None
