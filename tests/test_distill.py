"""Distillation: the filter, the training text, the registry write, the judge, and the whole pipeline.

The pure parts run everywhere; the training text needs the prepared SmolLM2 tokenizer; the end-to-end
run (`-m vllm`) plays real seasons with the embedded models, trains two steps and judges.
"""

from __future__ import annotations

import asyncio
import json
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from engine.core.scenario import PATRON
from engine.lab.distill import DistillError, DistillOptions, distill
from engine.lab.distill.collect import Played
from engine.lab.distill.filter import answer_text, filter_traces, reject_reason
from engine.lab.distill.judge import ROWS, figures, table, unconstrained, verdict
from engine.lab.distill.register import RegisterError, distilled_entry, register, render_table
from engine.lab.distill.train import TrainSettings, lr_factor, schedule, split
from engine.mind.parsing import parse_answer
from engine.models.registry import load_registry
from engine.play.scenario_files import load_scenario

ORDER = {"side": "sell", "good": "honey", "qty": 2, "price": 6, "lifetime": 1}


def row(**over) -> dict:
    """A clean teacher row of a traces file (Oona, who makes honey)."""
    base = {"turn": 1, "creature": "Oona", "model": "teacher", "prompt": "You are Oona ...", "raw": "{}",
            "parsed": {"thinking": "t", "orders": [ORDER], "cancel": [], "gossip": "g", "accept": [], "decline": []},
            "repairs": [], "dropped": [], "refused": [], "thinking": "t", "latency_s": 1.0, "tokens": 30,
            "fault": None, "leak": []}
    return base | over


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# -- seeds ---------------------------------------------------------------------------------------------


def test_default_seeds_are_parsed_and_kept_apart():
    opts = DistillOptions()
    assert opts.seeds and opts.judge_seeds and not set(opts.seeds) & set(opts.judge_seeds)


# -- filter ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("over, reason", [
    ({}, None),
    ({"leak": ["CANARY-1"]}, "firewall"),
    ({"fault": "timeout after 60 s", "parsed": None}, "fault"),
    ({"dropped": [{"where": "orders[0]", "reason": "qty: must be >= 1", "value": "-3"}]}, "parser_dropped"),
    ({"dropped": [{"where": "answer", "reason": "no JSON object found", "value": "hm"}]}, "parser_dropped"),
    ({"refused": [{"where": "orders[1]", "reason": "self_buy: Oona makes honey"}]}, "self_buy"),
    ({"refused": [{"where": "orders[0]", "reason": "cannot afford"}]}, "refused"),
    ({"parsed": {"thinking": "t", "orders": [], "cancel": [], "gossip": "g", "accept": [], "decline": []}}, "no_action"),
])
def test_reject_reason(over, reason):
    assert reject_reason(row(**over)) == reason


def test_filter_drops_the_whole_turn_of_a_firewall_hit_and_counts_reasons(tmp_path):
    rows = [row(), row(creature="Sorrel"), row(turn=2), row(turn=2, creature=PATRON, model="scripted:schemer",
                                                             leak=["CANARY-9"]),
            row(turn=3, refused=[{"where": "orders[0]", "reason": "self_buy: Oona makes honey"}])]
    examples, report = filter_traces([write_rows(tmp_path / "seed-1.jsonl", rows)], "teacher")
    assert [e.source for e in examples] == ["seed-1.jsonl:t1:Oona", "seed-1.jsonl:t1:Sorrel"]
    assert (report.answers, report.kept, report.other_rows) == (4, 2, 1)
    assert report.as_dict()["rejected"] == {"firewall": 1, "fault": 0, "parser_dropped": 0, "self_buy": 1,
                                            "refused": 0, "no_action": 0, "copied_words": 0, "repeated_words": 0,
                                            "coined_words": 0, "absurd_price": 0, "too_long": 0}
    assert report.refusal_reasons == {"self_buy": 1}


