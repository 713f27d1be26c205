"""`tokenwood eval`: play a council's seasons (resumable) and write the report.

    EvalOptions -> seasons not yet done -> play_season, `parallel` at a time (traces per season)
        -> season.json (done marker) -> analyse(traces + season records) -> report.json, report.md, charts/*.png

The brains are started once per evaluation and serve every season (model engines load once; brains
hold no state between games, so seasons played at once share them: their creatures' requests reach
the same engines, which batch them). A season's result depends only on its seed: each is its own game
and its own traces file. Seasons already marked done in the folder are read back, not replayed. Every
file is written atomically.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.lab.evaluation import charts, season
from engine.lab.evaluation.errors import EvalError, ModelsNotReady
from engine.lab.evaluation.figures import ACTION_KINDS, analyse
from engine.lab.evaluation.sense import ABSURD_HIGH, ABSURD_LOW, SOURCES
from engine.lab.evaluation.sense_figures import RATIO_BINS, written
from engine.play.progress import Progress
from engine.play.saves import write_atomic

REPORT_FORMAT = "tokenwood-eval-report"


@dataclass
class EvalOptions:
    """What `tokenwood eval` was asked to do."""

    council: str = "scripted"
    """Council spec (preset, .toml file or creature=model pairs)."""
    turns: int | None = None
    """Turns per season (default: the whole season)."""
    seeds: list[int] = field(default_factory=lambda: [1, 2, 3])
    """One season per seed."""
    out: str | None = None
    """Folder of the seasons and the report (default: evals/<council>-t<turns>)."""
    scenario: str | None = None
    """Scenario file (default: the embedded wood)."""
    patron_script: str | None = None
    """Patron moves file (default: the scripted schemer)."""
    progress: bool = True
    """Show a progress bar on stderr."""
    charts: bool = True
    """Write PNG charts (when matplotlib is installed)."""
    answer_timeout: float | None = None
    """Seconds a model's decision may take (None: from each engine's measured pace)."""
    parallel: int | None = None
    """Seasons played at once (None: `default_parallel`)."""


CPU_PARALLEL = 4
"""Seasons at once without a GPU: 4 seasons x 2 creatures per model of the embedded council = 8
sequences per engine, the engines' default `max_num_seqs` (more would only queue)."""
GPU_PARALLEL = 8
"""Seasons at once with a GPU, whose engines decode many more sequences per step for nearly the same time."""


def default_parallel(seeds: int, gpu: bool | None = None) -> int:
    """Seasons to play at once: `GPU_PARALLEL` with a GPU, else `CPU_PARALLEL`; never more than the seeds.

    >>> default_parallel(10, gpu=False), default_parallel(2, gpu=False), default_parallel(10, gpu=True)
    (4, 2, 8)
    """
    if gpu is None:
        from engine.models.hardware import gpu_total_gib
        gpu = gpu_total_gib() is not None
    return max(1, min(seeds, GPU_PARALLEL if gpu else CPU_PARALLEL))


class SeasonProgress:
    """Seasons done and creatures' answers per second, for the progress line."""

    def __init__(self, seasons: int) -> None:
        self.seasons, self.done, self.answers = seasons, 0, 0
        self.start = time.monotonic()

    def turn(self, record) -> None:
        """Count a played turn's answers (creatures' decisions that came without a fault)."""
        from engine.core.scenario import PATRON

        self.answers += sum(1 for d in record.decisions if d.trader != PATRON and d.reply.fault is None)

    def note(self) -> str:
        """E.g. "seasons 2/4, 3.1 answers/s"."""
        rate = self.answers / max(time.monotonic() - self.start, 1e-9)
        return f"seasons {self.done}/{self.seasons}, {rate:.1f} answers/s"


def slug(text: str) -> str:
    """A folder-safe name for a council spec.

    >>> slug("Oona=scripted:cautious,Sorrel=gemma3-270m")
    'Oona-scripted-cautious-Sorrel-gemma3-270m'
    """
    name = Path(text).stem if text.endswith(".toml") else text
    return re.sub(r"[^A-Za-z0-9._]+", "-", name).strip("-")[:80] or "council"


