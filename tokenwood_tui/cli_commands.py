"""The terminal UI's own command-line commands, in the style of the engine's (engine/commands/):

    tokenwood play        play as the Patron in the terminal UI
    tokenwood watch       watch a game in the terminal UI (the scripted schemer plays the Patron)
    screenshot            the README's picture (`python -m tokenwood_tui.screenshot`, not a `tokenwood` command)

Each `add_*_parser(subparsers)` declares a command and sets its `handler`; the game options are the
engine's (`engine.commands.common.add_game_options`), declared once for `run`, `play` and `watch`.
"""

from __future__ import annotations

import argparse

from engine.commands.common import add_game_options, build_parser, default_council, dispatch


def add_play_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood play`."""
    p = subparsers.add_parser("play", help="play as the Patron in the terminal UI")
    add_game_options(p, council=None)
    p.set_defaults(handler=handle_play)
    return p


def add_watch_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood watch`."""
    p = subparsers.add_parser("watch", help="watch a game in the terminal UI")
    add_game_options(p, council=None)
    p.add_argument("--replay", default=None, metavar="TRACES", help="replay a game from a traces file")
    p.set_defaults(handler=handle_play)
    return p


def handle_play(args: argparse.Namespace) -> int:
    """`tokenwood play` and `tokenwood watch`: the terminal UI (a replay defaults to the scripted council)."""
    from tokenwood_tui.app import run_app

    replay = getattr(args, "replay", None)
    council = args.council or ("scripted" if replay else default_council())
    return run_app(args.command, council=council, seed=args.seed, scenario=args.scenario, load=args.load,
                   replay=replay, answer_timeout=args.answer_timeout)


def play_or_watch(argv: list[str] | None = None, prog: str = "tokenwood_tui") -> int:
    """`python -m tokenwood_tui play|watch ...`: the `tokenwood play|watch` parsers and handler alone."""
    return dispatch(build_parser(prog, (add_play_parser, add_watch_parser)), argv)


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
