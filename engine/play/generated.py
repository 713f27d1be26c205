"""Generated woods: scenarios of any size built from the default one, for scale benchmarks."""

from __future__ import annotations

from engine.core.scenario import Scenario
from engine.play.scenario_files import load_scenario


def generated_wood(n: int, *, season_length: int = 40) -> Scenario:
    """A wood of `n` scripted creatures built from the default one (for scale benchmarks)."""
    base = load_scenario()
    traders = []
    temperaments = ["hoarder", "speculator", "cautious"]
    for i in range(n):
        t = base.traders[i % len(base.traders)]
        traders.append(t.model_copy(update={
            "name": f"{t.name}{i}", "temperament": temperaments[i % 3],
        }))
    return base.model_copy(update={"name": f"Generated wood of {n}", "traders": traders,
                                   "season_length": season_length,
                                   "treasury": base.treasury * max(1, n // 4)})
