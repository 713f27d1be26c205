"""Scenario files: a TOML file (or a bundled scenario's name) -> a validated `Scenario`.

A bad file raises `ScenarioError`, whose message names the file, the field and the bad value.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from engine.core.scenario import Scenario


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the field and the bad value."""


def _describe(err: ValidationError) -> str:
    """The first three validation errors, each as "field.path: message (got value)"."""
    parts = []
    for e in err.errors()[:3]:
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        parts.append(f"{where}: {e['msg']} (got {e.get('input')!r:.80})")
    return "; ".join(parts)


def parse_scenario(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate a scenario mapping; raise `ScenarioError` naming the field on failure."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(f"{source}: {_describe(err)}") from None


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load a scenario TOML file, or the embedded default when `path` is None or "default"."""
    if path is None or str(path) == "default":
        text = resources.files("engine").joinpath("scenarios/default.toml").read_text("utf-8")
        source = "default.toml"
    else:
        p = Path(path)
        if not p.is_file():
            bundled = resources.files("engine").joinpath(f"scenarios/{p.name}")
            if not str(path).endswith(".toml"):
                bundled = resources.files("engine").joinpath(f"scenarios/{path}.toml")
            if not bundled.is_file():
                raise ScenarioError(f"{path}: no such scenario file")
            text, source = bundled.read_text("utf-8"), str(path)
        else:
            text, source = p.read_text("utf-8"), str(p)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{source}: not valid TOML: {err}") from None
    return parse_scenario(data, source)
