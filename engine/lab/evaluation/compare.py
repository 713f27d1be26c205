"""`tokenwood compare`: a heterogeneous council against homogeneous ones, on the same seeds.

    hetero + homo councils -> run_eval each (own folder, resumable) -> per-council means
        -> verdict on the claim -> compare.json, compare.md, charts/compare.png

The claim under test: "different models behave differently, and the market is livelier for it".
Five measures were declared before any run (docs/EVAL.md, "The pre-declared measures"); each is
compared between the heterogeneous council and every homogeneous one, seed by seed, with a paired test
(`stats.paired`: effect, bootstrap 95% interval, sign-flip p), which says "ahead", "behind" or "not
enough evidence". Behaviour rests on the action-mix divergence; liveliness on price volatility, trades
per turn, price moves per turn and distinct prices; net-worth spread is reported but decides nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from engine.lab.evaluation import charts, stats
from engine.lab.evaluation.errors import EvalError
from engine.lab.evaluation.report import EvalOptions, run_eval, slug
from engine.play.saves import write_atomic

METRICS = ("action_divergence_jsd", "price_offset_spread", "volatility_mean", "trades_per_turn",
           "units_per_turn", "price_moves_per_turn", "distinct_prices", "net_worth_spread", "gini_mean", "gini_final")
"""Per-season figures averaged per council (docs/EVAL.md defines each)."""
PARTS = {"behaviour": ("action_divergence_jsd",),
         "liveliness": ("volatility_mean", "trades_per_turn", "price_moves_per_turn", "distinct_prices")}
"""The pre-declared measures of each part of the claim (docs/EVAL.md)."""
REPORTED = ("net_worth_spread",)
"""Pre-declared measures tested and reported, but not part of the verdict."""
LABELS = {"action_divergence_jsd": "action-mix divergence (JSD bits)", "volatility_mean": "price volatility",
          "trades_per_turn": "trades per turn", "price_moves_per_turn": "price moves per turn",
          "distinct_prices": "distinct prices traded", "net_worth_spread": "net-worth spread (CV)"}
"""How each tested measure is named in the verdict."""
CLAIM = "different models behave differently, and the market is livelier for it"


@dataclass
class CompareOptions:
    """What `tokenwood compare` was asked to do."""

    hetero: str = "embedded"
    """The heterogeneous council (two models at least)."""
    homo: list[str] = field(default_factory=list)
    """Homogeneous councils (one model on every creature); empty: one per model of the heterogeneous council."""
    seeds: list[int] = field(default_factory=lambda: [1, 2, 3])
    """The same seeds for every council."""
    turns: int | None = None
    """Turns per season (default: the whole season)."""
    out: str | None = None
    """Folder (default: compares/<hetero>-t<turns>); each council's evaluation is a subfolder."""
    scenario: str | None = None
    """Scenario file."""
    patron_script: str | None = None
    """Patron moves file."""
    progress: bool = True
    """Progress bars on stderr."""
    charts: bool = True
    """Write PNG charts (when matplotlib is installed)."""
    parallel: int | None = None
    """Seasons of a council played at once (None: `report.default_parallel`)."""


def _council(spec: str, scenario: str | None) -> dict[str, str]:
    from engine.play.council import CouncilError, resolve_council
    from engine.play.scenario_files import ScenarioError, load_scenario

    try:
        return resolve_council(spec, load_scenario(scenario))
    except (CouncilError, ScenarioError) as err:
        raise EvalError(str(err)) from None


def councils(opts: CompareOptions) -> dict[str, tuple[str, dict[str, str]]]:
    """Label -> (spec, resolved council), the heterogeneous one first; checks each one's kind."""
    het = _council(opts.hetero, opts.scenario)
    if len(set(het.values())) < 2:
        raise EvalError(f"--hetero {opts.hetero!r}: a heterogeneous council needs two models at least, "
                        f"got {sorted(set(het.values()))}")
    homos = list(opts.homo) or [",".join(f"{c}={m}" for c in het) for m in dict.fromkeys(het.values())]
    out = {"hetero": (opts.hetero, het)}
    for spec in homos:
        council = _council(spec, opts.scenario)
        models = sorted(set(council.values()))
        if len(models) != 1:
            raise EvalError(f"--homo {spec!r}: a homogeneous council puts one model on every creature, got {models}")
        label = f"homo-{slug(models[0])}"
        n = 2
        while label in out:
            label, n = f"homo-{slug(models[0])}-{n}", n + 1
        out[label] = (spec, council)
    return out