def test_filter_leaves_out_answers_longer_than_the_student_may_write(tmp_path):
    path = write_rows(tmp_path / "seed-1.jsonl", [row(), row(creature="Sorrel")])
    _, report = filter_traces([path], "teacher", count_tokens=len, max_answer_tokens=10)
    assert (report.kept, report.rejected["too_long"]) == (0, 2)


def test_answer_text_parses_back_to_the_same_actions_without_repairs():
    sc = load_scenario()
    parsed = {"thinking": "I need acorns", "orders": [ORDER, ORDER | {"side": "buy", "good": "acorns", "lifetime": 3}],
              "cancel": [4], "gossip": "Fair \"prices\"", "accept": [], "decline": [7]}
    text = answer_text(parsed)
    assert '"lifetime"' in text and text.count("lifetime") == 1  # only the non-default one is written
    back = parse_answer(text, goods=sc.good_names, traders=[t.name for t in sc.traders])
    assert back.answer.model_dump(mode="json") == parsed
    assert (back.repairs, back.dropped) == ((), ())


def test_answer_text_does_not_teach_punctuation_as_words():
    """The teacher's leftover ':' and ':[{' are learned as nothing; real words stay."""
    text = json.loads(answer_text({"thinking": ":", "orders": [ORDER], "gossip": ":[{"}))
    assert (text["thinking"], text["gossip"]) == ("", "")
    assert json.loads(answer_text({"thinking": "sell: 2", "orders": [ORDER], "gossip": "hi!"}))["gossip"] == "hi!"


# -- training schedule -------------------------------------------------------------------------------------


def test_split_and_schedule_cover_the_examples_as_asked():
    s = TrainSettings(epochs=2, accumulate=4, heldout=0.1, seed=3)
    train, held = split(50, s)
    assert len(held) == 5 and not set(train) & set(held) and len(train) + len(held) == 50
    steps = schedule(train, s)
    assert len(steps) == 23 and all(len(b) == 4 for b in steps)  # ceil(2 * 45 / 4)
    assert set(i for b in steps for i in b) == set(train)  # training examples only, every one of them
    assert schedule(train, TrainSettings(max_steps=3)) == schedule(train, TrainSettings(max_steps=3))
    assert len(schedule(train, TrainSettings(max_steps=3))) == 3
    assert split(3, s)[1] == []  # too few to hold any out


def test_lr_warms_up_then_decays_to_a_tenth():
    lrs = [lr_factor(s, 100, 0.1) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:])) and lrs[-1] == pytest.approx(0.1, abs=0.01)


# -- the training text -------------------------------------------------------------------------------------


class _LetterTokenizer:
    """A stand-in tokenizer: one id per character, id 0 ends generation."""

    eos_token_id = 0

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return [ord(c) for c in text]


def test_examples_too_long_for_the_student_are_left_out_and_counted():
    from engine.lab.distill.filter import Example
    from engine.lab.distill.train import TrainError, encode_examples

    tok, template = _LetterTokenizer(), "Q: {prompt}\nA: "
    examples = [Example("short", "{}", "s:1"), Example("a much longer prompt", "{}", "s:2")]
    encoded, too_long = encode_examples(tok, template, {0}, examples, max_len=15)
    assert too_long == 1
    assert encoded == [([ord(c) for c in "Q: short\nA: {}"] + [0], 3)]  # the answer, then the end token
    with pytest.raises(TrainError, match="no example fits"):
        encode_examples(tok, template, {0}, examples, max_len=5)


def _prepared(model_id: str) -> str:
    from engine.models.prepare import available, weights_path

    ok, why = available(model_id, load_registry(None))
    if not ok:
        pytest.skip(f"{model_id} is not prepared here ({why}); run `tokenwood models prepare`")
    return weights_path(model_id, load_registry(None))


def test_training_text_is_the_served_prompt_then_the_answer_and_its_end_token():
    from transformers import AutoTokenizer

    from engine.brains.vllm import _encode
    from engine.lab.distill.train import encode_pair, stop_ids

    path = _prepared("smollm2-135m")
    tok = AutoTokenizer.from_pretrained(path)
    prompt, answer = "You are Oona the Bee.\nAnswer with ONE JSON object.", '{"thinking":"t","orders":[]}'
    ids, n = encode_pair(tok, None, stop_ids(tok, path), prompt, answer)
    served = _encode(type("E", (), {"tokenizer": tok, "template": None})(), prompt)
    assert ids[:-n] == served  # the prompt exactly as the vLLM brain sends it
    assert tok.decode(ids[-n:]) == answer + "<|im_end|>"  # the answer and the token that ends it
    assert ids[-1] == tok.eos_token_id


