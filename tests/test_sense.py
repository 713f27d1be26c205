"""The sense measures (needs, sanity, voice): docs/EVAL.md's worked examples, and agreement with the rules."""

from __future__ import annotations

import doctest
import json
import random

import pytest

from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.core.turn import begin_turn, resolve_turn
from engine.lab.evaluation import sense, sense_figures
from engine.lab.evaluation.sense import answer_faults, answer_score, answer_sense, short_goods, unmet
from engine.lab.evaluation.sense_figures import Outcome, SenseTally, written
from engine.mind.prompt import build_prompt
from engine.mind.situation import Situation, situation_of
from engine.mind.view import view_for
from tests.conftest import play, scripted_game

FOODS = ["honey", "acorns", "berries"]
LAST = {"honey": 6, "acorns": 4, "berries": 5, "firewood": 5}
OONA = Situation(me="Oona", produces="honey", rate=3, pebbles=40, meals=2, foods=FOODS, fuel="firewood",
                 burn=1, burn_next=1, goods={"honey": 7, "acorns": 3, "berries": 0, "firewood": 1}, last=LAST,
                 hoard_limits={"honey": 12, "berries": 8})
"""docs/EVAL.md's worked example: Oona in winter, firewood short next turn."""
ORDERS = [{"side": "buy", "good": "firewood", "qty": 1, "price": 6},
          {"side": "buy", "good": "acorns", "qty": 2, "price": 4},
          {"side": "sell", "good": "berries", "qty": 1, "price": 5},
          {"side": "sell", "good": "honey", "qty": 3, "price": 13},
          {"side": "sell", "good": "firewood", "qty": 1, "price": 2}]
EXAMPLE_PROMPT = ('Answer with ONE JSON object with keys "thinking" (short, private), "gossip" (one public sentence).\n'
                  '\nYou are Oona the Owl.\n\nRecent news:\n- turn 2: Fennick says: "Honey is dear, friends."\n'
                  '- turn 2: Oona says: "My own old words."\n\nExample answer:\n'
                  '{"thinking": "I need food and can spare some of what I make.", "gossip": "Fair prices today, friends."}')


def test_doctests_of_the_sense_helpers():
    for mod in (sense, sense_figures):
        assert doctest.testmod(mod).failed == 0


# -- needs ------------------------------------------------------------------------------------------

def test_worked_example_short_goods():
    assert unmet(OONA, OONA.goods) == 1 and unmet(OONA, OONA.goods, turns=1) == 0
    assert short_goods(OONA) == ["firewood"]
    assert short_goods(OONA, turns=1) == []


def test_worked_example_answer_faults_and_score():
    parsed = {"thinking": "I need food and can spare some of what I make!", "gossip": "Fair prices today, friend.",
              "orders": ORDERS}
    faults = answer_faults(parsed, OONA, EXAMPLE_PROMPT)
    assert {k: n for k, n in faults.items() if n} == {
        "buy_not_short": 1, "absurd_price": 2, "sell_not_held": 1, "bid_and_ask": 1,
        "thinking_copied": 1, "gossip_copied": 1}
    assert set(faults) == set(sense.FAULTS)
    assert answer_score(faults) == -7.0
    s = answer_sense(parsed, OONA.model_dump(mode="json"), EXAMPLE_PROMPT)  # a trace row's JSON works too
    assert (s.needs.buys, s.needs.buys_short) == (2, 1)
    assert [(side, round(r, 2)) for side, r in s.sanity.ratios] == [
        ("buy", 1.2), ("buy", 1.0), ("sell", 1.0), ("sell", 2.17), ("sell", 0.4)]
    assert [sense_figures.ratio_bin(r) for _, r in s.sanity.ratios] == ["1x-2x", "1x", "1x", "above 2x", "below 0.5x"]
    assert s.bid_and_ask == ["firewood"] and s.needs.surplus == {}


