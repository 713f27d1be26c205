"""Seasons played at once share one set of brains, and a season's result depends only on its seed."""

from __future__ import annotations

import asyncio
import json
import random
import zlib
from pathlib import Path

import pytest

from engine.brains.base import Reply
from engine.brains.scripted import ScriptedCreature
from engine.lab.evaluation import report, season
from engine.lab.evaluation.report import EvalOptions, run_eval
from engine.mind.parsing import Quirks

COUNCIL = "Oona=fake-a,Sorrel=fake-b,Fennick=fake-a,Bramble=scripted:cautious"
SEEDS = [1, 2, 3, 4, 5]
TURNS = 5


class FakeModelBrain:
    """A stand-in for a model: a random latency, but an answer that depends only on the prompt (and view)."""

    def __init__(self, model: str, stats: dict) -> None:
        self.model, self.stats = model, stats

    async def decide(self, view, prompt: str) -> Reply:
        self.stats["now"] += 1
        self.stats["most"] = max(self.stats["most"], self.stats["now"])
        try:
            await asyncio.sleep(random.random() * 0.004)  # unseeded: the order of answers varies run to run
        finally:
            self.stats["now"] -= 1
        temperament = ("hoarder", "speculator", "cautious")[zlib.crc32(prompt.encode()) % 3]
        raw = ScriptedCreature(temperament).answer(view)
        return Reply(raw=json.dumps(raw), model=self.model, latency_s=0.001, tokens=len(json.dumps(raw)) // 4)

    async def close(self) -> None:
        """Nothing to release."""


class FakeHandle:
    def __init__(self, stats: dict) -> None:
        self.stats = stats

    async def close(self) -> None:
        self.stats["pools_closed"] += 1


@pytest.fixture
def fake_models(monkeypatch):
    """Make `start_model_brains` hand out fake model brains; count pools started and closed, and concurrency."""
    import engine.brains.models as models

    stats = {"now": 0, "most": 0, "pools": 0, "pools_closed": 0}

    async def start(council, wanted, **_kw):
        stats["pools"] += 1
        return ({c: FakeModelBrain(m, stats) for c, m in council.items() if m in wanted},
                {m: Quirks() for m in wanted}, FakeHandle(stats))

    monkeypatch.setattr(models, "start_model_brains", start)
    return stats


def hashes(out: Path, seeds=SEEDS) -> dict[int, str]:
    return {s: json.loads((out / "seasons" / f"seed-{s}" / "season.json").read_text())["summary"]["state_hash"]
            for s in seeds}


def answers(out: Path, seed: int) -> list[tuple]:
    rows = [json.loads(x) for x in (out / "seasons" / f"seed-{seed}" / "traces.jsonl").read_text().splitlines()]
    return [(r["turn"], r["creature"], r.get("raw")) for r in rows]


def test_the_same_state_hash_per_seed_with_parallel_1_and_4(tmp_path, fake_models):
    one = run_eval(EvalOptions(council=COUNCIL, turns=TURNS, seeds=SEEDS, out=str(tmp_path / "p1"), progress=False,
                               charts=False, parallel=1))
    assert fake_models["most"] <= 3  # one season at a time: at most its three model creatures in flight
    four = run_eval(EvalOptions(council=COUNCIL, turns=TURNS, seeds=SEEDS, out=str(tmp_path / "p4"), progress=False,
                                charts=False, parallel=4))
    assert fake_models["most"] > 3  # several seasons' creatures were waiting on the same brains at once
    assert (fake_models["pools"], fake_models["pools_closed"]) == (2, 2)  # one pool per evaluation, closed
    assert one["played_now"] == four["played_now"] == SEEDS
    h1, h4 = hashes(tmp_path / "p1"), hashes(tmp_path / "p4")
    assert h1 == h4
    assert len(set(h1.values())) == len(SEEDS)  # the seeds really are different games
    for s in SEEDS:
        assert answers(tmp_path / "p1", s) == answers(tmp_path / "p4", s)
    assert sum(x["trades_per_turn"] for x in four["seasons"]) > 0


def test_an_interrupted_parallel_evaluation_resumes_to_the_same_results(tmp_path, fake_models, monkeypatch):
    clean = tmp_path / "clean"
    run_eval(EvalOptions(council=COUNCIL, turns=TURNS, seeds=SEEDS, out=str(clean), progress=False, charts=False,
                         parallel=1))
    original = season.play_season
    tries: list[int] = []

    async def flaky(run, **kw):
        tries.append(run.seed)
        if run.seed == 3 and tries.count(3) == 1:
            await asyncio.sleep(0.05)  # the other seasons are under way when this one breaks
            Path(run.traces).write_text('{"turn": 1, "creature": "Oona"}\n')
            raise RuntimeError("engine fell over")
        return await original(run, **kw)

    monkeypatch.setattr(season, "play_season", flaky)
    opts = EvalOptions(council=COUNCIL, turns=TURNS, seeds=SEEDS, out=str(tmp_path / "p"), progress=False,
                       charts=False, parallel=5)
    with pytest.raises(RuntimeError, match="fell over"):
        run_eval(opts)
    assert fake_models["pools"] == fake_models["pools_closed"] == 2
    finished = [s for s in SEEDS if (tmp_path / "p" / "seasons" / f"seed-{s}" / "season.json").exists()]
    assert 3 not in finished
    again = run_eval(opts)
    assert again["reused"] == finished and again["played_now"] == [s for s in SEEDS if s not in finished]
    assert hashes(tmp_path / "p") == hashes(clean)


def test_parallel_must_be_positive_and_defaults_from_the_machine(tmp_path):
    from engine.lab.evaluation import EvalError

    with pytest.raises(EvalError, match="--parallel"):
        run_eval(EvalOptions(council="scripted", turns=2, seeds=[1], out=str(tmp_path), parallel=0))
    assert report.default_parallel(10, gpu=False) == report.CPU_PARALLEL == 4
    assert report.default_parallel(10, gpu=True) == report.GPU_PARALLEL
    assert report.default_parallel(3, gpu=True) == 3 and report.default_parallel(1, gpu=False) == 1


def test_progress_counts_seasons_and_answers_per_second(tmp_path, fake_models):
    import io

    from engine.play.progress import Progress

    stream = io.StringIO()
    bar = Progress(len(SEEDS) * TURNS, "eval", unit="turn", file=stream, terminal=False)
    params, out = report.prepare(EvalOptions(council=COUNCIL, turns=TURNS, seeds=SEEDS, out=str(tmp_path)))
    store = season.SeasonStore(out)
    asyncio.run(report._play_missing(EvalOptions(council=COUNCIL, turns=TURNS, seeds=SEEDS, out=str(tmp_path)),
                                     params, store, SEEDS, bar, parallel=3))
    bar.close()
    lines = stream.getvalue().splitlines()
    assert lines[-1].startswith(f"eval: {len(SEEDS) * TURNS}/{len(SEEDS) * TURNS} turns")
    assert f"seasons {len(SEEDS)}/{len(SEEDS)}" in lines[-1] and "answers/s" in lines[-1]
    rate = float(lines[-1].split(", ")[-1].split()[0])
    assert rate > 0


def _benchmark():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "parallel_seasons.py"
    spec = importlib.util.spec_from_file_location("parallel_seasons_bench", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parallel_seasons_benchmark_runs_and_prints_its_result_line(capsys):
    import doctest
    import re

    bench = _benchmark()
    assert doctest.testmod(bench).failed == 0
    assert bench.main(["--council", "scripted", "--levels", "1,2,4", "--turns", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("processor: ")
    assert [ln.split(":")[0] for ln in lines[1:4]] == ["parallel 1", "parallel 2", "parallel 4"]
    assert "8 answers" in lines[1] and "32 answers" in lines[3]  # 4 creatures x 2 turns x N seasons
    assert re.fullmatch(r"RESULT cpu=\S+ council=scripted turns=2 aps_1=[\d.]+ aps_2=[\d.]+ aps_4=[\d.]+ "
                        r"best_n=[124] speedup=[\d.]+", lines[-1])


@pytest.mark.parametrize("argv", [["--levels", "0"], ["--levels", "a,b"], ["--turns", "0"], ["--levels", ""]])
def test_parallel_seasons_benchmark_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit) as err:
        _benchmark().parse_args(argv)
    assert err.value.code == 2


def test_parallel_seasons_benchmark_defaults():
    args = _benchmark().parse_args([])
    assert (args.council, args.levels, args.turns) == ("embedded", [1, 2, 4, 8], 4)


def test_parallel_seasons_share_a_remote_openai_compatible_server(tmp_path, monkeypatch):
    from tests.openai_server import FakeServer, running

    sell = '{"orders": [{"side": "sell", "good": "honey", "qty": 1, "price": 7}]}'
    buy = '{"orders": [{"side": "buy", "good": "honey", "qty": 1, "price": 9}]}'
    monkeypatch.setenv("WOOD_KEY", "sk-test")
    with running(FakeServer({"seller": sell, "buyer": buy}, key="sk-test")) as fake:
        council = f"Oona=openai:{fake.url}@seller?key=WOOD_KEY,Sorrel=openai:{fake.url}@buyer?key=WOOD_KEY"
        runs = {n: run_eval(EvalOptions(council=council, turns=3, seeds=[1, 2, 3], out=str(tmp_path / f"p{n}"),
                                        progress=False, charts=False, parallel=n)) for n in (1, 3)}
    posts = [r for r in fake.seen if r["method"] == "POST"]
    assert len(posts) == 2 * 2 * 3 * 3  # two runs x two server creatures x three seasons x three turns
    assert hashes(tmp_path / "p1", [1, 2, 3]) == hashes(tmp_path / "p3", [1, 2, 3])
    assert all(s["trades_per_turn"] > 0 for s in runs[3]["seasons"])  # the server's creatures traded honey
