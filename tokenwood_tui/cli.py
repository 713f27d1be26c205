"""The `tokenwood` command: one parser built from the engine's commands and the terminal UI's.

    tokenwood run    play a season headless (progress on stderr, summary on stdout or --summary-json)
    tokenwood play   play as the Patron in the terminal UI
    tokenwood watch  watch a game in the terminal UI (the scripted schemer plays the Patron)
    tokenwood parse  read one raw answer on stdin and print what the parse-and-repair layer makes of it
    tokenwood models list | prepare [ID...]   the model registry, and preparing the embedded models
    tokenwood doctor check this machine for a council and say how to fix what it finds
    tokenwood eval | compare | distill | traces export   see docs/CLI.md

The headless commands live in the engine (engine/commands/, one module each); `play` and `watch` are
the UI's (tokenwood_tui/cli_commands.py). Every error a user can cause (a bad scenario, a corrupt save, a
malformed script) is one line on stderr and exit status 2, a command that could not do its job exits 1
(docs/CLI.md, "Exit status"); nothing is overwritten.
"""

from __future__ import annotations

import argparse
import sys

from engine.commands import compare, distill, doctor, models, parse, probe, run, traces
from engine.commands import eval as evaluate
from engine.commands.common import build_parser as build_command_parser
from engine.commands.common import dispatch
from tokenwood_tui.cli_commands import add_play_parser, add_watch_parser

COMMANDS = (run.add_parser, add_play_parser, add_watch_parser, models.add_parser, doctor.add_parser,
            parse.add_parser, evaluate.add_parser, compare.add_parser, probe.add_parser, distill.add_parser,
            traces.add_parser)
"""Every `tokenwood` command, in the order `tokenwood --help` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The command line parser."""
    return build_command_parser("tokenwood", COMMANDS, description="Thousand Token Wood: a market of small models.")


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    return dispatch(build_parser(), argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