def test_worked_example_winter_stock_buys_are_counted_beside_the_share():
    """docs/EVAL.md's example: an owl on turn 10 (winter on 16) holding 2 firewood, fed, bids for 4
    firewood and 1 acorn: buys of short goods 0 / 2, +1 winter stock."""
    owl = Situation(me="Oona", produces="honey", meals=2, foods=FOODS, fuel="firewood", pebbles=60, last=LAST,
                    goods={"honey": 7, "acorns": 3, "berries": 2, "firewood": 2}, winter_in=6)
    orders = [{"side": "buy", "good": "firewood", "qty": 4, "price": 6},
              {"side": "buy", "good": "acorns", "qty": 1, "price": 5}]
    n = answer_sense({"orders": orders}, owl, "").needs
    assert (n.buys, n.buys_short, n.buys_stock) == (2, 0, 1)
    for off in ({"winter_in": 9}, {"winter_in": 0}, {"winter_in": None}, {"goods": {**owl.goods, "firewood": 6}},
                {"produces": "firewood"}):
        assert answer_sense({"orders": orders}, owl.model_copy(update=off), "").needs.buys_stock == 0, off
    tally = SenseTally()
    tally.add({"parsed": {"orders": orders}, "situation": owl.model_dump(mode="json"), "prompt": "",
               "creature": "Oona"})
    assert tally.figures()["needs"]["buys_stock"] == 1 and tally.figures()["needs"]["buys_short_share"] == 0


def test_cover_cost_and_a_need_left_unbought():
    lean = Situation(me="Oona", produces="honey", meals=2, foods=FOODS, goods={"honey": 5}, last=LAST,
                     fuel="firewood", burn=2, pebbles=14)
    assert sense.cover_cost(lean) == 4 + 2 * 5
    assert short_goods(lean, turns=1) == ["acorns", "berries", "firewood"]
    sell_only = {"orders": [{"side": "sell", "good": "honey", "qty": 1, "price": 6}]}
    assert answer_faults(sell_only, lean, "")["need_now_unbought"] == 1
    assert answer_faults(sell_only, lean.model_copy(update={"pebbles": 13}), "")["need_now_unbought"] == 0  # cannot pay
    berry = {"orders": [{"side": "buy", "good": "berries", "qty": 1, "price": 5}]}
    assert answer_faults(berry, lean, "")["need_now_unbought"] == 0  # either food answers the need


def test_surplus_offered_and_kept():
    fox = Situation(me="Fennick", produces="berries", rate=3, meals=2, foods=FOODS, goods={"berries": 11, "honey": 1},
                    last=LAST, hoard_limits={"berries": 8, "honey": 12})
    one = {"orders": [{"side": "sell", "good": "berries", "qty": 1, "price": 5}]}
    s = answer_sense(one, fox, "")
    assert s.needs.surplus == {"berries": 2} and s.needs.surplus_offered == {"berries": 1}
    assert answer_faults(one, fox, "")["surplus_kept"] == 1
    three = {"orders": [{"side": "sell", "good": "berries", "qty": 3, "price": 5}]}
    assert answer_sense(three, fox, "").needs.surplus_offered == {"berries": 2}
    assert answer_faults(three, fox, "")["surplus_kept"] == 0


def _rules_after_one_turn(scenario, holdings: dict[str, int], at_turn: int):
    """Oona's situation with `holdings` on turn `at_turn + 1`, and what the rules did to her when nobody traded."""
    st = new_game(scenario, 1)
    st.hidden.schedule = []
    st.public.turn = at_turn
    h = st.hidden.holdings["Oona"]
    h.goods.update(holdings)
    report = begin_turn(st)
    sit = situation_of(view_for(st, "Oona"))
    before = (h.hunger, h.cold)
    resolve_turn(st, report, {})
    return st, sit, before


