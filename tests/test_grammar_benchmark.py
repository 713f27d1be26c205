"""benchmarks/grammar_compile.py compiles real answer grammars with a prepared model's tokenizer and
prints its figure (the figure itself is a benchmark's, not a test's: no time is asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.models.prepare import available
from engine.models.registry import load_registry

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "grammar_compile.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_it_prints_one_figure_per_schema_count():
    pytest.importorskip("xgrammar")
    ok, why = available("smollm2-135m", load_registry(None))
    if not ok:
        pytest.skip(f"smollm2-135m is not prepared here ({why})")
    proc = _run("--turns", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-2].startswith("4 schemas (smollm2-135m, seed 5, 1 turns)")  # the four creatures of one turn
    assert re.fullmatch(r"RESULT grammar_compile_median_ms=\d+\.\d", lines[-1])


def test_an_unknown_model_is_a_clear_error():
    pytest.importorskip("xgrammar")
    proc = _run("--model", "no-such-model", "--turns", "1")
    assert proc.returncode == 1
    assert "no model 'no-such-model' in the registry" in proc.stdout
