"""The command layout: headless commands in the engine, the UI's own beside them, one parser each."""

import argparse
import subprocess
import sys

import pytest

from engine.commands import common
from tokenwood_tui.cli import COMMANDS, build_parser

ENGINE_COMMANDS = ["compare", "distill", "doctor", "eval", "models", "parse", "probe", "run", "traces"]
"""The headless commands, one module each in engine/commands/."""


def _subparsers(ap: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _options(p: argparse.ArgumentParser, council_help: bool = False) -> list[tuple]:
    """What a parser accepts: each argument's flags, destination, default, type and help (not
    `--council`'s help unless `council_help`)."""
    return [(tuple(a.option_strings), a.dest, a.default, a.type,
             a.help if council_help or a.dest != "council" else None, a.nargs) for a in p._actions]


def test_tokenwood_lists_every_command_in_its_order():
    assert list(_subparsers(build_parser())) == ["run", "play", "watch", "models", "doctor", "parse", "eval",
                                                 "compare", "probe", "distill", "traces"]
    assert len(COMMANDS) == 11


@pytest.mark.parametrize("name", ENGINE_COMMANDS)
def test_each_headless_command_is_an_engine_module_with_its_handler(name):
    module = __import__(f"engine.commands.{name}", fromlist=["add_parser", "handle"])
    ap = common.build_parser("t", [module.add_parser])
    (sub,) = _subparsers(ap).values()
    assert sub.get_default("handler") is module.handle
    assert module.add_parser in COMMANDS


def test_the_engine_commands_import_nothing_of_the_ui():
    code = ("import sys, engine.commands.common, engine.commands.run, engine.commands.eval, "
            "engine.commands.compare, engine.commands.doctor, engine.commands.models, engine.commands.parse, "
            "engine.commands.traces, engine.commands.distill, engine.commands.probe; "
            "print(sorted(m for m in sys.modules if m.startswith(('tokenwood_tui', 'textual'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_run_play_and_watch_share_the_game_options():
    subs = _subparsers(build_parser())
    game = [o for o in _options(subs["run"]) if o[1] in ("council", "seed", "scenario", "load", "answer_timeout")]
    assert len(game) == 5
    for ui in ("play", "watch"):
        ui_game = [o for o in _options(subs[ui]) if o[1] in ("council", "seed", "scenario", "load", "answer_timeout")]
        # the same arguments, but a game in the UI defaults to the machine's council, not the scripted one
        assert [o[:1] + o[2:] for o in ui_game if o[1] != "council"] == [o[:1] + o[2:] for o in game if o[1] != "council"]
        assert ui_game[0][2] is None and game[0][2] == "scripted"


def test_python_m_tokenwood_tui_is_the_same_play_and_watch():
    """The same parsers, the same help (one default council) and the same handler."""
    from tokenwood_tui import cli_commands

    mine = _subparsers(cli_commands.module_parser())
    theirs = _subparsers(build_parser())
    assert list(mine) == ["play", "watch"]
    for name in mine:
        assert _options(mine[name], council_help=True) == _options(theirs[name], council_help=True)
        assert mine[name].get_default("handler") is theirs[name].get_default("handler") is cli_commands.handle_play


def test_both_spellings_launch_the_same_game(launched):
    from engine.play.config import UserConfig
    from tokenwood_tui.cli import main
    from tokenwood_tui.cli_commands import play_or_watch

    assert play_or_watch(["watch", "--council", "scripted", "--seed", "4", "--replay", "t.jsonl"]) == 0
    assert main(["watch", "--council", "scripted", "--seed", "4", "--replay", "t.jsonl"]) == 0
    assert launched[0] == launched[1] == ("watch", {"council": "scripted", "seed": 4, "scenario": None, "load": None,
                                                    "replay": "t.jsonl", "answer_timeout": None,
                                                    "config": UserConfig()})


def test_every_spelling_has_one_default_council_and_a_save_keeps_its_own(launched, capsys):
    """Regression: `python -m tokenwood_tui` defaulted to scripted while `tokenwood` took the machine's,
    and `tokenwood play --load SAVE` put the machine's council in place of the save's."""
    from tokenwood_tui.app import main as app_main
    from tokenwood_tui.cli import main
    from tokenwood_tui.cli_commands import play_or_watch

    main(["play"])
    play_or_watch(["play"])
    app_main(["watch"])
    main(["watch", "--replay", "t.jsonl"])
    main(["play", "--load", "save.json"])
    play_or_watch(["play", "--load", "save.json"])
    main(["play", "--load", "save.json", "--council", "scripted"])
    assert [(mode, kw["council"]) for mode, kw in launched] == [
        ("play", "embedded"), ("play", "embedded"), ("watch", "embedded"), ("watch", "scripted"),
        ("play", None), ("play", None), ("play", "scripted")]
    with pytest.raises(SystemExit):
        play_or_watch(["play", "--help"])
    assert "a loaded save keeps its own" in " ".join(capsys.readouterr().out.split())


def test_a_loaded_save_keeps_its_council(tmp_path, monkeypatch):
    """Regression: `tokenwood play --load SAVE` without `--council` played the save with the machine's
    default council instead of the one it was saved with."""
    import engine.models.hardware
    import tokenwood_tui.app as app_module
    from engine.core.newgame import new_game
    from engine.play.council import resolve_council
    from engine.play.saves import save_state
    from engine.play.scenario_files import load_scenario
    from tokenwood_tui.cli import main

    sc = load_scenario()
    saved = resolve_council("Oona=scripted:cautious,Sorrel=scripted:greedy", sc)
    save_state(new_game(sc, 2, saved), tmp_path / "mine.json")
    sessions = []
    monkeypatch.setattr(app_module, "run_session", lambda session, *a, **kw: sessions.append(session) or 0)
    monkeypatch.setattr(engine.models.hardware, "has_gpu", lambda: False)
    assert main(["play", "--load", str(tmp_path / "mine.json")]) == 0
    assert sessions[0].state.public.council == saved
    assert main(["play", "--load", str(tmp_path / "mine.json"), "--council", "scripted"]) == 0
    assert sessions[1].state.public.council == resolve_council("scripted", sc)


def test_distill_user_error_is_one_line(capsys):
    from engine.commands.distill import main

    assert main(["--turns", "0"]) == 2
    assert capsys.readouterr().err == "tokenwood: distill: --turns must be 1 or more, got 0\n"


def test_screenshot_takes_its_out_option():
    from tokenwood_tui.cli_commands import add_screenshot_arguments

    ap = argparse.ArgumentParser()
    add_screenshot_arguments(ap)
    assert ap.parse_args([]).out == "docs/screenshot.svg"
    assert ap.parse_args(["--out", "x.svg"]).out == "x.svg"
