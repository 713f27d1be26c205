"""`tokenwood compare`: a heterogeneous council against homogeneous ones, on the same seeds.

    hetero + homo councils -> run_eval each (own folder, resumable) -> per-council means
        -> verdict on the claim -> compare.json, compare.md, charts/compare.png

The claim under test: "different models behave differently, and the market is livelier for it".
- *behave differently*: the heterogeneous council's creatures are further apart in their action
  mixes (mean pairwise Jensen-Shannon divergence) and in their price-setting (price-offset spread)
  than those of every homogeneous council;
- *livelier*: its prices move more (mean volatility) and it trades more (trades per turn) than every
  homogeneous council.
Behaviour also weighs the spread of the creatures' price-setting. Each part is "yes" (ahead on both of
its figures), "mixed" or "no"; both yes: supported; both no: not supported; else partly supported.
Per-seed counts say how consistent each figure was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from engine.lab.evaluation import charts
from engine.lab.evaluation.errors import EvalError
from engine.lab.evaluation.report import EvalOptions, run_eval, slug
from engine.play.saves import write_atomic

METRICS = ("action_divergence_jsd", "price_offset_spread", "volatility_mean", "trades_per_turn",
           "units_per_turn", "gini_mean", "gini_final")
"""Per-season figures averaged per council (docs/EVAL.md defines each)."""
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


def _ahead(rows: dict[str, dict], metric: str) -> tuple[bool, int, int]:
    """Whether hetero's mean beats every homogeneous mean, and on how many seeds it beat them all."""
    het = rows["hetero"]
    homos = [r for k, r in rows.items() if k != "hetero"]
    mean_ahead = all(het[metric] > h[metric] for h in homos)
    seeds = list(het["per_seed"])
    wins = sum(all(het["per_seed"][s][metric] > h["per_seed"][s][metric] for h in homos) for s in seeds)
    return mean_ahead, wins, len(seeds)


def _part(rows: dict[str, dict], metrics: tuple[str, ...]) -> tuple[str, dict[str, int], int]:
    """"yes" when hetero's mean leads every homogeneous council on every metric, "mixed" on some, else "no"."""
    results = {m: _ahead(rows, m) for m in metrics}
    ahead = sum(r[0] for r in results.values())
    word = "yes" if ahead == len(metrics) else "mixed" if ahead else "no"
    n = next(iter(results.values()))[2]
    return word, {m: r[1] for m, r in results.items()}, n


def verdict(rows: dict[str, dict]) -> dict:
    """The verdict on the claim, with the numbers it rests on.

    Behaviour rests on the action-mix divergence and the price-offset spread; liveliness on price
    volatility and trades per turn. Each part is "yes" (hetero ahead of every homogeneous council on
    both of its figures), "mixed" (on one) or "no". Supported: both parts yes; not supported: both no.
    """
    beh, beh_w, n = _part(rows, ("action_divergence_jsd", "price_offset_spread"))
    live, live_w, _ = _part(rows, ("volatility_mean", "trades_per_turn"))
    status = ("supported" if beh == live == "yes" else "not supported" if beh == live == "no"
              else "partly supported")
    het = rows["hetero"]
    homos = {k: r for k, r in rows.items() if k != "hetero"}

    def vs(metric: str, nd: int = 3) -> str:
        return f"{het[metric]:.{nd}f} vs " + ", ".join(f"{r[metric]:.{nd}f} ({k})" for k, r in homos.items())

    word = {"yes": "clearly", "mixed": "only partly", "no": "not"}
    lines = [
        f"Behaviour ({beh}): the heterogeneous council's creatures were {word[beh]} further apart than every "
        f"homogeneous council's: action-mix divergence {vs('action_divergence_jsd')} bits (ahead of all on "
        f"{beh_w['action_divergence_jsd']}/{n} seeds); price-offset spread {vs('price_offset_spread')} "
        f"(ahead of all on {beh_w['price_offset_spread']}/{n} seeds).",
        f"Liveliness ({live}): the market was {word[live]} livelier: price volatility {vs('volatility_mean', 4)} "
        f"(ahead of all on {live_w['volatility_mean']}/{n} seeds); trades per turn {vs('trades_per_turn', 2)} "
        f"(ahead of all on {live_w['trades_per_turn']}/{n} seeds).",
    ]
    wins = beh_w | live_w
    head = {"supported": f"This run SUPPORTS the claim \"{CLAIM}\"",
            "partly supported": f"This run PARTLY supports the claim \"{CLAIM}\"",
            "not supported": f"This run does NOT support the claim \"{CLAIM}\""}[status]
    caveat = f" ({n} seed(s)"
    if status == "supported" and any(w < n for w in wins.values()):
        caveat += ", though not on every seed"
    if n < 3:
        caveat += "; too few seeds to call it robust"
    return {"status": status, "behaviour": beh, "liveliness": live, "seed_wins": wins, "seeds": n,
            "text": head + caveat + ").", "details": lines}


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
        "format": "tokenwood-compare", "version": 1, "folder": str(out), "claim": CLAIM,
        "councils": {label: {"spec": spec, "council": council, "folder": label}
                     for label, (spec, council) in plan.items()},
        "seeds": list(opts.seeds), "turns": reports["hetero"]["turns"],
        "figures": rows, "verdict": v, "charts": [], "charts_note": "",
    }
    if opts.charts and charts.available():
        path = charts.compare_chart(rows, {k: r["gini_path"] for k, r in rows.items()}, out / "charts" / "compare.png")
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
    out += [f"- {line}" for line in v["details"]]
    out += ["", "| council | models | labs | divergence (JSD bits) | price-offset spread | volatility | trades/turn | "
                "units/turn | Gini mean | Gini final |", "|---|---|---|---|---|---|---|---|---|---|"]
    for label, f in r["figures"].items():
        out.append(f"| {label} | {', '.join(f['models'])} | {', '.join(f['labs'])} | {f['action_divergence_jsd']} | "
                   f"{f['price_offset_spread']} | "
                   f"{f['volatility_mean']} | {f['trades_per_turn']} | {f['units_per_turn']} | {f['gini_mean']} | "
                   f"{f['gini_final']} |")
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
