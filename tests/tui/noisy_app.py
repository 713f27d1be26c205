"""A played game whose brains, as they wake, spawn a child process that writes to stdout and stderr
(as model engines do). Run in a terminal by test_terminal.py: the noise must land in the log only."""

import os
import subprocess
import sys

from tokenwood_tui.app import run_session
from tokenwood_tui.session import open_session

NOISE = "import sys\nfor i in range(5):\n    print('ENGINE-NOISE-OUT', i, flush=True)\n    print('ENGINE-NOISE-ERR', i, file=sys.stderr, flush=True)\n"


def main() -> int:
    session = open_session("play", "scripted", 3)
    wake = session.start_brains

    async def noisy_wake() -> None:
        subprocess.run([sys.executable, "-c", NOISE], check=True)
        os.write(2, b"ENGINE-NOISE-FD2 from the app's own process\n")
        await wake()

    session.start_brains = noisy_wake
    return run_session(session)


if __name__ == "__main__":
    sys.exit(main())
