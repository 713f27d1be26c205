"""Benchmark: the embedded council's turn time with streaming off and on (issue 13).

    python benchmarks/streaming_turn.py [--council embedded] [--seed 1] [--warm-up 1]

Prepares the council's models (a no-op once done), starts their engines, plays `--warm-up` turns,
then plays the same turn twice from the same state: once with nobody listening (the brains are asked
as before: vLLM's FINAL_ONLY), once with a listener (the brains stream: DELTA outputs, each step
reported). It prints both turns' answers side by side and a last machine-readable line:

    RESULT council=... off_s=... on_s=... ratio=... reports=... reports_per_s=... same_raw=.../...

`ratio` is on_s / off_s (the issue's target: streaming must not slow the turn, so about 1);
`reports` counts the progress reports the listener heard (what the UI throttles to ten a second per
creature); `same_raw` counts the creatures whose streamed answer equals the one not streamed (at a
temperature above 0 they may differ; the `vllm` test compares them at 0). Needs the real-model venv.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.brains.base import Progress  # noqa: E402
from engine.core.newgame import new_game  # noqa: E402
from engine.core.scenario import PATRON  # noqa: E402
from engine.play.council import is_scripted, resolve_council  # noqa: E402
from engine.play.game import Game, TurnRecord  # noqa: E402
from engine.play.headless import RunOptions, make_brains  # noqa: E402
from engine.play.scenario_files import load_scenario  # noqa: E402


async def one_turn(game: Game, state, listener) -> tuple[TurnRecord, float]:
    """Play one turn from a copy of `state` with `listener` as the game's progress listener."""
    game.close_open()
    game.state = state.model_copy(deep=True)
    game.on_progress = listener
    started = time.perf_counter()
    record = await game.play_turn()
    return record, time.perf_counter() - started


async def run(council: str, seed: int, warm_up: int) -> None:
    from engine.models.prepare import prepare

    sc = load_scenario(None)
    state = new_game(sc, seed, resolve_council(council, sc))
    for model in sorted({m for m in state.public.council.values() if not is_scripted(m)}):
        prepare(model)
    opts = RunOptions(council=council, seed=seed, progress=False)
    brains, quirks, pool = await make_brains(state, opts)
    game = Game(state=state, brains=brains, quirks=quirks)
    try:
        await game.play(warm_up)
        before = game.state.model_copy(deep=True)
        heard: list[tuple[str, Progress]] = []
        off, off_s = await one_turn(game, before, None)
        on, on_s = await one_turn(game, before, lambda who, p: heard.append((who, p)))
    finally:
        await game.close()
        if pool is not None:
            await pool.close()
    same = 0
    for a, b in zip(off.decisions, on.decisions):
        if a.trader == PATRON:
            continue
        same += a.reply.raw == b.reply.raw
        print(f"{a.trader:8} {a.reply.model:14} off {a.reply.latency_s:5.2f} s {a.reply.tokens:3} tok | "
              f"on {b.reply.latency_s:5.2f} s {b.reply.tokens:3} tok  "
              f"reports {sum(1 for who, _ in heard if who == a.trader)}")
    creatures = sum(1 for d in off.decisions if d.trader != PATRON)
    print(f"RESULT council={council} off_s={off_s:.2f} on_s={on_s:.2f} ratio={on_s / off_s:.2f} "
          f"reports={len(heard)} reports_per_s={len(heard) / on_s:.0f} same_raw={same}/{creatures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--council", default="embedded", help="council spec (default: embedded)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warm-up", type=int, default=1, help="turns played before the measured ones")
    args = parser.parse_args()
    asyncio.run(run(args.council, args.seed, args.warm_up))


if __name__ == "__main__":
    main()
