"""Process and log hygiene for model engines running in this process (`engine.brains.vllm`).

vLLM starts its engine cores as *spawned* child processes that write to the terminal on their own
(C++ warnings, progress bars) and logs through Python's logging; a full-screen TUI must never be
garbled by either. `EngineLog.capture()` launches the children through a tiny wrapper that sends
their stdout/stderr to a log file and points vLLM's logging and the model libraries' warnings at the
same file. `cpu_masks` and `temporary_env` give each engine its own cores through the environment its
child copies at spawn; `stop_resource_tracker` leaves no child process behind once the engines are shut.

Nothing here imports a model library.
"""

from __future__ import annotations

import json
import logging
import multiprocessing.spawn
import os
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

ENGINE_WRAPPER = """#!/bin/sh
# Written by tokenwood: start a vLLM child process with its stdout/stderr in the engine log.
exec "$TOKENWOOD_ENGINE_PYTHON" "$@" >>"$TOKENWOOD_ENGINE_LOG" 2>&1 </dev/null
"""
"""The script every spawned engine process is launched through (the environment says where to write)."""


LOG_DIR_ENV = "TOKENWOOD_LOG_DIR"
"""Environment variable naming the log folder (overrides the platform's log directory)."""


def log_dir() -> Path:
    """The one folder tokenwood logs to: `$TOKENWOOD_LOG_DIR`, else the platform's log directory.

    That is `platformdirs.user_log_dir("tokenwood")` (`~/.local/state/tokenwood/log` on Linux); it
    holds `tokenwood.log` (the program's own log, `engine.play.logs`) and `engines.log` (below).
    """
    env = os.environ.get(LOG_DIR_ENV)
    if env:
        return Path(os.path.expandvars(env)).expanduser()
    from platformdirs import user_log_dir

    return Path(user_log_dir("tokenwood"))


def default_log_path() -> Path:
    """Where engine output goes unless told otherwise: `engines.log` in the log folder (`log_dir()`)."""
    return log_dir() / "engines.log"


@dataclass
class EngineLog:
    """The one log file that engine children, vLLM's logging and the model libraries' warnings write to."""

    path: Path
    """The log file."""
    _showwarning: Callable[..., None] | None = field(default=None, init=False, repr=False)
    """`warnings.showwarning` as it was before `capture()` replaced it (None: not replaced)."""

    @contextmanager
    def capture(self) -> Iterator[None]:
        """While engines start, children write to the log and vLLM logs there too.

        The spawned engine processes are launched through a wrapper script whose stdout/stderr is
        the log (vLLM does the same for numactl); the environment they copy at spawn says where.
        Warnings raised inside the model libraries go to the log until `restore_warnings()`.
        """
        log = self.path
        log.parent.mkdir(parents=True, exist_ok=True)
        wrapper = log.parent / "engine-python.sh"
        if not wrapper.exists() or wrapper.read_text() != ENGINE_WRAPPER:
            wrapper.write_text(ENGINE_WRAPPER)
        wrapper.chmod(0o755)
        logging_config = log.parent / "vllm-logging.json"
        logging_config.write_text(json.dumps(logging_config_for(log)))
        vllm_logger = logging.getLogger("vllm")
        if not vllm_logger.handlers:  # records logged while vllm imports, before it configures logging
            vllm_logger.addHandler(logging.FileHandler(log))
            vllm_logger.propagate = False
        if self._showwarning is None:
            self._showwarning = warnings.showwarning
            warnings.showwarning = library_warnings_to(log, self._showwarning)
        old_exe = multiprocessing.spawn.get_executable()
        multiprocessing.spawn.set_executable(str(wrapper))
        try:
            with temporary_env(
                TOKENWOOD_ENGINE_LOG=str(log),
                TOKENWOOD_ENGINE_PYTHON=os.fsdecode(old_exe),
                VLLM_LOGGING_CONFIG_PATH=str(logging_config),
                VLLM_WORKER_MULTIPROC_METHOD="spawn",
                TQDM_DISABLE="1",
                TRANSFORMERS_VERBOSITY="error",
                TOKENIZERS_PARALLELISM=os.environ.get("TOKENIZERS_PARALLELISM", "false"),
                HF_HUB_OFFLINE=os.environ.get("HF_HUB_OFFLINE", "1"),
            ):
                yield
        finally:
            multiprocessing.spawn.set_executable(old_exe)
            route_vllm_logger(log)

    def restore_warnings(self) -> None:
        """Put back the `warnings.showwarning` that `capture()` replaced (nothing if it did not)."""
        if self._showwarning is not None:
            warnings.showwarning, self._showwarning = self._showwarning, None


