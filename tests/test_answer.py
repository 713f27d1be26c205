"""What an answer holds, named once: the kinds of move, an answer's actions, a Patron answer from moves."""

import pytest
from pydantic import ValidationError

from engine.core.answer import (CREATURE_ACTIONS, ID_ACTIONS, PATRON_MOVES, ActionKind, Answer, BribeMove, CoverMove,
                           LendMove, OrderAction, PatronAnswer, ShortMove, TipMove, count_in)
from engine.brains.human import KINDS, QueuedMove, build_answer
from engine.brains.patron import moves_to_answer

K = ActionKind
BUY = OrderAction(side="buy", good="honey", qty=2, price=7)
LEND = LendMove(creature="Oona", amount=20, rate_pct=5, term=4)


def test_every_answer_field_but_thinking_is_a_kind():
    assert {k.value for k in ActionKind} == set(PatronAnswer.model_fields) - {"thinking"}
    assert not [k for k in ActionKind if k.patron_only and k.value in Answer.model_fields]


def test_the_groups_of_kinds():
    assert CREATURE_ACTIONS == (K.ORDERS, K.CANCEL, K.ACCEPT, K.DECLINE)
    assert ID_ACTIONS == (K.CANCEL, K.ACCEPT, K.DECLINE)
    assert PATRON_MOVES == (K.LEND, K.TIP, K.SHORT, K.COVER, K.BRIBE, K.LEGEND)
    assert [k for k in ActionKind if k.single] == [K.LEGEND, K.GOSSIP]
    assert [k for k in ActionKind if not k.is_action] == [K.GOSSIP]


def test_the_type_of_one_move_of_each_kind():
    assert {k: k.item for k in ActionKind} == {
        K.ORDERS: OrderAction, K.CANCEL: int, K.ACCEPT: int, K.DECLINE: int, K.LEND: LendMove, K.TIP: TipMove,
        K.SHORT: ShortMove, K.COVER: CoverMove, K.BRIBE: BribeMove, K.LEGEND: str, K.GOSSIP: str}


def test_a_creature_answer_lists_its_actions_but_not_its_words():
    a = Answer(thinking="hm", orders=[BUY], cancel=[3, 4], gossip="hello", accept=[9], decline=[])
    assert list(a.actions()) == [(K.ORDERS, BUY), (K.CANCEL, 3), (K.CANCEL, 4), (K.ACCEPT, 9)]
    assert a.count_actions() == 4
    assert Answer(gossip="only words").count_actions() == 0


def test_a_patron_answer_lists_its_own_moves_after_a_traders():
    cover = CoverMove(short_id=2)
    a = PatronAnswer(orders=[BUY], lend=[LEND], cover=[cover], legend="long_frost", gossip="hi")
    assert list(a.actions()) == [(K.ORDERS, BUY), (K.LEND, LEND), (K.COVER, cover), (K.LEGEND, "long_frost")]
    assert PatronAnswer(legend="").count_actions() == 1  # set, though to nothing: counted as the parser always has
    assert PatronAnswer().count_actions() == 0


@pytest.mark.parametrize("answer", [
    Answer(orders=[BUY, BUY], decline=[1], gossip="x"),
    PatronAnswer(cancel=[5], tip=[TipMove(creature="Oona", good="honey", direction="rise")], legend="x"),
    PatronAnswer(short=[ShortMove(good="honey", qty=1)], bribe=[BribeMove(creature="Oona", amount=3)]),
    PatronAnswer(),
])
def test_counting_a_plain_dict_agrees_with_counting_the_model(answer):
    assert count_in(answer.model_dump()) == answer.count_actions()


def test_counting_a_plain_dict_of_chosen_kinds():
    row = {"orders": [{}, {}], "accept": [1], "lend": [{}], "legend": None, "gossip": "words"}
    assert count_in(row, CREATURE_ACTIONS) == 3
    assert count_in(row, PATRON_MOVES) == 1
    assert count_in(row | {"legend": "long_frost"}, PATRON_MOVES) == 2


def test_moves_become_one_patron_answer_in_order_the_last_words_standing():
    moves = [(K.ORDERS, BUY), ("gossip", "first"), (K.CANCEL, 7), (K.ORDERS, BUY), (K.GOSSIP, "second")]
    fields = PatronAnswer.fields_from(moves)
    assert fields == {"orders": [BUY.model_dump(), BUY.model_dump()], "gossip": "second", "cancel": [7]}
    assert list(fields) == ["orders", "gossip", "cancel"]
    assert PatronAnswer.from_moves(moves) == PatronAnswer(orders=[BUY, BUY], cancel=[7], gossip="second")


def test_moves_an_answer_cannot_hold_are_refused():
    with pytest.raises(ValidationError):
        PatronAnswer.from_moves([(K.LEND, LEND)] * 5)
    with pytest.raises(ValueError, match="teleport"):
        PatronAnswer.fields_from([("teleport", 1)])


def test_the_desk_and_a_patron_script_build_the_same_answer():
    desk = [QueuedMove(K.ORDERS, BUY), QueuedMove(K.LEND, LEND), QueuedMove(K.CANCEL, 4),
            QueuedMove(K.LEGEND, "long_frost"), QueuedMove(K.GOSSIP, "Honey will be dear.")]
    script = [{"turn": 1, "action": "order", "side": "buy", "good": "honey", "qty": 2, "price": 7, "lifetime": 1},
              {"turn": 1, "action": "lend", "creature": "Oona", "amount": 20, "rate_pct": 5, "term": 4},
              {"turn": 1, "action": "cancel", "order_id": 4},
              {"turn": 1, "action": "legend", "legend": "long_frost"},
              {"turn": 1, "action": "gossip", "text": "Honey will be dear."}]
    assert PatronAnswer.model_validate(moves_to_answer(script)) == build_answer(desk)


def test_the_desk_queues_every_kind_but_answers_to_offers():
    assert set(ActionKind) - set(KINDS) == {K.ACCEPT, K.DECLINE}