@pytest.mark.parametrize("seed", range(3))
def test_unmet_needs_follow_the_rules_own_eating_and_burning(scenario, seed):
    """Over random hands in early winter (burn 1), with nobody trading: the meals the rules count as missed
    and the cold turns, over one turn and over two, are what `unmet` foresaw."""
    rng = random.Random(seed)
    for _ in range(40):
        hand = {g: rng.choice([0, 0, 1, 2, 5, 13]) for g in ("honey", "acorns", "berries", "firewood")}
        st, sit, (hunger0, cold0) = _rules_after_one_turn(scenario, hand, at_turn=16)
        h = st.hidden.holdings["Oona"]
        first = (h.hunger - hunger0 if h.hunger > hunger0 else 0) + (h.cold > cold0)
        assert unmet(sit, sit.goods, turns=1) == first, hand
        hunger1, cold1 = h.hunger, h.cold
        resolve_turn(st, begin_turn(st), {})
        second = (h.hunger - hunger1 if h.hunger > hunger1 else 0) + (h.cold > cold1)
        assert unmet(sit, sit.goods, turns=2) == first + second, hand


def test_short_this_turn_is_what_the_prompt_calls_short():
    game = scripted_game(5)
    views = []
    game.on_decision = lambda d: views.append(d.view)
    play(game, 24)  # through the start of winter
    creatures = [v for v in views if v.me != PATRON]
    assert len(creatures) == 24 * 4 and any(v.short_on for v in creatures)
    for v in creatures:
        assert sorted(short_goods(situation_of(v), turns=1)) == sorted(v.short_on), (v.turn, v.me)


def test_the_patron_has_no_needs_and_its_shorts_count_as_held():
    game = scripted_game(1)
    sit = situation_of(view_for(game.state, PATRON))
    assert sit.produces is None and sit.meals == 0 and sit.burn == 0
    parsed = {"short": [{"good": "firewood", "qty": 3}], "orders": [{"side": "sell", "good": "firewood", "qty": 3,
                                                                      "price": 5}]}
    s = answer_sense(parsed, sit, "")
    assert s.needs is None and s.sanity.sells_not_held == 0
    assert answer_sense({"orders": parsed["orders"]}, sit, "").sanity.sells_not_held == 1


# -- voice ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "copied", "source"), [
    ("I need food and can spare some of what I make!", "verbatim", "example"),
    ("I need food and can spare some of what I make. I will sell.", "verbatim", "example"),
    ("Fair prices today, friend.", "near", "example"),
    ("one public sentence", "verbatim", "format"),
    ("Short, private", "verbatim", "format"),
    ("Honey is dear, friends!", "verbatim", "heard"),
    ("You are Oona the Owl", "verbatim", "prompt"),
    ("My own old words.", None, None),  # its own earlier gossip: measured by the distinct-gossip ratio instead
    ("Honey is dear, but acorns are cheap.", None, None),
    ("hoarder: short on firewood", None, None),
])
def test_copies_and_their_sources(text, copied, source):
    words = sense.words_of(text, sense.prompt_segments(EXAMPLE_PROMPT, "Oona"))
    assert (words.copied, words.source) == (copied, source)


def test_the_near_threshold_sits_between_a_changed_letter_and_a_shared_phrase():
    ratio = sense.difflib.SequenceMatcher(None, "fair prices today friend", "fair prices today friends").ratio()
    assert ratio == pytest.approx(0.98, abs=0.005) and ratio >= sense.NEAR
    shared = sense.difflib.SequenceMatcher(None, "hoarder short on firewood", "you are short on firewood").ratio()
    assert 0.8 <= shared < sense.NEAR
    assert sense.copy_kind("hoarder short on firewood", "you are short on firewood") is None


@pytest.mark.parametrize(("text", "empty", "no_letters"), [
    ("", True, True), ("   ", True, True), (": ", False, True), (":{", False, True), ("42", False, True),
    ("ok", False, False), ("é!", False, False)])
