"""The README's picture (`tokenwood_tui.screenshot`): it plays its game through the real app and queues
every desk move it names. The desk's forms changed from typed fields to lists for a closed set, and the
script broke without a test noticing (the picture in the repository was older than the layout)."""

from __future__ import annotations

import pytest

from tokenwood_tui import screenshot


@pytest.mark.slow
async def test_the_picture_is_a_game_at_turn_12_with_the_desks_moves_queued():
    svg = await screenshot.picture()
    text = svg.replace("&#160;", " ")
    assert svg.startswith("<svg") and "Thousand Token Wood: tokenwood play" in text
    assert "Turn 12/40" in text and "space: play turn 13" in text
    assert "firewood 3/turn" in text  # the traders table's Makes column holds its widest entry whole


async def test_a_move_the_desk_refuses_stops_the_picture(monkeypatch):
    """A move the form refuses raises, naming it, rather than leaving the picture without it."""
    monkeypatch.setattr(screenshot, "MOVES", {1: [("o", {"side": "buy", "good": "acorns", "qty": "0",
                                                          "price": "3", "lifetime": "1"})]})
    monkeypatch.setattr(screenshot, "TURNS", 1)
    with pytest.raises(RuntimeError, match="the desk refused o"):
        await screenshot.picture()
