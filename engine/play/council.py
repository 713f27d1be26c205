"""Councils: which brain thinks for each creature.

A council spec is a preset name (`scripted`, `embedded`, `seed`), a path to a TOML council file
(`[council]` table of creature = model), or an inline list `Oona=smollm2-135m,Sorrel=gemma3-270m`.
Creatures not named keep their scripted temperament. A model is a registry id (`engine.models.registry`),
`scripted` (or `scripted:<temperament>`) for a scripted brain, or an inline model (`engine.models.inline`:
`local:PATH`, `hub:ORG/NAME`, `openai:URL@MODEL[?key=ENV_VAR]`), which becomes a registry entry of this
process and is named by its id in the council.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from engine.core.scenario import Scenario
from engine.models.inline import FORMS, is_inline

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
        elif is_inline(model):
            model = _inline(creature, model)
        elif ":" in model and not is_scripted(model):
            raise CouncilError(f"council: {creature}={model}: not a model; expected a registry id, scripted, "
                               f"or {FORMS}")
        council[names[key]] = model
    return council


def _inline(creature: str, text: str) -> str:
    """Register an inline model for this process and return its id (`CouncilError` when refused)."""
    from engine.models.inline import InlineError, parse_inline
    from engine.models.registry import RegistryError, add_session_model, load_registry

    try:
        spec = parse_inline(text, load_registry().models)
    except (InlineError, RegistryError) as err:
        raise CouncilError(f"council: {creature}={err}") from None
    add_session_model(spec)
    return spec.id


def is_scripted(model: str) -> bool:
    """Whether a council entry is a scripted brain."""
    return model.startswith("scripted")
