"""The parse-and-repair layer: the corpus of malformed answers, each step on its own, regressions, fuzzing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.core.answer import Answer, MAX_WORDS, OrderAction, PatronAnswer
from engine.mind import repair, synonyms
from engine.mind.parsing import Dropped, MAX_DEPTH, ParseResult, ParseStats, Quirks, parse_answer
from engine.mind.repair import Span

GOODS = ("honey", "acorns", "berries", "firewood")
TRADERS = ("Oona", "Sorrel", "Fennick", "Bramble")
CORPUS = Path(__file__).parent / "corpus" / "malformed.jsonl"


def parse(raw: str, **kw) -> ParseResult:
    """parse_answer with the default scenario's goods and traders."""
    return parse_answer(raw, goods=GOODS, traders=TRADERS, **kw)


def orders(result: ParseResult) -> list[list]:
    return [[o.side, o.good, o.qty, o.price] for o in result.answer.orders]


def load_corpus(path: Path = CORPUS) -> list[dict]:
    """Corpus lines; tolerant of blank lines and of fields this test does not know."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# -- the corpus ----------------------------------------------------------------------------------


def test_corpus_is_big_enough():
    cases = load_corpus()
    assert len({c["id"] for c in cases}) == len(cases), "corpus ids must be unique"
    collected = [c for c in cases if c.get("source") == "collected"]
    assert len(collected) >= 60, "the issue asks for 60 real answers collected from the embedded models"
    assert {c["model"] for c in collected} >= {"smollm2-135m", "gemma3-270m"}


@pytest.mark.parametrize("case", load_corpus(), ids=lambda c: c["id"])
def test_corpus(case: dict):
    expect = case["expect"]
    result = parse(case["raw"], quirks=Quirks(**case.get("quirks", {})), patron=case.get("patron", False))
    assert orders(result) == [list(o) for o in expect["orders"]]
    if "gossip_nonempty" in expect:
        assert bool(result.answer.gossip) == expect["gossip_nonempty"]
    assert len(result.dropped) >= expect.get("min_dropped", 0)
    assert not [d for d in result.dropped if d.reason.startswith("internal")]
    assert result.raw == case["raw"]


# -- step 1: strip reasoning and chat leftovers ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "tokenless", "out"),
    [
        ('<|channel|>analysis<|message|>hm<|end|><|start|>assistant<|channel|>final<|message|>{"a": 1}<|return|>',
         False, '{"a": 1}'),
        ('<|channel|>final <|constrain|>json<|message|>{"a": 1}<|call|>', False, '{"a": 1}'),
        ("<|channel|>analysis<|message|>still thinking", False, ""),
        ('<|channel|>commentary<|message|>x<|end|><|channel|>final<|message|><|end|>', False, ""),
        ('analysisWe need honey.assistantfinal{"a": 1}', True, '{"a": 1}'),
        ('analysisWe need honey.assistantfinal{"a": 1}', False, 'analysisWe need honey.assistantfinal{"a": 1}'),
        ("analysisWe need hon", True, ""),
        ('{"a": 1}', True, '{"a": 1}'),
    ],
)
def test_strip_harmony(raw, tokenless, out):
    assert repair.strip_harmony(raw, tokenless) == out


@pytest.mark.parametrize(
    ("raw", "out"),
    [
        ('<think>Honey is cheap.</think>{"a": 1}', '{"a": 1}'),
        ('<THINK>a</THINK> <think>b {"no": 1}</think>{"a": 1}', ' {"a": 1}'),
        ('<think>Honey is cheap, so: {"a": 1}', '{"a": 1}'),
        ("<think>Honey is cheap, so I", ""),
        ('<think>look:\n```json\n{"a": 1}\n```', '```json\n{"a": 1}\n```'),
        ('Honey is cheap {maybe}.</think>\n{"a": 1}', '\n{"a": 1}'),
        ('{"a": 1}</think>', '{"a": 1}'),
        ('{"gossip": "a < b"}', '{"gossip": "a < b"}'),
    ],
)
def test_strip_think(raw, out):
    assert repair.strip_think(raw) == out


@pytest.mark.parametrize(
    ("raw", "out"),
    [
        ('<|im_start|>assistant\n{"a": 1}<|im_end|>\n<|im_start|>user\n{"b": 2}', '\n{"a": 1}'),
        ('<start_of_turn>model\n{"a": 1}<end_of_turn>', '\n{"a": 1}'),
        ('<extra_id_1>Assistant\n{"a": 1}\n<extra_id_1>User\nok', '\n{"a": 1}\n'),
        ('<|start_header_id|>assistant<|end_header_id|>\n\n{"a": 1}<|eot_id|>', '\n\n{"a": 1}'),
        ('{"a": 1}<｜end▁of▁sentence｜>', '{"a": 1}'),
        ('<|im_end|>{"a": 1}</s>', '{"a": 1}'),
        ("no tokens at all", "no tokens at all"),
        ("<|im_end|>", ""),
    ],
)
def test_strip_chat_tokens(raw, out):
    assert repair.strip_chat_tokens(raw) == out


# -- step 2: find the JSON ----------------------------------------------------------------------------


def test_code_fences():
    assert repair.code_fences('Here:\n```json\n{"a": 1}\n```\nand ```{"b": 2}```') == ['{"a": 1}\n', '{"b": 2}']
    assert repair.code_fences('```json\n{"a": 1') == ['{"a": 1']
    assert repair.code_fences('{"a": 1}') == []


def test_json_spans_in_prose():
    text = 'I think {"a": "}{"} then [note] and [{"b": 1}] ok'
    spans = repair.json_spans(text)
    assert [s.text for s in spans] == ['{"a": "}{"}', '[{"b": 1}]']
    assert [text[s.start : s.end] for s in spans] == [s.text for s in spans]
    assert not any(s.cut_off for s in spans)


def test_json_spans_escaped_quote_and_mismatched_closer():
    assert [s.text for s in repair.json_spans(r'{"a": "say \"}\" ok"} x')] == [r'{"a": "say \"}\" ok"}']
    assert [s.text for s in repair.json_spans('{"orders": [{"side": "buy"}} tail')] == ['{"orders": [{"side": "buy"}}']


def test_json_spans_cut_off_drops_the_unclosed_action():
    (span, *_) = repair.json_spans('{"orders": [{"qty": 2}, {"qty": 3}, {"side": "buy", "qty": 1')
    assert span == Span('{"orders": [{"qty": 2}, {"qty": 3}, ', True, '{"side": "buy", "qty": 1', "orders", 2,
                        0, 60, 3)


def test_json_spans_cut_off_in_a_string_keeps_the_object():
    (span, *_) = repair.json_spans('{"orders": [], "gossip": "Honey is swe')
    assert span.cut_off and span.lost == "" and span.text == '{"orders": [], "gossip": "Honey is swe'


def test_json_spans_unclosed_prose_brace_is_rescanned():
    spans = repair.json_spans('a { b {"orders": []} c')
    assert spans[0].cut_off and spans[1].text == '{"orders": []}'


@pytest.mark.parametrize(
    ("text", "value", "repaired"),
    [
        ('{"qty": 5}', {"qty": 5}, False),
        ("{'qty': 5, ok: True, x: None,}", {"qty": 5, "ok": True, "x": None}, True),
        ('{"a": [1, 2', {"a": [1, 2]}, True),
    ],
)
def test_load_json(text, value, repaired):
    assert repair.load_json(text) == (value, repaired)


# -- step 3: normalise values ---------------------------------------------------------------------


@pytest.mark.parametrize("raw", [5, 5.0, "5", " 5 ", "5 pebbles", "5 pebbles each", "$5", "5%", "#5", "+5", "5.00"])
def test_to_int_accepts(raw):
    assert synonyms.to_int(raw) == 5


@pytest.mark.parametrize("raw", [5.7, "5.5", "five", "5-6", "5 or 6", True, None, [5], {"n": 5}, float("nan"),
                                 float("inf"), "", "9" * 40])
def test_to_int_refuses(raw):
    with pytest.raises(ValueError, match="must be a whole number"):
        synonyms.to_int(raw)


def test_to_int_keeps_negatives_for_pydantic_to_refuse():
    assert synonyms.to_int("-3") == -3


@pytest.mark.parametrize(
    ("raw", "out"),
    [(None, ""), ("  hi ", "hi"), (["a", "", "b"], "a b"), (5, "5"), ({"k": 1}, '{"k": 1}'), (True, "true")],
)
def test_to_text(raw, out):
    assert synonyms.to_text(raw) == out


@pytest.mark.parametrize(
    ("raw", "out"),
    [("honey", "honey"), ("Acorn", "acorns"), ("BERRY", "berries"), ("Firewoods", "firewood"),
     (" 🍯 Honey ", "honey")],
)
def test_match_good(raw, out):
    assert synonyms.match_good(raw, GOODS) == out


@pytest.mark.parametrize("raw", ["pinecones", "", 3, None, "honeycomb"])
def test_match_good_refuses(raw):
    with pytest.raises(ValueError, match="must be"):
        synonyms.match_good(raw, GOODS)


def test_match_good_without_a_list_only_tidies():
    assert synonyms.match_good(" Pinecones! ", ()) == "pinecones"


@pytest.mark.parametrize(("raw", "out"), [("Oona", "Oona"), ("oona the owl", "Oona"), (" SORREL ", "Sorrel")])
def test_match_trader(raw, out):
    assert synonyms.match_trader(raw, TRADERS) == out


def test_match_trader_refuses_strangers():
    with pytest.raises(ValueError, match="known trader"):
        synonyms.match_trader("Magistrate", TRADERS)


@pytest.mark.parametrize(
    ("raw", "out"),
    [("buy", "buy"), ("Purchase", "buy"), ("BID", "buy"), ("b", "buy"), ("sell", "sell"), ("offer", "sell"),
     ("Ask", "sell"), ("S", "sell"), ("selling", "sell")],
)
def test_to_side(raw, out):
    assert synonyms.to_side(raw) == out


@pytest.mark.parametrize(("raw", "out"), [("rise", "rise"), ("UP", "rise"), ("down", "fall"), ("Drop", "fall")])
def test_to_direction(raw, out):
    assert synonyms.to_direction(raw) == out


@pytest.mark.parametrize("raw", ["hold", "", 1, None])
def test_to_side_refuses(raw):
    with pytest.raises(ValueError, match="must be one of buy, sell"):
        synonyms.to_side(raw)


@pytest.mark.parametrize(
    ("raw", "out"),
    [
        ("buy 3 honey at 5", {"side": "buy", "good": "honey", "qty": 3, "price": 5}),
        ("Sell 2 units of acorns @ 4 pebbles each.", {"side": "Sell", "good": "acorns", "qty": 2, "price": 4}),
        ("I might buy 3 honey at 5", None),
        ("hold 3 honey at 5", None),
    ],
)
def test_order_from_text(raw, out):
    assert synonyms.order_from_text(raw) == out


def test_squash():
    assert synonyms.squash("Price_Per-Unit ") == "priceperunit"


# -- steps 3-5 through parse_answer: keys, per-action validation, the final answer ---------------------


def test_every_key_synonym_lands_on_its_field():
    raw = json.dumps({
        "Thoughts": "t", "say": "g", "trades": [{"direction": "purchase", "item": "honey", "amount": 2, "cost": 3,
                                                  "turns": 2}],
        "cancellations": [1], "accepted": [2], "reject": [3],
    })
    result = parse(raw)
    assert result.answer == Answer(thinking="t", gossip="g", cancel=[1], accept=[2], decline=[3], orders=[
        OrderAction(side="buy", good="honey", qty=2, price=3, lifetime=2)])
    assert "key_synonym:amount->qty" in result.repairs and "key_synonym:Thoughts->thinking" in result.repairs


def test_one_bad_order_never_sinks_the_good_ones():
    raw = json.dumps({"orders": [
        {"side": "buy", "good": "honey", "qty": 1, "price": 5},
        {"side": "buy", "good": "honey", "qty": -3, "price": 5},
        "nonsense",
        {"side": "sell", "good": "acorns", "qty": 2, "price": 3, "lifetime": 99},
        {"side": "sell", "good": "acorns", "qty": 2, "price": 3},
    ]})
    result = parse(raw)
    assert orders(result) == [["buy", "honey", 1, 5], ["sell", "acorns", 2, 3]]
    assert [(d.where, d.reason) for d in result.dropped] == [
        ("orders[1]", "qty: Input should be greater than or equal to 1 (got -3)"),
        ("orders[2]", "expected an object (got str)"),
        ("orders[3]", "lifetime: Input should be less than or equal to 10 (got 99)"),
    ]


def test_dropped_value_is_truncated():
    result = parse(json.dumps({"orders": [{"side": "buy", "good": "honey" * 100, "qty": 1, "price": 1}]}))
    (dropped,) = result.dropped
    assert dropped.where == "orders[0]" and len(dropped.value) <= 120 and dropped.reason.startswith("good must be")


def test_text_fields_are_clamped_not_dropped():
    result = parse(json.dumps({"gossip": "x" * 500, "thinking": "y" * 500}))
    assert len(result.answer.gossip) == len(result.answer.thinking) == MAX_WORDS
    assert {"clamp:gossip", "clamp:thinking"} <= set(result.repairs) and not result.dropped


def test_unknown_top_level_keys_are_ignored_and_recorded():
    result = parse('{"orders": [], "mood": "happy", "lend": []}')
    assert result.answer == Answer() and not result.dropped
    assert "ignored_key:mood" in result.repairs and "ignored_key:lend" in result.repairs


def test_ids_lists():
    result = parse('{"cancel": 4, "accept": ["#7", "x"], "decline": "none"}')
    assert (result.answer.cancel, result.answer.accept, result.answer.decline) == ([4], [7], [])
    assert [(d.where, d.reason) for d in result.dropped] == [("accept[1]", "id must be a whole number (got x)")]


def test_no_json_is_one_dropped_answer():
    result = parse("I shall buy honey.")
    assert result == ParseResult(answer=Answer(), raw="I shall buy honey.", found_json=False, dropped=(
        Dropped(where="answer", reason="no JSON object found", value="I shall buy honey."),))


def test_goods_list_is_optional():
    result = parse_answer('{"orders": [{"side": "buy", "good": "Moss", "qty": 1, "price": 1}]}')
    assert orders(result) == [["buy", "moss", 1, 1]]


def test_rule_judgement_is_left_to_the_engine():
    """Self-buy and affordability are the engine's business: the parser keeps such orders."""
    result = parse('{"orders": [{"side": "buy", "good": "honey", "qty": 1000, "price": 10000}]}')
    assert orders(result) == [["buy", "honey", 1000, 10000]]