def prepare(opts: EvalOptions) -> tuple[dict, Path]:
    """Resolve the request into season parameters and its folder; user errors become `EvalError`."""
    from engine.play.council import CouncilError, resolve_council
    from engine.play.scenario_files import ScenarioError, load_scenario

    if opts.turns is not None and opts.turns < 1:
        raise EvalError("--turns must be 1 or more")
    if opts.parallel is not None and opts.parallel < 1:
        raise EvalError("--parallel must be 1 or more")
    if not opts.seeds or len(set(opts.seeds)) != len(opts.seeds):
        raise EvalError(f"--seeds: give distinct seeds, got {opts.seeds!r}")
    try:
        scenario = load_scenario(opts.scenario)
        council = resolve_council(opts.council, scenario)
    except (ScenarioError, CouncilError) as err:
        raise EvalError(str(err)) from None
    if opts.patron_script:
        from engine.brains.patron import PatronScriptError, load_patron_script
        try:
            load_patron_script(opts.patron_script)
        except PatronScriptError as err:
            raise EvalError(str(err)) from None
    turns = scenario.season_length if opts.turns is None else min(opts.turns, scenario.season_length)
    params = {"council": council, "spec": opts.council, "turns": turns, "scenario": opts.scenario,
              "patron_script": opts.patron_script}
    out = Path(opts.out) if opts.out else Path("evals") / f"{slug(opts.council)}-t{turns}"
    return params, out


async def _play_missing(opts: EvalOptions, params: dict, store: season.SeasonStore, missing: list[int],
                        bar, parallel: int = 1) -> list[int]:
    """Play the seasons not yet done, `parallel` at a time, all with one set of brains (one engine pool)."""
    from engine.core.newgame import new_game
    from engine.play.headless import RunOptions
    from engine.play.scenario_files import load_scenario

    played: list[int] = []

    def run_options(seed: int) -> RunOptions:
        return RunOptions(council=opts.council, turns=params["turns"], seed=seed, scenario=opts.scenario,
                          patron_script=opts.patron_script, progress=False, answer_timeout=opts.answer_timeout)

    state = new_game(load_scenario(opts.scenario), missing[0], params["council"])
    brains, quirks, pool = await start_brains(opts.council, state, run_options(missing[0]))
    pace = SeasonProgress(len(missing))

    def on_turn(record) -> None:
        pace.turn(record)
        if bar is not None:
            bar.update(1, note=pace.note())

    def on_done(run: RunOptions, summary_json: dict, series: dict) -> None:
        store.finish(run.seed, params, summary_json, series)
        played.append(run.seed)
        pace.done += 1
        if bar is not None:
            bar.update(0, note=pace.note())

    runs = [run_options(seed) for seed in missing]
    try:
        for run in runs:  # a folder without season.json is an unfinished season, replayed on resume
            run.traces = str(store.begin(run.seed))
        await season.play_seasons(runs, brains, quirks, parallel, on_turn=on_turn, on_done=on_done)
    finally:
        await season.close_brains(brains)
        if pool is not None:
            await pool.close()
    return sorted(played, key=missing.index)


def _unavailable() -> tuple[type[BaseException], ...]:
    """Errors that mean "this machine cannot serve the council's models"."""
    try:
        from engine.brains.models import ModelsUnavailable
    except ImportError:
        return (ImportError,)
    return (ImportError, ModelsUnavailable)


async def start_brains(spec: str, state, run):
    """make_brains, with "models not available here" turned into `ModelsNotReady`."""
    from engine.play.headless import make_brains

    try:
        return await make_brains(state, run)
    except _unavailable() as err:
        raise ModelsNotReady(f"council {spec!r}: {err}") from None


def run_eval(opts: EvalOptions) -> dict:
    """Play what is missing, then write report.json, report.md and charts into the folder; return the report."""
    params, out = prepare(opts)
    store = season.SeasonStore(out)
    done = {s: store.load(s, params) for s in opts.seeds}
    missing = [s for s, rec in done.items() if rec is None]
    bar = None
    if opts.progress and missing:
        bar = Progress(len(opts.seeds) * params["turns"], f"eval {slug(opts.council)[:24]}", unit="turn",
                       initial=(len(opts.seeds) - len(missing)) * params["turns"], leave=False)
    try:
        parallel = opts.parallel or default_parallel(len(missing))
        played = asyncio.run(_play_missing(opts, params, store, missing, bar, parallel)) if missing else []
    finally:
        if bar is not None:
            bar.close()
    return write_report(out, params, opts.seeds, played, make_charts=opts.charts)


