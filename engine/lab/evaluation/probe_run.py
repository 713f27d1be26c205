"""`tokenwood probe`: counterfactual probes asked of a council's models, scored, and tested.

    seeds x turns -> scripted seasons; each creature's view and prompt recorded as the game made them
        -> per view: the control prompt, and one variant prompt per kind (`probes.make_variant`,
           `build_prompt` exactly as the game builds prompts)
        -> firewall.scan -> every prompt asked at once (`parallel` in flight), the control and its
           variants with ONE sampling seed, so that only the changed fact differs between them
        -> the game's parser -> per pair: toward / against / unchanged (`probes.outcome`)
        -> per model and kind: shares and an exact sign test -> probe.json, probe.md (atomic)

The views come from seasons played by the scripted council (instant, and the same on every machine);
which brain played them does not matter, since every probe asks the probed council's brain afresh. The
control is asked once per view and serves every kind: asking the same prompt with the same seed again
would only repeat its answer. The run is deterministic given the seeds and the answers: the same views,
variants and sampling seeds every time, and results in plan order whatever order answers arrive in.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

from engine.brains.base import Brain, Reply
from engine.core import firewall
from engine.core.answer import Answer
from engine.core.newgame import new_game
from engine.core.scenario import PATRON, Scenario
from engine.lab.evaluation import season, stats
from engine.lab.evaluation.errors import EvalError
from engine.lab.evaluation.probes import (DEFAULT_TURNS, EXPECTED, KINDS, Outcome, Variant, make_variant,
                                          net_demand, outcome)
from engine.lab.evaluation.report import markdown_table, slug, start_brains
from engine.mind.parsing import ParseResult, Quirks
from engine.mind.prompt import build_prompt, example_orders
from engine.mind.view import View
from engine.play.game import Decision, Game, parse_reply
from engine.play.headless import RunOptions, make_brains
from engine.play.progress import Progress
from engine.play.saves import write_atomic
from engine.play.seeds import decision_seed

REPORT_FORMAT = "tokenwood-probe-report"
"""The `format` field of probe.json."""
COLLECTION_COUNCIL = "scripted"
"""The council whose seasons the views are taken from."""
CPU_PARALLEL = 16
"""Prompts in flight without a GPU: the embedded council's two engines, 8 sequences each."""
GPU_PARALLEL = 64
"""Prompts in flight with a GPU, whose engines decode many more sequences per step."""


@dataclass
class ProbeOptions:
    """What `tokenwood probe` was asked to do."""

    council: str = "scripted"
    """The council whose brains are probed (preset, .toml file or creature=model pairs)."""
    seeds: list[int] = field(default_factory=lambda: [1, 2, 3])
    """Seasons the views are taken from, one per seed."""
    turns: list[int] = field(default_factory=lambda: list(DEFAULT_TURNS))
    """Turns whose views are taken (every creature's, each turn)."""
    kinds: list[str] = field(default_factory=lambda: list(KINDS))
    """Probe kinds to run."""
    out: str | None = None
    """Folder of probe.json and probe.md (default: probes/<council>)."""
    scenario: str | None = None
    """Scenario file (default: the embedded wood)."""
    parallel: int | None = None
    """Prompts in flight at once (None: `default_parallel`)."""
    answer_timeout: float | None = None
    """Seconds a model's decision may take (None: from each engine's measured pace)."""
    progress: bool = True
    """Show a progress bar on stderr."""
    hold_suggestions: bool = False
    """Give each variant's prompt its control's suggested orders, and its request the control's answer
    grammar: the fact changes in the prompt's words only, so a move is the model's own reading (by
    default the suggestions and the grammar follow the fact too, as in the game)."""


@dataclass(frozen=True)
class Recorded:
    """One creature's decision point in a collected season."""

    seed: int
    """The season's seed."""
    turn: int
    """The turn decided."""
    creature: str
    """Who decided."""
    view: View
    """What it saw."""
    prompt: str
    """The prompt the game built from that view."""

    @property
    def key(self) -> str:
        """Names the decision point: seeds its variants' targets and its sampling seed ("3|8|Oona")."""
        return f"{self.seed}|{self.turn}|{self.creature}"


@dataclass(frozen=True)
class Asked:
    """One prompt asked of a brain, and what came back."""

    reply: Reply
    """The brain's reply (a fault when the firewall stopped the prompt or the model failed)."""
    parsed: ParseResult | None
    """The game's parse of it (None when no answer came)."""


