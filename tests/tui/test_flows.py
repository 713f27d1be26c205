"""Every flow of the terminal UI, driven through the real app with a Pilot (140 x 45 unless said)."""

from __future__ import annotations

import asyncio
import json
import time

from textual.widgets import DataTable, Input, OptionList, RichLog, Select, Static
from textual.widgets._footer import FooterKey

from engine.core.scenario import PATRON
from engine.play.saves import list_saves, load_state, save_state
from tests.conftest import scripted_game
from tests.tui.conftest import KEY_NAMES, SIZE, fill, make_app, settle, shown, steps
from tokenwood_tui.screens.ending import EndScreen
from tokenwood_tui.screens.forms import MoveForm
from tokenwood_tui.screens.help import HelpScreen
from tokenwood_tui.screens.inspector import InspectorScreen
from tokenwood_tui.screens.pauses import FailedScreen, TooSmallScreen
from tokenwood_tui.screens.saves import LoadScreen, SaveScreen
from tokenwood_tui.widgets.desk import DeskPanel
from tokenwood_tui.widgets.footer import SteadyFooter


class Delayed:
    """A brain that thinks `seconds` longer than the one it wraps (its model stays the wrapped one's)."""

    def __init__(self, inner, seconds: float) -> None:
        self.inner, self.seconds, self.model = inner, seconds, inner.model

    async def decide(self, view, prompt):
        await asyncio.sleep(self.seconds)
        return await self.inner.decide(view, prompt)

    async def close(self):
        await self.inner.close()


class Gated(Delayed):
    """A brain that thinks until the test opens its gate."""

    def __init__(self, inner, gate: asyncio.Event) -> None:
        super().__init__(inner, 0)
        self.gate = gate

    async def decide(self, view, prompt):
        await self.gate.wait()
        return await self.inner.decide(view, prompt)


def hold_brains(app) -> asyncio.Event:
    """Make every creature think until the returned gate is set (the human Patron stays instant)."""
    gate = asyncio.Event()
    for name, brain in app.session.game.brains.items():
        if name != PATRON:
            brain.inner = Gated(brain.inner, gate)
    return gate


def desk_text(app) -> str:
    return str(app.board_screen.query_one("#desk-info", Static).render())


def queue_lines(app) -> list[str]:
    ol = app.board_screen.query_one("#desk-queue", OptionList)
    return [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]


async def open_form(pilot, app, key: str) -> MoveForm:
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(app.screen, MoveForm)
    return app.screen


# --- turns ---------------------------------------------------------------------------------------

