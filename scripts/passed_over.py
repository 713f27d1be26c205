"""Count the turns on which the market passed over a creature short of a good: it bid for the good this
turn and got fewer units than it bid for, while a buyer not short of it (or the Patron) bought units of
that good the same turn. The figure the turn's call (docs/RULES.md) is for: one per (turn, good, short
bidder), with the bids' prices, and whether the buyers not short bid dearer than the short bidder, as
dear, or cheaper (then the short bid was refused, or the orders were not all of one call).

    python scripts/passed_over.py /tmp/ev/before143 [/tmp/ev/after143 ...]

FOLDER is an eval's output (`tokenwood eval --out FOLDER`): every seasons/seed-S/ with its season.json and
traces.jsonl.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine.lab.evaluation.sense import Situation, short_goods  # noqa: E402


def passed_over(season: Path) -> list[str]:
    """One line per short bidder passed over in one season folder, ending in how the dearest bid of the
    buyers not short compared with the short bidder's dearest: "dearer", "as dear" or "cheaper"."""
    trades = json.loads((season / "season.json").read_text())["series"].get("trades", [])
    rows = [json.loads(line) for line in (season / "traces.jsonl").read_text().splitlines() if line.strip()]
    short: dict[tuple[int, str], set[str]] = {}
    bids: dict[tuple[int, str, str], list[tuple[int, int]]] = {}
    for r in rows:
        if r.get("situation") and r["situation"].get("produces"):
            short[(r["turn"], r["creature"])] = set(short_goods(Situation(**r["situation"]), turns=1))
        for o in (r.get("parsed") or {}).get("orders", []):
            if o.get("side") == "buy":
                bids.setdefault((r["turn"], r["creature"], o["good"]), []).append((int(o["qty"]), int(o["price"])))
    got: Counter = Counter()
    for t in trades:
        got[(int(t["turn"]), t["buyer"], t["good"])] += int(t["qty"])
    out = []
    for (turn, who, good), placed in sorted(bids.items()):
        if good not in short.get((turn, who), set()) or got[(turn, who, good)] >= sum(q for q, _ in placed):
            continue
        others = [(b, q, t["price"]) for t in trades if int(t["turn"]) == turn and t["good"] == good
                  and (b := t["buyer"]) != who and good not in short.get((turn, b), set()) for q in [t["qty"]]]
        if others:
            theirs = ", ".join(f"{b} {q}@{p}" for b, q, p in others)
            mine = ", ".join(f"{q}@{p}" for q, p in placed)
            top = max((p for b, _, _ in others for _, p in bids.get((turn, b, good), [])), default=None)
            own = max(p for _, p in placed)
            how = ("dearer" if top > own else "as dear" if top == own else "cheaper") if top is not None else "no bid"
            out.append(f"{season.name} turn {turn}: {who} short of {good}, bid {mine}, got "
                       f"{got[(turn, who, good)]}; bought by buyers not short: {theirs} ({how})")
    return out


def main(folders: list[str]) -> int:
    if not folders:
        print(__doc__)
        return 2
    for folder in folders:
        seasons = sorted((Path(folder) / "seasons").glob("seed-*"))
        if not seasons:
            print(f"{folder}: no seasons/seed-*/ folders (is it an eval's --out?)")
            return 2
        lines = [line for s in seasons for line in passed_over(s)]
        kinds = Counter(line.rsplit("(", 1)[1].rstrip(")") for line in lines)
        print(f"{folder}: {len(lines)} short bidders passed over"
              + "".join(f"; {n} {how}" for how, n in sorted(kinds.items())))
        for line in lines:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
