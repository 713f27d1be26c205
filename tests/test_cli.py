"""The command line contract of `tokenwood run` (other tools rely on it)."""

import json
import subprocess
import sys

import pytest

from tokenwood_tui.cli import main

KEYS = {"turns_played", "trades_by_turn", "gini_by_turn", "conservation_ok", "firewall_leaks",
        "prompt_chars_by_turn", "self_buy_attempts", "self_buys_executed", "invalid_actions", "state_hash",
        "models", "turn_latency_s"}
MODEL_KEYS = {"answers", "answers_with_valid_action", "valid_actions", "dropped_actions", "repaired_answers",
              "no_json", "self_buy_attempts", "timeouts", "faults", "mean_latency_s"}
"""Each model's figures in the summary's `models` object."""


def run(tmp_path, *args, name="s.json"):
    out = tmp_path / name
    rc = main(["run", "--no-progress", "--summary-json", str(out), *map(str, args)])
    assert rc == 0
    return json.loads(out.read_text())


def test_summary_has_the_contracted_fields(tmp_path):
    s = run(tmp_path, "--council", "scripted", "--turns", 12, "--seed", 3)
    assert KEYS <= set(s)
    assert s["turns_played"] == 12
    assert len(s["trades_by_turn"]) == len(s["gini_by_turn"]) == len(s["prompt_chars_by_turn"]) == 12
    assert s["conservation_ok"] is True and s["firewall_leaks"] == 0 and s["self_buys_executed"] == 0
    assert sum(s["trades_by_turn"]) > 12  # the economy lives
    from engine.brains.base import FAULT_KINDS
    for figures in s["models"].values():
        assert set(figures) == MODEL_KEYS
        assert list(figures["faults"]) == list(FAULT_KINDS) and figures["timeouts"] == figures["faults"]["timeout"]


def test_same_seed_same_game_other_seed_other_game(tmp_path):
    a = run(tmp_path, "--turns", 25, "--seed", 5, name="a.json")
    b = run(tmp_path, "--turns", 25, "--seed", 5, name="b.json")
    c = run(tmp_path, "--turns", 25, "--seed", 6, name="c.json")
    timing = ("turn_latency_s", "models")
    assert a["state_hash"] == b["state_hash"]
    assert {k: v for k, v in a.items() if k not in timing} == {k: v for k, v in b.items() if k not in timing}
    assert a["state_hash"] != c["state_hash"]


def test_save_at_then_load_plays_on_to_the_same_state(tmp_path):
    mid = tmp_path / "mid.json"
    whole = run(tmp_path, "--turns", 30, "--seed", 8, name="whole.json")
    run(tmp_path, "--turns", 30, "--seed", 8, "--save-at", 10, mid, name="again.json")
    rest = run(tmp_path, "--load", mid, "--turns", 20, name="rest.json")
    assert rest["turns_played"] == 30
    assert rest["state_hash"] == whole["state_hash"]


def test_replaying_traces_gives_the_same_game(tmp_path):
    traces = tmp_path / "t.jsonl"
    script = tmp_path / "patron.json"
    script.write_text(json.dumps([{"turn": 1, "action": "order", "side": "buy", "good": "acorns",
                                   "qty": 1, "price": 9}]))
    first = run(tmp_path, "--turns", 15, "--seed", 2, "--traces", traces, "--patron-script", script,
                name="first.json")
    rows = [json.loads(x) for x in traces.read_text().splitlines()]
    assert len(rows) == 15 * 5
    assert {"turn", "creature", "model", "prompt", "raw", "parsed", "dropped", "thinking",
            "latency_s", "situation"} <= set(rows[0])
    again = run(tmp_path, "--turns", 15, "--seed", 2, "--replay", traces, "--patron-script", script,
                name="again.json")
    assert again["state_hash"] == first["state_hash"]


def test_patron_script_tip_sets_the_hidden_truth(tmp_path):
    script = tmp_path / "p.json"
    script.write_text(json.dumps([
        {"turn": 3, "action": "tip", "creature": "Oona", "good": "honey", "direction": "rise", "true": False},
        {"turn": 4, "action": "lend", "creature": "Sorrel", "amount": 30, "rate_pct": 5, "term": 4},
        {"turn": 5, "action": "short", "good": "firewood", "qty": 4, "term": 5},
        {"turn": 6, "action": "bribe", "creature": "Bramble", "amount": 15, "request": "sell me wood"},
        {"turn": 7, "action": "legend", "legend": "long_frost"},
    ]))
    save = tmp_path / "end.json"
    run(tmp_path, "--turns", 12, "--patron-script", script, "--save-at", 12, save)
    hidden = json.loads(save.read_text())["state"]["hidden"]
    assert [(t["creature"], t["true"]) for t in hidden["tips"]] == [("Oona", False)]
    assert [ln["creature"] for ln in hidden["loans"]] == ["Sorrel"]
    assert [s["good"] for s in hidden["shorts"]] == ["firewood"]
    assert [b["creature"] for b in hidden["bribes"]] == ["Bramble"]
    assert hidden["sprung"] == "long_frost"


