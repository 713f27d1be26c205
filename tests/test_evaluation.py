"""The measurement layer: eval reports, resume, compare verdicts, open-traces export (scripted councils)."""

from __future__ import annotations

import doctest
import json
import math
import statistics
from pathlib import Path

import pytest

from engine.brains.base import FAULT_KINDS
from engine.core.economy import gini
from engine.lab.evaluation import EvalError, compare, export, figures, report, season
from engine.lab.evaluation.compare import CompareOptions, run_compare, verdict
from engine.lab.evaluation.export import export_traces
from engine.lab.evaluation.report import EvalOptions, run_eval
from engine.lab.evaluation.sense_figures import Outcome, SenseTally
from engine.play.seeds import SeedsError, parse_seeds

TURNS = 8
SEEDS = [1, 2]
CAUTIOUS = "Oona=scripted:cautious,Sorrel=scripted:cautious,Fennick=scripted:cautious,Bramble=scripted:cautious"
SPECULATORS = CAUTIOUS.replace("cautious", "speculator")


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """One scripted evaluation, 2 seeds of 8 turns: (report, folder)."""
    out = tmp_path_factory.mktemp("eval")
    rep = run_eval(EvalOptions(council="scripted", turns=TURNS, seeds=SEEDS, out=str(out), progress=False))
    return rep, out


def rows_of(out: Path, seed: int) -> list[dict]:
    return [json.loads(line) for line in (out / "seasons" / f"seed-{seed}" / "traces.jsonl").read_text().splitlines()]


def record_of(out: Path, seed: int) -> dict:
    return json.loads((out / "seasons" / f"seed-{seed}" / "season.json").read_text())


# -- pure figures ---------------------------------------------------------------------------------

def test_doctests_of_the_figure_helpers():
    for mod in (figures, report, export, compare):
        result = doctest.testmod(mod)
        assert result.failed == 0


def _h(*p: float) -> float:
    return -sum(x * math.log2(x) for x in p if x)


@pytest.mark.parametrize(("a", "b", "expected"), [
    ({"buy": 1}, {"buy": 3}, 0.0),
    ({"buy": 1}, {"sell": 1}, 1.0),
    ({"buy": 1, "sell": 1}, {"buy": 1}, _h(0.75, 0.25) - (_h(0.5, 0.5) + _h(1.0)) / 2),  # H(mixture) - mean H
])
def test_jensen_shannon_divergence(a, b, expected):
    assert figures.js_divergence(a, b) == pytest.approx(expected)
    assert figures.js_divergence(b, a) == pytest.approx(expected)


def test_entropy_of_an_even_four_way_mix_is_two_bits():
    assert figures.entropy_bits({"buy": 2, "sell": 2, "hold": 2, "gossip": 2}) == pytest.approx(2.0)
    assert figures.entropy_bits({"hold": 5}) == 0.0


def test_seeds_parse_and_refuse():
    assert parse_seeds("3,1-2") == [3, 1, 2]
    assert parse_seeds(" 1-4, 9") == [1, 2, 3, 4, 9]
    for bad, shown in (("", "'' in ''"), ("1,1", "seed 1 twice"), ("x", "'x' in 'x'"), ("1,x", "'x'"),
                       ("5-3", "'5-3'"), ("1-3,2", "seed 2 twice"), ("-1", "'-1'"), ("1,", "'' in '1,'")):
        with pytest.raises(SeedsError) as err:
            parse_seeds(bad)
        assert shown in str(err.value)


def test_a_bad_seed_list_is_a_usage_error_of_every_command(capsys):
    from tokenwood_tui.cli import main

    for command in (["eval"], ["compare"], ["distill", "--judge-seeds", "1001"]):
        with pytest.raises(SystemExit) as stop:
            main([*command, "--seeds", "1,1"])
        assert stop.value.code == 2
        assert "names seed 1 twice" in capsys.readouterr().err


