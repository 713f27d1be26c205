"""What the screen shows, as plain values: the one road from the game to the widgets.

    play:  public_board(public record, the Patron's View, scenario)     nothing else can reach it
    watch: spectator_board(state) = public_board(...) + the hidden matrix, purses and worth

`public_board` takes no `GameState`, only the public record, the Patron's own view (built by
`engine.mind.view.view_for`, which copies no canary) and the scenario, so a played game's screen cannot
reach the hidden ledger by construction. Widgets render a `Board` and never see the engine.

While a turn is decided, a streaming brain's `Progress` becomes a status ("41 tok 2.1 s") and a
note: in a played game only figures (`progress_note` never reads the text), for a spectator the tail
of the text being written (`progress_tail`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

from engine.brains.base import Progress
from engine.core import sentiment
from engine.core.economy import net_worth, standing
from engine.core.magistrate import METER as SUSPICION_LEVELS
from engine.core.scenario import PATRON, Scenario
from engine.core.state import EVENT_KINDS, GameState, PublicRecord
from engine.mind.view import View, view_for, worth_in_view

KINDS = EVENT_KINDS
"""Kinds of public event the record can be filtered by: every kind the engine makes."""

METER = tuple(word for _, word in SUSPICION_LEVELS)
"""The magistrate's public meter, low to high (its words, from `engine.core.magistrate.METER`)."""


@dataclass(frozen=True)
class TraderRow:
    """One trader as the creatures panel shows it."""

    name: str
    """Trader name."""
    species: str
    """Species ("Patron of the Wood" for the Patron)."""
    model: str
    """Model id, or scripted temperament, or "human"."""
    model_label: str
    """The model as a person reads it, with its lab when known."""
    makes: str
    """What it makes per turn ("honey 3/turn"; "-" for the Patron)."""
    trades: str
    """Its public trades of the last turn, in words ("" when none)."""
    said: str
    """What it said aloud last turn ("" when nothing)."""
    hesitated: str
    """Why it hesitated last turn ("" when it answered)."""


@dataclass(frozen=True)
class BookRow:
    """One good's public order book."""

    good: str
    """The good."""
    bids: tuple[tuple[int, int], ...]
    """(price, units), best first."""
    asks: tuple[tuple[int, int], ...]
    """(price, units), best first."""
    last: int
    """Last price."""
    trend: str
    """rising / falling / steady."""


@dataclass(frozen=True)
class TradeRow:
    """One public trade."""

    key: int
    """Its index in the public record (a stable row key)."""
    turn: int
    """Turn it happened."""
    good: str
    """Good."""
    qty: int
    """Units."""
    price: int
    """Pebbles each."""
    seller: str
    """Who sold."""
    buyer: str
    """Who bought."""


@dataclass(frozen=True)
class EventRow:
    """One public event."""

    key: int
    """Its index in the public record."""
    turn: int
    """Turn."""
    kind: str
    """Kind (see KINDS)."""
    text: str
    """What everyone heard."""


@dataclass(frozen=True)
class ScoreRow:
    """One line of the scoreboard."""

    trader: str
    """Trader."""
    model_label: str
    """Model behind it."""
    worth: int | None
    """Net worth, or None where it is private (a creature's purse in a played game)."""
    trade_cash: int
    """Pebbles gained (+) or spent (-) in public trades this season."""


@dataclass(frozen=True)
class ReputationRow:
    """A trader's public standing, derived only from public events (see docs/TUI.md)."""

    trader: str
    """Trader."""
    trades: int
    """Public trades it took part in this season."""
    partners: int
    """Distinct traders it traded with."""
    kind_words: int
    """Gossip by others naming it with kind words."""
    harsh_words: int
    """Gossip by others naming it with harsh words."""
    defaults: int
    """Debts it failed to pay (public default events)."""
    sanctions: int
    """Magistrate sanctions it received (the Patron only)."""
    score: int
    """The standing as a number."""
    standing: str
    """The standing in a word."""


