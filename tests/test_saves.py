"""Saves: atomic, versioned, validated; a bad file is one clear error and nothing is overwritten."""

import json
import os
from pathlib import Path

import pytest

from engine.play import saves
from engine.play.game import state_hash
from engine.play.saves import SaveError, list_saves, load_state, save_state
from tests.conftest import play, scripted_game


@pytest.fixture
def saved(tmp_path):
    game = scripted_game(4)
    play(game, 6)
    path = save_state(game.state, tmp_path / "g.json")
    return game, path


def test_round_trip_is_exact(saved):
    game, path = saved
    loaded = load_state(path)
    assert state_hash(loaded) == state_hash(game.state)
    doc = json.loads(path.read_text())
    assert (doc["format"], doc["version"], doc["turn"]) == ("tokenwood-save", saves.VERSION, 6)
    assert doc["council"]["Oona"] == "scripted:hoarder"


def test_save_load_and_play_on_equals_an_uninterrupted_season(tmp_path):
    whole = scripted_game(9)
    play(whole, 30)
    first = scripted_game(9)
    play(first, 12)
    path = save_state(first.state, tmp_path / "mid.json")
    resumed = scripted_game(state=load_state(path))
    play(resumed, 18)
    assert state_hash(resumed.state) == state_hash(whole.state)