def labs(models: list[str]) -> list[str]:
    """The labs behind model ids, from the model registry ("scripted" for scripted brains, "?" if unknown)."""
    out = set()
    for m in models:
        if m.startswith("scripted"):
            out.add("scripted")
            continue
        try:
            from engine.models.registry import load_registry
            out.add(load_registry().get(m).lab)
        except Exception:  # an unknown id or no registry: the comparison still runs
            out.add("?")
    return sorted(out)


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def council_figures(report: dict) -> dict:
    """Means over seasons of the compared figures, the per-seed values, and the mean Gini path."""
    seasons = report["seasons"]
    row = {m: round(_mean([s[m] for s in seasons]), 5) for m in METRICS}
    row["per_seed"] = {str(s["seed"]): {m: s[m] for m in METRICS} for s in seasons}
    turns = min((len(s["gini_by_turn"]) for s in seasons), default=0)
    row["gini_path"] = [round(_mean([s["gini_by_turn"][t] for s in seasons]), 6) for t in range(turns)]
    row["models"] = sorted(set(report["council"].values()))
    row["labs"] = labs(row["models"])
    return row


def paired_tests(rows: dict[str, dict]) -> dict[str, dict[str, stats.Paired]]:
    """Measure -> homogeneous council -> the paired comparison of hetero against it, over the shared seeds."""
    het = rows["hetero"]
    seeds = list(het["per_seed"])
    out: dict[str, dict[str, stats.Paired]] = {}
    for m in (*PARTS["behaviour"], *PARTS["liveliness"], *REPORTED):
        out[m] = {}
        for label, r in rows.items():
            if label != "hetero":
                out[m][label] = stats.paired([het["per_seed"][s][m] for s in seeds],
                                             [r["per_seed"][s][m] for s in seeds])
    return out


def _part(tests: dict[str, dict[str, stats.Paired]], measures: tuple[str, ...]) -> str:
    """"yes": every measure ahead against every homogeneous council; "no": none ahead; else "mixed"."""
    calls = [t.call for m in measures for t in tests[m].values()]
    return "yes" if all(c == "ahead" for c in calls) else "no" if "ahead" not in calls else "mixed"


def line(measure: str, homo: str, t: stats.Paired) -> str:
    """One verdict line: effect, relative effect, 95% interval, p, the call and the seeds it would need.

    >>> line("trades_per_turn", "homo-x", stats.Paired(n=4, effect=0.25, lo=0.15, hi=0.35, p=0.125, base=1.0,
    ...                                                needed=6))
    'trades per turn vs homo-x: +0.250 (+25% of 1.000), 95% interval [+0.150, +0.350], p = 0.125: not enough evidence (4 seeds; about 6 needed for this effect)'
    """
    rel = f" ({t.effect / t.base:+.0%} of {t.base:.3f})" if t.base else ""
    need = f"about {t.needed} needed for this effect" if t.needed else "no effect to detect"
    return (f"{LABELS[measure]} vs {homo}: {t.effect:+.3f}{rel}, 95% interval [{t.lo:+.3f}, {t.hi:+.3f}], "
            f"p = {t.p:.3f}: {t.call} ({t.n} seeds; {need})")


def verdict(rows: dict[str, dict]) -> dict:
    """The verdict on the claim, with every paired comparison it rests on (docs/EVAL.md, "The verdict").

    Each (measure, homogeneous council) pair is "ahead", "behind" or "not enough evidence". A part is
    "yes" when all its pairs are ahead, "no" when none is, else "mixed". Supported: both parts yes; not
    supported: no pair ahead and one at least behind; not enough evidence: no pair decided; else partly.
    """
    tests = paired_tests(rows)
    beh, live = _part(tests, PARTS["behaviour"]), _part(tests, PARTS["liveliness"])
    decided = [t.call for m in (*PARTS["behaviour"], *PARTS["liveliness"]) for t in tests[m].values()]
    status = ("supported" if beh == live == "yes"
              else "not enough evidence" if all(c == "not enough evidence" for c in decided)
              else "not supported" if "ahead" not in decided else "partly supported")
    n = next(iter(next(iter(tests.values())).values())).n
    head = {"supported": f"This run SUPPORTS the claim \"{CLAIM}\"",
            "partly supported": f"This run PARTLY supports the claim \"{CLAIM}\"",
            "not supported": f"This run does NOT support the claim \"{CLAIM}\"",
            "not enough evidence": f"This run gives NOT ENOUGH EVIDENCE either way on the claim \"{CLAIM}\""}[status]
    tag = {m: part for part, ms in PARTS.items() for m in ms} | {m: "reported only" for m in REPORTED}
    details = [f"Behaviour: {beh}; liveliness: {live}."]
    details += [f"[{tag[m]}] {line(m, h, t)}" for m, by in tests.items() for h, t in by.items()]
    needs = {m: [t.needed for t in by.values() if t.needed] for m, by in tests.items()}
    power = (f"Power: {n} seed(s) per council; to settle each observed effect at its variance (80% power, 5% level) "
             "a run would need about " + ", ".join(f"{max(v)} ({LABELS[m]})" if v else f"- ({LABELS[m]}: no effect)"
                                                  for m, v in needs.items()) + " seeds.")
    return {"status": status, "behaviour": beh, "liveliness": live, "seeds": n,
            "tests": {m: {h: t.as_dict() for h, t in by.items()} for m, by in tests.items()},
            "text": head + f" ({n} seed(s)).", "details": details, "power": power}