def default_parallel(gpu: bool | None = None) -> int:
    """Prompts in flight at once: `GPU_PARALLEL` with a GPU, else `CPU_PARALLEL`."""
    if gpu is None:
        from engine.models.hardware import gpu_total_gib
        gpu = gpu_total_gib() is not None
    return GPU_PARALLEL if gpu else CPU_PARALLEL


def prepare(opts: ProbeOptions) -> tuple[Scenario, dict[str, str], Path]:
    """Check the request: (scenario, probed council, folder); a user error is an `EvalError`."""
    from engine.play.council import CouncilError, resolve_council
    from engine.play.scenario_files import ScenarioError, load_scenario

    if not opts.seeds or len(set(opts.seeds)) != len(opts.seeds):
        raise EvalError(f"--seeds: give distinct seeds, got {opts.seeds!r}")
    unknown = [k for k in opts.kinds if k not in KINDS]
    if unknown or not opts.kinds:
        raise EvalError(f"--kinds: {', '.join(unknown) or 'none given'}; choose from {', '.join(KINDS)}")
    if opts.parallel is not None and opts.parallel < 1:
        raise EvalError("--parallel must be 1 or more")
    try:
        scenario = load_scenario(opts.scenario)
        council = resolve_council(opts.council, scenario)
    except (ScenarioError, CouncilError) as err:
        raise EvalError(str(err)) from None
    late = [t for t in opts.turns if not 1 <= t <= scenario.season_length]
    if late or not opts.turns:
        raise EvalError(f"--turns: {late or 'none given'}; turns run from 1 to {scenario.season_length}")
    return scenario, council, Path(opts.out) if opts.out else Path("probes") / slug(opts.council)


async def collect_views(scenario: Scenario, seeds: list[int], turns: list[int]) -> list[Recorded]:
    """Play each seed's season with the scripted council up to the last turn asked for; record every
    creature's view and prompt on the turns asked for, in seed, turn and creature order."""
    from engine.play.council import resolve_council

    wanted, order = set(turns), [t.name for t in scenario.traders]
    recorded: list[Recorded] = []
    for seed in seeds:
        state = new_game(scenario, seed, resolve_council(COLLECTION_COUNCIL, scenario))
        brains, quirks, _ = await make_brains(state, RunOptions(council=COLLECTION_COUNCIL))
        found: list[Recorded] = []

        def keep(d: Decision, seed: int = seed) -> None:
            if d.trader != PATRON and d.view.turn in wanted and not d.leak:
                found.append(Recorded(seed, d.view.turn, d.trader, d.view, d.prompt))

        await Game(state=state, brains=brains, quirks=quirks, on_decision=keep).play(max(turns))
        recorded += sorted(found, key=lambda r: (r.turn, order.index(r.creature)))
    return recorded


async def ask(brain: Brain, view: View, prompt: str, seed: int, scenario: Scenario,
              quirks: dict[str, Quirks]) -> Asked:
    """firewall.scan -> brain.decide (with `seed` where the brain can sample from one) -> the game's parser.

    As in a game turn: a prompt the firewall stops is not sent, and a brain that raises hesitates.
    """
    model = getattr(brain, "model", "?")
    if firewall.scan(prompt).hits:
        return Asked(Reply(raw="", model=model, fault="firewall stopped the prompt", fault_kind="firewall_stop"),
                     None)
    try:
        if getattr(brain, "seeded", False):
            reply = await brain.decide(view, prompt, seed=seed)
        else:
            reply = await brain.decide(view, prompt)
    except Exception as err:  # a brain must not raise; if it does, it gave no answer
        reply = Reply(raw="", model=model, fault=f"brain error: {err!r:.200}", fault_kind="brain_error")
    parsed = None if reply.fault is not None else parse_reply(reply, scenario, quirks)
    return Asked(reply, parsed)


def plan(recorded: list[Recorded], kinds: list[str], scenario: Scenario) -> list[tuple[Recorded, list[Variant]]]:
    """Each recorded view with its variants, one per kind that applies to it, in `kinds` order."""
    out = []
    for rec in recorded:
        variants = [make_variant(kind, rec.view, scenario, rec.key) for kind in kinds]
        out.append((rec, [v for v in variants if v is not None]))
    return out


def variant_prompt(rec: Recorded, variant: Variant, hold_suggestions: bool = False) -> str:
    """The prompt of a variant, built as the game builds prompts; with `hold_suggestions`, suggesting the
    control's orders (`example_orders` of the recorded view) instead of its own."""
    return build_prompt(variant.view, example_orders(rec.view) if hold_suggestions else None)


