"""Benchmark: how much of a turn's prompt reading the engines' prefix cache saves, on real prompts.

    python benchmarks/prefix_cache.py [--turns 6] [--models smollm2-135m,gemma3-270m]

Plays a scripted season for `--turns` turns and keeps every creature's real prompt of every turn
(built by engine/mind/prompt.py, whose unchanging opening comes first). Then, once with vLLM's automatic
prefix caching off and once on, it sends each turn's four prompts together (two creatures per model,
as the embedded council seats them) asking for one new token, so the time is the prompt reading.
Prints the prefill time per turn and a last line:

    RESULT prefill_off_s=... prefill_on_s=... saved=...% prompt_tokens=...

(medians over turns 2.., where the cache can hold what earlier turns read). Needs the real-model venv.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.brains.patron import SchemingPatron  # noqa: E402
from engine.brains.scripted import ScriptedCreature  # noqa: E402
from engine.brains.vllm import EnginePool, _encode  # noqa: E402
from engine.core.newgame import new_game  # noqa: E402
from engine.core.scenario import PATRON  # noqa: E402
from engine.mind.prompt import build_prompt  # noqa: E402
from engine.mind.view import view_for  # noqa: E402
from engine.models.hardware import cpu_info  # noqa: E402
from engine.models.prepare import prepare  # noqa: E402
from engine.models.registry import load_registry  # noqa: E402
from engine.play.council import resolve_council  # noqa: E402
from engine.play.game import Game  # noqa: E402
from engine.play.scenario_files import load_scenario  # noqa: E402


def real_prompts(turns: int) -> list[dict[str, str]]:
    """Each turn's prompt per creature, from a scripted season of seed 11."""
    scenario = load_scenario()
    state = new_game(scenario, 11, resolve_council("scripted", scenario))
    brains = {t.name: ScriptedCreature(t.temperament) for t in scenario.traders}
    game = Game(state=state, brains={**brains, PATRON: SchemingPatron()})
    out = []
    for _ in range(turns):
        out.append({n: build_prompt(view_for(game.state, n)) for n in brains})
        asyncio.run(game.play(1))
    return out


def registry_with(models: list[str], caching: bool):
    registry = load_registry()
    entries = dict(registry.models)
    for mid in models:
        spec = entries[mid]
        entries[mid] = spec.model_copy(update={"engine": spec.engine.model_copy(update={"prefix_caching": caching})})
    return registry.model_copy(update={"models": entries})


async def prefill_turns(models: list[str], prompts: list[dict[str, str]], caching: bool) -> tuple[list[float], int]:
    from vllm import SamplingParams

    pool = EnginePool(models, registry=registry_with(models, caching))
    await pool.start()
    seat = {name: models[i % len(models)] for i, name in enumerate(prompts[0])}
    times, tokens = [], 0
    try:
        for turn in prompts:
            async def one(name: str, text: str) -> int:
                engine = pool.engines[seat[name]]
                ids = _encode(engine, text)
                params = SamplingParams(temperature=0.0, max_tokens=1)
                async for _ in engine.llm.generate({"prompt_token_ids": ids}, params, request_id=f"p-{name}-{time.monotonic_ns()}"):
                    pass
                return len(ids)

            start = time.monotonic()
            counts = await asyncio.gather(*(one(n, p) for n, p in turn.items()))
            times.append(time.monotonic() - start)
            tokens = max(tokens, sum(counts))
    finally:
        await pool.close()
    return times, tokens


async def run(models: list[str], prompts: list[dict[str, str]]) -> None:
    print(f"processor: {cpu_info().describe()}", flush=True)
    for mid in models:
        prepare(mid)
    off, tokens = await prefill_turns(models, prompts, caching=False)
    on, _ = await prefill_turns(models, prompts, caching=True)
    print("prefill per turn, cache off:", " ".join(f"{t:.2f}" for t in off))
    print("prefill per turn, cache on: ", " ".join(f"{t:.2f}" for t in on))
    a, b = statistics.median(off[1:]), statistics.median(on[1:])
    print(f"RESULT prefill_off_s={a:.2f} prefill_on_s={b:.2f} saved={100 * (a - b) / a:.0f}% prompt_tokens={tokens}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=6, help="turns of real prompts (the first fills the cache)")
    parser.add_argument("--models", default="smollm2-135m,gemma3-270m", help="comma-separated ids")
    args = parser.parse_args()
    prompts = real_prompts(args.turns)  # plays its own event loops: before the benchmark's
    asyncio.run(run(args.models.split(","), prompts))


if __name__ == "__main__":
    main()
