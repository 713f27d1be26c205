"""Saves: versioned JSON documents of the whole game, written atomically, loaded with validation.

Format (version 2):

    {"format": "tokenwood-save", "version": 2, "saved_at": "2026-11-25T12:00:00+00:00",
     "turn": 12, "scenario": "Thousand Token Wood", "council": {"Oona": "scripted:hoarder", ...},
     "checksum": "<sha256 of the canonical JSON of state>", "state": {...GameState...}}

Writing goes to a temporary file in the same folder, is flushed and fsynced, then renamed over the
target, so a crash leaves either the old file or the new one, never half of one. Loading checks the
format, the version (older versions are migrated, newer ones refused), the checksum (a tampered file
is refused) and the state's validity; every failure is one `SaveError` line and nothing is written.

An autosave (`autosave`) never replaces a game with an older or emptier one: a file at the autosave's
path that this game did not write itself, and that holds a turn at least as late (or cannot be read),
is first moved aside to `<name>-turn<N>-<when>.json` beside it, where the load screen lists it.

Versions: 1 had events of words only; 2 gives events typed facts (`Event.said`, `Event.sanction`),
which `_events_gain_facts` reads once from a version-1 save's words.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from pydantic import ValidationError

from engine.core.state import GameState, Sanction

FORMAT = "tokenwood-save"
VERSION = 2
DEFAULT_DIR = Path("saves")
AUTOSAVE = DEFAULT_DIR / "autosave.json"

SANCTION_WORDS: dict[str, Sanction] = {"warns": "warn", "fines": "fine", "freezes": "freeze", "banishes": "banish"}
"""How a version-1 magistrate event named its sanction: "The magistrate <verb> the Patron..."."""


def _events_gain_facts(doc: dict) -> dict:
    """Version 1 -> 2: each event gets the typed facts its words told (the words stay as they were).

    {"kind": "gossip", "actors": ["Oona"], "text": "Oona says: \"honey!\""} gains "said": "honey!";
    {"kind": "magistrate", "text": "The magistrate fines the Patron 20 pebbles."} gains "sanction": "fine".
    """
    for e in doc["state"].get("public", {}).get("events", []):
        text, actors = e.get("text", ""), e.get("actors") or [""]
        opening = f'{actors[0]} says: "'
        if e.get("kind") == "gossip" and text.startswith(opening) and text.endswith('"'):
            e.setdefault("said", text[len(opening):-1])
        if e.get("kind") == "magistrate":
            verb = next((v for v in SANCTION_WORDS if text.startswith(f"The magistrate {v} ")), None)
            if verb is not None:
                e.setdefault("sanction", SANCTION_WORDS[verb])
    return {**doc, "version": 2}


MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _events_gain_facts}
"""version -> function turning a document of that version into one of version + 1."""


class SaveError(ValueError):
    """A save that cannot be read or written; the message is one line saying why."""


def _canonical(state_doc: dict) -> str:
    return json.dumps(state_doc, sort_keys=True, separators=(",", ":"))


def checksum(state_doc: dict) -> str:
    """sha256 of the canonical JSON of a state document."""
    return hashlib.sha256(_canonical(state_doc).encode()).hexdigest()


def document(state: GameState) -> dict:
    """The save document for a state."""
    state_doc = state.model_dump(mode="json")
    return {
        "format": FORMAT, "version": VERSION,
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "turn": state.public.turn, "scenario": state.scenario.name, "council": state.public.council,
        "checksum": checksum(state_doc), "state": state_doc,
    }


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` atomically: temp file in the same folder, fsync, rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        try:
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:  # pragma: no cover - some filesystems refuse directory fsync
            pass
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_state(state: GameState, path: str | Path) -> Path:
    """Save a state atomically; returns the path written."""
    path = Path(path)
    _write_document(document(state), path)
    return path


def _write_document(doc: dict, path: Path) -> None:
    try:
        write_atomic(path, json.dumps(doc, ensure_ascii=False))
    except OSError as err:
        raise SaveError(f"{path}: cannot write save: {err.strerror or err}") from None


@dataclass(frozen=True)
class Autosaved:
    """What an autosave wrote, and where the game it would have replaced went."""

    path: Path
    """The autosave written."""
    checksum: str
    """Its checksum: pass it back as `written` to the next autosave of the same game."""
    kept: Path | None = None
    """Where the other game that was at `path` was moved (None: nothing had to be kept)."""


def autosave(state: GameState, path: str | Path, written: str | None = None) -> Autosaved:
    """Autosave `state` at `path` atomically, never replacing a game with an older or emptier one.

    `written` is the checksum of this game's previous autosave (None for its first). The file at
    `path` is replaced when it is that autosave, or a game at an earlier turn than `state`; any other
    file (a game at the same or a later turn, or one that cannot be read, e.g. damaged or from a newer
    program) is first moved aside (`kept`). Raises SaveError when nothing could be written.
    """
    path = Path(path)
    doc = document(state)
    kept = None
    if path.exists():
        try:
            there = read_document(path)
            replaceable = there.get("checksum") == written or there.get("turn", 0) < state.public.turn
        except SaveError:
            there, replaceable = None, False
        if not replaceable:
            kept = _move_aside(path, there)
    _write_document(doc, path)
    return Autosaved(path=path, checksum=doc["checksum"], kept=kept)


def _move_aside(path: Path, doc: dict | None) -> Path:
    """Rename a save out of the autosave's way: `autosave-turn12-20261125T120000.json` (a free name)."""
    if doc is not None:
        when = str(doc.get("saved_at") or "")[:19].replace("-", "").replace(":", "")
        stem = f"{path.stem}-turn{doc.get('turn')}-{when}"
    else:
        stem = f"{path.stem}-unreadable-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}"
    target, n = path.with_name(f"{stem}.json"), 2
    while target.exists():
        target, n = path.with_name(f"{stem}-{n}.json"), n + 1
    try:
        os.replace(path, target)
    except OSError as err:
        raise SaveError(f"{path}: holds another game that could not be kept aside ({err.strerror or err}); "
                        f"not overwritten") from None
    return target