# -- the eval report ------------------------------------------------------------------------------

def test_report_files_exist(evaluated):
    rep, out = evaluated
    for name in ("report.json", "report.md"):
        assert (out / name).stat().st_size > 0
    for s in SEEDS:
        assert (out / "seasons" / f"seed-{s}" / "season.json").is_file()
    if rep["charts"]:
        for c in rep["charts"]:
            assert (out / c).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert "matplotlib" in rep["charts_note"]
    assert json.loads((out / "report.json").read_text()) == json.loads(json.dumps(rep))


def test_per_trader_figures_match_a_hand_count_of_the_traces(evaluated):
    rep, out = evaluated
    rows = [r for s in SEEDS for r in rows_of(out, s) if r["creature"] == "Bramble"]
    assert len(rows) == TURNS * len(SEEDS)
    buys = sum(o["side"] == "buy" for r in rows for o in r["parsed"]["orders"])
    sells = sum(o["side"] == "sell" for r in rows for o in r["parsed"]["orders"])
    gossip = sum(bool(r["parsed"]["gossip"].strip()) for r in rows)
    accepts = sum(len(r["parsed"]["accept"]) for r in rows)
    valid = sum(len(r["parsed"][k]) for r in rows for k in ("orders", "cancel", "accept", "decline"))
    f = rep["traders"]["Bramble"]
    assert f["model"] == "scripted:cautious"
    assert f["answers"] == len(rows)
    assert f["valid_actions"] == valid
    assert (f["action_mix"]["buy"], f["action_mix"]["sell"], f["action_mix"]["gossip"], f["action_mix"]["accept"]) \
        == (buys, sells, gossip, accepts)
    assert f"| Bramble | scripted:cautious | {len(rows)} |" in (out / "report.md").read_text()


def test_per_model_figures_agree_with_the_engines_own_counts(evaluated):
    rep, out = evaluated
    for model, f in rep["models"].items():
        engine = [record_of(out, s)["summary"]["models"][model] for s in SEEDS]
        for key in ("answers", "answers_with_valid_action", "valid_actions", "repaired_answers",
                    "dropped_actions", "self_buy_attempts", "timeouts"):
            assert f[key] == sum(e[key] for e in engine), (model, key)


def test_net_worth_per_turn_reproduces_the_engines_gini_and_final_worth(evaluated):
    rep, out = evaluated
    for s in rep["seasons"]:
        worth = s["net_worth_by_turn"]
        assert all(len(p) == TURNS for p in worth.values())
        assert {n: p[-1] for n, p in worth.items()} == s["net_worth_final"]
        assert [gini([worth[n][t] for n in worth]) for t in range(TURNS)] == s["gini_by_turn"]


def test_per_model_net_worth_is_the_mean_end_of_its_traders(evaluated):
    rep, out = evaluated
    ends = [record_of(out, s)["summary"]["net_worth"][n] for s in SEEDS for n in ("Sorrel", "Fennick")]
    mean_end = rep["models"]["scripted:speculator"]["net_worth"]["end_mean"]
    assert mean_end == pytest.approx(sum(ends) / len(ends), abs=0.01)


