"""`python -m tokenwood_tui play|watch [--council ...]`: the same as `tokenwood play|watch`."""

import sys

from tokenwood_tui.app import main

sys.exit(main())
