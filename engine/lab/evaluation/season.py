"""One evaluated season: played headless with per-turn series, kept on disk as a resumable record.

    RunOptions -> play_season -> (summary, series) -> SeasonStore.save -> DIR/seasons/seed-S/season.json

`play_season` sets a game up exactly as `engine.play.headless.run_season` does (same `new_game`,
`make_brains` and `summary`) and steps it turn by turn, so that it can also record what the summary
does not hold yet: net worth per turn (and the public price history and trades of the season).

A season's folder holds `traces.jsonl` and `season.json`; `season.json` is written last, atomically,
and is the season's done marker. A folder without it is an interrupted season: its partial traces are
thrown away and the season is played again from its seed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Callable

from engine.core.economy import last_price, net_worth
from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.core.state import GameState
from engine.lab.evaluation.errors import EvalError
from engine.play.game import Game, TurnRecord
from engine.play.headless import RunOptions, make_brains, summary
from engine.play.saves import write_atomic
from engine.play.scenario_files import load_scenario

FORMAT = "tokenwood-eval-season"
VERSION = 1
PARAM_KEYS = ("council", "turns", "scenario", "patron_script")
"""Parameters a finished season must share with the request for it to be reused."""


async def play_season(opts: RunOptions, *, brains: dict | None = None, quirks: dict | None = None,
                      on_turn: Callable[[TurnRecord], None] | None = None) -> tuple[dict, dict]:
    """Play one season from `opts` (a new game from its seed) -> (summary JSON, per-turn series).

    With `brains` given, they are used and left open (the caller closes them after its last season);
    without, they are made with `make_brains` and closed at the end, as `run_season` does.
    The series: `net_worth_start` and `net_worth_by_turn` (trader -> worth after each turn),
    `price_start` and `price_by_turn` (good -> last price after each turn), `trades` (every public
    trade), `produces` (creature -> the good it makes), and `hunger_by_turn` and `cold_by_turn`
    (creature -> the rules' hunger and cold counters before turn 1, then after each turn).
    """
    from engine.play.council import resolve_council

    scenario = load_scenario(opts.scenario)
    state = new_game(scenario, opts.seed, resolve_council(opts.council, scenario))
    recorder = SeriesRecorder(state)
    own, pool = brains is None, None
    if own:
        brains, quirks, pool = await make_brains(state, opts)
    game = Game(state=state, brains=brains, quirks=quirks or {},
                traces_path=Path(opts.traces) if opts.traces else None)
    turns = scenario.season_length - state.public.turn
    turns = turns if opts.turns is None else min(opts.turns, turns)

    def step(record: TurnRecord) -> None:
        recorder.after_turn(game.state)
        if on_turn is not None:
            on_turn(record)

    try:
        await game.play(turns, progress=step)
    finally:
        if own:
            await game.close()
            if pool is not None:
                await pool.close()
    out = summary(game)
    series = recorder.series(game.state, out)
    out.pop("net_worth_by_turn", None)
    out.pop("price_by_turn", None)
    return out, series


class SeriesRecorder:
    """A season's per-turn series, recorded as it is played (see `play_season` for the fields).

    Made from the state before the first turn; `after_turn` after each turn; `series` at the end.
    `tokenwood distill` keeps the same series for its collected and judged seasons.
    """

    def __init__(self, state: GameState) -> None:
        sc = state.scenario
        self.names = [t.name for t in sc.traders] + [PATRON]
        self.worth_start = {n: net_worth(state, n) for n in self.names}
        self.price_start = {g: last_price(state, g) for g in sc.good_names}
        self.worth: dict[str, list[int]] = {n: [] for n in self.names}
        needs = _needs_now(state)
        self.hunger = {n: [h] for n, (h, _) in needs.items()}
        self.cold = {n: [c] for n, (_, c) in needs.items()}

    def after_turn(self, state: GameState) -> None:
        """Record the net worth and the hunger and cold counters after a turn."""
        for n in self.names:
            self.worth[n].append(net_worth(state, n))
        for n, (h, c) in _needs_now(state).items():
            self.hunger[n].append(h)
            self.cold[n].append(c)

    def series(self, state: GameState, summary_json: dict) -> dict:
        """The season's series; net worth and prices per turn are the summary's where it holds them."""
        pub = state.public
        return {
            "net_worth_start": self.worth_start,
            "net_worth_by_turn": summary_json.get("net_worth_by_turn") or self.worth,
            "price_start": self.price_start,
            "price_by_turn": summary_json.get("price_by_turn") or {g: list(v) for g, v in pub.price_history.items()},
            "trades": [t.model_dump(mode="json") for t in pub.trades],
            "produces": {t.name: t.produces for t in state.scenario.traders},
            "hunger_by_turn": self.hunger,
            "cold_by_turn": self.cold,
        }


def _needs_now(state: GameState) -> dict[str, tuple[int, int]]:
    """Each creature's (hunger, cold) as the rules keep them now."""
    return {t.name: (state.hidden.holdings[t.name].hunger, state.hidden.holdings[t.name].cold)
            for t in state.scenario.traders}


async def play_seasons(runs: list[RunOptions], brains: dict, quirks: dict, parallel: int, *,
                       on_turn: Callable[[TurnRecord], None] | None = None,
                       on_done: Callable[[RunOptions, dict, dict], None] | None = None) -> None:
    """Play each run's season, `parallel` at a time, all with the same (open) brains.

    The brains keep nothing between requests, so seasons played at once only share the engines, which
    batch their creatures' requests. `on_done(run, summary, series)` follows each finished season. The
    first failure is raised as it is, after the other seasons have been stopped.
    """
    gate = asyncio.Semaphore(max(1, parallel))

    async def one(run: RunOptions) -> None:
        async with gate:
            summary_json, series = await play_season(run, brains=brains, quirks=quirks, on_turn=on_turn)
            if on_done is not None:
                on_done(run, summary_json, series)

    tasks = [asyncio.ensure_future(one(run)) for run in runs]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def close_brains(brains: dict) -> None:
    """Close every brain once (a brain may serve several traders)."""
    seen = set()
    for brain in brains.values():
        if id(brain) not in seen:
            seen.add(id(brain))
            await brain.close()


class SeasonStore:
    """The seasons of one evaluation folder: which are done, and where each one's files go."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, seed: int) -> Path:
        """The folder of the season played from `seed`."""
        return self.root / "seasons" / f"seed-{seed}"

    def traces(self, seed: int) -> Path:
        """The finished season's traces file."""
        return self.folder(seed) / "traces.jsonl"

    def load(self, seed: int, params: dict) -> dict | None:
        """The finished season of `seed`, or None when it was not finished.

        A finished season played with other parameters (council, turns, scenario, Patron script) is
        an error: the folder belongs to another evaluation.
        """
        path = self.folder(seed) / "season.json"
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise EvalError(f"{path}: unreadable season record ({err}); delete the folder to replay it") from None
        if record.get("format") != FORMAT or record.get("version") != VERSION:
            raise EvalError(f"{path}: not a season record of this version (format {record.get('format')!r}, "
                            f"version {record.get('version')!r})")
        old = record.get("params", {})
        for key in PARAM_KEYS:
            if old.get(key) != params.get(key):
                raise EvalError(f"{self.root}: seed {seed} was played with {key} {old.get(key)!r}, not "
                                f"{params.get(key)!r}; use another --out folder")
        if not self.traces(seed).is_file():
            raise EvalError(f"{self.traces(seed)}: missing although the season is marked done")
        return record

    def begin(self, seed: int) -> Path:
        """Clear an interrupted season's leftovers; the path its traces are written to while it plays."""
        folder = self.folder(seed)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return folder / "traces.jsonl.partial"

    def finish(self, seed: int, params: dict, summary_json: dict, series: dict) -> dict:
        """Mark a season done: traces renamed into place, then `season.json` written atomically."""
        partial = self.folder(seed) / "traces.jsonl.partial"
        if partial.exists():
            partial.replace(self.traces(seed))
        else:  # a season of zero turns writes no traces
            write_atomic(self.traces(seed), "")
        record = {"format": FORMAT, "version": VERSION, "params": params | {"seed": seed}, "summary": summary_json,
                  "series": series}
        write_atomic(self.folder(seed) / "season.json", json.dumps(record, indent=1) + "\n")
        return record


def read_rows(path: Path) -> list[dict]:
    """Trace rows of one traces file (JSON lines); a bad line is an `EvalError` naming it."""
    rows = []
    try:
        text = Path(path).read_text("utf-8")
    except OSError as err:
        raise EvalError(f"{path}: cannot read traces ({err})") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise EvalError(f"{path}: line {n} is not JSON ({err})") from None
        if not isinstance(row, dict) or not {"turn", "creature"} <= set(row):
            raise EvalError(f"{path}: line {n} is not a trace row (needs turn and creature)")
        rows.append(row)
    return rows
