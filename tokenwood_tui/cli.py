"""The `tokenwood` command.

    tokenwood run    play a season headless (progress on stderr, summary on stdout or --summary-json)
    tokenwood play   play as the Patron in the terminal UI
    tokenwood watch  watch a game in the terminal UI (the scripted schemer plays the Patron)
    tokenwood parse  read one raw answer on stdin and print what the parse-and-repair layer makes of it
    tokenwood models list | prepare [ID...]   the model registry, and preparing the embedded models
    tokenwood doctor check this machine for a council and say how to fix what it finds

Every error a user can cause (a bad scenario, a corrupt save, a malformed script) is one line on
stderr and exit status 2; nothing is overwritten.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from engine.seeds import parse_seeds



def _add_game_options(p: argparse.ArgumentParser, council: str | None = "scripted") -> None:
    p.add_argument("--council", default=council,
                   help="preset (scripted, embedded, seed), a council .toml, or Oona=model,Sorrel=model"
                        + ("" if council else " (default: seed on a GPU host, else embedded)"))
    p.add_argument("--seed", type=int, default=1, help="seed for a new game (default 1)")
    p.add_argument("--scenario", default=None, help="scenario TOML file (default: the embedded wood)")
    p.add_argument("--load", default=None, metavar="PATH", help="continue from a save")
    _add_answer_timeout(p)


def _positive_seconds(text: str) -> float:
    """An argparse type: a number of seconds above 0 ("30", "7.5")."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text!r}")
    return value


def _add_answer_timeout(p: argparse.ArgumentParser) -> None:
    p.add_argument("--answer-timeout", type=_positive_seconds, default=None, metavar="SECONDS",
                   help="seconds a model's decision may take (default: from each engine's measured pace; "
                        "60 for a remote server)")


def build_parser() -> argparse.ArgumentParser:
    """The command line parser."""
    ap = argparse.ArgumentParser(prog="tokenwood", description="Thousand Token Wood: a market of small models.")
    sub = ap.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="play a season headless")
    _add_game_options(run)
    run.add_argument("--turns", type=int, default=None, help="turns to play (default: the rest of the season)")
    run.add_argument("--summary-json", default=None, metavar="PATH", help="write the summary JSON here")
    run.add_argument("--traces", default=None, metavar="PATH", help="append one JSON line per trader per turn")
    run.add_argument("--save-at", nargs=2, default=None, metavar=("T", "PATH"),
                     help="save the game after turn T to PATH")
    run.add_argument("--patron-script", default=None, metavar="PATH", help="JSON list of Patron moves")
    run.add_argument("--replay", default=None, metavar="TRACES", help="replay recorded answers from traces")
    run.add_argument("--autosave", default=None, metavar="PATH", help="save after every turn to PATH")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")

    play = sub.add_parser("play", help="play as the Patron in the terminal UI")
    _add_game_options(play, council=None)
    watch = sub.add_parser("watch", help="watch a game in the terminal UI")
    _add_game_options(watch, council=None)
    watch.add_argument("--replay", default=None, metavar="TRACES", help="replay a game from a traces file")

    models = sub.add_parser("models", help="list the model registry, or prepare models")
    msub = models.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list", help="every registry entry, whether it is available here, and why not")
    prep = msub.add_parser("prepare", help="obtain and convert models once (default: the embedded pair)")
    prep.add_argument("ids", nargs="*", help="model ids (default: every embedded model)")
    prep.add_argument("--force", action="store_true", help="rebuild even when prepared")

    doctor = sub.add_parser("doctor", help="check this machine and say how to fix what it finds")
    doctor.add_argument("--council", default=None, help="council to check for (default: the machine's default)")

    parse = sub.add_parser("parse", help="parse one raw answer from stdin and print the result as JSON")
    parse.add_argument("--model", default=None, help="model id whose quirks apply")
    parse.add_argument("--patron", action="store_true", help="parse as a Patron answer")
    ev = sub.add_parser("eval", help="play seasons per seed and write a report (resumes where it stopped)")
    ev.add_argument("--council", default="scripted",
                    help="preset (scripted, embedded, seed), a council .toml, or Oona=model,Sorrel=model")
    ev.add_argument("--turns", type=int, default=None, help="turns per season (default: the whole season)")
    ev.add_argument("--seeds", type=parse_seeds, default="1,2,3", help="one season per seed: 1,2,3 or 1-5 (default 1,2,3)")
    ev.add_argument("--out", default=None, metavar="DIR",
                    help="traces, season records, report and charts (default: evals/<council>-t<turns>)")
    ev.add_argument("--scenario", default=None, help="scenario TOML file (default: the embedded wood)")
    ev.add_argument("--patron-script", default=None, metavar="PATH", help="JSON list of Patron moves")
    ev.add_argument("--no-progress", action="store_true", help="no progress bar")
    ev.add_argument("--no-charts", action="store_true", help="no PNG charts")
    _add_answer_timeout(ev)

    cmp_ = sub.add_parser("compare", help="a heterogeneous council against homogeneous ones, with a verdict")
    cmp_.add_argument("--hetero", default="embedded", help="the heterogeneous council (default: embedded)")
    cmp_.add_argument("--homo", action="append", default=[], metavar="SPEC",
                      help="a homogeneous council (repeatable; default: one per model of --hetero)")
    cmp_.add_argument("--turns", type=int, default=None, help="turns per season (default: the whole season)")
    cmp_.add_argument("--seeds", type=parse_seeds, default="1,2,3", help="the same seeds for every council (default 1,2,3)")
    cmp_.add_argument("--out", default=None, metavar="DIR", help="default: compares/<hetero>-t<turns>")
    cmp_.add_argument("--scenario", default=None, help="scenario TOML file (default: the embedded wood)")
    cmp_.add_argument("--patron-script", default=None, metavar="PATH", help="JSON list of Patron moves")
    cmp_.add_argument("--no-progress", action="store_true", help="no progress bars")
    cmp_.add_argument("--no-charts", action="store_true", help="no PNG charts")

    from engine.distill import add_arguments as add_distill_arguments
    add_distill_arguments(sub.add_parser(
        "distill", help="distill a house model: teacher traces -> filter -> fine-tune -> register -> judge"))

    traces = sub.add_parser("traces", help="work with traces files")
    tsub = traces.add_subparsers(dest="traces_command", required=True)
    texp = tsub.add_parser("export", help="turn traces into an open dataset folder (firewall-checked)")
    texp.add_argument("traces", nargs="+", metavar="TRACES", help="traces files (JSON lines)")
    texp.add_argument("--out", required=True, metavar="DIR", help="dataset folder to write")
    return ap


