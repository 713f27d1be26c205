"""Helpers for the terminal UI's tests: seeded apps with their saves in a temporary folder.

Every app is pinned: seeded game, scripted council, animations off, auto-play off, and each test gives
the terminal size it runs at. `pilot.pause()` does not wait for workers, so `settle` waits for them.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

import pytest  # noqa: E402

from tokenwood_tui.app import TokenwoodApp  # noqa: E402
from tokenwood_tui.session import open_session  # noqa: E402

SIZE = (140, 45)
"""The design size every board test runs at."""


def make_app(saves, mode: str = "play", *, seed: int = 3, load: str | None = None,
             replay: str | None = None, council: str = "scripted") -> TokenwoodApp:
    """A seeded app whose saves go to `saves`."""
    session = open_session(mode, council, seed, None, load, replay, saves_dir=saves)
    app = TokenwoodApp(session)
    app.animation_level = "none"
    return app


async def settle(app, pilot) -> None:
    """Wait until the brains are awake (or failed), every worker is done and the screen has caught up."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.session.ready or app.board_screen.query_one("#status").activity.startswith("the creatures could"):
            break
        await pilot.pause(0.02)
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def shown(app, pilot) -> str:
    """Everything on the screen once every pending layout has been done (Pilot's pause can leave one)."""
    from tokenwood_tui.guard import screen_text
    app.screen.refresh(layout=True)
    await pilot.pause()
    return screen_text(app)


async def steps(app, pilot, n: int) -> None:
    """Press space `n` times, letting each turn finish."""
    for _ in range(n):
        await pilot.press("space")
        await settle(app, pilot)


KEY_NAMES = {" ": "space", "-": "minus", ".": "full_stop", ",": "comma", "%": "percent_sign"}
"""Characters whose key has a name."""


async def fill(pilot, app, *, typed: bool = False, **fields: str) -> None:
    """Put values in the open form's fields (field name -> text); `typed` uses the keys instead.

    A list (`Select`) gets the option whose value is the text; typed, it is opened with `down`, the
    text typed to find the option, and `enter` picks it. A text field gets the text, typed key by key.
    """
    from textual.widgets import Input, Select
    for name, text in fields.items():
        box = app.screen.query_one(f"#f-{name}")
        if isinstance(box, Select) and typed:
            box.focus()
            await pilot.press("down")
            await pilot.press(*(KEY_NAMES.get(c, c) for c in text), "enter")
        elif isinstance(box, Select):
            box.value = text
        elif typed:
            assert isinstance(box, Input)
            box.focus()
            box.value = ""
            await pilot.press(*(KEY_NAMES.get(c, c) for c in text))
        else:
            box.value = text
    await pilot.pause()


@pytest.fixture
def saves(tmp_path):
    """A fresh saves folder."""
    d = tmp_path / "saves"
    d.mkdir()
    return d
