"""A game session behind the terminal UI: open, wake the brains, step, save, load. No widgets here.

    open_session(mode, council, seed, scenario, load, replay)   new game or a save (user errors raise)
    await session.start_brains()                                 engine.play.headless.make_brains (slow for models)
    await session.step()                                         Game.play_turn -> inspector history, autosave
    session.autosave()                                           only once a turn was played (quitting)
    session.board()                                              play: public + the Patron's view only

In a played game the Patron's brain is a `HumanPatron` fed by the desk; in a watched game the
scripted schemer plays it (or, replaying traces that hold the Patron's answers, its recorded answers).

Brains that stream report their answers as they are written (`on_brain_progress`): a spectator is
handed the text so far; a player only the figures (tokens, seconds): the text is dropped here, before
it reaches any widget, and the screen's firewall scans what is shown all the same. With `stream`
off (`--no-stream`, or `stream = false` in the configuration file) no brain is handed a listener, so
every brain asks for the whole answer only (vLLM's FINAL_ONLY outputs, an OpenAI request without
`stream=True`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Literal

from engine.brains.base import Brain, Progress, ProgressFn, Reply
from engine.brains.human import HumanPatron
from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.core.state import GameState
from engine.mind.view import View, view_for
from engine.play.config import default_council
from engine.play.council import is_scripted, resolve_council
from engine.play.game import Game, TurnRecord
from engine.play.headless import RunOptions, make_brains
from engine.play.saves import Autosaved, SaveError, autosave, load_state, save_state
from engine.play.scenario_files import load_scenario

from tokenwood_tui.viewmodel import Board, final_scores, play_board, spectator_board
from tokenwood_tui.history import History

Mode = Literal["play", "watch"]


class ObservedBrain:
    """A brain wrapped so the UI hears when it starts and stops thinking (for the live timers)."""

    def __init__(self, name: str, brain: Brain, on_start: Callable[[str], None] | None,
                 on_done: Callable[[str, Reply], None] | None) -> None:
        self.name, self.inner = name, brain
        self.on_start, self.on_done = on_start, on_done

    @property
    def model(self) -> str:
        """The wrapped brain's model."""
        return self.inner.model

    @property
    def streams(self) -> bool:
        """Whether the wrapped brain can report its answer as it is written."""
        return bool(getattr(self.inner, "streams", False))

    async def decide(self, view: View, prompt: str, on_progress: ProgressFn | None = None) -> Reply:
        """Ask the wrapped brain (passing `on_progress` on when it streams), telling the UI before and after."""
        if self.on_start:
            self.on_start(self.name)
        reply = Reply(raw="", model=self.inner.model, fault="no answer", fault_kind="no_answer")
        try:
            if on_progress is not None and self.streams:
                reply = await self.inner.decide(view, prompt, on_progress=on_progress)
            else:
                reply = await self.inner.decide(view, prompt)
        finally:
            if self.on_done:
                self.on_done(self.name, reply)
        return reply

    async def close(self) -> None:
        """Close the wrapped brain."""
        await self.inner.close()


