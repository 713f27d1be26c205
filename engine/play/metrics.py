"""The turn's metrics, written in one place: from what the rules reported and what became of each answer.

    resolve_turn(state, report, answers) -> TurnReport (fills, refusals, conservation)
    the game's decisions                 -> prompts, faults, firewall stops, parser drops
    record_turn(state, report, decisions) adds both to `state.metrics` (nothing else writes them)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from engine.core.economy import gini, net_worth
from engine.core.scenario import PATRON
from engine.core.state import GameState

if TYPE_CHECKING:  # the game imports this module; its Decision is only a type here
    from engine.play.game import Decision
    from engine.core.turn import TurnReport


def record_turn(state: GameState, report: TurnReport, decisions: Iterable[Decision] | None = None) -> None:
    """Add one resolved turn to `state.metrics`.

    `decisions` are the game's decisions of the turn: each stopped prompt, fault and parser drop
    counts, and so does the longest creature prompt (0 when no creature was asked). None when the
    rules were driven directly, without a game: then no prompt length is recorded.
    """
    m, sc = state.metrics, state.scenario
    asked = list(decisions or [])
    # what the rules did
    m.trades_by_turn.append(len(report.fills))
    producer = {t.name: t.produces for t in sc.traders}
    m.self_buys_executed += sum(producer.get(f.buyer) == f.good for f in report.fills)
    for r in report.refusals:
        m.refusals[r.code] = m.refusals.get(r.code, 0) + 1
    m.self_buy_attempts += sum(r.code == "self_buy" for r in report.refusals)
    worth = {n: net_worth(state, n) for n in [t.name for t in sc.traders] + [PATRON]}
    for n, w in worth.items():
        m.net_worth_by_turn.setdefault(n, []).append(w)
    m.gini_by_turn.append(gini(list(worth.values())))
    m.conservation_ok = m.conservation_ok and report.conserved
    # what became of each answer
    m.firewall_leaks += sum(bool(d.leak) for d in asked)
    m.faults += sum(d.reply.fault is not None for d in asked)
    dropped = sum(len(d.parsed.dropped) for d in asked if d.parsed is not None)
    m.invalid_actions += dropped + len(report.refusals)
    if decisions is not None:
        m.prompt_chars_by_turn.append(max((len(d.prompt) for d in asked if d.trader != PATRON), default=0))
