"""Benchmark: one council turn of four creatures on the two embedded models, batched vs one at a time,
against the limit this machine's memory bandwidth sets.

    python benchmarks/council_turn.py [--turns 3] [--models smollm2-135m,gemma3-270m] [--dtype auto]

Names the processor and its capabilities, measures the memory bandwidth (torch float32 sum over
1 GiB on every core), prepares the models (a no-op once done), starts one vLLM engine per model (two
creatures each; each engine measures its pace), runs a warm-up turn, then `--turns` turns with the
four decisions sent together (`asyncio.gather`: batched per model, models side by side) and `--turns`
turns with the four sent one after another. Prints each answer, then the figures and a last
machine-readable line:

    RESULT cpu=... dtype=... turn_median_s=... sequential_median_s=... ratio=... tokens_per_s=...
           limit_s=... vs_limit=... load_s=... parsed=.../... faults=...

`limit_s` is the least time the batched turn's decode steps can take: every step of an engine reads
all its weights once (in the dtype served), so the turn reads sum(steps x weight bytes) over the
bandwidth. `vs_limit` is the median batched turn over that limit.

Targets (issue 10): median turn <= 6 s on a 2-core AVX2 machine, <= 3 s with AMX; ratio >= 2;
vs_limit <= 3. Needs the real-model venv (scripts/install_vllm.sh). `--dtype` overrides the registry's
dtype for the embedded models (e.g. bfloat16 on an AVX2 machine, to see what "auto" avoids).
Where `llama-cpp-python` is importable (never a dependency of the game: `pip install llama-cpp-python`
in the venv), it also decodes the same GGUF files as shipped (4-bit) with llama.cpp on one thread, the
reference a CPU user would otherwise pick, and prints its prompt and decode speed beside each vLLM
engine's measured pace (one core each). `--emulate-avx2` runs it as on an AVX2-only processor (torch's ISA caps, and vLLM's AVX2 kernel library
through benchmarks/avx2_emulation/sitecustomize.py): an emulation on a bigger processor, and the
RESULT line says so (cpu=avx2-emulated).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.brains.base import Reply  # noqa: E402
from engine.brains.vllm import EnginePool, VLLMBrain, WARM_UP_PROMPT, WARM_UP_TOKENS  # noqa: E402
from engine.models.hardware import cpu_info  # noqa: E402
from engine.models.prepare import gguf_file, model_dir, prepare  # noqa: E402
from engine.models.registry import load_registry  # noqa: E402

CREATURES = [
    ("Oona the Owl", "honey", {"honey": 14, "acorns": 1, "berries": 0, "firewood": 2}, 38),
    ("Sorrel the Squirrel", "acorns", {"honey": 0, "acorns": 17, "berries": 2, "firewood": 1}, 25),
    ("Fennick the Fox", "berries", {"honey": 1, "acorns": 0, "berries": 11, "firewood": 0}, 52),
    ("Bramble the Badger", "firewood", {"honey": 2, "acorns": 3, "berries": 0, "firewood": 20}, 30),
]
"""Name, the good it makes, its inventory and its pebbles."""


def market_prompt(name: str, makes: str, inventory: dict[str, int], pebbles: int, turn: int) -> str:
    """A realistic ~40-line prompt: the creature's own view of the market, asking for JSON."""
    holdings = "\n".join(f"- {good}: {qty}" for good, qty in inventory.items())
    return f"""You are {name}, a trader in the Thousand Token Wood market. It is turn {turn} of 20.
You make {makes} every turn. You must never buy {makes}, the good you make.

Your holdings:
{holdings}
- pebbles: {pebbles}

You eat 2 meals a turn, at most one unit of any one food per meal. Foods: honey, acorns, berries.
Winter begins on turn 12; from then on every creature burns firewood each turn.
Berries and honey spoil when you hold more than 10 of them.

Last prices (pebbles per unit):
- honey: 6 (was 5)
- acorns: 3 (was 3)
- berries: 4 (was 6)
- firewood: 9 (was 7)

Order books (best prices):
- honey: best bid 5 x 3, best ask 7 x 4
- acorns: best bid 2 x 6, best ask 4 x 2
- berries: best bid 3 x 5, best ask 5 x 1
- firewood: best bid 8 x 2, best ask 11 x 3

Recent public events:
- Fennick the Fox sold 3 berries to Oona the Owl at 4.
- Bramble the Badger said: "Winter is long this year, friends."
- Sorrel the Squirrel bought 2 honey from Oona the Owl at 6.

How you feel: you feel warmly toward Oona; you are wary of Fennick; you distrust the Patron.

Decide this turn's orders. Buy food you lack, sell what you have too much of, keep pebbles for
firewood before winter. Prices are whole pebbles, quantities whole units.
Answer with JSON only, in this shape:
{{"orders":[{{"side":"buy","good":"acorns","qty":2,"price":5}}],"gossip":"one short sentence"}}
Use "side" buy or sell, "good" one of honey, acorns, berries, firewood.
At most 2 orders. Keep the gossip under 12 words.
"""


