"""`tokenwood parse`: read one raw answer on stdin and print what the parse-and-repair layer makes of it."""

from __future__ import annotations

import argparse
import json
import sys

from engine.commands.common import fail


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood parse`."""
    p = subparsers.add_parser("parse", help="parse one raw answer from stdin and print the result as JSON")
    p.add_argument("--model", default=None, help="model id whose quirks apply")
    p.add_argument("--patron", action="store_true", help="parse as a Patron answer")
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    """Parse stdin as an answer of the embedded wood; print actions, dropped actions and repairs."""
    from engine.mind.parsing import Quirks, parse_answer
    from engine.play.scenario_files import load_scenario

    quirks = Quirks()
    if args.model:
        from engine.brains.models import parse_quirks
        from engine.models.registry import RegistryError, load_registry
        try:
            quirks = parse_quirks(load_registry().get(args.model))
        except RegistryError as err:
            return fail(f"--model: {err}")
    sc = load_scenario()
    raw = sys.stdin.read()
    result = parse_answer(raw, quirks=quirks, patron=args.patron, goods=sc.good_names,
                          traders=[t.name for t in sc.traders])
    print(json.dumps({
        "actions": result.answer.model_dump(mode="json"),
        "dropped": [d.model_dump(mode="json") for d in result.dropped],
        "repairs": list(result.repairs), "found_json": result.found_json,
    }, indent=2))
    return 0
