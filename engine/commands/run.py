"""`tokenwood run`: play a season headless (progress on stderr, summary on stdout or --summary-json)."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from engine.commands.common import (EXIT_FAILED, add_game_options, add_no_progress, add_patron_script, fail,
                                    progress_wanted)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Declare `tokenwood run`."""
    p = subparsers.add_parser("run", help="play a season headless")
    add_game_options(p)
    p.add_argument("--turns", type=int, default=None, help="turns to play (default: the rest of the season)")
    p.add_argument("--summary-json", default=None, metavar="PATH", help="write the summary JSON here")
    p.add_argument("--traces", default=None, metavar="PATH", help="append one JSON line per trader per turn")
    p.add_argument("--save-at", nargs=2, default=None, metavar=("T", "PATH"),
                   help="save the game after turn T to PATH")
    add_patron_script(p)
    p.add_argument("--replay", default=None, metavar="TRACES", help="replay recorded answers from traces")
    p.add_argument("--autosave", default=None, metavar="PATH", help="save after every turn to PATH")
    add_no_progress(p)
    p.set_defaults(handler=handle)
    return p


def handle(args: argparse.Namespace) -> int:
    """Play the season; print or write its summary."""
    from engine.brains.models import ModelsUnavailable
    from engine.brains.patron import PatronScriptError
    from engine.brains.replay import TracesError
    from engine.play.council import CouncilError
    from engine.play.headless import RunOptions, run_season
    from engine.play.saves import SaveError, write_atomic
    from engine.play.scenario_files import ScenarioError

    save_at = None
    if args.save_at:
        try:
            save_at = (int(args.save_at[0]), args.save_at[1])
        except ValueError:
            return fail(f"--save-at expects a turn number and a path, got {args.save_at!r}")
    if args.turns is not None and args.turns < 0:
        return fail("--turns must be 0 or more")
    opts = RunOptions(council=args.council, turns=args.turns, seed=args.seed, scenario=args.scenario,
                      load=args.load, patron_script=args.patron_script, replay=args.replay, traces=args.traces,
                      save_at=save_at, autosave=args.autosave, summary_json=args.summary_json,
                      progress=progress_wanted(args), answer_timeout=args.answer_timeout)
    try:
        result = asyncio.run(run_season(opts))
    except (ScenarioError, SaveError, CouncilError, PatronScriptError, TracesError) as err:
        return fail(str(err))
    except ModelsUnavailable as err:
        return fail(str(err), EXIT_FAILED)
    text = json.dumps(result, indent=2)
    if opts.summary_json:
        write_atomic(Path(opts.summary_json), text + "\n")
    else:
        print(text)
    return 0
