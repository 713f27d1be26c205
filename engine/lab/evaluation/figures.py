"""Figures from trace rows and season records: pure functions, no I/O.

    trace rows + season record -> Tally per model and per trader -> per-season figures -> analyse()

Definitions (docs/EVAL.md explains each one for readers of the report):
- an *answer* is a trace row whose answer was parsed (no fault, no firewall stop);
- the *action mix* counts, per answer, each buy and sell order, cancel, accept and decline, the Patron's
  own moves, one `gossip` when it said something aloud, and one `hold` when it took no market action;
- *entropy* is the Shannon entropy of that mix in bits; *divergence* between traders is the
  Jensen-Shannon divergence (base 2, so 0..1) between their mixes, averaged over every pair;
- a *price offset* is an order's limit price relative to the good's last price before the turn
  (`price / last - 1`); the *price-offset spread* is, per side (buy, sell), the standard deviation
  across creatures of each creature's median offset, averaged over the two sides;
- *volatility* of a good is the standard deviation of its turn-to-turn log price changes;
- the *sense* measures (needs, sanity, voice) of each answer come from `sense.py`, summed by `sense_figures.py`.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from itertools import combinations

from pydantic import ValidationError

from engine.brains.base import FAULT_KINDS
from engine.core.answer import Answer, CREATURE_ACTIONS, ID_ACTIONS, PATRON_MOVES, PatronAnswer, count_in
from engine.core.refusals import refusal_code
from engine.core.scenario import PATRON
from engine.lab.evaluation.sense_figures import Outcome, SenseTally, cold_turns, meals_missed, outcomes

ACTION_KINDS = ("buy", "sell", "cancel", "hold", "gossip", "accept", "decline", "patron")
"""Kinds of the action mix, in report order (`patron`: the Patron's loans, tips, shorts, covers, bribes, legends)."""
TOP = 3
"""How many top reasons a report lists."""

_GOT_RE = re.compile(r"\s*\(got .*\)\s*$", re.DOTALL)


def action_mix(parsed: dict | None) -> Counter:
    """The action mix of one parsed answer.

    >>> dict(action_mix({"orders": [{"side": "buy"}, {"side": "sell"}], "gossip": "hi"}))
    {'buy': 1, 'sell': 1, 'gossip': 1}
    >>> dict(action_mix({"orders": [], "gossip": ""}))
    {'hold': 1}
    """
    mix: Counter = Counter()
    if not parsed:
        return mix
    for order in parsed.get("orders") or []:
        mix["buy" if order.get("side") == "buy" else "sell"] += 1
    for kind in ID_ACTIONS:
        if parsed.get(kind):
            mix[kind.value] += len(parsed[kind])
    moves = count_in(parsed, PATRON_MOVES)
    if moves:
        mix["patron"] += moves
    if not mix:
        mix["hold"] += 1
    if str(parsed.get("gossip") or "").strip():
        mix["gossip"] += 1
    return mix


def shares(mix: Counter) -> dict[str, float]:
    """The mix as fractions of its total, every kind present (zeros included)."""
    total = sum(mix.values())
    return {k: (mix[k] / total if total else 0.0) for k in ACTION_KINDS}


def entropy_bits(mix: Counter | dict) -> float:
    """Shannon entropy of a mix in bits (0 for an empty or single-kind mix)."""
    total = sum(mix.values())
    if not total:
        return 0.0
    return -sum((n / total) * math.log2(n / total) for n in mix.values() if n > 0)


def js_divergence(a: Counter | dict, b: Counter | dict) -> float:
    """Jensen-Shannon divergence (bits, 0..1) between two mixes; 0 when either is empty.

    >>> js_divergence({"buy": 1}, {"sell": 1})
    1.0
    """
    pa, pb = shares(Counter(a)), shares(Counter(b))
    if not sum(pa.values()) or not sum(pb.values()):
        return 0.0
    m = {k: (pa[k] + pb[k]) / 2 for k in ACTION_KINDS}

    def kl(p: dict[str, float]) -> float:
        return sum(p[k] * math.log2(p[k] / m[k]) for k in ACTION_KINDS if p[k] > 0)

    return max(0.0, (kl(pa) + kl(pb)) / 2)


def mean_pairwise_jsd(mixes: list[Counter]) -> float:
    """Mean Jensen-Shannon divergence over every pair of non-empty mixes (0 with fewer than two)."""
    pairs = list(combinations([m for m in mixes if sum(m.values())], 2))
    return sum(js_divergence(a, b) for a, b in pairs) / len(pairs) if pairs else 0.0


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (q in 0..1) of the values; 0 when there are none.

    >>> quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)
    10
    """
    if not values:
        return 0.0
    xs = sorted(values)
    return xs[max(0, math.ceil(q * len(xs)) - 1)]


def volatility(path: list[int]) -> float:
    """Standard deviation of log price changes along a path of prices (0 for fewer than two changes)."""
    changes = [math.log(b / a) for a, b in zip(path, path[1:]) if a > 0 and b > 0]
    return statistics.pstdev(changes) if len(changes) >= 2 else 0.0


def reason_key(reason: str) -> str:
    """A drop or refusal reason without the offending value, so that alike reasons count together.

    >>> reason_key("qty: Input should be greater than or equal to 1 (got -3)")
    'qty: Input should be greater than or equal to 1'
    """
    return _GOT_RE.sub("", str(reason))[:120]


def valid_actions(row: dict) -> int:
    """Valid actions of a row's parsed answer, counted as the parser counts them."""
    parsed = row.get("parsed")
    if not parsed:
        return 0
    model = PatronAnswer if row.get("creature") == PATRON else Answer
    try:
        return model.model_validate(parsed).count_actions()
    except ValidationError:  # a row written by another version of the answer format
        return count_in(parsed, CREATURE_ACTIONS + PATRON_MOVES)


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