def _tiny_student(tmp_path: Path) -> str:
    """A two-layer Llama with SmolLM2's tokenizer: trains in milliseconds, same code path."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(_prepared("smollm2-135m"))
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=2048,
                         tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    folder = tmp_path / "tiny-student"
    LlamaForCausalLM(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)


def _examples(n: int):
    from engine.lab.distill.filter import Example

    return [Example(f"You are Oona. Turn {i}. You make honey.", answer_text(row()["parsed"] | {"thinking": f"t{i}"}),
                    f"s:{i}") for i in range(n)]


def test_training_resumes_from_its_checkpoint_to_the_same_weights(tmp_path, monkeypatch):
    from safetensors.torch import load_file

    import engine.lab.distill.train as train_mod

    student = _tiny_student(tmp_path)
    settings = TrainSettings(max_steps=4, accumulate=2, save_every=2, eval_every=2, threads=1, lr=1e-3)
    kwargs = dict(student_path=student, template=None, max_len=2048, settings=settings, progress=False)
    whole = train_mod.train(_examples(10), out_dir=tmp_path / "whole", **kwargs)
    assert whole.steps == 4 and len(whole.log) == 4 and whole.heldout[0]["step"] == 0
    assert (tmp_path / "whole" / "loss.png").exists() and not (tmp_path / "whole" / "checkpoint.pt").exists()

    save = train_mod._save_checkpoint

    def save_then_die(*args, **kw):
        save(*args, **kw)
        raise KeyboardInterrupt

    monkeypatch.setattr(train_mod, "_save_checkpoint", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        train_mod.train(_examples(10), out_dir=tmp_path / "cut", **kwargs)
    assert (tmp_path / "cut" / "checkpoint.pt").exists() and not (tmp_path / "cut" / "model").exists()
    monkeypatch.setattr(train_mod, "_save_checkpoint", save)
    resumed = train_mod.train(_examples(10), out_dir=tmp_path / "cut", **kwargs)
    assert resumed.resumed_at == 2 and [r["loss"] for r in resumed.log] == [r["loss"] for r in whole.log]
    a = load_file(whole.model_dir / "model.safetensors")
    b = load_file(resumed.model_dir / "model.safetensors")
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    assert next(iter(a.values())).dtype.is_floating_point and str(next(iter(a.values())).dtype) == "torch.bfloat16"
    again = train_mod.train(_examples(10), out_dir=tmp_path / "cut", **kwargs)  # same data and settings
    assert again.reused and again.steps == 4


# -- register ------------------------------------------------------------------------------------------------


USER_FILE = """# my own models
[models.my-local]
display_name = "Mine"
lab = "me"
[models.my-local.weights]
kind = "local"
path = "/nowhere"

