"""Responsiveness probes: one fact changed per variant, the game's prompts, and a measure that tells a
brain that reads its prompt from one that does not."""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import zlib
from types import ModuleType, SimpleNamespace

import pytest

from engine.brains.base import Reply
from engine.core import firewall
from engine.core.answer import Answer, OrderAction
from engine.core.economy import foods_needed, short_on
from engine.core.state import Holdings
from engine.lab.evaluation.errors import EvalError
from engine.play.seeds import decision_seed
from engine.lab.evaluation.probe_run import ProbeOptions, collect_views, plan, run_probe
from engine.lab.evaluation.probes import KINDS, make_variant, net_demand, outcome
from engine.lab.evaluation.stats import sign_test_p
from engine.mind.parsing import Quirks
from engine.mind.prompt import SUGGESTED_HEAD, build_prompt
from engine.play.scenario_files import load_scenario

TURNS = [2, 5, 9, 17, 21]
"""Turns before and in winter, with legends and the Patron's tips about."""
CHANGES = {"shortage": {"goods", "short_on", "foods_needed"}, "price": {"books"}, "tip": {"whispers"},
           "legend": {"legends"}}
"""The view fields each kind may change: its fact, and what the game derives from that fact alone."""


@pytest.fixture(scope="module")
def scenario():
    return load_scenario()


@pytest.fixture(scope="module")
def recorded(scenario):
    return asyncio.run(collect_views(scenario, [1, 2, 3], TURNS))


def changed_fields(a, b) -> set[str]:
    return {name for name in type(a).model_fields if getattr(a, name) != getattr(b, name)}


# -- the views and their variants ----------------------------------------------------------------------


def test_the_views_are_every_creatures_on_every_turn_asked_with_the_games_prompt(recorded, scenario):
    creatures = [t.name for t in scenario.traders]
    assert [(r.seed, r.turn, r.creature) for r in recorded] == [
        (s, t, c) for s in (1, 2, 3) for t in TURNS for c in creatures]
    assert all(r.view.turn == r.turn and r.view.me == r.creature for r in recorded)
    assert all(build_prompt(r.view) == r.prompt for r in recorded)  # the control is the game's own prompt


@pytest.mark.parametrize("kind", KINDS)
def test_each_variant_changes_only_its_fact(kind, recorded, scenario):
    made = [(r, make_variant(kind, r.view, scenario, r.key)) for r in recorded]
    made = [(r, v) for r, v in made if v is not None]
    assert len(made) >= len(recorded) // 2  # the kind applies to most views
    for rec, v in made:
        control = rec.view
        assert changed_fields(control, v.view) and changed_fields(control, v.view) <= CHANGES[kind]
        assert v.goods and control.produces not in v.goods  # never a good it may not buy
        if kind == "shortage":
            moved = {g for g in control.goods if control.goods[g] != v.view.goods[g]}
            assert moved and all(g in v.fact for g in moved)
            held = Holdings(pebbles=control.pebbles, goods=v.view.goods)
            assert v.view.short_on == short_on(scenario, held, control.produces, control.burn)
            assert v.view.foods_needed == foods_needed(scenario, held)
            lacks = set(v.goods) <= set(v.view.short_on) and not set(v.goods) & set(control.short_on)
            given = set(v.goods) <= set(control.short_on) and not set(v.goods) & set(v.view.short_on)
            assert (lacks and v.direction == 1) or (given and v.direction == -1)
        if kind == "price":
            [(old, new)] = [(a, b) for a, b in zip(control.books, v.view.books) if a != b]
            assert (new.good,) == v.goods and new.last == old.last // 2 and new.history[-1] == new.last
        if kind == "tip":
            assert v.view.whispers[-1] == f"turn {control.turn - 1}: the Patron whispers that {v.goods[0]} will rise."
            kept = len(v.view.whispers) - 1  # the game's window may push the oldest out
            assert v.view.whispers[:-1] == control.whispers[len(control.whispers) - kept:]
        if kind == "legend":
            assert v.view.legends[:-1] == control.legends and v.fact == v.view.legends[-1]


def test_every_probe_prompt_passes_the_firewall_and_shows_its_fact(recorded, scenario):
    for rec, variants in plan(recorded, list(KINDS), scenario):
        for v in variants:
            prompt = build_prompt(v.view)
            assert firewall.scan(prompt).clean, (rec.key, v.kind)
            assert prompt != rec.prompt


