"""`tokenwood models list | prepare [ID...]`: the model registry, and preparing the embedded models."""

from __future__ import annotations

import argparse
import sys

from engine.commands.common import fail


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood models` and its two subcommands."""
    p = subparsers.add_parser("models", help="list the model registry, or prepare models")
    msub = p.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list", help="every registry entry, whether it is available here, and why not")
    prep = msub.add_parser("prepare", help="obtain and convert models once (default: the embedded pair)")
    prep.add_argument("ids", nargs="*", help="model ids (default: every embedded model)")
    prep.add_argument("--force", action="store_true", help="rebuild even when prepared")
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    """List the registry, or prepare the models asked for (default: every embedded one)."""
    from engine.models.prepare import PrepareError, available, prepare
    from engine.models.registry import EmbeddedWeights, RegistryError, load_registry

    try:
        reg = load_registry()
    except RegistryError as err:
        return fail(str(err))
    if args.models_command == "list":
        print(f"{'id':<20} {'lab':<14} {'backend':<8} {'here':<5} why")
        for mid, spec in sorted(reg.models.items()):
            ok, why = available(mid, reg) if spec.backend == "vllm" else (True, f"server {spec.base_url}")
            why = why.removeprefix(f"{mid}: ")
            print(f"{mid:<20} {spec.lab:<14} {spec.backend:<8} {'yes' if ok else 'no':<5} {why}")
        return 0
    ids = args.ids or [m for m, s in reg.models.items() if isinstance(s.weights, EmbeddedWeights)]
    from engine.play.progress import Progress
    for mid in ids:
        bar = Progress(100, mid, unit="%", percent=True)  # a bar on a terminal, one line a stage in a log

        def say(msg: str, frac: float, bar=bar, mid=mid) -> None:
            bar.stage(int(frac * 100), msg.removeprefix(f"{mid}: ")[-60:])

        try:
            where = prepare(mid, progress=say, registry=reg, force=args.force)
        except (PrepareError, RegistryError) as err:
            bar.close()
            return fail(str(err))
        bar.close()
        print(f"{mid}: {where}")
    return 0
