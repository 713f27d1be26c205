"""Two counts behind docs/prompt-trials.md's sixth round, per model, over an eval's trace rows:

- **backup written**: answers whose suggested orders held a backup food (a third need buy, with a sale of
  the creature's own good), and of those the ones whose orders bid for that food. Before the sixth round
  the suggestion listed the backup before the sale (buy, buy, buy, sell); since, after it (buy, buy,
  sell, buy), where the grammar's free slot is.
- **need bids refused for pebbles**: answers in which a bid for a good the creature lacked this very turn
  was refused as "insufficient_pebbles" (another of its bids had been escrowed first).

    python scripts/opening_checks.py FOLDER [FOLDER ...]

FOLDER is an eval's output (`tokenwood eval --out FOLDER`).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine.lab.evaluation.sense import Situation, short_goods  # noqa: E402
from engine.mind.prompt import SUGGESTED_HEAD as SUGGESTED  # noqa: E402


def backup_of(prompt: str) -> str | None:
    """The backup food the prompt's suggestion holds, or None (the third need buy, with a sale)."""
    lines = prompt.split("\n")
    if SUGGESTED not in lines:
        return None
    sides = [(o["side"], o["good"]) for o in json.loads(lines[lines.index(SUGGESTED) + 1])]
    sale = next((i for i, (side, _) in enumerate(sides) if side == "sell"), None)
    if sale is None:
        return None
    if sale >= 3:  # before: buy, buy, buy, sell
        return sides[2][1]
    if sale == 2 and len(sides) > 3 and sides[3][0] == "buy":  # since: buy, buy, sell, buy
        return sides[3][1]
    return None


def refused_need(row: dict) -> bool:
    """Whether a bid of the row's answer for a good short this turn was refused for pebbles."""
    sit = row.get("situation")
    if not sit or not sit.get("produces") or not row.get("parsed"):
        return False
    now, orders = short_goods(Situation(**sit), turns=1), row["parsed"].get("orders", [])
    for ref in row.get("refused") or []:
        where = ref.get("where", "")
        if ref.get("code") == "insufficient_pebbles" and where.startswith("orders["):
            i = int(where[len("orders["):-1])
            if i < len(orders) and orders[i].get("side") == "buy" and orders[i].get("good") in now:
                return True
    return False


def counts(folder: Path) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for traces in sorted(folder.glob("seasons/seed-*/traces.jsonl")):
        for line in traces.read_text().splitlines():
            row = json.loads(line)
            if not row.get("parsed") or not row.get("situation") or not row["situation"].get("produces"):
                continue
            c = out.setdefault(row["model"], Counter())
            c["answers"] += 1
            backup = backup_of(row.get("prompt") or "")
            if backup:
                c["backup suggested"] += 1
                c["backup written"] += any(o.get("side") == "buy" and o.get("good") == backup
                                           for o in row["parsed"].get("orders", []))
            c["need bids refused for pebbles"] += refused_need(row)
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for folder in argv:
        for model, c in sorted(counts(Path(folder)).items()):
            print(f"{folder} {model}: backup written {c['backup written']}/{c['backup suggested']}, "
                  f"need bids refused for pebbles {c['need bids refused for pebbles']}/{c['answers']} answers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
