"""Scenarios are data: the default wood loads, bad files name the field."""

import pytest

from engine.play.generated import generated_wood
from engine.play.scenario_files import ScenarioError, load_scenario, parse_scenario


def test_default_scenario_is_the_wood_of_game_md(scenario):
    assert [t.name for t in scenario.traders] == ["Oona", "Sorrel", "Fennick", "Bramble"]
    assert {t.name: t.produces for t in scenario.traders} == {
        "Oona": "honey", "Sorrel": "acorns", "Fennick": "berries", "Bramble": "firewood"}
    assert scenario.fuels == ["firewood"]
    assert "firewood" not in scenario.foods
    assert len(scenario.legends) == 6
    assert scenario.good("berries").hoard_limit is not None


def _data(scenario):
    return scenario.model_dump(mode="json")


def test_bad_field_is_named(scenario):
    data = _data(scenario)
    data["traders"][1]["rate"] = -4
    with pytest.raises(ScenarioError, match=r"traders\.1\.rate"):
        parse_scenario(data)


def test_unknown_good_is_named(scenario):
    data = _data(scenario)
    data["traders"][0]["produces"] = "mushrooms"
    with pytest.raises(ScenarioError, match="mushrooms"):
        parse_scenario(data)


def test_magistrate_thresholds_must_rise(scenario):
    data = _data(scenario)
    data["magistrate"]["fine_at"] = 2
    with pytest.raises(ScenarioError, match="magistrate"):
        parse_scenario(data)


def test_bad_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario(tmp_path / "nope.toml")


def test_generated_wood_has_n_creatures():
    sc = generated_wood(30)
    assert len(sc.traders) == 30
    assert len({t.name for t in sc.traders}) == 30
