"""`tokenwood eval`: play seasons per seed and write a report (resumes where it stopped)."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.commands.common import (add_answer_timeout, add_council, add_report_options, add_season_turns, add_seeds,
                                    progress_wanted, run_seasons)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood eval`."""
    p = subparsers.add_parser("eval", help="play seasons per seed and write a report (resumes where it stopped)")
    add_council(p)
    add_season_turns(p)
    add_seeds(p, "one season per seed: 1,2,3 or 1-5 (default 1,2,3)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="traces, season records, report and charts (default: evals/<council>-t<turns>)")
    add_report_options(p)
    add_answer_timeout(p)
    add_parallel(p)
    p.set_defaults(handler=handle)
    return p


def add_parallel(p: argparse.ArgumentParser) -> None:
    """`--parallel N`: seasons played at once, sharing one set of engines (eval and compare)."""
    p.add_argument("--parallel", type=int, default=None, metavar="N",
                   help="seasons played at once, their creatures sharing the same engines (default: 4 without a "
                        "GPU, 8 with one, at most the number of seeds)")


def handle(args: argparse.Namespace) -> int:
    """Play (or reuse) one season per seed; print where the report is."""
    from engine.lab.evaluation.report import EvalOptions, run_eval

    report, status = run_seasons(lambda: run_eval(EvalOptions(
        council=args.council, turns=args.turns, seeds=args.seeds, out=args.out,
        scenario=args.scenario, patron_script=args.patron_script,
        progress=progress_wanted(args), charts=not args.no_charts, answer_timeout=args.answer_timeout,
        parallel=args.parallel)))
    if report is None:
        return status
    print(f"{Path(report['folder']) / 'report.md'} (seasons played now: {len(report['played_now'])}, "
          f"reused: {len(report['reused'])})")
    return 0