def test_season_figures_by_hand(evaluated):
    rep, out = evaluated
    for s in rep["seasons"]:
        summ = record_of(out, s["seed"])["summary"]
        assert s["trades_per_turn"] == pytest.approx(sum(summ["trades_by_turn"]) / TURNS, abs=1e-4)
        assert s["prompt_chars_by_turn"] == summ["prompt_chars_by_turn"]
        assert s["firewall_leaks"] == 0 and s["conservation_ok"] is True
        for good, path in s["price_by_turn"].items():
            assert len(path) == TURNS + 1
            changes = [math.log(b / a) for a, b in zip(path, path[1:])]
            assert s["volatility"][good] == pytest.approx(statistics.pstdev(changes), abs=1e-5)
        moved = sum(a != b for path in s["price_by_turn"].values() for a, b in zip(path, path[1:]))
        assert s["price_moves_per_turn"] == pytest.approx(moved / TURNS, abs=1e-5)
        trades = record_of(out, s["seed"])["series"]["trades"]
        assert s["distinct_prices"] == len({(t["good"], t["price"]) for t in trades})
        worth = [summ["net_worth"][n] for n in ("Oona", "Sorrel", "Fennick", "Bramble")]
        mean = sum(worth) / 4
        assert s["net_worth_spread"] == pytest.approx(statistics.pstdev(worth) / mean, abs=1e-5)
    assert any(s["volatility_mean"] > 0 for s in rep["seasons"])
    assert any(s["price_moves_per_turn"] > 0 and s["distinct_prices"] > 1 for s in rep["seasons"])


def test_sense_figures_are_in_every_report_and_match_a_hand_count(evaluated):
    rep, out = evaluated
    rows = [r for s in SEEDS for r in rows_of(out, s)]
    md = (out / "report.md").read_text()
    assert "## Sense: needs, sanity, voice" in md
    for name in (*rep["models"], *rep["traders"]):
        assert f"| {name} |" in md.split("## Sense")[1]
    for name, f in rep["traders"].items():
        mine = [r for r in rows if r["creature"] == name]
        orders = [o for r in mine for o in r["parsed"]["orders"]]
        sense = f["sense"]
        assert sense["answers"] == sense["judged"] == len(mine)
        assert sense["sanity"]["orders_priced"] == len(orders)
        assert sense["sanity"]["sells"] == sum(o["side"] == "sell" for o in orders)
        absurd = sum(not 0.5 <= o["price"] / r["situation"]["last"][o["good"]] <= 2
                     for r in mine for o in r["parsed"]["orders"])
        assert sense["sanity"]["absurd"] == absurd
        gossip = [r["parsed"]["gossip"] for r in mine if r["parsed"]["gossip"].strip()]
        assert sense["voice"]["gossip"]["lines"] == len(gossip)
        if name == "Patron":
            assert sense["needs"] is None
            continue
        assert sense["needs"]["buys"] == sum(o["side"] == "buy" for o in orders)
        hunger = [record_of(out, s)["series"]["hunger_by_turn"][name] for s in SEEDS]
        assert sense["needs"]["meals_missed"] == sum(max(0, b - a) for h in hunger for a, b in zip(h, h[1:]))
        assert sense["needs"]["turns"] == TURNS * len(SEEDS)


def test_the_season_series_keep_the_rules_hunger_and_cold_after_every_turn(evaluated):
    _, out = evaluated
    for s in SEEDS:
        series = record_of(out, s)["series"]
        rows = {(r["turn"], r["creature"]): r for r in rows_of(out, s)}
        for name in series["produces"]:
            hunger, cold = series["hunger_by_turn"][name], series["cold_by_turn"][name]
            assert len(hunger) == len(cold) == TURNS + 1 and hunger[0] == cold[0] == 0
            for turn in range(2, TURNS + 1):  # after turn t is what the trader faced deciding turn t + 1
                sit = rows[(turn, name)]["situation"]
                assert (sit["hunger"], sit["cold"]) == (hunger[turn - 1], cold[turn - 1])


def test_a_season_recorded_before_the_sense_measures_reads_as_n_a(evaluated, tmp_path):
    _, out = evaluated
    record = record_of(out, 1)
    for key in ("hunger_by_turn", "cold_by_turn"):
        del record["series"][key]
    rows = [{k: v for k, v in r.items() if k != "situation"} for r in rows_of(out, 1)]
    figs = figures.analyse([(record, rows)])
    sense = figs["traders"]["Oona"]["sense"]
    assert sense["needs"] is None and sense["sanity"] is None and sense["judged"] == 0
    assert sense["voice"]["thinking"]["texts"] == TURNS
    md = report.sense_section(figs["models"], figs["traders"])
    assert any(line.startswith("| Oona | n/a |") for line in md)


