"""The user's configuration file: defaults, one-line errors naming the file and the key, and the
theme written back without losing the rest of the file."""

from __future__ import annotations

import pytest

from engine.play.config import ConfigError, UserConfig, default_council, load_config, save_theme


def test_a_missing_file_gives_every_default(tmp_path):
    assert load_config(tmp_path / "none.toml") == UserConfig()


def test_every_key_is_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('council = "scripted"\nsaves = "~/wood"\ntheme = "nord"\nanswer_timeout = 90\n'
                    "auto_play_pause = 0.5\n")
    config = load_config(path)
    assert (config.council, config.theme, config.answer_timeout, config.auto_play_pause) == ("scripted", "nord", 90, 0.5)
    assert config.saves_dir().name == "wood" and "~" not in str(config.saves_dir())
    assert default_council(config) == "scripted"


@pytest.mark.parametrize("text, says", [
    ('councl = "scripted"\n', "unknown key 'councl' (the keys are: council, saves, theme, answer_timeout, "
                              "auto_play_pause, stream)"),
    ('stream = "no"\n', "stream: Input should be a valid boolean"),
    ("answer_timeout = 0\n", "answer_timeout: Input should be greater than 0"),
    ("auto_play_pause = 9\n", "auto_play_pause: Input should be less than or equal to 4"),
    ('council = 3\n', "council: Input should be a valid string"),
    ("council = \n", "not a TOML file"),
])
def test_a_bad_file_is_one_line_naming_the_file_and_the_key(tmp_path, text, says):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: ") and says in str(err.value) and "\n" not in str(err.value)


def test_streaming_is_on_unless_the_file_turns_it_off(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("stream = false\n")
    assert UserConfig().stream is True and load_config(path).stream is False


def test_the_theme_is_written_back_keeping_keys_and_comments(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('# my wood\ncouncil = "scripted"  # fast\ntheme = "nord"   # dark one\nanswer_timeout = 30\n')
    save_theme("dracula", path)
    assert path.read_text() == ('# my wood\ncouncil = "scripted"  # fast\ntheme = "dracula"   # dark one\n'
                                "answer_timeout = 30\n")
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temp file left behind


def test_a_theme_is_added_to_a_file_without_one_and_to_no_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('council = "scripted"')
    save_theme("nord", path)
    assert path.read_text() == 'council = "scripted"\ntheme = "nord"\n'
    fresh = tmp_path / "new" / "config.toml"
    save_theme("gruvbox", fresh)
    assert load_config(fresh).theme == "gruvbox"


def test_a_bad_file_is_not_rewritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('colour = "red"\n')
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        save_theme("nord", path)
    assert path.read_text() == 'colour = "red"\n'


def test_the_environment_names_the_file(tmp_path, monkeypatch):
    from engine.play.config import config_path

    monkeypatch.setenv("TOKENWOOD_CONFIG", str(tmp_path / "c.toml"))
    assert config_path() == tmp_path / "c.toml"
    monkeypatch.delenv("TOKENWOOD_CONFIG")
    assert config_path().name == "config.toml" and "tokenwood" in config_path().parts
