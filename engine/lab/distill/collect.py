"""Collect: seasons played with one model thinking for every creature, one traces file per seed.

    model id -> council (every creature) -> one engine pool, started once
             -> seasons, `parallel` at a time (their requests batch in the engine)
             -> DIR/seed-S.jsonl (traces) + DIR/seed-S.json (summary and series, written last: the done marker)

With `best_of` n > 1 every creature's brain is a `best_of.BestOfBrain`: each decision is asked n times
from n seeds, the best candidate is played, and every candidate goes to DIR/seed-S.candidates.jsonl
(written just before the marker). The series (`season.SeriesRecorder`: hunger and cold per turn, trades)
let the judge count meals missed and cold turns. The judge plays its seeds with the same function, with
a registry whose entries decode freely.
A season whose summary exists with the same parameters is not played again, so an interrupted
`tokenwood distill` resumes; a traces file without its summary is an interrupted season and is
played again from its seed. The scripted schemer plays the Patron, as in `tokenwood run`.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.brains.patron import SchemingPatron
from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.lab.distill.best_of import BestOfBrain, CandidateLog, candidates_path
from engine.lab.evaluation.season import SeriesRecorder
from engine.models.registry import Registry
from engine.play.game import Game
from engine.play.headless import summary
from engine.play.progress import Progress
from engine.play.saves import write_atomic
from engine.play.scenario_files import load_scenario


@dataclass
class Played:
    """Seasons played (or found already played) for one model."""

    model: str
    """The model that drove every creature."""
    traces: list[Path] = field(default_factory=list)
    """One traces file per seed, in seed order."""
    summaries: list[dict] = field(default_factory=list)
    """The summary JSON of each season, in seed order."""
    series: list[dict | None] = field(default_factory=list)
    """The per-turn series of each season, in seed order (None for a season recorded without them)."""
    candidates: list[Path] = field(default_factory=list)
    """One candidates file per seed when the seasons were played best-of-n, else empty."""
    load_s: float = 0.0
    """Seconds the engine took to start (0 when every season was reused)."""
    play_s: float = 0.0
    """Seconds spent playing."""
    reused: int = 0
    """Seasons found complete on disk and not played again."""


def council_of(model: str, scenario) -> dict[str, str]:
    """Every creature of the scenario thinks with `model`."""
    return {t.name: model for t in scenario.traders}


def _params(model: str, seed: int, turns: int, registry: Registry, scenario: str | None, tag: str | None,
            best_of: int = 1) -> dict:
    """What a finished season must share with the request to be reused (`best_of` only when above 1, so
    seasons collected before best-of-n existed stay reusable)."""
    spec = registry.get(model)
    return {"model": model, "seed": seed, "turns": turns, "scenario": scenario, "tag": tag,
            "structured": spec.structured.mode, "weights": spec.weights.model_dump(mode="json"),
            **({"best_of": best_of} if best_of > 1 else {})}


async def play_seeds(model: str, seeds: list[int], turns: int, out_dir: Path, *, registry: Registry,
                     parallel: int = 2, scenario: str | None = None, progress: bool = True,
                     label: str = "collect", tag: str | None = None, best_of: int = 1) -> Played:
    """Play one season per seed with `model` driving every creature; keep traces, summaries and series.

    `tag` names the weights' version where the path alone does not (a retrained student): seasons
    recorded under another tag are played again. `best_of` > 1 asks each decision that many times and
    plays the best candidate (`best_of.BestOfBrain`).
    """
    from engine.brains.models import start_model_brains

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sc = load_scenario(scenario)
    turns = min(turns, sc.season_length)
    council = council_of(model, sc)
    played = Played(model)
    done: dict[int, dict] = {}
    series: dict[int, dict | None] = {}
    for seed in seeds:
        marker = out_dir / f"seed-{seed}.json"
        try:
            record = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        if record.get("params") == _params(model, seed, turns, registry, scenario, tag, best_of):
            done[seed] = record["summary"]
            series[seed] = record.get("series")
    todo = [s for s in seeds if s not in done]
    played.reused = len(done)
    if todo:
        bar = None
        if progress:
            bar = Progress(len(todo) * turns, f"{label} {model}", unit="turn")
            bar.stage(0, "starting the engine")
        start = time.monotonic()
        # council -> engine pool (one engine for the model, shared by every season)
        try:
            brains, quirks, handle = await start_model_brains(council, [model], registry=registry)
        except BaseException:
            if bar is not None:
                bar.close()
            raise
        played.load_s = time.monotonic() - start
        gate = asyncio.Semaphore(max(1, parallel))

        async def one(seed: int) -> None:
            async with gate:
                traces = out_dir / f"seed-{seed}.jsonl"
                traces.unlink(missing_ok=True)
                candidates_path(traces).unlink(missing_ok=True)
                state = new_game(sc, seed, council)
                game = Game(state=state, brains={**brains, PATRON: SchemingPatron()}, quirks=quirks,
                            traces_path=traces)
                log = CandidateLog() if best_of > 1 else None
                if log is not None:
                    game.brains = {name: BestOfBrain(brain, best_of, seed, lambda: game.state, quirks, log)
                                   if name != PATRON else brain for name, brain in game.brains.items()}
                recorder = SeriesRecorder(state)

                def step(record) -> None:
                    recorder.after_turn(game.state)
                    if bar is not None:
                        bar.update(1, note=f"seed {seed} turn {record.turn}")

                await game.play(turns, progress=step)
                done[seed] = summary(game)
                series[seed] = recorder.series(game.state, done[seed])
                if log is not None:
                    write_atomic(candidates_path(traces), log.text([t.name for t in sc.traders]))
                write_atomic(out_dir / f"seed-{seed}.json", json.dumps(
                    {"params": _params(model, seed, turns, registry, scenario, tag, best_of), "summary": done[seed],
                     "series": series[seed]}) + "\n")

        start = time.monotonic()
        try:
            await asyncio.gather(*(one(s) for s in todo))
        finally:
            played.play_s = time.monotonic() - start
            if bar is not None:
                bar.close()
            await handle.close()
    played.traces = [out_dir / f"seed-{s}.jsonl" for s in seeds]
    played.summaries = [done[s] for s in seeds]
    played.series = [series[s] for s in seeds]
    played.candidates = [candidates_path(t) for t in played.traces] if best_of > 1 else []
    return played