async def test_space_plays_a_turn_and_autosaves(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.session.state.public.turn == 0
        await steps(app, pilot, 2)
        assert app.session.state.public.turn == 2
        assert "Turn 2/40" in (await shown(app, pilot))
        assert load_state(saves / "autosave.json").public.turn == 2
        table = app.board_screen.query_one("#traders-table", DataTable)
        assert [k.value for k in table.rows] == ["Oona", "Sorrel", "Fennick", "Bramble", PATRON]
        assert str(table.get_cell("Oona", "status")) == "answered"


async def test_a_turn_runs_in_a_worker_while_the_screen_stays_live(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        gate = hold_brains(app)
        await pilot.press("space")
        await pilot.pause(0.3)
        assert app.turn_running
        status = str(app.board_screen.query_one("#traders-table", DataTable).get_cell("Oona", "status"))
        assert status.startswith("thinking\u2026")
        await pilot.press("f")  # the board answers keys while the brains think
        await pilot.pause()
        assert app.board_screen.query_one("#record").kind == "trade"
        assert app.turn_running
        gate.set()
        await settle(app, pilot)
        assert not app.turn_running and app.session.state.public.turn == 1


async def test_auto_play_steps_by_itself_and_stops(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("plus", "plus")
        assert app.interval == 0.25
        await pilot.press("a")
        deadline = time.monotonic() + 60
        while app.session.state.public.turn < 3 and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await pilot.press("a")
        await settle(app, pilot)
        reached = app.session.state.public.turn
        assert reached >= 3
        await pilot.pause(0.6)
        await settle(app, pilot)
        assert app.session.state.public.turn == reached
        await pilot.press("minus")
        assert app.interval == 0.5


# --- the desk ------------------------------------------------------------------------------------

async def test_an_order_is_queued_shown_and_sent_with_the_next_turn(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_form(pilot, app, "o")
        await fill(pilot, app, side="buy", good="acorns", qty="2", price="1", lifetime="4")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.board_screen
        assert queue_lines(app) == ["1. buy 2 acorns at 1 for 4 turns"]
        await steps(app, pilot, 1)
        assert queue_lines(app) == []
        mine = app.session.state.market.orders_of(PATRON)
        assert [(o.side, o.good, o.qty, o.price) for o in mine] == [("buy", "acorns", 2, 1)]
        assert f"#{mine[0].id} buy 2 acorns at 1" in desk_text(app)


async def test_wrong_input_is_refused_in_the_form(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        form = await open_form(pilot, app, "o")
        await fill(pilot, app, good="honey", qty="2", price="-3", typed=True)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form
        error = str(form.query_one("#form-error", Static).render())
        assert error == "Refused: price: Input should be greater than or equal to 1 (got -3)"
        await fill(pilot, app, side="sell", price="5")
        await pilot.press("enter")
        await pilot.pause()
        assert str(form.query_one("#form-error", Static).render()) == "Refused: you hold 0 honey: cannot sell 2"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.board_screen and app.session.human.queued == ()


async def test_a_form_is_filled_with_the_keyboard_alone(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        form = await open_form(pilot, app, "o")
        side, good = form.query_one("#f-side", Select), form.query_one("#f-good", Select)
        assert side.has_focus and side.value == "buy"  # the cursor starts in the first field
        await pilot.press("down", "s", "enter")  # open the list, type to find "sell", pick it
        assert side.value == "sell" and app.screen is form
        await pilot.press("tab")
        assert good.has_focus
        await pilot.press("tab")
        qty = form.query_one("#f-qty", Input)
        assert qty.has_focus
        await pilot.press("x", "0")  # a number field takes only digits; its bounds are checked as it is typed
        await pilot.pause()
        note = form.query_one("#e-qty", Static)
        assert qty.value == "0" and note.display and str(note.render()) == "Must be between 1 and 1000."
        await pilot.press("backspace", "2")
        await pilot.pause()
        assert not note.display
        await fill(pilot, app, price="1")
        await pilot.press("enter")  # enter sends from any field
        await pilot.pause()
        assert app.screen is form  # refused: the reason is the parser's own
        assert str(form.query_one("#form-error", Static).render()) == "Refused: you hold 0 honey: cannot sell 2"
        form.query_one("#f-side", Select).focus()
        await pilot.press("enter")  # a closed list: enter sends too
        await pilot.pause()
        assert app.screen is form
        side.value = "buy"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.board_screen and queue_lines(app) == ["1. buy 2 honey at 1"]


async def test_cancel_takes_a_resting_order_off_the_book(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_form(pilot, app, "o")
        await fill(pilot, app, side="buy", good="berries", qty="1", price="1", lifetime="5")
        await pilot.press("enter")
        await steps(app, pilot, 1)
        (order,) = app.session.state.market.orders_of(PATRON)
        form = await open_form(pilot, app, "c")
        pick = form.query_one("#f-order_id", Select)  # only your own resting orders can be picked
        assert pick.has_focus and pick.value == str(order.id)
        await pilot.press("down")  # the list opens: your orders, in words
        listed = pick.query_one(OptionList)
        assert pick.expanded and [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)] \
            == [f"#{order.id} buy 1 berries at 1"]
        await pilot.press("enter")  # picks (the list was open)
        await pilot.pause()
        assert app.screen is form and not pick.expanded
        await pilot.press("enter")  # sends
        await pilot.pause()
        assert queue_lines(app) == [f"1. cancel order #{order.id}"]
        await steps(app, pilot, 1)
        assert app.session.state.market.orders_of(PATRON) == []


async def test_lend_tip_bribe_reach_the_engine(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_form(pilot, app, "n")
        await fill(pilot, app, creature="Sorrel", amount="30", rate_pct="5", term="4")
        await pilot.press("enter")
        await open_form(pilot, app, "t")
        await fill(pilot, app, creature="Oona", good="honey", direction="rise", true="true")
        await pilot.press("enter")
        await open_form(pilot, app, "b")
        await fill(pilot, app, creature="Bramble", amount="5", request="firewood first")
        await pilot.press("enter")
        await pilot.pause()
        assert len(queue_lines(app)) == 3
        await steps(app, pilot, 1)
        hid = app.session.state.hidden
        assert [(ln.creature, ln.principal) for ln in hid.loans] == [("Sorrel", 30)]
        assert [(t.creature, t.good, t.direction, t.true) for t in hid.tips] == [("Oona", "honey", "rise", True)]
        assert [(b.creature, b.amount, b.request) for b in hid.bribes] == [("Bramble", 5, "firewood first")]
        text = desk_text(app)
        assert "told Oona honey will rise (true)" in text and "Sorrel: 30 at 5%" in text


async def test_short_then_cover(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_form(pilot, app, "h")
        await fill(pilot, app, good="honey", qty="3", term="6")
        await pilot.press("enter")
        await steps(app, pilot, 1)
        (short,) = app.session.state.hidden.shorts
        assert short.status == "open" and f"#{short.id} 3 honey due turn 7 - open" in desk_text(app)
        await open_form(pilot, app, "r")
        await fill(pilot, app, short_id=str(short.id))
        await pilot.press("enter")
        await steps(app, pilot, 1)
        assert app.session.state.hidden.shorts[0].status == "covered"


async def test_spring_a_legend_once(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_form(pilot, app, "g")
        await fill(pilot, app, legend="long_frost")
        await pilot.press("enter")
        await steps(app, pilot, 2)
        assert app.session.state.hidden.sprung == "long_frost"
        assert any(e.kind == "legend" and "Long Frost" in e.text for e in app.session.state.public.events)
        form = await open_form(pilot, app, "g")
        assert form.query_one("#f-legend", Select).value is Select.NULL  # no legend left to pick
        await pilot.press("enter")
        await pilot.pause()
        assert "already sprung" in str(form.query_one("#form-error", Static).render())


async def test_a_queued_move_can_be_withdrawn(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for text in ("Good morning.", "Honey is dear."):
            await open_form(pilot, app, "y")
            await fill(pilot, app, text=text)
            await pilot.press("enter")
        await pilot.pause()
        assert queue_lines(app) == ["1. say \u201cHoney is dear.\u201d"]  # one saying a turn
        await open_form(pilot, app, "n")
        await fill(pilot, app, creature="Oona", amount="10", rate_pct="5", term="3")
        await pilot.press("enter")
        await pilot.pause()
        queue = app.board_screen.query_one("#desk-queue", OptionList)
        queue.focus()
        queue.highlighted = 0
        await pilot.press("delete")
        await pilot.pause()
        assert queue_lines(app) == ["1. lend 10 to Oona at 5% for 3 turns"]


async def test_desk_buttons_open_the_forms_and_watch_has_no_desk(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.click("#desk-tip")
        await pilot.pause()
        assert isinstance(app.screen, MoveForm) and app.screen.spec.kind == "tip"
    app = make_app(saves, "watch")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.board_screen.query(DeskPanel)
        await pilot.press("o")
        await pilot.pause()
        assert app.screen is app.board_screen


# --- inspector, record, help, palette ----------------------------------------------------------------

async def test_the_inspector_browses_turns_and_shows_only_the_patron_in_play(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_form(pilot, app, "y")
        await fill(pilot, app, text="Fine day.")
        await pilot.press("enter")
        await steps(app, pilot, 3)
        await pilot.press("i")
        await pilot.pause()
        insp = app.screen
        assert isinstance(insp, InspectorScreen) and insp.turn == 3
        assert app.session.history.traders(3) == [PATRON]
        await pilot.press("left", "left")
        assert insp.turn == 1
        body = str(insp.query_one("#insp-body", Static).render())
        assert "You are the Patron of the Wood. Turn 1 of 40." in body and '"gossip":"Fine day."' in body
        assert "You are Oona" not in body
        await pilot.press("right")
        assert insp.turn == 2
        await pilot.press("space")  # turns still play from the inspector, and it follows them
        await settle(app, pilot)
        assert app.session.state.public.turn == 4 and insp.turn == 2
        await pilot.press("end")
        assert insp.turn == 4
        await pilot.press("escape")
        assert app.screen is app.board_screen


async def inspect_after(app, pilot, turns: int) -> InspectorScreen:
    """Play `turns` turns, then open the inspector with its key."""
    await settle(app, pilot)
    await steps(app, pilot, turns)
    await pilot.press("i")
    await pilot.pause()
    assert isinstance(app.screen, InspectorScreen)
    return app.screen


async def test_the_inspector_is_kept_alive_and_reopens_at_the_latest_turn(saves):
    app = make_app(saves, "watch")
    async with app.run_test(size=SIZE) as pilot:
        insp = await inspect_after(app, pilot, 2)
        assert insp.turn == 2
        await pilot.press("left", "down")
        assert insp.turn == 1 and insp.trader == "Sorrel"
        footer_keys = list(insp.query(FooterKey))
        await pilot.press("escape")
        await steps(app, pilot, 1)
        await pilot.press("i")
        await pilot.pause()
        assert app.screen is insp  # the same screen, not built again
        assert insp.turn == 3 and insp.trader == "Oona"  # opened again as a new one would: the latest turn
        assert "Oona  turn 3" in str(insp.query_one("#insp-body", Static).render())
        assert list(insp.query(FooterKey)) == footer_keys  # the same keys: its footer was not rebuilt


async def test_the_inspector_is_built_behind_the_board_before_the_first_i(saves):
    app = make_app(saves, "watch")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.screen is app.board_screen and app.is_screen_installed("inspector")
        insp = app.get_screen("inspector")
        assert insp.is_mounted and insp not in app.screen_stack
        assert insp.query_one("#insp-main").region.area > 0  # composed and laid out, behind the board
        await steps(app, pilot, 1)
        await pilot.press("i")
        await pilot.pause()
        assert app.screen is insp and insp.turn == 1


async def test_the_footer_follows_the_keys_it_shows(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        footer = app.board_screen.query_one(SteadyFooter)

        def shown_keys() -> set[str]:
            return {k.key for k in footer.query(FooterKey)}

        before = list(footer.query(FooterKey))
        assert {"i", "f", "s"} <= shown_keys()
        await pilot.press("i")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert list(footer.query(FooterKey)) == before  # behind the inspector it was left alone
        await open_form(pilot, app, "y")  # a dialog in front: the board's footer shows what still works
        await pilot.pause()
        assert "i" not in shown_keys() and "f" not in shown_keys()
        await pilot.press("escape")
        await pilot.pause()
        assert {"i", "f", "s"} <= shown_keys()


async def test_a_spectator_inspects_every_creature(saves):
    app = make_app(saves, "watch")
    async with app.run_test(size=SIZE) as pilot:
        insp = await inspect_after(app, pilot, 2)
        assert app.session.history.traders(2) == ["Oona", "Sorrel", "Fennick", "Bramble", PATRON]
        await pilot.press("down")
        await pilot.pause()
        assert insp.trader == "Sorrel"
        body = str(insp.query_one("#insp-body", Static).render())
        assert "You are Sorrel the Squirrel" in body and "Raw answer" in body and "model scripted:speculator" in body


async def test_the_record_filters_by_kind(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 6)
        record = app.board_screen.query_one("#record")
        log = record.query_one(RichLog)

        def kinds() -> set[str]:
            return {line.text.split()[1] for line in log.lines if line.text[:1] == "t"}

        assert {"trade", "gossip"} <= kinds()
        await pilot.press("f")
        await pilot.pause()
        assert record.kind == "trade" and kinds() == {"trade"}
        await pilot.click("#record-filter")
        await pilot.pause()
        assert record.kind == "gossip" and kinds() == {"gossip"}
        await app.run_action("filter('all')")
        assert record.kind == "all"


async def test_help_shows_the_keys_and_the_rules(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = (await shown(app, pilot))
        assert "space" in text and "play one turn" in text and "The rules of Thousand Token Wood" in text
        await pilot.press("escape")
        assert app.screen is app.board_screen


async def palette(pilot, app, query: str, first: str) -> None:
    """Open the command palette, search, and wait until `first` is the top hit."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*(KEY_NAMES.get(c, c) for c in query))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        hits = app.screen.query(OptionList)
        if hits and hits.first().option_count and first in str(hits.first().get_option_at_index(0).prompt):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the palette never offered {first!r} for {query!r}")


async def test_the_command_palette_holds_the_actions(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await palette(pilot, app, "inspector", "Open the inspector")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InspectorScreen)
        await pilot.press("escape")
        await palette(pilot, app, "step one", "Step one turn")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.session.state.public.turn == 1


# --- saves ---------------------------------------------------------------------------------------

async def test_save_then_load(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 2)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen)
        box = app.screen.query_one("#save-name", Input)
        assert box.value == "turn-02"
        box.value = "my-game"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.board_screen
        (entry,) = [s for s in list_saves(saves) if s["path"].endswith("my-game.json")]
        assert entry["turn"] == 2 and entry["error"] is None
        await steps(app, pilot, 3)
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, LoadScreen)
        table = dialog.query_one(DataTable)
        keys = [k.value for k in table.rows]
        table.move_cursor(row=keys.index(str(saves / "my-game.json")))
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is app.board_screen
        assert app.session.state.public.turn == 2 and "Turn 2/40" in (await shown(app, pilot))
        await steps(app, pilot, 1)
        assert app.session.state.public.turn == 3


async def test_quick_save(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 1)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert load_state(saves / "quicksave.json").public.turn == 1


async def test_a_bad_save_shows_why_and_leaves_the_game_as_it_was(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 2)
        good = saves / "good.json"
        app.session.save(good)
        tampered = json.loads(good.read_text())
        tampered["state"]["public"]["turn"] = 30
        (saves / "tampered.json").write_text(json.dumps(tampered))
        (saves / "cut.json").write_text(good.read_text()[:500])
        before = app.session.state.model_dump_json()
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        table = dialog.query_one(DataTable)
        listed = {k.value.rsplit("/", 1)[-1]: i for i, k in enumerate(table.rows)}
        assert "checksum mismatch" in str(table.get_cell(str(saves / "tampered.json"), "what"))
        for name, why in (("tampered.json", "the save was altered or damaged (checksum mismatch)"),
                          ("cut.json", "the save is truncated or corrupt")):
            table.move_cursor(row=listed[name])
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog
            assert why in str(dialog.query_one("#load-error", Static).render())
        dialog.query_one("#load-path", Input).value = str(saves / "missing.json")
        await pilot.click("#load-do")
        await pilot.pause()
        assert "no such save file" in str(dialog.query_one("#load-error", Static).render())
        await pilot.press("escape")
        assert app.session.state.model_dump_json() == before
        await steps(app, pilot, 1)
        assert app.session.state.public.turn == 3


async def test_quit_autosaves_the_last_whole_turn(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 2)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0
    assert load_state(saves / "autosave.json").public.turn == 2


async def test_quit_while_the_brains_think_keeps_the_state_before_the_turn(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 1)
        after_one = load_state(saves / "autosave.json").model_dump_json()
        hold_brains(app)
        await pilot.press("space")
        await pilot.pause(0.2)
        assert app.turn_running
        await pilot.press("q")
        await pilot.pause()
    saved = load_state(saves / "autosave.json")
    assert saved.public.turn == 1
    assert saved.model_dump_json() == after_one  # nothing of the abandoned turn, not even its world's moves
    # the game itself went back too
    assert app.session.state.public.turn == 1 and all(t.turn <= 1 for t in app.session.state.public.trades)


# --- the ends of a game, the window, failures ---------------------------------------------------------

async def test_the_season_end_shows_the_final_scoreboard(saves):
    game = scripted_game(seed=3)
    await game.play(39)
    save_state(game.state, saves / "late.json")
    app = make_app(saves, load=str(saves / "late.json"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "private" in (await shown(app, pilot))
        await steps(app, pilot, 1)
        assert isinstance(app.screen, EndScreen)
        text = (await shown(app, pilot))
        assert "The season ends (turn 40)" in text and "Net worth at the season's end" in text
        for name, _, worth in app.session.final_scores():
            assert name in text and str(worth) in text
        await pilot.press("space")  # nothing left to play
        await settle(app, pilot)
        assert app.session.state.public.turn == 40


async def test_banishment_ends_the_players_game(saves):
    game = scripted_game(seed=3)
    await game.play(5)
    game.state.public.patron_banished = True
    save_state(game.state, saves / "banished.json")
    app = make_app(saves, load=str(saves / "banished.json"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, EndScreen)
        text = (await shown(app, pilot))
        assert "Banished on turn 5" in text and "your game is over" in text
        assert "Net worth" not in text  # the season goes on: the purses stay closed
        await pilot.press("escape")
        await pilot.press("o")
        await pilot.pause()
        assert app.screen is app.board_screen


async def test_a_window_too_small_says_how_large_and_comes_back(saves):
    app = make_app(saves)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, TooSmallScreen)
        assert "Make the window at least 120 x 36" in (await shown(app, pilot)) and "It is 100 x 30 now" in (await shown(app, pilot))
        await pilot.press("space")
        await settle(app, pilot)
        assert app.session.state.public.turn == 0
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert app.screen is app.board_screen
        await steps(app, pilot, 1)
        await pilot.resize_terminal(119, 45)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen) and "It is 119 x 45 now" in (await shown(app, pilot))


async def test_brains_that_cannot_wake_say_why(saves):
    app = make_app(saves, council="Oona=no-such-model")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, FailedScreen)
        assert "could not wake" in (await shown(app, pilot))
        await pilot.press("space")
        assert app.session.state.public.turn == 0


async def test_a_failed_start_keeps_the_autosaved_game_and_exits_1(saves):
    """Regression (issue 11): quitting a game whose models could not start exited 0 and replaced the
    turn-2 autosave with an empty turn-0 game."""
    game = scripted_game(seed=5)
    await game.play(2)
    save_state(game.state, saves / "autosave.json")
    before = (saves / "autosave.json").read_bytes()
    app = make_app(saves, council="Oona=no-such-model")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, FailedScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 1
    assert app.farewell.startswith("tokenwood: the creatures could not wake: ") and "\n" not in app.farewell
    assert (saves / "autosave.json").read_bytes() == before
    assert [p.name for p in saves.glob("*.json")] == ["autosave.json"]


async def test_quitting_before_any_turn_writes_no_autosave(saves):
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0 and app.farewell == ""
    assert not (saves / "autosave.json").exists()


async def test_a_new_game_keeps_a_later_autosaved_game_aside(saves):
    game = scripted_game(seed=5)
    await game.play(4)
    save_state(game.state, saves / "autosave.json")
    before = (saves / "autosave.json").read_bytes()
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot, 1)
        await steps(app, pilot, 1)
        await pilot.press("q")
        await pilot.pause()
    assert load_state(saves / "autosave.json").public.turn == 2
    kept = [p for p in saves.glob("autosave-turn4-*.json")]
    assert len(kept) == 1 and kept[0].read_bytes() == before  # moved aside once, not again on each turn
    assert app.session.kept_aside == kept and str(kept[0]) in app.farewell
    assert app.return_value == 0


async def test_watch_replays_a_traces_file(saves, tmp_path):
    traces = tmp_path / "traces.jsonl"
    original = scripted_game(seed=3, traces=traces)
    await original.play(6)
    app = make_app(saves, "watch", replay=str(traces))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.session.game.brains["Oona"].model.startswith("replay:")
        await steps(app, pilot, 6)
        assert app.session.state.public.trades == original.state.public.trades
        assert app.session.state.public.events == original.state.public.events


async def test_the_palettes_screenshot_is_saved_and_says_where(saves):
    """Regression (issue 11): the palette's Screenshot said "Failed to save screenshot" (no Downloads folder)."""
    app = make_app(saves)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.5)
        shots = list((saves / "screenshots").glob("*.svg"))
        assert len(shots) == 1 and "<svg" in shots[0].read_text()
        notes = [str(n.message) for n in app._notifications]
        assert any(f"Screenshot saved to {shots[0]}" in n for n in notes), notes
        assert not any("Failed" in n for n in notes)
