"""`python -m tokenwood_tui play|watch [--council ...]`: the same as `tokenwood play|watch`."""

import sys

from tokenwood_tui.cli_commands import play_or_watch

sys.exit(play_or_watch())