def load_seasons(out: Path, params: dict, seeds: list[int]) -> list[tuple[dict, list[dict]]]:
    """Every finished season's record and trace rows, in seed order."""
    store = season.SeasonStore(out)
    seasons = []
    for s in seeds:
        rec = store.load(s, params)
        if rec is None:
            raise EvalError(f"{store.folder(s)}: season of seed {s} is not finished")
        seasons.append((rec, season.read_rows(store.traces(s))))
    return seasons


def write_report(out: Path, params: dict, seeds: list[int], played: list[int], *, make_charts: bool = True) -> dict:
    """Compute every figure from the folder's seasons and write the report files."""
    figs = analyse(load_seasons(out, params, seeds))
    chart_files: list[str] = []
    charts_note = ""
    if make_charts and charts.available():
        for s in figs["seasons"]:
            chart_files.append(str(charts.season_chart(s, out / "charts" / f"season-{s['seed']}.png").relative_to(out)))
        mix = {n: t["action_share"] for n, t in figs["traders"].items()}
        chart_files.append(str(charts.action_mix_chart(mix, out / "charts" / "action-mix.png",
                                                       "action mix per trader").relative_to(out)))
    elif make_charts:
        charts_note = "charts skipped: matplotlib is not installed"
    report = {
        "format": REPORT_FORMAT, "version": 1, "folder": str(out),
        "council_spec": params["spec"], "council": params["council"], "turns": params["turns"],
        "seeds": seeds, "scenario": params["scenario"], "patron_script": params["patron_script"],
        "played_now": played, "reused": [s for s in seeds if s not in played],
        "charts": chart_files, "charts_note": charts_note,
        **figs,
    }
    write_atomic(out / "report.json", json.dumps(report, indent=1) + "\n")
    write_atomic(out / "report.md", render_markdown(report))
    return report


# -- Markdown -------------------------------------------------------------------------------------