def test_quirks_can_keep_think_blocks():
    raw = '<think>{"orders": [{"side": "buy", "good": "honey", "qty": 1, "price": 5}]}</think>'
    assert orders(parse(raw, quirks=Quirks(strip_think=False))) == [["buy", "honey", 1, 5]]
    assert orders(parse(raw)) == []


def test_repairs_name_the_steps_in_order():
    raw = '<think>hm</think>```json\n{"orders": [{"side": "buy", "good": "honey", "quantity": 1, "price": 5,}]}\n```'
    assert parse(raw).repairs == ("strip_think", "code_fence", "json_repair", "key_synonym:quantity->qty")


# -- the Patron ------------------------------------------------------------------------------------


def test_patron_moves():
    raw = json.dumps({
        "orders": [{"side": "sell", "good": "honey", "qty": 1, "price": 9}],
        "loans": [{"to": "oona the owl", "amount": "50 pebbles", "rate": "5%", "term": 3}],
        "whisper": {"creature": "sorrel", "good": "Acorn", "direction": "up", "true": True},
        "short": [{"good": "berries", "amount": 2}],
        "cover": [{"id": 3}],
        "bribe": [{"who": "Bramble", "pebbles": 10, "ask": "sell me firewood"}, {"who": "Magistrate", "amount": 5}],
        "legend": "long_frost",
    })
    result = parse(raw, patron=True)
    assert isinstance(result.answer, PatronAnswer)
    assert result.answer.model_dump(exclude={"thinking", "gossip", "cancel", "accept", "decline"}) == {
        "orders": [{"side": "sell", "good": "honey", "qty": 1, "price": 9, "lifetime": 1}],
        "lend": [{"creature": "Oona", "amount": 50, "rate_pct": 5, "term": 3}],
        "tip": [{"creature": "Sorrel", "good": "acorns", "direction": "rise", "true": True}],
        "short": [{"good": "berries", "qty": 2, "term": 5}],
        "cover": [{"short_id": 3}],
        "bribe": [{"creature": "Bramble", "amount": 10, "request": "sell me firewood"}],
        "legend": "long_frost",
    }
    assert [d.where for d in result.dropped] == ["bribe[1]"] and "known trader" in result.dropped[0].reason


