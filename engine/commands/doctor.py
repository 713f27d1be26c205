"""`tokenwood doctor [--json]`: check this machine for a council and say how to fix what it finds."""

from __future__ import annotations

import argparse
import dataclasses
import json

from engine.commands.common import default_council, fail


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood doctor`."""
    p = subparsers.add_parser("doctor", help="check this machine and say how to fix what it finds")
    p.add_argument("--council", default=None, help="council to check for (default: the machine's default)")
    p.add_argument("--json", action="store_true", help="print one JSON object (see docs/CLI.md) instead of lines")
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    """Print one line per check (and its fix), or the JSON report; exit status 1 when a check failed."""
    from engine.play.council import is_scripted, resolve_council
    from engine.lab.doctor import run_checks
    from engine.play.scenario_files import load_scenario

    council = args.council or default_council()
    try:
        seats = [m for m in resolve_council(council, load_scenario()).values() if not is_scripted(m)]
    except ValueError as err:
        return fail(str(err))
    models = sorted(set(seats))
    checks = run_checks(models, {m: seats.count(m) for m in models})
    worst = max((1 if c.status == "fail" else 0 for c in checks), default=0)
    if getattr(args, "json", False):
        print(json.dumps({"council": council, "models": models, "ok": worst == 0,
                          "checks": [dataclasses.asdict(c) for c in checks]}, indent=2))
        return worst
    print(f"council: {council} ({', '.join(models) or 'no models'})")
    for c in checks:
        mark = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}[c.status]
        print(f"[{mark}] {c.name}: {c.detail}")
        if c.fix:
            print(f"        fix: {c.fix}")
    return worst