def test_the_voice_table_counts_coined_words_and_reads_older_reports_without_them():
    tally = SenseTally()
    tally.add({"turn": 1, "creature": "Oona", "model": "m", "prompt": "", "situation": None,
               "parsed": {"thinking": "buy,sell", "gossip": "winter-spring-winterFroze."}})
    tally.add({"turn": 2, "creature": "Oona", "model": "m", "prompt": "", "situation": None,
               "parsed": {"thinking": "honey now", "gossip": "Snow is here, it's coming in!"}})
    sense_figs = tally.figures()

    def voice_table(figs: dict) -> dict[str, str]:
        md = report.sense_section({"m": {"sense": figs}}, {})
        at = next(i for i, line in enumerate(md) if line.startswith("| model / trader | thinking copied"))
        head, row = md[at], md[at + 2]  # the header, its rule, model m's row
        return dict(zip(head[2:-2].split(" | "), row[2:-2].split(" | ")))

    cells = voice_table(sense_figs)
    names = list(cells)
    assert names.index("thinking coined") == names.index("thinking repeats") + 1
    assert names.index("gossip coined") == names.index("gossip repeats") + 1
    assert (cells["thinking coined"], cells["gossip coined"]) == ("1 / 2 (50%)", "1 / 2 (50%)")
    for field in ("thinking", "gossip"):  # a report.json written before the coined measure
        for key in ("coined", "coined_share"):
            del sense_figs["voice"][field][key]
    older = voice_table(sense_figs)
    assert (older["thinking coined"], older["gossip coined"]) == ("n/a", "n/a")  # not measured, not 0


def test_the_needs_table_tells_unmet_turns_bid_in_full_apart():
    hungry = {"me": "Oona", "produces": "honey", "meals": 2, "foods": ["honey", "acorns", "berries"],
              "goods": {"honey": 9}, "last": {"acorns": 4, "berries": 5}, "pebbles": 30}
    tally = SenseTally()
    for turn, price in ((1, 5), (2, 3)):  # the last price or dearer, then below it: both hungry after
        tally.add({"turn": turn, "creature": "Oona", "model": "m", "prompt": "", "situation": hungry,
                   "parsed": {"orders": [{"side": "buy", "good": "acorns", "qty": 1, "price": price}]}},
                  Outcome(missed=1, cold=False))
    sense_figs = tally.figures()

    def needs_cell(figs: dict) -> str:
        md = report.sense_section({"m": {"sense": figs}}, {})
        at = next(i for i, line in enumerate(md) if "| unmet while affordable |" in line)
        head, row = md[at][2:-2].split(" | "), md[at + 2][2:-2].split(" | ")
        return dict(zip(head, row))["unmet while affordable"]

    assert needs_cell(sense_figs) == "2 (1 bid in full)"
    del sense_figs["needs"]["unmet_bid_in_full"]  # a report.json written before the split
    assert needs_cell(sense_figs) == "2"


def test_latency_quantiles_and_the_top_drop_reasons():
    rows = [{"turn": 1, "creature": "Oona", "model": "m", "parsed": {"orders": []}, "latency_s": x, "tokens": 3,
             "dropped": [{"where": "orders[0]", "reason": f"qty: too small (got {x})"}], "repairs": ["json_repair"],
             "refused": [], "fault": None, "leak": []} for x in range(1, 21)]
    rows.append({"turn": 1, "creature": "Oona", "model": "m", "parsed": None, "latency_s": 99.0, "tokens": 0,
                 "fault": "timeout after 30 s", "fault_kind": "timeout", "leak": []})
    rows.append({"turn": 2, "creature": "Oona", "model": "m", "parsed": None, "latency_s": 0.1, "tokens": 0,
                 "fault": "APIConnectionError: the word timeout in a message", "fault_kind": "refused", "leak": []})
    t = figures.Tally()
    for r in rows:
        t.add(r, {})
    f = t.figures()
    assert (f["latency_median_s"], f["latency_p95_s"]) == (10.5, 19)
    assert (f["answers"], f["timeouts"], f["faults"], f["tokens"]) == (20, 1, 2, 60)
    assert f["faults_by_kind"] == {**{k: 0 for k in FAULT_KINDS}, "timeout": 1, "refused": 1}
    assert f["top_drop_reasons"] == [("qty: too small", 20)]
    assert f["answers_with_drops"] == 20 and f["repaired_answers"] == 20 and f["action_mix"]["hold"] == 20