@dataclass
class Session:
    """One game behind the UI."""

    mode: Mode
    """play (the human is the Patron) or watch (a spectator; the scripted schemer plays the Patron)."""
    options: RunOptions
    """How brains are built (council, replay)."""
    game: Game
    """The game (its brains are empty until `start_brains`)."""
    saves_dir: Path = Path("saves")
    """Where saves are listed and written."""
    history: History = field(default=None)  # type: ignore[assignment]
    """The inspector's memory."""
    human: HumanPatron | None = None
    """The desk's brain (play mode)."""
    on_brain_start: Callable[[str], None] | None = None
    """Called when a trader's brain starts thinking."""
    on_brain_done: Callable[[str, Reply], None] | None = None
    """Called when it answered."""
    on_brain_progress: Callable[[str, Progress], None] | None = None
    """Called as a streaming brain writes (set before `start_brains`); in a played game the progress
    comes without its text."""
    stream: bool = True
    """Whether brains that can stream are asked to (False: whole answers only, and no progress)."""
    _pool: object = None
    _before: GameState | None = None
    _pristine: GameState | None = None
    _brains_for: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.history is None:
            self.history = History(played=self.mode == "play")
        if self.mode == "play" and self.human is None:
            self.human = HumanPatron()
        name = "autosave.json" if self.mode == "play" else "watch-autosave.json"
        self.autosave_path = self.saves_dir / name
        self.autosave_error: str | None = None
        self.turns_played = 0
        """Turns played since the game was created or loaded (a game without any is never autosaved)."""
        self.kept_aside: list[Path] = []
        """Other games an autosave found in its way and moved aside (see `engine.play.saves.autosave`)."""
        self._autosaved: str | None = None
        self.game.autosave_path = None  # the session autosaves itself, so a full disk cannot lose a turn
        self._open_turn()

    # --- the game ------------------------------------------------------------------------------

    @property
    def state(self) -> GameState:
        """The game state."""
        return self.game.state

    @property
    def ready(self) -> bool:
        """Whether the brains are awake."""
        return bool(self.game.brains)

    @property
    def needs_engines(self) -> bool:
        """Whether waking the brains starts model engines (slow)."""
        return not self.options.replay and any(not is_scripted(m) for m in self.state.public.council.values())

    @property
    def season_over(self) -> bool:
        """Whether the season has ended."""
        return self.state.public.turn >= self.state.scenario.season_length

    @property
    def over(self) -> bool:
        """Whether there is nothing left to play (season over, or the player's Patron banished)."""
        return self.season_over or (self.mode == "play" and self.state.public.patron_banished)

    @property
    def patron_model(self) -> str:
        """The model behind the Patron."""
        if self.mode == "play":
            return "human"
        brain = self.game.brains.get(PATRON)
        return brain.model if brain is not None else "scripted:schemer"

    def patron_view(self) -> View:
        """The Patron's view of the coming turn (what the desk validates against)."""
        return view_for(self.state, PATRON)

    def board(self) -> Board:
        """What the screen shows now (see tokenwood_tui.viewmodel)."""
        if self.mode == "play":
            return play_board(self.state)
        return spectator_board(self.state, patron_model=self.patron_model)

    def final_scores(self) -> list[tuple[str, str, int]]:
        """Every trader's net worth, richest first (the season's end opens the books)."""
        return final_scores(self.state, self.patron_model)

    # --- brains ---------------------------------------------------------------------------------

    async def start_brains(self) -> None:
        """Wake every brain (models start engines: seconds to minutes); raises user errors."""
        await self.close_brains()
        brains, quirks, pool = await make_brains(self.state, self.options)
        if self.mode == "play":
            await brains[PATRON].close()
            brains[PATRON] = self.human
        elif self.options.replay:
            from engine.brains.replay import ReplayBrain, load_traces
            records = load_traces(self.options.replay)
            if any(who == PATRON for _, who in records):
                brains[PATRON] = ReplayBrain(records, PATRON)
        self.game.brains = {n: ObservedBrain(n, b, self._started, self._done) for n, b in brains.items()}
        self.game.quirks = quirks
        self.game.on_progress = self._progress if self.stream and self.on_brain_progress is not None else None
        self._pool = pool
        self._brains_for = dict(self.state.public.council)

    def _started(self, name: str) -> None:
        if self.on_brain_start:
            self.on_brain_start(name)

    def _progress(self, name: str, progress: Progress) -> None:
        if self.on_brain_progress is None:
            return
        if self.mode == "play":
            progress = replace(progress, text="")  # the firewall: a player never gets a creature's words
        self.on_brain_progress(name, progress)

    def _done(self, name: str, reply: Reply) -> None:
        if self.on_brain_done:
            self.on_brain_done(name, reply)

    async def close_brains(self) -> None:
        """Close every brain and the engine pool."""
        brains, self.game.brains = self.game.brains, {}
        seen = set()
        for b in brains.values():
            inner = getattr(b, "inner", b)
            if id(inner) not in seen and inner is not self.human:
                seen.add(id(inner))
                await inner.close()
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    # --- turns, saves ---------------------------------------------------------------------------

    def _open_turn(self) -> None:
        """Let the world move for the coming turn, so the desk and the board show what the brains will see.

        The state from before it moved is kept: saves hold it (a save is always between two turns, and
        loading it opens the same turn again: the world's moves are seeded).
        """
        if self.game.turn_open or self.over:
            return
        self._pristine = self.state.model_copy(deep=True)
        self.game.open_turn()

    def _reset_to(self, state: GameState) -> None:
        """Replace the game's state (a load, an abandoned turn) and open its coming turn."""
        self.game.close_open()
        self._pristine = None
        self.game.state = state
        self._open_turn()

    async def step(self) -> TurnRecord:
        """Play one turn, remember it for the inspector and autosave.

        If the turn fails or is cancelled (quit or load while the brains think), the game goes back
        to where it was before the turn, so a save never holds half a turn.
        """
        self._open_turn()
        # the opened turn's pristine state is already a copy of the game before the world moved
        before = self._before = self._pristine if self._pristine is not None else self.state.model_copy(deep=True)
        try:
            record = await self.game.play_turn()
        except BaseException:
            self._reset_to(before)
            raise
        finally:
            self._before = None
        self._pristine = None
        self.turns_played += 1
        self.history.add(record)
        self.autosave_error = None
        try:
            self.autosave()
        except SaveError as err:
            self.autosave_error = str(err)
        self._open_turn()
        return record

    def abandon_turn(self) -> None:
        """Put the game back to where it was before the running turn (its worker is being cancelled)."""
        if self._before is not None:
            self._reset_to(self._before.model_copy(deep=True))

    def autosave(self) -> Autosaved | None:
        """Autosave the game as `save` would, once a turn was played since it was created or loaded.

        Returns None (writing nothing) before that: a game nobody played must not replace the autosave
        of one somebody did. Another game found at the autosave's path at the same or a later turn is
        moved aside, never replaced (`kept_aside`). Raises SaveError.
        """
        if not self.turns_played:
            return None
        done = autosave(self._pristine if self._pristine is not None else self.state, self.autosave_path,
                        self._autosaved)
        self._autosaved = done.checksum
        if done.kept is not None:
            self.kept_aside.append(done.kept)
        return done

    def save(self, path: str | Path) -> Path:
        """Save the game (atomically) as it stood before the coming turn's world moved; raises SaveError."""
        return save_state(self._pristine if self._pristine is not None else self.state, path)

    def load(self, path: str | Path) -> bool:
        """Load a save in place of this game; raises SaveError and then leaves the game as it was.

        Returns whether the brains must be woken again (the save's council differs).
        """
        state = load_state(path)
        self._reset_to(state)
        self.turns_played, self._autosaved = 0, None  # the autosave holds another game now: keep it if later
        self.history.clear()
        if self.human is not None:
            self.human.clear()
        return state.public.council != self._brains_for


def open_session(mode: Mode, council: str | None = None, seed: int = 1, scenario: str | None = None,
                 load: str | None = None, replay: str | None = None, saves_dir: str | Path = "saves",
                 answer_timeout: float | None = None, stream: bool = True) -> Session:
    """A session for a new game or a save; raises ScenarioError, SaveError, CouncilError or TracesError.

    A loaded game keeps the council it was saved with unless `council` is given; a new game without
    one gets the default council (`engine.play.config.default_council`). `stream` False: brains send
    whole answers only.
    """
    if replay:
        from engine.brains.replay import load_traces
        load_traces(replay)  # fail now, with the line, not after the screen opened
    if load:
        state = load_state(load)
        if council:
            state.public.council = resolve_council(council, state.scenario)
    else:
        sc = load_scenario(scenario)
        state = new_game(sc, seed, resolve_council(council or default_council(), sc))
    opts = RunOptions(council=council, seed=seed, scenario=scenario, load=load, replay=replay, progress=False,
                      answer_timeout=answer_timeout)
    return Session(mode=mode, options=opts, game=Game(state=state, brains={}), saves_dir=Path(saves_dir),
                   stream=stream)