def run_compare(opts: CompareOptions) -> dict:
    """Evaluate every council on the same seeds, then write the comparison; return it."""
    plan = councils(opts)
    turns = opts.turns
    out = Path(opts.out) if opts.out else Path("compares") / f"{slug(opts.hetero)}-t{turns or 'all'}"
    reports = {}
    for label, (spec, _) in plan.items():
        reports[label] = run_eval(EvalOptions(council=spec, turns=turns, seeds=list(opts.seeds), out=str(out / label),
                                              scenario=opts.scenario, patron_script=opts.patron_script,
                                              progress=opts.progress, charts=opts.charts, parallel=opts.parallel))
    rows = {label: council_figures(r) for label, r in reports.items()}
    v = verdict(rows)
    if rows["hetero"]["labs"] != ["scripted"] and len(rows["hetero"]["labs"]) < 2:
        v["details"].append(f"Note: the heterogeneous council's models come from one lab only "
                            f"({', '.join(rows['hetero']['labs'])}); the claim is about models from different labs.")
    result = {
        "format": "tokenwood-compare", "version": 2, "folder": str(out), "claim": CLAIM,
        "councils": {label: {"spec": spec, "council": council, "folder": label}
                     for label, (spec, council) in plan.items()},
        "seeds": list(opts.seeds), "turns": reports["hetero"]["turns"],
        "figures": rows, "verdict": v, "charts": [], "charts_note": "",
    }
    if opts.charts and charts.available():
        path = charts.compare_chart(rows, {k: r["gini_path"] for k, r in rows.items()}, out / "charts" / "compare.png")
        result["charts"].append(str(path.relative_to(out)))
        path = charts.effects_chart(v["tests"], LABELS, out / "charts" / "effects.png")
        result["charts"].append(str(path.relative_to(out)))
    elif opts.charts:
        result["charts_note"] = "charts skipped: matplotlib is not installed"
    write_atomic(out / "compare.json", json.dumps(result, indent=1) + "\n")
    write_atomic(out / "compare.md", render_markdown(result))
    return result


def render_markdown(r: dict) -> str:
    """The comparison as Markdown."""
    v = r["verdict"]
    out = ["# Heterogeneous versus homogeneous councils", "",
           f"{len(r['seeds'])} seed(s) ({', '.join(map(str, r['seeds']))}), {r['turns']} turns each. "
           "Figure definitions: docs/EVAL.md.", "", f"**{v['text']}**", ""]
    out += [f"- {d}" for d in v["details"]]
    out += ["", v["power"], "", "| measure | against | effect | 95% interval | p | call | seeds needed |",
            "|---|---|---|---|---|---|---|"]
    for m, by in v["tests"].items():
        out += [f"| {LABELS[m]} | {h} | {t['effect']:+.4f} | [{t['lo']:+.4f}, {t['hi']:+.4f}] | {t['p']:.3f} | "
                f"{t['call']} | {t['needed'] or '-'} |" for h, t in by.items()]
    out += ["", "Means over seeds:", "", "| council | models | labs | divergence (JSD bits) | price-offset spread | "
                "volatility | trades/turn | units/turn | price moves/turn | distinct prices | net-worth spread | "
                "Gini mean | Gini final |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, f in r["figures"].items():
        out.append(f"| {label} | {', '.join(f['models'])} | {', '.join(f['labs'])} | "
                   + " | ".join(str(f[m]) for m in METRICS) + " |")
    out += ["", "Gini path (mean over seeds, per turn):", ""]
    out += [f"- {label}: " + " ".join(f"{g:.3f}" for g in f["gini_path"]) for label, f in r["figures"].items()]
    out += ["", "Councils (each one's full report is in its folder):", ""]
    out += [f"- {label}: `{c['spec']}` -> [{c['folder']}/report.md]({c['folder']}/report.md)"
            for label, c in r["councils"].items()]
    if r["charts"]:
        out += ["", *(f"![{c}]({c})" for c in r["charts"])]
    elif r["charts_note"]:
        out += ["", f"_{r['charts_note']}_"]
    return "\n".join(out) + "\n"
