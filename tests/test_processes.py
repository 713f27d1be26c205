"""Process and log hygiene for model engines (engine.brains.processes), without starting any engine."""

from __future__ import annotations

import logging
import multiprocessing.spawn
import os
import sys
import warnings

import pytest

from engine.brains.processes import (
    ENGINE_WRAPPER,
    EngineLog,
    cpu_masks,
    library_warnings_to,
    route_vllm_logger,
    temporary_env,
)


@pytest.fixture
def vllm_logger():
    """The "vllm" logger, put back as it was after the test."""
    logger = logging.getLogger("vllm")
    handlers, propagate = list(logger.handlers), logger.propagate
    yield logger
    for handler in logger.handlers:
        if handler not in handlers:
            handler.close()
    logger.handlers[:], logger.propagate = handlers, propagate


def test_temporary_env_sets_then_restores_and_leaves_none_alone(monkeypatch):
    monkeypatch.setenv("TW_KEPT", "before")
    monkeypatch.delenv("TW_NEW", raising=False)
    monkeypatch.setenv("TW_UNTOUCHED", "same")
    with temporary_env(TW_KEPT="during", TW_NEW="new", TW_UNTOUCHED=None):
        assert (os.environ["TW_KEPT"], os.environ["TW_NEW"], os.environ["TW_UNTOUCHED"]) == ("during", "new", "same")
    assert os.environ["TW_KEPT"] == "before" and "TW_NEW" not in os.environ
    assert os.environ["TW_UNTOUCHED"] == "same"


def test_cpu_masks_give_each_engine_its_own_cores(monkeypatch):
    monkeypatch.delenv("VLLM_CPU_OMP_THREADS_BIND", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert cpu_masks(1) == [None]
    assert cpu_masks(2) == ["0,1", "2,3"]
    assert cpu_masks(3) == ["0", "1", "2"]
    monkeypatch.setenv("VLLM_CPU_OMP_THREADS_BIND", "0-3")
    assert cpu_masks(2) == [None, None]


def test_library_warnings_go_to_the_log_and_others_to_the_fallback(tmp_path):
    log, shown = tmp_path / "engines.log", []
    show = library_warnings_to(log, lambda message, *_rest: shown.append(str(message)))
    show(UserWarning("from torch"), UserWarning, f"{os.sep}site{os.sep}torch{os.sep}nn.py", 3)
    show(UserWarning("from the game"), UserWarning, f"{os.sep}src{os.sep}engine{os.sep}turn.py", 5)
    assert "from torch" in log.read_text() and "from the game" not in log.read_text()
    assert shown == ["from the game"]


def test_a_terminal_handler_on_vllm_is_moved_to_the_log(tmp_path, vllm_logger):
    vllm_logger.handlers[:] = [logging.StreamHandler(sys.stderr)]
    route_vllm_logger(tmp_path / "engines.log")
    assert [type(h) for h in vllm_logger.handlers] == [logging.FileHandler]
    assert vllm_logger.propagate is False


def test_capture_spawns_children_through_the_wrapper_and_puts_everything_back(tmp_path, vllm_logger, monkeypatch):
    monkeypatch.delenv("TOKENWOOD_ENGINE_LOG", raising=False)
    log = tmp_path / "logs" / "engines.log"
    engine_log = EngineLog(log)
    exe, showwarning = multiprocessing.spawn.get_executable(), warnings.showwarning
    with engine_log.capture():
        wrapper = log.parent / "engine-python.sh"
        assert os.fsdecode(multiprocessing.spawn.get_executable()) == str(wrapper)
        assert wrapper.read_text() == ENGINE_WRAPPER and os.access(wrapper, os.X_OK)
        assert os.environ["TOKENWOOD_ENGINE_LOG"] == str(log)
        assert os.environ["VLLM_LOGGING_CONFIG_PATH"] == str(log.parent / "vllm-logging.json")
        assert warnings.showwarning is not showwarning
    assert multiprocessing.spawn.get_executable() == exe
    assert "TOKENWOOD_ENGINE_LOG" not in os.environ
    assert warnings.showwarning is not showwarning  # library warnings go to the log until restored
    engine_log.restore_warnings()
    assert warnings.showwarning is showwarning


def _sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


def test_the_resource_tracker_is_left_alone_while_a_child_lives():
    """Stopping the tracker waits for every process holding its pipe: with an engine still alive that was
    forever (a Ctrl-C during the engines' start hung there)."""
    import threading

    from engine.brains.processes import stop_resource_tracker

    child = multiprocessing.get_context("spawn").Process(target=_sleep, args=(30,))
    child.start()
    try:
        done = threading.Event()
        threading.Thread(target=lambda: (stop_resource_tracker(), done.set()), daemon=True).start()
        assert done.wait(10), "stop_resource_tracker waited for a live child"
    finally:
        child.kill()
        child.join()


def test_closing_a_pool_whose_start_was_interrupted_shuts_down_the_engine_being_built():
    """The engine a worker thread was still building when the start was interrupted is waited for and
    shut down, not left running with no parent."""
    import asyncio
    from types import SimpleNamespace

    from engine.brains.vllm import EnginePool
    from engine.models.registry import load_registry

    shut: list[str] = []
    pool = EnginePool(["smollm2-135m"], registry=load_registry(None))

    async def scenario():
        async def build():
            await asyncio.sleep(0.05)  # still loading when the start is interrupted
            llm = SimpleNamespace(shutdown=lambda timeout=None: shut.append("smollm2-135m"))
            return SimpleNamespace(llm=llm, spec=SimpleNamespace(id="smollm2-135m"))

        pool._building["smollm2-135m"] = asyncio.ensure_future(build())
        await pool.close()

    asyncio.run(scenario())
    assert shut == ["smollm2-135m"] and pool.engines == {} and pool._building == {}
