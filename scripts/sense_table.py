"""Print one markdown table of the sense measures of several eval reports, per model, side by side.

    python scripts/sense_table.py v8=/tmp/ev/v8_41 v11=/tmp/ev/v11_41

Each argument is LABEL=FOLDER, where FOLDER holds an eval's report.json (`tokenwood eval --out FOLDER`).
The columns are the ones docs/prompt-trials.md compares variants by (definitions: docs/EVAL.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine.lab.evaluation.report import markdown_table, unmet_cell  # noqa: E402
from engine.lab.evaluation.sense_figures import written  # noqa: E402

HEAD = ["run", "model", "answers", "faults", "buys of short goods", "meals missed", "cold turns",
        "unmet while affordable", "surplus offered / sold", "absurd prices", "thinking copied",
        "gossip copied", "thinking repeats", "gossip repeats", "gossip coined", "distinct gossip", "cut off",
        "tokens/answer"]


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "n/a"


def rows(label: str, folder: Path) -> list[list[str]]:
    report = json.loads((folder / "report.json").read_text())
    out = []
    for model, m in sorted(report["models"].items()):
        if model.startswith("scripted") or "sense" not in m:
            continue
        needs, sanity, voice = m["sense"]["needs"], m["sense"]["sanity"], m["sense"]["voice"]
        think, gossip = voice["thinking"], voice["gossip"]
        out.append([label, model, str(m["answers"]), str(m["faults"]), pct(needs["buys_short"], needs["buys"])
                    + (f"; +{needs['buys_stock']} winter stock" if needs.get("buys_stock") else ""),
                    str(needs["meals_missed"]), str(needs["cold_turns"]), unmet_cell(needs),
                    f"{needs['surplus_offered']}/{needs['surplus_sold']} of {needs['surplus_units']}",
                    pct(sanity["absurd"], sanity["orders_priced"]), pct(think["copied"], written(think)),
                    pct(gossip["copied"], written(gossip)), pct(think["repeats"], written(think)),
                    pct(gossip["repeats"], written(gossip)),
                    pct(gossip["coined"], written(gossip)) if "coined" in gossip else "n/a",
                    f"{gossip['distinct_ratio']:.2f}",
                    str(dict(m["top_repairs"]).get("cut_off", 0)), f"{m['tokens_per_answer']:.0f}"])
    return out


def main(argv: list[str]) -> int:
    if not argv or any("=" not in a for a in argv):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    print("\n".join(markdown_table(HEAD, [row for a in argv for row in rows(*_split(a))])))
    return 0


def _split(arg: str) -> tuple[str, Path]:
    label, folder = arg.split("=", 1)
    return label, Path(folder)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
