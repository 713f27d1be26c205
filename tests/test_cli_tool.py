"""`tokenwood` as a well-kept command-line tool: --version, -v and the log file, the configuration
file under the command line, and one exit-status policy for every command (0 done, 1 failed, 2 bad
usage), each error one line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.commands.common import program_version
from tokenwood_tui.cli import main


@pytest.fixture
def config(tmp_path, monkeypatch):
    """A configuration file of this test's own (write its text; absent until written)."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("TOKENWOOD_CONFIG", str(path))
    return path


@pytest.fixture
def logs(tmp_path, monkeypatch):
    """This test's log folder."""
    folder = tmp_path / "log"
    monkeypatch.setenv("TOKENWOOD_LOG_DIR", str(folder))
    return folder


def test_version_is_the_installed_packages(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"tokenwood {version('tokenwood')}" == f"tokenwood {program_version()}"


def test_version_without_the_package_metadata(monkeypatch):
    import importlib.metadata

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert program_version().startswith("unknown")


def test_every_command_is_logged_and_verbose_echoes_the_log(tmp_path, logs, capsys):
    assert main(["run", "--turns", "1", "--no-progress", "--summary-json", str(tmp_path / "s.json")]) == 0
    assert capsys.readouterr().err == ""  # quiet without -v
    assert main(["-v", "run", "--turns", "1", "--no-progress", "--summary-json", str(tmp_path / "s.json")]) == 0
    err = capsys.readouterr().err
    assert "engine.commands INFO tokenwood" in err and "exit status 0" in err
    log = (logs / "tokenwood.log").read_text()
    assert log.count("exit status 0") == 2 and f"tokenwood {program_version()}" in log


def test_a_user_error_lands_in_the_log_too(logs, capsys):
    assert main(["run", "--scenario", "missing.toml"]) == 2
    assert "no such scenario" in capsys.readouterr().err
    assert "no such scenario" in (logs / "tokenwood.log").read_text()


def test_the_config_fills_what_the_command_line_leaves_unset(config, launched, tmp_path):
    config.write_text(f'council = "scripted"\nsaves = "{tmp_path}/mine"\nanswer_timeout = 12\ntheme = "nord"\n')
    assert main(["play"]) == 0
    assert main(["play", "--council", "embedded", "--answer-timeout", "3"]) == 0
    (mode, first), (_, second) = launched
    assert (first["council"], first["answer_timeout"], first["config"].theme) == ("scripted", 12, "nord")
    assert first["config"].saves_dir() == tmp_path / "mine"
    assert (second["council"], second["answer_timeout"]) == ("embedded", 3)


def test_streaming_follows_the_config_and_the_command_line_wins(config, launched):
    assert main(["watch"]) == 0  # no file: the brains stream
    config.write_text("stream = false\n")
    assert main(["watch"]) == 0
    assert main(["play", "--stream"]) == 0
    assert main(["watch", "--no-stream"]) == 0
    assert [kw["config"].stream for _, kw in launched] == [True, False, True, False]


def test_the_config_council_is_the_doctors_default(config, capsys, monkeypatch):
    import engine.lab.doctor

    config.write_text('council = "scripted"\n')
    monkeypatch.setattr(engine.lab.doctor, "run_checks", lambda models, counts: [])
    assert main(["doctor"]) == 0
    assert capsys.readouterr().out.startswith("council: scripted (no models)")


def test_the_config_answer_timeout_reaches_run(config, tmp_path, monkeypatch):
    import engine.brains.models as models
    from engine.brains.scripted import ScriptedCreature

    seen = []

    async def fake_start(council, model_ids, *, registry=None, progress=None, timeout_s=None):
        seen.append(timeout_s)
        return {c: ScriptedCreature("hoarder") for c in council if council[c] in model_ids}, {}, None

    monkeypatch.setattr(models, "start_model_brains", fake_start)
    config.write_text("answer_timeout = 42\n")
    args = ["run", "--council", "Oona=smollm2-135m", "--turns", "1", "--summary-json", str(tmp_path / "s.json")]
    assert main(args) == 0 and main([*args, "--answer-timeout", "5"]) == 0
    assert seen == [42, 5]


@pytest.mark.parametrize("command", [["run", "--turns", "1"], ["play"], ["models", "list"], ["doctor"]])
def test_a_bad_config_is_one_line_and_exit_2_for_every_command(config, launched, capsys, command):
    config.write_text('council = "scripted"\nspeed = 3\n')
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err == f"tokenwood: {config}: unknown key 'speed' (the keys are: council, saves, theme, answer_timeout, " \
                  "auto_play_pause, stream)\n"
    assert launched == []


def test_a_bad_config_theme_is_one_line(config, launched, capsys):
    config.write_text('theme = "plaid"\n')
    assert main(["watch"]) == 2
    assert capsys.readouterr().err.startswith(f"tokenwood: {config}: theme: 'plaid' is not a theme (one of ")
    assert launched == []


def test_a_bad_config_from_the_installed_command_is_no_traceback(config, tmp_path):
    config.write_text("answer_timeout = -1\n")
    proc = subprocess.run([sys.executable, "-m", "tokenwood_tui.cli", "run", "--turns", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == f"tokenwood: {config}: answer_timeout: Input should be greater than 0\n"


# -- exit status: 0 done, 1 failed, 2 bad usage -----------------------------------------------------


USAGE = {
    "run": ["run", "--load", "{tmp}/missing.json"],
    "play": ["play", "--scenario", "{tmp}/missing.toml"],
    "watch": ["watch", "--replay", "{tmp}/missing.jsonl"],
    "models": ["models", "prepare", "no-such-model"],
    "doctor": ["doctor", "--council", "Nobody=scripted"],
    "parse": ["parse", "--model", "no-such-model"],
    "eval": ["eval", "--turns", "0", "--out", "{tmp}/e"],
    "compare": ["compare", "--hetero", "Nobody=scripted", "--out", "{tmp}/c"],
    "probe": ["probe", "--turns", "41", "--out", "{tmp}/p"],
    "distill": ["distill", "--turns", "0"],
    "traces": ["traces", "export", "{tmp}/missing.jsonl", "--out", "{tmp}/d"],
}
"""For every command, a use of it that is wrong: exit status 2."""


def test_every_command_has_a_bad_usage_case():
    from tokenwood_tui.cli import COMMANDS, build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(USAGE) == set(sub.choices) and len(COMMANDS) == len(USAGE)


@pytest.mark.parametrize("command", sorted(USAGE))
def test_bad_usage_is_one_line_and_exit_2(command, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", open(__file__))
    args = [a.replace("{tmp}", str(tmp_path)) for a in USAGE[command]]
    assert main(args) == 2
    lines = capsys.readouterr().err.splitlines()  # (a progress bar may come first: not an error line)
    assert lines[-1].startswith("tokenwood: ") and [ln.startswith("tokenwood: ") for ln in lines].count(True) == 1


@pytest.mark.parametrize("args", [["run", "--turns", "x"], ["nonsense"], [], ["models"]])
def test_argparse_usage_errors_are_2(args, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2


def test_models_that_cannot_start_are_a_failure_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TOKENWOOD_CACHE", str(tmp_path / "cache"))  # nothing prepared here
    assert main(["run", "--council", "Oona=smollm2-135m", "--turns", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tokenwood: models not ready: smollm2-135m") and len(err.splitlines()) == 1


@pytest.mark.parametrize("command", ["eval", "compare", "probe"])
def test_eval_compare_and_probe_whose_models_cannot_start_are_a_failure_1(command, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TOKENWOOD_CACHE", str(tmp_path / "cache"))  # nothing prepared here
    council = ["--hetero" if command == "compare" else "--council", "Oona=smollm2-135m"]
    argv = [command, *council, "--turns", "1", "--seeds", "1", "--out", str(tmp_path / "out")]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "smollm2-135m" in err[0], err


def test_a_failing_doctor_check_is_1(capsys, monkeypatch):
    import engine.lab.doctor
    from engine.lab.doctor import Check

    monkeypatch.setattr(engine.lab.doctor, "run_checks",
                        lambda models, counts: [Check("vllm", "fail", "not installed", "pip install vllm")])
    assert main(["doctor", "--council", "scripted"]) == 1
    assert "[FAIL] vllm: not installed" in capsys.readouterr().out


def test_preparing_that_fails_is_1(capsys, monkeypatch):
    import engine.models.prepare
    from engine.models.prepare import PrepareError

    def broken(mid, **kw):
        raise PrepareError(f"{mid}: the disk is full")

    monkeypatch.setattr(engine.models.prepare, "prepare", broken)
    assert main(["models", "prepare", "smollm2-135m"]) == 1
    assert capsys.readouterr().err.strip().endswith("tokenwood: smollm2-135m: the disk is full")


@pytest.mark.parametrize("command, says", [("eval", "finished seasons are kept"),
                                           ("compare", "finished seasons are kept"), ("probe", "nothing was written")])
def test_an_interrupted_season_is_1(command, says, tmp_path, capsys, monkeypatch):
    import engine.lab.evaluation.compare
    import engine.lab.evaluation.probe_run
    import engine.lab.evaluation.report

    def interrupted(opts):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.lab.evaluation.report, "run_eval", interrupted)
    monkeypatch.setattr(engine.lab.evaluation.compare, "run_compare", interrupted)
    monkeypatch.setattr(engine.lab.evaluation.probe_run, "run_probe", interrupted)
    assert main([command, "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tokenwood: interrupted") and says in err


def test_ctrl_c_and_an_unexpected_error_are_1_with_the_traceback_in_the_log(logs, capsys, monkeypatch):
    import engine.play.headless

    async def broken(opts):
        raise RuntimeError("engine died\nwith a long story")

    monkeypatch.setattr(engine.play.headless, "run_season", broken)
    assert main(["run", "--turns", "1"]) == 1
    err = capsys.readouterr().err
    assert err == f"tokenwood: failed: RuntimeError: engine died (the traceback is in {logs / 'tokenwood.log'})\n"
    assert "Traceback" in (logs / "tokenwood.log").read_text()

    async def stopped(opts):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.play.headless, "run_season", stopped)
    assert main(["run", "--turns", "1"]) == 1
    assert capsys.readouterr().err == "tokenwood: interrupted (the last autosave is kept)\n"


def test_done_is_0(tmp_path, capsys):
    assert main(["run", "--turns", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["turns_played"] == 2


@pytest.mark.parametrize("command", ["eval", "probe"])
def test_sigterm_unwinds_a_headless_command_so_its_engines_close(command, tmp_path, capsys, monkeypatch):
    """A supervisor's SIGTERM used to kill the interpreter at once and leave vLLM's engine processes
    running with no parent; now it is Ctrl-C: the job's `finally` (which closes the engines) runs."""
    import asyncio
    import os
    import signal

    import engine.lab.evaluation.probe_run
    import engine.lab.evaluation.report

    closed = []

    def job(opts):
        async def season():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                await asyncio.sleep(5)
            finally:
                await asyncio.sleep(0)  # closing engines awaits
                closed.append(True)
        asyncio.run(season())

    monkeypatch.setattr(engine.lab.evaluation.report, "run_eval", job)
    monkeypatch.setattr(engine.lab.evaluation.probe_run, "run_probe", job)
    before = signal.getsignal(signal.SIGTERM)
    assert main([command, "--out", str(tmp_path / "x")]) == 1
    assert closed == [True]
    assert capsys.readouterr().err.startswith("tokenwood: interrupted")
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is the process's again
