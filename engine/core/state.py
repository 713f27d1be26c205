"""Game state, split by construction into the public record and the hidden ledger.

`PublicRecord` holds what any trader may see. `HiddenLedger` holds everything else: each trader's
holdings, hunger and feelings, the Patron's deals and the truth of its tips, its foreknowledge, the
magistrate's evidence, every private thought. Every hidden fact carries a canary (see
`engine.core.firewall`). Views (`engine.mind.view`) copy values out of the state; nothing else reaches a prompt.
"""

from __future__ import annotations

import random
from typing import Literal, get_args

from pydantic import BaseModel, Field

from engine.core.market import Market
from engine.core.scenario import Scenario


class Dice(BaseModel):
    """The game's one seeded random generator; its state is saved with the game."""

    seed: int
    """The seed the game started from."""
    state: list = Field(default_factory=list)
    """`random.Random.getstate()` as JSON-friendly lists; empty before first use."""

    def _rng(self) -> random.Random:
        rng = random.Random(self.seed)
        if self.state:
            version, internal, gauss = self.state
            rng.setstate((version, tuple(internal), gauss))
        return rng

    def _keep(self, rng: random.Random) -> None:
        version, internal, gauss = rng.getstate()
        self.state = [version, list(internal), gauss]

    def shuffle(self, items: list) -> list:
        """A seeded shuffle (returns a new list)."""
        rng = self._rng()
        out = list(items)
        rng.shuffle(out)
        self._keep(rng)
        return out

    def randint(self, lo: int, hi: int) -> int:
        """A seeded integer in [lo, hi]."""
        rng = self._rng()
        value = rng.randint(lo, hi)
        self._keep(rng)
        return value


# --- the public record -------------------------------------------------------------------------

EventKind = Literal["trade", "gossip", "legend", "magistrate", "default", "hesitate", "weather"]
"""What a public event is about: a good's trades of the turn, a trader's words, a legend beginning or
passing, the magistrate (a sanction or its mood), a debt defaulted, a trader who could not answer,
winter coming."""

EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)
"""Every event kind, in the order the public record's filter offers them."""

Sanction = Literal["warn", "fine", "freeze", "banish"]
"""The magistrate's sanctions, mildest first."""


class Event(BaseModel):
    """One public event: anything every trader may know, in words and as typed facts.

    The facts are optional with defaults, so saves written before they existed still load.
    """

    turn: int
    """Turn it happened."""
    kind: EventKind
    """What it is about (see `EventKind`)."""
    text: str
    """What everyone hears, in words."""
    actors: list[str] = Field(default_factory=list)
    """Traders it concerns."""
    said: str = ""
    """A gossip event's words as everyone heard them (scrubbed, cut to length); empty otherwise."""
    sanction: Sanction | None = None
    """The sanction a magistrate event announces; None for every other event."""


class TradeRecord(BaseModel):
    """One public trade."""

    turn: int
    """Turn it happened."""
    good: str
    """Good traded."""
    qty: int
    """Units."""
    price: int
    """Pebbles per unit."""
    buyer: str
    """Who bought."""
    seller: str
    """Who sold."""


class ActiveLegend(BaseModel):
    """A legend everyone can see is under way."""

    id: str
    """Legend id."""
    name: str
    """Display name."""
    words: str
    """Its public words."""
    started: int
    """Turn it began."""
    ends: int
    """Last turn of its effects."""