def test_patron_empty_answer_is_a_patron_answer():
    assert isinstance(parse("", patron=True).answer, PatronAnswer)
    assert type(parse("").answer) is Answer


# -- ParseStats ------------------------------------------------------------------------------------


def test_parse_stats_add_and_merge():
    good = parse('{"orders": [{"side": "buy", "good": "honey", "qty": 1, "price": 5}], "accept": [3]}')
    mixed = parse("Sure: {'orders': [{'side': 'buy', 'good': 'honey', 'qty': 1, 'price': 5}, {'side': 'x'}]}")
    prose = parse("no idea")
    a, b = ParseStats(), ParseStats()
    a.add(good)
    a.add(mixed)
    b.add(prose)
    assert (a + b).model_dump() == {"answers": 3, "answers_with_valid_action": 2, "valid_actions": 3,
                                    "dropped_actions": 1, "repaired_answers": 1, "no_json": 1}
    assert a.answers == 2  # + makes a new one
    assert a.merge(b) is a and a.answers == 3


# -- regressions: one per bug found while building this -------------------------------------------------


def test_regression_missing_list_close_hoists_gossip():
    """json_repair reads a missing ']' as the gossip being one more order; it is an answer field."""
    result = parse('{"orders": [{"side": "buy", "good": "honey", "qty": 1, "price": 5}, "gossip": "hi"}')
    assert orders(result) == [["buy", "honey", 1, 5]] and result.answer.gossip == "hi" and not result.dropped