# an older distillation, replaced
[models.smollm2-135m-wood]
display_name = "old"
lab = "old"
[models.smollm2-135m-wood.weights]
kind = "local"
path = "/old"
[models.smollm2-135m-wood.sampling]
temperature = 0.1
"""


def test_register_merges_with_the_user_file_keeps_comments_and_validates(tmp_path):
    student = load_registry(None).get("smollm2-135m")
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "config.json").write_text("{}")
    path = tmp_path / "models.toml"
    path.write_text(USER_FILE)
    entry = distilled_entry(student, model_dir=model_dir, teacher="gemma3-270m")
    written, comments_kept = register("smollm2-135m-wood", entry, path)
    assert written == path and comments_kept
    text = path.read_text()
    assert "# my own models" in text and '"old"' not in text and "/old" not in text
    reg = load_registry(path)
    spec = reg.get("smollm2-135m-wood")
    assert spec.weights.kind == "local" and spec.weights.path == str(model_dir.resolve())
    assert spec.sampling == student.sampling and spec.engine == student.engine and spec.chat == student.chat
    assert spec.structured == student.structured
    assert spec.display_name[:12] != student.display_name[:12]  # told apart in the board's narrow columns
    assert reg.get("my-local").display_name == "Mine"
    from engine.models.prepare import available
    assert available("smollm2-135m-wood", reg)[0]


def test_register_refuses_an_entry_that_does_not_validate_and_leaves_the_file(tmp_path):
    path = tmp_path / "models.toml"
    path.write_text(USER_FILE)
    with pytest.raises(RegisterError, match="does not validate"):
        register("bad-one", {"display_name": "x", "lab": "y", "weights": {"kind": "local", "path": "/m"},
                             "sampling": {"temperature": 9.0}}, path)
    assert path.read_text() == USER_FILE


def test_render_table_round_trips_through_toml():
    data = {"display_name": 'A "quoted" name', "lab": "L", "weights": {"kind": "local", "path": "/m"},
            "engine": {"max_model_len": 2048, "gpu_memory_utilization": 0.1, "enforce_eager": True},
            "notes": "two\nlines"}
    assert tomllib.loads(render_table("qwen2.5-0.5b-wood", data)) == {"models": {"qwen2.5-0.5b-wood": data}}


# -- judge -------------------------------------------------------------------------------------------------


def test_unconstrained_frees_only_the_named_models():
    reg = load_registry(None)
    free = unconstrained(reg, ["gemma3-270m"])
    assert free.get("gemma3-270m").structured.mode == "none"
    assert free.get("gemma3-270m").structured.backend == reg.get("gemma3-270m").structured.backend
    assert free.get("smollm2-135m").structured.mode == "json_schema"
    assert reg.get("gemma3-270m").structured.mode == "json_schema"  # the original is untouched


def test_figures_count_valid_answers_self_buys_and_losses(tmp_path):
    rows = [row(model="m"),
            row(model="m", creature="Sorrel", refused=[{"where": "orders[0]", "reason": "self_buy: x"}]),
            row(model="m", creature="Fennick", parsed={"thinking": "", "orders": [], "cancel": [], "gossip": "",
                                                       "accept": [], "decline": []},
                dropped=[{"where": "answer", "reason": "no JSON object found", "value": "hm"}]),
            row(model="m", creature="Bramble", fault="timeout after 60 s", parsed=None),
            row(model="scripted:schemer", creature=PATRON)]
    played = Played("m", traces=[write_rows(tmp_path / "s.jsonl", rows)],
                     summaries=[{"net_worth": {"Oona": 10, "Sorrel": 20, PATRON: 5}, "turn_latency_s": [2.0]}])
    f = figures(played)
    assert (f["answers"], f["answers_with_valid_action"], f["valid_answer_rate"]) == (4, 1, 0.25)
    assert (f["self_buy_attempts"], f["self_buy_rate"], f["answers_lost"]) == (1, 0.25, 2)
    assert f["answers_lost_why"] == {"no JSON object found": 1, "fault: timeout after 60 s": 1}
    assert f["creature_net_worth_mean"] == 15.0 and f["patron_net_worth_mean"] == 5.0


@pytest.mark.parametrize("student, beat, targets", [
    ({"valid_answer_rate": 0.97, "self_buy_rate": 0.0}, True, True),
    ({"valid_answer_rate": 0.90, "self_buy_rate": 0.0}, True, False),
    ({"valid_answer_rate": 0.99, "self_buy_rate": 0.2}, False, False),
    ({"valid_answer_rate": 0.80, "self_buy_rate": 0.1}, False, False),
])
def test_verdict(student, beat, targets):
    v = verdict({"valid_answer_rate": 0.80, "self_buy_rate": 0.1}, student)
    assert (v["student_beat_teacher"], v["targets_met"]) == (beat, targets)
    assert ("BEAT" in v["text"]) == beat


def test_table_puts_the_base_student_between_teacher_and_student():
    def fig(model, valid, self_buys):
        f = dict.fromkeys(key for _, key, _ in ROWS)
        f.update(model=model, answers=10, valid_answer_rate=valid, valid_actions_per_answer=1.0,
                 self_buy_rate=self_buys / 10, self_buy_attempts=self_buys, refused_actions=self_buys + 1,
                 answers_lost=0, dropped_actions=0, creature_net_worth_mean=1.0, latency_mean_s=1.0,
                 tokens_per_answer=9.0, answers_lost_why={}, drop_reasons={})
        return f

    two = table(fig("t", 0.8, 2), fig("s", 1.0, 0))
    assert two[0] == "| figure | teacher t | student s |" and two[1] == "|---|---|---|"
    three = table(fig("t", 0.8, 2), fig("s", 1.0, 0), fig("b", 0.1, 5))
    assert three[0] == "| figure | teacher t | base student b | student s |" and three[1] == "|---|---|---|---|"
    rows = {line.split(" | ")[0]: line for line in three}
    assert rows["| answers with a valid action"].endswith("| 80.0% | 10.0% | 100.0% |")
    assert rows["| other refused actions"].endswith("| 1 | 1 | 1 |")  # self-buys are not counted twice


def test_judge_seeds_must_be_fresh(tmp_path):
    opts = DistillOptions(seeds=[1, 2], judge_seeds=[2, 3], out=str(tmp_path))
    with pytest.raises(DistillError, match=r"\[2\]"):
        asyncio.run(distill(opts))


# -- the whole pipeline ---------------------------------------------------------------------------------------


@pytest.mark.vllm
def test_distill_end_to_end_on_a_tiny_setting(tmp_path, monkeypatch):
    """The first generation (best of 1): collect 2 seasons x 2 turns, train 2 steps, register, judge 1 season
    x 2 turns; then resume."""
    for mid in ("gemma3-270m", "smollm2-135m"):
        _prepared(mid)
    monkeypatch.setenv("TOKENWOOD_MODELS", str(tmp_path / "models.toml"))
    opts = DistillOptions(seeds=[1, 2], turns=2, judge_seeds=[1001], out=str(tmp_path / "run"), progress=False, best_of=1,
                          train=TrainSettings(max_steps=2, accumulate=2, eval_every=1, save_every=1))
    report = asyncio.run(distill(opts))
    out = tmp_path / "run"
    assert report["filter"]["answers"] == 16  # 2 seasons x 2 turns x 4 creatures
    assert report["filter"]["kept"] == len((out / "examples.jsonl").read_text().splitlines()) > 0
    assert report["train"]["steps"] == 2 and (out / "train" / "loss.png").stat().st_size > 0
    model_dir = Path(report["train"]["model_dir"])
    settings = json.loads((model_dir / "distill.json").read_text())
    assert settings["teacher"] == "gemma3-270m" and len(settings["train"]["log"]) == 2
    assert json.loads((model_dir / "config.json").read_text())["dtype"] == "bfloat16"
    assert not (out / "train" / "checkpoint.pt").exists()
    spec = load_registry().get("smollm2-135m-wood")  # through $TOKENWOOD_MODELS, as --council sees it
    assert spec.weights.path == str(model_dir.resolve())
    for role in ("teacher", "student"):
        assert report["judge"][role]["answers"] == 8  # 1 season x 2 turns x 4 creatures
    assert report["judge"]["student"]["model"] == "smollm2-135m-wood"
    assert "Verdict:" in report["text"] and (out / "report.md").exists()
    # the same command again reuses every season and the trained model; --judge-base plays only the base
    again = asyncio.run(distill(replace(opts, judge_base=True)))
    assert again["collect"]["seasons_reused"] == 2 and again["train"]["reused"]
    assert again["judge"]["student"] == report["judge"]["student"] | {"engine_load_s": 0.0, "play_s": 0.0}
    assert again["judge"]["base"]["model"] == "smollm2-135m" and again["judge"]["base"]["answers"] == 8
    assert "| figure | teacher gemma3-270m | base student smollm2-135m | student smollm2-135m-wood |" in again["text"]
