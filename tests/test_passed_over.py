"""scripts/passed_over.py: the short bidders the market passed over, from an eval's recorded seasons."""

import importlib.util
import json
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("passed_over", Path(__file__).parent.parent / "scripts/passed_over.py")
passed_over = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(passed_over)

LAST = {"honey": 6, "acorns": 4, "berries": 5, "firewood": 5}


def _situation(me: str, produces: str, goods: dict) -> dict:
    return {"me": me, "produces": produces, "rate": 3, "pebbles": 60, "goods": goods, "last": LAST, "meals": 2,
            "foods": ["honey", "acorns", "berries"], "fuel": "firewood", "burn": 0, "burn_next": 0,
            "hoard_limits": {"honey": 12, "berries": 8}, "hunger": 0, "cold": 0, "winter_in": 15}


def _season(folder: Path, trades: list[dict], theirs: int = 6) -> Path:
    """One season: Oona holds only honey (short of a second food), Sorrel holds acorns and berries (short of
    nothing); both bid 1 berry, Oona at 6, Sorrel at `theirs`."""
    season = folder / "seasons" / "seed-1"
    season.mkdir(parents=True)
    (season / "season.json").write_text(json.dumps({"series": {"trades": trades}}))
    bid = {"side": "buy", "good": "berries", "qty": 1, "price": 6, "lifetime": 1}
    rows = [{"turn": 1, "creature": "Oona", "parsed": {"orders": [bid]},
             "situation": _situation("Oona", "honey", {"honey": 9})},
            {"turn": 1, "creature": "Sorrel", "parsed": {"orders": [bid | {"price": theirs}]},
             "situation": _situation("Sorrel", "acorns", {"acorns": 9, "berries": 3})}]
    (season / "traces.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return season


def test_a_short_bidder_is_passed_over_only_where_a_buyer_not_short_got_the_good(tmp_path, capsys):
    sold = {"turn": 1, "good": "berries", "qty": 1, "price": 5, "seller": "Fennick"}
    lost = _season(tmp_path / "lost", [sold | {"buyer": "Sorrel"}])
    assert passed_over.passed_over(lost) == [
        "seed-1 turn 1: Oona short of berries, bid 1@6, got 0; bought by buyers not short: Sorrel 1@5 (as dear)"]
    assert passed_over.passed_over(_season(tmp_path / "dear", [sold | {"buyer": "Sorrel"}], 7))[0].endswith(
        "Sorrel 1@5 (dearer)")
    assert passed_over.passed_over(_season(tmp_path / "won", [sold | {"buyer": "Oona"}])) == []
    assert passed_over.passed_over(_season(tmp_path / "none", [])) == []  # no seller: not passed over
    assert passed_over.main([str(tmp_path / "lost")]) == 0
    assert "1 short bidders passed over; 1 as dear" in capsys.readouterr().out


def test_a_folder_without_seasons_is_a_clear_error(tmp_path, capsys):
    assert passed_over.main([str(tmp_path)]) == 2
    assert "no seasons/seed-*/ folders" in capsys.readouterr().out
