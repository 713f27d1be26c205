"""What the commands share: the arguments several of them take, the one-line user error, the parser.

Every error a user can cause (a bad scenario, a corrupt save, a malformed script) is one line on
stderr, `tokenwood: ...`, and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Iterable

from engine.play.seeds import parse_seeds

COUNCIL_HELP = ("preset (scripted, embedded, seed), a council .toml, or Oona=model,Sorrel=model; a model is a "
                "registry id, scripted, local:PATH, hub:ORG/NAME or openai:URL@MODEL[?key=ENV_VAR]")
"""What `--council` takes."""

MACHINE_DEFAULT = " (default: seed on a GPU host, else embedded)"
"""What a game gets when `--council` is not given (see `default_council`)."""

INTERRUPTED_SEASONS = "interrupted: run the same command again to resume (finished seasons are kept)"
"""What `eval` and `compare` say on Ctrl-C."""

AddParser = Callable[["argparse._SubParsersAction"], argparse.ArgumentParser]
"""A command's `add_parser(subparsers)`: declares the command and sets its `handler`."""


def fail(message: str) -> int:
    """Say a user error on one line of stderr; the exit status for it (2)."""
    print(f"tokenwood: {message}", file=sys.stderr)
    return 2


def positive_seconds(text: str) -> float:
    """An argparse type: a number of seconds above 0 ("30", "7.5")."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text!r}")
    return value


def default_council() -> str:
    """The council a game uses when none is named: the seed council on a GPU host, else embedded."""
    from engine.models.hardware import has_gpu

    return "seed" if has_gpu() else "embedded"


def add_council(p: argparse.ArgumentParser, default: str | None = "scripted", unset: str = MACHINE_DEFAULT) -> None:
    """`--council`; without a default, `unset` says what a game gets (the machine's default council)."""
    p.add_argument("--council", default=default, help=COUNCIL_HELP + ("" if default else unset))


def add_scenario(p: argparse.ArgumentParser) -> None:
    """`--scenario FILE`."""
    p.add_argument("--scenario", default=None, help="scenario TOML file (default: the embedded wood)")


def add_answer_timeout(p: argparse.ArgumentParser) -> None:
    """`--answer-timeout SECONDS`: how long a model's decision may take."""
    p.add_argument("--answer-timeout", type=positive_seconds, default=None, metavar="SECONDS",
                   help="seconds a model's decision may take (default: from each engine's measured pace; "
                        "60 for a remote server)")


def add_game_options(p: argparse.ArgumentParser, council: str | None = "scripted",
                     unset: str = MACHINE_DEFAULT) -> None:
    """What starts one game: `--council` (see `add_council`), `--seed`, `--scenario`, `--load`, `--answer-timeout`."""
    add_council(p, council, unset)
    p.add_argument("--seed", type=int, default=1, help="seed for a new game (default 1)")
    add_scenario(p)
    p.add_argument("--load", default=None, metavar="PATH", help="continue from a save")
    add_answer_timeout(p)


def add_patron_script(p: argparse.ArgumentParser) -> None:
    """`--patron-script PATH`: the Patron's moves from a file."""
    p.add_argument("--patron-script", default=None, metavar="PATH", help="JSON list of Patron moves")


def add_season_turns(p: argparse.ArgumentParser) -> None:
    """`--turns N` for commands that play many seasons."""
    p.add_argument("--turns", type=int, default=None, help="turns per season (default: the whole season)")


def add_seeds(p: argparse.ArgumentParser, help: str) -> None:
    """`--seeds 1,2,3|1-5`, one season per seed (default 1,2,3)."""
    p.add_argument("--seeds", type=parse_seeds, default="1,2,3", help=help)


def add_no_progress(p: argparse.ArgumentParser, bars: bool = False) -> None:
    """`--no-progress`: no progress bar (`bars`: the command draws several)."""
    p.add_argument("--no-progress", action="store_true", help="no progress bars" if bars else "no progress bar")


def add_no_charts(p: argparse.ArgumentParser) -> None:
    """`--no-charts`: no PNG charts."""
    p.add_argument("--no-charts", action="store_true", help="no PNG charts")


def add_report_options(p: argparse.ArgumentParser, bars: bool = False) -> None:
    """What `eval` and `compare` share after their `--out`: scenario, Patron script, progress, charts."""
    add_scenario(p)
    add_patron_script(p)
    add_no_progress(p, bars)
    add_no_charts(p)


def progress_wanted(args: argparse.Namespace) -> bool:
    """Whether to draw progress: not turned off, and stderr is a terminal."""
    return not getattr(args, "no_progress", False) and sys.stderr.isatty()


def build_parser(prog: str, commands: Iterable[AddParser], description: str | None = None) -> argparse.ArgumentParser:
    """One parser with a subcommand per `add_parser`, in the order given."""
    ap = argparse.ArgumentParser(prog=prog, description=description)
    sub = ap.add_subparsers(dest="command", required=True)
    for add_parser in commands:
        add_parser(sub)
    return ap


def dispatch(ap: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse `argv` and run the chosen command's handler; Ctrl-C is a one-line user error."""
    args = ap.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return fail("interrupted (the last autosave is kept)")