# -- resume ---------------------------------------------------------------------------------------

def test_resume_skips_finished_seasons_and_replays_an_interrupted_one(tmp_path, monkeypatch):
    played: list[int] = []
    original = season.play_season

    async def counting(run, **kw):
        played.append(run.seed)
        if run.seed == 2 and played.count(2) == 1:  # the first attempt at seed 2 is interrupted mid-season
            Path(run.traces).write_text('{"turn": 1, "creature": "Oona"}\n')
            raise KeyboardInterrupt
        return await original(run, **kw)

    monkeypatch.setattr(season, "play_season", counting)
    opts = EvalOptions(council="scripted", turns=4, seeds=[1, 2], out=str(tmp_path), progress=False, charts=False,
                       parallel=1)
    with pytest.raises(KeyboardInterrupt):
        run_eval(opts)
    assert played == [1, 2] and not (tmp_path / "seasons" / "seed-2" / "season.json").exists()
    rep = run_eval(opts)
    assert played == [1, 2, 2] and rep["played_now"] == [2] and rep["reused"] == [1]
    assert len(rows_of(tmp_path, 2)) == 4 * 5  # the partial traces were thrown away
    run_eval(opts)
    assert played == [1, 2, 2]
    opts.seeds = [1, 2, 3]
    run_eval(opts)
    assert played == [1, 2, 2, 3]


def test_resume_refuses_a_folder_of_another_evaluation(evaluated):
    _, out = evaluated
    with pytest.raises(EvalError, match="turns"):
        run_eval(EvalOptions(council="scripted", turns=TURNS + 1, seeds=SEEDS, out=str(out), progress=False))
    with pytest.raises(EvalError, match="council"):
        run_eval(EvalOptions(council=CAUTIOUS, turns=TURNS, seeds=SEEDS, out=str(out), progress=False))


def test_bad_requests_are_eval_errors(tmp_path):
    for opts in (EvalOptions(council="Oona=nobody-1b,Mole=scripted", seeds=[1]),
                 EvalOptions(council="scripted", turns=0, seeds=[1])):
        opts.out = str(tmp_path)
        with pytest.raises(EvalError):
            run_eval(opts)
    assert not any(tmp_path.iterdir())


# -- compare --------------------------------------------------------------------------------------

