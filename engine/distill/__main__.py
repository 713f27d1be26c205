"""`python -m engine.distill ...`: the same as `tokenwood distill ...`."""

import sys

from engine.distill import main

if __name__ == "__main__":
    sys.exit(main())
