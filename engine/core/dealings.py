"""The Patron's own moves: lend, tip, short, cover, bribe, spring a legend; and the offers' fate.

Every move mutates the state and returns a `Denial` (a refusal code and its detail) or None; the
stages of the turn return what they produced (events, transfers). Nothing raises.
"""

from __future__ import annotations

import math

from engine.core import legends, sentiment
from engine.core.answer import BribeMove, CoverMove, LendMove, ShortMove, TipMove
from engine.core.economy import last_price
from engine.core.firewall import canary, scrub_public_text
from engine.core.refusals import Denial
from engine.core.scenario import PATRON
from engine.core.state import Bribe, Event, GameState, Loan, Short, Tip

POOL_UNITS = 30
"""Units of each good the wood's lending pool holds at the start (shorts borrow from it)."""


Transfer = tuple[str, str, int]
"""An accepted private deal: (kind "loan" or "bribe", creature, pebbles paid out)."""


def _next_id(state: GameState) -> int:
    hid = state.hidden
    hid.next_id += 1
    return hid.next_id - 1


def _creature(state: GameState, name: str) -> str | None:
    names = {t.name.lower(): t.name for t in state.scenario.traders}
    return names.get(name.strip().lower())


def _offer_to(state: GameState, creature: str, amount: int, what: str) -> tuple[str | None, Denial | None]:
    """(the creature's name, None) when the Patron can offer `amount` pebbles to it, else (None, why)."""
    who = _creature(state, creature)
    if who is None:
        return None, Denial("unknown_creature", f"no creature called {creature!r}")
    have = state.hidden.holdings[PATRON].pebbles
    if have < amount:
        return None, Denial("insufficient_pebbles", f"the Patron has {have} pebbles, cannot {what} {amount}")
    return who, None


def lend(state: GameState, move: LendMove, turn: int) -> Denial | None:
    """Offer a loan; the creature answers next turn."""
    who, why = _offer_to(state, move.creature, move.amount, "lend")
    if why:
        return why
    i = _next_id(state)
    state.hidden.loans.append(Loan(id=i, creature=who, principal=move.amount, rate_pct=move.rate_pct,
                                   term=move.term, offered=turn,
                                   canary=canary(state.hidden.salt, "loan", i)))
    return None


def tip(state: GameState, move: TipMove, turn: int) -> Denial | None:
    """Whisper a tip; the creature hears the words from next turn, never whether it is true."""
    who = _creature(state, move.creature)
    if who is None:
        return Denial("unknown_creature", f"no creature called {move.creature!r}")
    if move.good not in state.scenario.good_names:
        return Denial("unknown_good", f"no good called {move.good!r}")
    i = _next_id(state)
    state.hidden.tips.append(Tip(id=i, creature=who, good=move.good, direction=move.direction,
                                 true=move.true, turn=turn, canary=canary(state.hidden.salt, "tip", i)))
    return None


def bribe(state: GameState, move: BribeMove, turn: int) -> Denial | None:
    """Offer a bribe; the creature answers next turn."""
    who, why = _offer_to(state, move.creature, move.amount, "offer")
    if why:
        return why
    i = _next_id(state)
    state.hidden.bribes.append(Bribe(id=i, creature=who, amount=move.amount,
                                     request=scrub_public_text(move.request), offered=turn,
                                     canary=canary(state.hidden.salt, "bribe", i)))
    return None


def open_short(state: GameState, move: ShortMove, turn: int) -> Denial | None:
    """Borrow units from the wood's pool now; they must be returned by `turn + term`."""
    hid = state.hidden
    if move.good not in state.scenario.good_names:
        return Denial("unknown_good", f"no good called {move.good!r}")
    if hid.pool.get(move.good, 0) < move.qty:
        return Denial("pool_short", f"the pool holds only {hid.pool.get(move.good, 0)} {move.good}")
    hid.pool[move.good] -= move.qty
    patron = hid.holdings[PATRON]
    patron.goods[move.good] = patron.goods.get(move.good, 0) + move.qty
    i = _next_id(state)
    hid.shorts.append(Short(id=i, good=move.good, qty=move.qty, opened=turn, due=turn + move.term,
                            canary=canary(hid.salt, "short", i)))
    return None


def cover(state: GameState, move: CoverMove, turn: int) -> Denial | None:
    """Return borrowed units early (the Patron must hold them all)."""
    short = next((s for s in state.hidden.shorts if s.id == move.short_id and s.status == "open"), None)
    if short is None:
        return Denial("unknown_short", f"no open short #{move.short_id}")
    patron = state.hidden.holdings[PATRON]
    if patron.goods.get(short.good, 0) < short.qty:
        return Denial("insufficient_goods",
                      f"the Patron holds {patron.goods.get(short.good, 0)} {short.good}, owes {short.qty}")
    _return_units(state, short, short.qty)
    short.status = "covered"
    return None


def spring(state: GameState, legend_id: str, turn: int) -> Denial | None:
    """Spring a legend (once per season); it begins next turn."""
    return legends.spring(state, legend_id, turn)


def _return_units(state: GameState, short: Short, qty: int) -> None:
    patron = state.hidden.holdings[PATRON]
    patron.goods[short.good] -= qty
    state.hidden.pool[short.good] = state.hidden.pool.get(short.good, 0) + qty


# --- offers answered by creatures --------------------------------------------------------------

