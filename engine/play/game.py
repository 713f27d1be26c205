"""The game loop at the engine's edge: views -> prompts -> firewall -> brains -> parsing -> rules.

    begin_turn(state)                              the world moves (open_turn: a person at a desk sees it first)
    view_for(state, trader) -> build_prompt(view)  one prompt per trader, from its view only
    firewall.scan(prompt)                          a canary or banned token stops the prompt (fail closed)
    asyncio.gather(brain.decide(view, prompt))     every brain at once; engines batch their requests
                                                   (a streaming brain reports its answer as it is written:
                                                   on_progress(trader, Progress))
    parse_answer(reply.raw)                        tolerant parse and repair, per-action validation
    resolve_turn(state, answers)                   the rules judge and resolve
    record_turn, telemetry, traces, autosave       the turn's metrics (engine.play.metrics), per-model figures
                                                   (engine.play.telemetry), one trace line per trader
                                                   (engine.play.traces); the save is atomic
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from engine.brains.base import Brain, Progress, Reply
from engine.core import firewall
from engine.core.scenario import PATRON, Scenario
from engine.core.state import GameState
from engine.core.turn import TurnReport, begin_turn, resolve_turn
from engine.mind.parsing import ParseResult, Quirks, parse_answer
from engine.mind.prompt import build_patron_brief, build_prompt
from engine.mind.view import View, view_for
from engine.play.metrics import record_turn
from engine.play.telemetry import Telemetry
from engine.play.traces import append_traces


def state_hash(state: GameState) -> str:
    """sha256 of the complete state as canonical JSON."""
    blob = json.dumps(state.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def parse_reply(reply: Reply, scenario: Scenario, quirks: dict[str, Quirks], *, patron: bool = False) -> ParseResult:
    """A brain's answer -> the game's parse and repair, with its model's quirks and the scenario's names.

    The one way a turn reads an answer; `tokenwood probe` reads its answers the same way.
    """
    return parse_answer(reply.raw, quirks=quirks.get(reply.model, Quirks()), patron=patron,
                        goods=scenario.good_names, traders=[t.name for t in scenario.traders])


@dataclass
class Decision:
    """One trader's decision for one turn: everything the inspector and the traces show."""

    trader: str
    """Who decided."""
    view: View
    """What it saw."""
    prompt: str
    """Exactly what was sent (or would have been, when the firewall stopped it)."""
    reply: Reply
    """What the brain said."""
    parsed: ParseResult | None
    """What the parse-and-repair layer made of it (None when nothing was asked)."""
    leak: tuple[str, ...] = ()
    """Firewall hits that stopped the prompt."""


@dataclass
class TurnRecord:
    """One played turn: the decisions and the resolution report."""

    turn: int
    """The turn."""
    decisions: list[Decision]
    """One per trader asked."""
    report: TurnReport
    """What the rules did."""
    latency_s: float
    """Wall-clock seconds all decisions took together."""


