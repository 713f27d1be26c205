"""Refusal codes: one closed set, each member explained, and old traces' words read as codes."""

from typing import get_args

import pytest

from engine.core.market import RejectReason
from engine.core.refusals import Denial, MEANING, REFUSAL_CODES, Refusal, refusal_code
from tests.conftest import play, scripted_game


def test_the_codes_are_one_closed_set_each_explained():
    assert len(set(REFUSAL_CODES)) == len(REFUSAL_CODES)
    assert set(get_args(RejectReason)) <= set(REFUSAL_CODES)  # the market's codes are members, not a copy
    assert list(MEANING) == list(REFUSAL_CODES)
    assert all(line.strip() for line in MEANING.values())


def test_a_refusal_reads_as_code_and_detail_and_records_both():
    r = Refusal.of("Oona", "orders[0]", Denial("self_buy", "Oona makes honey"))
    assert (r.trader, r.where, r.code) == ("Oona", "orders[0]", "self_buy")
    assert r.reason == "self_buy: Oona makes honey"
    assert Refusal("Patron", "answer", "frozen").reason == "frozen"
    assert r.record() == {"where": "orders[0]", "code": "self_buy", "detail": "Oona makes honey"}
    assert refusal_code(r.record()) == "self_buy"


@pytest.mark.parametrize("old, code", [  # every wording the rules used before codes
    ("self_buy: Oona makes honey", "self_buy"),
    ("unknown_good: gold", "unknown_good"),
    ("insufficient_pebbles", "insufficient_pebbles"),
    ("self_trade_cancelled", "self_trade_cancelled"),
    ("frozen", "frozen"),
    ("banished", "banished"),
    ("the Patron receives no offers", "patron_receives_no_offers"),
    ("the Patron can no longer pay out this loan", "offer_unpaid"),
    ("the Patron can no longer pay this bribe", "offer_unpaid"),
    ("no open offer #9 for Bramble", "unknown_offer"),
    ("no creature called 'nobody'", "unknown_creature"),
    ("the Patron has 3 pebbles, cannot lend 40", "insufficient_pebbles"),
    ("no good called 'gold'", "unknown_good"),
    ("the pool holds only 2 acorns", "pool_short"),
    ("no open short #4", "unknown_short"),
    ("the Patron holds 1 acorns, owes 4", "insufficient_goods"),
    ("the Patron has already sprung its legend this season", "legend_already_sprung"),
    ("no legend 'x'", "unknown_legend"),
    ("'long_frost' has already happened", "legend_already_begun"),
    ("cannot afford", "?"),
])
def test_old_traces_words_are_read_as_codes(old, code):
    assert refusal_code({"where": "x", "reason": old}) == code


def test_traces_carry_the_code_and_detail(tmp_path):
    import json
    path = tmp_path / "traces.jsonl"
    game = scripted_game(1, traces=path)
    play(game, 40)
    refused = [r for line in path.read_text().splitlines() for r in json.loads(line)["refused"]]
    assert refused and all(set(r) == {"where", "code", "detail"} and r["code"] in REFUSAL_CODES for r in refused)
