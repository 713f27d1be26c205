"""The prompt builder: a creature's view -> the exact text a model is sent.

It follows the lesson of the original project: say plainly what the creature makes and must never
buy, compute the goods it is short on this turn and next, and what would spoil (small models are poor
at that arithmetic). It shows no example answer: small models copied one word for word, thoughts,
gossip and orders alike (issue 15), so every creature made the rules' choice in the rules' words. The
answer's shape comes from the format line and, on engines that have them, from structured outputs.
Every part is a fixed window, so the prompt does not grow with the number of turns played.

The order serves the engines' prefix cache: what every creature is told on every turn (the answer
format) comes first, then what stays the same for one creature all season (who it is, what it makes
and eats), then the turn's own situation. The cache then reads each unchanging opening once, not
once per creature and turn.
"""

from __future__ import annotations

import json

from engine.core.answer import (KEEP, ORDER_SLOTS, WINTER_STOCK, answer_json_schema, buy_price, buys_ahead,
                                 need_buys, opening, sellable, winter_stock)
from engine.mind.situation import short_goods, situation_of, stock_good
from engine.mind.view import View, read_legend, read_whisper

MAX_BOOK_LEVELS = 3
"""Price levels shown per side of each book."""
ANSWER_FORMAT = (
    'Answer with ONE JSON object and nothing else: {"thinking": text, "orders": [{"side": "buy" or "sell", '
    '"good": name, "qty": whole number, "price": whole pebbles}], "gossip": text, "accept": [offer ids], '
    '"decline": [offer ids]}.'
)
"""What every creature is told on every turn: the prompt's shared opening."""
SUGGESTED_HEAD = "Orders that would make sense now (yours to change):"
"""The line above the suggested orders (`example_orders`), which the next line holds as JSON."""


BARGAIN = 0.6
"""A good whose last price is at most this share of its recent median price is a bargain."""
TIP_FRESH = 3
"""A whisper is acted on for this many turns after the turn it is dated."""