def test_regression_null_lifetime_means_default():
    """"lifetime": null (Python None) dropped the whole order; a null optional field now means its default."""
    result = parse('{"orders": [{"side": "sell", "good": "acorns", "qty": 2, "price": 3, "lifetime": None}]}')
    assert result.answer.orders == [OrderAction(side="sell", good="acorns", qty=2, price=3)]


def test_regression_orders_none_word_is_not_a_dropped_action():
    """"orders": "none" counted as a dropped action and dragged the model's figures down."""
    result = parse('{"orders": "none", "cancel": "N/A"}')
    assert result.answer == Answer() and not result.dropped


def test_regression_deep_nesting_is_not_tried():
    """'{' * 20000 took seconds in json_repair; values nested past MAX_DEPTH are no answer."""
    result = parse("[{" * (MAX_DEPTH + 1))
    assert not result.found_json and result.dropped[0].reason == "no JSON object found"


@pytest.mark.parametrize("raw", ['{"gossip": "\\ud800 hi"}', '{"gossip": "\ud800 hi"}'])
def test_regression_lone_surrogate_in_gossip(raw):
    """A JSON escape cut in half ("\\ud800") decoded to a lone surrogate, which pydantic's gossip field refused."""
    result = parse(raw)
    assert result.answer.gossip == "? hi" and result.raw == raw