@dataclass(frozen=True)
class Desk:
    """The Patron's own standing: its view, nothing more (play mode; also shown to spectators)."""

    pebbles: int
    """Pebbles in hand."""
    goods: dict[str, int]
    """Units in hand."""
    worth: int
    """Its net worth from its own view (pebbles, escrow and goods at last prices, minus open shorts)."""
    frozen: bool
    """Assets frozen this turn."""
    orders: tuple[str, ...]
    """Its resting orders, in words."""
    order_ids: tuple[int, ...]
    """Their ids (for cancel)."""
    heard: tuple[str, ...]
    """Legends it heard of ahead of time."""
    tips: tuple[str, ...]
    """Tips it gave, each with whether it was true."""
    loans: tuple[str, ...]
    """Loans it offered and where each stands."""
    shorts: tuple[str, ...]
    """Shorts and where each stands."""
    open_shorts: tuple[tuple[int, str, int, int], ...]
    """(id, good, units, due) of each open short."""
    bribes: tuple[str, ...]
    """Bribes offered and where each stands."""
    legends_left: tuple[tuple[str, str], ...]
    """(id, name) of legends it may still spring."""


@dataclass(frozen=True)
class Spectator:
    """What only a spectator may see (watch mode)."""

    sentiment: dict[str, dict[str, int]]
    """sentiment[a][b]: how creature a feels toward trader b."""
    bound: int
    """Sentiments run from -bound to bound."""
    purses: dict[str, tuple[int, dict[str, int], int, int]]
    """trader -> (pebbles, goods, hunger, cold)."""
    suspicion_points: int
    """The magistrate's exact count."""
    sanctions: tuple[str, ...]
    """Sanctions applied."""
    banish_at: int
    """Suspicion at which the Patron is banished."""
    thoughts: tuple[tuple[int, str, str], ...]
    """(turn, trader, text) of recent private thinking."""


@dataclass(frozen=True)
class Board:
    """Everything one screen of the game shows."""

    mode: str
    """play or watch."""
    turn: int
    """The last turn resolved."""
    season_length: int
    """Turns in the season."""
    winter_starts: int
    """First turn of winter."""
    burn: int
    """Firewood each creature burned last turn."""
    suspicion: str
    """The magistrate's public meter."""
    frozen_until: int
    """The Patron's assets are frozen through this turn."""
    banished: bool
    """Whether the Patron was banished."""
    legends: tuple[str, ...]
    """Legends under way, in words."""
    goods: tuple[str, ...]
    """Goods, in scenario order."""
    traders: tuple[TraderRow, ...]
    """The creatures, then the Patron."""
    books: tuple[BookRow, ...]
    """One per good."""
    trades: tuple[TradeRow, ...]
    """Recent public trades, oldest first."""
    events: tuple[EventRow, ...]
    """The whole public record, oldest first."""
    prices: dict[str, list[int]]
    """Per good, the last price after each turn."""
    base_prices: dict[str, int]
    """Per good, the price before any trade."""
    scores: tuple[ScoreRow, ...]
    """The scoreboard."""
    reputation: tuple[ReputationRow, ...]
    """Public standing of every trader."""
    desk: Desk
    """The Patron's desk."""
    spectator: Spectator | None = None
    """Hidden facts, for a spectator only (None in a played game)."""
    names: tuple[str, ...] = field(default=())
    """Every trader's name, creatures first."""

    @property
    def season_over(self) -> bool:
        """Whether the season has ended."""
        return self.turn >= self.season_length


RECENT_TRADES = 40
"""Trades kept on the board."""


@lru_cache(maxsize=64)
def model_label(model: str) -> str:
    """A model id as a person reads it: display name and lab when the registry knows it."""
    if model == "human":
        return "you (human)"
    if model.startswith("scripted:"):
        return f"scripted {model.split(':', 1)[1]}"
    if model.startswith("replay:"):
        return f"replay of {model_label(model.split(':', 1)[1])}"
    try:
        from engine.models.registry import load_registry
        spec = load_registry().get(model)
        return f"{spec.display_name} ({spec.lab})"
    except Exception:  # an unknown id or a registry in flux: show the id itself
        return model


