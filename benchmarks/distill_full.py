"""Benchmark: the whole distillation with its default settings, end to end, and the figures it reaches.

    python benchmarks/distill_full.py [any `tokenwood distill` option]

Runs `tokenwood distill` (teacher gemma3-270m, student smollm2-135m, 6 seasons x 12 turns, best of 4
teacher answers per decision, judge on 3 fresh seasons; `--best-of 1` is the first generation) with its files in the tokenwood cache's `distill/bench-NAME` and the distilled model
registered in a registry file inside that folder (`--registry` to choose another), so the user's own
registry is left alone. It resumes like the command. Prints the report and a last line:

    RESULT best_of=N student_valid=... teacher_valid=... student_self_buy=... teacher_self_buy=... beat=yes|no
           targets=met|not sense_better=B sense_worse=W kept=K/N train_example_s=... total_min=...

(sense_better and sense_worse: on how many of the judge's decision measures the student did better or
worse than the teacher.)

Targets on the 2-core CPU machine: the whole run < 60 min; the distilled student, unconstrained, on the
held-out seeds: 0% self-buy attempts and >= 95% answers with a valid action, both no worse than the
teacher's unconstrained figures. Needs both embedded models prepared (`tokenwood models prepare`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.commands.distill import add_arguments, options_from_args  # noqa: E402
from engine.lab.distill import DistillError, default_out, run_distill  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(ap)
    args = ap.parse_args(argv)
    try:
        opts = options_from_args(args)
    except DistillError as err:
        print(f"distill_full: {err}", file=sys.stderr)
        return 2
    name = opts.name or f"{opts.student}-wood"
    out = Path(opts.out) if opts.out else default_out(f"bench-{name}")
    opts.out = str(out)
    opts.registry_file = opts.registry_file or str(out / "models.toml")
    try:
        report = run_distill(opts)
    except DistillError as err:
        print(f"distill_full: {err}", file=sys.stderr)
        return 2
    print(report["text"])
    t, s = report["judge"]["teacher"], report["judge"]["student"]
    v, f, sv = report["verdict"], report["filter"], report["sense_verdict"]
    print(f"RESULT best_of={report['collect']['best_of']} student_valid={s['valid_answer_rate']:.1%} teacher_valid={t['valid_answer_rate']:.1%} "
          f"student_self_buy={s['self_buy_rate']:.1%} teacher_self_buy={t['self_buy_rate']:.1%} "
          f"beat={'yes' if v['student_beat_teacher'] else 'no'} targets={'met' if v['targets_met'] else 'not'} "
          f"sense_better={len(sv['better'])} sense_worse={len(sv['worse'])} "
          f"sense_better_shown={len(sv['better_shown'])} sense_worse_shown={len(sv['worse_shown'])} "
          f"kept={f['kept']}/{f['answers']} train_example_s={report['train']['example_s']:.2f} "
          f"total_min={report['time_s']['total'] / 60:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
