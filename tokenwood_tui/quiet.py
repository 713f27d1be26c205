"""Keep the terminal for the UI alone: whatever else writes to stdout or stderr goes to a log file.

Model engines run in child processes that write to the terminal on their own (C++ warnings, progress
bars: see platform.md); Python's logging settings cannot stop them, and inside a full-screen UI they
garble the picture. While the app runs, file descriptors 1 and 2 point at a log file, so every child
process inherits the log, and Textual is handed private copies of the real terminal instead
(`sys.__stdout__` / `sys.__stderr__`, which its driver writes to and measures the window through).
Everything is put back when the app ends.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def terminal_for_ui(log_path: str | Path) -> Iterator[Path | None]:
    """Send fds 1 and 2 to `log_path` while the block runs; the UI keeps the terminal.

    Yields the log's path, or None when there is no terminal to protect (or the log cannot open):
    then nothing is changed.
    """
    if not (sys.__stdout__ and sys.__stderr__ and sys.__stdout__.isatty() and sys.__stderr__.isatty()):
        yield None
        return
    try:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        yield None
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    original = sys.__stdout__, sys.__stderr__
    tty_out = os.fdopen(os.dup(1), "w", encoding=sys.__stdout__.encoding, errors="replace", buffering=1)
    tty_err = os.fdopen(os.dup(2), "w", encoding=sys.__stderr__.encoding, errors="replace", buffering=1)
    try:
        sys.__stdout__, sys.__stderr__ = tty_out, tty_err
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        yield Path(log_path)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        sys.__stdout__, sys.__stderr__ = original
        for fd in (saved_out, saved_err, log_fd):
            os.close(fd)
        tty_out.close()
        tty_err.close()


@contextmanager
def stderr_for_children(log_path: str | Path) -> Iterator[None]:
    """Give `sys.stderr` a real file while child processes start, then give Textual its own back.

    Inside a Textual app `sys.stderr` is Textual's capture, whose `fileno()` is -1; multiprocessing's
    resource tracker hands `sys.stderr.fileno()` to the process it spawns, and -1 makes every spawn
    fail ("bad value(s) in fds_to_keep"): model engines could not start. Around engine start the
    log file stands in.
    """
    try:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        fh = open(log_path, "a", encoding="utf-8")
    except OSError:
        yield
        return
    previous = sys.stderr
    sys.stderr = fh
    try:
        yield
    finally:
        sys.stderr = previous
        fh.close()