def markdown_table(head: list[str], rows: list[list]) -> list[str]:
    """A Markdown table's lines: the header, its rule, one line per row."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return lines


def _reasons(pairs: list) -> str:
    return "; ".join(f"{r} ({n})" for r, n in pairs) or "-"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _fmt(x: float | None, nd: int = 3) -> str:
    return "-" if x is None else f"{x:+.{nd}f}"


def fault_kinds(by_kind: dict[str, int]) -> str:
    """The kinds of faults that happened, e.g. "timeout 2, refused 1" ("-" when none)."""
    return ", ".join(f"{kind} {n}" for kind, n in by_kind.items() if n) or "-"


def _activity_rows(table: dict[str, dict], first: str) -> list[list]:
    rows = []
    for name, f in table.items():
        rows.append([name, *([f["model"]] if first == "trader" else []), f["answers"],
                     f"{f['answers_with_valid_action']} ({_pct(f['valid_answer_rate'])})", f["valid_actions"],
                     f["repaired_answers"], f["answers_with_drops"], f["dropped_actions"], f["whole_answers_dropped"],
                     f["refused_actions"], f"{f['self_buy_attempts']} / {f['self_buys_executed']}",
                     f["faults"], fault_kinds(f["faults_by_kind"]), f["latency_median_s"], f["latency_p95_s"], f["tokens"],
                     f["tokens_per_answer"]])
    return rows


_ACTIVITY_HEAD = ["answers", "with a valid action", "valid actions", "repaired", "answers with drops",
                  "dropped actions", "whole answers dropped", "refused by rules", "self-buy tried / done",
                  "faults", "fault kinds", "latency median s", "latency p95 s", "tokens", "tokens/answer"]


def _na(x, fmt=str) -> str:
    return "n/a" if x is None else fmt(x)


def count_share(part: int | None, whole: int, share: float | None) -> str:
    """E.g. "7 / 10 (70%)", "0 / 0" or "n/a"."""
    if part is None:
        return "n/a"
    return f"{part} / {whole}" + (f" ({_pct(share)})" if share is not None else "")


def _spread(q: dict) -> str:
    """Offset quantiles as "p10 / median / p90"."""
    return "-" if q["median"] is None else " / ".join(_fmt(q[k], 2) for k in ("p10", "median", "p90"))


def _needs_row(name: str, n: dict | None) -> list:
    if n is None:
        return [name, *["n/a"] * 6]
    stock = f"; +{n['buys_stock']} winter stock" if n.get("buys_stock") else ""
    return [name, count_share(n["buys_short"], n["buys"], n["buys_short_share"]) + stock,
            f"{n['need_now']} / {n['need_now_affordable']} / {n['need_now_unbought']}",
            _na(n["meals_missed"]), _na(n["cold_turns"]), unmet_cell(n),
            f"{n['surplus_units']} / {n['surplus_offered']} / {n['surplus_sold']}"]


def _of(part: int | None, whole: int) -> str:
    """`count_share` with the share worked out here: "2 / 4 (50%)", "0 / 0" or "n/a"."""
    return count_share(part, whole, part / whole if part is not None and whole else None)


def unmet_cell(n: dict) -> str:
    """"3 (2 bid in full)": unmet while affordable, and how many of those turns the answer bid for the whole
    lack (figures recorded before 2026-12-06 give the count alone)."""
    full = n.get("unmet_bid_in_full")
    return _na(n["unmet_affordable"]) + (f" ({full} bid in full)" if full is not None else "")


def _sanity_row(name: str, sense: dict) -> list:
    z = sense["sanity"]
    both = count_share(sense["answers_bid_and_ask"], sense["answers"], sense["bid_and_ask_share"])
    if z is None:
        return [name, *["n/a"] * 10, both]
    bins = [sum(z["ratio_bins"][side][b] for side in z["ratio_bins"]) for b in RATIO_BINS]
    return [name, z["orders_priced"], _spread(z["offset"]["buy"]), _spread(z["offset"]["sell"]), *bins,
            count_share(z["absurd"], z["orders_priced"], z["absurd_share"]),
            count_share(z["sells_not_held"], z["sells"], z["sells_not_held_share"]), both]


def _voice_row(name: str, sense: dict) -> list:
    v, cells = sense["voice"], [name]
    for field in ("thinking", "gossip"):
        w = v[field]
        said = written(w)  # the whole of each share (a report recorded before 2026-12-06 had all texts)
        cells += [f"{_of(w['copied'], said)}: {w['verbatim']} / {w['near']}",
                  " / ".join(str(w["copied_from"][s]) for s in SOURCES), f"{w['no_letters']} ({w['empty']})",
                  _of(w.get("repeats", 0), said), _of(w.get("coined"), said)]
    g = v["gossip"]
    return [*cells, count_share(g["distinct"], g["lines"], g["distinct_ratio"])]


def sense_section(models: dict[str, dict], traders: dict[str, dict]) -> list[str]:
    """The report's "Sense" section: needs, sanity and voice per model and per trader (docs/EVAL.md)."""
    rows = [*((m, f["sense"]) for m, f in models.items()), *((n, f["sense"]) for n, f in traders.items())]
    out = ["", "## Sense: needs, sanity, voice", "",
           "Models first, then traders. Definitions: docs/EVAL.md. n/a: the traces hold no situation (older "
           "traces), or the trader has no needs (the Patron).", "", "Needs:", ""]
    out += markdown_table(["model / trader", "buys of short goods", "short now / could afford / bought none",
                   "meals missed", "cold turns", "unmet while affordable", "surplus / offered / sold"],
                  [_needs_row(name, s["needs"]) for name, s in rows])
    out += ["", f"Sanity (limit price / last price; absurd: below {ABSURD_LOW}x or above {ABSURD_HIGH}x):", ""]
    out += markdown_table(["model / trader", "orders priced", "buy offset p10 / median / p90",
                   "sell offset p10 / median / p90", *RATIO_BINS, "absurd", "sells of goods not held",
                   "answers with a bid and an ask on one good"],
                  [_sanity_row(name, s) for name, s in rows])
    out += ["", "Voice (copied: verbatim / near; from: " + " / ".join(SOURCES) + "; no letters (of which empty)):", ""]
    out += markdown_table(["model / trader", "thinking copied", "thinking from", "thinking no letters",
                           "thinking repeats", "thinking coined", "gossip copied", "gossip from", "gossip no letters",
                           "gossip repeats", "gossip coined", "distinct gossip"],
                  [_voice_row(name, s) for name, s in rows])
    return out


