"""Distillation, second generation: best-of-n teacher answers, the sense checks of the filter, and the
judge's decision measures. Scripted teachers stand in for models (no engine is started).

A `ScriptedTeacher` answers candidate i of a decision as its script's i-th kind says (it finds i from the
sampling seed it is given), so each test knows which candidate is best and why.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

import engine.brains.models as brain_models
from engine.brains.base import Reply
from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.brains.patron import SchemingPatron
from engine.lab.distill import example_line, render
from engine.lab.distill.best_of import (BestOfBrain, Candidate, CandidateLog, candidates_path, choose,
                                        read_choices, read_decision_map, read_decisions, selection_figures)
from engine.lab.distill.collect import Played, council_of, play_seeds
from engine.play.seeds import SEED_SPACE, decision_seed as sampling_seed
from engine.lab.distill.filter import ANSWER_KEYS, filter_traces, read_rows, rechoose, row_faults, sense_reason
from engine.lab.distill.judge import SENSE_ROWS, figures, recorded, rescore, sense_of, sense_table, sense_verdict
from engine.lab.evaluation.sense_figures import SenseTally
from engine.mind.prompt import example_orders
from engine.models.registry import load_registry
from engine.play.game import Game
from engine.play.scenario_files import load_scenario

TEACHER = "gemma3-270m"
"""A registry id for the scripted teacher (the collect keys its seasons by the registry entry)."""


# -- a scripted teacher --------------------------------------------------------------------------------


def _other_good(view) -> str:
    """A good the creature does not make (the first in the wood's order)."""
    return next(g for g in view.goods_all if g != view.produces)


def _words(view) -> dict:
    """Thinking and gossip of its own (not in the prompt)."""
    return {"thinking": f"{view.me} weighs turn {view.turn} alone",
            "gossip": f"{view.me.upper()} {'x' * view.turn} quietly hums"}


def answer_of(kind: str, view) -> dict:
    """The answer a scripted teacher gives for `kind`.

    good: the prompt's example orders in words of its own; noisy: the same with a thought without a
    letter (a sense fault, still clean); copy: the good orders, with a line of
    its prompt word for word as thought and gossip (copied words);
    self_buy: a bid for its own good; absurd: the good orders plus a bid at a fifth of a good's last price;
    loop: the good orders with a thought that repeats itself (repeated words);
    coined: the good orders with gossip of coined words, "buy-sell" (coined words);
    no_offer: the good answer accepting an offer nobody made (the rules refuse it; no sense fault).
    """
    last = {b.good: b.last for b in view.books}
    good = {"orders": example_orders(view), **_words(view)}
    if kind == "good":
        return good
    if kind == "noisy":
        return good | {"thinking": "..."}
    if kind == "loop":
        return good | {"thinking": "no, no, no, no, no, no, no, no"}
    if kind == "coined":
        return good | {"gossip": "winter-spring-winterFroze. buy,sell"}
    if kind == "no_offer":
        return good | {"accept": [999]}
    if kind == "copy":
        said = f"You must NEVER buy {view.produces}: only sell it."  # a line of its prompt, word for word
        return good | {"thinking": said, "gossip": said}
    if kind == "self_buy":
        return good | {"orders": [{"side": "buy", "good": view.produces, "qty": 1, "price": last[view.produces]}]}
    if kind == "absurd":
        other = _other_good(view)
        return good | {"orders": [*good["orders"], {"side": "buy", "good": other, "qty": 1,
                                                    "price": max(1, last[other] // 5)}]}
    raise ValueError(kind)


@dataclass
class ScriptedTeacher:
    """Candidate i answers as `script[i]`; `seasons` are the season seeds it may be asked in."""

    script: tuple[str, ...]
    seasons: tuple[int, ...] = (1,)
    model: str = TEACHER
    seeded = True

    def __post_init__(self) -> None:
        self.asked: list[tuple[int, int, str, int | None]] = []
        """(season, turn, creature, seed) of every request, in the order asked."""

    def index(self, view, seed: int | None) -> tuple[int, int]:
        """(season, candidate index) a seed stands for (season 0 and index 0 without a seed)."""
        if seed is None:
            return 0, 0
        for season in self.seasons:
            i = (seed - sampling_seed(season, view.turn, view.me, 0)) % SEED_SPACE
            if i < len(self.script):
                return season, i
        raise AssertionError(f"seed {seed} is no candidate's of {view.me} on turn {view.turn}")

    async def decide(self, view, prompt: str, on_progress=None, seed: int | None = None) -> Reply:
        season, i = self.index(view, seed)
        self.asked.append((season, view.turn, view.me, seed))
        await asyncio.sleep(0)
        if self.script[i] == "fault":
            return Reply(raw="", model=self.model, fault="timeout after 1 s", fault_kind="timeout")
        return Reply(raw=json.dumps(answer_of(self.script[i], view)), model=self.model, tokens=20 + i)

    async def close(self) -> None:
        """Nothing to release."""


class _Handle:
    async def close(self) -> None:
        """Nothing to close."""


@pytest.fixture
def teacher(monkeypatch):
    """Make `start_model_brains` hand out a scripted teacher; returns a function that sets its script."""
    made: list[ScriptedTeacher] = []

    def use(*script: str, seasons: tuple[int, ...] = (1,)) -> list[ScriptedTeacher]:
        async def start(council, models, *, registry=None, progress=None, timeout_s=None):
            brain = ScriptedTeacher(tuple(script), seasons)
            made.append(brain)
            return {name: brain for name, mid in council.items() if mid == TEACHER}, {}, _Handle()

        monkeypatch.setattr(brain_models, "start_model_brains", start)
        return made

    return use


def collect(out: Path, *, best_of: int, seeds: list[int] = [1], turns: int = 2) -> Played:
    return asyncio.run(play_seeds(TEACHER, seeds, turns, out, registry=load_registry(None), progress=False,
                                  best_of=best_of))


# -- seeds -----------------------------------------------------------------------------------------------


def test_sampling_seeds_are_deterministic_and_distinct():
    creatures = ("Oona", "Sorrel", "Fennick", "Bramble")
    decisions = [(s, t, c) for s in (1, 2, 1001) for t in range(1, 41) for c in creatures]
    seeds = [sampling_seed(s, t, c, i) for s, t, c in decisions for i in range(8)]
    assert seeds == [sampling_seed(s, t, c, i) for s, t, c in decisions for i in range(8)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= x < SEED_SPACE for x in seeds)


def test_every_candidate_is_asked_with_its_own_seed_at_once(teacher, tmp_path):
    made = teacher("good", "noisy", "copy")
    collect(tmp_path, best_of=3, turns=2)
    asked = made[0].asked
    creatures = [t.name for t in load_scenario().traders]
    assert len(asked) == 2 * len(creatures) * 3
    for turn in (1, 2):
        for name in creatures:
            seeds = [seed for _, t, c, seed in asked if (t, c) == (turn, name)]
            assert seeds == [sampling_seed(1, turn, name, i) for i in range(3)]
    # a turn's requests all go out before any is judged: the first 3 x creatures asks are all of turn 1
    assert {t for _, t, _, _ in asked[: 3 * len(creatures)]} == {1}


# -- choosing ------------------------------------------------------------------------------------------


def test_the_best_candidate_is_played_traced_and_kept(teacher, tmp_path):
    teacher("self_buy", "copy", "absurd", "noisy", "good", "fault")
    played = collect(tmp_path, best_of=6, turns=2)
    decisions = read_decisions(played.candidates[0])
    rows = [r for r in read_rows(played.traces[0]) if r["creature"] != PATRON]
    assert len(decisions) == len(rows) == 8
    for d, row in zip(decisions, rows):
        assert (d["turn"], d["creature"]) == (row["turn"], row["creature"])
        checks = [c["check"] for c in d["candidates"]]
        assert checks[0] == "self_buy" and checks[1] == "copied_words" and checks[2] == "absurd_price"
        assert checks[5] == "fault" and d["candidates"][5]["score"] == -100.0
        assert d["candidates"][4]["score"] == d["candidates"][3]["score"] + 1  # the noisy thought costs one
        assert d["chosen"] == 4 and d["check"] is None and d["why"].startswith("passes every check")
        assert row["raw"] == d["candidates"][4]["raw"]  # the game played the chosen answer
    examples, report = filter_traces(played.traces, TEACHER, sense_checks=True, choices=read_choices(played.traces))
    assert report.kept == len(examples) > 0
    assert all(e.choice["chosen"] == 4 and e.choice["n"] == 6 for e in examples)
    assert json.loads(example_line(examples[0]))["best_of"]["scores"][5] == -100.0


def test_a_clean_candidate_beats_a_higher_scoring_one_that_fails_a_check(teacher, tmp_path):
    teacher("no_offer", "noisy")
    played = collect(tmp_path, best_of=2, turns=1)
    for d in read_decisions(played.candidates[0]):
        refused, clean = d["candidates"]
        assert refused["check"] == "refused" and [r["code"] for r in refused["refused"]] == ["unknown_offer"]
        assert clean["check"] is None and clean["score"] < refused["score"]
        assert d["chosen"] == 1


@pytest.mark.parametrize("style,check,fault,other", [
    ("loop", "repeated_words", "thinking_repeats", "gossip_repeats"),  # "no, no, no, ..." as the thought
    ("coined", "coined_words", "gossip_coined", "thinking_coined"),    # "buy-sell" in the gossip
])
def test_words_that_repeat_or_coin_are_not_chosen_and_not_kept(teacher, tmp_path, style, check, fault, other):
    teacher(style, "good")
    played = collect(tmp_path, best_of=2, turns=1)
    for d in read_decisions(played.candidates[0]):
        odd, good = d["candidates"]
        assert odd["check"] == check and odd["faults"][fault] == 1
        assert good["faults"][fault] == 0 and odd["faults"][other] == 0  # only the one text is odd
        assert good["check"] is None and d["chosen"] == 1


def _as_played_before_the_check(played) -> None:
    """Rewrite a collect as if candidate 0 had been played (a collect made before a check existed)."""
    path, cpath = played.traces[0], played.candidates[0]
    decisions = {(d["turn"], d["creature"]): d for d in read_decisions(cpath)}
    rows = []
    for row in read_rows(path):
        d = decisions.get((row["turn"], row["creature"]))
        if d is not None:
            row = row | {k: d["candidates"][0].get(k) for k in ANSWER_KEYS}
            d["chosen"] = 0
        rows.append(row)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cpath.write_text("".join(json.dumps(d) + "\n" for d in decisions.values()))


def test_the_filter_chooses_again_with_todays_checks(teacher, tmp_path):
    teacher("loop", "good")
    played = collect(tmp_path, best_of=2, turns=2)
    _as_played_before_the_check(played)
    stale, stale_report = filter_traces(played.traces, TEACHER, sense_checks=True)
    assert stale == [] and stale_report.rejected["repeated_words"] == stale_report.answers == 8
    again, report = filter_traces(played.traces, TEACHER, sense_checks=True,
                                  decisions=read_decision_map(played.traces))
    assert report.kept == len(again) == 8 and report.rechosen == 8
    assert all(e.choice["chosen"] == 1 and e.choice["played"] == 0 for e in again)
    assert all("no, no" not in e.answer and "weighs turn" in e.answer for e in again)
    assert "chosen again by the filter" in again[0].choice["why"]


def test_rechoose_keeps_the_played_row_when_it_is_still_best(teacher, tmp_path):
    teacher("good", "loop")
    played = collect(tmp_path, best_of=2, turns=1)
    decisions = read_decision_map(played.traces)
    row = next(r for r in read_rows(played.traces[0]) if r["creature"] != PATRON)
    same, choice = rechoose(row, decisions[f"{played.traces[0].name}:t1:{row['creature']}"])
    assert same is row and choice["chosen"] == choice["played"] == 0
    assert choice["checks"] == [None, "repeated_words"]


def test_ties_go_to_the_lowest_index(teacher, tmp_path):
    teacher("absurd", "good", "good")
    played = collect(tmp_path, best_of=3, turns=1)
    for d in read_decisions(played.candidates[0]):
        assert d["candidates"][1]["score"] == d["candidates"][2]["score"]
        assert d["chosen"] == 1 and "tied with 2" in d["why"]


def test_choose_ranks_clean_then_score_then_index():
    def cand(i: int, check: str | None, score: float) -> Candidate:
        return Candidate(i, i, Reply(raw="", model="m"), {}, check, None, score)

    assert choose([cand(0, "self_buy", 0.0), cand(1, None, -3.0), cand(2, None, -1.0), cand(3, None, -1.0)]).index == 2
    assert choose([cand(0, "fault", -100.0), cand(1, "refused", -2.0), cand(2, "copied_words", -2.0)]).index == 1


def test_the_rules_judge_each_candidate_on_a_copy_of_the_turn(teacher, tmp_path):
    """A candidate the rules would refuse is marked so, and asking the rules changes nothing in the game."""
    sc = load_scenario()
    brain = ScriptedTeacher(("self_buy", "good"))
    state = new_game(sc, 1, council_of(TEACHER, sc))
    log = CandidateLog()
    game = Game(state=state, brains={PATRON: SchemingPatron()}, quirks={})
    game.brains |= {t.name: BestOfBrain(brain, 2, 1, lambda: game.state, {}, log) for t in sc.traders}
    plain = new_game(sc, 1, council_of(TEACHER, sc))
    good = ScriptedTeacher(("good",))
    asyncio.run(game.play(1))
    asyncio.run(Game(state=plain, brains={PATRON: SchemingPatron(), **{t.name: good for t in sc.traders}},
                     quirks={}).play(1))
    assert game.state == plain  # the copies the rules were asked on left no trace
    for d in log.decisions:
        refused = d["candidates"][0]["refused"]
        assert [r["code"] for r in refused] == ["self_buy"] and d["chosen"] == 1


def test_best_of_needs_a_seeded_brain():
    class Unseeded:
        model = "m"

    with pytest.raises(TypeError, match="seed"):
        BestOfBrain(Unseeded(), 2, 1, lambda: None, {})


# -- best of 1 is the first generation ----------------------------------------------------------------------


def test_best_of_1_is_the_first_generation_byte_for_byte(teacher, tmp_path):
    made = teacher("good", "noisy")
    played = collect(tmp_path / "gen1", best_of=1, turns=3)
    assert played.candidates == [] and not candidates_path(played.traces[0]).exists()
    assert all(seed is None for *_, seed in made[0].asked)  # asked once, without a seed, as before
    marker = json.loads((tmp_path / "gen1" / "seed-1.json").read_text())
    assert "best_of" not in marker["params"]  # seasons collected before best-of-n stay reusable
    # what the first generation's collect did: one Game, the teacher for every creature, the scheming Patron
    sc = load_scenario()
    before = tmp_path / "before.jsonl"
    brain = ScriptedTeacher(("good",))
    game = Game(state=new_game(sc, 1, council_of(TEACHER, sc)), quirks={}, traces_path=before,
                brains={**{t.name: brain for t in sc.traders}, PATRON: SchemingPatron()})
    asyncio.run(game.play(3))
    assert _without_timing(played.traces[0]) == _without_timing(before)
    examples, report = filter_traces(played.traces, TEACHER)
    assert not report.sense_checks and report.kept == len(examples) > 0
    assert [example_line(e) for e in examples] == [
        json.dumps({"source": e.source, "prompt": e.prompt, "answer": e.answer}, ensure_ascii=False) + "\n"
        for e in examples]


def _without_timing(path: Path) -> list[dict]:
    """Trace rows without the wall-clock latency (the only field two plays of a season may differ in)."""
    return [{k: v for k, v in row.items() if k != "latency_s"} for row in read_rows(path)]


# -- resuming --------------------------------------------------------------------------------------------


def test_best_of_seasons_resume_and_replay_only_when_asked_differently(teacher, tmp_path):
    made = teacher("noisy", "good", seasons=(1, 2))
    first = collect(tmp_path, best_of=2, seeds=[1, 2], turns=2)
    files = {p: p.read_bytes() for p in [*first.traces, *first.candidates]}
    again = collect(tmp_path, best_of=2, seeds=[1, 2], turns=2)
    assert again.reused == 2 and len(made) == 1  # no brain was even started the second time
    assert {p: p.read_bytes() for p in [*again.traces, *again.candidates]} == files
    assert again.series == first.series and again.series[0]["hunger_by_turn"]
    # an interrupted season (traces without the marker) is played again, to the same candidates
    (tmp_path / "seed-2.json").unlink()
    third = collect(tmp_path, best_of=2, seeds=[1, 2], turns=2)
    assert third.reused == 1 and {p: p.read_bytes() for p in third.candidates} == {
        p: files[p] for p in first.candidates}
    # asked best-of 3, the seasons are played again
    made[-1:] = []
    teacher("noisy", "good", "good", seasons=(1, 2))
    assert collect(tmp_path, best_of=3, seeds=[1, 2], turns=2).reused == 0


# -- the filter's sense checks ---------------------------------------------------------------------------------


def test_the_sense_checks_drop_copied_words_coined_words_and_absurd_prices(teacher, tmp_path):
    teacher("copy")
    copied = collect(tmp_path / "copy", best_of=1, turns=1)
    teacher("absurd")
    absurd = collect(tmp_path / "absurd", best_of=1, turns=1)
    teacher("coined")
    odd = collect(tmp_path / "coined", best_of=1, turns=1)
    for played, reason in ((copied, "copied_words"), (absurd, "absurd_price"), (odd, "coined_words")):
        _, off = filter_traces(played.traces, TEACHER)
        _, on = filter_traces(played.traces, TEACHER, sense_checks=True)
        assert off.kept == 4 and off.rejected[reason] == 0
        assert on.kept == 0 and on.rejected[reason] == 4 and on.as_dict()["rejected"][reason] == 4


def test_sense_reason_limits():
    faults = dict.fromkeys(("thinking_copied", "gossip_copied", "absurd_price"), 0)
    assert sense_reason(faults) is None and sense_reason(None) is None
    assert sense_reason(faults | {"thinking_copied": 1}) == "copied_words"
    assert sense_reason(faults | {"absurd_price": 2}) == "absurd_price"
    assert sense_reason(faults | {"gossip_coined": 1}) == "coined_words"
    assert sense_reason(faults | {"thinking_coined": 1, "absurd_price": 1}) == "coined_words"  # checked first
    assert sense_reason(faults | {"thinking_repeats": 1, "gossip_coined": 1}) == "repeated_words"
    assert row_faults({"parsed": None}) is None


def test_selection_figures_say_what_the_choice_bought(teacher, tmp_path):
    teacher("self_buy", "good")
    played = collect(tmp_path, best_of=2, turns=2)
    s = selection_figures(played.traces)
    assert (s["decisions"], s["candidates"], s["best_of"]) == (8, 16, [2])
    assert (s["clean_share_first"], s["clean_share_chosen"], s["clean_share_all"]) == (0.0, 1.0, 0.5)
    assert s["chosen_not_first"] == 8 and s["score_mean_chosen"] > s["score_mean_first"]
    assert selection_figures([tmp_path / "nowhere.jsonl"]) is None


# -- the judge's decision measures ---------------------------------------------------------------------------


def test_judged_figures_carry_the_sense_measures_of_the_traces(teacher, tmp_path):
    teacher("noisy")
    played = collect(tmp_path, best_of=1, turns=3)
    f = figures(played)
    tally = SenseTally()
    for row in read_rows(played.traces[0]):
        if row["model"] == TEACHER:
            tally.add(row)
    assert f["sense"]["answers"] == tally.figures()["answers"] == 12
    assert f["sense"]["needs"]["buys"] == tally.figures()["needs"]["buys"] > 0
    assert f["sense"]["needs"]["turns"] == 12  # 4 creatures x 3 turns of meals and cold, from the series
    assert f["sense"]["voice"]["gossip"]["distinct"] == 12


def test_meals_missed_and_cold_turns_come_from_the_series(tmp_path):
    row = {"turn": 1, "creature": "Oona", "model": "m", "prompt": "p", "parsed": {"thinking": "", "orders": [],
           "gossip": ""}, "situation": None}
    traces = tmp_path / "seed-1.jsonl"
    traces.write_text(json.dumps(row) + "\n" + json.dumps(row | {"turn": 2}) + "\n")
    series = {"produces": {"Oona": "honey", "Sorrel": "acorns"}, "trades": [],
              "hunger_by_turn": {"Oona": [0, 1, 3], "Sorrel": [0, 5, 9]}, "cold_by_turn": {"Oona": [0, 0, 1],
                                                                                          "Sorrel": [0, 1, 2]}}
    needs = sense_of(Played("m", traces=[traces], summaries=[{}], series=[series]))["needs"]
    assert (needs["meals_missed"], needs["cold_turns"], needs["turns"]) == (3, 1, 2)  # Sorrel is not this model's
    older = sense_of(Played("m", traces=[traces], summaries=[{}]))  # a season recorded without series
    assert older["needs"] is None and older["answers"] == 2


def _fig(model: str, buys_short: int, copied: int, distinct: int) -> dict:
    sense = {"answers": 10, "answers_bid_and_ask": 1,
             "needs": {"buys": 10, "buys_short": buys_short, "need_now_affordable": 0, "need_now_unbought": 0,
                       "meals_missed": 2, "cold_turns": None, "unmet_affordable": 1},
             "sanity": {"absurd": 1, "orders_priced": 20, "sells_not_held": 0, "sells": 5},
             "voice": {"thinking": {"copied": copied, "texts": 10}, "gossip": {"copied": 0, "texts": 10,
                                                                              "distinct": distinct, "lines": 10}}}
    return {"model": model, "sense": sense}


def test_sense_table_and_verdict():
    teacher_, student = _fig("t", 5, 8, 3), _fig("s", 9, 0, 3)
    lines = sense_table(teacher_, student, _fig("b", 1, 10, 1))
    assert lines[0] == "| decision measure | teacher t | base student b | student s |"
    rows = {line.split(" | ")[0][2:]: line for line in lines[2:]}
    assert len(rows) == len(SENSE_ROWS)
    assert rows["buys of goods the creature is short of"].endswith("| 5 / 10 (50%) | 1 / 10 (10%) | 9 / 10 (90%) |")
    assert rows["cold turns (all creatures, all seasons)"].endswith("| n/a | n/a | n/a |")
    assert rows["short now and could afford it, bought none"].endswith("| 0 / 0 | 0 / 0 | 0 / 0 |")
    v = sense_verdict(teacher_, student)
    assert v["better"] == ["buys of goods the creature is short of", "thinking copied from the prompt"]
    assert v["worse"] == [] and "cold turns (all creatures, all seasons)" in v["n/a"]
    assert "better on 2" in v["text"]
    # 9/10 against 5/10 could be chance (Fisher p 0.14); 0/10 copied against 8/10 could not
    assert v["better_shown"] == ["thinking copied from the prompt"] and v["worse_shown"] == [] and v["ahead"]
    assert v["p"]["buys of goods the creature is short of"] == pytest.approx(0.1409, abs=1e-4)
    assert "(p 0.141)" in v["text"] and "better on 1, worse on 0" in v["text"]


def test_the_verdict_weighs_each_difference_against_chance():
    """Fifth generation's judge (docs/distill-gen5.md): worse by one answer of 144, and on a share of the
    teacher's 3 gossip lines, is not shown; far fewer meals missed over the same creature-turns is."""
    teacher_, student = _fig("t", 66, 0, 3), _fig("s", 177, 1, 119)
    for fig, (buys, meals, turns, lines) in ((teacher_, (88, 149, 141, 3)), (student, (186, 11, 144, 139))):
        fig["sense"]["needs"].update(buys=buys, meals_missed=meals, turns=turns)
        fig["sense"]["voice"]["thinking"]["texts"] = turns
        fig["sense"]["voice"]["gossip"]["lines"] = lines
    v = sense_verdict(teacher_, student)
    assert "thinking copied from the prompt" in v["worse"] and "distinct gossip lines" in v["worse"]
    assert v["worse_shown"] == []
    assert v["better_shown"] == ["buys of goods the creature is short of", "meals missed (all creatures, all seasons)"]
    assert v["ahead"] and "AHEAD of" in v["text"]
    student["sense"]["needs"]["meals_missed"] = 400  # now worse, and far beyond chance
    v = sense_verdict(teacher_, student)
    assert "meals missed (all creatures, all seasons)" in v["worse_shown"] and not v["ahead"]
    assert "NOT shown ahead of" in v["text"]


def test_a_silent_model_does_not_look_original():
    """Sixth generation's judge (docs/distill-gen6.md): the teacher wrote gossip in 6 of its 143 answers
    and copied none; the student copied 6 of 143 lines. Over all answers that read 0 / 143 against 6 / 143
    (p 0.03, "worse"); over the lines written it is 0 / 6 against 6 / 143, no evidence either way."""
    teacher_, student = _fig("t", 5, 0, 3), _fig("s", 9, 0, 3)
    teacher_["sense"]["voice"]["gossip"] |= {"copied": 0, "texts": 143, "empty": 137, "written": 6}
    student["sense"]["voice"]["gossip"] |= {"copied": 6, "texts": 144, "empty": 1, "written": 143}
    rows = {line.split(" | ")[0][2:]: line for line in sense_table(teacher_, student)[2:]}
    assert rows["gossip copied from the prompt"].endswith("| 0 / 6 (0%) | 6 / 143 (4%) |")
    v = sense_verdict(teacher_, student)
    assert "gossip copied from the prompt" in v["worse"] and v["worse_shown"] == []
    assert v["p"]["gossip copied from the prompt"] == pytest.approx(1.0)
    for fig in (teacher_, student):  # figures recorded before "written": texts less empty
        del fig["sense"]["voice"]["gossip"]["written"]
    assert sense_verdict(teacher_, student)["p"] == v["p"]
    teacher_["sense"]["voice"]["gossip"]["empty"] = 0  # a teacher that spoke every time and never copied
    assert "gossip copied from the prompt" in sense_verdict(teacher_, student)["worse_shown"]


def test_recorded_judge_seasons_are_scored_again_as_they_were(teacher, tmp_path):
    teacher("noisy")
    judged = tmp_path / "judge"
    played = {role: collect(judged / role, best_of=1, seeds=[2, 1], turns=2) for role in ("teacher", "student")}
    again = rescore(judged)
    assert "base" not in again and again["verdict"]["no_worse"]
    for role in ("teacher", "student"):
        assert again[role]["sense"] == figures(played[role])["sense"]
        assert again[role]["answers"] == figures(played[role])["answers"] == 16
    assert recorded(judged / "teacher").traces == [judged / "teacher" / f"seed-{s}.jsonl" for s in (1, 2)]
    (judged / "teacher" / "seed-2.jsonl").unlink()
    with pytest.raises(ValueError, match="seed-2.jsonl are missing"):
        rescore(judged)
    (judged / "teacher" / "seed-2.json").write_text("{not json")
    with pytest.raises(ValueError, match="seed-2.json: not a judged season's record"):
        recorded(judged / "teacher")
    with pytest.raises(ValueError, match="no judged seasons"):
        recorded(tmp_path / "nowhere")


def test_sense_table_counts_coined_words_and_reads_older_figures_as_n_a():
    older, newer = _fig("t", 5, 8, 3), _fig("s", 9, 0, 3)  # older figures carry no "coined"
    newer["sense"]["voice"]["gossip"]["coined"] = 2
    newer["sense"]["voice"]["thinking"]["coined"] = 0
    rows = {line.split(" | ")[0][2:]: line for line in sense_table(older, newer)[2:]}
    assert rows["gossip with coined words"].endswith("| n/a | 2 / 10 (20%) |")
    assert rows["thinking with coined words"].endswith("| n/a | 0 / 10 (0%) |")
    assert "gossip with coined words" in sense_verdict(older, newer)["n/a"]


def test_the_report_shows_the_decision_measures_and_the_selection():
    judged = {"answers": 8, "valid_answer_rate": 1.0, "valid_actions_per_answer": 1.0, "self_buy_rate": 0.0,
              "self_buy_attempts": 0, "refused_actions": 0, "answers_lost": 0, "dropped_actions": 0,
              "creature_net_worth_mean": 1.0, "latency_mean_s": 1.0, "tokens_per_answer": 9.0,
              "answers_lost_why": {}, "drop_reasons": {}}
    t, s = judged | _fig("t", 5, 8, 3), judged | _fig("s", 9, 0, 3)
    selection = {"decisions": 8, "candidates": 32, "clean_share_all": 0.5, "clean_share_first": 0.25,
                 "clean_share_chosen": 1.0, "score_mean_all": -2.0, "score_mean_first": -2.5,
                 "score_mean_chosen": -0.5, "chosen_not_first": 5}
    report = {"teacher": "t", "student": "b", "name": "s",
              "collect": {"seeds": [1], "turns": 2, "answers": 8, "structured": "json_schema", "seasons_reused": 0,
                          "best_of": 4, "selection": selection},
              "filter": {"kept": 8, "answers": 8, "kept_rate": 1.0, "rejected": {"copied_words": 0}},
              "train": {"train_examples": 8, "heldout_examples": 0, "steps": 2, "reused": True,
                        "heldout_loss_last": None, "loss_png": None, "model_dir": "m"},
              "register": {"id": "s", "file": "f"},
              "judge": {"seeds": [1001], "turns": 2, "teacher": t, "student": s},
              "verdict": {"text": "the student TIED"}, "sense_verdict": sense_verdict(t, s), "time_s": {}}
    text = render(report)
    assert "best of 4" in text and "50% of all candidates, 25% of first candidates, 100% of chosen" in text
    assert "| buys of goods the creature is short of | 5 / 10 (50%) | 9 / 10 (90%) |" in text
    assert "decision measures, student against teacher: better on 2" in text
