"""Resident memory of the embedded council: this process plus every child, with the engines loaded.

Starts the `embedded` council's brains the way `tokenwood run` does (engine.play.headless.make_brains),
plays one turn so every engine has served a request, and sums the resident memory (VmRSS) of this
process and all its descendants from /proc (psutil is used instead when installed). GPU memory of
those processes is added when nvidia-smi is present. Figures, all in MiB, measured within this run:

    RESULT council_rss_mib=... baseline_rss_mib=... council_extra_mib=... processes=... gpu_mib=...

Where the council cannot start, the last line says why and the exit status is 0: "SKIP: model layer
not available" (no engine.brains.models), or "SKIP: the embedded council cannot start here: ..." (vLLM
missing, models not prepared).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COUNCIL = "embedded"


def _children_proc(root: int) -> list[int]:
    """Descendant pids of `root`, from /proc/<pid>/stat."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parent[int(entry)] = ppid
    out, frontier = [], [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        frontier += kids
    return out


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib() -> tuple[float, list[int]]:
    """RSS of this process and all its descendants (MiB), and their pids."""
    me = os.getpid()
    try:
        import psutil
        proc = psutil.Process(me)
        procs = [proc, *proc.children(recursive=True)]
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20, [p.pid for p in procs]
    except ImportError:
        pids = [me, *_children_proc(me)]
        return sum(_rss_kib(p) for p in pids) / 1024, pids


def gpu_mib(pids: list[int]) -> float | None:
    """GPU memory used by these processes (MiB), or None without nvidia-smi."""
    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    wanted, total = set(pids), 0.0
    for line in out.splitlines():
        parts = [x.strip() for x in line.split(",")]
        if len(parts) == 2 and parts[0].isdigit() and int(parts[0]) in wanted:
            total += float(parts[1])
    return total


async def measure() -> dict | None:
    from engine.play.game import Game
    from engine.play.headless import RunOptions, make_brains
    from engine.core.newgame import new_game
    from engine.play.council import resolve_council
    from engine.play.scenario_files import load_scenario

    baseline, _ = tree_rss_mib()
    sc = load_scenario()
    state = new_game(sc, 1, resolve_council(COUNCIL, sc))
    from engine.brains.models import ModelsUnavailable

    try:
        brains, quirks, pool = await make_brains(state, RunOptions(council=COUNCIL, progress=False))
    except (ImportError, ModelsUnavailable) as err:
        print(f"SKIP: the {COUNCIL} council cannot start here: {err}")
        return None
    t0 = time.perf_counter()
    game = Game(state=state, brains=brains, quirks=quirks)
    try:
        await game.play(1)
        loaded, pids = tree_rss_mib()
        gpu = gpu_mib(pids)
    finally:
        await game.close()
        if pool is not None:
            await pool.close()
    print(f"one turn with the {COUNCIL} council took {time.perf_counter() - t0:.1f} s")
    return {"council_rss_mib": loaded, "baseline_rss_mib": baseline, "council_extra_mib": loaded - baseline,
            "processes": len(pids), "gpu_mib": gpu}


def main() -> int:
    try:
        import engine.brains.models  # noqa: F401
    except ImportError:
        print("SKIP: model layer not available")
        return 0
    result = asyncio.run(measure())
    if result is None:  # the SKIP line is already printed
        return 0
    print(f"resident memory: {result['council_rss_mib']:.0f} MiB over {result['processes']} process(es) "
          f"({result['baseline_rss_mib']:.0f} MiB before the council loaded)")
    gpu = "n/a" if result["gpu_mib"] is None else f"{result['gpu_mib']:.0f}"
    print(f"RESULT council_rss_mib={result['council_rss_mib']:.0f} baseline_rss_mib={result['baseline_rss_mib']:.0f} "
          f"council_extra_mib={result['council_extra_mib']:.0f} processes={result['processes']} gpu_mib={gpu}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
