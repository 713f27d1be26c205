"""The terminal UI's own command-line commands, in the style of the engine's (engine/commands/):

    tokenwood play        play as the Patron in the terminal UI
    tokenwood watch       watch a game in the terminal UI (the scripted schemer plays the Patron)
    screenshot            the README's picture (`python -m tokenwood_tui.screenshot`, not a `tokenwood` command)

Each `add_*_parser(subparsers)` declares a command and sets its `handler`; the game options are the
engine's (`engine.commands.common.add_game_options`), declared once for `run`, `play` and `watch`.
"""

from __future__ import annotations

import argparse
from functools import partial

from engine.commands.common import MACHINE_DEFAULT, add_game_options, build_parser, default_council, dispatch

SESSION_DEFAULT = " (default: scripted; a loaded save keeps its own)"
"""What `python -m tokenwood_tui` gives a game started without `--council` (the session's default)."""


def add_play_parser(subparsers, machine_council: bool = True) -> argparse.ArgumentParser:
    """Declare `tokenwood play` (`machine_council`: no `--council` means the machine's default council)."""
    p = subparsers.add_parser("play", help="play as the Patron in the terminal UI")
    _add_ui_options(p, machine_council)
    return p


def add_watch_parser(subparsers, machine_council: bool = True) -> argparse.ArgumentParser:
    """Declare `tokenwood watch` (`machine_council` as for `add_play_parser`)."""
    p = subparsers.add_parser("watch", help="watch a game in the terminal UI")
    _add_ui_options(p, machine_council)
    p.add_argument("--replay", default=None, metavar="TRACES", help="replay a game from a traces file")
    return p


def _add_ui_options(p: argparse.ArgumentParser, machine_council: bool) -> None:
    add_game_options(p, council=None, unset=MACHINE_DEFAULT if machine_council else SESSION_DEFAULT)
    p.set_defaults(handler=handle_play, machine_council=machine_council)


def handle_play(args: argparse.Namespace) -> int:
    """`tokenwood play` and `tokenwood watch`: the terminal UI.

    Without `--council`, `tokenwood` gives a replay the scripted council and any other game the
    machine's default; `python -m tokenwood_tui` leaves it to the session (scripted for a new game,
    a loaded save keeps its own), as it always did.
    """
    from tokenwood_tui.app import run_app

    replay = getattr(args, "replay", None)
    council = args.council
    if council is None and args.machine_council:
        council = "scripted" if replay else default_council()
    return run_app(args.command, council=council, seed=args.seed, scenario=args.scenario, load=args.load,
                   replay=replay, answer_timeout=args.answer_timeout)


def module_parser(prog: str = "tokenwood_tui") -> argparse.ArgumentParser:
    """The parser of `python -m tokenwood_tui`: `tokenwood play|watch` alone, the session's default council."""
    return build_parser(prog, (partial(add_play_parser, machine_council=False),
                               partial(add_watch_parser, machine_council=False)))


def play_or_watch(argv: list[str] | None = None, prog: str = "tokenwood_tui") -> int:
    """`python -m tokenwood_tui play|watch ...`: the `tokenwood play|watch` parsers and handler alone."""
    return dispatch(module_parser(prog), argv)


def add_screenshot_arguments(p: argparse.ArgumentParser) -> None:
    """The screenshot's options: `--out` (default docs/screenshot.svg)."""
    p.add_argument("--out", default="docs/screenshot.svg")


def handle_screenshot(args: argparse.Namespace) -> int:
    """Write the README's picture to `--out`."""
    import asyncio
    from pathlib import Path

    from tokenwood_tui.screenshot import picture

    svg = asyncio.run(picture())
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(svg, encoding="utf-8")
    print(f"wrote {args.out} ({len(svg) // 1024} KiB)")
    return 0