class PublicRecord(BaseModel):
    """Everything any trader may see."""

    turn: int = 0
    """The last turn resolved (0 before the first)."""
    events: list[Event] = Field(default_factory=list)
    """Every public event, oldest first."""
    trades: list[TradeRecord] = Field(default_factory=list)
    """Every trade, oldest first."""
    price_history: dict[str, list[int]] = Field(default_factory=dict)
    """Per good, the last price at the end of each turn (the base price before any trade)."""
    legends: list[ActiveLegend] = Field(default_factory=list)
    """Legends begun so far (active ones have ends >= turn)."""
    suspicion: str = "calm"
    """The magistrate's public meter: calm, murmurs, watchful, investigating."""
    patron_frozen_until: int = 0
    """The Patron's assets are frozen through this turn."""
    patron_banished: bool = False
    """Whether the Patron has been banished."""
    winter_burn: int = 0
    """Firewood each creature burned this turn (0 outside winter)."""
    council: dict[str, str] = Field(default_factory=dict)
    """Which model thinks for each trader (public, shown on the scoreboard)."""


# --- the hidden ledger -------------------------------------------------------------------------

class Holdings(BaseModel):
    """One trader's private holdings and condition."""

    pebbles: int
    """Pebbles in hand (not counting those held in escrow by resting buy orders)."""
    goods: dict[str, int] = Field(default_factory=dict)
    """Units in hand by good (not counting those in escrow)."""
    hunger: int = 0
    """Missed meals not yet recovered from."""
    cold: int = 0
    """Turns of winter without enough firewood not yet recovered from."""
    canary: str = ""
    """Firewall canary for this trader's private holdings."""


class Loan(BaseModel):
    """A loan the Patron offered."""

    id: int
    """Offer id (shown to the borrower)."""
    creature: str
    """Borrower."""
    principal: int
    """Pebbles lent."""
    rate_pct: int
    """Interest per turn, percent of principal."""
    term: int
    """Turns from acceptance until due."""
    offered: int
    """Turn offered."""
    status: Literal["offered", "active", "declined", "lapsed", "repaid", "defaulted"] = "offered"
    """Where it stands."""
    due: int = 0
    """Turn the debt falls due (set on acceptance)."""
    owed: int = 0
    """Pebbles owed now, interest included."""
    canary: str = ""
    """Firewall canary."""


class Bribe(BaseModel):
    """A bribe the Patron offered."""

    id: int
    """Offer id (shown to the creature)."""
    creature: str
    """Who was offered it."""
    amount: int
    """Pebbles offered."""
    request: str
    """What the Patron asked for."""
    offered: int
    """Turn offered."""
    status: Literal["offered", "accepted", "declined", "lapsed"] = "offered"
    """Where it stands."""
    canary: str = ""
    """Firewall canary."""


class Tip(BaseModel):
    """A whisper from the Patron; whether it is true lives only here."""

    id: int
    """Tip id."""
    creature: str
    """Who heard it."""
    good: str
    """Good it is about."""
    direction: Literal["rise", "fall"]
    """What it said."""
    true: bool
    """Whether the Patron passed on real foreknowledge (hidden)."""
    turn: int
    """Turn whispered (the creature hears it from the next turn)."""
    canary: str = ""
    """Firewall canary."""


class Short(BaseModel):
    """Units the Patron borrowed to sell."""

    id: int
    """Short id."""
    good: str
    """Good borrowed."""
    qty: int
    """Units to return."""
    opened: int
    """Turn opened."""
    due: int
    """Turn by which it must be covered."""
    status: Literal["open", "covered", "forced"] = "open"
    """Where it stands."""
    fees_paid: int = 0
    """Pebbles paid in fees so far."""
    canary: str = ""
    """Firewall canary."""


class Foreknowledge(BaseModel):
    """The Patron heard of a legend before it began."""

    legend: str
    """Legend id."""
    heard: int
    """Turn the Patron heard."""
    starts: int
    """Turn the legend will begin."""
    canary: str = ""
    """Firewall canary."""


class Evidence(BaseModel):
    """One piece of the magistrate's evidence."""

    turn: int
    """Turn it was gathered."""
    kind: str
    """foreknowledge_trade, true_tip_traded, large_transfer, bribe."""
    points: int
    """Suspicion points."""
    detail: str
    """What the magistrate noted."""
    canary: str = ""
    """Firewall canary."""


