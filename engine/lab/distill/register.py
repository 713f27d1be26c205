"""Register: the trained folder becomes a model of the user's registry, usable by `--council` at once.

    student spec -> copy (engine, chat, quirks, structured, sampling) + local weights -> TOML table
    user registry file -> drop the id's old tables, append the new one -> validate -> atomic write

The user file is `$TOKENWOOD_MODELS`, else `models.toml` in the platformdirs config dir (the same
places `engine.models.registry` reads). Whatever else the file holds is kept, comments included;
when the id's old tables cannot be cut out as text, the file is written anew from its parsed
contents (comments are then lost, which the result says). Nothing is written unless the merged
registry validates.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

from engine.models.registry import ModelSpec, USER_ENV, load_registry
from engine.play.saves import write_atomic

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$")


class RegisterError(ValueError):
    """The user registry cannot be updated; the message names the file and why."""


def user_registry_file() -> Path:
    """The user's registry file to write: `$TOKENWOOD_MODELS`, else the platformdirs `models.toml`."""
    env = os.environ.get(USER_ENV)
    if env:
        return Path(os.path.expandvars(env)).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("tokenwood")) / "models.toml"


def distilled_entry(student: ModelSpec, *, model_dir: Path, teacher: str, notes: str = "") -> dict:
    """The registry table of a distilled student: the student's settings, weights in `model_dir`.

    The folder holds plain bf16 weights, so the entry drops any quantization of the student's own and
    lets each machine serve them in its own fastest precision (dtype "auto").
    """
    data = student.model_dump(mode="json", exclude_none=True)
    data.pop("id", None)
    # the difference first: the board's narrow columns cut names short, and the base student may sit beside it
    data["display_name"] = f"Wood-taught {student.display_name} (from {teacher})"
    data["weights"] = {"kind": "local", "path": str(Path(model_dir).resolve())}
    data["engine"].pop("quantization", None)
    data["engine"]["dtype"] = "auto"
    data["notes"] = notes or f"Distilled from {teacher} by `tokenwood distill`; settings in {model_dir}/distill.json."
    return data


def render_table(model_id: str, data: dict) -> str:
    """TOML text for `[models.<id>]` and its sub-tables (strings, numbers, booleans, lists).

    render_table("a", {"lab": "x", "chat": {"kind": "tokenizer"}})
    -> '[models.a]\\nlab = "x"\\n\\n[models.a.chat]\\nkind = "tokenizer"\\n'
    """
    head = f"models.{_key(model_id)}"
    lines = [f"[{head}]"]
    subtables = []
    for key, value in data.items():
        if isinstance(value, dict):
            subtables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, table in subtables:
        lines += ["", f"[{head}.{_key(key)}]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items() if v is not None]
    return "\n".join(lines) + "\n"


def register(model_id: str, entry: dict, path: Path | None = None) -> tuple[Path, bool]:
    """Add or replace `model_id` in the user registry file; returns (the file, whether comments were kept)."""
    path = Path(path) if path else user_registry_file()
    try:
        old_text = path.read_text(encoding="utf-8") if path.exists() else ""
        old = tomllib.loads(old_text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegisterError(f"{path}: cannot read the user registry: {exc}") from None
    want = dict(old)
    want["models"] = {**old.get("models", {}), model_id: entry}
    block = render_table(model_id, entry)
    kept = _cut_tables(old_text, model_id)
    text = (kept.rstrip() + "\n\n" if kept.strip() else "") + block
    comments_kept = True
    if tomllib.loads(text) != _plain(want):
        text, comments_kept = render_file(want), False
    tmp = path.with_name(f".{path.name}.check")
    try:
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        load_registry(tmp).get(model_id)  # the merged registry must validate before anything is replaced
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line
        raise RegisterError(f"{path}: the new entry does not validate: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    write_atomic(path, text)
    return path, comments_kept


def render_file(data: dict) -> str:
    """A whole registry file from parsed data (templates, then one block per model)."""
    parts = []
    if data.get("templates"):
        parts.append("[templates]\n" + "".join(f"{_key(k)} = {_value(v)}\n" for k, v in data["templates"].items()))
    for mid, table in (data.get("models") or {}).items():
        parts.append(render_table(mid, table))
    return "\n".join(parts)


def _cut_tables(text: str, model_id: str) -> str:
    """The file's text without the tables `[models.<id>]` and `[models.<id>.*]` (a header ends each)."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        m = _HEADER.match(line)
        if m and not line.lstrip().startswith("#"):
            skipping = _is_model_table(m.group(1), model_id)
        if not skipping:
            out.append(line)
    return "".join(out)


def _is_model_table(header: str, model_id: str) -> bool:
    """Whether a dotted table header names `models.<id>` or one of its sub-tables."""
    try:
        parsed = tomllib.loads(f"[{header}]\n")
    except tomllib.TOMLDecodeError:
        return False
    node = parsed.get("models")
    return isinstance(node, dict) and list(node) == [model_id]


def _plain(data):
    """Data as TOML reads it back: tuples become lists, None values are dropped."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items() if v is not None}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    return data


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _value(value) -> str:
    """One TOML value: JSON's string escapes are valid TOML basic-string escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None) + "}"
    raise RegisterError(f"cannot write {value!r} to TOML")
