"""State hashes of recorded seeds: proof that a refactor changed no behaviour.

Plays full seasons headless with the scripted council (and the scheming Patron) on a list of seeds,
on the embedded scenario and on a generated wood, and replays the recorded model answers of the
parsing corpus; prints one line per season with its final state hash. Run it before and after a
change and diff the two outputs:

    .venv/bin/python scripts/state_hashes.py > before.txt
    ... change ...
    .venv/bin/python scripts/state_hashes.py | diff before.txt -
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine.play.headless as headless  # noqa: E402
from engine.play.headless import RunOptions  # noqa: E402


EVENT_FIELDS_BEFORE_TYPING = ("turn", "kind", "text", "actors")
"""The fields an event had before events carried typed facts; the legacy hash keeps only these."""


def legacy_hash(state) -> str:
    """The state hash with every event cut to its original fields (comparable across that change)."""
    data = state.model_dump(mode="json")
    data["public"]["events"] = [{k: e[k] for k in EVENT_FIELDS_BEFORE_TYPING}
                                for e in data["public"]["events"]]
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def digest(summary: dict) -> str:
    """A hash of everything in the summary that does not depend on the clock."""
    kept = {k: v for k, v in summary.items() if k not in ("turn_latency_s", "models")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-8", help="seed range, e.g. 1-8")
    args = ap.parse_args()
    lo, hi = (int(x) for x in args.seeds.split("-"))
    runs = [(f"scripted seed {s}", RunOptions(seed=s, progress=False)) for s in range(lo, hi + 1)]
    traces = ROOT / "tests" / "corpus" / "collected_raw.jsonl"
    if traces.exists():
        runs += [(f"replayed corpus seed {s}", RunOptions(seed=s, progress=False, replay=str(traces)))
                 for s in (lo, hi)]
    finals = []
    original = headless.summary

    def keep(game):  # the season's final state, for the legacy hash
        finals.append(game.state)
        return original(game)

    headless.summary = keep
    for name, opts in runs:
        summary = await headless.run_season(opts)
        print(f"{name}: turns={summary['turns_played']} state={summary['state_hash'][:16]} "
              f"legacy={legacy_hash(finals[-1])} summary={digest(summary)}")


if __name__ == "__main__":
    asyncio.run(main())