def _trade_words(name: str, trades: list, turn: int) -> str:
    sold: dict[str, int] = {}
    bought: dict[str, int] = {}
    for t in trades:
        if t.turn != turn:
            continue
        if t.seller == name:
            sold[t.good] = sold.get(t.good, 0) + t.qty
        if t.buyer == name:
            bought[t.good] = bought.get(t.good, 0) + t.qty
    parts = [f"sold {q} {g}" for g, q in sold.items()] + [f"bought {q} {g}" for g, q in bought.items()]
    return ", ".join(parts)


def reputation(public: PublicRecord, names: list[str]) -> list[ReputationRow]:
    """Each trader's public standing from public trades, gossip, defaults and sanctions (`engine.core.economy.standing`)."""
    rows = []
    for name in names:
        mine = [t for t in public.trades if name in (t.buyer, t.seller)]
        partners = {t.seller if t.buyer == name else t.buyer for t in mine}
        kind = harsh = defaults = sanctions = 0
        for e in public.events:
            if e.kind == "gossip" and name not in e.actors and name.lower() in (e.said or "").lower():
                tone = sentiment.gossip_tone(e.said)
                kind += tone > 0
                harsh += tone < 0
            elif e.kind == "default" and e.actors[:1] == [name]:
                defaults += 1
            elif e.kind == "magistrate" and name == PATRON and e.sanction is not None:
                sanctions += 1
        score, word = standing(len(mine), kind, harsh, defaults, sanctions)
        rows.append(ReputationRow(name, len(mine), len(partners), kind, harsh, defaults, sanctions, score, word))
    return rows


def trade_cash(public: PublicRecord, name: str) -> int:
    """Pebbles a trader gained (+) or spent (-) in public trades."""
    return sum(t.qty * t.price * (1 if t.seller == name else -1)
               for t in public.trades if name in (t.buyer, t.seller))


def desk_of(view: View) -> Desk:
    """The Patron's desk from its own view."""
    s = view.patron
    return Desk(
        pebbles=view.pebbles, goods=dict(view.goods), worth=worth_in_view(view), frozen=view.frozen,
        orders=tuple(f"#{o.id} {o.side} {o.qty} {o.good} at {o.price} (until turn {o.expires})"
                     for o in view.my_orders),
        order_ids=tuple(o.id for o in view.my_orders),
        heard=tuple(s.heard) if s else (), tips=tuple(s.tips) if s else (),
        loans=tuple(s.loans) if s else (), shorts=tuple(s.shorts) if s else (),
        open_shorts=tuple(s.open_shorts) if s else (), bribes=tuple(s.bribes) if s else (),
        legends_left=tuple(s.legends_left) if s else (),
    )


def public_board(public: PublicRecord, me: View, sc: Scenario, *, mode: str = "play",
                 patron_model: str = "human") -> Board:
    """The board a player may see: the public record and the Patron's own view, nothing else."""
    names = [t.name for t in sc.traders] + [PATRON]
    turn = public.turn
    last_events = [e for e in public.events if e.turn == turn]
    traders = []
    for name in names:
        spec = None if name == PATRON else sc.trader(name)
        model = patron_model if name == PATRON else public.council.get(name, "?")
        said = next((e.said for e in last_events if e.kind == "gossip" and e.actors[:1] == [name]), "")
        hesitated = next((e.text for e in last_events if e.kind == "hesitate" and e.actors[:1] == [name]), "")
        traders.append(TraderRow(
            name=name, species="Patron of the Wood" if spec is None else spec.species, model=model,
            model_label=model_label(model),
            makes="-" if spec is None else f"{spec.produces} {spec.rate}/turn",
            trades=_trade_words(name, public.trades[-60:], turn), said=said.strip('"'),
            hesitated=hesitated))
    books = tuple(BookRow(b.good, tuple(b.bids), tuple(b.asks), b.last, b.trend) for b in me.books)
    first = max(0, len(public.trades) - RECENT_TRADES)
    trades = tuple(TradeRow(first + i, t.turn, t.good, t.qty, t.price, t.seller, t.buyer)
                   for i, t in enumerate(public.trades[first:]))
    events = tuple(EventRow(i, e.turn, e.kind, e.text) for i, e in enumerate(public.events))
    desk = desk_of(me)
    scores = tuple(ScoreRow(n, traders[i].model_label, desk.worth if n == PATRON else None,
                            trade_cash(public, n)) for i, n in enumerate(names))
    return Board(
        mode=mode, turn=turn, season_length=sc.season_length, winter_starts=sc.winter.start,
        burn=public.winter_burn, suspicion=public.suspicion, frozen_until=public.patron_frozen_until,
        banished=public.patron_banished,
        legends=tuple(f"{lg.name} (until turn {lg.ends})" for lg in public.legends if lg.ends >= turn + 1),
        goods=tuple(sc.good_names), traders=tuple(traders), books=books, trades=trades, events=events,
        prices={g: list(public.price_history.get(g, [])) for g in sc.good_names},
        base_prices={g.name: g.base_price for g in sc.goods},
        scores=scores, reputation=tuple(reputation(public, names)), desk=desk, names=tuple(names),
    )


