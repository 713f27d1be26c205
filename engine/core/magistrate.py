"""The magistrate: deterministic rules that hunt trading on what one should not know.

Evidence (hidden) comes from three sources, each turn:
- foreknowledge trades: the Patron buys a good it knows a coming legend will raise (or sells one it
  will sink) between hearing of the legend and its start;
- true tips traded on: a creature trades in the direction of a *true* tip within two turns of hearing
  it (a planted tip traded on proves nothing);
- private transfers: a loan or bribe of at least `large_transfer` pebbles accepted, and any accepted bribe.
Suspicion is the sum of evidence points, cooling by one after `quiet_turns` without new evidence.
The public sees only a coarse meter and the sanctions, which climb once each: warning, fine, freeze,
banishment.
"""

from __future__ import annotations

from engine.core.firewall import canary
from engine.core.market import Fill
from engine.core.scenario import PATRON
from engine.core.state import Event, Evidence, GameState, Sanction

METER = ((0, "calm"), (3, "murmurs"), (6, "watchful"), (10, "investigating"))
"""Suspicion points at which the public meter reads each word."""


def meter(points: int) -> str:
    """The public word for a suspicion level."""
    word = METER[0][1]
    for at, name in METER:
        if points >= at:
            word = name
    return word


def _bought_sold(fills: list[Fill], who: str, good: str) -> tuple[int, int]:
    bought = sum(f.qty for f in fills if f.good == good and f.buyer == who)
    sold = sum(f.qty for f in fills if f.good == good and f.seller == who)
    return bought, sold


def observe(state: GameState, turn: int, fills: list[Fill], transfers: list[tuple[str, str, int]]) -> list[Event]:
    """Gather this turn's evidence, cool or raise suspicion, apply sanctions, update the meter.

    `transfers` lists accepted private deals as (kind, creature, pebbles), kind "loan" or "bribe".
    Returns the public events: sanctions applied, then the meter's new word if it changed.
    """
    sc, hid, pub = state.scenario, state.hidden, state.public
    if pub.patron_banished:
        return []
    found: list[Evidence] = []

    def add(kind: str, points: int, detail: str) -> None:
        found.append(Evidence(turn=turn, kind=kind, points=points, detail=detail,
                              canary=canary(hid.salt, "evidence", f"{turn}|{kind}|{detail}")))

    for fk in hid.foreknowledge:
        if not fk.heard <= turn < fk.starts:
            continue
        for good, way in sc.legend(fk.legend).moves.items():
            bought, sold = _bought_sold(fills, PATRON, good)
            qty = bought if way == "rise" else sold
            if qty:
                add("foreknowledge_trade", min(3, 1 + qty // 5),
                    f"Patron {'bought' if way == 'rise' else 'sold'} {qty} {good} before {fk.legend}")
    for tip in hid.tips:
        if not tip.true or not tip.turn < turn <= tip.turn + 2:
            continue
        bought, sold = _bought_sold(fills, tip.creature, tip.good)
        qty = bought if tip.direction == "rise" else sold
        key = f"tip#{tip.id}"
        if qty and not any(e.detail.startswith(key + " ") for e in hid.evidence):
            add("true_tip_traded", 2, f"{key} {tip.creature} traded {qty} {tip.good} on a true tip")
    for kind, creature, amount in transfers:
        if amount >= sc.magistrate.large_transfer:
            add("large_transfer", 1, f"{kind} of {amount} to {creature}")
        if kind == "bribe":
            add("bribe", 1, f"bribe of {amount} to {creature}")

    if found:
        hid.evidence.extend(found)
        hid.suspicion += sum(e.points for e in found)
        hid.last_evidence_turn = turn
    elif hid.suspicion > 0 and turn - hid.last_evidence_turn >= sc.magistrate.quiet_turns:
        hid.suspicion -= 1
        hid.last_evidence_turn = turn
    events = _sanction(state, turn)
    before = pub.suspicion
    pub.suspicion = meter(hid.suspicion)
    if pub.suspicion != before:
        events.append(Event(turn=turn, kind="magistrate",
                            text=f"The magistrate's mood is now: {pub.suspicion}.", actors=[PATRON]))
    return events


def _sanction(state: GameState, turn: int) -> list[Event]:
    """Apply each sanction once, in order, when suspicion reaches its threshold; return their events."""
    m, hid, pub = state.scenario.magistrate, state.hidden, state.public
    ladder: tuple[tuple[Sanction, int], ...] = (
        ("warn", m.warn_at), ("fine", m.fine_at), ("freeze", m.freeze_at), ("banish", m.banish_at))
    events: list[Event] = []
    for name, at in ladder:
        if hid.suspicion < at or name in hid.sanctions:
            continue
        hid.sanctions.append(name)
        patron = hid.holdings[PATRON]
        if name == "warn":
            text = "The magistrate warns the Patron: the wood is watching its dealings."
        elif name == "fine":
            fine = min(patron.pebbles, max(10, patron.pebbles * m.fine_pct // 100))
            patron.pebbles -= fine
            hid.treasury += fine
            text = f"The magistrate fines the Patron {fine} pebbles."
        elif name == "freeze":
            pub.patron_frozen_until = turn + m.freeze_turns
            state.market.cancel_all(PATRON, hid.holdings)
            text = f"The magistrate freezes the Patron's assets until turn {pub.patron_frozen_until}."
        else:
            pub.patron_banished = True
            state.market.cancel_all(PATRON, hid.holdings)
            text = "The magistrate banishes the Patron from the wood."
        events.append(Event(turn=turn, kind="magistrate", text=text, actors=[PATRON], sanction=name))
    return events