def test_the_same_views_always_get_the_same_variants(recorded, scenario):
    again = asyncio.run(collect_views(scenario, [1, 2, 3], TURNS))
    assert plan(again, list(KINDS), scenario) == plan(recorded, list(KINDS), scenario)


def test_a_shortage_is_taken_away_where_the_view_had_one(recorded, scenario):
    """Relief: a creature short on food is given one of each food it lacks, and should then bid less."""
    rec = next(r for r in recorded if any(g in r.view.foods for g in r.view.short_on))
    forms = {make_variant("shortage", rec.view, scenario, f"{rec.key}|{n}").direction for n in range(40)}
    assert -1 in forms


# -- scoring ------------------------------------------------------------------------------------------


def order(side: str, good: str, qty: int) -> OrderAction:
    return OrderAction(side=side, good=good, qty=qty, price=5)


def test_net_demand_and_outcome_as_docs_eval_declares():
    control = Answer(orders=[order("buy", "acorns", 1), order("sell", "honey", 2)])
    variant = Answer(orders=[order("buy", "acorns", 3), order("sell", "acorns", 1), order("buy", "berries", 1)])
    assert net_demand(control, ["acorns"]) == 1 and net_demand(variant, ["acorns"]) == 2
    assert net_demand(variant, ["acorns", "berries"]) == 3
    assert outcome(control, variant, ["acorns"]) == "toward"
    assert outcome(variant, control, ["acorns"]) == "against"
    assert outcome(control, variant, ["acorns"], direction=-1) == "against"
    assert outcome(control, variant, ["firewood"]) == "unchanged"


def test_the_worked_example_of_docs_eval(scenario):
    """Seed 2, turn 25, Fennick (a scripted speculator): shortage and price toward, legend unchanged."""
    from engine.brains.scripted import ScriptedCreature
    from engine.lab.evaluation.probe_run import ask

    [rec] = [r for r in asyncio.run(collect_views(scenario, [2], [25])) if r.creature == "Fennick"]
    brain = ScriptedCreature("speculator")

    def answer(view, prompt):
        return asyncio.run(ask(brain, view, prompt, 0, scenario, {})).parsed.answer

    control = answer(rec.view, rec.prompt)
    assert [(o.side, o.good, o.qty) for o in control.orders] == [
        ("buy", "acorns", 1), ("buy", "firewood", 1), ("sell", "berries", 3)]
    seen = {}
    for v in plan([rec], ["shortage", "price", "legend"], scenario)[0][1]:
        changed = answer(v.view, build_prompt(v.view))
        seen[v.kind] = (v.fact, net_demand(control, v.goods), net_demand(changed, v.goods),
                        outcome(control, changed, v.goods, v.direction))
    assert seen["shortage"] == ("honey 1 -> 0, acorns 2 -> 0; now short on honey, acorns", 1, 2, "toward")
    assert seen["price"] == ("firewood last price 17 -> 8", 1, 2, "toward")
    assert seen["legend"][0].startswith("The Run on Oona's Hoard (until turn 25)") and seen["legend"][1:] == (0, 0, "unchanged")


@pytest.mark.parametrize("toward, against, p", [(9, 1, 0.021484375), (6, 0, 0.03125), (5, 0, 0.0625),
                                                 (0, 0, 1.0), (5, 5, 1.0), (1, 9, 0.021484375), (12, 3, 0.03515625)])
def test_the_sign_test_is_exact(toward, against, p):
    assert sign_test_p(toward, against) == pytest.approx(p)


def test_the_sign_test_refuses_negative_counts():
    with pytest.raises(ValueError, match="0 or more"):
        sign_test_p(-1, 3)


# -- brains that read, ignore, or misread their prompts ------------------------------------------------


LEGEND_WORDS = {"honey": "honey", "hives": "honey", "berry": "berries", "hearth": "firewood", "acorn": "acorns"}
"""What a reading brain takes each legend to push up (the default wood's legend words)."""


