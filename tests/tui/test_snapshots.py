"""What a person sees: the main screens pinned as SVG snapshots (update with --snapshot-update).

Seeded game, scripted council, animations off, auto-play off, no clock on screen, 140 x 45.
"""

from __future__ import annotations

from tests.tui.conftest import SIZE, fill, make_app, settle, steps


def test_play_board(snap_compare, saves):
    app = make_app(saves, seed=7)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await steps(app, pilot, 5)
        await pilot.press("n")
        await pilot.pause()
        await fill(pilot, app, creature="Sorrel", amount="25", rate_pct="5", term="4")
        await pilot.press("enter")
        await pilot.press("o")
        await pilot.pause()
        await fill(pilot, app, side="buy", good="berries", qty="2", price="3", lifetime="3")
        await pilot.press("enter")
        await steps(app, pilot, 1)
        await pilot.press("t")
        await pilot.pause()
        await fill(pilot, app, creature="Oona", good="honey", direction="rise", true="planted")
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_watch_board(snap_compare, saves):
    app = make_app(saves, "watch", seed=7)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await steps(app, pilot, 10)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_inspector(snap_compare, saves):
    app = make_app(saves, "watch", seed=7)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await steps(app, pilot, 3)
        await pilot.press("i", "left", "down")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_form_with_a_list(snap_compare, saves):
    """The tip form: the creature's list open over it, the good and the two-way choices picked from lists."""
    app = make_app(saves, seed=7)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await steps(app, pilot, 2)
        await pilot.press("t")
        await pilot.pause()
        await fill(pilot, app, good="honey", true="true")
        app.screen.query_one("#f-creature").focus()
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare, saves):
    app = make_app(saves, seed=7)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_too_small(snap_compare, saves):
    app = make_app(saves, seed=7)

    async def run_before(pilot) -> None:
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