def parses(reply: Reply) -> bool:
    """Whether the raw answer is a JSON object."""
    try:
        return isinstance(json.loads(reply.raw), dict)
    except ValueError:
        return False


def bandwidth_gb_s(gib: float = 1.0) -> float:
    """Read bandwidth: the best of five torch float32 sums over `gib` GiB, on every core (GB/s)."""
    import torch

    torch.set_num_threads(len(os.sched_getaffinity(0)))
    data = torch.ones(int(gib * (1 << 30)) // 4, dtype=torch.float32)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        data.sum()
        best = min(best, time.perf_counter() - start)
    return data.numel() * 4 / best / 1e9


def weight_bytes(model_id: str, dtype: str) -> int:
    """Bytes of weights one decode step reads: every parameter once, in the dtype served.

    The prepared folder holds bfloat16 safetensors (2 bytes a parameter; a tied embedding once).
    """
    stored = sum(p.stat().st_size for p in model_dir(model_id).glob("*.safetensors"))
    return stored * {"float32": 2, "bfloat16": 1, "float16": 1}.get(dtype, 1)


def llama_cpp_pace(model_id: str, threads: int = 1) -> tuple[float, float] | None:
    """llama.cpp on the model's GGUF file as shipped: (ms per prompt token, ms per decode step) for the
    vLLM warm-up's prompt and step count, or None when llama-cpp-python is not importable."""
    try:
        import llama_cpp
    except ImportError:
        return None
    llm = llama_cpp.Llama(model_path=str(gguf_file(model_id)), n_ctx=2048, n_threads=threads,
                          n_threads_batch=threads, verbose=False, seed=0)
    tokens = llm.tokenize(WARM_UP_PROMPT.encode())
    best_prefill = best_step = float("inf")
    for _ in range(3):
        llm.reset()
        start = time.perf_counter()
        llm.eval(tokens)
        prefill = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(WARM_UP_TOKENS * 4):
            llm.eval([llm.sample(temp=0.0)])
        best_step = min(best_step, (time.perf_counter() - start) / (WARM_UP_TOKENS * 4))
        best_prefill = min(best_prefill, prefill / len(tokens))
    llm.close()
    return best_prefill * 1000, best_step * 1000


def with_dtype(models: list[str], dtype: str | None):
    """The registry, with the embedded models' dtype replaced when `--dtype` asks."""
    registry = load_registry()
    if not dtype:
        return registry
    entries = {mid: spec.model_copy(update={"engine": spec.engine.model_copy(update={"dtype": dtype})})
               for mid, spec in registry.models.items()}
    return registry.model_copy(update={"models": entries})


async def run(models: list[str], turns: int, dtype: str | None) -> None:
    cpu = cpu_info()
    emulated = " (emulated AVX2-only: torch caps + vLLM's AVX2 kernels)" if os.environ.get("TOKENWOOD_EMULATE_AVX2") == "1" else ""
    print(f"processor: {cpu.describe()} (class {cpu.kind}){emulated}", flush=True)
    bandwidth = bandwidth_gb_s()
    print(f"memory bandwidth: {bandwidth:.1f} GB/s (torch float32 sum over 1 GiB, {cpu.cores} threads)",
          flush=True)
    for model_id in models:
        start = time.monotonic()
        prepare(model_id)
        print(f"prepared {model_id} in {time.monotonic() - start:.1f} s", flush=True)
    reference = {}
    for model_id in models:
        pace = llama_cpp_pace(model_id)
        if pace is None:
            print("llama.cpp reference: llama-cpp-python is not importable here (optional); skipped", flush=True)
            break
        reference[model_id] = pace
        print(f"llama.cpp reference, {model_id} GGUF as shipped, 1 thread: prefill {pace[0]:.2f} ms/token, "
              f"decode {pace[1]:.1f} ms/step", flush=True)
    pool = EnginePool(models, registry=with_dtype(models, dtype))
    start = time.monotonic()
    await pool.start()
    load_s = time.monotonic() - start
    print(f"engines up in {load_s:.1f} s {pool.load_seconds} (log: {pool.log_path})", flush=True)
    for mid in models:
        pace = pool.paces[mid]
        measured = (f"prefill {pace.prefill_s_per_token * 1000:.2f} ms/token, decode {pace.step_s * 1000:.1f} "
                    f"ms/step" if pace else "not measured")
        print(f"  {mid}: {pool.dtypes[mid]}; pace {measured}; "
              f"deadline of a 500-token prompt in a batch of 2: {pool.deadline_s(mid, 500, 2):.0f} s", flush=True)
        if pace and mid in reference:
            print(f"  {mid}: vLLM decode step / llama.cpp's: {pace.step_s * 1000 / reference[mid][1]:.1f}x; "
                  f"prompt token: {pace.prefill_s_per_token * 1000 / reference[mid][0]:.1f}x", flush=True)
    served = {mid: pool.engines[mid].dtype for mid in models}
    brains = [VLLMBrain(models[i % len(models)], pool) for i in range(len(CREATURES))]
    replies: list[Reply] = []
    try:

        async def batched(turn: int) -> float:
            start = time.monotonic()
            got = await asyncio.gather(
                *(b.decide(None, market_prompt(*c, turn)) for b, c in zip(brains, CREATURES))
            )
            replies.extend(got)
            return time.monotonic() - start

        async def sequential(turn: int) -> float:
            start = time.monotonic()
            for b, c in zip(brains, CREATURES):
                replies.append(await b.decide(None, market_prompt(*c, turn)))
            return time.monotonic() - start

        print(f"warm-up turn: {await batched(0):.2f} s", flush=True)
        replies.clear()
        together = [await batched(t + 1) for t in range(turns)]
        batched_replies = list(replies)
        alone = [await sequential(t + 1) for t in range(turns)]
    finally:
        await pool.close()
    for r in replies:
        mark = "ok " if parses(r) else ("FLT" if r.fault else "bad")
        print(f"  {mark} {r.model:14} {r.tokens:3d} tok {r.latency_s:5.2f} s {r.fault or r.raw[:110]!s}")
    med, seq = statistics.median(together), statistics.median(alone)
    ok = sum(parses(r) for r in replies)
    faults = sum(r.fault is not None for r in replies)
    # The bandwidth limit of the batched turns: each engine decodes as many steps as its longest
    # answer of the turn, and every step reads all of that engine's weights.
    read = 0
    per_turn = len(CREATURES)
    for t in range(turns):
        turn_replies = batched_replies[t * per_turn:(t + 1) * per_turn]
        for mid in models:
            steps = max((r.tokens for r in turn_replies if r.model == mid), default=0)
            read += steps * weight_bytes(mid, served[mid])
    limit = read / turns / (bandwidth * 1e9)
    tokens = sum(r.tokens for r in batched_replies)
    print("batched turns:", " ".join(f"{t:.2f}" for t in together))
    print("sequential turns:", " ".join(f"{t:.2f}" for t in alone))
    print(f"tokens per second (batched): {tokens / sum(together):.1f}; bandwidth limit of a batched turn "
          f"{limit:.2f} s at {bandwidth:.1f} GB/s; median turn is {med / limit:.1f}x that limit")
    dtypes = ",".join(sorted(set(served.values())))
    kind = f"{cpu.kind}-emulated" if os.environ.get("TOKENWOOD_EMULATE_AVX2") == "1" else cpu.kind
    print(f"RESULT cpu={kind} dtype={dtypes} turn_median_s={med:.2f} sequential_median_s={seq:.2f} "
          f"ratio={seq / med:.2f} tokens_per_s={tokens / sum(together):.1f} limit_s={limit:.2f} "
          f"vs_limit={med / limit:.1f} load_s={load_s:.1f} parsed={ok}/{len(replies)} faults={faults}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3, help="turns per mode after the warm-up")
    parser.add_argument("--models", default="smollm2-135m,gemma3-270m", help="comma-separated ids")
    parser.add_argument("--dtype", default=None, help="serve the models in this dtype instead of the registry's")
    parser.add_argument("--emulate-avx2", action="store_true",
                        help="behave as on an AVX2-only processor (torch and vLLM kernels), to measure that case")
    args = parser.parse_args()
    if args.emulate_avx2 and os.environ.get("TOKENWOOD_EMULATE_AVX2") != "1":
        here = Path(__file__).resolve().parent / "avx2_emulation"
        env = dict(os.environ, ONEDNN_MAX_CPU_ISA="AVX2", ATEN_CPU_CAPABILITY="avx2", TOKENWOOD_EMULATE_AVX2="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(here), os.environ.get("PYTHONPATH")])))
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    asyncio.run(run(args.models.split(","), args.turns, args.dtype))


if __name__ == "__main__":
    main()
