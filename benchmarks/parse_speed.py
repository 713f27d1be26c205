"""How fast the parse-and-repair layer is: parses the whole malformed-answer corpus many times.

    python benchmarks/parse_speed.py [--rounds N] [--corpus PATH]

Prints the median, 90th percentile and worst microseconds per answer, the slowest cases, and on its last
line, for machines: `RESULT parse_median_ms=...`. The target is a median under 1 ms per answer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.mind.parsing import Quirks, parse_answer  # noqa: E402

GOODS = ("honey", "acorns", "berries", "firewood")
TRADERS = ("Oona", "Sorrel", "Fennick", "Bramble")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200, help="times the whole corpus is parsed")
    ap.add_argument("--corpus", type=Path, default=ROOT / "tests" / "corpus" / "malformed.jsonl")
    args = ap.parse_args()
    cases = [json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    calls = [(c["id"], c["raw"], Quirks(**c.get("quirks", {})), c.get("patron", False)) for c in cases]
    for _, raw, quirks, patron in calls:  # warm up: regex compilation, pydantic's first validations
        parse_answer(raw, quirks=quirks, patron=patron, goods=GOODS, traders=TRADERS)
    per_case: dict[str, list[float]] = {case_id: [] for case_id, *_ in calls}
    timer = time.perf_counter_ns
    for _ in range(args.rounds):
        for case_id, raw, quirks, patron in calls:
            start = timer()
            parse_answer(raw, quirks=quirks, patron=patron, goods=GOODS, traders=TRADERS)
            per_case[case_id].append((timer() - start) / 1000)
    every = sorted(t for times in per_case.values() for t in times)
    median = statistics.median(every)
    p90 = every[int(0.9 * (len(every) - 1))]
    slowest = sorted(per_case, key=lambda k: statistics.median(per_case[k]), reverse=True)[:5]
    print(f"{len(cases)} answers x {args.rounds} rounds = {len(every)} parses (Python {sys.version.split()[0]})")
    print(f"median {median:.1f} us/answer   p90 {p90:.1f} us   worst {every[-1]:.1f} us")
    print("slowest cases (median us): " + ", ".join(f"{k} {statistics.median(per_case[k]):.0f}" for k in slowest))
    print(f"RESULT parse_median_ms={median / 1000:.4f}")


if __name__ == "__main__":
    main()