def test_regression_cut_off_number_is_never_trusted():
    """Repairing '"price": 1' at the token limit kept a price of 1 that may have been 12."""
    result = parse('{"orders": [{"side": "buy", "good": "honey", "qty": 2, "price": 1')
    assert orders(result) == [] and result.dropped[0].reason == "cut off at the token limit"


# -- fuzzing: never raises, always a valid answer ----------------------------------------------------------

FRAGMENTS = [
    "{", "}", "[", "]", '"', "'", ":", ",", " ", "\n", "\\", "orders", "side", "buy", "sell", "good", "honey", "qty",
    "price", "1", "-3", "5.7", "null", "True", "None", "NaN", "1e999", "```", "```json", "<think>", "</think>",
    "<|im_end|>", "<|channel|>", "final", "<|message|>", "analysis", "assistantfinal", "<|start|>", "<|end|>",
    "gossip", "answer", "🍯", "//", "lend", "tip", "creature", '"orders": [', '{"side": "buy", ', '"qty": ',
    '"price": ', '"good": "honey"', "buy 3 honey at 5", "<extra_id_1>", "Assistant", '"accept": "#3"', "[{", "}]",
    "\ud800", "\\ud800", "\\n",
]


def _check(result: ParseResult, raw: str) -> None:
    assert isinstance(result, ParseResult) and result.raw == raw
    type(result.answer).model_validate(result.answer.model_dump())
    assert not [d for d in result.dropped if d.reason.startswith("internal")], result.dropped


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.text(st.characters(exclude_categories=()), max_size=400), patron=st.booleans(), harmony=st.booleans())
def test_fuzz_any_text(raw, patron, harmony):
    _check(parse(raw, patron=patron, quirks=Quirks(harmony=harmony)), raw)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join), patron=st.booleans(),
       harmony=st.booleans(), strip_think=st.booleans())
