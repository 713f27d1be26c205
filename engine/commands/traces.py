"""`tokenwood traces export`: turn traces files into an open dataset folder (firewall-checked)."""

from __future__ import annotations

import argparse

from engine.commands.common import fail


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood traces` and its `export` subcommand."""
    p = subparsers.add_parser("traces", help="work with traces files")
    tsub = p.add_subparsers(dest="traces_command", required=True)
    texp = tsub.add_parser("export", help="turn traces into an open dataset folder (firewall-checked)")
    texp.add_argument("traces", nargs="+", metavar="TRACES", help="traces files (JSON lines)")
    texp.add_argument("--out", required=True, metavar="DIR", help="dataset folder to write")
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    """Export the traces; print what was written."""
    from engine.lab.evaluation import EvalError
    from engine.lab.evaluation.export import export_traces

    try:
        res = export_traces(args.traces, args.out)
    except EvalError as err:
        return fail(str(err))
    print(f"{res.rows} rows from {len(res.games)} game(s) -> {res.folder} (traces.jsonl, README.md)")
    return 0
