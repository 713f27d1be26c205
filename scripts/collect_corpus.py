#!/usr/bin/env python3
"""Collect raw answers from the embedded models WITHOUT structured outputs, for the parser's test corpus.

    temp registry (structured mode "none") -> `tokenwood run --council embedded` per seed -> traces
    -> tests/corpus/collected_raw.jsonl (every model answer, malformed or not) -> figures per model

The shipped registry makes smollm2-135m and gemma3-270m answer under a JSON grammar, so their answers are
always well formed; the parser's corpus wants what they write when nothing holds them. A user registry
file (TOKENWOOD_MODELS, here a temp file) switches structured outputs off and keeps every other setting
(sampling, max_tokens, chat format) as shipped. Seasons run one at a time (one engine per model, two cores).

    .venv/bin/python scripts/collect_corpus.py                      # seeds 1 2 3, 40 turns each
    .venv/bin/python scripts/collect_corpus.py --seeds 7 --turns 5  # a quick look
    .venv/bin/python scripts/collect_corpus.py --stats-only         # figures for the existing file

Every row is re-parsed with the current parser when the figures are printed, so the script also shows
what a parser change did to the collected answers. Selecting the corpus cases (tests/corpus/malformed.jsonl,
"source": "collected") is done by hand from this file: each case's "expect" is what a careful reader
extracts from the raw text, not the parser's output.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODELS = ("smollm2-135m", "gemma3-270m")
"""The embedded council's models."""
OUT = ROOT / "tests" / "corpus" / "collected_raw.jsonl"
"""Where every collected answer goes."""
OVERRIDE = "".join(f'[models.{m}.structured]\nmode = "none"\n\n' for m in MODELS)
"""The user registry: free text for both embedded models, all else as shipped."""


def tokenwood() -> str:
    """The `tokenwood` command of the interpreter running this script (the project venv)."""
    here = Path(sys.executable).with_name("tokenwood")
    return str(here) if here.exists() else shutil.which("tokenwood") or "tokenwood"


def run_season(seed: int, turns: int, traces: Path, registry: Path, timeout_s: float) -> None:
    """One headless season of the embedded council; its traces are appended to `traces`."""
    env = dict(os.environ, TOKENWOOD_MODELS=str(registry))
    summary = traces.with_suffix(".summary.json")
    cmd = [tokenwood(), "run", "--council", "embedded", "--turns", str(turns), "--seed", str(seed),
           "--traces", str(traces), "--summary-json", str(summary), "--no-progress"]
    start = time.monotonic()
    print(f"seed {seed}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    subprocess.run(cmd, env=env, check=True, timeout=timeout_s)
    print(f"seed {seed}: {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)


def rows_from_traces(traces: Path, seed: int) -> list[dict]:
    """The model rows of a traces file, as corpus-collection rows (the Patron and scripted brains left out)."""
    rows = []
    for line in traces.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        t = json.loads(line)
        if t.get("model") not in MODELS:
            continue
        rows.append({
            "id": f"s{seed}-t{t['turn']}-{t['creature']}",
            "model": t["model"],
            "seed": seed,
            "turn": t["turn"],
            "creature": t["creature"],
            "raw": t.get("raw", ""),
            "tokens": t.get("tokens"),
            "latency_s": t.get("latency_s"),
            "fault": t.get("fault"),
            "structured": "none",
        })
    return rows


# -- figures -----------------------------------------------------------------------------------------


def failure_kinds(result) -> list[str]:
    """What went wrong in one parsed answer, as coarse kinds ([] for a clean answer)."""
    kinds = []
    reps = result.repairs
    if not result.found_json:
        kinds.append("empty" if not result.raw.strip() else "no_json")
    if "cut_off" in reps:
        kinds.append("cut_off")
    if "code_fence" in reps:
        kinds.append("code_fence")
    if "extra_text" in reps or "later_object" in reps:
        kinds.append("prose_around_json")
    if "json_repair" in reps:
        kinds.append("bad_json_syntax")
    if any(r in ("single_order", "order_sequence", "bare_list") for r in reps):
        kinds.append("orders_without_answer_object")
    if any(r.startswith(("key_synonym", "ignored_key", "sided_key", "unwrapped", "first_of_list", "hoisted",
                         "wrapped", "decoded", "flattened", "side_key")) for r in reps):
        kinds.append("wrong_keys_or_nesting")
    if any(r.startswith(("number:", "side_synonym", "good_name", "trader_name", "text:", "clamp:", "nothing:",
                         "null_field", "order_from_text")) for r in reps):
        kinds.append("value_repaired")
    if any(d.where != "answer" and d.reason != "cut off at the token limit" for d in result.dropped):
        kinds.append("invalid_action_dropped")
    return kinds


def stats(rows: list[dict]) -> dict:
    """Per model: answers, faults, malformed (repaired, dropped from or no JSON), and counts by kind.

    An answer can show several kinds (cut off inside a code fence...), so the kinds add up to more than
    `malformed`; `kinds_pct` is each kind's share of all the model's answers.
    """
    from engine.mind.parsing import parse_answer
    from engine.play.scenario_files import load_scenario

    sc = load_scenario(None)
    goods, traders = sc.good_names, [t.name for t in sc.traders]
    out: dict[str, dict] = {}
    for row in rows:
        m = out.setdefault(row["model"], {"answers": 0, "faults": 0, "malformed": 0,
                                          "kinds": collections.Counter()})
        if row.get("fault"):
            m["faults"] += 1
            continue
        m["answers"] += 1
        result = parse_answer(row["raw"], goods=goods, traders=traders)
        kinds = failure_kinds(result)
        if result.repairs or result.dropped or not result.found_json:
            m["malformed"] += 1
            m["kinds"].update(kinds or ["other_repair"])
    for m in out.values():
        m["malformed_pct"] = round(100 * m["malformed"] / max(1, m["answers"]), 1)
        m["kinds_pct"] = {k: round(100 * n / max(1, m["answers"]), 1) for k, n in m["kinds"].most_common()}
        m["kinds"] = dict(m["kinds"].most_common())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="one season per seed")
    ap.add_argument("--turns", type=int, default=40, help="turns per season (40 is a whole season)")
    ap.add_argument("--out", type=Path, default=OUT, help="collected answers (JSON lines)")
    ap.add_argument("--append", action="store_true", help="add to --out instead of replacing it")
    ap.add_argument("--keep-traces", type=Path, help="keep the raw traces files in this folder")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds one season may take")
    ap.add_argument("--stats-only", action="store_true", help="print figures for --out; run nothing")
    args = ap.parse_args(argv)

    if not args.stats_only:
        rows = []
        with tempfile.TemporaryDirectory(prefix="tokenwood-corpus-") as tmp:
            registry = Path(tmp) / "models.toml"
            registry.write_text(OVERRIDE, encoding="utf-8")
            for seed in args.seeds:
                traces = Path(tmp) / f"traces-seed{seed}.jsonl"
                run_season(seed, args.turns, traces, registry, args.timeout)
                rows += rows_from_traces(traces, seed)
                if args.keep_traces:
                    args.keep_traces.mkdir(parents=True, exist_ok=True)
                    shutil.copy(traces, args.keep_traces / traces.name)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "a" if args.append else "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {len(rows)} answers to {args.out}", file=sys.stderr)

    rows = [json.loads(line) for line in args.out.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(json.dumps(stats(rows), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