class Tally:
    """Running figures of one model or one trader over any number of trace rows."""

    def __init__(self) -> None:
        self.c: Counter = Counter()
        self.mix: Counter = Counter()
        self.drop_reasons: Counter = Counter()
        self.repairs: Counter = Counter()
        self.fault_kinds: Counter = Counter()
        self.refusals: Counter = Counter()
        self.latencies: list[float] = []
        self.offsets: dict[str, list[float]] = {"buy": [], "sell": []}
        self.sense = SenseTally()

    def add(self, row: dict, prices_before: dict[str, int], outcome: Outcome | None = None) -> None:
        """Count one trace row; `prices_before` are the last prices when the turn was decided, `outcome`
        what became of the trader that turn (for the sense measures)."""
        c, parsed = self.c, row.get("parsed")
        self.sense.add(row, outcome)
        c["rows"] += 1
        fault, leak = row.get("fault"), row.get("leak") or []
        if leak:
            c["firewall_stops"] += 1
        elif fault:
            c["faults"] += 1
            kind = row.get("fault_kind")  # typed where the fault happened; older traces carry none
            if kind in FAULT_KINDS:
                self.fault_kinds[kind] += 1

        if fault is None and not leak:
            self.latencies.append(float(row.get("latency_s") or 0.0))
        c["tokens"] += int(row.get("tokens") or 0)
        for step in row.get("repairs") or []:
            self.repairs[step] += 1
        dropped = row.get("dropped") or []
        for d in dropped:
            self.drop_reasons[reason_key(d.get("reason", ""))] += 1
        refused = row.get("refused") or []
        codes = [refusal_code(r) for r in refused]
        self.refusals.update(codes)
        c["refused_actions"] += len(refused)
        c["self_buy_attempts"] += codes.count("self_buy")
        if parsed is None:
            return
        n = valid_actions(row)
        c["answers"] += 1
        c["answers_with_valid_action"] += n > 0
        c["valid_actions"] += n
        c["repaired_answers"] += bool(row.get("repairs"))
        c["answers_with_drops"] += bool(dropped)
        c["dropped_actions"] += sum(d.get("where") != "answer" for d in dropped)
        c["whole_answers_dropped"] += sum(d.get("where") == "answer" for d in dropped)
        self.mix.update(action_mix(parsed))
        for order in parsed.get("orders") or []:
            last = prices_before.get(order.get("good"))
            if last and order.get("price"):
                self.offsets["buy" if order.get("side") == "buy" else "sell"].append(order["price"] / last - 1)

    def median_offset(self, side: str) -> float | None:
        """Median price offset of the orders on one side ("buy" or "sell"); None without any."""
        xs = self.offsets[side]
        return statistics.median(xs) if xs else None

    def figures(self) -> dict:
        """The tally as a JSON-ready dict (see docs/EVAL.md)."""
        c = self.c
        answers = c["answers"]
        out = {k: c[k] for k in ("rows", "answers", "answers_with_valid_action", "valid_actions",
                                 "repaired_answers", "answers_with_drops", "dropped_actions",
                                 "whole_answers_dropped", "refused_actions", "self_buy_attempts",
                                 "self_buys_executed", "faults", "firewall_stops", "tokens")}
        out |= {
            "timeouts": self.fault_kinds["timeout"],
            "faults_by_kind": {kind: self.fault_kinds[kind] for kind in FAULT_KINDS},
            "valid_answer_rate": round(c["answers_with_valid_action"] / answers, 4) if answers else 0.0,
            "top_drop_reasons": self.drop_reasons.most_common(TOP),
            "top_repairs": self.repairs.most_common(TOP),
            "top_refusals": self.refusals.most_common(TOP),
            "latency_median_s": round(statistics.median(self.latencies), 4) if self.latencies else 0.0,
            "latency_p95_s": round(quantile(self.latencies, 0.95), 4),
            "tokens_per_answer": round(c["tokens"] / answers, 2) if answers else 0.0,
            "action_mix": {k: self.mix[k] for k in ACTION_KINDS},
            "action_share": {k: round(v, 4) for k, v in shares(self.mix).items()},
            "action_entropy_bits": round(entropy_bits(self.mix), 4),
            "price_offset": {
                "buy": _round(self.median_offset("buy")), "sell": _round(self.median_offset("sell")),
                "buy_orders": len(self.offsets["buy"]), "sell_orders": len(self.offsets["sell"]),
            },
            "sense": self.sense.figures(),
        }
        return out