def read_prompt(prompt: str) -> dict:
    """What a careful reader finds in a prompt: its own good, prices, shortages, tips and legends."""
    own = re.search(r"You make (\w+)", prompt)[1]
    prices = {g: int(p) for g, p in re.findall(r"^- (\w+): last price (\d+)", prompt, re.M)}
    short = set()
    food = re.search(r"SHORT on food: buy \d+ of ([\w, ]+) \(", prompt)
    if food:
        short |= set(food[1].split(", "))
    short |= {g for g in re.findall(r"SHORT on (\w+): buy", prompt) if g != "food"}
    tips = set(re.findall(r"whispers that (\w+) will rise", prompt))
    legends = prompt.split("Legends under way:\n")[1].split("\n\n")[0] if "Legends under way:" in prompt else ""
    pushed = {g for word, g in LEGEND_WORDS.items() if word in legends.lower()}
    return {"own": own, "prices": prices, "short": short, "tips": tips, "legends": pushed}


class ReadingBrain:
    """Bids for each good it may buy: more when it lacks it, was tipped, a legend pushes it, or it is cheap.

    `sign` -1 makes it a contrarian: it reads as carefully and bids less for the same reasons.
    """

    seeded = True

    def __init__(self, model: str, sign: int = 1, seen: list | None = None) -> None:
        self.model, self.sign, self.seen = model, sign, seen

    async def decide(self, view, prompt: str, seed: int | None = None) -> Reply:
        if self.seen is not None:
            self.seen.append((view.me, view.turn, seed))
        await asyncio.sleep(random.random() * 0.003)  # unseeded: answers arrive in a different order each run
        r = read_prompt(prompt)
        orders = []
        for good, price in r["prices"].items():
            if good == r["own"]:
                continue
            reasons = 3 * (good in r["short"]) + 3 * (good in r["tips"]) + 3 * (good in r["legends"]) + 12 // price
            qty = 1 + reasons if self.sign > 0 else max(1, 30 - reasons)
            orders.append({"side": "buy", "good": good, "qty": qty, "price": price})
        return Reply(raw=json.dumps({"orders": orders}), model=self.model)

    async def close(self) -> None:
        """Nothing to release."""


class DeafBrain:
    """Ignores its prompt: a seeded draw from a few answers, so one seed gives one answer whatever it is told."""

    seeded = True

    def __init__(self, model: str) -> None:
        self.model = model

    async def decide(self, view, prompt: str, seed: int | None = None) -> Reply:
        rng = random.Random(seed)
        good = rng.choice([g for g in view.goods_all if g != view.produces])
        return Reply(raw=json.dumps({"orders": [{"side": "buy", "good": good, "qty": rng.randint(1, 4),
                                                 "price": rng.randint(2, 9)}]}), model=self.model)

    async def close(self) -> None:
        """Nothing to release."""


class NoisyBrain:
    """Ignores what the prompt says but not its letters: any change to the prompt redraws a random answer."""

    def __init__(self, model: str) -> None:
        self.model = model

    async def decide(self, view, prompt: str) -> Reply:
        rng = random.Random(zlib.crc32(prompt.encode()))
        orders = [{"side": "buy", "good": g, "qty": rng.randint(1, 5), "price": 5}
                  for g in view.goods_all if g != view.produces and rng.random() < 0.5]
        return Reply(raw=json.dumps({"orders": orders}), model=self.model)

    async def close(self) -> None:
        """Nothing to release."""


class FollowerBrain:
    """Plays exactly the orders its prompt suggests, reading nothing else."""

    seeded = True

    def __init__(self, model: str) -> None:
        self.model = model

    async def decide(self, view, prompt: str, seed: int | None = None) -> Reply:
        lines = prompt.split("\n")
        head = SUGGESTED_HEAD
        orders = json.loads(lines[lines.index(head) + 1]) if head in lines else []
        return Reply(raw=json.dumps({"orders": orders}), model=self.model)

    async def close(self) -> None:
        """Nothing to release."""


COUNCIL = "Oona=reader,Sorrel=deaf,Fennick=noisy,Bramble=contrary"


@pytest.fixture
def fake_models(monkeypatch):
    """`start_model_brains` hands out the fake brains above (by model id); returns the seeds they were asked with."""
    import engine.brains.models as models

    seen: list = []
    makers = {"reader": lambda m: ReadingBrain(m, seen=seen), "deaf": DeafBrain, "noisy": NoisyBrain,
              "contrary": lambda m: ReadingBrain(m, sign=-1), "follower": FollowerBrain}

    async def start(council, wanted, **_kw):
        return ({c: makers[m](m) for c, m in council.items() if m in wanted}, {m: Quirks() for m in wanted},
                SimpleNamespace(close=_nothing))

    monkeypatch.setattr(models, "start_model_brains", start)
    return seen


