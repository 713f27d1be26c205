"""What this machine's processor can do, and the precision a CPU model is served in because of it.

    /proc/cpuinfo flags (+ the oneDNN/ATen ISA caps in the environment) -> CpuInfo -> choose_dtype

Small models decode at the speed of memory, so float32 (twice the bytes of bfloat16) would lose
where bfloat16 is native. But where it is not (AVX2-only processors: most laptops, many servers),
torch emulates bfloat16 and a matmul runs about 40x slower than in float32 (platform.md: 1.3 against
48 GFLOPS on an AVX2 EPYC). So a registry entry's `dtype = "auto"` becomes bfloat16 only where the
processor has bfloat16 instructions (AMX or AVX512-BF16) and the libraries may use them, and float32
everywhere else. A user entry that names a dtype is served in that dtype.

This module imports nothing heavy: `tokenwood doctor` and the engine pool read it at once.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
"""Where Linux lists the processor's name and flags."""

# The oneDNN and ATen caps a user (or a test) may set to make torch use a lesser instruction set;
# each value names the best set still allowed. Below "avx512_core_bf16" / "avx512" bf16 is emulated.
_ONEDNN_BF16 = {"avx512_core_bf16", "avx512_core_fp16", "avx512_core_amx", "avx512_core_amx_fp16",
                "avx10_1_512", "avx10_1_512_amx", "avx10_1_512_amx_fp16", "default", "all", ""}
"""ONEDNN_MAX_CPU_ISA values that still allow oneDNN's native bfloat16 kernels."""
_ATEN_BF16 = {"avx512", "default", ""}
"""ATEN_CPU_CAPABILITY values under which ATen's kernels may use AVX-512 (with its bf16 paths)."""


@dataclass(frozen=True)
class CpuInfo:
    """The processor as far as serving a model cares."""

    name: str
    """Its marketing name ("AMD EPYC", "Intel(R) Xeon(R) Platinum 8481C")."""
    flags: frozenset[str]
    """The instruction-set flags the kernel reports."""
    cores: int
    """Cores this process may run on."""
    isa_cap: str = ""
    """A cap set in the environment (ONEDNN_MAX_CPU_ISA / ATEN_CPU_CAPABILITY), or ""."""

    @property
    def amx(self) -> bool:
        """Advanced Matrix Extensions with bfloat16 tiles (Sapphire Rapids and later)."""
        return {"amx_bf16", "amx_tile"} <= self.flags

    @property
    def avx512_bf16(self) -> bool:
        """AVX-512 bfloat16 dot products (Cooper Lake, Sapphire Rapids, AMD Zen 4 and later)."""
        return "avx512_bf16" in self.flags

    @property
    def avx512(self) -> bool:
        """AVX-512 foundation."""
        return "avx512f" in self.flags

    @property
    def avx2(self) -> bool:
        """AVX2 with FMA."""
        return {"avx2", "fma"} <= self.flags

    @property
    def capabilities(self) -> list[str]:
        """The capabilities that matter here, best first (["AMX", "AVX512-BF16", "AVX-512", "AVX2"])."""
        found = [("AMX", self.amx), ("AVX512-BF16", self.avx512_bf16), ("AVX-512", self.avx512),
                 ("AVX2", self.avx2)]
        return [name for name, ok in found if ok]

    @property
    def native_bf16(self) -> bool:
        """Whether bfloat16 math runs on bfloat16 instructions here (not emulated), caps included."""
        return (self.amx or self.avx512_bf16) and not self.isa_cap

    @property
    def kind(self) -> str:
        """A short class name for tables and the registry's per-machine defaults: amx, avx512-bf16,
        avx512, avx2 or basic (caps included)."""
        if self.isa_cap:
            return "avx2" if self.avx2 else "basic"
        for name, ok in (("amx", self.amx), ("avx512-bf16", self.avx512_bf16), ("avx512", self.avx512),
                         ("avx2", self.avx2)):
            if ok:
                return name
        return "basic"

    def describe(self) -> str:
        """One line: name, cores, capabilities and any cap ("AMD EPYC, 2 cores: AVX2")."""
        caps = ", ".join(self.capabilities) or "no AVX2"
        capped = f" (capped by {self.isa_cap})" if self.isa_cap else ""
        return f"{self.name}, {self.cores} cores: {caps}{capped}"


