#!/usr/bin/env python3
"""The sense measures of the recorded real answers: the collected corpus replayed into an eval report.

    tests/corpus/collected_raw.jsonl (480 raw answers of the embedded models, seeds 1-3, 40 turns, no
    structured outputs) -> one replayed season per seed (traces with prompt and situation)
    -> OUT/report.md and OUT/report.json, whose "Sense" section is printed

The corpus holds raw answers only, no prompts. Each seed's answers are replayed into a new game from
that seed (`engine.brains.replay`; the Patron is the scripted schemer, as when they were collected), so
the prompt and situation of each row are today's rebuilding of that game. They match what the models
saw as far as the rules and the prompt have not changed since the corpus was collected (2026-11-25).
They have: the prompt lost its example answer on 2026-12-03 (issue 15), so copies of that example are
no longer found in the rebuilt prompts. Before that change this script found, in thinking, 36% copies
(gemma3-270m) and 19% (smollm2-135m), all of the example (AMD EPYC Zen 4).

    .venv/bin/python scripts/sense_of_corpus.py [--out /tmp/sense-corpus]
    .venv/bin/python scripts/sense_of_corpus.py --eval evals/embedded-t20 --seeds 1-3 --out /tmp/sense-old
        (an embedded eval's traces written before traces carried the situation, replayed the same way)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.core.scenario import PATRON  # noqa: E402
from engine.lab.evaluation.report import write_report  # noqa: E402
from engine.lab.evaluation.season import SeasonStore, play_season  # noqa: E402
from engine.play.council import resolve_council  # noqa: E402
from engine.play.headless import RunOptions  # noqa: E402
from engine.play.scenario_files import load_scenario  # noqa: E402
from engine.play.seeds import parse_seeds  # noqa: E402

CORPUS = ROOT / "tests" / "corpus" / "collected_raw.jsonl"
"""The collected raw answers."""


def corpus_by_seed() -> dict[int, list[dict]]:
    """The corpus rows of each seed, in file order."""
    seeds: dict[int, list[dict]] = {}
    for line in CORPUS.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            seeds.setdefault(int(row["seed"]), []).append(row)
    return seeds


def eval_by_seed(folder: Path, wanted: list[int] | None) -> dict[int, list[dict]]:
    """The trace rows of each finished season of an eval folder (`seasons/seed-S/traces.jsonl`)."""
    seeds: dict[int, list[dict]] = {}
    for path in sorted(folder.glob("seasons/seed-*/traces.jsonl")):
        seed = int(path.parent.name.removeprefix("seed-"))
        if wanted is None or seed in wanted:
            seeds[seed] = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    if not seeds:
        raise SystemExit(f"{folder}: no finished season's traces (seasons/seed-S/traces.jsonl) to replay")
    return seeds


async def replay(out: Path, seeds: dict[int, list[dict]]) -> dict:
    """Replay every seed's rows into `out` as an eval folder; return the report."""
    turns = max(int(r["turn"]) for rows in seeds.values() for r in rows)
    params = {"council": resolve_council("embedded", load_scenario()), "spec": "corpus replay", "turns": turns,
              "scenario": None, "patron_script": None}
    store = SeasonStore(out)
    for seed, rows in sorted(seeds.items()):
        answers = out / "answers" / f"seed-{seed}.jsonl"
        answers.parent.mkdir(parents=True, exist_ok=True)
        answers.write_text("".join(json.dumps(r) + "\n" for r in rows if r["creature"] != PATRON), "utf-8")
        opts = RunOptions(council="embedded", seed=seed, turns=turns, replay=str(answers), progress=False,
                          traces=str(store.begin(seed)))
        summary, series = await play_season(opts)
        store.finish(seed, params, summary, series)
    return write_report(out, params, sorted(seeds), sorted(seeds), make_charts=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/sense-corpus", help="eval folder to write (default /tmp/sense-corpus)")
    ap.add_argument("--eval", type=Path, default=None, metavar="DIR",
                    help="replay an eval folder's traces (an embedded council's) instead of the corpus")
    ap.add_argument("--seeds", default=None, help="only these seeds of --eval (e.g. 1-3)")
    args = ap.parse_args()
    seeds = corpus_by_seed() if args.eval is None else eval_by_seed(args.eval, parse_seeds(args.seeds) if args.seeds else None)
    report = asyncio.run(replay(Path(args.out), seeds))
    md = (Path(args.out) / "report.md").read_text("utf-8")
    print(md[md.index("## Sense"):md.index("## Per season")].rstrip())
    print(f"\n{report['folder']}/report.md")


if __name__ == "__main__":
    main()