def test_fuzz_json_ish_fragments(raw, patron, harmony, strip_think):
    _check(parse(raw, patron=patron, quirks=Quirks(harmony=harmony, strip_think=strip_think)), raw)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["orders", "side", "good", "qty", "price", "gossip", "lend", "answer"]) | st.text(max_size=8),
        inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON_VALUES, cut=st.integers(min_value=0, max_value=400), patron=st.booleans())
def test_fuzz_json_values_whole_and_cut(value, cut, patron):
    raw = json.dumps(value)
    _check(parse(raw, patron=patron), raw)
    _check(parse(raw[:cut], patron=patron), raw[:cut])


WORDS = (st.text(st.characters(categories=["L", "N", "Zs"], include_characters=".,!?'{}:"), max_size=60).map(str.strip)
         .filter(lambda t: not t or any(c.isalnum() for c in t)))  # punctuation alone says nothing: see below
ORDERS = st.builds(OrderAction, side=st.sampled_from(["buy", "sell"]), good=st.sampled_from(GOODS),
                   qty=st.integers(1, 1000), price=st.integers(1, 10_000), lifetime=st.integers(1, 10))
ANSWERS = st.builds(Answer, thinking=WORDS, gossip=WORDS, orders=st.lists(ORDERS, max_size=8),
                    cancel=st.lists(st.integers(0, 99), max_size=3), accept=st.lists(st.integers(0, 99), max_size=3))


@settings(max_examples=200)
@given(answer=ANSWERS)
def test_valid_answer_round_trips_unrepaired(answer):
    result = parse(answer.model_dump_json())
    assert result.answer == answer and result.repairs == () and result.dropped == ()


@given(noise=st.text(st.sampled_from(".,!?'{}[]:;-\u2026 "), min_size=1, max_size=12).map(str.strip).filter(bool))
def test_words_of_punctuation_alone_say_nothing(noise):
    """gemma3-270m under its grammar wrote gossip ":" and ":[{"; the record should not repeat it."""
    result = parse(json.dumps({"thinking": noise, "orders": [], "gossip": noise}))
    assert (result.answer.thinking, result.answer.gossip) == ("", "")
    assert {"blank:thinking", "blank:gossip"} <= set(result.repairs)
    assert parse(json.dumps({"gossip": noise + " 3 honey"})).answer.gossip == noise + " 3 honey"


@settings(max_examples=300)
@given(answer=ANSWERS, data=st.data())
def test_cut_off_answer_never_invents_an_order(answer, data):
    raw = json.dumps(answer.model_dump())
    cut = data.draw(st.integers(0, len(raw)))
    result = parse(raw[:cut])
    assert all(order in answer.orders for order in result.answer.orders)
    assert len(result.answer.orders) <= len(answer.orders)