def read_document(path: str | Path) -> dict:
    """Read, check and migrate a save document; raise `SaveError` with one line on any problem."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise SaveError(f"{path}: no such save file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SaveError(f"{path}: cannot read save: {err}") from None
    if not text.strip():
        raise SaveError(f"{path}: the save file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise SaveError(f"{path}: the save is truncated or corrupt (bad JSON at line {err.lineno}, "
                        f"column {err.colno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SaveError(f"{path}: not a Thousand Token Wood save")
    version = doc.get("version")
    if not isinstance(version, int) or version < 1:
        raise SaveError(f"{path}: the save has no valid version ({version!r})")
    if version > VERSION:
        raise SaveError(f"{path}: the save is version {version}, newer than this program reads "
                        f"({VERSION}); update Tokenwood to load it")
    state_doc = doc.get("state")
    if not isinstance(state_doc, dict):
        raise SaveError(f"{path}: the save holds no game state")
    if doc.get("checksum") != checksum(state_doc):
        raise SaveError(f"{path}: the save was altered or damaged (checksum mismatch)")
    while version < VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:
            raise SaveError(f"{path}: no migration from save version {version}")
        doc = migrate(doc)
        version = doc["version"]
    return doc


def load_state(path: str | Path) -> GameState:
    """Load a saved game state (see `read_document`)."""
    doc = read_document(path)
    try:
        return GameState.model_validate(doc["state"])
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SaveError(f"{path}: the save's state is invalid at {where}: {first['msg']}") from None


def list_saves(folder: str | Path = DEFAULT_DIR) -> list[dict]:
    """Saves in a folder, newest first: path, turn, saved_at, scenario, council, or the error."""
    out = []
    for p in sorted(Path(folder).glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            doc = read_document(p)
            out.append({"path": str(p), "turn": doc["turn"], "saved_at": doc["saved_at"],
                        "scenario": doc["scenario"], "council": doc["council"], "error": None})
        except SaveError as err:
            out.append({"path": str(p), "turn": None, "saved_at": None, "scenario": None,
                        "council": None, "error": str(err)})
    return out
