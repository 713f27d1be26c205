"""Councils: which brain thinks for each creature.

A council spec is a preset name (`scripted`, `embedded`, `seed`), a path to a TOML council file
(`[council]` table of creature = model id), or an inline list `Oona=smollm2-135m,Sorrel=gemma3-270m`.
Creatures not named keep their scripted temperament. Model ids are looked up in the model registry
(`engine.models.registry`); `scripted` (or `scripted:<temperament>`) means a scripted brain.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from engine.core.scenario import Scenario

PRESETS: dict[str, list[str]] = {
    "scripted": [],
    "embedded": ["smollm2-135m", "gemma3-270m", "smollm2-135m", "gemma3-270m"],
    "seed": ["gpt-oss-20b", "minicpm3-4b", "nemotron-mini-4b", "qwen2.5-0.5b"],
}
"""Preset -> models for the scenario's creatures in order (empty: all scripted)."""


class CouncilError(ValueError):
    """A council that cannot be built; the message says which part is wrong."""


def resolve_council(spec: str | None, scenario: Scenario) -> dict[str, str]:
    """Creature name -> model id ("scripted:<temperament>" for scripted creatures)."""
    council = {t.name: f"scripted:{t.temperament}" for t in scenario.traders}
    spec = (spec or "scripted").strip()
    names = {t.name.lower(): t.name for t in scenario.traders}
    if spec in PRESETS:
        for t, model in zip(scenario.traders, PRESETS[spec]):
            council[t.name] = model
        return council
    if spec.endswith(".toml") or Path(spec).is_file():
        try:
            data = tomllib.loads(Path(spec).read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise CouncilError(f"{spec}: cannot read council file: {err}") from None
        pairs = data.get("council")
        if not isinstance(pairs, dict):
            raise CouncilError(f"{spec}: a council file needs a [council] table of creature = model")
        items = list(pairs.items())
    else:
        items = []
        for part in spec.split(","):
            if "=" not in part:
                raise CouncilError(f"--council {spec!r}: expected a preset ({', '.join(PRESETS)}), a .toml "
                                   f"file, or creature=model pairs; got {part!r}")
            k, v = part.split("=", 1)
            items.append((k, v))
    for creature, model in items:
        key = str(creature).strip().lower()
        if key not in names:
            raise CouncilError(f"council: no creature called {creature!r} (creatures: "
                               f"{', '.join(names.values())})")
        model = str(model).strip()
        if model == "scripted":
            model = f"scripted:{scenario.trader(names[key]).temperament}"
        council[names[key]] = model
    return council


def is_scripted(model: str) -> bool:
    """Whether a council entry is a scripted brain."""
    return model.startswith("scripted")
