"""Run every benchmark script in this folder and print one table of their RESULT lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    rows = []
    for script in sorted(HERE.glob("*.py")):
        if script.name in ("run_all.py",) or script.name.startswith("_"):
            continue
        print(f"== {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        print(proc.stdout[-2000:], end="")
        if proc.returncode != 0:
            print(proc.stderr[-2000:], end="")
        last = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
        rows.append((script.name, "ok" if proc.returncode == 0 else f"exit {proc.returncode}", last))
    print("\n| benchmark | status | result |\n|---|---|---|")
    for name, status, last in rows:
        print(f"| {name} | {status} | {last} |")
    return 0 if all(s == "ok" for _, s, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
