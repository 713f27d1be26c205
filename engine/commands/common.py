"""What the commands share: the arguments several of them take, the one-line errors, the parser.

Exit status, one policy for every command: 0 done, 1 failed (the command was understood but could not
do its job: models that could not start, a failing check, an interruption, an internal error), 2 bad
usage (a bad option, an unknown model, a bad scenario, save, script, traces or configuration file).
Every error is one line on stderr, `tokenwood: ...`; the log file holds the details.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from typing import Callable, Iterable, Iterator

from engine.play.config import ConfigError, load_config
from engine.play.config import default_council as configured_council
from engine.play.logs import setup_logging
from engine.play.seeds import parse_seeds

EXIT_DONE, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
"""The exit statuses: done, failed (could not do its job), bad usage."""

log = logging.getLogger("engine.commands")

COUNCIL_HELP = ("preset (scripted, embedded, seed), a council .toml, or Oona=model,Sorrel=model; a model is a "
                "registry id, scripted, local:PATH, hub:ORG/NAME or openai:URL@MODEL[?key=ENV_VAR]")
"""What `--council` takes."""

MACHINE_DEFAULT = " (default: the configuration file's council, else seed on a GPU host, else embedded)"
"""What a game gets when `--council` is not given (see `default_council`)."""

INTERRUPTED_SEASONS = "interrupted: run the same command again to resume (finished seasons are kept)"
"""What `eval` and `compare` say on Ctrl-C."""

AddParser = Callable[["argparse._SubParsersAction"], argparse.ArgumentParser]
"""A command's `add_parser(subparsers)`: declares the command and sets its `handler`."""


def fail(message: str, status: int = EXIT_USAGE) -> int:
    """Say an error on one line of stderr (and in the log); return `status` (default 2, bad usage).

    Give `EXIT_FAILED` when the command was understood but could not do its job.
    """
    log.warning("%s (exit status %d)", message, status)
    print(f"tokenwood: {message}", file=sys.stderr)
    return status


def run_seasons(job: Callable[[], dict], interrupted: str = INTERRUPTED_SEASONS) -> tuple[dict | None, int]:
    """Run an evaluation job (`eval`, `compare`, `probe`) and map its errors to one line and an exit status.

    Returns (the job's result, 0), or (None, the status) after saying the error: models that cannot
    start here 1, a bad request 2, Ctrl-C 1 (saying `interrupted`; by default, that finished seasons are kept).
    """
    from engine.lab.evaluation.errors import EvalError, ModelsNotReady

    try:
        return job(), EXIT_DONE
    except ModelsNotReady as err:
        return None, fail(str(err), EXIT_FAILED)
    except EvalError as err:
        return None, fail(str(err))
    except KeyboardInterrupt:
        return None, fail(interrupted, EXIT_FAILED)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM (a supervisor's or `kill`'s stop) is Ctrl-C: the job unwinds through its
    `finally` blocks, which close the model engines. Without it the interpreter died at once and left
    the vLLM engine processes running with no parent."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


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
    """The council a game uses when none is named: the configuration file's, else the machine's
    (the seed council on a GPU host, else embedded); see `engine.play.config.default_council`."""
    return configured_council()


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


def program_version() -> str:
    """The installed package's version (its metadata), or `unknown` when tokenwood is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tokenwood")
    except PackageNotFoundError:
        return "unknown (not installed; run from a source tree)"


def build_parser(prog: str, commands: Iterable[AddParser], description: str | None = None) -> argparse.ArgumentParser:
    """One parser with a subcommand per `add_parser`, in the order given, and the global options
    `--version` and `-v/--verbose`."""
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("--version", action="version", version=f"tokenwood {program_version()}")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="log debug records too and, for headless commands, echo the log on stderr")
    sub = ap.add_subparsers(dest="command", required=True)
    for add_parser in commands:
        add_parser(sub)
    return ap


def dispatch(ap: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse `argv`, start the log, read the configuration file and run the chosen command's handler.

    The configuration fills what the command line left unset (`args.config` holds it). A bad
    configuration file is a one-line error (2); Ctrl-C and an unexpected error are one line (1), the
    traceback going to the log.
    """
    args = ap.parse_args(argv)
    path = setup_logging(args.verbose, echo=not getattr(args, "full_screen", False))
    log.info("tokenwood %s: %s %s", program_version(), ap.prog, " ".join(sys.argv[1:] if argv is None else argv))
    try:
        args.config = load_config()
    except ConfigError as err:
        return fail(str(err))
    if getattr(args, "answer_timeout", False) is None:
        args.answer_timeout = args.config.answer_timeout
    try:
        # the terminal app handles its own signals; a headless command stops on SIGTERM as on Ctrl-C
        with contextlib.nullcontext() if getattr(args, "full_screen", False) else terminate_as_interrupt():
            status = args.handler(args)
    except KeyboardInterrupt:
        status = fail("interrupted (the last autosave is kept)", EXIT_FAILED)
    except Exception as err:  # a bug, or a failure nothing above names: one line, the traceback logged
        log.exception("%s failed", args.command)
        first = (str(err).splitlines() or [""])[0]
        status = fail(f"failed: {type(err).__name__}: {first} (the traceback is in {path})", EXIT_FAILED)
    log.info("exit status %d", status)
    return status
