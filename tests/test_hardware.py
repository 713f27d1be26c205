"""The processor's capabilities, the precision chosen for them, measured paces and the deadlines they give."""

from __future__ import annotations

import json

import pytest

from engine.brains.pace import GRACE_S, HEADROOM, Pace, pace_key, recall, recall_all, remember
from engine.models.hardware import choose_dtype, parse_cpuinfo
from engine.models.registry import load_registry

ZEN1 = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7551 32-Core Processor
flags\t\t: fpu sse sse2 avx avx2 fma bmi2
processor\t: 1
model name\t: AMD EPYC 7551 32-Core Processor
flags\t\t: fpu sse sse2 avx avx2 fma bmi2
"""
SAPPHIRE = """model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags\t\t: fpu avx avx2 fma avx512f avx512_bf16 amx_bf16 amx_tile amx_int8
"""
ZEN4 = """model name\t: AMD EPYC 9B14
flags\t\t: fpu avx avx2 fma avx512f avx512_bf16
"""
OLD = """model name\t: Intel(R) Core(TM)2 Duo
flags\t\t: fpu sse sse2 ssse3
"""
CAPPED = {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}


@pytest.mark.parametrize(("text", "kind", "caps", "native", "line"), [
    (ZEN1, "avx2", ["AVX2"], False, "AMD EPYC 7551 32-Core Processor, 2 cores: AVX2"),
    (SAPPHIRE, "amx", ["AMX", "AVX512-BF16", "AVX-512", "AVX2"], True,
     "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz, 2 cores: AMX, AVX512-BF16, AVX-512, AVX2"),
    (ZEN4, "avx512-bf16", ["AVX512-BF16", "AVX-512", "AVX2"], True,
     "AMD EPYC 9B14, 2 cores: AVX512-BF16, AVX-512, AVX2"),
    (OLD, "basic", [], False, "Intel(R) Core(TM)2 Duo, 2 cores: no AVX2"),
])
def test_cpuinfo_is_read_into_capabilities(text, kind, caps, native, line):
    cpu = parse_cpuinfo(text, cores=2, environ={})
    assert (cpu.kind, cpu.capabilities, cpu.native_bf16, cpu.describe()) == (kind, caps, native, line)


def test_the_first_processor_names_the_machine():
    cpu = parse_cpuinfo(ZEN1, cores=2, environ={})
    assert cpu.name == "AMD EPYC 7551 32-Core Processor"
    assert cpu.flags == frozenset({"fpu", "sse", "sse2", "avx", "avx2", "fma", "bmi2"})


@pytest.mark.parametrize(("text", "dtype", "why"), [
    (ZEN1, "float32", "no native bfloat16 (AVX2): bfloat16 would be emulated, float32 is faster"),
    (OLD, "float32", "no native bfloat16 (no AVX2): bfloat16 would be emulated, float32 is faster"),
    (SAPPHIRE, "bfloat16", "native bfloat16 (AMX)"),
    (ZEN4, "bfloat16", "native bfloat16 (AVX512-BF16)"),
])
def test_auto_picks_bfloat16_only_where_it_is_native(text, dtype, why):
    assert choose_dtype("auto", parse_cpuinfo(text, 2, environ={})) == (dtype, why)


def test_an_isa_cap_in_the_environment_counts_as_no_native_bfloat16():
    """ONEDNN_MAX_CPU_ISA / ATEN_CPU_CAPABILITY make torch emulate bf16 even on an AMX machine."""
    cpu = parse_cpuinfo(SAPPHIRE, 2, environ=CAPPED)
    assert not cpu.native_bf16 and cpu.kind == "avx2"
    assert cpu.isa_cap == "ONEDNN_MAX_CPU_ISA=avx2 ATEN_CPU_CAPABILITY=avx2"
    dtype, why = choose_dtype("auto", cpu)
    assert dtype == "float32" and why.startswith("capped by ONEDNN_MAX_CPU_ISA=avx2")
    # caps that still allow native bf16 are no cap
    roomy = parse_cpuinfo(SAPPHIRE, 2, environ={"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX",
                                                  "ATEN_CPU_CAPABILITY": "avx512"})
    assert roomy.isa_cap == "" and roomy.kind == "amx"


def test_a_named_dtype_is_kept_and_a_gpu_takes_the_checkpoints_own():
    assert choose_dtype("bfloat16", parse_cpuinfo(ZEN1, 2, environ={})) == ("bfloat16", "set in the registry")
    assert choose_dtype("float16", parse_cpuinfo(SAPPHIRE, 2, environ={}))[0] == "float16"
    assert choose_dtype("auto", parse_cpuinfo(ZEN1, 2, environ={}), on_gpu=True)[0] == "auto"


def test_the_embedded_models_choose_their_precision_per_machine():
    reg = load_registry(None)
    assert [reg.get(m).engine.dtype for m in ("smollm2-135m", "gemma3-270m")] == ["auto", "auto"]
    assert all(reg.get(m).engine.prefix_caching for m in ("smollm2-135m", "gemma3-270m"))


# -- pace and deadlines --------------------------------------------------------------------------


def test_a_deadline_follows_the_measured_pace_the_prompt_and_the_batch():
    pace = Pace(prefill_s_per_token=0.002, step_s=0.03)
    assert pace.need_s(500, 96) == pytest.approx(500 * 0.002 + 96 * 0.03)
    assert pace.need_s(500, 96, batch=2) == pytest.approx(2 * 500 * 0.002 + 2 * 96 * 0.03)
    assert pace.deadline_s(500, 96, batch=2) == pytest.approx(HEADROOM * 7.76 + GRACE_S)
    assert pace.need_s(500, 96, batch=0) == pace.need_s(500, 96, batch=1)


def test_a_slow_machine_gets_a_longer_deadline_not_a_timeout():
    """The AVX2 machine's figures (125 ms a step, bf16 emulated at 177) against the AMX machine's."""
    fast, slow = Pace(0.0008, 0.02), Pace(0.003, 0.125)
    assert slow.deadline_s(800, 96, 2) > 3 * slow.need_s(800, 96, 2) > fast.deadline_s(800, 96, 2)
    # the old constant (60 s) was shorter than a batch of two answers needs there, with headroom
    assert slow.deadline_s(800, 96, 2) > 60


def test_expected_turn_counts_every_prompt_and_one_run_of_steps():
    assert Pace(0.002, 0.05).expected_s(800, 60, batch=2) == pytest.approx(6.2)


def test_paces_are_remembered_and_recalled(tmp_path):
    path = tmp_path / "paces.json"
    key = pace_key("smollm2-135m", "float32", "avx2")
    assert key == "smollm2-135m float32 avx2" and recall(key, path) is None
    remember(key, Pace(0.003, 0.09), path)
    remember(pace_key("gemma3-270m", "float32", "avx2"), Pace(0.003, 0.12), path)
    assert recall(key, path) == Pace(0.003, 0.09)
    assert set(recall_all(path)) == {key, "gemma3-270m float32 avx2"}
    assert not list(tmp_path.glob(".*tmp"))  # written atomically, nothing left over


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"m float32 avx2": {"step_s": "fast"}}'])
def test_a_corrupt_pace_file_is_no_pace_and_is_rewritten(tmp_path, text):
    path = tmp_path / "paces.json"
    path.write_text(text)
    assert recall("m float32 avx2", path) is None
    remember("m float32 avx2", Pace(0.001, 0.05), path)
    assert json.loads(path.read_text())["m float32 avx2"] == {"prefill_s_per_token": 0.001, "step_s": 0.05}


def test_one_cache_home_holds_every_cache(tmp_path, monkeypatch):
    """Models, GGUF files, paces and distillation runs all live under one root."""
    from engine.brains.pace import paces_path
    from engine.lab.distill import default_out
    from engine.models.prepare import cache_home, cache_root, model_dir

    monkeypatch.setenv("TOKENWOOD_CACHE", str(tmp_path / "c"))
    home = tmp_path / "c"
    assert cache_home() == home and cache_root() == home / "models"
    assert model_dir("m") == home / "models" / "m"
    assert paces_path() == home / "paces.json"
    assert default_out("run") == home / "distill" / "run"


def test_the_gpu_is_looked_for_one_way(tmp_path, monkeypatch):
    """has_gpu, gpu_query and gpu_total_gib read one nvidia-smi (here a stand-in script)."""
    from engine.models import hardware

    smi = tmp_path / "nvidia-smi"
    smi.write_text('#!/bin/sh\ncase "$1" in --query-gpu=memory.total) echo "143771 MiB";; '
                   '*) echo "NVIDIA H200, 143771 MiB";; esac\n')
    smi.chmod(0o755)
    monkeypatch.setattr(hardware.shutil, "which", lambda name: str(smi) if name == "nvidia-smi" else None)
    assert hardware.has_gpu()
    assert hardware.gpu_query("name,memory.total") == "NVIDIA H200, 143771 MiB"
    assert hardware.gpu_total_gib() == pytest.approx(143771 / 1024)
    monkeypatch.setattr(hardware.shutil, "which", lambda name: None)
    assert hardware.gpu_query("name") is None and hardware.gpu_total_gib() is None