def render_markdown(r: dict) -> str:
    """The report as Markdown (every figure is also in report.json)."""
    out = [f"# Evaluation: council `{r['council_spec']}`", "",
           f"{len(r['seeds'])} season(s) of {r['turns']} turns, seeds {', '.join(map(str, r['seeds']))}; "
           f"played now: {', '.join(map(str, r['played_now'])) or 'none'}; "
           f"reused: {', '.join(map(str, r['reused'])) or 'none'}. Figure definitions: docs/EVAL.md.", "",
           "Council: " + ", ".join(f"{k} = `{v}`" for k, v in r["council"].items()), ""]
    out += ["## Per model", ""]
    out += markdown_table(["model", *_ACTIVITY_HEAD], _activity_rows(r["models"], "model"))
    out += ["", "Top reasons, per model:", ""]
    out += markdown_table(["model", "dropped (parser)", "repairs", "refused (rules)"],
                  [[m, _reasons(f["top_drop_reasons"]), _reasons(f["top_repairs"]), _reasons(f["top_refusals"])]
                   for m, f in r["models"].items()])
    out += ["", "Behaviour per model (action mix over all its answers; offsets are medians of limit price / last "
                "price - 1; net worth: mean at the season's end over its traders and seasons):", ""]
    out += markdown_table(["model", *ACTION_KINDS, "entropy bits", "median buy offset", "median sell offset",
                   "net worth at end"],
                  [[m, *(_pct(f["action_share"][k]) for k in ACTION_KINDS), f["action_entropy_bits"],
                    _fmt(f["price_offset"]["buy"]), _fmt(f["price_offset"]["sell"]), f["net_worth"]["end_mean"]]
                   for m, f in r["models"].items()])
    out += ["", "## Per trader", ""]
    out += markdown_table(["trader", "model", *_ACTIVITY_HEAD], _activity_rows(r["traders"], "trader"))
    out += ["", "Behaviour per trader (over all seasons; net worth: start and end are means over seasons, "
                "min and max over every turn):", ""]
    out += markdown_table(["trader", *ACTION_KINDS, "entropy bits", "median buy offset", "median sell offset",
                   "net worth start", "end (mean)", "min", "max"],
                  [[n, *(_pct(f["action_share"][k]) for k in ACTION_KINDS), f["action_entropy_bits"],
                    _fmt(f["price_offset"]["buy"]), _fmt(f["price_offset"]["sell"]),
                    f["net_worth"]["start_mean"], f["net_worth"]["end_mean"], f["net_worth"]["min"],
                    f["net_worth"]["max"]] for n, f in r["traders"].items()])
    out += sense_section(r["models"], r["traders"])
    out += ["", "## Per season", ""]
    goods = list(r["seasons"][0]["volatility"]) if r["seasons"] else []
    out += markdown_table(["seed", "turns", "trades/turn", "units/turn", *(f"vol {g}" for g in goods), "Gini mean",
                   "Gini final", "firewall leaks", "longest prompt", "conserved", "divergence (JSD)",
                   "price-offset spread", "price moves/turn", "distinct prices", "net-worth spread"],
                  [[s["seed"], s["turns"], s["trades_per_turn"], s["units_per_turn"],
                    *(s["volatility"][g] for g in goods), s["gini_mean"], s["gini_final"], s["firewall_leaks"],
                    s["prompt_chars_max"], "yes" if s["conservation_ok"] else "NO", s["action_divergence_jsd"],
                    s["price_offset_spread"], s["price_moves_per_turn"], s["distinct_prices"],
                    s["net_worth_spread"]] for s in r["seasons"]])
    for s in r["seasons"]:
        out += ["", f"### Seed {s['seed']}", "",
                "- trades per turn: " + " ".join(map(str, s["trades_by_turn"])),
                "- Gini per turn: " + " ".join(f"{g:.3f}" for g in s["gini_by_turn"]),
                "- longest prompt per turn (chars): " + " ".join(map(str, s["prompt_chars_by_turn"]))]
        out += [f"- {g} price path: " + " ".join(map(str, p)) for g, p in s["price_by_turn"].items()]
        out += ["- net worth at the end: " + ", ".join(f"{k} {v}" for k, v in s["net_worth_final"].items())]
    if r["charts"]:
        out += ["", "## Charts", ""] + [f"![{c}]({c})" for c in r["charts"]]
    elif r["charts_note"]:
        out += ["", f"_{r['charts_note']}_"]
    return "\n".join(out) + "\n"
