"""Memory that does not grow: bounded sentiments, bucketed lines, prompts of bounded size."""

from engine.core import sentiment
from engine.core.state import HiddenLedger
from engine.play.scenario_files import load_scenario
from tests.conftest import play, scripted_game


def test_sentiment_is_bounded_and_bucketed():
    led = HiddenLedger(salt="x", holdings={})
    for _ in range(50):
        sentiment.nudge(led, "Oona", "Fennick", 3, 10)
        sentiment.nudge(led, "Oona", "Sorrel", -3, 10)
    sentiment.nudge(led, "Oona", "Oona", 5, 10)
    assert led.sentiment["Oona"] == {"Fennick": 10, "Sorrel": -10}
    lines = sentiment.feeling_lines(led, "Oona", ["Fennick", "Sorrel", "Bramble", "Patron"], 10, always=("Patron",))
    assert lines == ["You feel nothing much toward Patron.", "You trust Fennick.", "You despise Sorrel.",
                     "You feel nothing much toward Bramble."]


def test_feeling_lines_are_capped_in_a_crowded_wood():
    led = HiddenLedger(salt="x", holdings={})
    others = [f"C{i}" for i in range(100)]
    assert len(sentiment.feeling_lines(led, "me", others, 10)) == sentiment.MAX_FEELINGS_SHOWN


def test_longest_prompt_at_turn_100_within_10_percent_of_turn_10():
    sc = load_scenario().model_copy(update={"season_length": 100})
    game = scripted_game(11, scenario=sc)
    play(game, 100)
    chars = game.state.metrics.prompt_chars_by_turn
    assert len(chars) == 100
    assert chars[99] <= chars[9] * 1.10, (chars[9], chars[99])
    assert max(chars) <= chars[9] * 1.25
