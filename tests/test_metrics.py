"""The turn's metrics: one function computes them from the report and what became of each answer."""

from types import SimpleNamespace

from engine.brains.base import Reply
from engine.core.answer import Answer, OrderAction
from engine.core.economy import net_worth
from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.core.turn import begin_turn, resolve_turn
from engine.mind.parsing import Dropped
from engine.play.metrics import record_turn
from tests.conftest import play, scripted_game


def decision(trader, prompt="p", fault=None, dropped=0, leak=(), kind="timeout"):
    parsed = None if fault else SimpleNamespace(dropped=[Dropped(where="orders[0]", reason="r", value="v")] * dropped)
    return SimpleNamespace(trader=trader, prompt=prompt, reply=Reply(raw="", model="m", fault=fault,
                                                                        fault_kind=kind if fault else None),
                           parsed=parsed, leak=leak)


def test_record_turn_counts_the_report_and_the_answers(scenario):
    st = new_game(scenario, 1)
    st.hidden.schedule = []
    answers = {"Oona": Answer(orders=[OrderAction(side="buy", good="honey", qty=1, price=5)])}
    rep = resolve_turn(st, begin_turn(st), answers)
    decisions = [decision("Oona", "x" * 30, dropped=2), decision("Sorrel", "y" * 50, fault="timeout"),
                 decision("Bramble", "z" * 10, fault="firewall stopped the prompt", leak=("canary",),
                          kind="firewall_stop"),
                 decision(PATRON, "w" * 900)]
    record_turn(st, rep, decisions)
    m = st.metrics
    assert (m.self_buy_attempts, m.refusals, m.invalid_actions) == (1, {"self_buy": 1}, 2 + 1)
    assert (m.faults, m.firewall_leaks, m.prompt_chars_by_turn) == (2, 1, [50])  # the Patron's brief is not a prompt
    assert m.trades_by_turn == [0] and m.conservation_ok and len(m.gini_by_turn) == 1
    assert m.net_worth_by_turn["Oona"] == [net_worth(st, "Oona")]


def test_without_a_game_no_prompt_length_is_recorded(scenario):
    st = new_game(scenario, 1)
    record_turn(st, resolve_turn(st, begin_turn(st), {}))
    assert st.metrics.prompt_chars_by_turn == [] and st.metrics.trades_by_turn == [0]
    record_turn(st, resolve_turn(st, begin_turn(st), {}), [])
    assert st.metrics.prompt_chars_by_turn == [0]


def test_a_played_season_counts_every_refusal_once():
    game = scripted_game(1)
    records = play(game, 40)
    m = game.state.metrics
    refusals = [r for rec in records for r in rec.report.refusals]
    dropped = sum(len(d.parsed.dropped) for rec in records for d in rec.decisions if d.parsed)
    assert sum(m.refusals.values()) == len(refusals) > 0
    assert m.invalid_actions == len(refusals) + dropped
