"""Distillation: a small student learns to trade from a teacher's clean answers, then both are judged.

    collect   teacher drives every creature, structured outputs on, each
              decision asked best-of-n (n seeds; the best is played)    -> OUT/collect/seed-S.jsonl
                                                                           (+ seed-S.candidates.jsonl)
    filter    only answers whose every action was valid, no self-buy,
              firewall clean, at least one action, (best-of-n: no copied
              words, no absurd price), short enough                     -> OUT/examples.jsonl
    train     SFT of the student on (prompt, answer), answer tokens only -> OUT/train/model, loss.png
    register  the folder joins the user's model registry                -> models.toml [models.<name>]
    judge     teacher and student on fresh seeds, no structured outputs,
              format and decision measures (needs, sanity, voice)       -> OUT/judge, OUT/report.md

`tokenwood distill --teacher gemma3-270m --student smollm2-135m --turns 12 --seeds 1-6` (the
defaults, best-of 4) is the second generation; `--best-of 1` is the first, which reproduced the
original project's result on a laptop (`best_of.py` says how a candidate is chosen); on a GPU host
the same command takes bigger registry models. Every stage resumes: finished seasons are reused,
training restarts from its last checkpoint, a finished model with the same data and settings is not
trained again.
The command line (`tokenwood distill`, `python -m engine.commands.distill`) is engine/commands/distill.py.
See docs/DISTILL.md.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.lab.distill.best_of import DEFAULT_BEST_OF
from engine.lab.distill.filter import Example
from engine.lab.distill.train import TrainSettings
from engine.play.seeds import parse_seeds

DEFAULT_TEACHER = "gemma3-270m"
DEFAULT_STUDENT = "smollm2-135m"
DEFAULT_SEEDS = "1-6"
DEFAULT_JUDGE_SEEDS = "1001-1003"
DEFAULT_TURNS = 12


class DistillError(ValueError):
    """A distillation that cannot run; the message is one line saying why."""


@dataclass
class DistillOptions:
    """What `tokenwood distill` was asked to do."""

    teacher: str = DEFAULT_TEACHER
    """Registry id of the model whose answers are learned."""
    student: str = DEFAULT_STUDENT
    """Registry id of the model that learns."""
    turns: int = DEFAULT_TURNS
    """Turns per collected season."""
    seeds: list[int] = field(default_factory=lambda: parse_seeds(DEFAULT_SEEDS))
    """Seeds of the collected seasons (one season each)."""
    judge_seeds: list[int] = field(default_factory=lambda: parse_seeds(DEFAULT_JUDGE_SEEDS))
    """Fresh seeds the judge plays (never used for training)."""
    judge_turns: int | None = None
    """Turns per judged season (default: `turns`)."""
    out: str | None = None
    """Output folder (default: the tokenwood cache's `distill/<name>`)."""
    name: str | None = None
    """Registry id of the distilled model (default: `<student>-wood`)."""
    registry_file: str | None = None
    """User registry file to add the model to (default: `$TOKENWOOD_MODELS` or the platformdirs one)."""
    parallel: int = 2
    """Seasons played at once (their requests batch together in the engine)."""
    scenario: str | None = None
    """Scenario file (default: the embedded wood)."""
    train: TrainSettings = field(default_factory=TrainSettings)
    """Training settings."""
    progress: bool = True
    """Progress bars on stderr."""
    judge_base: bool = False
    """Also judge the student before training (a third column: what the training changed)."""
    best_of: int = DEFAULT_BEST_OF
    """Teacher answers asked per decision; the best is played and learned (1: the first generation)."""


def default_out(name: str) -> Path:
    """Where a distillation's files go by default: the tokenwood cache's `distill/<name>`."""
    from engine.models.prepare import cache_home

    return cache_home() / "distill" / name


class Clock:
    """Seconds spent per stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.start = time.monotonic()

    def add(self, stage: str, seconds: float) -> None:
        self.spent[stage] = round(self.spent.get(stage, 0.0) + seconds, 1)

    def line(self) -> str:
        total = time.monotonic() - self.start
        parts = ", ".join(f"{k} {_dur(v)}" for k, v in self.spent.items())
        return f"time: {parts}; total {_dur(total)}"


async def distill(opts: DistillOptions) -> dict:
    """Run the five stages and return the report (also written to OUT/report.json and report.md)."""
    from engine.brains.models import ModelsUnavailable, check_available
    from engine.lab.distill.best_of import read_decision_map, selection_figures
    from engine.lab.distill.collect import play_seeds
    from engine.lab.distill.filter import filter_traces
    from engine.lab.distill.judge import judge
    from engine.lab.distill.register import RegisterError, distilled_entry, register, user_registry_file
    from engine.lab.distill.train import TrainError, answer_counter, train
    from engine.models.prepare import weights_path
    from engine.models.registry import RegistryError, load_registry
    from engine.play.saves import write_atomic

    clock = Clock()
    name = opts.name or f"{opts.student}-wood"
    overlap = sorted(set(opts.seeds) & set(opts.judge_seeds))
    if overlap:
        raise DistillError(f"judge seeds must be fresh: {overlap} are also training seeds")
    if opts.best_of < 1:
        raise DistillError(f"--best-of must be 1 or more, got {opts.best_of}")
    if name in (opts.teacher, opts.student):
        raise DistillError(f"--name {name!r} would overwrite the {'teacher' if name == opts.teacher else 'student'}")
    try:
        user_file = Path(opts.registry_file) if opts.registry_file else user_registry_file()
        registry = load_registry(user_file if user_file.exists() else None)
        teacher_spec, student_spec = registry.get(opts.teacher), registry.get(opts.student)
        check_available([opts.teacher, opts.student], registry)
    except (RegistryError, ModelsUnavailable) as err:
        raise DistillError(str(err)) from None
    for role, spec in (("teacher", teacher_spec), ("student", student_spec)):
        if spec.backend != "vllm":
            raise DistillError(f"the {role} {spec.id} is served over HTTP; distill needs in-process vLLM models")
    out = Path(opts.out) if opts.out else default_out(name)
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda msg: print(msg, file=sys.stderr, flush=True)) if opts.progress else (lambda msg: None)
    say(f"distill: {opts.teacher} -> {opts.student} as {name}, files in {out}")

    # 1. collect: the teacher drives every creature, with its grammar on, best of n answers per decision
    played = await play_seeds(opts.teacher, opts.seeds, opts.turns, out / "collect", registry=registry,
                              parallel=opts.parallel, scenario=opts.scenario, progress=opts.progress,
                              best_of=opts.best_of)
    clock.add("collect engine", played.load_s)
    clock.add("collect play", played.play_s)

    # 2. filter: only clean answers (best-of-n: and sensible ones), no longer than the student may write
    t = time.monotonic()
    student_path = weights_path(opts.student, registry)
    gen2 = opts.best_of > 1
    examples, kept = filter_traces(played.traces, opts.teacher, count_tokens=answer_counter(student_path),
                                   max_answer_tokens=student_spec.sampling.max_tokens, sense_checks=gen2,
                                   decisions=read_decision_map(played.traces) if gen2 else None)
    write_atomic(out / "examples.jsonl", "".join(map(example_line, examples)))
    selection = selection_figures(played.traces) if gen2 else None
    clock.add("filter", time.monotonic() - t)
    say("filter: " + "\n  ".join(kept.lines()))
    if not examples:
        raise DistillError("no teacher answer passed the filter: play more turns or seeds (see the filter report)")

    # 3. train: supervised fine-tuning on the kept answers
    t = time.monotonic()
    template = registry.templates[student_spec.chat.template] if student_spec.chat.kind == "template" else None
    meta = {"teacher": opts.teacher, "student": opts.student, "name": name, "seeds": opts.seeds,
            "turns": opts.turns, "best_of": opts.best_of, "filter": kept.as_dict()}
    try:
        trained = train(examples, student_path=student_path, template=template,
                        max_len=student_spec.engine.max_model_len, out_dir=out / "train",
                        settings=opts.train, meta=meta, progress=opts.progress)
    except TrainError as err:
        raise DistillError(f"training: {err}") from None
    clock.add("train", time.monotonic() - t)

    # 4. register: the folder becomes a registry model, usable by --council at once
    t = time.monotonic()
    entry = distilled_entry(student_spec, model_dir=trained.model_dir, teacher=opts.teacher)
    try:
        reg_path, comments_kept = register(name, entry, user_file)
    except RegisterError as err:
        raise DistillError(str(err)) from None
    registry = load_registry(reg_path)
    clock.add("register", time.monotonic() - t)

    # 5. judge: the same fresh seeds, both without structured outputs
    judged = await judge(opts.teacher, name, opts.judge_seeds, opts.judge_turns or opts.turns, out / "judge",
                         registry=registry, parallel=opts.parallel, scenario=opts.scenario, progress=opts.progress,
                         student_tag=trained.settings["fingerprint"],
                         base=opts.student if opts.judge_base else None)
    for role in ("teacher", "base", "student"):
        if role not in judged:
            continue
        clock.add(f"judge {role} engine", judged[role]["engine_load_s"])
        clock.add(f"judge {role} play", judged[role]["play_s"])

    heldout = trained.heldout
    report = {
        "teacher": opts.teacher, "student": opts.student, "name": name, "out": str(out),
        "collect": {"seeds": opts.seeds, "turns": opts.turns, "seasons_reused": played.reused,
                    "answers": kept.answers, "structured": teacher_spec.structured.mode,
                    "best_of": opts.best_of, "selection": selection},
        "filter": kept.as_dict(),
        "train": {"examples": trained.settings["train"]["examples"],
                  "train_examples": trained.settings["train"]["train_examples"],
                  "heldout_examples": trained.settings["train"]["heldout_examples"],
                  "steps": trained.steps, "resumed_at": trained.resumed_at, "reused": trained.reused,
                  "step_s": round(trained.step_s, 2), "example_s": round(trained.example_s, 2),
                  "heldout_loss_first": heldout[0]["loss"] if heldout else None,
                  "heldout_loss_last": heldout[-1]["loss"] if heldout else None,
                  "heldout_accuracy_last": heldout[-1]["accuracy"] if heldout else None,
                  "loss_png": str(trained.plot) if trained.plot else None,
                  "model_dir": str(trained.model_dir), "settings": asdict(opts.train)},
        "register": {"id": name, "file": str(reg_path), "comments_kept": comments_kept},
        "judge": {"seeds": opts.judge_seeds, "turns": opts.judge_turns or opts.turns, "structured": "none",
                  "teacher": judged["teacher"], "student": judged["student"],
                  **({"base": judged["base"]} if "base" in judged else {})},
        "verdict": judged["verdict"],
        "sense_verdict": judged["sense_verdict"],
        "time_s": {**clock.spent, "total": round(time.monotonic() - clock.start, 1)},
    }
    text = render(report, clock)
    report["text"] = text
    write_atomic(out / "report.json", json.dumps(report, indent=2) + "\n")
    write_atomic(out / "report.md", text + "\n")
    return report


def run_distill(opts: DistillOptions) -> dict:
    """Run the pipeline to the end and return its report."""
    return asyncio.run(distill(opts))


def example_line(e: Example) -> str:
    """One line of examples.jsonl: source, prompt, answer, and how it was chosen when it was (best-of-n).

    Without a choice the line is the first generation's, byte for byte.
    """
    line = {"source": e.source, "prompt": e.prompt, "answer": e.answer}
    if e.choice is not None:
        line["best_of"] = e.choice
    return json.dumps(line, ensure_ascii=False) + "\n"


def render(report: dict, clock: Clock | None = None) -> str:
    """The report as the text the command prints (Markdown)."""
    from engine.lab.distill.judge import sense_table, table

    c, f, tr, j = report["collect"], report["filter"], report["train"], report["judge"]
    rej = ", ".join(f"{k} {v}" for k, v in f["rejected"].items() if v) or "none"
    if tr["heldout_loss_last"] is not None:
        held = (f"held-out loss {tr['heldout_loss_first']:.3f} -> {tr['heldout_loss_last']:.3f} "
                f"(token accuracy {tr['heldout_accuracy_last']:.1%})")
    else:
        held = "no held-out split (fewer than 5 examples)"
    lines = [
        f"# tokenwood distill: {report['teacher']} -> {report['student']} as {report['name']}",
        "",
        f"- collect: {len(c['seeds'])} seasons x {c['turns']} turns, {c['answers']} teacher answers "
        f"(structured outputs: {c['structured']}; best of {c.get('best_of', 1)}; {c['seasons_reused']} seasons reused)",
        *([_selection_line(c["selection"])] if c.get("selection") else []),
        f"- filter: kept {f['kept']} of {f['answers']} ({f['kept_rate']:.0%}); not kept: {rej}",
        f"- train: {tr['train_examples']} examples (+{tr['heldout_examples']} held out), {tr['steps']} steps"
        + (" (reused: same data and settings)" if tr["reused"] else
           f", {tr['step_s']:.1f} s/step, {tr['example_s']:.1f} s/example") + f"; {held}",
        f"- loss curve: {tr['loss_png'] or 'not drawn (matplotlib is not installed; see loss.json)'}",
        f"- register: {report['register']['id']} in {report['register']['file']} -> {tr['model_dir']}",
        f"- judge: seeds {_span(j['seeds'])}, {j['turns']} turns each, no structured outputs",
        "",
        *table(j["teacher"], j["student"], j.get("base")),
        "",
        f"**Verdict: {report['verdict']['text']}.**",
        "",
        "Decision measures (docs/EVAL.md, \"Sense\"; n/a: not measurable from these traces):",
        "",
        *sense_table(j["teacher"], j["student"], j.get("base")),
        "",
        f"{report['sense_verdict']['text']}.",
        "",
        clock.line() if clock else "time: " + ", ".join(f"{k} {_dur(v)}" for k, v in report["time_s"].items()),
    ]
    return "\n".join(lines)


def _selection_line(s: dict) -> str:
    """What best-of-n selection bought, in one line of the report."""
    return (f"- selection: {s['decisions']} decisions, {s['candidates']} candidates; passing every check: "
            f"{s['clean_share_all']:.0%} of all candidates, {s['clean_share_first']:.0%} of first candidates, "
            f"{s['clean_share_chosen']:.0%} of chosen; mean score {s['score_mean_all']:.2f} all, "
            f"{s['score_mean_first']:.2f} first, {s['score_mean_chosen']:.2f} chosen; "
            f"a candidate other than the first chosen {s['chosen_not_first']} times")


def _span(seeds: list[int]) -> str:
    if seeds and seeds == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{seeds[0]}-{seeds[-1]}"
    return ",".join(map(str, seeds))


def _dur(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.1f} min"