@pytest.mark.parametrize("args, message", [
    (["--scenario", "missing.toml"], "no such scenario"),
    (["--council", "Oona=scripted,Nobody=x"], "no creature called 'Nobody'"),
    (["--patron-script", "{tmp}/bad.json"], "Patron script"),
    (["--load", "{tmp}/corrupt.json"], "truncated or corrupt"),
])
def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    (tmp_path / "bad.json").write_text('[{"turn": "x"}]')
    (tmp_path / "corrupt.json").write_text('{"format": "tokenwood-save", "ver')
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    rc = main(["run", "--no-progress", "--turns", "2", *args])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert message in err and len(err.splitlines()) == 1
    assert (tmp_path / "corrupt.json").read_text() == '{"format": "tokenwood-save", "ver'


def test_the_installed_command_runs(tmp_path):
    out = tmp_path / "s.json"
    proc = subprocess.run([sys.executable, "-m", "tokenwood_tui.cli", "run", "--turns", "3",
                           "--summary-json", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["turns_played"] == 3


@pytest.mark.parametrize("value", ["soon", "0", "-3"])
def test_answer_timeout_must_be_seconds_above_zero(value, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--answer-timeout", value])
    assert stop.value.code == 2
    assert "--answer-timeout" in capsys.readouterr().err


def test_answer_timeout_reaches_the_model_brains(tmp_path, monkeypatch):
    """`--answer-timeout` overrides the measured deadline; without it the brains get None (measured)."""
    import engine.brains.models as models
    from engine.brains.scripted import ScriptedCreature

    seen = []

    async def fake_start(council, model_ids, *, registry=None, progress=None, timeout_s=None):
        seen.append(timeout_s)
        return {c: ScriptedCreature("hoarder") for c in council if council[c] in model_ids}, {}, None

    monkeypatch.setattr(models, "start_model_brains", fake_start)
    run(tmp_path, "--council", "Oona=smollm2-135m", "--turns", 1, "--answer-timeout", 7.5, name="a.json")
    run(tmp_path, "--council", "Oona=smollm2-135m", "--turns", 1, name="b.json")
    assert seen == [7.5, None]


def test_doctor_names_the_precision_and_the_expected_turn(tmp_path, monkeypatch):
    """On an AVX2 machine "auto" is float32, a forced bfloat16 is flagged, and a measured pace gives a turn time."""
    from engine.lab import doctor
    from engine.brains.pace import Pace, pace_key, remember
    from engine.models import hardware

    zen1 = hardware.parse_cpuinfo("model name : AMD EPYC 7551\nflags : avx avx2 fma", 2, environ={})
    monkeypatch.setattr(hardware, "cpu_info", lambda: zen1)
    monkeypatch.setattr(hardware, "has_gpu", lambda: False)
    monkeypatch.setenv("TOKENWOOD_CACHE", str(tmp_path))
    user = tmp_path / "models.toml"
    user.write_text('[models.gemma3-270m.engine]\ndtype = "bfloat16"\n')
    monkeypatch.setenv("TOKENWOOD_MODELS", str(user))
    remember(pace_key("smollm2-135m", "float32", "avx2"), Pace(0.003, 0.1))
    found = {c.name: c for c in doctor.check_precision(["smollm2-135m", "gemma3-270m"], {"smollm2-135m": 2})}
    smol, gemma = found["precision smollm2-135m"], found["precision gemma3-270m"]
    assert smol.status == "ok" and smol.detail.startswith("float32 (no native bfloat16 (AVX2)")
    assert "about 10.3 s for its 2 answer(s)" in smol.detail  # 2 x 800 x 3 ms + 55 x 100 ms
    assert gemma.status == "warn" and gemma.detail.startswith("bfloat16 (set in the registry)")
    assert "pace not measured yet" in gemma.detail and "emulated" in gemma.fix
    assert found["expected turn"].detail.startswith("about 10.3 s a turn")
    assert doctor.check_processor().status == "ok"