async def ask_all(planned: list[tuple[Recorded, list[Variant]]], brains: dict[str, Brain], scenario: Scenario,
                  quirks: dict[str, Quirks], parallel: int, bar: Progress | None = None,
                  hold_suggestions: bool = False) -> list[list[Asked]]:
    """Per view: [control, *variants] asked of its creature's brain, `parallel` prompts in flight, in plan order."""
    gate = asyncio.Semaphore(parallel)

    async def one(rec: Recorded, view: View, prompt: str) -> Asked:
        async with gate:
            seed = decision_seed(rec.seed, rec.turn, rec.creature)
            asked = await ask(brains[rec.creature], view, prompt, seed, scenario, quirks)
        if bar is not None:
            bar.update(1)
        return asked

    rows = [asyncio.gather(one(rec, rec.view, rec.prompt), *(one(rec, rec.view if hold_suggestions else v.view,
                                                                       variant_prompt(rec, v, hold_suggestions))
                                                                   for v in variants))
            for rec, variants in planned]
    return [list(row) for row in await asyncio.gather(*rows)]


def suggestion_moved(rec: Recorded, variant: Variant, hold_suggestions: bool = False,
                     score: str = "orders") -> Outcome:
    """Which way the prompt's suggested orders (`example_orders`) moved with the fact, scored as the
    answers are, by orders (or with `score` "units" by net demand: a suggested buy one unit ahead,
    `engine.core.answer.buys_ahead`, moves the units and not the order count): "toward" where the variant's suggestion bids for the fact's goods where the
    control's did not (the fact reached the suggestion), "unchanged" where both suggest the same for them
    (the fact is in the prompt's words only; always so with `hold_suggestions`), "against" otherwise.

    Probe run 9 (seeds 31-42, re-scored so) split this way: where the suggestion moved, both models moved
    toward the fact (Gemma's price and legend pairs 14 toward, 1 against); where it did not, neither did
    (SmolLM2 1 toward, 0 against in 94 pairs; Gemma 5 toward, 7 against in 182): docs/probes-embedded.md.
    """
    if hold_suggestions:
        return "unchanged"
    suggested = [Answer.model_validate({"orders": example_orders(v)}) for v in (rec.view, variant.view)]
    return outcome(*suggested, variant.goods, variant.direction, score)


def pair_record(rec: Recorded, model: str, variant: Variant, control: Asked, changed: Asked,
                hold_suggestions: bool = False) -> dict:
    """One scored pair for probe.json: where it came from, the fact, both answers, which way they moved,
    and which way the prompt's suggestion moved (`suggestion_moved`).

    A pair whose control or variant got no answer is `lost` (its outcome is None).
    """
    lost = "; ".join(f"{side}: {a.reply.fault}" for side, a in (("control", control), ("variant", changed))
                     if a.parsed is None)
    demand = [None if a.parsed is None else net_demand(a.parsed.answer, variant.goods) for a in (control, changed)]
    moved, by_orders = (None, None) if lost else (
        outcome(control.parsed.answer, changed.parsed.answer, variant.goods, variant.direction, score)
        for score in ("units", "orders"))
    return {
        "seed": rec.seed, "turn": rec.turn, "creature": rec.creature, "model": model, "kind": variant.kind,
        "fact": variant.fact, "goods": list(variant.goods), "direction": variant.direction,
        "sampling_seed": decision_seed(rec.seed, rec.turn, rec.creature),
        "control_demand": demand[0], "variant_demand": demand[1], "outcome": moved,
        "outcome_orders": by_orders, "suggestion": suggestion_moved(rec, variant, hold_suggestions),
        "suggestion_units": suggestion_moved(rec, variant, hold_suggestions, "units"),
        "lost": lost or None,
        "unreadable": not lost and not (control.parsed.found_json and changed.parsed.found_json),
        "control_raw": control.reply.raw, "variant_raw": changed.reply.raw,
    }


