"""Benchmark: one council turn of four creatures on the two embedded models, batched vs one at a time.

    python benchmarks/council_turn.py [--turns 3] [--models smollm2-135m,gemma3-270m]

Prepares both embedded models (a no-op once done), starts one vLLM engine per model (two creatures
each), runs a warm-up turn, then `--turns` turns with the four decisions sent together
(`asyncio.gather`: batched per model, models side by side) and `--turns` turns with the four sent one
after another. Prints each turn, how many answers parse as JSON, and a last machine-readable line:

    RESULT turn_median_s=... sequential_median_s=... ratio=... load_s=... parsed=.../...

Targets on the 2-core CPU machine: turn_median_s < 8 with up to 96 new tokens each, ratio >= 2.
Needs the real-model venv (scripts/install_vllm.sh).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.brains.base import Reply  # noqa: E402
from engine.brains.vllm import EnginePool, VLLMBrain  # noqa: E402
from engine.models.prepare import prepare  # noqa: E402

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


async def run(models: list[str], turns: int) -> None:
    for model_id in models:
        start = time.monotonic()
        prepare(model_id)
        print(f"prepared {model_id} in {time.monotonic() - start:.1f} s", flush=True)
    pool = EnginePool(models)
    start = time.monotonic()
    await pool.start()
    load_s = time.monotonic() - start
    print(f"engines up in {load_s:.1f} s {pool.load_seconds} (log: {pool.log_path})", flush=True)
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
        alone = [await sequential(t + 1) for t in range(turns)]
    finally:
        await pool.close()
    for r in replies:
        mark = "ok " if parses(r) else ("FLT" if r.fault else "bad")
        print(f"  {mark} {r.model:14} {r.tokens:3d} tok {r.latency_s:5.2f} s {r.fault or r.raw[:110]!s}")
    med, seq = statistics.median(together), statistics.median(alone)
    ok = sum(parses(r) for r in replies)
    print("batched turns:", " ".join(f"{t:.2f}" for t in together))
    print("sequential turns:", " ".join(f"{t:.2f}" for t in alone))
    print(f"RESULT turn_median_s={med:.2f} sequential_median_s={seq:.2f} ratio={seq / med:.2f} "
          f"load_s={load_s:.1f} parsed={ok}/{len(replies)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3, help="turns per mode after the warm-up")
    parser.add_argument("--models", default="smollm2-135m,gemma3-270m", help="comma-separated ids")
    args = parser.parse_args()
    asyncio.run(run(args.models.split(","), args.turns))


if __name__ == "__main__":
    main()