async def _nothing() -> None:
    """A model handle with nothing to close."""


def probe(tmp_path, name="p", **kw) -> dict:
    opts = ProbeOptions(council=COUNCIL, seeds=[1, 2, 3], turns=TURNS, out=str(tmp_path / name), progress=False)
    for key, value in kw.items():
        setattr(opts, key, value)
    return run_probe(opts)


def results(report: dict) -> dict[tuple[str, str], dict]:
    return {(r["model"], r["kind"]): r for r in report["results"]}


def test_the_measure_flags_a_reading_brain_and_no_other(tmp_path, fake_models):
    rows = results(probe(tmp_path))
    for kind in KINDS:
        reader, deaf, noisy, contrary = (rows[(m, kind)] for m in ("reader", "deaf", "noisy", "contrary"))
        assert reader["verdict"] == "responds" and reader["against"] == 0 and reader["p"] < 0.05, reader
        assert deaf["verdict"] == "not enough evidence" and deaf["unchanged"] == deaf["pairs"] > 0, deaf
        assert noisy["toward"] and noisy["against"], noisy
        assert contrary["verdict"] == "moves against" and contrary["toward"] == 0 < contrary["against"], contrary
    # The noisy brain's answers are a random draw per prompt: each kind is a 5% test, so one kind may come
    # out "responds" by chance (it did when the prompt's words changed); two of four would happen 1.4% of
    # the time for a brain that does not read.
    flagged = [kind for kind in KINDS if rows[("noisy", kind)]["verdict"] != "not enough evidence"]
    assert len(flagged) <= 1, flagged


def test_held_suggestions_leave_only_the_prompts_words_to_read(tmp_path, fake_models):
    """A brain that plays the suggested orders follows a shortage, a tip, a bargain and a legend through
    them (a legend's line says which way it pushes goods since v15), and nothing once every variant
    suggests its control's orders; a reading brain reads the words either way."""
    council = "Oona=follower,Sorrel=reader,Fennick=follower,Bramble=reader"
    free = results(probe(tmp_path, "free", council=council))
    held_report = probe(tmp_path, "held", council=council, hold_suggestions=True)
    held = results(held_report)
    for kind in KINDS:
        assert free[("follower", kind)]["toward"] > 0 and free[("follower", kind)]["against"] == 0, kind
        assert held[("follower", kind)]["unchanged"] == held[("follower", kind)]["pairs"] > 0, kind
        assert held[("reader", kind)]["verdict"] == "responds", kind
    assert held_report["hold_suggestions"] is True
    assert "held at the control's" in (tmp_path / "held" / "probe.md").read_text()


def test_a_views_control_and_variants_share_one_sampling_seed(tmp_path, fake_models):
    report = probe(tmp_path)
    asked: dict[tuple[str, int], set] = {}
    for creature, turn, seed in fake_models:
        asked.setdefault((creature, turn), set()).add(seed)
    # Oona is asked 3 times per turn (one per seed): one control and its variants each time, one seed each
    assert all(len(seeds) == 3 for seeds in asked.values())
    oona = [p for p in report["pairs"] if p["creature"] == "Oona"]
    assert all(p["sampling_seed"] == decision_seed(p["seed"], p["turn"], "Oona") for p in oona)
    assert len(fake_models) == len({(p["seed"], p["turn"]) for p in oona}) + len(oona)


def test_the_report_is_the_same_whatever_order_answers_arrive_in(tmp_path, fake_models):
    one = probe(tmp_path, "a", parallel=1)
    many = probe(tmp_path, "b", parallel=64)
    strip = lambda r: {k: v for k, v in r.items() if k != "folder"}  # noqa: E731
    assert strip(one) == strip(many)
    assert (tmp_path / "a" / "probe.md").read_text() == (tmp_path / "b" / "probe.md").read_text()
    saved = json.loads((tmp_path / "a" / "probe.json").read_text())
    assert saved["format"] == "tokenwood-probe-report" and saved["firewall_stops"] == 0
    assert "| reader | shortage |" in (tmp_path / "a" / "probe.md").read_text()


