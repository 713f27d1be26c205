"""Headless seasons: the `tokenwood run` command's engine side, and the summary JSON."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.brains.base import Brain
from engine.brains.patron import SchemingPatron, ScriptedPatron, load_patron_script
from engine.brains.replay import ReplayBrain, load_traces
from engine.brains.scripted import ScriptedCreature
from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.core.state import GameState
from engine.mind.parsing import Quirks
from engine.play.council import is_scripted, resolve_council
from engine.play.game import Game, state_hash
from engine.play.progress import Progress
from engine.play.saves import load_state, save_state
from engine.play.scenario_files import load_scenario


@dataclass
class RunOptions:
    """What `tokenwood run` was asked to do."""

    council: str | None = "scripted"
    """Council spec (preset, file or creature=model pairs)."""
    turns: int | None = None
    """Turns to play (default: the rest of the season)."""
    seed: int = 1
    """Seed for a new game."""
    scenario: str | None = None
    """Scenario file (default: the embedded one)."""
    load: str | None = None
    """Continue from this save instead of starting anew."""
    patron_script: str | None = None
    """Patron moves file (default: the scripted schemer)."""
    replay: str | None = None
    """Traces file whose raw answers are replayed for every creature."""
    traces: str | None = None
    """Write traces here."""
    save_at: tuple[int, str] | None = None
    """Save the game after this turn to this path."""
    autosave: str | None = None
    """Autosave every turn here (None: no autosave)."""
    summary_json: str | None = None
    """Write the summary here."""
    progress: bool = True
    """Show a progress bar on stderr."""
    answer_timeout: float | None = None
    """Seconds a model's decision may take (None: from each engine's measured pace)."""


async def make_brains(state: GameState, opts: RunOptions) -> tuple[dict[str, Brain], dict[str, Quirks], object]:
    """Brains for every trader: scripted, model-backed (through the vLLM pool) or replayed."""
    sc = state.scenario
    brains: dict[str, Brain] = {}
    quirks: dict[str, Quirks] = {}
    pool = None
    council = state.public.council
    if opts.replay:
        records = load_traces(opts.replay)
        for t in sc.traders:
            brains[t.name] = ReplayBrain(records, t.name)
    else:
        models = sorted({m for m in council.values() if not is_scripted(m)})
        if models:
            from engine.brains.models import start_model_brains
            model_brains, quirks, pool = await start_model_brains(council, models,
                                                                     timeout_s=opts.answer_timeout)
            brains.update(model_brains)
        for t in sc.traders:
            if t.name not in brains:
                model = council.get(t.name, f"scripted:{t.temperament}")
                brains[t.name] = ScriptedCreature(model.split(":", 1)[1] if ":" in model else t.temperament)
    if opts.replay and any(who == PATRON for _, who in records) and not opts.patron_script:
        brains[PATRON] = ReplayBrain(records, PATRON)  # a played game replays the Patron's moves too
    else:
        brains[PATRON] = ScriptedPatron(load_patron_script(opts.patron_script)) if opts.patron_script \
            else SchemingPatron()
    return brains, quirks, pool


def summary(game: Game) -> dict:
    """The summary JSON of a played season (see docs/CLI.md for every field)."""
    st, m = game.state, game.state.metrics
    from engine.core.economy import net_worth
    names = [t.name for t in st.scenario.traders] + [PATRON]
    return {
        "turns_played": st.public.turn,
        "trades_by_turn": m.trades_by_turn,
        "gini_by_turn": m.gini_by_turn,
        "conservation_ok": m.conservation_ok,
        "firewall_leaks": m.firewall_leaks,
        "prompt_chars_by_turn": m.prompt_chars_by_turn,
        "self_buy_attempts": m.self_buy_attempts,
        "self_buys_executed": m.self_buys_executed,
        "invalid_actions": m.invalid_actions,
        "faults": m.faults,
        "refusals": m.refusals,
        "net_worth": {n: net_worth(st, n) for n in names},
        "net_worth_by_turn": m.net_worth_by_turn,
        "price_by_turn": st.public.price_history,
        "council": st.public.council,
        "suspicion": st.public.suspicion,
        "patron_banished": st.public.patron_banished,
        "models": game.model_summary(),
        "turn_latency_s": game.telemetry.turn_latency_s,
        "state_hash": state_hash(st),
    }


async def run_season(opts: RunOptions) -> dict:
    """Play a season (or part of one) headless and return the summary."""
    if opts.load:
        state = load_state(opts.load)
    else:
        scenario = load_scenario(opts.scenario)
        state = new_game(scenario, opts.seed, resolve_council(opts.council, scenario))
    if opts.load and opts.council and opts.council != "scripted":
        state.public.council = resolve_council(opts.council, state.scenario)
    brains, quirks, pool = await make_brains(state, opts)
    game = Game(state=state, brains=brains, quirks=quirks,
                traces_path=Path(opts.traces) if opts.traces else None,
                autosave_path=Path(opts.autosave) if opts.autosave else None)
    remaining = state.scenario.season_length - state.public.turn
    turns = remaining if opts.turns is None else min(opts.turns, remaining)
    bar = None
    if opts.progress:
        bar = Progress(turns, "season", unit="turn", leave=False)

    def step(record) -> None:
        if bar is not None:
            bar.update(1, note=f"trades={len(record.report.fills)}")
        if opts.save_at and record.turn == opts.save_at[0]:
            save_state(game.state, opts.save_at[1])

    try:
        await game.play(turns, progress=step)
    finally:
        if bar is not None:
            bar.close()
        await game.close()
        if pool is not None:
            await pool.close()
    return summary(game)
