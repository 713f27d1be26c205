"""The human Patron's brain: the desk queues moves; the next turn sends them, once."""

import asyncio

import pytest

from engine.brains.base import Brain
from engine.brains.human import HumanPatron, QueueError
from engine.core.answer import LendMove, OrderAction, TipMove
from engine.mind.parsing import parse_answer
from engine.play.scenario_files import load_scenario


def test_it_is_a_brain_and_sends_what_was_queued_then_passes():
    h = HumanPatron()
    assert isinstance(h, Brain) and h.model == "human"
    h.queue("orders", OrderAction(side="buy", good="honey", qty=2, price=7))
    h.queue("tip", TipMove(creature="Oona", good="honey", direction="rise", true=True))
    h.queue("lend", LendMove(creature="Sorrel", amount=20, rate_pct=5, term=4))
    h.queue("legend", "long_frost")
    h.queue("legend", "berry_corner")  # one a turn: the newer replaces the older
    reply = asyncio.run(h.decide(None, ""))
    sc = load_scenario()
    parsed = parse_answer(reply.raw, patron=True, goods=sc.good_names, traders=[t.name for t in sc.traders])
    assert parsed.dropped == () and parsed.repairs == ()
    a = parsed.answer
    assert a.orders[0].qty == 2 and a.tip[0].true is True and a.lend[0].creature == "Sorrel"
    assert a.legend == "berry_corner"
    assert h.queued == ()
    assert asyncio.run(h.decide(None, "")).raw == "{}"


def test_the_queue_refuses_what_the_answer_cannot_hold():
    h = HumanPatron()
    for _ in range(4):
        h.queue("lend", LendMove(creature="Oona", amount=1, rate_pct=1, term=1))
    with pytest.raises(QueueError, match="cannot queue this lend"):
        h.queue("lend", LendMove(creature="Oona", amount=1, rate_pct=1, term=1))
    with pytest.raises(QueueError, match="unknown move kind"):
        h.queue("teleport", 1)
    with pytest.raises(QueueError, match="a cancel move must be int, got str"):
        h.queue("cancel", "7")
    assert len(h.queued) == 4


def test_withdraw_takes_back_one_move():
    h = HumanPatron()
    h.queue("cancel", 3)
    h.queue("cancel", 4)
    assert h.withdraw(0).move == 3
    assert [m.move for m in h.queued] == [4]