def tally(pairs: list[dict], views: dict[str, int], kinds: list[str]) -> list[dict]:
    """Per model (in council order) and kind: views, not applicable, lost, pairs, toward / against /
    unchanged with their shares of the pairs, the sign test's p and the verdict."""
    rows = []
    for model, seen in views.items():
        for kind in kinds:
            mine = [p for p in pairs if p["model"] == model and p["kind"] == kind]
            scored = [p for p in mine if p["outcome"] is not None]
            counts, p_value, verdict = _verdict([p["outcome"] for p in scored])
            by_orders, p_orders, verdict_orders = _verdict([p.get("outcome_orders") for p in scored])
            rows.append({
                "model": model, "kind": kind, "views": seen, "not_applicable": seen - len(mine),
                "lost": len(mine) - len(scored), "pairs": len(scored),
                "unreadable": sum(p["unreadable"] for p in scored), **counts,
                **{f"{o}_share": round(n / len(scored), 4) if scored else None for o, n in counts.items()},
                "p": round(p_value, 6), "verdict": verdict,
                "orders": {**by_orders, "p": round(p_orders, 6), "verdict": verdict_orders},
                "by_suggestion": _split(scored, "outcome_orders", "suggestion"),
                "by_suggestion_units": _split(scored, "outcome", "suggestion_units"),
            })
    return rows


def _split(scored: list[dict], score: str, suggestion: str) -> dict[str, dict]:
    """The pairs' `score` outcomes split by their `suggestion` field (`SUGGESTION_SPLIT`), each part with
    its counts, p and verdict."""
    split = {}
    for moved in SUGGESTION_SPLIT:
        part = [p.get(score) for p in scored if p.get(suggestion) == moved]
        counts, p_value, verdict = _verdict(part)
        split[moved] = {"pairs": len(part), **counts, "p": round(p_value, 6), "verdict": verdict}
    return split


SUGGESTION_SPLIT = ("toward", "unchanged")
"""The pairs split by `suggestion_moved` in the report: where the fact moved the suggested orders, and
where it is in the prompt's words only (a suggestion that moved against the fact is not split out)."""


def _verdict(outcomes: list[str | None]) -> tuple[dict[str, int], float, str]:
    """(toward / against / unchanged counts, the exact sign test's p, the verdict) of scored pairs."""
    counts = {o: sum(x == o for x in outcomes) for o in ("toward", "against", "unchanged")}
    p_value = stats.sign_test_p(counts["toward"], counts["against"])
    decided = p_value < stats.ALPHA and counts["toward"] != counts["against"]
    verdict = ("not enough evidence" if not decided
               else "responds" if counts["toward"] > counts["against"] else "moves against")
    return counts, p_value, verdict


def run_probe(opts: ProbeOptions) -> dict:
    """Collect the views, ask every prompt, score the pairs, write probe.json and probe.md; return the report."""
    scenario, council, out = prepare(opts)
    parallel = opts.parallel or default_parallel()
    report = asyncio.run(_probe(opts, scenario, council, parallel))
    report["folder"] = str(out)
    write_atomic(out / "probe.json", json.dumps(report, indent=1) + "\n")
    write_atomic(out / "probe.md", render_markdown(report))
    return report


async def _probe(opts: ProbeOptions, scenario: Scenario, council: dict[str, str], parallel: int) -> dict:
    """collect -> plan -> (start the brains) ask -> score -> the report (without its folder)."""
    planned = plan(await collect_views(scenario, opts.seeds, opts.turns), opts.kinds, scenario)
    run = RunOptions(council=opts.council, answer_timeout=opts.answer_timeout)
    brains, quirks, pool = await start_brains(opts.council, new_game(scenario, opts.seeds[0], council), run)
    total = sum(1 + len(variants) for _, variants in planned)
    bar = Progress(total, "probe", unit="answer", leave=False) if opts.progress else None
    try:
        answers = await ask_all(planned, brains, scenario, quirks, parallel, bar, opts.hold_suggestions)
    finally:
        if bar is not None:
            bar.close()
        await season.close_brains(brains)
        if pool is not None:
            await pool.close()
    pairs = [pair_record(rec, council[rec.creature], v, asked[0], changed, opts.hold_suggestions)
             for (rec, variants), asked in zip(planned, answers) for v, changed in zip(variants, asked[1:])]
    views = {m: 0 for m in dict.fromkeys(council.values())}
    for rec, _ in planned:
        views[council[rec.creature]] += 1
    stops = sum(a.reply.fault_kind == "firewall_stop" for row in answers for a in row)
    return {
        "format": REPORT_FORMAT, "version": 1, "council_spec": opts.council, "council": council,
        "seeds": opts.seeds, "turns": opts.turns, "kinds": opts.kinds, "scenario": opts.scenario,
        "collection_council": COLLECTION_COUNCIL, "hold_suggestions": opts.hold_suggestions,
        "views": len(planned), "requests": total,
        "firewall_stops": stops,
        "seeded": {m: bool(getattr(brains.get(c), "seeded", False)) for c, m in council.items()},
        "results": tally(pairs, {m: n for m, n in views.items() if n}, opts.kinds), "pairs": pairs,
    }