def price_moves_per_turn(paths: dict[str, list[int]]) -> float:
    """Mean over turns of how many goods' last price changed that turn (paths start with the start price).

    >>> price_moves_per_turn({"honey": [10, 10, 12, 12], "moss": [4, 5, 5, 6]})
    1.0
    """
    turns = max((len(p) - 1 for p in paths.values()), default=0)
    if turns <= 0:
        return 0.0
    moves = sum(1 for p in paths.values() for a, b in zip(p, p[1:]) if a != b)
    return moves / turns


def distinct_prices(trades: list[dict]) -> int:
    """How many different (good, price) pairs the trades were made at.

    >>> distinct_prices([{"good": "honey", "price": 12}, {"good": "honey", "price": 12},
    ...                  {"good": "moss", "price": 5}, {"good": "moss", "price": 6}])
    3
    """
    return len({(t["good"], t["price"]) for t in trades})


def worth_spread(worth: list[float]) -> float:
    """Coefficient of variation (population standard deviation / mean) of net worths; 0 when the mean is 0 or below.

    >>> round(worth_spread([100, 100, 50, 150]), 3)
    0.354
    """
    if not worth:
        return 0.0
    mean = sum(worth) / len(worth)
    if mean <= 0:
        return 0.0
    return math.sqrt(sum((w - mean) ** 2 for w in worth) / len(worth)) / mean


def _round(x: float | None, n: int = 4) -> float | None:
    return None if x is None else round(x, n)


def prices_before(series: dict, turn: int) -> dict[str, int]:
    """Last prices when `turn` was decided: the start prices for turn 1, else those after turn - 1."""
    if turn <= 1:
        return dict(series["price_start"])
    return {g: path[turn - 2] if len(path) >= turn - 1 else series["price_start"][g]
            for g, path in series["price_by_turn"].items()}


def season_figures(record: dict, rows: list[dict]) -> tuple[dict, dict[str, Tally], dict[str, Tally]]:
    """One season's figures, and its per-trader and per-model tallies (merged by the caller)."""
    summ, series = record["summary"], record["series"]
    seed = record["params"]["seed"]
    traders: dict[str, Tally] = {}
    models: dict[str, Tally] = {}
    model_of: dict[str, str] = {}
    became = outcomes(series)
    for row in rows:
        before = prices_before(series, int(row["turn"]))
        outcome = became.get((row["creature"], int(row["turn"])))
        traders.setdefault(row["creature"], Tally()).add(row, before, outcome)
        models.setdefault(row.get("model") or "?", Tally()).add(row, before, outcome)
        model_of.setdefault(row["creature"], row.get("model") or "?")
    produces = series["produces"]
    _add_needs_outcomes(series, traders, models, model_of)
    executed: Counter = Counter()
    for t in series["trades"]:
        if produces.get(t["buyer"]) == t["good"]:
            executed[t["buyer"]] += 1
    for name, tally in traders.items():
        tally.c["self_buys_executed"] += executed[name]
        models[model_of[name]].c["self_buys_executed"] += executed[name]
    turns = summ["turns_played"]
    units = [0] * turns
    for t in series["trades"]:
        if 1 <= t["turn"] <= turns:
            units[t["turn"] - 1] += t["qty"]
    paths = {g: [series["price_start"][g], *p] for g, p in series["price_by_turn"].items()}
    vol = {g: round(volatility(p), 5) for g, p in paths.items()}
    creatures = [n for n in produces if n in traders]
    gini = summ["gini_by_turn"]
    season = {
        "seed": seed,
        "turns": turns,
        "council": summ["council"],
        "trades_by_turn": summ["trades_by_turn"],
        "trades_per_turn": round(sum(summ["trades_by_turn"]) / turns, 4) if turns else 0.0,
        "units_by_turn": units,
        "units_per_turn": round(sum(units) / turns, 4) if turns else 0.0,
        "price_by_turn": paths,
        "volatility": vol,
        "volatility_mean": round(sum(vol.values()) / len(vol), 5) if vol else 0.0,
        "gini_by_turn": gini,
        "gini_mean": round(sum(gini) / len(gini), 6) if gini else 0.0,
        "gini_final": gini[-1] if gini else 0.0,
        "firewall_leaks": summ["firewall_leaks"],
        "prompt_chars_by_turn": summ["prompt_chars_by_turn"],
        "prompt_chars_max": max(summ["prompt_chars_by_turn"], default=0),
        "conservation_ok": summ["conservation_ok"],
        "self_buys_executed": summ["self_buys_executed"],
        "faults": summ["faults"],
        "net_worth_start": series["net_worth_start"],
        "net_worth_by_turn": series["net_worth_by_turn"],
        "net_worth_final": summ["net_worth"],
        "action_divergence_jsd": round(mean_pairwise_jsd([traders[n].mix for n in creatures]), 5),
        "price_offset_spread": round(offset_spread([traders[n] for n in creatures]), 5),
        "action_share_by_creature": {n: shares(traders[n].mix) for n in creatures},
        "price_moves_per_turn": round(price_moves_per_turn(paths), 5),
        "distinct_prices": distinct_prices(series["trades"]),
        "net_worth_spread": round(worth_spread([summ["net_worth"][n] for n in produces if n in summ["net_worth"]]), 5),
    }
    return season, traders, models