def _edit(text, change):
    doc = json.loads(text)
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize("damage, message", [
    (lambda t: t[: len(t) // 2], "truncated or corrupt"),
    (lambda t: "", "empty"),
    (lambda t: "\x00\x01garbage", "truncated or corrupt"),
    (lambda t: _edit(t, lambda d: d["state"]["hidden"]["holdings"]["Patron"].update(pebbles=9999)),
     "altered or damaged"),
    (lambda t: _edit(t, lambda d: d.update(version=99)), "newer than this program"),
    (lambda t: _edit(t, lambda d: d.update(format="other")), "not a Thousand Token Wood save"),
    (lambda t: _edit(t, lambda d: d.pop("state")), "holds no game state"),
])
def test_bad_saves_give_one_clear_line(saved, damage, message):
    _, path = saved
    text = path.read_text()
    path.write_text(damage(text))
    with pytest.raises(SaveError, match=message) as info:
        load_state(path)
    assert "\n" not in str(info.value)


def test_tampered_state_fails_validation_even_with_fixed_checksum(saved):
    _, path = saved
    doc = json.loads(path.read_text())
    doc["state"]["public"]["turn"] = "soon"
    doc["checksum"] = saves.checksum(doc["state"])
    path.write_text(json.dumps(doc))
    with pytest.raises(SaveError, match="invalid at public.turn"):
        load_state(path)


def test_older_versions_are_migrated(saved, monkeypatch):
    game, path = saved
    calls = []

    def v1_to_v2(doc):
        calls.append(doc["version"])
        return {**doc, "version": doc["version"] + 1}

    now = saves.VERSION
    monkeypatch.setattr(saves, "VERSION", now + 1)
    with pytest.raises(SaveError, match=f"no migration from save version {now}"):
        load_state(path)
    monkeypatch.setitem(saves.MIGRATIONS, now, v1_to_v2)
    assert state_hash(load_state(path)) == state_hash(game.state)
    assert calls == [now]


def test_write_is_atomic_a_failed_write_keeps_the_old_file(saved, monkeypatch):
    game, path = saved
    before = path.read_bytes()
    def boom(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(SaveError, match="No space left"):
        save_state(game.state, path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind


def test_autosave_every_turn(tmp_path):
    auto = tmp_path / "saves" / "autosave.json"
    game = scripted_game(2, autosave=auto)
    play(game, 3)
    assert json.loads(auto.read_text())["turn"] == 3


def test_list_saves_shows_good_and_bad(saved, tmp_path):
    _, path = saved
    (tmp_path / "broken.json").write_text("{")
    rows = {os.path.basename(r["path"]): r for r in list_saves(tmp_path)}
    assert rows["g.json"]["turn"] == 6 and rows["g.json"]["error"] is None
    assert "corrupt" in rows["broken.json"]["error"]


OLD_SAVE = Path(__file__).parent / "data" / "save_before_layout.json"


def test_a_save_from_before_typed_events_loads_gains_its_facts_and_plays_on():
    state = load_state(OLD_SAVE)
    gossip = [e for e in state.public.events if e.kind == "gossip"]
    assert gossip and all(e.text == f'{e.actors[0]} says: "{e.said}"' and e.said for e in gossip)
    assert all(e.said == "" and e.sanction is None for e in state.public.events if e.kind != "gossip")
    turn = state.public.turn
    game = scripted_game(state=state)
    play(game, 3)
    assert game.state.public.turn == turn + 3 and game.state.metrics.conservation_ok


def test_version_1_events_gain_the_facts_a_new_game_records(tmp_path, scenario):
    from engine.core import magistrate
    game = scripted_game(2)
    play(game, 4)
    st = game.state
    st.hidden.suspicion = scenario.magistrate.freeze_at
    st.public.events += magistrate.observe(st, st.public.turn, [], [])
    assert [e.sanction for e in st.public.events if e.sanction] == ["warn", "fine", "freeze"]
    assert any(e.said for e in st.public.events)
    doc = saves.document(st)
    for e in doc["state"]["public"]["events"]:  # what version 1 wrote: the words only
        del e["said"], e["sanction"]
    doc["version"], doc["checksum"] = 1, saves.checksum(doc["state"])
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(doc))
    assert load_state(path).public.events == st.public.events


# -- autosaves never replace a game with an older or emptier one (issue 11) --------------------------

def test_an_autosave_replaces_its_own_game_and_an_earlier_turn(tmp_path):
    path = tmp_path / "autosave.json"
    other = scripted_game(9)
    play(other, 1)
    save_state(other.state, path)
    game = scripted_game(4)
    play(game, 2)
    first = saves.autosave(game.state, path)  # another game, at an earlier turn: replaced
    assert first.kept is None and load_state(path).public.turn == 2
    again = saves.autosave(game.state, path, first.checksum)  # its own autosave, even at the same turn
    assert again.kept is None and [p.name for p in tmp_path.iterdir()] == ["autosave.json"]


@pytest.mark.parametrize("later_by", [0, 3])
def test_an_autosave_keeps_another_game_at_the_same_or_a_later_turn_aside(tmp_path, later_by):
    path = tmp_path / "autosave.json"
    other = scripted_game(9)
    play(other, 2 + later_by)
    save_state(other.state, path)
    before = path.read_bytes()
    game = scripted_game(4)
    play(game, 2)
    done = saves.autosave(game.state, path)
    assert done.kept is not None and done.kept.read_bytes() == before
    assert done.kept.name.startswith(f"autosave-turn{2 + later_by}-") and done.kept.suffix == ".json"
    assert load_state(path).public.turn == 2 and saves.read_document(path)["checksum"] == done.checksum
    assert {s["turn"] for s in list_saves(tmp_path)} == {2, 2 + later_by}  # the load screen lists both


def test_an_autosave_keeps_an_unreadable_file_aside(tmp_path):
    path = tmp_path / "autosave.json"
    path.write_text('{"format": "tokenwood-save", "version": 99}')  # a newer program's save, say
    game = scripted_game(4)
    play(game, 1)
    done = saves.autosave(game.state, path)
    assert done.kept.name.startswith("autosave-unreadable-") and '"version": 99' in done.kept.read_text()
    assert load_state(path).public.turn == 1


def test_a_headless_autosave_keeps_a_later_game_aside(tmp_path):
    path = tmp_path / "auto.json"
    other = scripted_game(9)
    play(other, 5)
    save_state(other.state, path)
    game = scripted_game(4, autosave=path)
    play(game, 3)  # the first turn keeps the turn-5 game aside; the next ones replace their own autosave
    assert load_state(path).public.turn == 3
    assert sorted(s["turn"] for s in list_saves(tmp_path)) == [3, 5]