def test_compare_writes_a_verdict_with_its_numbers(tmp_path):
    res = run_compare(CompareOptions(hetero="scripted", homo=[CAUTIOUS, SPECULATORS], seeds=SEEDS, turns=6,
                                     out=str(tmp_path), progress=False, charts=False))
    assert list(res["figures"]) == ["hetero", "homo-scripted-cautious", "homo-scripted-speculator"]
    v = res["verdict"]
    assert v["status"] == "not enough evidence"  # two seeds can never give p < 0.05
    het = res["figures"]["hetero"]
    hetero_report = json.loads((tmp_path / "hetero" / "report.json").read_text())
    cautious_report = json.loads((tmp_path / "homo-scripted-cautious" / "report.json").read_text())
    divs = [s["action_divergence_jsd"] for s in hetero_report["seasons"]]
    assert het["action_divergence_jsd"] == pytest.approx(sum(divs) / len(divs), abs=1e-5)
    for m in compare.PARTS["liveliness"]:  # each test pairs the two councils' seasons seed by seed
        diffs = [a[m] - b[m] for a, b in zip(hetero_report["seasons"], cautious_report["seasons"])]
        t = v["tests"][m]["homo-scripted-cautious"]
        assert t["effect"] == pytest.approx(sum(diffs) / len(diffs)) and t["n"] == 2
        assert t["lo"] <= t["effect"] <= t["hi"] and t["call"] == "not enough evidence"
    assert set(v["tests"]) == {"action_divergence_jsd", *compare.PARTS["liveliness"], "net_worth_spread"}
    assert v["details"][0] == f"Behaviour: {v['behaviour']}; liveliness: {v['liveliness']}."
    assert len(v["details"]) == 1 + 2 * len(v["tests"])  # one line per measure and homogeneous council
    assert all("95% interval" in d and "not enough evidence" in d for d in v["details"][1:])
    assert v["power"].startswith("Power: 2 seed(s) per council")
    md = (tmp_path / "compare.md").read_text()
    assert v["text"] in md and "homo-scripted-cautious" in md and v["power"] in md
    assert json.loads((tmp_path / "compare.json").read_text())["verdict"] == v


def _rows(het: float, homo: float, seeds: int = 8) -> dict:
    """Two councils whose per-seed values differ by het - homo on every seed, with a little noise."""
    def council(base: float) -> dict:
        per_seed = {str(s): {m: base + 0.01 * (s % 3) for m in compare.METRICS} for s in range(seeds)}
        return {m: base for m in compare.METRICS} | {"per_seed": per_seed}
    return {"hetero": council(het), "homo-a": council(homo)}


def test_verdict_follows_the_paired_tests():
    up = verdict(_rows(2.0, 1.0))
    assert (up["status"], up["behaviour"], up["liveliness"]) == ("supported", "yes", "yes")
    t = up["tests"]["trades_per_turn"]["homo-a"]
    assert (t["effect"], t["lo"], t["hi"], t["p"], t["call"]) == \
        (pytest.approx(1.0), pytest.approx(1.0), pytest.approx(1.0), pytest.approx(2 / 256), "ahead")
    assert "[liveliness] trades per turn vs homo-a: +1.000 (+99% of 1.009), 95% interval [+1.000, +1.000], " \
           "p = 0.008: ahead (8 seeds; about 6 needed for this effect)" in up["details"]
    assert verdict(_rows(1.0, 2.0))["status"] == "not supported"
    rows = _rows(2.0, 1.0)
    for s in rows["hetero"]["per_seed"].values():
        s["trades_per_turn"] = 0.5
    v = verdict(rows)
    assert (v["status"], v["behaviour"], v["liveliness"]) == ("partly supported", "yes", "mixed")
    assert v["tests"]["trades_per_turn"]["homo-a"]["call"] == "behind"
    few = verdict(_rows(2.0, 1.0, seeds=4))  # the same effect on four seeds: p = 2/16
    assert few["status"] == "not enough evidence" and "NOT ENOUGH EVIDENCE" in few["text"]
    assert few["power"].startswith("Power: 4 seed(s)") and "6 (trades per turn)" in few["power"]
    same = verdict(_rows(1.0, 1.0))
    assert same["status"] == "not enough evidence" and "no effect to detect" in same["details"][1]


def test_effects_chart_draws_every_tested_measure(tmp_path):
    pytest.importorskip("matplotlib")
    from engine.lab.evaluation import charts
    v = verdict(_rows(2.0, 1.0))
    path = charts.effects_chart(v["tests"], compare.LABELS, tmp_path / "effects.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    few = charts.effects_chart({"trades_per_turn": v["tests"]["trades_per_turn"]}, compare.LABELS,
                               tmp_path / "one.png")
    assert few.stat().st_size < path.stat().st_size  # one panel draws less than six


