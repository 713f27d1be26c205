"""List the turns on which a creature went hungry or cold although its pebbles covered the lack, with
what was on offer: the rows behind the "unmet while affordable" figure of an eval report.

    python scripts/unmet_turns.py /tmp/ev/v17_71

FOLDER is an eval's output (`tokenwood eval --out FOLDER`): every seasons/seed-S/ with its season.json
and traces.jsonl. Per row: the creature's pebbles, the cover cost at last prices, its holdings, the last
prices; its own buys and sells; every other trader's sell of a good it lacked (or of firewood) that turn;
and the trades of those goods, each buyer marked "(short now)" where it lacked that good this very turn
itself. docs/prompt-trials.md (fourth and sixth rounds) reads these rows one by one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine.lab.evaluation.sense import Situation, bid_in_full, cover_cost, short_goods  # noqa: E402
from engine.lab.evaluation.sense_figures import outcomes, unmet_affordable  # noqa: E402


def _orders(row: dict, side: str) -> list[dict]:
    return [o for o in (row.get("parsed") or {}).get("orders", []) if o.get("side") == side]


def _said(o: dict) -> str:
    return f"{o['good']} {o['qty']}@{o['price']}"


def _short_now(by_turn: dict[int, list[dict]], turn: int, trade: dict) -> str:
    """" (short now)" where the buyer of a trade lacked that good this very turn, " (not short now)" where
    it did not (the Patron has no needs: "")."""
    row = next((q for q in by_turn[turn] if q["creature"] == trade["buyer"]), None)
    if row is None or not row.get("situation") or not row["situation"].get("produces"):
        return ""
    return " (short now)" if trade["good"] in short_goods(Situation(**row["situation"]), turns=1) else " (not short now)"


def unmet_rows(season: Path) -> list[str]:
    """The unmet-while-affordable turns of one season folder, as printable lines."""
    series = json.loads((season / "season.json").read_text())["series"]
    fate = outcomes(series)
    rows = [json.loads(line) for line in (season / "traces.jsonl").read_text().splitlines() if line.strip()]
    by_turn: dict[int, list[dict]] = {}
    for r in rows:
        by_turn.setdefault(r["turn"], []).append(r)
    trades: dict[int, list[dict]] = {}
    for t in series.get("trades", []):
        trades.setdefault(int(t["turn"]), []).append(t)
    out = []
    for r in rows:
        if r.get("situation") is None:
            continue
        sit = Situation(**r["situation"])
        o = fate.get((r["creature"], r["turn"]))
        if o is None or o.missed is None or not unmet_affordable(o, sit):
            continue
        cost = cover_cost(sit)
        wanted = {g for g in sit.foods if not sit.goods.get(g) and g != sit.produces} | {sit.fuel or ""}
        asks = [f"{q['creature']}:{_said(x)}" for q in by_turn[r["turn"]] if q["creature"] != r["creature"]
                for x in _orders(q, "sell") if x["good"] in wanted]
        done = [f"{t['buyer']}<-{t['seller']} {t['good']} {t['qty']}@{t['price']}" + _short_now(by_turn, r["turn"], t)
                for t in trades.get(r["turn"], []) if t["good"] in wanted]
        out.append(f"{season.name} turn {r['turn']} {r['creature']}: pebbles {sit.pebbles}, cover cost {cost}, "
                   f"holds {sit.goods}, last {sit.last}, missed {o.missed}, cold {o.cold}"
                   + (f", fault {r['fault']}" if r.get("fault") else "")
                   + (", bid in full" if bid_in_full(_orders(r, "buy"), sit) else ", bid short")
                   + f"\n  bids {[_said(x) for x in _orders(r, 'buy')]}, asks {[_said(x) for x in _orders(r, 'sell')]}"
                   + f"\n  on offer {asks}\n  traded {done}")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    lines = [line for season in sorted(Path(argv[0]).glob("seasons/seed-*")) for line in unmet_rows(season)]
    print("\n".join(lines) or "no unmet turns")
    print(f"{len(lines)} unmet turns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