def _fail(message: str) -> int:
    print(f"tokenwood: {message}", file=sys.stderr)
    return 2


def cmd_run(args: argparse.Namespace) -> int:
    from engine.brains.patron import PatronScriptError
    from engine.brains.replay import TracesError
    from engine.council import CouncilError
    from engine.headless import RunOptions, run_season
    from engine.saves import SaveError, write_atomic
    from engine.brains.models import ModelsUnavailable
    from engine.scenario_files import ScenarioError

    save_at = None
    if getattr(args, "save_at", None):
        try:
            save_at = (int(args.save_at[0]), args.save_at[1])
        except ValueError:
            return _fail(f"--save-at expects a turn number and a path, got {args.save_at!r}")
    if args.turns is not None and args.turns < 0:
        return _fail("--turns must be 0 or more")
    opts = RunOptions(council=args.council, turns=args.turns, seed=args.seed, scenario=args.scenario,
                      load=args.load, patron_script=getattr(args, "patron_script", None),
                      replay=getattr(args, "replay", None), traces=getattr(args, "traces", None),
                      save_at=save_at, autosave=args.autosave,
                      summary_json=getattr(args, "summary_json", None),
                      progress=not getattr(args, "no_progress", False) and sys.stderr.isatty(),
                      answer_timeout=args.answer_timeout)
    try:
        result = asyncio.run(run_season(opts))
    except (ScenarioError, SaveError, CouncilError, PatronScriptError, TracesError, ModelsUnavailable) as err:
        return _fail(str(err))
    text = json.dumps(result, indent=2)
    if opts.summary_json:
        write_atomic(Path(opts.summary_json), text + "\n")
    else:
        print(text)
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    """`tokenwood play` and `tokenwood watch`: the terminal UI."""
    from tokenwood_tui.app import run_app

    council = args.council or ("scripted" if getattr(args, "replay", None) else default_council())
    return run_app(args.command, council=council, seed=args.seed, scenario=args.scenario, load=args.load,
                   replay=getattr(args, "replay", None), answer_timeout=args.answer_timeout)