def logging_config_for(log: Path) -> dict:
    """A dictConfig sending vLLM's logging to the engine log (other loggers are left alone)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"}},
        "handlers": {"file": {"class": "logging.FileHandler", "filename": str(log), "formatter": "plain"}},
        "loggers": {"vllm": {"handlers": ["file"], "level": "INFO", "propagate": False}},
    }


def library_warnings_to(log: Path, fallback: Callable[..., None]) -> Callable[..., None]:
    """A `warnings.showwarning` that logs the model libraries' warnings to `log`, others as before."""
    libraries = tuple(f"{os.sep}{name}{os.sep}" for name in ("vllm", "torch", "transformers", "xgrammar"))

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        if not any(part in str(filename) for part in libraries):
            return fallback(message, category, filename, lineno, file, line)
        with open(log, "a") as fh:
            fh.write(warnings.formatwarning(message, category, filename, lineno, line))

    return show


def route_vllm_logger(log: Path) -> None:
    """Where vLLM was imported before the pool (its handler on the terminal), move it to the log."""
    logger = logging.getLogger("vllm")
    for handler in list(logger.handlers):
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            if getattr(handler, "stream", None) in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
                logger.removeHandler(handler)
                logger.addHandler(logging.FileHandler(log))
    logger.propagate = False


# -- the environment a child copies ----------------------------------------------------------------


def cpu_masks(n_engines: int) -> list[str | None]:
    """Give each engine its own CPU cores (vLLM's CPU build binds every engine to the same core).

    Two engines on a 2-core machine -> ["0", "1"]; one engine -> [None] (vLLM's own choice).
    None everywhere when the user set VLLM_CPU_OMP_THREADS_BIND or the host has too few cores.
    """
    if os.environ.get("VLLM_CPU_OMP_THREADS_BIND") or n_engines < 2:
        return [None] * n_engines
    cpus = sorted(os.sched_getaffinity(0))
    share = max(1, len(cpus) // n_engines)
    masks = []
    for i in range(n_engines):
        start = (i * share) % len(cpus)
        masks.append(",".join(str(c) for c in cpus[start : start + share]))
    return masks


@contextmanager
def temporary_env(**values: str | None) -> Iterator[None]:
    """Set environment variables (None: leave alone) for the duration of the block."""
    old = {k: os.environ.get(k) for k, v in values.items() if v is not None}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# -- leaving no child behind -----------------------------------------------------------------------


def resource_tracker_running() -> bool:
    """Whether multiprocessing's resource tracker (a child process) already runs."""
    from multiprocessing import resource_tracker

    return getattr(resource_tracker._resource_tracker, "_pid", None) is not None


def stop_resource_tracker() -> None:
    """Stop the resource tracker the engines started, so the pool leaves no child process behind.

    It would otherwise live until this process exits; multiprocessing restarts it when next needed.
    Not while a child process lives (an engine that would not shut down): the tracker then waits for it.
    """
    from multiprocessing import resource_tracker

    if multiprocessing.active_children():
        return  # a child still holds the tracker's pipe: stopping it would wait for that child forever
    stop = getattr(resource_tracker._resource_tracker, "_stop", None)
    if stop is not None:
        try:
            stop()
        except Exception:  # noqa: BLE001 - best effort
            pass
