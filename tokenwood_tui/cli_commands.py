"""The terminal UI's own command-line commands, in the style of the engine's (engine/commands/):

    tokenwood play        play as the Patron in the terminal UI
    tokenwood watch       watch a game in the terminal UI (the scripted schemer plays the Patron)
    screenshot            the README's picture (`python -m tokenwood_tui.screenshot`, not a `tokenwood` command)

Each `add_*_parser(subparsers)` declares a command and sets its `handler`; the game options are the
engine's (`engine.commands.common.add_game_options`), declared once for `run`, `play` and `watch`.
"""

from __future__ import annotations

import argparse

from engine.commands.common import MACHINE_DEFAULT, add_game_options, build_parser, dispatch, fail

LOADED_KEEPS = "; a loaded save keeps its own, a replay gets scripted"
"""What `--council` says besides the default: a save's council and a replay's."""


def add_play_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood play`."""
    p = subparsers.add_parser("play", help="play as the Patron in the terminal UI")
    _add_ui_options(p)
    return p


def add_watch_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood watch`."""
    p = subparsers.add_parser("watch", help="watch a game in the terminal UI")
    _add_ui_options(p)
    p.add_argument("--replay", default=None, metavar="TRACES", help="replay a game from a traces file")
    return p


def _add_ui_options(p: argparse.ArgumentParser) -> None:
    add_game_options(p, council=None, unset=MACHINE_DEFAULT.removesuffix(")") + LOADED_KEEPS + ")")
    p.add_argument("--stream", action=argparse.BooleanOptionalAction, default=None,
                   help="model brains stream their answers onto the board while they write (--no-stream: "
                        "they send whole answers only; default: the configuration file's stream, else on)")
    p.set_defaults(handler=handle_play, full_screen=True)


def handle_play(args: argparse.Namespace) -> int:
    """`tokenwood play` and `tokenwood watch` (and `python -m tokenwood_tui`): the terminal UI.

    Without `--council`, a new game gets the default council (the configuration file's, else the
    machine's: `engine.play.config.default_council`), a replay the scripted one, and a loaded save
    keeps its own. The configuration file (`args.config`, read by `dispatch`) also gives the saves
    folder, the theme, the auto-play pause and whether brains stream (`--stream`/`--no-stream` win).
    """
    from textual.theme import BUILTIN_THEMES

    from engine.play.config import UserConfig, config_path, default_council
    from tokenwood_tui.app import run_app

    config = getattr(args, "config", None) or UserConfig()
    if args.stream is not None:  # the command line wins over the file
        config = config.model_copy(update={"stream": args.stream})
    if config.theme and config.theme not in BUILTIN_THEMES:
        return fail(f"{config_path()}: theme: {config.theme!r} is not a theme (one of {', '.join(BUILTIN_THEMES)})")
    replay = getattr(args, "replay", None)
    council = args.council
    if council is None and not args.load:
        council = "scripted" if replay else default_council(config)
    return run_app(args.command, council=council, seed=args.seed, scenario=args.scenario, load=args.load,
                   replay=replay, answer_timeout=args.answer_timeout, config=config)


def module_parser(prog: str = "tokenwood_tui") -> argparse.ArgumentParser:
    """The parser of `python -m tokenwood_tui`: `tokenwood play|watch` alone, with the same defaults."""
    return build_parser(prog, (add_play_parser, add_watch_parser))


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