def test_words_without_letters(text, empty, no_letters):
    words = sense.words_of(text, [])
    assert (words.empty, words.no_letters) == (empty, no_letters)


@pytest.mark.parametrize(("text", "repeats"), [
    ("no, no, no, no, no, no", True), ("buy, sell, buy", False), ("buy sell buy sell buy sell", True),
    ("Honey is dear, but acorns are cheap today.", False), ("no wood, no berries, no honey, no acorns", False),
    ("double, double, double, double, double, toil", True), ("", False)])
def test_words_that_repeat_themselves(text, repeats):
    assert sense.words_of(text, []).repeats is repeats


def test_repeats_are_faults_and_voice_figures():
    loop = {"thinking": "no, no, no, no, no, no", "gossip": "Acorns are cheap, I will hold mine."}
    faults = sense.answer_faults(loop, None, "")
    assert (faults["thinking_repeats"], faults["gossip_repeats"]) == (1, 0)
    assert sense.answer_score(faults) == -1.0
    tally = SenseTally()
    tally.add(_row("Oona", loop))
    tally.add(_row("Oona", {"thinking": "honey now", "gossip": "ha ha ha ha ha ha ha"}))
    v = tally.figures()["voice"]
    assert (v["thinking"]["repeats"], v["gossip"]["repeats"], v["gossip"]["repeats_share"]) == (1, 1, 0.5)


@pytest.mark.parametrize(("text", "tokens"), [
    ("winter-spring-winterFroze.", ["winter-spring-winterFroze"]),
    ("no-nonsense-nonsense-no-nonsenseless.", ["no-nonsense-nonsense-no-nonsenseless"]),
    ("snowball-snowball-snowball-surprise", ["snowball-snowball-snowball-surprise"]),
    ("yes-no-not", ["yes-no-not"]), ("buy-sell", ["buy-sell"]), ("buy,sell", ["buy,sell"]),
    ("bramble-bramble-jons.json", ["bramble-bramble-jons.json"]),
    ("nootherworkeffouworkeffouworkeffouworefowellifeoffendsortate",
     ["nootherworkeffouworkeffouworkeffouworefowellifeoffendsortate"]),
    ("winterFrozen.Bromble", ["winterFrozen.Bromble"]), ("I will no-trad today.", ["no-trad"]),
    ('"buy-sell" (buy,sell) buy-sell!', ["buy-sell", "buy,sell", "buy-sell"]),  # stripped, in order, duplicates kept
    ("buyhoney", []),  # two real words run together: not seen without a dictionary
    ("winter is coming.", []), ("I don't like this.", []), ("the Magistrate's mood is calm.", []),
    ("snow is here, it's coming in!", []), ("all right now", []), ("buy, sell", []), ("'Fair prices!'", []),
    ("Oona's honey isn\u2019t cheap", []),  # apostrophes, straight or curly, between letters are fine
    ("disappointments", []), ("disappointmentss", ["disappointmentss"]),  # 15 letters, then 16
    ("honey:5 3-for-2 OONA", []), ("", [])])
def test_coined_words(text, tokens):
    assert sense.coined(text) == tokens
    assert sense.words_of(text, []).coined is bool(tokens)


def test_the_longest_word_is_a_declared_threshold():
    assert sense.LONGEST_WORD == 15
    assert sense.coined("a" * sense.LONGEST_WORD) == [] and sense.coined("a" * (sense.LONGEST_WORD + 1)) != []


