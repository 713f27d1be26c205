"""How long xgrammar takes to compile a creature's answer grammar: every creature's schema over a scripted
season, with a registry model's limits, compiled without xgrammar's cache (each turn's schema is new).

    python benchmarks/grammar_compile.py [--model smollm2-135m] [--seed 5] [--turns 12]

Needs the model prepared (`tokenwood models prepare`, or `make setup`) for its tokenizer. Prints the
median, 90th percentile and worst milliseconds per schema and, on its last line, for machines:
`RESULT grammar_compile_median_ms=...`. vLLM compiles one grammar per request before the first token, so
this adds to every constrained answer's time (an answer takes seconds on the CPU machines).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.core.answer import limit_schema  # noqa: E402
from engine.mind.prompt import answer_schema  # noqa: E402
from engine.mind.view import view_for  # noqa: E402
from engine.models.prepare import available, weights_path  # noqa: E402
from engine.models.registry import load_registry  # noqa: E402
from tests.conftest import play, scripted_game  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--turns", type=int, default=12)
    args = ap.parse_args()
    try:
        import xgrammar as xgr
        from transformers import AutoTokenizer
    except ImportError as exc:
        print(f"needs vLLM's packages (xgrammar, transformers): {exc}")
        return 1
    registry = load_registry()
    if args.model not in registry.models:
        print(f"no model {args.model!r} in the registry: {', '.join(sorted(registry.models))}")
        return 1
    ok, why = available(args.model, registry)
    if not ok:
        print(f"{args.model} is not prepared ({why}): run `tokenwood models prepare {args.model}`")
        return 1
    spec = registry.models[args.model]
    info = xgr.TokenizerInfo.from_huggingface(AutoTokenizer.from_pretrained(weights_path(args.model, registry)))
    compiler = xgr.GrammarCompiler(info, cache_enabled=False)
    so = spec.structured
    game = scripted_game(seed=args.seed)
    ms: list[float] = []
    for _ in range(args.turns):
        play(game, 1)
        for trader in game.state.scenario.traders:
            schema = limit_schema(answer_schema(view_for(game.state, trader.name)), so.max_array_items,
                                  so.max_string_length)
            start = time.perf_counter()
            compiler.compile_json_schema(json.dumps(schema), any_whitespace=not so.disable_any_whitespace)
            ms.append((time.perf_counter() - start) * 1000)
    ms.sort()
    print(f"{len(ms)} schemas ({args.model}, seed {args.seed}, {args.turns} turns): "
          f"median {statistics.median(ms):.0f} ms, p90 {ms[int(0.9 * (len(ms) - 1))]:.0f} ms, worst {ms[-1]:.0f} ms")
    print(f"RESULT grammar_compile_median_ms={statistics.median(ms):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
