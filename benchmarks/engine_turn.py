"""Engine speed: one 5-trader turn, woods of 10/100/1,000 creatures, and prompt growth.

Brains are excluded from the timings: each turn's answers are computed first (views, scripted brains,
parsing), then only the rules are timed (begin_turn + resolve_turn). Prints one line per figure and a
machine-readable last line:

    RESULT turn5_median_ms=... wood1000_turn_ms=... growth_exponent=... prompt_growth_pct=...

Targets (issue 2): 5-trader median < 2 ms; 1,000 creatures < 1 s per turn and cost growing no worse
than n log n; the longest prompt at turn 100 at most 10% longer than at turn 10.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.brains.patron import SchemingPatron  # noqa: E402
from engine.brains.scripted import ScriptedCreature  # noqa: E402
from engine.core.newgame import new_game  # noqa: E402
from engine.core.scenario import PATRON  # noqa: E402
from engine.core.turn import begin_turn, resolve_turn  # noqa: E402
from engine.mind.parsing import parse_answer  # noqa: E402
from engine.mind.prompt import build_prompt  # noqa: E402
from engine.mind.view import view_for  # noqa: E402
from engine.play.generated import generated_wood  # noqa: E402
from engine.play.metrics import record_turn  # noqa: E402
from engine.play.scenario_files import load_scenario  # noqa: E402


def timed_season(scenario, turns: int, seed: int = 1) -> tuple[list[float], list[int]]:
    """Seconds of rules work per turn, and the longest creature prompt per turn."""
    st = new_game(scenario, seed)
    brains = {t.name: ScriptedCreature(t.temperament) for t in scenario.traders}
    brains[PATRON] = SchemingPatron()
    goods, names = scenario.good_names, [t.name for t in scenario.traders]
    rules_s, prompt_chars = [], []
    for _ in range(turns):
        t0 = time.perf_counter()
        report = begin_turn(st)
        t1 = time.perf_counter()
        answers, longest = {}, 0
        for name, brain in brains.items():
            view = view_for(st, name)
            if name != PATRON:
                longest = max(longest, len(build_prompt(view)))
            reply = asyncio.run(brain.decide(view, ""))
            answers[name] = parse_answer(reply.raw, patron=name == PATRON, goods=goods, traders=names).answer
        t2 = time.perf_counter()
        resolve_turn(st, report, answers)
        record_turn(st, report)  # the metrics a played turn records (net worth, gini, conservation)
        t3 = time.perf_counter()
        rules_s.append((t1 - t0) + (t3 - t2))
        prompt_chars.append(longest)
    return rules_s, prompt_chars


def main() -> None:
    base = load_scenario()
    long = base.model_copy(update={"season_length": 100})
    rules, chars = timed_season(long, 100)
    turn5 = statistics.median(rules) * 1000
    print(f"5-trader turn, rules only: median {turn5:.3f} ms over 100 turns (target < 2 ms)")
    growth = (chars[99] / chars[9] - 1) * 100
    print(f"longest prompt: turn 10 {chars[9]} chars, turn 100 {chars[99]} chars, growth {growth:+.1f}% "
          f"(target <= +10%)")
    sizes, per_turn = [10, 100, 1000], {}
    for n in sizes:
        times, _ = timed_season(generated_wood(n, season_length=12), 12)
        per_turn[n] = statistics.median(times[2:])
        print(f"wood of {n:>5} creatures: median {per_turn[n] * 1000:8.2f} ms per turn "
              f"({per_turn[n] / (n * math.log(n)) * 1e6:.2f} us per n log n)")
    exponent = math.log(per_turn[1000] / per_turn[10]) / math.log(100)
    nlogn_exponent = math.log((1000 * math.log(1000)) / (10 * math.log(10))) / math.log(100)
    print(f"growth exponent 10 -> 1000: {exponent:.2f} (n log n would be {nlogn_exponent:.2f})")
    print(f"RESULT turn5_median_ms={turn5:.3f} wood1000_turn_ms={per_turn[1000] * 1000:.1f} "
          f"growth_exponent={exponent:.2f} prompt_growth_pct={growth:.1f}")


if __name__ == "__main__":
    main()
