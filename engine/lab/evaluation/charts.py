"""PNG charts of an evaluation and of a comparison (matplotlib's object API, no pyplot, no display).

matplotlib is optional: `available()` says whether it is installed; without it the reports say that
charts were skipped and every number is still in the Markdown and JSON.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from engine.lab.evaluation.figures import ACTION_KINDS


def available() -> bool:
    """Whether matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure(rows: int, cols: int, size: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False)


def _save(fig, path: Path) -> Path:
    """Write the figure atomically (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def season_chart(season: dict, path: Path) -> Path:
    """Prices, net worth, Gini and trades per turn of one season, in one 2x2 PNG."""
    fig, ax = _figure(2, 2, (11, 7))
    for good, p in season["price_by_turn"].items():
        ax[0][0].plot(range(len(p)), p, label=good)
    ax[0][0].set(title="last price per good", xlabel="turn", ylabel="pebbles")
    ax[0][0].legend(fontsize=8)
    for name, p in season["net_worth_by_turn"].items():
        path_ = [season["net_worth_start"].get(name, 0), *p]
        ax[0][1].plot(range(len(path_)), path_, label=name)
    ax[0][1].set(title="net worth", xlabel="turn", ylabel="pebbles")
    ax[0][1].legend(fontsize=8)
    g = season["gini_by_turn"]
    ax[1][0].plot(range(1, len(g) + 1), g, color="tab:purple")
    ax[1][0].set(title="Gini of net worth", xlabel="turn", ylim=(0, max(0.5, max(g, default=0) * 1.1)))
    t = season["trades_by_turn"]
    ax[1][1].bar(range(1, len(t) + 1), t, color="tab:green")
    ax[1][1].set(title="trades per turn", xlabel="turn")
    fig.suptitle(f"season seed {season['seed']}")
    return _save(fig, path)


def action_mix_chart(shares_by_name: dict[str, dict[str, float]], path: Path, title: str) -> Path:
    """Stacked horizontal bars: each trader's (or council's) action mix as shares."""
    names = list(shares_by_name)
    fig, ax = _figure(1, 1, (9, 0.6 * len(names) + 1.8))
    left = [0.0] * len(names)
    for i, kind in enumerate(ACTION_KINDS):
        vals = [shares_by_name[n].get(kind, 0.0) for n in names]
        if any(vals):
            ax[0][0].barh(names, vals, left=left, label=kind, color=f"C{i}")
            left = [a + b for a, b in zip(left, vals)]
    ax[0][0].set(xlim=(0, 1), xlabel="share of actions")
    fig.suptitle(title)
    ax[0][0].legend(fontsize=8, ncols=len(ACTION_KINDS), loc="lower center", bbox_to_anchor=(0.5, 1.06),
                    frameon=False)
    return _save(fig, path)


def compare_chart(rows: dict[str, dict], gini_paths: dict[str, list[float]], path: Path) -> Path:
    """Councils side by side: the behaviour and liveliness figures, and the mean Gini path."""
    fig, ax = _figure(2, 3, (15, 8))
    labels = list(rows)
    colors = ["tab:red" if i == 0 else "tab:blue" for i in range(len(labels))]
    panels = (("action_divergence_jsd", "behaviour: action-mix divergence (JSD, bits)"),
              ("price_offset_spread", "behaviour: price-offset spread"),
              ("volatility_mean", "liveliness: price volatility"),
              ("trades_per_turn", "liveliness: trades per turn"),
              ("units_per_turn", "units traded per turn"))
    for a, (key, title) in zip([*ax[0], *ax[1]], panels):
        a.bar(range(len(labels)), [rows[k][key] for k in labels], color=colors)
        a.set_xticks(range(len(labels)), labels, rotation=20, ha="right", fontsize=8)
        a.set_title(title, fontsize=10)
    for k, p in gini_paths.items():
        ax[1][2].plot(range(1, len(p) + 1), p, label=k)
    ax[1][2].set(title="Gini path (mean over seeds)", xlabel="turn")
    ax[1][2].legend(fontsize=8)
    return _save(fig, path)


def effects_chart(tests: dict[str, dict[str, dict]], labels: dict[str, str], path: Path) -> Path:
    """The paired comparison as a forest plot: one panel per tested measure, one row per homogeneous
    council, a dot at the effect (the mixed council minus that council, in the measure's own unit) and a
    bar for its 95% bootstrap interval; the dashed line is "no difference". `tests` is the verdict's
    `tests` (measure -> council -> `stats.Paired.as_dict()`).
    """
    measures = list(tests)
    cols = 3
    rows = -(-len(measures) // cols)
    fig, ax = _figure(rows, cols, (15, 3.2 * rows))
    flat = [a for r in ax for a in r]
    for a, m in zip(flat, measures):
        homos = list(tests[m])
        for i, h in enumerate(homos):
            t = tests[m][h]
            color = {"ahead": "tab:green", "behind": "tab:red"}.get(t["call"], "tab:gray")
            a.errorbar([t["effect"]], [i], xerr=[[t["effect"] - t["lo"]], [t["hi"] - t["effect"]]], fmt="o",
                       color=color, capsize=4)
            a.annotate(f"p = {t['p']:.3f}", (t["effect"], i), textcoords="offset points", xytext=(0, 7),
                       ha="center", fontsize=8)
        a.axvline(0, color="black", linestyle="--", linewidth=0.8)
        a.set_yticks(range(len(homos)), homos, fontsize=8)
        a.set_ylim(-0.7, len(homos) - 0.3)
        a.set_title(f"{labels.get(m, m)}: mixed minus", fontsize=10)
    for a in flat[len(measures):]:
        a.set_visible(False)
    fig.suptitle("paired effect of the mixed council, 95% bootstrap interval (green: ahead, red: behind, gray: not enough evidence)",
                 fontsize=10)
    return _save(fig, path)
