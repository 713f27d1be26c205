"""Inline models: a model named in one `--council` value instead of a registry entry.

    local:PATH                      a Hugging Face model folder (config.json, weights, tokenizer), in-process vLLM
    hub:ORG/NAME                    a Hugging Face id already in this machine's hub cache (never downloaded)
    openai:URL@MODEL[?key=VAR]      MODEL on the OpenAI-compatible server at URL; VAR names the environment
                                    variable holding its API key (the key itself is never written anywhere)

    parse_inline("openai:http://127.0.0.1:11434/v1@llama3.2:1b") -> ModelSpec(id="llama3.2-1b", backend="openai", ...)

The spec's id comes from the model's name (its last path part, lowercased, other characters made "-"),
with "-2", "-3", ... when that id already means another model. Everything downstream (brains, doctor,
summaries, traces) sees an ordinary registry entry; `tokenwood models add ID --from INLINE` keeps one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

from engine.models.registry import EngineSettings, HubWeights, LocalWeights, ModelSpec

PREFIXES = ("local:", "hub:", "openai:")
"""How an inline model begins (a registry id never holds a colon)."""
FORMS = ("local:PATH, hub:ORG/NAME, or openai:URL@MODEL[?key=ENV_VAR] "
         "(e.g. openai:http://127.0.0.1:11434/v1@llama3.2:1b?key=OLLAMA_KEY)")
"""The inline forms, as an error message shows them."""
UNKNOWN_LAB = "unknown"
"""The lab of an inline model whose name does not say it (no "ORG/" part)."""

_OPENAI = re.compile(r"^openai:(?P<url>https?://[^\s@?#]+)@(?P<model>[^\s?#]+)"
                     r"(?:\?key=(?P<key>[A-Za-z_][A-Za-z0-9_]*))?$")
_HUB = re.compile(r"^hub:(?P<repo>[\w.-]+/[\w.-]+)$")
_LOCAL = re.compile(r"^local:(?P<path>\S.*)$")


class InlineError(ValueError):
    """An inline model that is malformed or not here; the message shows the right form."""


def is_inline(text: str) -> bool:
    """Whether a council value names an inline model (it starts with local:, hub: or openai:)."""
    return text.startswith(PREFIXES)


def parse_inline(text: str, taken: Mapping[str, ModelSpec] | None = None) -> ModelSpec:
    """The registry entry an inline model stands for; `taken`: the ids already in use (their specs).

    Raises `InlineError` for a malformed value, a folder without config.json, or a hub id that is not
    in the local cache.
    """
    text = text.strip()
    if m := _OPENAI.match(text):
        model = m["model"]
        spec = dict(backend="openai", base_url=m["url"].rstrip("/"), served_name=model, api_key_env=m["key"],
                    display_name=model, lab=_lab(model))
    elif m := _HUB.match(text):
        repo = m["repo"]
        spec = dict(weights=HubWeights(kind="hub", repo=repo, revision=_cached_revision(text, repo)),
                    display_name=repo.split("/")[1], lab=_lab(repo), engine=EngineSettings(dtype="auto"))
        model = repo
    elif m := _LOCAL.match(text):
        folder = Path(os.path.expandvars(m["path"])).expanduser().resolve()
        if not (folder / "config.json").is_file():
            raise InlineError(f"{text}: {folder} is not a Hugging Face model folder (no config.json)")
        spec = dict(weights=LocalWeights(kind="local", path=str(folder)), display_name=folder.name,
                    lab=UNKNOWN_LAB, engine=EngineSettings(dtype="auto"))
        model = folder.name
    else:
        raise InlineError(f"{text}: malformed; expected {FORMS}")
    base = slug(model)
    taken = taken or {}
    candidate, n = base, 2
    while True:
        built = ModelSpec(id=candidate, notes=f"inline model {text}", **spec)
        if candidate not in taken or taken[candidate] == built:
            return built
        candidate, n = f"{base}-{n}", n + 1


def slug(name: str) -> str:
    """A registry id from a model's name: its last path part, lowercased, other characters "-".

    >>> slug("Qwen/Qwen2.5-0.5B-Instruct"), slug("llama3.2:1b")
    ('qwen2.5-0.5b-instruct', 'llama3.2-1b')
    """
    last = name.rstrip("/").rsplit("/", 1)[-1].lower()
    return re.sub(r"[^a-z0-9._-]+", "-", last).strip("-._") or "model"


def _lab(name: str) -> str:
    """The "ORG" of "ORG/NAME", else `UNKNOWN_LAB`."""
    return name.split("/")[0] if "/" in name else UNKNOWN_LAB


def _cached_revision(text: str, repo: str) -> str:
    """The commit of `repo` in the local hub cache (looked up offline); `InlineError` when absent."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        raise InlineError(f"{text}: huggingface_hub is not installed, cannot look in the hub cache") from None
    hit = try_to_load_from_cache(repo, "config.json")
    if not isinstance(hit, str):
        raise InlineError(f"{text}: {repo} is not in the local Hugging Face cache (nothing is downloaded here: "
                          f"fetch it first, or name a folder with local:PATH)")
    return Path(hit).parent.name
