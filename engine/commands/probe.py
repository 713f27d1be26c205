"""`tokenwood probe`: does a council's model read its prompt? Counterfactual probes with a sign test."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.commands.common import (add_answer_timeout, add_council, add_no_progress, add_scenario, add_seeds,
                                    progress_wanted, run_seasons)
from engine.lab.evaluation.probes import DEFAULT_TURNS, KINDS
from engine.play.seeds import parse_turns

INTERRUPTED = "interrupted: nothing was written (a probe run does not resume; run it again)"
"""What `probe` says on Ctrl-C."""


def parse_kinds(text: str) -> list[str]:
    """An argparse type: probe kinds, comma-separated ("shortage,tip"), each known and named once."""
    kinds = [k.strip() for k in text.split(",")]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or len(set(kinds)) != len(kinds):
        raise argparse.ArgumentTypeError(f"{text!r}: give distinct kinds from {', '.join(KINDS)}")
    return kinds


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood probe`."""
    p = subparsers.add_parser("probe", help="change one fact in recorded views and test whether the decisions follow")
    add_council(p)
    add_seeds(p, "seasons the views are taken from: 1,2,3 or 1-5 (default 1,2,3)")
    p.add_argument("--turns", type=parse_turns, default=",".join(map(str, DEFAULT_TURNS)), metavar="TURNS",
                   help=f"turns whose views are probed, every creature's: 3 or 2,5,8 or 1-10 "
                        f"(default {','.join(map(str, DEFAULT_TURNS))})")
    p.add_argument("--kinds", type=parse_kinds, default=",".join(KINDS), metavar="KINDS",
                   help=f"probe kinds, comma-separated (default all: {','.join(KINDS)})")
    p.add_argument("--out", default=None, metavar="DIR", help="where probe.json and probe.md go "
                                                               "(default: probes/<council>)")
    add_scenario(p)
    p.add_argument("--parallel", type=int, default=None, metavar="N",
                   help="prompts in flight at once, batched by the engines (default: 16 without a GPU, 64 with one)")
    p.add_argument("--hold-suggestions", action="store_true",
                   help="suggest the control's orders in every variant's prompt too, so that only the prompt's "
                        "words change: measures the model's own reading")
    add_answer_timeout(p)
    add_no_progress(p)
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    """Run the probes; print where the report is and one line per model and kind."""
    from engine.lab.evaluation.probe_run import ProbeOptions, run_probe, summary_lines

    report, status = run_seasons(lambda: run_probe(ProbeOptions(
        council=args.council, seeds=args.seeds, turns=args.turns, kinds=args.kinds, out=args.out,
        scenario=args.scenario, parallel=args.parallel, answer_timeout=args.answer_timeout,
        progress=progress_wanted(args), hold_suggestions=args.hold_suggestions)), INTERRUPTED)
    if report is None:
        return status
    print(Path(report["folder"]) / "probe.md")
    print("\n".join(summary_lines(report)))
    return 0
