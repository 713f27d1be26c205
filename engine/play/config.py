"""The user's configuration file: defaults for every game, validated like the model registry.

The file is `$TOKENWOOD_CONFIG`, else `config.toml` in the platformdirs config dir
(`~/.config/tokenwood/config.toml` on Linux). Every key is optional; a missing file is an empty one:

    council = "scripted"          # play, watch and doctor without --council (default: the machine's)
    saves = "~/tokenwood/saves"   # where play and watch keep their saves (default: ./saves)
    theme = "nord"                # the terminal UI's theme (the palette's choice is written back here)
    answer_timeout = 90           # seconds a model's decision may take (--answer-timeout)
    auto_play_pause = 0.5         # seconds between auto-played turns, 0.25 to 4 (+ / - in the UI)
    stream = false                # play and watch: brains send whole answers only (--stream / --no-stream)

Command-line options override the file. A file that cannot be read, is not TOML, holds a key not
listed here or a value out of range raises `ConfigError`, whose message is one line naming the file
and the key. `save_theme` writes the theme back atomically, keeping the rest of the file (other keys
and comments) as it was.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

CONFIG_ENV = "TOKENWOOD_CONFIG"
"""Environment variable naming the configuration file (overrides the platformdirs location)."""


class ConfigError(ValueError):
    """The configuration file cannot be used; the message is one line naming the file and the key."""


class UserConfig(BaseModel):
    """What the configuration file may say (every key optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    council: str | None = Field(default=None, min_length=1)
    """The council of play, watch and doctor without `--council` (None: the machine's default)."""
    saves: str | None = Field(default=None, min_length=1)
    """The folder play and watch keep saves in (`~` expands; None: `saves` in the current folder)."""
    theme: str | None = Field(default=None, min_length=1)
    """The terminal UI's theme, a Textual theme name (None: Textual's default)."""
    answer_timeout: float | None = Field(default=None, gt=0)
    """Seconds a model's decision may take (None: from each engine's measured pace)."""
    auto_play_pause: float | None = Field(default=None, ge=0.25, le=4.0)
    """Seconds between auto-played turns, 0.25 to 4 (None: 1 second)."""
    stream: StrictBool = True
    """Whether model brains stream their answers onto the board in play and watch (False: every brain
    asks for the whole answer only, as `run` and `eval` do, and the board counts seconds)."""

    def saves_dir(self) -> Path:
        """The saves folder: the configured one (with `~` expanded), else `saves`."""
        return Path(self.saves).expanduser() if self.saves else Path("saves")


KEYS = tuple(UserConfig.model_fields)
"""The keys the file may hold, in the order the docs list them."""


def config_path() -> Path:
    """The configuration file: `$TOKENWOOD_CONFIG`, else `config.toml` in the platformdirs config dir."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(os.path.expandvars(env)).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("tokenwood")) / "config.toml"


def load_config(path: Path | str | None = None) -> UserConfig:
    """Read the configuration file (default: `config_path()`); a missing file gives every default."""
    path = Path(path) if path is not None else config_path()
    if not path.exists():
        return UserConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the configuration file ({err.strerror or err})") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not a TOML file ({err})") from None
    return load_config_text(text, path)


def describe(exc: ValidationError, path: Path) -> str:
    """The first problem of a validation error as one line naming the file and the key."""
    err = exc.errors()[0]
    key = ".".join(str(part) for part in err["loc"]) or "(file)"
    if err["type"] == "extra_forbidden":
        return f"{path}: unknown key {key!r} (the keys are: {', '.join(KEYS)})"
    return f"{path}: {key}: {err['msg']}"


THEME_LINE = re.compile(r"""^(?P<lead>\s*theme\s*=\s*)(?:"[^"\n]*"|'[^'\n]*')(?P<tail>[ \t]*(?:#.*)?)$""", re.M)
"""The `theme = "..."` line (the file has no tables): the key and the comment after the value are kept."""


def save_theme(theme: str, path: Path | str | None = None) -> Path:
    """Write `theme` into the configuration file atomically, keeping its other keys and comments.

    The file (default: `config_path()`) is created when missing. Raises `ConfigError` when the file
    as it is now cannot be read, or the line holding its theme cannot be rewritten safely.
    """
    from engine.play.saves import write_atomic

    path = Path(path) if path is not None else config_path()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    load_config_text(text, path)  # the file must be valid before it is changed
    value = '"' + theme.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if THEME_LINE.search(text):
        new = THEME_LINE.sub(lambda m: f"{m['lead']}{value}{m['tail']}", text, count=1)
    elif re.search(r"^\s*theme\s*=", text, re.M):
        raise ConfigError(f"{path}: theme: cannot rewrite this line; write theme = {value} yourself")
    else:
        new = (text if not text or text.endswith("\n") else text + "\n") + f"theme = {value}\n"
    if load_config_text(new, path).theme != theme:
        raise ConfigError(f"{path}: theme: the rewritten file does not say theme = {value}")
    write_atomic(path, new)
    return path


def load_config_text(text: str, path: Path) -> UserConfig:
    """Validate configuration text as if it were the file at `path` (errors name that file)."""
    try:
        return UserConfig.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not a TOML file ({err})") from None
    except ValidationError as exc:
        raise ConfigError(describe(exc, path)) from None


def default_council(config: UserConfig | None = None) -> str:
    """The council of a game started without `--council`: the configuration file's, else the machine's.

    The machine's default is the seed council on a GPU host, else the embedded one. `config` defaults
    to the configuration file as it is now.
    """
    config = config if config is not None else load_config()
    if config.council:
        return config.council
    from engine.models.hardware import has_gpu

    return "seed" if has_gpu() else "embedded"