def test_regression_two_synonyms_overfill_a_list():
    """"cancel" and "cancels" together held 20 ids; the merged list broke Answer's limit of 16 (internal error)."""
    result = parse(json.dumps({"cancel": list(range(10)), "cancels": list(range(10, 20))}))
    assert result.answer.cancel == list(range(16))
    assert [d.where for d in result.dropped] == [f"cancel[{i}]" for i in range(16, 20)]


def test_regression_orders_one_after_another_without_a_list():
    """gemma3-270m writes orders as top-level objects one after another; only the first was kept."""
    raw = ('{"side": "buy", "good": "honey", "qty": 1, "price": 7}, {"side": "sell", "good": "acorns", "qty": 2}\n'
           '{"side": "sell", "good": "acorns", "qty": 2, "price": 4}\n{"side": "buy", "good": "honey", "qty": 3, "')
    result = parse(raw)
    assert orders(result) == [["buy", "honey", 1, 7], ["sell", "acorns", 2, 4]]
    assert [(d.where, d.reason) for d in result.dropped] == [
        ("orders[3]", "cut off at the token limit"), ("orders[1]", "price is missing")]
    assert "order_sequence" in result.repairs
    # prose in between starts a made-up next answer: not joined
    raw = '{"side": "buy", "good": "honey", "qty": 1, "price": 7}\n\nAnswer (one line of JSON):\n' \
          '{"side": "sell", "good": "acorns", "qty": 2, "price": 4}'
    assert orders(parse(raw)) == [["buy", "honey", 1, 7]]


def test_regression_forgotten_list_close_before_more_keys():
    """'[{...}}, "gossip": ...}' (a '}' written for ']') ended the answer there: the gossip and later orders were
    lost."""
    result = parse('{"orders": [{"side": "buy", "good": "honey", "qty": 2, "price": 6}}, "gossip": "Fair prices."}')
    assert orders(result) == [["buy", "honey", 2, 6]] and result.answer.gossip == "Fair prices."
    result = parse('{"orders": [{"side": "buy", "good": "honey", "qty": 2, "price": 3}, "gossip": "hi"}, '
                   '"orders": [{"side": "sell", "good": "honey", "qty": 2, "price": 4}]}')
    assert orders(result) == [["buy", "honey", 2, 3], ["sell", "honey", 2, 4]] and result.answer.gossip == "hi"
    assert [s.text for s in repair.json_spans('{"orders": [{"side": "buy"}} tail')] == ['{"orders": [{"side": "buy"}}']


def test_regression_hoist_despite_unknown_key():
    """After a missing ']', one junk key ("yes") beside gossip and decline kept them all inside the orders list."""
    raw = ('{"orders": [{"side": "buy", "good": "honey", "qty": 1, "price": 8}, "gossip": "Fair prices.", '
           '"decline": [21], "yes": ["Yes"]}')
    result = parse(raw)
    assert orders(result) == [["buy", "honey", 1, 8]] and not result.dropped
    assert (result.answer.gossip, result.answer.decline) == ("Fair prices.", [21])
    assert "ignored_key:yes" in result.repairs


def test_regression_stray_quote_after_number():
    """'"price": 7", ...' read the stray quote as opening a string: the answer looked cut off and was lost."""
    raw = ('{"orders": [{"side": "buy", "good": "honey", "qty": 1, "price": 7", "quantity": 1},\n'
           '  "gossip": "Fair prices today, friends."\n}\n(1 line of JSON):\n{\n  "thinking": "I need')
    result = parse(raw)
    assert orders(result) == [["buy", "honey", 1, 7]] and result.answer.gossip and not result.dropped
    assert [s.text for s in repair.json_spans('{"a": 5"b": 6}')] == ['{"a": 5"b": 6}']  # a missing comma is no stray


def test_regression_buying_and_selling_keys():
    """{"buying": {...}, "selling": {...}} kept the buy only (unwrapped as if "buying" wrapped the answer)."""
    raw = ('{"buying": {"side": "buy", "good": "honey", "qty": 1, "price": 7}, '
           '"selling": {"good": "acorns", "qty": 2, "price": 6}}')
    assert orders(parse(raw)) == [["buy", "honey", 1, 7], ["sell", "acorns", 2, 6]]