def test_compare_checks_what_kind_of_council_each_one_is(tmp_path):
    with pytest.raises(EvalError, match="heterogeneous"):
        compare.councils(CompareOptions(hetero=CAUTIOUS))
    with pytest.raises(EvalError, match="homogeneous"):
        compare.councils(CompareOptions(hetero="scripted", homo=["scripted"]))
    plan = compare.councils(CompareOptions(hetero="scripted"))  # default: one homogeneous council per model
    assert set(plan) == {"hetero", "homo-scripted-hoarder", "homo-scripted-speculator", "homo-scripted-cautious"}


# -- open traces export ---------------------------------------------------------------------------

def test_export_round_trips_through_json_lines(evaluated, tmp_path):
    _, out = evaluated
    paths = [out / "seasons" / f"seed-{s}" / "traces.jsonl" for s in SEEDS]
    res = export_traces(paths, tmp_path / "ds")
    exported = [json.loads(line) for line in (tmp_path / "ds" / "traces.jsonl").read_text().splitlines()]
    originals = [r for s in SEEDS for r in rows_of(out, s)]
    assert res.rows == len(exported) == len(originals)
    assert res.games == [f"{out.name}/seed-1", f"{out.name}/seed-2"]  # <evaluation folder>/<season>
    for e, o in zip(exported, originals):
        assert (e["turn"], e["creature"], e["model"], e["prompt"], e["raw"], e["thinking"]) == \
            (o["turn"], o["creature"], o["model"], o["prompt"], o["raw"], o["thinking"])
        assert json.loads(e["parsed"]) == o["parsed"]
        assert json.loads(e["refused"]) == o["refused"] and json.loads(e["dropped"]) == o["dropped"]
        assert json.loads(e["situation"]) == o["situation"]
    # one schema for every row: the same keys with the same (non-null) types, as the datasets loader needs
    types = {k: type(v) for k, v in exported[0].items()}
    assert all({k: type(v) for k, v in e.items()} == types for e in exported)
    card = (tmp_path / "ds" / "README.md").read_text()
    assert card.startswith("---\nconfigs:") and "data_files: traces.jsonl" in card
    for field in exported[0]:
        assert f"| `{field}` |" in card


def _copy_with(src: Path, dst: Path, edit) -> Path:
    rows = [json.loads(line) for line in src.read_text().splitlines()]
    edit(rows)
    dst.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return dst


@pytest.mark.parametrize(("where", "text"), [("raw", "CANARY-0123456789ab"), ("thinking", "x CANARY-00000000abcd"),
                                             ("prompt", "the hidden ledger says")])
def test_export_refuses_a_leak_and_names_the_row(evaluated, tmp_path, where, text):
    _, out = evaluated
    src = out / "seasons" / "seed-1" / "traces.jsonl"

    def inject(rows):
        rows[7][where] += text

    bad = _copy_with(src, tmp_path / "traces.jsonl", inject)
    with pytest.raises(EvalError, match=rf"traces.jsonl:8 .*row 7\).*{where}"):
        export_traces([bad], tmp_path / "ds")
    assert not (tmp_path / "ds").exists()


def test_the_patron_may_read_its_own_foreknowledge_but_a_creature_may_not(evaluated, tmp_path):
    _, out = evaluated
    src = out / "seasons" / "seed-1" / "traces.jsonl"
    patron = _copy_with(src, tmp_path / "p.jsonl", lambda rows: [r.update(prompt=r["prompt"] + " foreknowledge")
                                                                for r in rows if r["creature"] == "Patron"])
    assert export_traces([patron], tmp_path / "ok").rows == TURNS * 5
    creature = _copy_with(src, tmp_path / "c.jsonl",
                          lambda rows: rows[0].update(prompt=rows[0]["prompt"] + " foreknowledge"))
    with pytest.raises(EvalError, match="foreknowledge"):
        export_traces([creature], tmp_path / "no")