def test_coined_words_are_faults_and_voice_figures():
    odd = {"thinking": "Acorns are cheap, I will hold mine.", "gossip": "winter-spring-winterFroze."}
    faults = sense.answer_faults(odd, None, "")
    assert (faults["thinking_coined"], faults["gossip_coined"]) == (0, 1)
    assert faults["thinking_repeats"] == faults["gossip_repeats"] == 0
    assert sense.answer_score(faults) == -1.0
    assert sense.answer_faults({"thinking": "buy,sell", "gossip": "yes-no-not"}, None, "")["thinking_coined"] == 1
    tally = SenseTally()
    tally.add(_row("Oona", odd))
    tally.add(_row("Oona", {"thinking": "honey now", "gossip": "Snow is here, it's coming in!"}))
    v = tally.figures()["voice"]
    assert (v["thinking"]["coined"], v["gossip"]["coined"], v["gossip"]["coined_share"]) == (0, 1, 0.5)
    assert v["thinking"]["coined_share"] == 0.0


def test_the_copies_of_a_real_prompt_are_found():
    game = scripted_game(2)
    views = []
    game.on_decision = lambda d: views.append((d.view, d.prompt))
    play(game, 3)
    view, prompt = next((v, p) for v, p in views if v.me == "Sorrel" and v.turn == 3)
    segments = sense.prompt_segments(prompt, "Sorrel")
    said = sense.words_of("Answer with ONE JSON object and nothing else", segments)
    assert (said.copied, said.source) == ("verbatim", "format")
    mine = next(line for line in prompt.splitlines() if line.startswith("You make "))
    assert (sense.words_of(mine, segments).copied, sense.words_of(mine, segments).source) == ("verbatim", "prompt")
    own = sense.words_of("Acorns are cheap, I will hold mine.", segments)
    assert own.copied is None
    assert build_prompt(view) == prompt


def _row(creature: str, parsed: dict | None, situation: Situation | None = None, prompt: str = "", turn: int = 1):
    return {"turn": turn, "creature": creature, "model": "m", "prompt": prompt, "parsed": parsed,
            "situation": situation.model_dump(mode="json") if situation else None}


def test_distinct_gossip_ratio():
    tally = SenseTally()
    for said in ("Fair prices!", "fair prices", "Honey is dear.", ""):
        tally.add(_row("Oona", {"gossip": said}))
    g = tally.figures()["voice"]["gossip"]
    assert (g["distinct"], g["lines"], g["distinct_ratio"]) == (2, 3, 0.6667)
    assert (g["texts"], g["empty"], g["no_letters"]) == (4, 1, 1)


def test_voice_shares_are_of_the_texts_written():
    """An empty gossip can neither copy, repeat nor coin: the shares count the lines written."""
    tally = SenseTally()
    for said in ("Fair prices today, friends.", "", "", "Honey is dear, but acorns are cheap."):
        tally.add(_row("Oona", {"gossip": said}, prompt=EXAMPLE_PROMPT))
    g = tally.figures()["voice"]["gossip"]
    assert (g["copied"], g["texts"], g["written"], g["copied_share"]) == (1, 4, 2, 0.5)
    assert written({"texts": 4, "empty": 1}) == 3 and written(g) == 2


# -- the tally: old traces, outcomes --------------------------------------------------------------

def test_rows_without_a_situation_count_for_voice_only():
    tally = SenseTally()
    tally.add(_row("Oona", {"orders": ORDERS, "gossip": "Fair prices today, friends."}, prompt=EXAMPLE_PROMPT))
    tally.add(_row("Oona", None))  # no answer at all: counts nothing
    f = tally.figures()
    assert (f["answers"], f["judged"], f["needs"], f["sanity"]) == (1, 0, None, None)
    assert f["voice"]["gossip"]["copied_from"]["example"] == 1
    assert f["answers_bid_and_ask"] == 1  # needs no situation


