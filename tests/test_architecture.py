"""The architecture, stated once: which layer of the engine may import which.

engine/
  core/      the rules: pure, no I/O; imports itself, the standard library and pydantic only
  mind/      views, prompts, parse-and-repair; imports the core
  models/    the model registry, hardware and weight preparation
  brains/    who decides: scripted, replayed, human, model-backed; imports core, mind, models
  play/      the game loop, headless seasons, saves, councils; the layer where files and clocks come in
  lab/       evaluation, distillation, the doctor
  commands/  the command line's headless commands
tokenwood_tui/ the terminal UI; may import any of the engine, never the other way round

Every import in every module is read from its syntax tree (imports inside functions included), so a
lazy import cannot slip past.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "engine"

ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "mind": {"core", "mind"},
    "models": {"models"},
    "brains": {"core", "mind", "models", "brains"},
    "play": {"core", "mind", "models", "brains", "play"},
    "lab": {"core", "mind", "models", "brains", "play", "lab"},
    "commands": {"core", "mind", "models", "brains", "play", "lab", "commands"},
}
"""For each layer of the engine, the layers it may import."""

CORE_THIRD_PARTY = {"pydantic", "annotated_types"}
"""The only packages outside the standard library the core may import."""

CORE_NO_IO = {"os", "pathlib", "subprocess", "socket", "shutil", "tempfile", "io", "asyncio",
              "importlib", "tomllib", "json", "time", "datetime", "logging", "sys"}
"""Standard-library modules that mean files, processes, clocks or the console: not in the core."""

HEAVY = {"torch", "matplotlib", "vllm", "transformers", "numpy"}
"""Heavy runtimes that only the lab, the brains and the models may reach."""


def imports_of(path: Path) -> list[str]:
    """Every absolute module name a file imports (relative imports are resolved against its package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "engine":  # `from engine import core` names a layer
                names += [f"engine.{a.name}" for a in node.names]
            else:
                names.append(module)
    return names


def layer_of(module: str) -> str | None:
    """The engine layer a dotted module name belongs to (None outside the engine's layers)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "engine" and parts[1] in ALLOWED else None


def engine_files() -> list[Path]:
    """Every Python file of the engine."""
    return sorted(p for p in ENGINE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_engine_module_lives_in_a_layer():
    loose = [p.relative_to(ROOT).as_posix() for p in ENGINE.glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"modules outside every layer (put each in one of {sorted(ALLOWED)}): {loose}"


@pytest.mark.parametrize("path", engine_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_layer_imports_only_what_it_may(path):
    own = layer_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
    bad = []
    for module in imports_of(path):
        top = module.split(".")[0]
        if top == "tokenwood_tui":
            bad.append(f"{module} (the engine never imports the UI)")
        elif top == "engine" and own is not None:
            target = layer_of(module)
            if target is None and module != "engine":
                bad.append(f"{module} (not in a layer)")
            elif target is not None and target not in ALLOWED[own]:
                bad.append(f"{module} ({own} may import only {sorted(ALLOWED[own])})")
        elif own not in ("lab", "brains", "models") and top in HEAVY:
            bad.append(f"{module} (heavy runtimes stay in lab, brains and models)")
        if own == "core" and top != "engine":
            if top in CORE_NO_IO:
                bad.append(f"{module} (the core does no I/O)")
            elif top not in sys.stdlib_module_names and top not in CORE_THIRD_PARTY and top != "__future__":
                bad.append(f"{module} (the core imports only the standard library and pydantic)")
    assert not bad, f"{path.relative_to(ROOT)} imports: " + "; ".join(bad)


def test_the_checker_sees_a_lazy_import_of_the_ui(tmp_path, monkeypatch):
    """The scan reads imports inside functions too: a planted one is found."""
    planted = tmp_path / "engine" / "core" / "x.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("def f():\n    from tokenwood_tui import app\n    from ..play import game\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert imports_of(planted) == ["tokenwood_tui", "engine.play"]
