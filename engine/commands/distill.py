"""`tokenwood distill`: teacher traces -> filter -> fine-tune -> register -> judge (see engine/distill)."""

from __future__ import annotations

import argparse
import sys

from engine.commands.common import EXIT_FAILED, add_no_progress, add_scenario, fail
from engine.lab.distill import (DEFAULT_JUDGE_SEEDS, DEFAULT_SEEDS, DEFAULT_STUDENT, DEFAULT_TEACHER, DEFAULT_TURNS,
                            DistillError, DistillOptions, run_distill)
from engine.lab.distill.best_of import DEFAULT_BEST_OF
from engine.lab.distill.train import TrainSettings
from engine.play.seeds import parse_seeds

HELP = "distill a house model: teacher traces -> filter -> fine-tune -> register -> judge"
"""The line `tokenwood --help` gives the command."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood distill`."""
    p = subparsers.add_parser("distill", help=HELP)
    add_arguments(p)
    p.set_defaults(handler=handle)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The `tokenwood distill` options (also `python -m engine.lab.distill` and benchmarks/distill_full.py)."""
    d = TrainSettings()
    p.add_argument("--teacher", default=DEFAULT_TEACHER, help=f"registry id of the teacher (default {DEFAULT_TEACHER})")
    p.add_argument("--student", default=DEFAULT_STUDENT, help=f"registry id of the student (default {DEFAULT_STUDENT})")
    p.add_argument("--turns", type=int, default=DEFAULT_TURNS, help=f"turns per collected season (default {DEFAULT_TURNS})")
    p.add_argument("--seeds", type=parse_seeds, default=DEFAULT_SEEDS, help=f"training seeds, e.g. 1-8 or 1,2,5 (default {DEFAULT_SEEDS})")
    p.add_argument("--judge-seeds", type=parse_seeds, default=DEFAULT_JUDGE_SEEDS,
                   help=f"fresh seeds for the judge (default {DEFAULT_JUDGE_SEEDS})")
    p.add_argument("--judge-turns", type=int, default=None, help="turns per judged season (default: --turns)")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default: the cache's distill/NAME)")
    p.add_argument("--name", default=None, help="registry id of the distilled model (default: STUDENT-wood)")
    p.add_argument("--registry", default=None, metavar="FILE", dest="registry_file",
                   help="user registry file to add it to (default: $TOKENWOOD_MODELS or ~/.config/tokenwood/models.toml)")
    p.add_argument("--parallel", type=int, default=2, help="seasons played at once (default 2)")
    p.add_argument("--best-of", type=int, default=DEFAULT_BEST_OF, metavar="N",
                   help=f"teacher answers per decision, from N seeds; the best is played and learned "
                        f"(default {DEFAULT_BEST_OF}; 1: the first generation, one answer)")
    add_scenario(p)
    p.add_argument("--epochs", type=float, default=d.epochs, help=f"passes over the examples (default {d.epochs})")
    p.add_argument("--max-steps", type=int, default=d.max_steps, help="cap on optimizer steps")
    p.add_argument("--accumulate", type=int, default=d.accumulate, help=f"examples per step (default {d.accumulate})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"peak learning rate (default {d.lr})")
    p.add_argument("--heldout", type=float, default=d.heldout, help=f"share held out (default {d.heldout})")
    p.add_argument("--train-seed", type=int, default=d.seed, help="seed of the split and order (default 0)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: every core)")
    p.add_argument("--grad-checkpointing", action="store_true", help="trade compute for memory (big students)")
    p.add_argument("--judge-base", action="store_true",
                   help="also judge the student before training (a third column in the report)")
    add_no_progress(p, bars=True)


def options_from_args(args: argparse.Namespace) -> DistillOptions:
    """DistillOptions from parsed arguments (raises `DistillError` on bad values)."""
    for flag, value in (("--turns", args.turns), ("--parallel", args.parallel), ("--accumulate", args.accumulate),
                        ("--best-of", args.best_of)):
        if value is not None and value < 1:
            raise DistillError(f"{flag} must be 1 or more, got {value}")
    settings = TrainSettings(epochs=args.epochs, max_steps=args.max_steps, accumulate=args.accumulate, lr=args.lr,
                             heldout=args.heldout, seed=args.train_seed, threads=args.threads,
                             grad_checkpointing=args.grad_checkpointing)
    return DistillOptions(teacher=args.teacher, student=args.student, turns=args.turns,
                          seeds=list(args.seeds), judge_seeds=list(args.judge_seeds),
                          judge_turns=args.judge_turns, out=args.out, name=args.name,
                          registry_file=args.registry_file, parallel=args.parallel, scenario=args.scenario,
                          train=settings, progress=not args.no_progress,
                          judge_base=getattr(args, "judge_base", False), best_of=args.best_of)


def handle(args: argparse.Namespace) -> int:
    """Run the pipeline and print the report; an error is one line on stderr (status 2, or 1 when interrupted)."""
    from engine.play.scenario_files import ScenarioError

    try:
        report = run_distill(options_from_args(args))
    except (DistillError, ScenarioError) as err:
        return fail(f"distill: {err}")
    except KeyboardInterrupt:
        return fail("distill: interrupted (run the same command again to resume)", EXIT_FAILED)
    print(report["text"])
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m engine.lab.distill ...`: the same arguments and handler as `tokenwood distill ...`."""
    ap = argparse.ArgumentParser(prog="tokenwood distill", description="Distil a teacher model into a student.")
    add_arguments(ap)
    return handle(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
