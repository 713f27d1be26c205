"""`python -m engine.distill ...`: the same as `tokenwood distill ...` (engine/commands/distill.py)."""

import sys

from engine.commands.distill import main

if __name__ == "__main__":
    sys.exit(main())
