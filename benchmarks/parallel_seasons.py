"""Benchmark: creatures' answers per second with 1, 2, 4 and 8 seasons played at once on one set of engines.

    python benchmarks/parallel_seasons.py [--council embedded] [--levels 1,2,4,8] [--turns 4]

Starts the council's brains once (for the embedded council: one vLLM engine per model, as `tokenwood
eval` does), then for each level N plays N seasons (new seeds each run) of `--turns` turns at once, as
`tokenwood eval --parallel N` plays them (`engine.lab.evaluation.season.play_seasons`), and counts the
creatures' answers that came without a fault over the wall-clock time of that run: one run per level.
Prints the processor, one line per level, and a last machine-readable line:

    RESULT cpu=... council=... turns=... aps_1=... aps_2=... aps_4=... aps_8=... best_n=... speedup=...

`speedup` is the best level's answers per second over level 1's (issue 14's target: at least 3 on the
2-core machine). Where the council cannot start here (vLLM missing, models not prepared) the last line
is `SKIP: ...` and the script exits 0. `--council scripted` runs without models (a test of the script).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.core.newgame import new_game  # noqa: E402
from engine.lab.evaluation.report import SeasonProgress  # noqa: E402
from engine.lab.evaluation.season import close_brains, play_seasons  # noqa: E402
from engine.models.hardware import cpu_info  # noqa: E402
from engine.play.council import resolve_council  # noqa: E402
from engine.play.headless import RunOptions, make_brains  # noqa: E402
from engine.play.scenario_files import load_scenario  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's arguments; `--levels` becomes a list of positive ints."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--council", default="embedded", help="council spec (default: embedded)")
    p.add_argument("--levels", default="1,2,4,8", help="seasons at once, one run each (default 1,2,4,8)")
    p.add_argument("--turns", type=int, default=4, help="turns per season (default 4)")
    args = p.parse_args(argv)
    try:
        args.levels = [int(x) for x in args.levels.split(",") if x.strip()]
    except ValueError:
        p.error(f"--levels: a comma-separated list of numbers, got {args.levels!r}")
    if not args.levels or min(args.levels) < 1 or args.turns < 1:
        p.error("--levels and --turns must be 1 or more")
    return args


async def measure(council: str, levels: list[int], turns: int) -> dict[int, tuple[int, float]]:
    """Level -> (answers, seconds) of one run of that many seasons at once, on brains started once."""
    scenario = load_scenario(None)
    state = new_game(scenario, 1, resolve_council(council, scenario))
    brains, quirks, pool = await make_brains(state, RunOptions(council=council, progress=False))
    out = {}
    first = 1
    try:
        for n in levels:  # fresh seeds for every run, so no run finds its prompts already cached by another
            runs = [RunOptions(council=council, turns=turns, seed=s, progress=False) for s in range(first, first + n)]
            first += n
            pace = SeasonProgress(n)
            start = time.monotonic()
            await play_seasons(runs, brains, quirks, n, on_turn=pace.turn)
            out[n] = (pace.answers, time.monotonic() - start)
            print(f"parallel {n}: {pace.answers} answers in {out[n][1]:.2f} s = "
                  f"{pace.answers / out[n][1]:.2f} answers/s", flush=True)
    finally:
        await close_brains(brains)
        if pool is not None:
            await pool.close()
    return out


def result_line(council: str, turns: int, runs: dict[int, tuple[int, float]], cpu: str) -> str:
    """The machine-readable last line.

    >>> result_line("scripted", 2, {1: (10, 2.0), 4: (40, 2.5)}, "x86")
    'RESULT cpu=x86 council=scripted turns=2 aps_1=5.00 aps_4=16.00 best_n=4 speedup=3.20'
    """
    aps = {n: a / s if s > 0 else 0.0 for n, (a, s) in runs.items()}
    best = max(aps, key=aps.get)
    first = aps[min(aps)]
    speedup = aps[best] / first if first else 0.0
    figures = " ".join(f"aps_{n}={v:.2f}" for n, v in aps.items())
    return f"RESULT cpu={cpu} council={council} turns={turns} {figures} best_n={best} speedup={speedup:.2f}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the processor, one line per level and the RESULT (or SKIP) line."""
    args = parse_args(argv)
    cpu = cpu_info()
    print(f"processor: {cpu.describe()}", flush=True)
    try:
        runs = asyncio.run(measure(args.council, args.levels, args.turns))
    except Exception as err:  # the council cannot start here: say why and do not fail `make bench`
        from engine.brains.models import ModelsUnavailable

        if isinstance(err, (ImportError, ModelsUnavailable)):
            print(f"SKIP: council {args.council!r} cannot start here: {err}")
            return 0
        raise
    print(result_line(args.council, args.turns, runs, cpu.describe().split(",")[0].replace(" ", "_")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
