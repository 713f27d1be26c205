"""The per-creature answer schema for structured outputs: a strict subset of the answer format."""

import json

import pytest

jsonschema = pytest.importorskip("jsonschema")

from engine.core.answer import Answer, answer_json_schema  # noqa: E402
from engine.mind.view import view_for  # noqa: E402
from tests.conftest import play, scripted_game  # noqa: E402

WORDS = {"thinking": "Honey is dear today.", "gossip": "Who sells acorns cheap?"}


@pytest.fixture
def views():
    game = scripted_game(5)
    play(game, 8)
    return [view_for(game.state, t.name) for t in game.state.scenario.traders]


def test_no_self_buy_can_be_written(views):
    for v in views:
        schema = answer_json_schema(v)
        kinds = schema["properties"]["orders"]["items"]["anyOf"]
        buy = next(k for k in kinds if k["properties"]["side"]["enum"] == ["buy"])
        assert v.produces not in buy["properties"]["good"]["enum"]
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(WORDS | {"orders": [{"side": "buy", "good": v.produces, "qty": 1, "price": 3}]}, schema)


def test_sells_only_what_it_holds_and_at_least_one_order(views):
    for v in views:
        schema = answer_json_schema(v)
        kinds = schema["properties"]["orders"]["items"]["anyOf"]
        sells = [k for k in kinds if k["properties"]["side"]["enum"] == ["sell"]]
        held = {g for g, q in v.goods.items() if q > 0}
        assert set(sells[0]["properties"]["good"]["enum"]) == held if sells else not held
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(WORDS | {"orders": []}, schema)


def test_everything_valid_under_it_is_a_valid_answer(views):
    for v in views:
        schema = answer_json_schema(v)
        buyable = [g for g in v.goods_all if g != v.produces]
        sample = WORDS | {"orders": [{"side": "buy", "good": buyable[0], "qty": 2, "price": 5}]}
        jsonschema.validate(sample, schema)
        Answer.model_validate(sample)


def test_thought_and_gossip_are_required_and_not_a_scrap(views):
    """Small models wrote ": " or nothing for their thought and gossip (issue 15): the grammar asks for words."""
    schema = answer_json_schema(views[0])
    order = {"side": "buy", "good": [g for g in views[0].goods_all if g != views[0].produces][0], "qty": 1, "price": 5}
    jsonschema.validate(WORDS | {"orders": [order]}, schema)
    for scrap in ({"thinking": ": "}, {"gossip": ":{"}, {"thinking": ""}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(WORDS | scrap | {"orders": [order]}, schema)
    for missing in ("thinking", "gossip"):
        answer = {k: x for k, x in (WORDS | {"orders": [order]}).items() if k != missing}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(answer, schema)


def test_without_a_view_it_is_the_whole_answer_schema():
    assert answer_json_schema() == Answer.model_json_schema()
    json.dumps(answer_json_schema())
