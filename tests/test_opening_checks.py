"""scripts/opening_checks.py: the counts behind prompt-trials' sixth round."""

import importlib.util
import json
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("opening_checks", Path(__file__).parent.parent / "scripts/opening_checks.py")
checks = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(checks)


def _prompt(orders: list[tuple[str, str]]) -> str:
    return "You are Bramble.\n\n" + checks.SUGGESTED + "\n" + json.dumps(
        [{"side": s, "good": g, "qty": 1, "price": 5} for s, g in orders])


def test_the_backup_is_the_third_need_before_or_after_the_sale():
    before = _prompt([("buy", "acorns"), ("buy", "berries"), ("buy", "honey"), ("sell", "firewood")])
    since = _prompt([("buy", "acorns"), ("buy", "berries"), ("sell", "firewood"), ("buy", "honey")])
    assert checks.backup_of(before) == checks.backup_of(since) == "honey"
    assert checks.backup_of(_prompt([("buy", "acorns"), ("buy", "berries"), ("sell", "firewood")])) is None
    assert checks.backup_of(_prompt([("buy", "acorns"), ("buy", "berries"), ("buy", "honey")])) is None  # no sale
    assert checks.backup_of("no suggestion here") is None


def test_a_need_bid_refused_for_pebbles_counts_and_other_refusals_do_not():
    sit = {"me": "Bramble", "produces": "firewood", "rate": 3, "meals": 2, "foods": ["honey", "acorns", "berries"],
           "goods": {"honey": 1, "firewood": 9}, "pebbles": 20}
    orders = [{"side": "buy", "good": "acorns", "qty": 1, "price": 5},
              {"side": "buy", "good": "firewood", "qty": 1, "price": 5}]
    row = {"situation": sit, "parsed": {"orders": orders},
           "refused": [{"where": "orders[0]", "code": "insufficient_pebbles", "detail": "1 @ 5 needs 5, has 3"}]}
    assert checks.refused_need(row)
    assert not checks.refused_need(row | {"refused": [{"where": "orders[0]", "code": "self_buy", "detail": ""}]})
    fed = row | {"situation": sit | {"goods": {"honey": 1, "acorns": 1, "firewood": 9}}}
    assert not checks.refused_need(fed)  # acorns are no longer short this turn