def test_unmet_while_affordable_and_surplus_sold_come_from_the_outcome():
    lean = Situation(me="Oona", produces="honey", meals=2, foods=FOODS, goods={"honey": 15}, last=LAST,
                     fuel="firewood", pebbles=14, hoard_limits={"honey": 12})
    rows = [_row("Oona", {"orders": []}, lean, turn=1), _row("Oona", {"orders": []}, lean.model_copy(
        update={"pebbles": 3}), turn=2)]
    tally = SenseTally()
    tally.add(rows[0], Outcome(missed=1, cold=False, sold={"honey": 5}))  # could pay 4 for an acorn: counts
    tally.add(rows[1], Outcome(missed=1, cold=False, sold={}))  # 3 pebbles: could not
    n = tally.figures()["needs"]
    assert (n["unmet_affordable"], n["need_now"], n["need_now_affordable"], n["need_now_unbought"]) == (1, 2, 1, 1)
    assert (n["surplus_units"], n["surplus_offered"], n["surplus_sold"]) == (4, 0, 2)  # 15 - 1 eaten - 12 = 2 each
    assert n["unmet_bid_in_full"] == 0  # it bid for nothing


def test_unmet_turns_that_bid_for_the_whole_lack_are_told_apart():
    """Hungry with the pebbles to eat: a bid for the cheapest food it lacks at the last price that found no
    seller is the market's doing; a bid below the last price, or for too few foods, is the answer's."""
    owl = Situation(me="Oona", produces="honey", meals=2, foods=FOODS, goods={"honey": 15}, last=LAST,
                    fuel="firewood", pebbles=40)
    cheapest = min((g for g in FOODS if g != "honey"), key=LAST.get)
    answers = [[{"side": "buy", "good": cheapest, "qty": 1, "price": LAST[cheapest] + 1}],
               [{"side": "buy", "good": cheapest, "qty": 1, "price": LAST[cheapest] - 1}], []]
    tally = SenseTally()
    for turn, orders in enumerate(answers, 1):
        tally.add(_row("Oona", {"orders": orders}, owl, turn=turn), Outcome(missed=1, cold=False))
    n = tally.figures()["needs"]
    assert (n["unmet_affordable"], n["unmet_bid_in_full"]) == (3, 1)
    winter = owl.model_copy(update={"burn": 2})  # and the fire lacks 2 firewood: one unit bid is short
    assert not sense.bid_in_full([*answers[0], {"side": "buy", "good": "firewood", "qty": 1, "price": 9}], winter)
    assert sense.bid_in_full([*answers[0], {"side": "buy", "good": "firewood", "qty": 2, "price": 9}], winter)


def test_outcomes_from_a_season_series():
    series = {"produces": {"Oona": "honey"}, "hunger_by_turn": {"Oona": [0, 1, 3, 2]},
              "cold_by_turn": {"Oona": [0, 0, 1, 0]},
              "trades": [{"turn": 2, "seller": "Oona", "buyer": "Sorrel", "good": "honey", "qty": 2, "price": 6}]}
    out = sense_figures.outcomes(series)
    assert out[("Oona", 1)] == Outcome(missed=1, cold=False, sold={})
    assert out[("Oona", 2)] == Outcome(missed=2, cold=True, sold={"honey": 2})
    assert out[("Oona", 3)] == Outcome(missed=0, cold=False, sold={})
    old = sense_figures.outcomes({"produces": {"Oona": "honey"}, "trades": series["trades"]})  # an older record
    assert old[("Oona", 2)] == Outcome(missed=None, cold=None, sold={"honey": 2})


def test_trace_rows_carry_the_situation_the_prompt_was_built_from(tmp_path):
    traces = tmp_path / "t.jsonl"
    game = scripted_game(3, traces=traces)
    views = {}
    game.on_decision = lambda d: views.setdefault((d.view.turn, d.trader), d.view)
    play(game, 4)
    rows = [json.loads(line) for line in traces.read_text().splitlines()]
    assert len(rows) == 4 * 5
    for row in rows:
        view = views[(row["turn"], row["creature"])]
        sit = Situation.model_validate(row["situation"])
        assert sit == situation_of(view)
        assert (sit.pebbles, sit.goods, sit.last) == (view.pebbles, view.goods, {b.good: b.last for b in view.books})
        assert f"You have {sit.pebbles} pebbles" in row["prompt"] or row["creature"] == PATRON
