"""Any model, any server, one line: inline `--council` models, API keys, `models add`, and `doctor` asking
the servers, against a real OpenAI-compatible HTTP server on loopback (`tests/openai_server.py`).

What this does not cover: a real llama.cpp or Ollama server (their own quirks in what they accept);
the client path, the HTTP exchange and the JSON shapes are the real ones.
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from engine.brains.models import ModelsUnavailable, check_available
from engine.brains.openai_compat import OpenAIBrain
from engine.models.inline import InlineError, parse_inline, slug
from engine.models.registry import RegistryError, add_session_model, load_registry
from engine.play.council import CouncilError, resolve_council
from tests.openai_server import FakeServer, running
from tokenwood_tui.cli import main

SELL = '{"orders": [{"side": "sell", "good": "honey", "qty": 1, "price": 7}]}'
BUY = '{"orders": [{"side": "buy", "good": "honey", "qty": 1, "price": 8}]}'
KEY = "sk-wood-7f3a9c1e55d04b2b"


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def user_models(tmp_path, monkeypatch):
    """An empty user registry file, named by TOKENWOOD_MODELS."""
    path = tmp_path / "models.toml"
    path.write_text("")
    monkeypatch.setenv("TOKENWOOD_MODELS", str(path))
    return path


# -- the one syntax -----------------------------------------------------------------------------------


def test_openai_inline_model_keeps_its_server_name_and_key_variable():
    spec = parse_inline("openai:http://127.0.0.1:11434/v1@llama3.2:1b?key=OLLAMA_KEY")
    assert (spec.id, spec.backend, spec.base_url) == ("llama3.2-1b", "openai", "http://127.0.0.1:11434/v1")
    assert spec.server_model == "llama3.2:1b" and spec.api_key_env == "OLLAMA_KEY" and spec.weights is None
    qwen = parse_inline("openai:http://127.0.0.1:8000/v1@Qwen/Qwen2.5-0.5B-Instruct")
    assert (qwen.id, qwen.lab, qwen.server_model) == ("qwen2.5-0.5b-instruct", "Qwen", "Qwen/Qwen2.5-0.5B-Instruct")
    assert qwen.api_key_env is None
    assert slug("Org/Some Model:Q4_K_M") == "some-model-q4_k_m"


@pytest.mark.parametrize("text", [
    "openai:http://127.0.0.1:8000/v1",                 # no model
    "openai:127.0.0.1:8000/v1@m",                      # no scheme
    "openai:http://127.0.0.1:8000/v1@m?key=1BAD",      # not a variable name
    "openai:http://127.0.0.1:8000/v1@m?api_key=sk-1",  # a key, not a variable
    "hub:just-a-name",
    "local:",
])
def test_a_malformed_inline_model_is_refused_with_the_right_form(text):
    with pytest.raises(InlineError, match=r"expected local:PATH, hub:ORG/NAME, or openai:URL@MODEL\[\?key=ENV_VAR\]"):
        parse_inline(text)


def test_a_local_folder_needs_config_json(tmp_path):
    with pytest.raises(InlineError, match="no config.json"):
        parse_inline(f"local:{tmp_path}")
    folder = tmp_path / "My-Model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    spec = parse_inline(f"local:{folder}")
    assert (spec.id, spec.backend, spec.weights.kind, spec.weights.path) == ("my-model", "vllm", "local", str(folder))
    assert spec.engine.dtype == "auto"


def test_a_hub_id_resolves_offline_from_the_cache_or_is_refused(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(InlineError, match="not in the local Hugging Face cache.*nothing is downloaded"):
        parse_inline("hub:TinyOrg/Tiny-1B")
    repo = tmp_path / "models--TinyOrg--Tiny-1B"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123")
    (repo / "snapshots" / "abc123").mkdir(parents=True)
    (repo / "snapshots" / "abc123" / "config.json").write_text("{}")
    spec = parse_inline("hub:TinyOrg/Tiny-1B")
    assert (spec.id, spec.lab, spec.weights.repo, spec.weights.revision) == ("tiny-1b", "TinyOrg", "TinyOrg/Tiny-1B",
                                                                              "abc123")


def test_inline_ids_never_take_another_models_name():
    reg = load_registry(None)
    a = parse_inline("openai:http://a:1/v1@smollm2-135m", reg.models)
    assert a.id == "smollm2-135m-2"  # the shipped smollm2-135m is another model
    taken = {**reg.models, a.id: a}
    assert parse_inline("openai:http://a:1/v1@smollm2-135m", taken).id == "smollm2-135m-2"  # the same one again


def test_the_council_takes_inline_models_and_registers_them(scenario):
    council = resolve_council("Oona=openai:http://127.0.0.1:11434/v1@llama3.2:1b,Bramble=scripted", scenario)
    assert council["Oona"] == "llama3.2-1b" and council["Bramble"] == "scripted:cautious"
    assert load_registry().get("llama3.2-1b").server_model == "llama3.2:1b"
    with pytest.raises(CouncilError, match=r"Sorrel=openai:http://x/v1: malformed; expected local:PATH"):
        resolve_council("Sorrel=openai:http://x/v1", scenario)
    with pytest.raises(CouncilError, match="Sorrel=ollama:llama3: not a model; expected a registry id"):
        resolve_council("Sorrel=ollama:llama3", scenario)


def test_a_council_file_takes_inline_models(scenario, tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[council]\nOona = "openai:http://127.0.0.1:11434/v1@llama3.2:1b?key=OLLAMA_KEY"\n')
    assert resolve_council(str(f), scenario)["Oona"] == "llama3.2-1b"


# -- defects of the openai backend (each failed on main) ------------------------------------------------


def test_an_openai_entry_needs_no_weights_and_takes_a_name_with_a_colon(user_models):
    """Defects: a meaningless weights table was required; `llama3.2:1b` could not be named."""
    user_models.write_text('[models.ollama-llama]\ndisplay_name = "Llama 3.2 1B"\nlab = "Meta"\n'
                           'backend = "openai"\nbase_url = "http://127.0.0.1:11434/v1"\nserved_name = "llama3.2:1b"\n'
                           'api_key_env = "OLLAMA_KEY"\n')
    spec = load_registry().get("ollama-llama")
    assert spec.weights is None and spec.server_model == "llama3.2:1b" and spec.api_key_env == "OLLAMA_KEY"


def test_a_vllm_entry_still_needs_weights(user_models):
    user_models.write_text('[models.nothing]\ndisplay_name = "N"\nlab = "L"\n')
    with pytest.raises(RegistryError, match="needs a `weights` table"):
        load_registry()


def test_the_api_key_comes_from_the_named_variable(monkeypatch):
    """Defect: the client always sent "not-needed"."""
    with running(FakeServer({"llama3.2:1b": SELL}, key=KEY)) as fake:
        spec = parse_inline(f"openai:{fake.url}@llama3.2:1b?key=WOOD_KEY")
        monkeypatch.setenv("WOOD_KEY", KEY)
        add_session_model(spec)
        brain = OpenAIBrain(spec, load_registry(), timeout_s=10)

        async def ask():
            try:
                return await brain.decide(None, "You are Oona.")
            finally:
                await brain.close()

        reply = asyncio.run(ask())
    assert reply.fault is None and reply.raw == SELL
    assert fake.seen[-1] == {"method": "POST", "path": "/v1/chat/completions", "authorization": f"Bearer {KEY}",
                             "model": "llama3.2:1b"}


def test_a_named_key_variable_that_is_unset_stops_the_start(monkeypatch):
    monkeypatch.delenv("WOOD_KEY", raising=False)
    spec = parse_inline("openai:http://127.0.0.1:1/v1@m?key=WOOD_KEY")
    reg = load_registry(None).model_copy(update={"models": {spec.id: spec}})
    with pytest.raises(ModelsUnavailable, match="API key variable WOOD_KEY is not set"):
        check_available([spec.id], reg)


# -- a season through the real client path ---------------------------------------------------------------


def test_inline_server_creatures_trade_and_the_key_is_kept_nowhere(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WOOD_KEY", KEY)
    with running(FakeServer({"seller": SELL, "buyer:1b": BUY}, key=KEY)) as fake:
        council = (f"Oona=openai:{fake.url}@seller?key=WOOD_KEY,"
                   f"Sorrel=openai:{fake.url}@buyer:1b?key=WOOD_KEY")
        out, traces, save = tmp_path / "s.json", tmp_path / "t.jsonl", tmp_path / "save.json"
        rc = main(["run", "--council", council, "--turns", "3", "--no-progress", "--summary-json", str(out),
                   "--traces", str(traces), "--save-at", "2", str(save), "--autosave", str(tmp_path / "auto.json")])
    assert rc == 0
    s = json.loads(out.read_text())
    assert s["council"]["Oona"] == "seller" and s["council"]["Sorrel"] == "buyer-1b"
    assert s["models"]["seller"]["answers"] == 3 and s["models"]["buyer-1b"]["answers_with_valid_action"] == 3
    assert sum(s["trades_by_turn"]) >= 1  # the two servers' creatures traded honey
    assert {r["authorization"] for r in fake.seen} == {f"Bearer {KEY}"}
    assert {r["model"] for r in fake.seen} == {"seller", "buyer:1b"}
    rows = [json.loads(line) for line in traces.read_text().splitlines()]
    assert {r["model"] for r in rows if r["creature"] in ("Oona", "Sorrel")} == {"seller", "buyer-1b"}
    printed = capsys.readouterr()
    for path in (out, traces, save, tmp_path / "auto.json"):
        assert KEY not in path.read_text(), path
    assert KEY not in printed.out + printed.err


def test_a_server_that_refuses_the_key_makes_creatures_hesitate(tmp_path, monkeypatch):
    monkeypatch.setenv("WOOD_KEY", "wrong")
    with running(FakeServer({"seller": SELL}, key=KEY)) as fake:
        out, traces = tmp_path / "s.json", tmp_path / "t.jsonl"
        rc = main(["run", "--council", f"Oona=openai:{fake.url}@seller?key=WOOD_KEY", "--turns", "2",
                   "--no-progress", "--summary-json", str(out), "--traces", str(traces)])
    assert rc == 0 and json.loads(out.read_text())["turns_played"] == 2
    faults = [json.loads(x)["fault"] for x in traces.read_text().splitlines() if '"Oona"' in x]
    assert len(faults) == 2 and all("AuthenticationError" in f for f in faults)


# -- models add -------------------------------------------------------------------------------------------


def test_models_add_keeps_an_inline_model_for_later(tmp_path, monkeypatch, scenario, capsys):
    path = tmp_path / "cfg" / "models.toml"  # not there yet: created
    monkeypatch.setenv("TOKENWOOD_MODELS", str(path))
    inline = "openai:http://127.0.0.1:11434/v1@llama3.2:1b?key=OLLAMA_KEY"
    assert main(["models", "add", "my-llama", "--from", inline]) == 0
    spec = load_registry().get("my-llama")
    assert spec.model_dump(exclude={"id", "notes"}) == parse_inline(inline).model_dump(exclude={"id", "notes"})
    assert resolve_council("Oona=my-llama", scenario)["Oona"] == "my-llama"
    assert main(["models", "add", "my-llama", "--from", "openai:http://other:1/v1@x"]) == 2
    assert "already in the registry" in capsys.readouterr().err
    assert load_registry().get("my-llama").base_url == "http://127.0.0.1:11434/v1"  # untouched
    assert main(["models", "add", "my-llama", "--from", "openai:http://other:1/v1@x", "--force"]) == 0
    assert load_registry().get("my-llama").base_url == "http://other:1/v1"
    assert path.read_text().count("[models.my-llama]") == 1
    assert main(["models", "add", "smollm2-135m", "--from", inline]) == 2  # a shipped id too
    assert main(["models", "add", "Bad Id", "--from", inline]) == 2
    assert main(["models", "add", "ok-id", "--from", "openai:nope"]) == 2
    assert "expected local:PATH" in capsys.readouterr().err


# -- machine-readable lists -------------------------------------------------------------------------------


def test_models_list_json_parses(user_models, capsys):
    user_models.write_text('[models.remote]\ndisplay_name = "R"\nlab = "L"\nbackend = "openai"\n'
                           'base_url = "http://127.0.0.1:9/v1"\nserved_name = "r:1b"\napi_key_env = "R_KEY"\n')
    assert main(["models", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) >= {"smollm2-135m", "gemma3-270m", "remote"}
    assert rows["remote"]["served_name"] == "r:1b" and rows["remote"]["api_key_env"] == "R_KEY"
    assert rows["remote"]["weights"] is None and rows["smollm2-135m"]["weights"] == "embedded"
    assert set(rows["smollm2-135m"]) == {"id", "display_name", "lab", "backend", "weights", "base_url",
                                         "served_name", "api_key_env", "needs_gpu", "available", "why"}


# -- doctor asks the servers ------------------------------------------------------------------------------


def _server_check(inline: str):
    from engine.lab.doctor import check_models

    spec = parse_inline(inline)
    add_session_model(spec)
    (check,) = check_models([spec.id])
    return check


def test_doctor_asks_the_server_for_its_models(monkeypatch):
    """Defect: doctor said "ok" for any server model without contacting it."""
    monkeypatch.setenv("WOOD_KEY", KEY)
    with running(FakeServer({"llama3.2:1b": SELL, "qwen": SELL}, key=KEY)) as fake:
        ok = _server_check(f"openai:{fake.url}@llama3.2:1b?key=WOOD_KEY")
        missing = _server_check(f"openai:{fake.url}@mistral:7b?key=WOOD_KEY")
        nokey = _server_check(f"openai:{fake.url}@qwen")
    assert ok.status == "ok" and "lists llama3.2:1b" in ok.detail and "qwen" in ok.detail
    assert ok.facts == {"url": fake.url, "model": "llama3.2:1b", "reachable": True, "listed": True,
                        "models": ["llama3.2:1b", "qwen"]}
    assert fake.seen[0] == {"method": "GET", "path": "/v1/models", "authorization": f"Bearer {KEY}", "model": None}
    assert missing.status == "fail" and "does not list mistral:7b (it lists: llama3.2:1b, qwen)" in missing.detail
    assert nokey.status == "fail" and "HTTP 401" in nokey.detail and "?key=ENV_VAR" in nokey.fix
    dead = _server_check(f"openai:http://127.0.0.1:{_dead_port()}/v1@llama3.2:1b")
    assert dead.status == "fail" and "not reachable" in dead.detail and dead.facts["reachable"] is False
    monkeypatch.delenv("WOOD_KEY")
    unset = _server_check("openai:http://127.0.0.1:9/v1@m?key=WOOD_KEY")
    assert unset.status == "fail" and "WOOD_KEY is not set" in unset.detail


def test_doctor_json_parses(monkeypatch, capsys):
    from engine.lab import doctor

    monkeypatch.setattr(doctor, "check_vllm", lambda: doctor.Check("vllm", "ok", "stubbed"))
    with running(FakeServer({"llama3.2:1b": SELL})) as fake:
        rc = main(["doctor", "--json", "--council", f"Oona=openai:{fake.url}@llama3.2:1b"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 0 and report["ok"] is True and report["models"] == ["llama3.2-1b"]
    server = next(c for c in report["checks"] if c["name"] == "model llama3.2-1b")
    assert server["status"] == "ok" and server["facts"]["models"] == ["llama3.2:1b"]
    assert {"name", "status", "detail", "fix", "facts"} <= set(report["checks"][0])
    rc = main(["doctor", "--json", "--council", f"Oona=openai:http://127.0.0.1:{_dead_port()}/v1@m"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 1 and report["ok"] is False
