"""`tokenwood compare`: a heterogeneous council against homogeneous ones, with a verdict."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.commands.common import add_report_options, add_season_turns, add_seeds, progress_wanted, run_seasons
from engine.commands.eval import add_parallel


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood compare`."""
    p = subparsers.add_parser("compare", help="a heterogeneous council against homogeneous ones, with a verdict")
    p.add_argument("--hetero", default="embedded", help="the heterogeneous council (default: embedded)")
    p.add_argument("--homo", action="append", default=[], metavar="SPEC",
                   help="a homogeneous council (repeatable; default: one per model of --hetero)")
    add_season_turns(p)
    add_seeds(p, "the same seeds for every council (default 1,2,3)")
    p.add_argument("--out", default=None, metavar="DIR", help="default: compares/<hetero>-t<turns>")
    add_report_options(p, bars=True)
    add_parallel(p)
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    """Play every council on the same seeds; print the verdict and where the comparison is."""
    from engine.lab.evaluation.compare import CompareOptions, run_compare

    result, status = run_seasons(lambda: run_compare(CompareOptions(
        hetero=args.hetero, homo=args.homo, turns=args.turns, seeds=args.seeds, out=args.out,
        scenario=args.scenario, patron_script=args.patron_script,
        progress=progress_wanted(args), charts=not args.no_charts, parallel=args.parallel)))
    if result is None:
        return status
    print(result["verdict"]["text"])
    for line in result["verdict"]["details"]:
        print(f"- {line}")
    print(result["verdict"]["power"])
    print(Path(result["folder"]) / "compare.md")
    return 0
