"""The real program in a real terminal (tmux): start, play a turn, open a form and help, quit."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def capture(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-t", name, "-p"], capture_output=True, text=True).stdout


def wait_for(name: str, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = capture(name)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{capture(name)}")


def keys(name: str, *keys: str) -> None:
    for k in keys:
        subprocess.run(["tmux", "send-keys", "-t", name, k], check=True)
        time.sleep(0.15)


def start(name: str, folder, program: str) -> None:
    """Run `python <program>` in `folder` in a detached 140 x 45 tmux session.

    Its configuration file and log folder are `folder`'s own (a tmux server does not pass on the test's
    environment): `folder/config.toml` (none) and `folder/log`.
    """
    # pytest exports COLUMNS/LINES, which would override the real window size: drop them
    own = shlex.quote(f"TOKENWOOD_CONFIG={folder}/config.toml") + " " + shlex.quote(f"TOKENWOOD_LOG_DIR={folder}/log")
    cmd = (f"cd {shlex.quote(str(folder))} && env -u COLUMNS -u LINES {own} {shlex.quote(sys.executable)} {program};"
           " echo EXITED=$?; sleep 60")
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "140", "-y", "45", cmd], check=True)
    # a tmux server started elsewhere may size new windows its own way: pin 140 x 45
    subprocess.run(["tmux", "resize-window", "-t", name, "-x", "140", "-y", "45"], capture_output=True)


def test_play_in_tmux(tmp_path):
    name = f"tokenwood-{os.getpid()}"
    start(name, tmp_path, "-m tokenwood_tui play --council scripted --seed 3")
    try:
        wait_for(name, "space: play turn 1")
        keys(name, "Space")
        screen = wait_for(name, "Turn 1/40")
        assert "The Patron's desk" in screen and "Order books" in screen
        keys(name, "o")
        wait_for(name, "Place an order")
        keys(name, "Escape", "?")
        wait_for(name, "The rules of Thousand Token Wood")
        keys(name, "Escape")
        wait_for(name, "space: play turn 2")
        keys(name, "q")
        screen = wait_for(name, "EXITED=0")
        assert "the game is saved in saves/autosave.json" in screen
        assert (tmp_path / "saves" / "autosave.json").is_file()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_child_processes_cannot_write_over_the_screen(tmp_path):
    name = f"tokenwood-noise-{os.getpid()}"
    start(name, tmp_path, shlex.quote(str(Path(__file__).with_name("noisy_app.py"))))
    try:
        screen = wait_for(name, "space: play turn 1")
        assert "ENGINE-NOISE" not in screen
        keys(name, "Space")
        screen = wait_for(name, "Turn 1/40")
        assert "ENGINE-NOISE" not in screen
        keys(name, "q")
        screen = wait_for(name, "EXITED=0")
        assert "the game is saved in saves/autosave.json" in screen  # the terminal is given back
        log = (tmp_path / "log" / "tokenwood.log").read_text()
        for line in ("ENGINE-NOISE-OUT 4", "ENGINE-NOISE-ERR 4", "ENGINE-NOISE-FD2 from the app's own process"):
            assert line in log
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
