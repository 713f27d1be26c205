"""The configuration file in the terminal UI: its theme and auto-play pause at start, and the theme
chosen in the command palette written back to it."""

from __future__ import annotations

from engine.play.config import UserConfig, load_config
from tokenwood_tui.app import TokenwoodApp
from tokenwood_tui.session import open_session
from tokenwood_tui.widgets.status import StatusBar

from .conftest import SIZE, settle


def app_with(saves, settings: UserConfig | None, remember: bool) -> TokenwoodApp:
    app = TokenwoodApp(open_session("play", "scripted", 3, saves_dir=saves), settings=settings,
                       remember_theme=remember)
    app.animation_level = "none"
    return app


async def test_the_config_gives_the_theme_and_the_pause(saves, tmp_path, monkeypatch):
    monkeypatch.setenv("TOKENWOOD_CONFIG", str(tmp_path / "config.toml"))
    app = app_with(saves, UserConfig(theme="nord", auto_play_pause=0.5), remember=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.theme == "nord" and app.interval == 0.5
        assert app.board_screen.query_one(StatusBar).interval == 0.5
        await pilot.press("plus")
        assert app.interval == 0.25
    assert not (tmp_path / "config.toml").exists()  # starting with the configured theme writes nothing


async def test_the_palettes_theme_persists(saves, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('# mine\ncouncil = "scripted"\n')
    monkeypatch.setenv("TOKENWOOD_CONFIG", str(config))
    app = app_with(saves, load_config(), remember=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_change_theme()  # the palette's "Theme" command
        await pilot.pause()
        await pilot.press(*"dracula", "enter")
        await pilot.pause()
        assert app.theme == "dracula"
    assert config.read_text() == '# mine\ncouncil = "scripted"\ntheme = "dracula"\n'


async def test_without_a_config_file_to_remember_a_theme_change_writes_nothing(saves, tmp_path, monkeypatch):
    monkeypatch.setenv("TOKENWOOD_CONFIG", str(tmp_path / "config.toml"))
    app = app_with(saves, None, remember=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.theme = "gruvbox"
        await pilot.pause()
    assert not (tmp_path / "config.toml").exists()