def test_a_pair_whose_answer_did_not_come_is_lost_not_scored(tmp_path, fake_models, monkeypatch):
    async def silent(self, view, prompt, seed=None):
        return Reply(raw="", model=self.model, fault="timeout after 3 s", fault_kind="timeout")

    monkeypatch.setattr(DeafBrain, "decide", silent)
    rows = results(probe(tmp_path, kinds=["tip"]))
    deaf = rows[("deaf", "tip")]
    assert deaf["pairs"] == 0 and deaf["lost"] == deaf["views"] - deaf["not_applicable"] > 0
    assert rows[("reader", "tip")]["lost"] == 0 and {kind for _, kind in rows} == {"tip"}


@pytest.mark.parametrize("change, match", [({"turns": [41]}, "--turns"), ({"kinds": ["mood"]}, "--kinds"),
                                           ({"parallel": 0}, "--parallel"), ({"council": "Nobody=x"}, "Nobody")])
def test_bad_requests_are_one_clear_error(tmp_path, change, match):
    with pytest.raises(EvalError, match=match):
        probe(tmp_path, **change)


# -- the seed reaches the model ----------------------------------------------------------------------


@pytest.fixture
def fake_vllm(monkeypatch):
    """vLLM's sampling types, faked (importing vLLM takes minutes): SamplingParams keeps what it is given."""
    vllm = ModuleType("vllm")
    vllm.SamplingParams = lambda **kw: SimpleNamespace(**kw)
    params = ModuleType("vllm.sampling_params")
    params.RequestOutputKind = SimpleNamespace(FINAL_ONLY="final", DELTA="delta")
    params.StructuredOutputsParams = lambda **kw: kw
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", params)


class PrefillCountingLLM:
    """An engine that reads each prompt for a while, then writes two pieces; it counts how many prompts it
    read at once and how many requests it decoded at once."""

    errored = False

    def __init__(self) -> None:
        self.sent: list = []
        self.reading = self.decoding = self.most_reading = self.most_decoding = 0

    async def generate(self, prompt, sampling, request_id):
        self.sent.append(sampling)
        self.reading += 1
        self.most_reading = max(self.most_reading, self.reading)
        await asyncio.sleep(0.01)
        self.reading -= 1
        self.decoding += 1
        self.most_decoding = max(self.most_decoding, self.decoding)
        pieces = [('{"orders": ', [1]), ("[]}", [2])]
        try:
            if sampling.output_kind == "final":  # one output, the whole answer, at the end
                await asyncio.sleep(0.03)
                yield SimpleNamespace(outputs=[SimpleNamespace(text='{"orders": []}', token_ids=[1, 2])])
                return
            for text, ids in pieces:  # DELTA: each step's new text
                yield SimpleNamespace(outputs=[SimpleNamespace(text=text, token_ids=ids)])
                await asyncio.sleep(0.03)
        finally:
            self.decoding -= 1


def pool_with(llm, on_cpu: bool):
    from engine.brains.vllm import EnginePool, _Engine
    from engine.models.registry import load_registry

    reg = load_registry(None)
    pool = EnginePool(["smollm2-135m"], registry=reg)
    tokenizer = SimpleNamespace(encode=lambda text: list(range(len(text))))
    pool.engines["smollm2-135m"] = _Engine(reg.get("smollm2-135m"), llm, tokenizer, "{prompt}", 0.0, on_cpu=on_cpu)
    return pool


def ask_pool(pool, seeds) -> list[Reply]:
    async def all_at_once():
        return await asyncio.gather(*(pool.generate("smollm2-135m", f"prompt {i}", 5.0, seed=s)
                                      for i, s in enumerate(seeds)))
    return asyncio.run(all_at_once())


@pytest.mark.parametrize("on_cpu, seeds, one_prompt_at_a_time", [
    (True, [11, 12, 13, 14], True),       # vLLM's CPU build: seeded prompts are read one at a time
    (True, [None] * 4, False),            # unseeded requests are not held back
    (False, [11, 12, 13, 14], False),     # nor are seeded ones on a GPU
])
def test_seeded_prompts_on_a_cpu_engine_are_read_one_at_a_time(fake_vllm, on_cpu, seeds, one_prompt_at_a_time):
    llm = PrefillCountingLLM()
    replies = ask_pool(pool_with(llm, on_cpu), seeds)
    assert [r.raw for r in replies] == ['{"orders": []}'] * 4 and all(r.fault is None for r in replies)
    assert sorted(s.seed for s in llm.sent if s.seed is not None) == sorted(s for s in seeds if s is not None)
    assert (llm.most_reading == 1) == one_prompt_at_a_time
    assert llm.most_decoding > 1  # decoding still batches


