"""Progress on stderr: a tqdm bar on a terminal, one plain line per step or stage in a log (issue 11)."""

from __future__ import annotations

import io

import pytest

from engine.play.progress import Progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_plain_line_per_step_and_no_frames():
    log = io.StringIO()
    with Progress(3, "season", unit="turn", file=log) as bar:
        for trades in (2, 0, 5):
            bar.update(1, note=f"trades={trades}")
    assert log.getvalue().splitlines() == ["season: 1/3 turns (33%) trades=2", "season: 2/3 turns (66%) trades=0",
                                           "season: 3/3 turns (100%) trades=5"]
    assert "\r" not in log.getvalue()


def test_a_long_job_writes_a_line_per_whole_percent_not_per_step():
    log = io.StringIO()
    with Progress(1000, "train", file=log) as bar:
        for _ in range(1000):
            bar.update(1, note="loss 1.0")
    lines = log.getvalue().splitlines()
    assert len(lines) == 101  # the first step, then each whole percent
    assert lines[0] == "train: 1/1000 steps (0%) loss 1.0" and lines[-1] == "train: 1000/1000 steps (100%) loss 1.0"


def test_stages_of_a_preparation_are_one_line_each():
    log = io.StringIO()
    bar = Progress(100, "smollm2-135m", unit="%", percent=True, file=log)
    for frac, msg in ((0.02, "downloading"), (0.25, "assembling"), (0.35, "converting"), (0.35, "converting"),
                      (1.0, "ready")):
        bar.stage(int(frac * 100), msg)
    bar.close()
    assert log.getvalue().splitlines() == ["smollm2-135m: 2% downloading", "smollm2-135m: 25% assembling",
                                           "smollm2-135m: 35% converting", "smollm2-135m: 100% ready"]


def test_a_terminal_gets_a_tqdm_bar_drawn_in_place():
    tty = Terminal()
    with Progress(3, "season", unit="turn", file=tty) as bar:
        assert bar.terminal and bar._bar is not None
        for _ in range(3):
            bar.update(1, note="trades=1")
    out = tty.getvalue()
    assert "\r" in out and "3/3" in out and "trades=1" in out
    assert "season: 1/3 turns" not in out  # no plain lines on a terminal


def test_models_prepare_in_a_log_prints_one_line_per_stage(monkeypatch, capsys):
    """Regression (issue 11): without a terminal, `models prepare` wrote tqdm frames as one run-on line."""
    import engine.models.prepare as prep
    from tokenwood_tui.cli import main

    def fake_prepare(mid, progress=None, registry=None, force=False):
        for frac, msg in ((0.02, "downloading"), (0.35, "converting"), (1.0, "ready")):
            progress(f"{mid}: {msg}", frac)
        return f"/cache/{mid}"

    monkeypatch.setattr(prep, "prepare", fake_prepare)
    assert main(["models", "prepare", "smollm2-135m"]) == 0  # pytest's stderr is no terminal
    out = capsys.readouterr()
    assert out.err.splitlines() == ["smollm2-135m: 2% downloading", "smollm2-135m: 35% converting",
                                    "smollm2-135m: 100% ready"]
    assert out.out.strip() == "smollm2-135m: /cache/smollm2-135m"


@pytest.mark.parametrize("total", [0, 5])
def test_nothing_done_writes_nothing(total):
    log = io.StringIO()
    Progress(total, "eval", file=log).close()
    assert log.getvalue() == ""