def parse_cpuinfo(text: str, cores: int, environ: dict[str, str] | None = None) -> CpuInfo:
    """A `CpuInfo` from the text of /proc/cpuinfo (the first processor's name and flags).

    "model name : AMD EPYC\\nflags : fpu avx2 fma" -> CpuInfo("AMD EPYC", {"fpu", "avx2", "fma"}, ...)
    """
    name, flags = "", frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not name:
            name = value.strip()
        elif key == "flags" and not flags:
            flags = frozenset(value.split())
    environ = dict(os.environ) if environ is None else environ
    return CpuInfo(name=name or platform.processor() or "unknown processor", flags=flags, cores=cores,
                   isa_cap=_isa_cap(environ))


def _isa_cap(environ: dict[str, str]) -> str:
    """The environment's cap on torch's instruction set, when it rules out native bfloat16."""
    onednn = environ.get("ONEDNN_MAX_CPU_ISA", "").strip().lower()
    aten = environ.get("ATEN_CPU_CAPABILITY", "").strip().lower()
    caps = []
    if onednn not in _ONEDNN_BF16:
        caps.append(f"ONEDNN_MAX_CPU_ISA={onednn}")
    if aten not in _ATEN_BF16:
        caps.append(f"ATEN_CPU_CAPABILITY={aten}")
    return " ".join(caps)


@lru_cache(maxsize=1)
def cpu_info() -> CpuInfo:
    """This machine's processor, read once."""
    try:
        text = CPUINFO.read_text()
    except OSError:
        text = ""
    return parse_cpuinfo(text, len(os.sched_getaffinity(0)))


def choose_dtype(requested: str, cpu: CpuInfo | None = None, on_gpu: bool = False) -> tuple[str, str]:
    """The dtype a model is served in, and why: `requested` unless it is "auto" on a CPU.

    ("auto", AMX machine)  -> ("bfloat16", "native bfloat16 (AMX)")
    ("auto", AVX2 machine) -> ("float32", "no native bfloat16 (AVX2): bfloat16 would be emulated")
    ("bfloat16", any)      -> ("bfloat16", "set in the registry")
    """
    if requested != "auto":
        return requested, "set in the registry"
    if on_gpu:
        return "auto", "GPU: the checkpoint's own dtype"
    cpu = cpu or cpu_info()
    if cpu.native_bf16:
        return "bfloat16", f"native bfloat16 ({'AMX' if cpu.amx else 'AVX512-BF16'})"
    best = cpu.capabilities[0] if cpu.capabilities else "no AVX2"
    why = f"capped by {cpu.isa_cap}" if cpu.isa_cap else f"no native bfloat16 ({best})"
    return "float32", f"{why}: bfloat16 would be emulated, float32 is faster"


# -- the GPU: one way to look for it -------------------------------------------------------------


def has_gpu() -> bool:
    """Whether this host has an NVIDIA GPU (its driver's files, or nvidia-smi on the PATH); cheap."""
    gpus = Path("/proc/driver/nvidia/gpus")
    try:
        listed = gpus.is_dir() and any(gpus.iterdir())
    except OSError:
        listed = False
    return listed or Path("/dev/nvidia0").exists() or shutil.which("nvidia-smi") is not None


def gpu_query(fields: str) -> str | None:
    """nvidia-smi's answer for the first GPU ("name,memory.total" -> "NVIDIA H200, 143771 MiB"), or
    None without a GPU or when nvidia-smi does not answer."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return None
    try:
        out = subprocess.run([smi, f"--query-gpu={fields}", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20).stdout.strip().splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out[0].strip() if out else None


def gpu_total_gib() -> float | None:
    """Memory of the first GPU in GiB, or None on a machine without one."""
    answer = gpu_query("memory.total")
    try:
        return int(answer.split()[0]) / 1024 if answer else None
    except (ValueError, IndexError):
        return None