def play_board(state: GameState) -> Board:
    """A played game's board: only the public record and the Patron's own view leave the state."""
    return public_board(state.public, view_for(state, PATRON), state.scenario, mode="play", patron_model="human")


def spectator_board(state: GameState, *, patron_model: str = "scripted:schemer") -> Board:
    """A spectator's board: the public board plus the hidden matrix, purses and exact worth."""
    sc, hid = state.scenario, state.hidden
    board = public_board(state.public, view_for(state, PATRON), sc, mode="watch", patron_model=patron_model)
    names = list(board.names)
    scores = tuple(ScoreRow(r.trader, r.model_label, net_worth(state, r.trader), r.trade_cash)
                   for r in board.scores)
    creatures = [t.name for t in sc.traders]
    spectator = Spectator(
        sentiment={a: {b: sentiment.feeling(hid, a, b) for b in names if b != a} for a in creatures},
        bound=sc.sentiment_bound,
        purses={n: (hid.holdings[n].pebbles, dict(hid.holdings[n].goods), hid.holdings[n].hunger,
                    hid.holdings[n].cold) for n in names},
        suspicion_points=hid.suspicion, sanctions=tuple(hid.sanctions), banish_at=sc.magistrate.banish_at,
        thoughts=tuple((t.turn, t.trader, t.text) for t in hid.thoughts[-len(names):]),
    )
    return replace(board, scores=scores, spectator=spectator)


def final_scores(state: GameState, patron_model: str) -> list[tuple[str, str, int]]:
    """The season's end: every trader's net worth, richest first (the books open when the season ends)."""
    names = [t.name for t in state.scenario.traders] + [PATRON]
    models = {**state.public.council, PATRON: patron_model}
    rows = [(n, model_label(models.get(n, "?")), net_worth(state, n)) for n in names]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


# --- a turn being decided (streaming brains) ---------------------------------------------------------


def progress_status(p: Progress) -> str:
    """The short live status of an answer being written: "41 tok 2.1 s"."""
    return f"{p.tokens} tok {p.elapsed_s:.1f} s"


def progress_note(p: Progress) -> str:
    """What a player may know of an answer being written: figures only, never its text.

    "41 of at most 96 tokens, at most 3 s left" (the estimate from the engine's measured pace).
    """
    note = f"{p.tokens} of at most {p.max_tokens} tokens" if p.max_tokens else f"{p.tokens} tokens"
    if p.left_s is not None:
        note += f", at most {p.left_s:.0f} s left"
    return note


def progress_tail(p: Progress, width: int) -> str:
    """The last `width` characters of the text being written, on one line (for a spectator)."""
    flat = " ".join(p.text.split())
    if len(flat) <= width:
        return flat
    return "\u2026" + flat[len(flat) - width + 1:] if width > 1 else flat[-width:]
