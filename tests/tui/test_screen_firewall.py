"""In a played game nothing hidden reaches the screen: a whole season, scanned after every turn.

The Patron uses its desk (a loan, a true tip, a planted tip, a bribe) so its own secrets are on the
screen; what must never be there is anything of the hidden ledger beyond them: canaries, banned
tokens, a creature's thinking, purse or feelings, another's prompt.
"""

from __future__ import annotations

import re

from textual.widgets import DataTable

from engine.core import firewall
from engine.core.scenario import PATRON
from engine.core.state import Event
from tests.tui.conftest import SIZE, fill, make_app, settle, shown, steps
from tokenwood_tui import guard
from tokenwood_tui.guard import WITHHELD, region_text, render_strips
from tokenwood_tui.screens.ending import EndScreen

DESK = {
    2: ("n", {"creature": "Sorrel", "amount": "30", "rate_pct": "5", "term": "3"}),
    3: ("t", {"creature": "Fennick", "good": "berries", "direction": "rise", "true": "true"}),
    5: ("t", {"creature": "Oona", "good": "honey", "direction": "fall", "true": "planted"}),
    7: ("b", {"creature": "Bramble", "amount": "6", "request": "sell me firewood first"}),
}
"""Turn -> the desk move queued before it."""


def leaks(text: str, state) -> list[str]:
    """Everything hidden that `text` shows (empty when clean)."""
    found = list(firewall.scan(text, patron=True).hits)
    hidden = state.hidden
    found += [c for c in set(firewall.CANARY_RE.findall(hidden.model_dump_json())) if c in text]
    found += [f"thought: {t.text}" for t in hidden.thoughts if t.trader != PATRON and t.text in text]
    for name, h in hidden.holdings.items():
        if name != PATRON and f"You have {h.pebbles} pebbles and" in text:
            found.append(f"{name}'s purse")
    found += [w for w in ("Behind the curtain", "Feelings:", "Private thoughts", "You are Oona", "You are Sorrel",
                          "You are Fennick", "You are Bramble") if w in text]
    return found


def scoreboard_purses(app) -> list[str]:
    table = app.board_screen.query_one("#scores-table", DataTable)
    return [str(table.get_cell(n, "worth")) for n in ("Oona", "Sorrel", "Fennick", "Bramble")]


async def test_a_played_season_never_shows_anything_hidden(saves):
    app = make_app(saves, seed=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        state = lambda: app.session.state  # noqa: E731 - the state object is replaced by loads
        for turn in range(1, 41):
            if turn in DESK:
                key, fields = DESK[turn]
                await pilot.press(key)
                await pilot.pause()
                await fill(pilot, app, **fields)
                await pilot.press("enter")
                await pilot.pause()
            await steps(app, pilot, 1)
            assert state().public.turn == turn
            if turn < 40:
                assert app.screen is app.board_screen
                text = (await shown(app, pilot))
                assert leaks(text, state()) == [], f"turn {turn}"
                assert scoreboard_purses(app) == ["private"] * 4
            if turn in (8, 25):
                await pilot.press("i")
                await pilot.pause()
                assert leaks((await shown(app, pilot)), state()) == []
                await pilot.press("escape")
                await pilot.pause()
        hid = state().hidden
        assert [ln.creature for ln in hid.loans] == ["Sorrel"]
        assert [(t.creature, t.true) for t in hid.tips] == [("Fennick", True), ("Oona", False)]
        assert hid.thoughts, "the creatures thought: the scan had something to find"
        assert isinstance(app.screen, EndScreen)
        assert firewall.scan((await shown(app, pilot)), patron=True).clean
        assert app.withheld == []  # the board is clean by construction: nothing had to be withheld


async def test_the_desk_shows_the_patrons_own_secrets(saves):
    app = make_app(saves, seed=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 2)
        key, fields = DESK[3]
        await pilot.press(key)
        await pilot.pause()
        await fill(pilot, app, **fields)
        await pilot.press("enter")
        await steps(app, pilot, 1)
        await shown(app, pilot)
        desk = region_text(render_strips(app.screen), app.board_screen.query_one("#desk-info"))
        assert "turn 3: told Fennick berries will rise (true)" in " ".join(desk.split())


async def test_the_screen_fails_closed_on_a_hit(saves):
    app = make_app(saves, seed=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 3)
        st = app.session.state
        canary = firewall.canary(st.hidden.salt, "test", 1)
        thought = next(t.text for t in st.hidden.thoughts if t.trader not in (PATRON, "Sorrel")
                       and t.text not in {e.said for e in st.public.events})
        st.public.events.append(Event(turn=3, kind="gossip", actors=["Oona"], text=f"Oona says: {canary}",
                                      said=canary))
        st.public.events.append(Event(turn=3, kind="gossip", actors=["Sorrel"], text=f"Sorrel says: {thought}",
                                      said=thought))
        app.refresh_board()
        await pilot.pause()
        text = (await shown(app, pilot))
        assert canary not in text and not re.search(re.escape(thought), text)
        assert WITHHELD.split(":")[0] in text
        withheld = {panel for panel, _ in app.withheld}
        assert withheld == {"record", "traders"}  # the record shows the event; the traders table the saying
        assert "firewall withheld" in text
        st.public.events[-2:] = []
        app.refresh_board()
        await pilot.pause()
        assert not app.board_screen.query_one("#record").withheld
        assert not app.board_screen.query_one("#traders").withheld


async def test_the_spectator_sees_what_the_player_may_not(saves):
    app = make_app(saves, "watch", seed=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 3)
        text = (await shown(app, pilot))
        assert "Behind the curtain" in text and "Feelings:" in text
        assert scoreboard_purses(app) != ["private"] * 4


async def test_a_thought_its_creature_said_aloud_withholds_nothing(saves):
    """Small models often write one text as thought and gossip (seed 5, turn 3: Oona's "buy, only sell"):
    what a creature said aloud is public, so it is no secret for the screen; another's saying of it is."""
    app = make_app(saves, seed=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 2)
        st = app.session.state
        texts = [t.text for t in st.hidden.thoughts]
        mine = next(t for t in st.hidden.thoughts if t.trader not in (PATRON, "Sorrel") and len(t.text) >= 12
                    and texts.count(t.text) == 1)  # (a scripted brain may think another's words)
        assert mine.text in guard.secrets_of(st)
        st.public.events.append(Event(turn=2, kind="gossip", actors=["Sorrel"], text=f'Sorrel says: "{mine.text}"',
                                      said=mine.text))
        assert mine.text in guard.secrets_of(st)
        st.public.events[-1:] = [Event(turn=2, kind="gossip", actors=[mine.trader],
                                       text=f'{mine.trader} says: "{mine.text}!"', said=f"{mine.text}!")]
        assert mine.text not in guard.secrets_of(st)
        app.refresh_board()
        await pilot.pause()
        assert WITHHELD.split(":")[0] not in await shown(app, pilot) and not app.withheld
        assert not app.board_screen.query_one("#record").withheld
        assert not app.board_screen.query_one("#traders").withheld