def test_a_seeded_request_that_times_out_lets_the_next_one_in(fake_vllm):
    class Stuck(PrefillCountingLLM):
        async def generate(self, prompt, sampling, request_id):
            if sampling.seed == 1:
                await asyncio.sleep(10)  # never reads its prompt in time
            async for out in super().generate(prompt, sampling, request_id):
                yield out

    pool = pool_with(Stuck(), on_cpu=True)

    async def both():
        stuck = asyncio.ensure_future(pool.generate("smollm2-135m", "a", 0.05, seed=1))
        await asyncio.sleep(0)
        return await asyncio.gather(stuck, pool.generate("smollm2-135m", "b", 2.0, seed=2))

    first, second = asyncio.run(both())
    assert first.fault_kind == "timeout" and second.fault is None and second.raw == '{"orders": []}'


def test_vllm_requests_carry_the_seed(fake_vllm):
    """`_run` puts the seed in the request's SamplingParams."""
    from engine.brains.vllm import _run

    llm = PrefillCountingLLM()
    engine = pool_with(llm, on_cpu=False).engines["smollm2-135m"]
    asyncio.run(_run(engine, [1, 2, 3], seed=1234))
    asyncio.run(_run(engine, [1, 2, 3]))
    assert [s.seed for s in llm.sent] == [1234, None]


def test_openai_requests_carry_the_seed_only_when_given():
    from engine.brains.openai_compat import OpenAIBrain
    from engine.models.registry import load_registry

    reg = load_registry(None)
    brain = OpenAIBrain(reg.get("smollm2-135m").model_copy(update={"backend": "openai"}), reg)
    assert brain.request("Answer.", None, 77)[1]["seed"] == 77
    assert "seed" not in brain.request("Answer.", None)[1]


def test_probe_brains_are_not_asked_with_a_seed_they_cannot_take(tmp_path, fake_models):
    """The noisy brain has no `seeded`: it is asked plainly (it would raise on a seed, losing every pair)."""
    rows = results(probe(tmp_path, kinds=["price"]))
    assert rows[("noisy", "price")]["lost"] == 0 and rows[("noisy", "price")]["pairs"] > 0


# -- the command --------------------------------------------------------------------------------------


def test_tokenwood_probe_writes_its_report_and_says_each_verdict(tmp_path, capsys):
    from tokenwood_tui.cli import main

    out = tmp_path / "probe"
    argv = ["probe", "--council", "scripted", "--seeds", "1", "--turns", "3,17", "--kinds", "shortage,tip",
            "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    report = json.loads((out / "probe.json").read_text())
    assert lines[0] == str(out / "probe.md") and len(lines) == 1 + len(report["results"])
    assert report["kinds"] == ["shortage", "tip"] and report["turns"] == [3, 17] and report["views"] == 8
    assert {r["kind"] for r in report["results"]} == {"shortage", "tip"}
    assert "| scripted:speculator | tip |" in (out / "probe.md").read_text()
    assert report["hold_suggestions"] is False
    assert main([*argv, "--hold-suggestions"]) == 0
    assert json.loads((out / "probe.json").read_text())["hold_suggestions"] is True


@pytest.mark.parametrize("argv", [["--turns", "0"], ["--turns", "3,3"], ["--kinds", "shortage,mood"],
                                  ["--kinds", "tip,tip"]])
def test_a_bad_turn_or_kind_list_is_a_usage_error(argv, capsys):
    from tokenwood_tui.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["probe", *argv])
    assert stop.value.code == 2 and "probe: error: argument" in capsys.readouterr().err


def test_doctests_of_the_probe_helpers():
    import doctest

    from engine.lab.evaluation import probe_run, probes, stats
    from engine.mind import view
    from engine.play import seeds

    for mod in (probes, probe_run, stats, seeds, view):
        assert doctest.testmod(mod).failed == 0, mod.__name__