def answer_offer(state: GameState, creature: str, offer_id: int, accept: bool,
                 turn: int) -> tuple[Transfer | None, Denial | None]:
    """A creature accepts or declines a loan or bribe offered to it.

    Returns (the private deal paid out, if one was; why not, if the answer was refused).
    """
    hid, bound = state.hidden, state.scenario.sentiment_bound
    patron = hid.holdings[PATRON]
    loan = next((x for x in hid.loans if x.id == offer_id and x.creature == creature
                 and x.status == "offered"), None)
    if loan is not None:
        if not accept:
            loan.status = "declined"
            return None, None
        if patron.pebbles < loan.principal or state.public.patron_frozen_until >= turn \
                or state.public.patron_banished:
            loan.status = "lapsed"
            return None, Denial("offer_unpaid", "the Patron can no longer pay out this loan")
        patron.pebbles -= loan.principal
        hid.holdings[creature].pebbles += loan.principal
        loan.status, loan.due, loan.owed = "active", turn + loan.term, loan.principal
        sentiment.nudge(hid, creature, PATRON, 1, bound)
        return ("loan", creature, loan.principal), None
    bribe_ = next((x for x in hid.bribes if x.id == offer_id and x.creature == creature
                   and x.status == "offered"), None)
    if bribe_ is not None:
        if not accept:
            bribe_.status = "declined"
            sentiment.nudge(hid, creature, PATRON, -1, bound)
            return None, None
        if patron.pebbles < bribe_.amount or state.public.patron_banished:
            bribe_.status = "lapsed"
            return None, Denial("offer_unpaid", "the Patron can no longer pay this bribe")
        patron.pebbles -= bribe_.amount
        hid.holdings[creature].pebbles += bribe_.amount
        bribe_.status = "accepted"
        sentiment.nudge(hid, creature, PATRON, 2, bound)
        return ("bribe", creature, bribe_.amount), None
    return None, Denial("unknown_offer", f"no open offer #{offer_id} for {creature}")


def lapse_offers(state: GameState, turn: int) -> None:
    """Offers not answered within `offer_turns` turns lapse."""
    limit = state.scenario.patron.offer_turns
    for offer in (*state.hidden.loans, *state.hidden.bribes):
        if offer.status == "offered" and turn - offer.offered >= limit:
            offer.status = "lapsed"


# --- debts and shorts fall due -----------------------------------------------------------------

def settle_loans(state: GameState, turn: int) -> list[Event]:
    """Active loans accrue interest; loans due are repaid, or goods are seized, or they default.

    Returns the public default events.
    """
    events: list[Event] = []
    hid, bound = state.hidden, state.scenario.sentiment_bound
    patron = hid.holdings[PATRON]
    for loan in hid.loans:
        if loan.status != "active":
            continue
        if loan.rate_pct > 0:
            loan.owed += max(1, loan.principal * loan.rate_pct // 100)
        if turn < loan.due:
            continue
        debtor = hid.holdings[loan.creature]
        pay = min(debtor.pebbles, loan.owed)
        debtor.pebbles -= pay
        patron.pebbles += pay
        loan.owed -= pay
        seized = []
        for good in sorted(debtor.goods, key=lambda g: (-last_price(state, g), g)):
            if loan.owed <= 0:
                break
            price = last_price(state, good)
            units = min(debtor.goods[good], math.ceil(loan.owed / price))
            if units <= 0:
                continue
            debtor.goods[good] -= units
            patron.goods[good] = patron.goods.get(good, 0) + units
            loan.owed = max(0, loan.owed - units * price)
            seized.append(f"{units} {good}")
        if loan.owed <= 0 and not seized:
            loan.status = "repaid"
            continue
        loan.status = "repaid" if loan.owed <= 0 else "defaulted"
        loan.owed = 0
        sentiment.nudge(hid, loan.creature, PATRON, -3, bound)
        for other in state.scenario.traders:
            sentiment.nudge(hid, other.name, loan.creature, -1, bound)
        what = ", ".join(seized) if seized else "nothing left to take"
        events.append(Event(turn=turn, kind="default", actors=[loan.creature, PATRON],
                            text=f"{loan.creature} could not pay a debt to the Patron when due; "
                                 f"the bailiffs seized {what}."))
    return events


def settle_shorts(state: GameState, turn: int) -> None:
    """Open shorts pay their fee; those due are covered, by force where the Patron lacks the units.

    A forced cover pays the treasury `forced_cover_pct` of the last price for each missing unit; the
    pool is simply never paid back those units (they are still somewhere in the wood).
    """
    hid, p = state.hidden, state.scenario.patron
    patron = hid.holdings[PATRON]
    for short in hid.shorts:
        if short.status != "open":
            continue
        fee = min(patron.pebbles, p.short_fee * short.qty)
        patron.pebbles -= fee
        hid.treasury += fee
        short.fees_paid += fee
        if turn < short.due:
            continue
        have = min(patron.goods.get(short.good, 0), short.qty)
        _return_units(state, short, have)
        missing = short.qty - have
        if missing == 0:
            short.status = "covered"
            continue
        price = math.ceil(last_price(state, short.good) * p.forced_cover_pct / 100)
        cost = min(patron.pebbles, missing * price)
        patron.pebbles -= cost
        hid.treasury += cost
        short.status = "forced"