def cmd_parse(args: argparse.Namespace) -> int:
    from engine.parsing import Quirks, parse_answer
    from engine.scenario_files import load_scenario

    quirks = Quirks()
    if args.model:
        from engine.brains.models import parse_quirks
        from engine.models.registry import RegistryError, load_registry
        try:
            quirks = parse_quirks(load_registry().get(args.model))
        except RegistryError as err:
            return _fail(f"--model: {err}")
    sc = load_scenario()
    raw = sys.stdin.read()
    result = parse_answer(raw, quirks=quirks, patron=args.patron, goods=sc.good_names,
                          traders=[t.name for t in sc.traders])
    print(json.dumps({
        "actions": result.answer.model_dump(mode="json"),
        "dropped": [d.model_dump(mode="json") for d in result.dropped],
        "repairs": list(result.repairs), "found_json": result.found_json,
    }, indent=2))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from engine.models.prepare import PrepareError, available, prepare
    from engine.models.registry import EmbeddedWeights, RegistryError, load_registry

    try:
        reg = load_registry()
    except RegistryError as err:
        return _fail(str(err))
    if args.models_command == "list":
        print(f"{'id':<20} {'lab':<14} {'backend':<8} {'here':<5} why")
        for mid, spec in sorted(reg.models.items()):
            ok, why = available(mid, reg) if spec.backend == "vllm" else (True, f"server {spec.base_url}")
            why = why.removeprefix(f"{mid}: ")
            print(f"{mid:<20} {spec.lab:<14} {spec.backend:<8} {'yes' if ok else 'no':<5} {why}")
        return 0
    ids = args.ids or [m for m, s in reg.models.items() if isinstance(s.weights, EmbeddedWeights)]
    from tqdm import tqdm
    for mid in ids:
        bar = tqdm(total=100, desc=mid, unit="%", file=sys.stderr, leave=True,
                   bar_format="{desc:<14} {bar} {n_fmt}% {postfix}")

        def say(msg: str, frac: float, bar=bar) -> None:
            bar.n = int(frac * 100)
            bar.set_postfix_str(msg[-60:])
            bar.refresh()

        try:
            where = prepare(mid, progress=say, registry=reg, force=args.force)
        except (PrepareError, RegistryError) as err:
            bar.close()
            return _fail(str(err))
        bar.close()
        print(f"{mid}: {where}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from engine.council import is_scripted, resolve_council
    from engine.doctor import run_checks
    from engine.scenario_files import load_scenario

    council = args.council or default_council()
    try:
        seats = [m for m in resolve_council(council, load_scenario()).values() if not is_scripted(m)]
    except ValueError as err:
        return _fail(str(err))
    models = sorted(set(seats))
    print(f"council: {council} ({', '.join(models) or 'no models'})")
    worst = 0
    for c in run_checks(models, {m: seats.count(m) for m in models}):
        mark = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}[c.status]
        print(f"[{mark}] {c.name}: {c.detail}")
        if c.fix:
            print(f"        fix: {c.fix}")
        worst = max(worst, {"ok": 0, "warn": 0, "fail": 1}[c.status])
    return worst


def cmd_eval(args: argparse.Namespace) -> int:
    from engine.evaluation import EvalError
    from engine.evaluation.report import EvalOptions, run_eval

    try:
        report = run_eval(EvalOptions(
            council=args.council, turns=args.turns, seeds=args.seeds, out=args.out,
            scenario=args.scenario, patron_script=args.patron_script,
            progress=not args.no_progress and sys.stderr.isatty(), charts=not args.no_charts,
            answer_timeout=args.answer_timeout))
    except EvalError as err:
        return _fail(str(err))
    except KeyboardInterrupt:
        return _fail("interrupted: run the same command again to resume (finished seasons are kept)")
    print(f"{Path(report['folder']) / 'report.md'} (seasons played now: {len(report['played_now'])}, "
          f"reused: {len(report['reused'])})")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from engine.evaluation import EvalError
    from engine.evaluation.compare import CompareOptions, run_compare

    try:
        result = run_compare(CompareOptions(
            hetero=args.hetero, homo=args.homo, turns=args.turns, seeds=args.seeds, out=args.out,
            scenario=args.scenario, patron_script=args.patron_script,
            progress=not args.no_progress and sys.stderr.isatty(), charts=not args.no_charts))
    except EvalError as err:
        return _fail(str(err))
    except KeyboardInterrupt:
        return _fail("interrupted: run the same command again to resume (finished seasons are kept)")
    print(result["verdict"]["text"])
    for line in result["verdict"]["details"]:
        print(f"- {line}")
    print(Path(result["folder"]) / "compare.md")
    return 0


def cmd_traces(args: argparse.Namespace) -> int:
    from engine.evaluation import EvalError
    from engine.evaluation.export import export_traces

    try:
        res = export_traces(args.traces, args.out)
    except EvalError as err:
        return _fail(str(err))
    print(f"{res.rows} rows from {len(res.games)} game(s) -> {res.folder} (traces.jsonl, README.md)")
    return 0


def cmd_distill(args: argparse.Namespace) -> int:
    from engine.distill import run_from_args
    return run_from_args(args)


def default_council() -> str:
    """The council a game uses when none is named: the seed council on a GPU host, else embedded."""
    from engine.models.hardware import has_gpu

    return "seed" if has_gpu() else "embedded"


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    handlers = {"run": cmd_run, "play": cmd_play, "watch": cmd_play, "parse": cmd_parse, "models": cmd_models,
                "doctor": cmd_doctor, "eval": cmd_eval, "compare": cmd_compare, "traces": cmd_traces, "distill": cmd_distill}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return _fail("interrupted (the last autosave is kept)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
