"""`tokenwood models list [--json] | prepare [ID...] | add ID --from INLINE [--force]`: the model registry,
preparing the embedded models, and keeping an inline model as a registry entry of the user."""

from __future__ import annotations

import argparse
import json
import re
import sys

from engine.commands.common import EXIT_FAILED, EXIT_USAGE, fail


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood models` and its two subcommands."""
    p = subparsers.add_parser("models", help="list the model registry, or prepare models")
    msub = p.add_subparsers(dest="models_command", required=True)
    lst = msub.add_parser("list", help="every registry entry, whether it is available here, and why not")
    lst.add_argument("--json", action="store_true", help="print a JSON list (see docs/CLI.md) instead of a table")
    add = msub.add_parser("add", help="keep an inline model (as --council takes it) in your models.toml")
    add.add_argument("id", help="the new entry's id (lowercase letters, digits, '.', '_', '-')")
    add.add_argument("--from", dest="inline", required=True, metavar="INLINE",
                     help="local:PATH, hub:ORG/NAME or openai:URL@MODEL[?key=ENV_VAR]")
    add.add_argument("--force", action="store_true", help="replace an entry of that id")
    prep = msub.add_parser("prepare", help="obtain and convert models once (default: the embedded pair)")
    prep.add_argument("ids", nargs="*", help="model ids (default: every embedded model)")
    prep.add_argument("--force", action="store_true", help="rebuild even when prepared")
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    """List the registry, or prepare the models asked for (default: every embedded one)."""
    from engine.models.prepare import PrepareError, available, prepare
    from engine.models.registry import EmbeddedWeights, RegistryError, load_registry

    if args.models_command == "add":
        return _add(args)
    try:
        reg = load_registry()
    except RegistryError as err:
        return fail(str(err))
    if args.models_command == "list":
        rows = []
        for mid, spec in sorted(reg.models.items()):
            ok, why = available(mid, reg) if spec.backend == "vllm" else (True, f"server {spec.base_url}")
            rows.append(_row(spec, ok, why.removeprefix(f"{mid}: ")))
        if getattr(args, "json", False):
            print(json.dumps(rows, indent=2))
            return 0
        print(f"{'id':<20} {'lab':<14} {'backend':<8} {'here':<5} why")
        for r in rows:
            print(f"{r['id']:<20} {r['lab']:<14} {r['backend']:<8} {'yes' if r['available'] else 'no':<5} {r['why']}")
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
            return fail(str(err), EXIT_FAILED if isinstance(err, PrepareError) else EXIT_USAGE)
        bar.close()
        print(f"{mid}: {where}")
    return 0


def _row(spec, ok: bool, why: str) -> dict:
    """One registry entry as `models list --json` prints it (a server is not contacted: `doctor` does)."""
    return {"id": spec.id, "display_name": spec.display_name, "lab": spec.lab, "backend": spec.backend,
            "weights": spec.weights.kind if spec.weights else None, "base_url": spec.base_url,
            "served_name": spec.server_model if spec.backend == "openai" else None,
            "api_key_env": spec.api_key_env, "needs_gpu": spec.needs_gpu, "available": ok, "why": why}


def _add(args: argparse.Namespace) -> int:
    """Write the inline model `args.inline` into the user's models.toml as `args.id` (a file it creates
    when missing; an id already known is replaced only with --force)."""
    from engine.lab.distill.register import RegisterError, register, user_registry_file
    from engine.models.inline import InlineError, parse_inline
    from engine.models.registry import ID_PATTERN, RegistryError, load_registry

    user = user_registry_file()
    try:
        reg = load_registry(user if user.exists() else None)
    except RegistryError as err:
        return fail(str(err))

    if not re.match(ID_PATTERN, args.id):
        return fail(f"models add: {args.id!r} is not an id (lowercase letters, digits, '.', '_', '-')")
    try:
        spec = parse_inline(args.inline)
    except InlineError as err:
        return fail(f"models add {args.id}: {err}")
    if args.id in reg.models and not args.force:
        return fail(f"models add: {args.id} is already in the registry ({reg.get(args.id).display_name}); "
                    f"choose another id, or --force to replace it")
    entry = spec.model_dump(mode="json", exclude_defaults=True, exclude={"id"})
    entry["notes"] = f"Added by `tokenwood models add` from {args.inline}."
    try:
        path, _ = register(args.id, {k: v for k, v in entry.items() if v != {}})
    except RegisterError as err:
        return fail(str(err))
    print(f"{args.id}: written to {path}; use it as --council Oona={args.id}")
    return 0
