"""The program's log: one folder, the platform's log directory (`engine.brains.processes.log_dir`).

    log_dir()/tokenwood.log   what tokenwood itself logs: each command, its exit status, user errors,
                              the terminal UI's firewall withholdings and any stray output while it runs
    log_dir()/engines.log     the model engines' own output and vLLM's logging

`setup_logging(verbose, echo)` points the program's loggers (`engine`, `tokenwood_tui`) at
`tokenwood.log`; with `verbose` they log debug records too and, with `echo` (a headless command, never
the full-screen UI), every record also goes to stderr. Calling it again replaces what it set before.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from engine.brains.processes import log_dir

LOG_NAME = "tokenwood.log"
"""The program's log file, in `log_dir()`."""

LOGGERS = ("engine", "tokenwood_tui")
"""The loggers the program logs through (every module's `logging.getLogger(__name__)` is below one)."""

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
"""One log record per line."""


def log_file() -> Path:
    """The program's log file: `tokenwood.log` in the log folder."""
    return log_dir() / LOG_NAME


class _Ours:
    """Marks the handlers `setup_logging` installed, so a second call replaces them."""


class _File(logging.FileHandler, _Ours):
    """The log file's handler."""


class _Echo(logging.StreamHandler, _Ours):
    """The stderr echo of `--verbose`."""


class _Nowhere(logging.NullHandler, _Ours):
    """Stands in for the log file when it cannot be opened (a read-only home must not stop a game)."""


def setup_logging(verbose: bool = False, echo: bool = False, path: Path | None = None) -> Path:
    """Log to `path` (default: `log_file()`): info and up, debug too when `verbose`.

    With `verbose` and `echo`, records are also written to stderr. Returns the log file's path (even
    when it could not be opened; nothing is logged then).
    """
    path = Path(path) if path is not None else log_file()
    handlers: list[logging.Handler] = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(_File(path, encoding="utf-8"))
    except OSError:
        handlers.append(_Nowhere())
    if verbose and echo:
        handlers.append(_Echo(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _Ours)]:
            logger.removeHandler(old)
            old.close()
        for handler in handlers:
            logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if verbose else logging.INFO)
        logger.propagate = False
    return path
