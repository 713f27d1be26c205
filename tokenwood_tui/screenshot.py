"""The README's picture: a played game at turn 12, 140 x 45, written as SVG.

    .venv/bin/python -m tokenwood_tui.screenshot [--out docs/screenshot.svg]

The Patron plays a few moves through its desk (a loan, an order, tips true and planted, a short, a
bribe), the scripted council trades, and at turn 12 the screen is saved with two moves queued.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from tokenwood_tui.app import TokenwoodApp
from tokenwood_tui.session import open_session

SEED = 9
"""A seed whose Patron hears of Bluebell Mania before turn 12."""

MOVES: dict[int, list[tuple[str, dict[str, str]]]] = {
    2: [("n", {"creature": "Sorrel", "amount": "30", "rate_pct": "5", "term": "4"})],
    3: [("o", {"side": "buy", "good": "acorns", "qty": "3", "price": "3", "lifetime": "3"})],
    4: [("t", {"creature": "Oona", "good": "berries", "direction": "fall", "true": "planted"})],
    6: [("h", {"good": "firewood", "qty": "2", "term": "6"}),
        ("o", {"side": "sell", "good": "firewood", "qty": "2", "price": "6", "lifetime": "2"})],
    9: [("b", {"creature": "Bramble", "amount": "8", "request": "keep firewood for me"})],
    10: [("y", {"text": "Fair winds for honest traders."})],
    13: [("o", {"side": "buy", "good": "honey", "qty": "3", "price": "9", "lifetime": "2"}),
         ("t", {"creature": "Fennick", "good": "honey", "direction": "rise", "true": "true"})],
}
"""Turn -> desk moves queued before it (turn 13's stay queued in the picture)."""

TURNS = 12
"""Turns played before the picture."""


async def _queue(app: TokenwoodApp, pilot, key: str, fields: dict[str, str]) -> None:
    """Open the desk's form for `key`, fill it (a typed field or a list's pick alike) and queue the move;
    raise where the form refused it, so the picture never silently lacks a move."""
    from textual.widgets import Input, Select
    await pilot.press(key)
    await pilot.pause()
    for name, text in fields.items():
        app.screen.query_one(f"#f-{name}", Input | Select).value = text
    await pilot.press("enter")
    await pilot.pause()
    error = app.screen.query("#form-error")
    why = str(error.first().render()).strip() if error else ""
    if why:
        raise RuntimeError(f"the desk refused {key} {fields}: {why}")


async def picture(size: tuple[int, int] = (140, 45)) -> str:
    """The SVG of a played game at turn 12."""
    with tempfile.TemporaryDirectory() as saves:
        app = TokenwoodApp(open_session("play", "scripted", SEED, saves_dir=saves))
        app.animation_level = "none"
        async with app.run_test(size=size) as pilot:
            while not app.session.ready:
                await pilot.pause(0.05)
            for turn in range(1, TURNS + 2):
                for key, fields in MOVES.get(turn, []):
                    await _queue(app, pilot, key, fields)
                if turn > TURNS:
                    break
                await pilot.press("space")
                await app.workers.wait_for_complete()
                await pilot.pause()
            app.screen.refresh(layout=True)
            await pilot.pause()
            return app.export_screenshot(title="Thousand Token Wood: tokenwood play")


def main(argv: list[str] | None = None) -> int:
    """Write the picture (the options and handler are `tokenwood_tui.cli_commands`' screenshot command)."""
    from tokenwood_tui.cli_commands import add_screenshot_arguments, handle_screenshot

    ap = argparse.ArgumentParser(prog="tokenwood_tui.screenshot")
    add_screenshot_arguments(ap)
    return handle_screenshot(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