@dataclass
class Game:
    """A game in progress: the state plus the brains that decide for each trader."""

    state: GameState
    """The whole game state (saved and loaded)."""
    brains: dict[str, Brain]
    """Trader name -> brain. A trader without a brain does nothing (the Patron passes)."""
    quirks: dict[str, Quirks] = field(default_factory=dict)
    """Model id -> output quirks for the parser."""
    traces_path: Path | None = None
    """Where trace lines are appended (None: no traces)."""
    autosave_path: Path | None = None
    """Where the game is saved after every turn (None: no autosave); another game found there at the
    same or a later turn is moved aside, never replaced (`engine.play.saves.autosave`)."""
    on_decision: Callable[[Decision], None] | None = None
    """Called as each decision is parsed (the UI's inspector listens here)."""
    on_progress: Callable[[str, Progress], None] | None = None
    """Called as a streaming brain writes its answer: (trader, progress so far). Brains that cannot
    stream (no `streams = True`) are asked as before, and never report."""
    telemetry: Telemetry = field(default_factory=Telemetry)
    """Per-model figures of this session: parse results, latencies, faults, self-buys, turn times."""
    _open: TurnReport | None = field(default=None, repr=False)
    _autosaved: str | None = field(default=None, repr=False)

    def open_turn(self) -> TurnReport:
        """Step 1 alone: the world moves for the coming turn (production, legends, what the Patron hears).

        A person deciding at a desk then sees the world the brains will see; `play_turn` resolves the
        opened turn. Opening an open turn does nothing. Whoever replaces `state` must call `close_open`.
        """
        if self._open is None:
            self._open = begin_turn(self.state)
        return self._open

    @property
    def turn_open(self) -> bool:
        """Whether the coming turn's world has moved and its decisions are awaited."""
        return self._open is not None

    def close_open(self) -> None:
        """Forget an opened turn (its state is being replaced, e.g. by a load)."""
        self._open = None

    async def _ask(self, name: str, brain: Brain, view: View, prompt: str, leak: tuple[str, ...]) -> Decision:
        if leak:
            reply = Reply(raw="", model=brain.model, fault="firewall stopped the prompt",
                          fault_kind="firewall_stop")
            decision = Decision(name, view, prompt, reply, None, leak)
            if self.on_decision is not None:
                self.on_decision(decision)
            return decision
        try:
            if self.on_progress is not None and getattr(brain, "streams", False):
                listener = self.on_progress
                reply = await brain.decide(view, prompt, on_progress=lambda p: listener(name, p))
            else:
                reply = await brain.decide(view, prompt)
        except Exception as err:  # a brain must not raise; if it does, the trader hesitates
            reply = Reply(raw="", model=getattr(brain, "model", "?"), fault=f"brain error: {err!r:.200}",
                          fault_kind="brain_error")
        parsed = None if reply.fault is not None else parse_reply(reply, self.state.scenario, self.quirks,
                                                                   patron=name == PATRON)
        decision = Decision(name, view, prompt, reply, parsed)
        if self.on_decision is not None:
            self.on_decision(decision)
        return decision

    async def play_turn(self) -> TurnRecord:
        """Play one whole turn (or the rest of the one `open_turn` began)."""
        state = self.state
        report = self._open if self._open is not None else begin_turn(state)
        self._open = None
        asks = []
        for name in [t.name for t in state.scenario.traders] + [PATRON]:
            brain = self.brains.get(name)
            if brain is None:
                continue
            view = view_for(state, name)
            if name == PATRON:
                prompt = build_patron_brief(view)
                scan = firewall.scan(prompt, patron=True)
            else:
                prompt = build_prompt(view)
                scan = firewall.scan(prompt)
            asks.append(self._ask(name, brain, view, prompt, scan.hits))
        started = time.perf_counter()
        decisions = await asyncio.gather(*asks)
        elapsed = time.perf_counter() - started
        answers, hesitated = {}, {}
        for d in decisions:
            if d.parsed is None:
                hesitated[d.trader] = "its thoughts would not come" if not d.leak else "it kept silent"
                continue
            answers[d.trader] = d.parsed.answer
        resolve_turn(state, report, answers, hesitated)
        record_turn(state, report, decisions)
        record = TurnRecord(turn=report.turn, decisions=list(decisions), report=report, latency_s=elapsed)
        self.telemetry.add(record, {name: brain.model for name, brain in self.brains.items()})
        if self.traces_path is not None:
            append_traces(self.traces_path, record)
        if self.autosave_path is not None:
            from engine.play.saves import autosave
            self._autosaved = autosave(self.state, self.autosave_path, self._autosaved).checksum
        return record


    async def play(self, turns: int, progress: Callable[[TurnRecord], None] | None = None) -> None:
        """Play `turns` turns (stopping at the season's end)."""
        for _ in range(turns):
            if self.state.public.turn >= self.state.scenario.season_length:
                break
            record = await self.play_turn()
            if progress is not None:
                progress(record)

    async def close(self) -> None:
        """Close every brain once."""
        seen = set()
        for brain in self.brains.values():
            if id(brain) not in seen:
                seen.add(id(brain))
                await brain.close()

    def model_summary(self) -> dict[str, dict]:
        """Per-model figures for the summary's `models` object (see `Telemetry.summary`)."""
        return self.telemetry.summary()
