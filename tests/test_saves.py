"""Saves: atomic, versioned, validated; a bad file is one clear error and nothing is overwritten."""

import json
import os

import pytest

from engine import saves
from engine.game import state_hash
from engine.saves import SaveError, list_saves, load_state, save_state
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
    assert (doc["format"], doc["version"], doc["turn"]) == ("tokenwood-save", 1, 6)
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
        return {**doc, "version": 2}

    monkeypatch.setattr(saves, "VERSION", 2)
    with pytest.raises(SaveError, match="no migration from save version 1"):
        load_state(path)
    monkeypatch.setitem(saves.MIGRATIONS, 1, v1_to_v2)
    assert state_hash(load_state(path)) == state_hash(game.state)
    assert calls == [1]


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
