"""`tokenwood models list | prepare [ID...]`: the model registry, and preparing the embedded models."""

from __future__ import annotations

import argparse
import sys

from engine.commands.common import EXIT_FAILED, EXIT_USAGE, fail


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
    from tqdm import tqdm
    for mid in ids:
        bar = tqdm(total=100, desc=mid, unit="%", file=sys.stderr, leave=True,
                   bar_format="{desc:<14} {bar} {n_fmt}% {postfix}")

        def say(msg: str, frac: float, bar=bar) -> None:
            bar.n = int(frac * 100)
            bar.set_postfix_str(msg[-60:])
            bar.refresh()

        try:
            where = prepare(mid, progress=say, registry=reg, force=args.force)
        except (PrepareError, RegistryError) as err:
            bar.close()
            return fail(str(err), EXIT_FAILED if isinstance(err, PrepareError) else EXIT_USAGE)
        bar.close()
        print(f"{mid}: {where}")
    return 0
