"""The model registry: the shipped file, user files that extend it, and errors that name the field.

Fast: no vLLM, torch or transformers (a subprocess proves the module does not import them).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.models.registry import (
    EmbeddedWeights,
    HubWeights,
    LocalWeights,
    RegistryError,
    load_registry,
)

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(textwrap.dedent(text))
    return path


# -- the shipped registry ---------------------------------------------------------------------------


def test_shipped_registry_has_every_model_with_its_lab():
    reg = load_registry(None)
    labs = {mid: spec.lab for mid, spec in reg.models.items()}
    assert labs == {
        "smollm2-135m": "Hugging Face",
        "gemma3-270m": "Google",
        "gpt-oss-20b": "OpenAI",
        "minicpm3-4b": "OpenBMB",
        "nemotron-mini-4b": "NVIDIA",
        "qwen2.5-0.5b": "Alibaba",
    }


def test_cpu_models_are_embedded_and_gpu_models_name_hub_ids():
    reg = load_registry(None)
    for mid in ("smollm2-135m", "gemma3-270m"):
        assert isinstance(reg.get(mid).weights, EmbeddedWeights)
        assert not reg.get(mid).needs_gpu
        assert reg.get(mid).sampling.max_tokens == 128
    assert reg.get("gpt-oss-20b").weights == HubWeights(kind="hub", repo="openai/gpt-oss-20b")
    assert all(reg.get(m).needs_gpu for m in ("gpt-oss-20b", "minicpm3-4b", "nemotron-mini-4b"))


def test_only_minicpm_trusts_remote_code():
    reg = load_registry(None)
    trusting = sorted(mid for mid, s in reg.models.items() if s.engine.trust_remote_code)
    assert trusting == ["minicpm3-4b"]


def test_quirks_live_in_the_registry():
    reg = load_registry(None)
    gemma = reg.get("gemma3-270m")
    assert gemma.chat.kind == "template"  # a base model: no chat template of its own
    assert gemma.structured.backend == "xgrammar" and gemma.structured.disable_any_whitespace
    assert gemma.structured.max_array_items == 3
    oss = reg.get("gpt-oss-20b")
    assert oss.quirks.harmony and not oss.quirks.skip_special_tokens
    assert oss.engine.quantization == "mxfp4"
    assert reg.get("nemotron-mini-4b").chat.template == "nemotron"


def test_named_template_wraps_the_prompt():
    reg = load_registry(None)
    text = reg.render("gemma3-270m", "PROMPT {with braces}")
    assert text.startswith("PROMPT {with braces}\n") and text.rstrip().endswith("JSON):")
    assert reg.render("smollm2-135m", "x") is None  # the tokenizer's own chat template


def test_unknown_model_error_lists_known_ids():
    with pytest.raises(RegistryError, match=r"unknown model 'nope'.*smollm2-135m"):
        load_registry(None).get("nope")


# -- user files --------------------------------------------------------------------------------------


def test_user_file_adds_a_model_without_code_change(tmp_path):
    path = write(tmp_path, """
        [models.tiny-local]
        display_name = "Tiny Local"
        lab = "Me"
        [models.tiny-local.weights]
        kind = "local"
        path = "~/models/tiny"
        [models.tiny-local.sampling]
        temperature = 0.2
    """)
    reg = load_registry(path)
    tiny = reg.get("tiny-local")
    assert tiny.weights == LocalWeights(kind="local", path="~/models/tiny")
    assert tiny.sampling.temperature == 0.2 and tiny.sampling.max_tokens == 96
    assert "smollm2-135m" in reg.models  # the shipped ones stay
    assert reg.sources == (str(Path(reg.sources[0])), str(path))


def test_user_file_overrides_one_field_and_keeps_the_rest(tmp_path):
    path = write(tmp_path, """
        [models.gemma3-270m.sampling]
        temperature = 0.1
    """)
    shipped = load_registry(None).get("gemma3-270m")
    merged = load_registry(path).get("gemma3-270m")
    assert merged.sampling.temperature == 0.1
    assert merged.sampling.top_p == shipped.sampling.top_p
    assert merged.weights == shipped.weights and merged.structured == shipped.structured


def test_user_file_replaces_weights_of_another_kind(tmp_path):
    path = write(tmp_path, """
        [models."qwen2.5-0.5b"]
        needs_gpu = false
        [models."qwen2.5-0.5b".weights]
        kind = "local"
        path = "/srv/qwen"
    """)
    spec = load_registry(path).get("qwen2.5-0.5b")
    assert spec.weights == LocalWeights(kind="local", path="/srv/qwen") and not spec.needs_gpu


def test_env_variable_names_the_user_file(tmp_path, monkeypatch):
    path = write(tmp_path, """
        [models.smollm2-135m.sampling]
        max_tokens = 64
    """)
    monkeypatch.setenv("TOKENWOOD_MODELS", str(path))
    assert load_registry().get("smollm2-135m").sampling.max_tokens == 64


def test_env_variable_naming_a_missing_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKENWOOD_MODELS", str(tmp_path / "absent.toml"))
    with pytest.raises(RegistryError, match="absent.toml: registry file not found"):
        load_registry()


# -- malformed files name the field ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "why"),
    [
        ("[models.smollm2-135m.engine]\nmax_model_len = 'lots'\n",
         "models.smollm2-135m.engine.max_model_len", "valid integer"),
        ("[models.smollm2-135m.sampling]\ntemprature = 0.5\n",
         "models.smollm2-135m.sampling.temprature", "Extra inputs"),
        ("[models.smollm2-135m.sampling]\ntop_p = 1.5\n",
         "models.smollm2-135m.sampling.top_p", "less than or equal to 1"),
        ("[models.new-one]\nlab = 'Me'\n[models.new-one.weights]\nkind = 'hub'\nrepo = 'a/b'\n",
         "models.new-one.display_name", "Field required"),
        ("[models.new-one]\ndisplay_name = 'N'\nlab = 'Me'\n[models.new-one.weights]\nkind = 'cloud'\n",
         "models.new-one.weights", "kind"),
        ("[models.new-one]\ndisplay_name = 'N'\nlab = 'Me'\n[models.new-one.weights]\nkind = 'hub'\n",
         "models.new-one.weights.repo", "Field required"),
        ("[models.gemma3-270m.chat]\ntemplate = 'missing'\n",
         "models.gemma3-270m.chat.template", "not in [templates]"),
        ("[models.smollm2-135m.structured]\nbackend = 'outlines'\n",
         "models.smollm2-135m.structured", "xgrammar or guidance"),
        ("[models.smollm2-135m]\nbackend = 'openai'\n",
         "models.smollm2-135m", "base_url"),
    ],
)
def test_bad_user_file_error_names_the_field(tmp_path, text, field, why):
    path = write(tmp_path, text)
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    message = str(err.value)
    assert str(path) in message
    assert field in message and why in message, message


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, "[models.x\n")
    with pytest.raises(RegistryError, match=r"models.toml: not valid TOML"):
        load_registry(path)


def test_unknown_top_level_table_is_refused(tmp_path):
    path = write(tmp_path, "[modles.x]\nlab = 'typo'\n")
    with pytest.raises(RegistryError, match="unknown top-level table.*modles"):
        load_registry(path)


# -- no model library at import time -----------------------------------------------------------------


def test_registry_and_prepare_import_no_model_library():
    code = (
        "import sys, engine.models.registry, engine.models.prepare, engine.brains.vllm\n"
        "heavy = [m for m in ('vllm', 'torch', 'transformers', 'gguf') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