def bargains(view: View) -> dict[str, int]:
    """Goods the creature may buy whose last price fell to a bargain: good -> the recent median price.

    The median is of the prices before the last one (three at least); its own good never counts, nor a
    good held at its hoard limit.

    >>> from engine.mind.view import BookView
    >>> b = BookView(good="berries", bids=[], asks=[], last=3, trend="falling", history=[6, 5, 6, 7, 3])
    >>> bargains(View.model_construct(produces="honey", goods={}, hoard_limits={}, books=[b]))
    {'berries': 6}
    """
    out = {}
    for b in view.books:
        before = sorted(b.history[:-1])
        if b.good == view.produces or len(before) < 3 or _at_limit(view, b.good):
            continue
        median = before[len(before) // 2]
        if b.last <= BARGAIN * median:
            out[b.good] = median
    return out


def tipped(view: View) -> list[str]:
    """Goods a recent whisper says will rise (newest first), other than the creature's own."""
    out = []
    for line in reversed(view.whispers):
        tip = read_whisper(line)
        if tip and tip[2] == "rise" and view.turn - tip[0] <= TIP_FRESH and tip[1] != view.produces \
                and tip[1] not in out and not _at_limit(view, tip[1]):
            out.append(tip[1])
    return out


def legend_rising(view: View) -> list[str]:
    """Goods a legend under way pushes up (`engine.mind.view.read_legend`), other than the creature's own.

    >>> from engine.mind.view import legend_line
    >>> line = legend_line("Bluebell Mania", 9, "The hives cannot keep up.", {"honey": "rise", "acorns": "fall"})
    >>> legend_rising(View.model_construct(produces="berries", goods={}, hoard_limits={}, legends=[line]))
    ['honey']
    """
    out = []
    for line in view.legends:
        for good, way in read_legend(line).items():
            if way == "rise" and good != view.produces and good not in out and not _at_limit(view, good):
                out.append(good)
    return out


def buy_reasons(view: View) -> dict[str, str]:
    """The goods a creature has a reason to buy now, each with its first reason: "short" (one more unit
    would lower the meals it misses or the fuel it lacks this turn or the next,
    `engine.mind.situation.short_goods`), "stock" (the fuel it gathers before winter, `stock_good`),
    "tip" (`tipped`), "legend" (`legend_rising`), "bargain" (`bargains`).

    The answer grammar's buys beyond its opening name only these (`answer_schema`). On seeds 104-106
    (prompt-trials' seventh round) 14 of SmolLM2's 131 buys were of none of them: Oona bid 10 for a
    berry last traded at 5 on turn 1, fed and holding acorns, and firewood on turns 2 and 7, before the
    stock is gathered; every such buy is a fault of the needs measures (issue 15). On fresh seeds 107-109
    (prompt-trials' eighth round) SmolLM2's buys of short goods rose 77% -> 90% (22 of its buys had no
    reason before, none after) and Gemma's meals missed fell 39 -> 28.

    >>> from engine.mind.view import BookView, legend_line
    >>> book = lambda g: BookView(good=g, bids=[], asks=[], last=5, trend="steady", history=[5])
    >>> owl = View.model_construct(me="Oona", produces="honey", rate=3, pebbles=60, meals=2, turn=2,
    ...     winter_starts=16, foods=["honey", "acorns", "berries"], fuels=["firewood"], burn=0, burn_next=0,
    ...     goods={"honey": 7, "acorns": 1, "berries": 0, "firewood": 0}, hoard_limits={}, hunger=0, cold=0,
    ...     books=[book(g) for g in ("honey", "acorns", "berries", "firewood")], whispers=[], legends=[])
    >>> buy_reasons(owl)
    {'acorns': 'short', 'berries': 'short'}
    >>> fed = owl.model_copy(update={"goods": {**owl.goods, "acorns": 4}})
    >>> buy_reasons(fed), buy_reasons(fed.model_copy(update={"turn": 9}))
    ({}, {'firewood': 'stock'})
    >>> line = legend_line("Bluebell Mania", 9, "The hives cannot keep up.", {"berries": "rise"})
    >>> buy_reasons(fed.model_copy(update={"legends": [line]}))
    {'berries': 'legend'}
    """
    out = dict.fromkeys(short_goods(situation_of(view)), "short")
    for reason, goods in (("stock", [stock_good(situation_of(view))]), ("tip", tipped(view)),
                          ("legend", legend_rising(view)), ("bargain", bargains(view))):
        for good in goods:
            if good is not None:
                out.setdefault(good, reason)
    return out


def answer_schema(view: View | None) -> dict:
    """The answer grammar the game constrains a creature to (`engine.core.answer.answer_json_schema`),
    its buys beyond the opening limited to the goods of `buy_reasons`, a need buy of a good of `ahead_of`
    allowed one unit more; without a creature's view (none,
    or the Patron's), the whole answer schema."""
    if view is None or view.produces is None:
        return answer_json_schema(view)
    return answer_json_schema(view, buy_reasons(view), ahead_of(view))


def _at_limit(view: View, good: str) -> bool:
    limit = view.hoard_limits.get(good)
    return limit is not None and view.goods.get(good, 0) >= limit


def example_orders(view: View) -> list[dict]:
    """Orders that would make sense for this creature now, shown as orders only (the words of an example
    answer were copied word for word, issue 15):

    - buy what it lacks this turn (`engine.core.answer.need_buys`, the opening the answer grammar
      requires): the cheapest of the foods it is short of, as many kinds as meals it would miss, then
      the fuel it must burn (as much as the pebbles allow), and in the turns before winter the rest of its
      winter stock (`engine.core.answer.winter_stock`);
    - sell its own good: all but `KEEP` units (two at least, keeping one; ten at most; never what it eats
      or burns this turn, `engine.core.answer.sellable`), at its last price (the grammar's most for that
      sale, `engine.core.answer.own_sale`), so food reaches the hungry;
    - buy one unit of a good a fresh whisper says will rise, of a good a legend under way pushes up, and
      of a good whose price fell to a bargain (`ahead_of`); where a need buy already bids for that good,
      one unit more there (`engine.core.answer.buys_ahead`).

    The order is the grammar's: its opening is the needs, then the sale (`engine.core.answer.opening`),
    and a free slot follows (`engine.core.answer.FREE_ORDERS`); a model that copies the suggestion in
    order reaches the first optional buy there. (Until prompt v15 the optional buys came before the sale,
    where the grammar allowed only the sale; until 2026-12-05 a third need, the backup food, came before
    the sale too, where the grammar's three slots held the sale: on seeds 97-99 Gemma's badger then wrote
    no backup at all, and went hungry four times with the pebbles to eat when its two foods sold out.)
    Buys of what it lacks are at the going price (`going_price`: the last price + 1, or the lowest
    resting ask where one is dearer, up to twice the last price, the grammar's band; a need buy at its
    planned price), buys of what it wants but does not lack this turn at the last price (`want_price`, the
    grammar's most for them), and only while the pebbles last, needs first.
    """
    books = {b.good: b for b in view.books}
    plan = need_buys(view)
    more = buys_ahead(view, plan, ahead_of(view))
    needs = [{"side": "buy", "good": n.good, "qty": n.qty + (n.good in more), "price": n.price} for n in plan]
    left = view.pebbles - sum(o["qty"] * o["price"] for o in needs)

    def buy(good: str, qty: int) -> None:
        nonlocal left
        price = buy_price(view, books[good])
        qty = min(qty, left // price)
        if qty > 0 and good != view.produces and not any(o["good"] == good for o in orders):
            orders.append({"side": "buy", "good": good, "qty": qty, "price": price})
            left -= price * qty

    held = view.goods.get(view.produces, 0) if view.produces else 0
    spare = min(10, max(min(2, held - 1), held - KEEP), sellable(view, view.produces))
    sale = ({"side": "sell", "good": view.produces, "qty": spare, "price": books[view.produces].last}
            if spare > 0 else None)
    orders = opening(needs, sale, ORDER_SLOTS)
    orders += [o for o in [*needs, sale] if o is not None and o not in orders]
    for good in ahead_of(view):
        buy(good, 1)
    return orders


def ahead_of(view: View) -> list[str]:
    """Goods worth buying ahead of need, in the suggestion's order: a fresh tip's, a legend's, a bargain."""
    return list(dict.fromkeys([*tipped(view), *legend_rising(view), *bargains(view)]))


def _book_line(b) -> str:
    bids = ", ".join(f"{q}@{p}" for p, q in b.bids[:MAX_BOOK_LEVELS]) or "none"
    asks = ", ".join(f"{q}@{p}" for p, q in b.asks[:MAX_BOOK_LEVELS]) or "none"
    return f"- {b.good}: last price {b.last} ({b.trend}); buyers want {bids}; sellers offer {asks}"


def _spoil_lines(view: View) -> list[str]:
    """Goods held above their hoard limit, which rot: the units to sell.

    7 honey with a hoard limit of 5 -> ["Honey spoils above 5: sell 2 or lose some."]
    """
    return [f"{g.capitalize()} spoils above {limit}: sell {view.goods[g] - limit} or lose some."
            for g, limit in view.hoard_limits.items() if view.goods.get(g, 0) > limit]


def _next_fuel_lines(view: View) -> list[str]:
    """Fuel the creature will lack next turn although it has enough (or none needed) now."""
    out = []
    for fuel in view.fuels[:1]:  # the rules burn the first fuel
        lack = view.burn_next - max(0, view.goods.get(fuel, 0) - view.burn)
        if lack > 0 and fuel not in view.short_on and fuel != view.produces:
            out.append(f"Next turn you must burn {view.burn_next} {fuel}: buy {lack} soon.")
    return out


def _stock_lines(view: View) -> list[str]:
    """The winter stock a creature should gather now (`engine.core.answer.winter_stock`), in words.

    An owl with 1 firewood on turn 9, winter on turn 16 ->
    ["Winter comes on turn 16: gather 6 firewood before it (you have 1)."]
    """
    if not winter_stock(view, view.pebbles + 10**6):  # the window and the lack, whatever the pebbles
        return []
    fuel = view.fuels[0]
    return [f"Winter comes on turn {view.winter_starts}: gather {WINTER_STOCK} {fuel} before it "
            f"(you have {view.goods.get(fuel, 0)})."]


def build_prompt(view: View, suggested: list[dict] | None = None) -> str:
    """The whole prompt for one creature's turn (plain text; the chat format is the backend's job).

    `suggested` replaces the orders the prompt suggests (`example_orders(view)`); the responsiveness
    probes use it to hold the suggestion fixed while one fact changes.
    """
    lines = [
        # shared by every creature and turn -> read once by the prefix cache
        ANSWER_FORMAT,
        "",
        # the same for this creature all season (until winter comes)
        f"You are {view.me} the {view.species}, a trader in the Thousand Token Wood market.",
        f"You make {view.produces} ({view.rate} a turn). You must NEVER buy {view.produces}: "
        f"only sell it.",
        f"You eat {view.meals} meals a turn, each a different food ({', '.join(view.foods)}). "
        + (f"Winter burns {view.burn} firewood a turn for you." if view.burn else
           f"Winter starts on turn {view.winter_starts}; then you must burn firewood every turn."),
        "",
        # this turn's situation
        f"Turn {view.turn} of {view.season_length}.",
        f"You have {view.pebbles} pebbles and: "
        + ", ".join(f"{q} {g}" for g, q in view.goods.items()) + ".",
        f"Hunger {view.hunger}, cold {view.cold} (above 0 means you made less)." if view.hunger or view.cold
        else "You are fed and warm.",
    ]
    foods = [g for g in view.short_on if g in view.foods]
    fuel = {g: q for g, q in view.short_on.items() if g not in view.foods}
    if foods:
        lines.append(f"You are SHORT on food: buy {view.foods_needed} of {', '.join(foods)} "
                     f"(1 unit each) to eat all your meals.")
    for g, q in fuel.items():
        lines.append(f"You are SHORT on {g}: buy {q} to stay warm.")
    if not view.short_on:
        lines.append("You are short on nothing this turn.")
    lines += _spoil_lines(view)
    lines += _next_fuel_lines(view)
    lines += _stock_lines(view)
    last = {b.good: b.last for b in view.books}
    lines += [f"{g.capitalize()} is cheap now: {last[g]} pebbles, against {median} of late."
              for g, median in bargains(view).items()]
    if view.debts:
        lines.append("You owe: " + "; ".join(f"{d.owed} pebbles by turn {d.due}" for d in view.debts) + ".")
    if view.my_orders:
        lines.append("Your orders resting: " + "; ".join(
            f"#{o.id} {o.side} {o.qty} {o.good} at {o.price}" for o in view.my_orders[:6]) + ".")
    lines += ["", "Market (units@price):", *(_book_line(b) for b in view.books)]
    if view.legends:
        lines += ["", "Legends under way:", *(f"- {s}" for s in view.legends)]
    if view.offers:
        lines += ["", "Offers to you (put the id in accept or decline):",
                  *(f"- #{o.id} ({o.kind}): {o.text}" for o in view.offers)]
    if view.whispers:
        lines += ["", "Whispers you heard:", *(f"- {w}" for w in view.whispers)]
    lines += ["", "Recent news:", *(f"- {e}" for e in view.events or ["(nothing yet)"])]
    lines += ["", "How you feel:", *(f"- {f}" for f in view.feelings)]
    lines += ["", f"The magistrate's mood: {view.suspicion}."]
    orders = example_orders(view) if suggested is None else suggested
    if orders:
        lines += ["", SUGGESTED_HEAD, json.dumps(orders)]
    return "\n".join(lines)


def build_patron_brief(view: View) -> str:
    """The Patron's own brief (what a scripted or model Patron is told; also the human desk's text)."""
    s = view.patron
    lines = [build_prompt_header_patron(view)]
    if s is not None:
        for title, rows in (("You heard ahead", s.heard), ("Tips you gave", s.tips), ("Loans", s.loans),
                            ("Shorts", s.shorts), ("Bribes", s.bribes)):
            if rows:
                lines += [f"{title}:", *(f"- {r}" for r in rows)]
    lines += ["Market:", *(_book_line(b) for b in view.books)]
    lines += ["Recent news:", *(f"- {e}" for e in view.events or ["(nothing yet)"])]
    return "\n".join(lines)


def build_prompt_header_patron(view: View) -> str:
    """One line on the Patron's standing."""
    goods = ", ".join(f"{q} {g}" for g, q in view.goods.items() if q) or "no goods"
    frozen = " Your assets are FROZEN this turn." if view.frozen else ""
    return (f"You are the Patron of the Wood. Turn {view.turn} of {view.season_length}. "
            f"You have {view.pebbles} pebbles and {goods}. The magistrate's mood: {view.suspicion}.{frozen}")
