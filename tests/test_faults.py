"""Faults by kind (issue 11): one closed set, set where the fault happens, shown wherever faults are."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from engine.brains.base import FAULT_KINDS, FAULT_MEANINGS, Reply
from engine.brains.replay import ReplayBrain
from engine.lab.evaluation.report import fault_kinds


def test_every_kind_has_its_meaning():
    assert set(FAULT_MEANINGS) == set(FAULT_KINDS)
    assert all(FAULT_MEANINGS[k] for k in FAULT_KINDS)


@pytest.mark.parametrize("fault, kind", [("timeout after 3 s", None), (None, "timeout"),
                                         ("it broke", "mystery")])
def test_a_fault_comes_with_a_kind_of_the_closed_set(fault, kind):
    with pytest.raises(ValueError):
        Reply(raw="", model="m", fault=fault, fault_kind=kind)


def test_a_replay_gives_the_recorded_kind_and_no_answer_for_what_was_not_recorded():
    records = {(1, "Oona"): {"turn": 1, "creature": "Oona", "model": "m", "fault": "refused", "fault_kind": "refused"},
               (2, "Oona"): {"turn": 2, "creature": "Oona", "model": "m", "fault": "timeout after 3 s"}}
    brain = ReplayBrain(records, "Oona")

    def kind(turn):
        return asyncio.run(brain.decide(SimpleNamespace(turn=turn, me="Oona"), "")).fault_kind

    assert (kind(1), kind(2), kind(3)) == ("refused", "no_answer", "no_answer")  # never read from the text


def test_the_eval_report_names_the_kinds_that_happened():
    assert fault_kinds({k: 0 for k in FAULT_KINDS}) == "-"
    assert fault_kinds({**{k: 0 for k in FAULT_KINDS}, "timeout": 2, "refused": 1}) == "timeout 2, refused 1"


def test_the_inspector_says_which_kind_of_fault_it_was():
    from tokenwood_tui.history import Entry
    from tokenwood_tui.screens.inspector import entry_text

    e = Entry(turn=2, trader="Oona", model="m", prompt="p", raw="", repairs=(), parsed="", dropped=(), refused=(),
              latency_s=0.1, tokens=0, fault="APIConnectionError: Connection error.", fault_kind="server_error",
              leak=())
    assert "No answer (server error): APIConnectionError: Connection error." in entry_text(e).plain