def _add_needs_outcomes(series: dict, traders: dict[str, Tally], models: dict[str, Tally],
                        model_of: dict[str, str]) -> None:
    """Each creature's meals missed and cold turns of the season, into its tally and its model's."""
    for name, hunger in (series.get("hunger_by_turn") or {}).items():
        cold = (series.get("cold_by_turn") or {}).get(name)
        if name not in traders or cold is None:
            continue
        missed, chill = meals_missed(hunger), cold_turns(cold)
        traders[name].sense.add_season(missed, chill)
        models[model_of[name]].sense.add_season(missed, chill)


def offset_spread(tallies: list[Tally]) -> float:
    """How far apart traders set prices: per side, the standard deviation across traders of their
    median price offset; then the mean of the two sides (a side with fewer than two traders counts 0)."""
    spreads = []
    for side in ("buy", "sell"):
        meds = [m for m in (t.median_offset(side) for t in tallies) if m is not None]
        spreads.append(statistics.pstdev(meds) if len(meds) >= 2 else 0.0)
    return sum(spreads) / len(spreads)


def merge(into: dict[str, Tally], more: dict[str, Tally]) -> None:
    """Add one season's tallies into the running ones."""
    for key, t in more.items():
        acc = into.setdefault(key, Tally())
        acc.c.update(t.c)
        acc.mix.update(t.mix)
        acc.drop_reasons.update(t.drop_reasons)
        acc.repairs.update(t.repairs)
        acc.fault_kinds.update(t.fault_kinds)
        acc.refusals.update(t.refusals)
        acc.latencies += t.latencies
        for side in acc.offsets:
            acc.offsets[side] += t.offsets[side]
        acc.sense.merge(t.sense)


def analyse(seasons: list[tuple[dict, list[dict]]]) -> dict:
    """Every figure of an evaluation: per model, per trader (with net worth), and per season."""
    models: dict[str, Tally] = {}
    traders: dict[str, Tally] = {}
    per_season, worth = [], {}
    model_of: dict[str, str] = {}
    for record, rows in seasons:
        season, t, m = season_figures(record, rows)
        per_season.append(season)
        merge(traders, t)
        merge(models, m)
        for row in rows:
            model_of.setdefault(row["creature"], row.get("model") or "?")
        for name, path in season["net_worth_by_turn"].items():
            worth.setdefault(name, []).append((season["net_worth_start"].get(name, 0), path))
    model_ends: dict[str, list[int]] = {}
    for name, runs in worth.items():
        if name in model_of:
            model_ends.setdefault(model_of[name], []).extend(p[-1] for _, p in runs if p)
    model_figs = {}
    for model, tally in sorted(models.items()):
        ends = model_ends.get(model, [])
        model_figs[model] = tally.figures() | {
            "net_worth": {"end_mean": round(_mean(ends) or 0, 2), "traders_seasons": len(ends)}}
    trader_figs = {}
    for name, tally in traders.items():
        figs = {"model": model_of.get(name, "?")} | tally.figures()
        runs = worth.get(name, [])
        ends = [p[-1] for _, p in runs if p]
        allv = [v for s, p in runs for v in (s, *p)]
        figs["net_worth"] = {
            "start_mean": round(_mean([s for s, _ in runs]) or 0, 2),
            "end_mean": round(_mean(ends) or 0, 2),
            "min": min(allv, default=0), "max": max(allv, default=0),
        }
        trader_figs[name] = figs
    return {
        "models": model_figs,
        "traders": trader_figs,
        "seasons": per_season,
    }