class Thought(BaseModel):
    """A trader's private thinking for one turn."""

    turn: int
    """Turn."""
    trader: str
    """Whose thought."""
    text: str
    """The thought."""
    canary: str = ""
    """Firewall canary."""


class HiddenLedger(BaseModel):
    """Everything no trader may see of another (and some things no creature may see at all)."""

    salt: str
    """Secret per game; canaries are derived from it."""
    holdings: dict[str, Holdings]
    """Every trader's private holdings, the Patron's included."""
    pool: dict[str, int] = Field(default_factory=dict)
    """Units held by the wood's lending pool (shorts borrow from it and return to it)."""
    treasury: int = 0
    """Pebbles held by the wood (fines, fees and forced covers go in)."""
    sentiment: dict[str, dict[str, int]] = Field(default_factory=dict)
    """sentiment[a][b]: how a feels toward b (bounded); missing means 0."""
    loans: list[Loan] = Field(default_factory=list)
    """Every loan offered."""
    bribes: list[Bribe] = Field(default_factory=list)
    """Every bribe offered."""
    tips: list[Tip] = Field(default_factory=list)
    """Every tip whispered."""
    shorts: list[Short] = Field(default_factory=list)
    """Every short opened."""
    foreknowledge: list[Foreknowledge] = Field(default_factory=list)
    """What the Patron heard ahead of time."""
    schedule: list[tuple[int, str]] = Field(default_factory=list)
    """The legend schedule: (start turn, legend id), hidden until each begins."""
    evidence: list[Evidence] = Field(default_factory=list)
    """The magistrate's evidence."""
    suspicion: int = 0
    """The magistrate's suspicion points (the public meter is a coarse bucket of these)."""
    last_evidence_turn: int = 0
    """Turn evidence was last gathered (suspicion cools after quiet turns)."""
    sprung: str | None = None
    """The legend the Patron sprang this season (once per season), if any."""
    sanctions: list[str] = Field(default_factory=list)
    """Sanctions already applied: warn, fine, freeze, banish."""
    thoughts: list[Thought] = Field(default_factory=list)
    """Recent private thinking (a bounded window per trader)."""
    next_id: int = 1
    """Next id for loans, bribes, tips, shorts."""


class Metrics(BaseModel):
    """Per-turn figures recorded for the summary."""

    trades_by_turn: list[int] = Field(default_factory=list)
    """Trades each turn."""
    gini_by_turn: list[float] = Field(default_factory=list)
    """Gini coefficient of net worth across all traders, each turn."""
    net_worth_by_turn: dict[str, list[int]] = Field(default_factory=dict)
    """Each trader's net worth at the end of each turn."""
    prompt_chars_by_turn: list[int] = Field(default_factory=list)
    """Longest creature prompt each turn, in characters."""
    conservation_ok: bool = True
    """Whether pebbles and goods were conserved by every turn so far."""
    firewall_leaks: int = 0
    """Prompts stopped by the firewall."""
    self_buy_attempts: int = 0
    """Orders refused because a creature tried to buy its own good."""
    self_buys_executed: int = 0
    """Trades where a creature bought its own good (must stay 0)."""
    invalid_actions: int = 0
    """Actions dropped by parsing or refused by the rules."""
    faults: int = 0
    """Brain faults (timeouts, dead engines): the trader hesitated."""
    refusals: dict[str, int] = Field(default_factory=dict)
    """Rule refusals by reason."""


class GameState(BaseModel):
    """The whole game: scenario, public record, hidden ledger, market, dice, metrics."""

    scenario: Scenario
    """The rules of this wood."""
    public: PublicRecord
    """What anyone may see."""
    hidden: HiddenLedger
    """What no one else may see."""
    market: Market
    """The order books (their depth is public; who owns each order is not)."""
    dice: Dice
    """The one seeded random generator."""
    metrics: Metrics = Field(default_factory=Metrics)
    """Figures for the summary."""

    @property
    def turn(self) -> int:
        """The last turn resolved."""
        return self.public.turn