def test_no_exported_row_carries_another_creatures_thinking(evaluated, tmp_path):
    _, out = evaluated
    src = out / "seasons" / "seed-1" / "traces.jsonl"
    export_traces([src], tmp_path / "ds")
    rows = [json.loads(line) for line in (tmp_path / "ds" / "traces.jsonl").read_text().splitlines()]
    thoughts = {(r["creature"], r["thinking"]) for r in rows if len(r["thinking"]) >= export.MIN_THOUGHT}
    for r in rows:
        assert r["thinking"] == (json.loads(r["parsed"])["thinking"] if r["parsed"] else "")
        for who, t in thoughts:
            if who != r["creature"] and (r["creature"], t) not in thoughts:
                assert t not in r["prompt"]

    def leak(rows):  # Fennick's thought of turn 2 shows up in Oona's prompt of turn 3
        thought = next(r["parsed"]["thinking"] for r in rows if r["creature"] == "Fennick" and r["turn"] == 2)
        oona = next(r for r in rows if r["creature"] == "Oona" and r["turn"] == 3)
        oona["prompt"] += "\nFennick thinks: " + thought

    with pytest.raises(EvalError, match="Fennick's private thinking"):
        export_traces([_copy_with(src, tmp_path / "leak.jsonl", leak)], tmp_path / "no")

    def swap(rows):  # a row carrying another creature's thought in its own thinking field
        rows[0]["thinking"], rows[1]["thinking"] = rows[1]["thinking"], rows[0]["thinking"] + " (Sorrel)"

    with pytest.raises(EvalError, match="not this trader's own thought"):
        export_traces([_copy_with(src, tmp_path / "swap.jsonl", swap)], tmp_path / "no")
    assert not (tmp_path / "no").exists()


def test_export_of_traces_older_than_the_situation(evaluated, tmp_path):
    _, out = evaluated
    src = out / "seasons" / "seed-1" / "traces.jsonl"
    old = _copy_with(src, tmp_path / "old.jsonl", lambda rows: [r.pop("situation") for r in rows])
    export_traces([old], tmp_path / "ds")
    exported = [json.loads(line) for line in (tmp_path / "ds" / "traces.jsonl").read_text().splitlines()]
    assert exported and all(e["situation"] == "" for e in exported)


def test_export_refuses_a_malformed_line(tmp_path):
    bad = tmp_path / "t.jsonl"
    bad.write_text('{"turn": 1, "creature": "Oona", "prompt": "", "raw": ""}\nnot json\n')
    with pytest.raises(EvalError, match="t.jsonl:2"):
        export_traces([bad], tmp_path / "ds")


# -- the command line ---------------------------------------------------------------------------

def test_cli_wiring(tmp_path):
    from tokenwood_tui.cli import main

    assert main(["eval", "--council", "scripted", "--turns", "3", "--seeds", "1", "--out", str(tmp_path / "e"),
                 "--no-progress", "--no-charts"]) == 0
    assert (tmp_path / "e" / "report.md").is_file()
    assert main(["eval", "--council", "scripted", "--turns", "4", "--seeds", "1", "--out", str(tmp_path / "e"),
                 "--no-progress"]) == 2
    assert main(["eval", "--council", "scripted", "--turns", "3", "--seeds", "1", "--out", str(tmp_path / "e"),
                 "--no-progress", "--parallel", "0"]) == 2
    assert main(["traces", "export", str(tmp_path / "e" / "seasons" / "seed-1" / "traces.jsonl"),
                 "--out", str(tmp_path / "ds")]) == 0
    assert main(["compare", "--hetero", "scripted", "--homo", CAUTIOUS, "--seeds", "1,2", "--turns", "3",
                 "--out", str(tmp_path / "c"), "--no-progress", "--no-charts", "--parallel", "2"]) == 0
    assert (tmp_path / "c" / "compare.md").is_file()