def test_the_order_score_counts_orders_not_units():
    """Quantities of small models are noise: 10 units in the control and 1 in the variant, both bids, is
    "against" by units and unchanged by orders; a buy added is "toward" by both."""
    from engine.core.answer import Answer, OrderAction as O
    from engine.lab.evaluation.probes import outcome

    ten = Answer(orders=[O(side="buy", good="acorns", qty=10, price=4)])
    one = Answer(orders=[O(side="buy", good="acorns", qty=1, price=4)])
    more = Answer(orders=[O(side="buy", good="acorns", qty=1, price=4), O(side="buy", good="acorns", qty=1, price=5)])
    assert outcome(ten, one, ["acorns"]) == "against" and outcome(ten, one, ["acorns"], score="orders") == "unchanged"
    assert outcome(one, more, ["acorns"], score="orders") == "toward" == outcome(one, more, ["acorns"])
    assert outcome(more, one, ["acorns"], direction=-1, score="orders") == "toward"


def test_the_report_gives_both_scores(tmp_path, fake_models):
    report = probe(tmp_path, kinds=["tip"])
    rows = results(report)
    reader = rows[("reader", "tip")]
    # the reading brain bids more units for a tipped good, always with one order per good
    assert reader["verdict"] == "responds" and reader["orders"]["unchanged"] == reader["pairs"]
    assert all(p["outcome_orders"] in ("toward", "against", "unchanged") for p in report["pairs"] if not p["lost"])
    text = (tmp_path / "p" / "probe.md").read_text()
    assert "## By order count" in text and "| reader | tip |" in text


def test_the_report_splits_the_pairs_by_whether_the_suggestion_moved(tmp_path, fake_models):
    """A brain that plays the suggested orders moves only in pairs whose suggestion moved with the fact; in
    the others the fact is in the prompt's words only, and it does not move (probe run 9 found both real
    models so: docs/probes-embedded.md)."""
    council = "Oona=follower,Sorrel=noisy,Fennick=follower,Bramble=noisy"
    report = probe(tmp_path, council=council)
    assert {p["suggestion"] for p in report["pairs"]} <= {"toward", "against", "unchanged"}
    for kind in KINDS:
        split = results(report)[("follower", kind)]["by_suggestion"]
        moved, words = split["toward"], split["unchanged"]
        assert moved["toward"] > 0 and moved["against"] == 0, (kind, moved)
        assert words["toward"] == words["against"] == 0, (kind, words)
        assert moved["pairs"] + words["pairs"] <= results(report)[("follower", kind)]["pairs"]
    text = (tmp_path / "p" / "probe.md").read_text()
    assert "## By order count, split by the suggestion" in text
    assert "## By net demand, split by the suggestion" in text
    assert "| follower | tip | suggestion moved |" in text and "| follower | tip | words only |" in text
    for kind in KINDS:  # by units, a follower moves only where the suggested units moved
        words = results(report)[("follower", kind)]["by_suggestion_units"]["unchanged"]
        assert words["toward"] == words["against"] == 0, (kind, words)
    held = probe(tmp_path, "held", council=council, hold_suggestions=True)
    assert {p["suggestion"] for p in held["pairs"]} == {p["suggestion_units"] for p in held["pairs"]} == {"unchanged"}


def test_a_report_from_before_the_split_renders_without_it(tmp_path, fake_models):
    from engine.lab.evaluation.probe_run import render_markdown
    report = probe(tmp_path, kinds=["tip"])
    for row in report["results"]:
        del row["by_suggestion"], row["by_suggestion_units"]
    text = render_markdown(report)
    assert "## By order count" in text and "split by the suggestion" not in text


def test_the_penalties_reach_both_backends(fake_vllm):
    """The registry's `frequency_penalty` (against "buy,buy,buy" loops) goes into vLLM's SamplingParams
    and the OpenAI request; at 0.0 the OpenAI request leaves the field out."""
    from engine.brains.openai_compat import OpenAIBrain
    from engine.brains.vllm import _run
    from engine.models.registry import load_registry

    llm = PrefillCountingLLM()
    engine = pool_with(llm, on_cpu=False).engines["smollm2-135m"]
    sampling = engine.spec.sampling
    engine.spec = engine.spec.model_copy(update={"sampling": sampling.model_copy(update={"frequency_penalty": 0.7})})
    asyncio.run(_run(engine, [1, 2, 3]))
    assert llm.sent[0].frequency_penalty == 0.7

    reg = load_registry(None)
    spec = reg.get("smollm2-135m").model_copy(update={"backend": "openai"})
    for penalty, sent in ((0.0, None), (0.7, 0.7)):
        s = spec.model_copy(update={"sampling": spec.sampling.model_copy(update={"frequency_penalty": penalty})})
        assert OpenAIBrain(s, reg).request("Answer.", None)[1].get("frequency_penalty") == sent