def _count(row: dict, key: str) -> str:
    share = row[f"{key}_share"]
    return str(row[key]) if share is None else f"{row[key]} ({100 * share:.0f}%)"


def render_markdown(r: dict) -> str:
    """The report as Markdown (every pair, with both raw answers, is in probe.json)."""
    out = [f"# Responsiveness probes: council `{r['council_spec']}`", "",
           f"Views: {r['views']}, every creature's on turns {', '.join(map(str, r['turns']))} of the seasons of "
           f"seeds {', '.join(map(str, r['seeds']))}, played by the `{r['collection_council']}` council; "
           f"{r['requests']} prompts asked; firewall stops: {r['firewall_stops']}. Definitions: docs/EVAL.md "
           "(\"Responsiveness probes\").", "",
           "Council: " + ", ".join(f"{k} = `{v}`" for k, v in r["council"].items()), "",
           "Sampling from one seed per view: " + ", ".join(
               f"`{m}` {'yes' if s else 'no (deterministic or unseeded)'}" for m, s in r["seeded"].items()), "",
           "Suggested orders and answer grammar: " + (
               "held at the control's (`--hold-suggestions`): the fact changes in the prompt's words only"
               if r.get("hold_suggestions") else
               "each prompt's own, as in the game (they follow a shortage, a tip, a price and a legend)"),
           ""]
    out += ["| kind | the fact changed, and the expected move |", "|---|---|"]
    out += [f"| {k} | {EXPECTED[k]} |" for k in r["kinds"]]
    out += ["", "## Per model and kind", ""]
    head = ["model", "kind", "views", "n/a", "lost", "pairs", "toward", "against", "unchanged", "unreadable",
            "p (sign test)", "verdict"]
    out += markdown_table(head, [[x["model"], x["kind"], x["views"], x["not_applicable"], x["lost"], x["pairs"],
                                  _count(x, "toward"), _count(x, "against"), _count(x, "unchanged"),
                                  x["unreadable"], f"{x['p']:.4f}", x["verdict"]] for x in r["results"]])
    if all("orders" in x for x in r["results"]):
        out += ["", "## By order count", "",
                "The same pairs scored by net buy orders for the fact's goods, quantities left out (the second "
                "score; docs/EVAL.md):", ""]
        out += markdown_table(["model", "kind", "pairs", "toward", "against", "unchanged", "p (sign test)", "verdict"],
                              [[x["model"], x["kind"], x["pairs"], x["orders"]["toward"], x["orders"]["against"],
                                x["orders"]["unchanged"], f"{x['orders']['p']:.4f}", x["orders"]["verdict"]]
                               for x in r["results"]])
    for key, title, scored_by in (("by_suggestion", "By order count", "orders"),
                                  ("by_suggestion_units", "By net demand", "net demand (units)")):
        if not all(key in x for x in r["results"]):
            continue
        out += ["", f"## {title}, split by the suggestion", "",
                f"The same pairs by {scored_by}, split by whether the prompt's suggested orders, scored the same "
                "way, moved with the fact (it reached the suggestion) or stayed the same (the fact is in the "
                "prompt's words only): a model that responds only where the suggestion moved follows the "
                "suggestion, not the fact.", ""]
        rows = [[x["model"], x["kind"], label, s["pairs"], s["toward"], s["against"], s["unchanged"], f"{s['p']:.4f}",
                 s["verdict"]] for x in r["results"]
                for label, s in (("suggestion moved", x[key]["toward"]), ("words only", x[key]["unchanged"]))]
        out += markdown_table(["model", "kind", "fact reached", "pairs", "toward", "against", "unchanged",
                               "p (sign test)", "verdict"], rows)
    return "\n".join(out) + "\n"


def summary_lines(r: dict) -> list[str]:
    """One line per model and kind, for the terminal."""
    return [f"{x['model']} {x['kind']}: {x['pairs']} pairs, toward {x['toward']}, against {x['against']}, "
            f"unchanged {x['unchanged']}, p {x['p']:.4f}: {x['verdict']}"
            + (f"; by orders {x['orders']['toward']}/{x['orders']['against']}, p {x['orders']['p']:.4f}: "
               f"{x['orders']['verdict']}" if "orders" in x else "") for x in r["results"]]

