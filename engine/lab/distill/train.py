"""Train: supervised fine-tuning of the student on (prompt, kept answer) pairs, answer tokens only.

    examples -> token ids exactly as serving builds them (engine.brains.vllm._encode) + answer + end
             -> held-out split -> AdamW steps (bf16 autocast, fp32 weights; CUDA when present)
             -> checkpoint every few steps (resumable) -> bf16 folder vLLM serves + distill.json
             -> loss curve (loss.png with matplotlib; loss.json always)

The prompt goes through the very function the vLLM brain uses to build its input (the tokenizer's
chat template, or the registry's named template), so the student learns the text it will be served.
The answer is what the chat template puts after the prompt, up to and including the first token that
ends generation (`<|im_end|>` for SmolLM2); the loss covers those tokens only (the prompt is masked).
Only the last `answer + 1` positions get logits (`logits_to_keep`), which saves the 49k-wide output
layer over the ~700 prompt tokens.

torch and transformers are imported inside the functions that need them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

from engine.lab.distill.filter import Example
from engine.play.progress import Progress

SETTINGS_FILE = "distill.json"
"""The settings and figures written next to the trained model."""
CHECKPOINT = "checkpoint.pt"
"""The resumable training state inside the training folder."""


class TrainError(ValueError):
    """Training cannot start; the message says why."""


@dataclass(frozen=True)
class TrainSettings:
    """How the student is trained."""

    epochs: float = 1.0
    """Passes over the training examples (fractions allowed)."""
    max_steps: int | None = None
    """A cap on optimizer steps (None: as many as `epochs` gives)."""
    accumulate: int = 4
    """Examples per optimizer step (gradient accumulation; each example is its own batch of one)."""
    lr: float = 1e-4
    """Peak learning rate (AdamW), after a linear warmup, then cosine down to a tenth."""
    warmup: float = 0.1
    """Share of the steps spent warming up."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    heldout: float = 0.1
    """Share of the examples held out for the validation loss."""
    max_heldout: int = 24
    """Most held-out examples (each costs a forward pass per evaluation)."""
    eval_every: int = 10
    """Optimizer steps between held-out evaluations (and one at the end)."""
    save_every: int = 10
    """Optimizer steps between checkpoints."""
    seed: int = 0
    """Seed of the split, the example order and torch."""
    threads: int | None = None
    """CPU threads for torch (None: every core this process may use)."""
    grad_checkpointing: bool = False
    """Recompute activations in the backward pass (less memory, about a third slower)."""


@dataclass
class TrainResult:
    """What training produced."""

    model_dir: Path
    """The bf16 folder vLLM serves."""
    settings: dict
    """Everything written to `distill.json`."""
    steps: int = 0
    """Optimizer steps taken in total (including resumed ones)."""
    step_s: float = 0.0
    """Mean seconds per optimizer step in this session."""
    example_s: float = 0.0
    """Mean seconds per training example (forward + backward) in this session."""
    resumed_at: int = 0
    """The step training resumed from (0: a fresh start)."""
    reused: bool = False
    """Whether a finished model with the same fingerprint was found and training skipped."""
    plot: Path | None = None
    """The loss curve PNG, or None when matplotlib is missing."""
    seconds: float = 0.0
    """Wall-clock seconds of this call."""
    log: list = field(default_factory=list)
    """Per-step training loss records."""
    heldout: list = field(default_factory=list)
    """Held-out evaluations: step, loss, token accuracy."""


# -- the training text -----------------------------------------------------------------------------


def stop_ids(tokenizer, model_path: str) -> set[int]:
    """Token ids that end generation when served: the tokenizer's EOS and the generation config's."""
    ids = {tokenizer.eos_token_id} - {None}
    try:
        from transformers import GenerationConfig

        eos = GenerationConfig.from_pretrained(model_path).eos_token_id
        ids |= set(eos if isinstance(eos, list) else [eos]) - {None}
    except (OSError, ValueError):
        pass
    return ids


def encode_pair(tokenizer, template: str | None, stops: set[int], prompt: str, answer: str) -> tuple[list[int], int]:
    """(prompt + answer token ids, number of answer ids): the prompt as serving encodes it.

    SmolLM2: "<|im_start|>system ... <|im_start|>assistant\\n" + '{"orders":[]}<|im_end|>' -> answer
    ids are the JSON's tokens and <|im_end|>; the newline the template adds after it is not learned.
    """
    from engine.brains.vllm import _encode

    prompt_ids = _encode(SimpleNamespace(tokenizer=tokenizer, template=template), prompt)
    tail = answer
    if template is None:
        msgs = [{"role": "user", "content": prompt}]
        head = tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(msgs + [{"role": "assistant", "content": answer}], tokenize=False)
        if full.startswith(head) and answer in full[len(head):]:
            tail = full[len(head):]
    ids = list(tokenizer.encode(tail, add_special_tokens=False))
    end = next((i for i, t in enumerate(ids) if t in stops), None)
    if end is None:  # the template writes no end token (a named template): learn the tokenizer's EOS
        ids.append(tokenizer.eos_token_id if tokenizer.eos_token_id in stops or not stops else min(stops))
    else:
        ids = ids[: end + 1]
    return prompt_ids + ids, len(ids)


def answer_counter(model_path: str) -> Callable[[str], int]:
    """Answer text -> tokens the student writes for it (its tokens plus the end token)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_path)
    return lambda text: len(tok.encode(text, add_special_tokens=False)) + 1


# -- training ----------------------------------------------------------------------------------------


def fingerprint(examples: list[Example], student_path: str, settings: TrainSettings) -> str:
    """A hash of everything that decides the trained weights (a checkpoint resumes only when equal)."""
    h = hashlib.sha256()
    h.update(json.dumps({"student": student_path, "settings": _resumable(settings)}, sort_keys=True).encode())
    for ex in examples:
        h.update(ex.prompt.encode())
        h.update(b"\0")
        h.update(ex.answer.encode())
        h.update(b"\1")
    return h.hexdigest()[:16]


def _resumable(settings: TrainSettings) -> dict:
    """The settings that change the weights (threads and checkpoint cadence do not)."""
    d = asdict(settings)
    for key in ("threads", "save_every", "eval_every", "grad_checkpointing"):
        d.pop(key)
    return d


def split(n: int, settings: TrainSettings) -> tuple[list[int], list[int]]:
    """(train indices, held-out indices), shuffled with the settings' seed; nothing held out below 5."""
    order = list(range(n))
    random.Random(settings.seed).shuffle(order)
    held = min(settings.max_heldout, round(n * settings.heldout)) if n >= 5 else 0
    if settings.heldout > 0 and n >= 5:
        held = max(1, held)
    return order[held:], order[:held]


def schedule(train_idx: list[int], settings: TrainSettings) -> list[list[int]]:
    """The examples of every optimizer step: epochs reshuffled with the seed, `accumulate` per step."""
    if not train_idx:
        return []
    total = max(1, math.ceil(settings.epochs * len(train_idx) / settings.accumulate))
    if settings.max_steps is not None:
        total = min(total, settings.max_steps)
    stream: list[int] = []
    rng = random.Random(settings.seed + 1)
    while len(stream) < total * settings.accumulate:
        epoch = list(train_idx)
        rng.shuffle(epoch)
        stream += epoch
    return [stream[i * settings.accumulate:(i + 1) * settings.accumulate] for i in range(total)]


def lr_factor(step: int, total: int, warmup: float) -> float:
    """Linear warmup to 1, then cosine down to 0.1 (step counts from 0)."""
    warm = max(1, round(total * warmup))
    if step < warm:
        return (step + 1) / warm
    progress = (step - warm) / max(1, total - warm)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def train(examples: list[Example], *, student_path: str, template: str | None, max_len: int,
          out_dir: Path, settings: TrainSettings, meta: dict | None = None,
          progress: bool = True) -> TrainResult:
    """Fine-tune the student on `examples` and save it to `out_dir/model` (resumes a checkpoint).

    a finished model with the same fingerprint -> reused; else examples -> token ids -> split and
    schedule -> model and optimizer (from the checkpoint when it matches) -> steps -> saved model
    """
    import torch
    from transformers import AutoTokenizer

    started = time.monotonic()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_dir = out_dir / "model"
    fp = fingerprint(examples, student_path, settings)
    reused = _reused(out_dir, model_dir, fp)
    if reused is not None:
        return reused

    torch.set_num_threads(settings.threads or len(os.sched_getaffinity(0)))
    torch.manual_seed(settings.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tok = AutoTokenizer.from_pretrained(student_path)
    # examples -> token ids (prompt as served, answer + end token); too long for the engine: left out
    encoded, too_long = encode_examples(tok, template, stop_ids(tok, student_path), examples, max_len)
    train_idx, held_idx = split(len(encoded), settings)
    steps = schedule(train_idx, settings)
    # token ids -> model and optimizer, resumed from the checkpoint when it is of this very training
    trainer = _Trainer.set_up(torch, student_path, settings, device, len(steps), encoded, held_idx)
    ckpt = out_dir / CHECKPOINT
    start_step = trainer.resume(ckpt, fp)
    # model -> optimizer steps (held-out evaluations and checkpoints along the way)
    session = time.monotonic()
    seen = trainer.run(steps, start_step, settings, ckpt, fp, progress)
    spent = time.monotonic() - session
    taken = len(steps) - start_step
    # trained model -> bf16 folder + distill.json + loss curve
    result_settings = {
        "fingerprint": fp,
        **(meta or {}),
        "train": {
            **asdict(settings), "examples": len(encoded), "train_examples": len(train_idx),
            "heldout_examples": len(held_idx), "left_out_too_long": too_long, "steps": len(steps),
            "device": device, "threads": torch.get_num_threads(), "autocast": "bfloat16",
            "weights": "float32 while training, saved as bfloat16",
            "mean_step_s": round(spent / taken, 3) if taken else None,
            "mean_example_s": round(spent / seen, 3) if seen else None,
            "log": trainer.log, "heldout_evals": trainer.heldout,
        },
    }
    _save_model(trainer.model, tok, student_path, model_dir, result_settings, torch)
    log, heldout = trainer.log, trainer.heldout
    plot = plot_losses(log, heldout, out_dir / "loss.png")
    (out_dir / "loss.json").write_text(json.dumps({"train": log, "heldout": heldout}) + "\n")
    ckpt.unlink(missing_ok=True)
    del trainer
    _release_memory()
    return TrainResult(model_dir, result_settings, steps=len(steps), step_s=spent / taken if taken else 0.0,
                       example_s=spent / seen if seen else 0.0, resumed_at=start_step, plot=plot,
                       seconds=time.monotonic() - started, log=log, heldout=heldout)


def _reused(out_dir: Path, model_dir: Path, fp: str) -> TrainResult | None:
    """The finished model in `model_dir` when it was trained with fingerprint `fp`, else None."""
    done = _read_json(model_dir / SETTINGS_FILE)
    if done.get("fingerprint") != fp:
        return None
    return TrainResult(model_dir, done, steps=done["train"]["steps"], reused=True,
                       plot=(out_dir / "loss.png") if (out_dir / "loss.png").exists() else None,
                       log=done["train"].get("log", []), heldout=done["train"].get("heldout_evals", []))


def encode_examples(tokenizer, template: str | None, stops: set[int], examples: list[Example],
                    max_len: int) -> tuple[list[tuple[list[int], int]], int]:
    """([(token ids, answer ids) per example that fits `max_len`], how many did not fit), by `encode_pair`.

    Raises `TrainError` when no example fits.
    """
    encoded, too_long = [], 0
    for ex in examples:
        ids, n = encode_pair(tokenizer, template, stops, ex.prompt, ex.answer)
        if len(ids) > max_len:
            too_long += 1
            continue
        encoded.append((ids, n))
    if not encoded:
        raise TrainError("no example fits the student's max_model_len")
    return encoded, too_long


@dataclass
class _Trainer:
    """One training session: the model, its optimizer and schedule, the data, and the losses so far."""

    torch: Any
    """The torch module (imported by `train`)."""
    model: Any
    """The student, float32 weights, on `device`."""
    opt: Any
    """AdamW over the model's parameters."""
    sched: Any
    """The learning-rate schedule (`lr_factor`)."""
    device: str
    """Where it trains: "cuda" or "cpu"."""
    autocast: Any
    """The bf16 autocast context every forward pass runs in."""
    encoded: list[tuple[list[int], int]]
    """Every example as (token ids, number of answer ids)."""
    held_idx: list[int]
    """The held-out examples' indices in `encoded`."""
    log: list[dict] = field(default_factory=list)
    """Per-step training loss records."""
    heldout: list[dict] = field(default_factory=list)
    """Held-out evaluations: step, loss, token accuracy."""

    @classmethod
    def set_up(cls, torch, student_path: str, settings: TrainSettings, device: str, n_steps: int,
               encoded: list[tuple[list[int], int]], held_idx: list[int]) -> _Trainer:
        """Load the student in float32 on `device`, with AdamW and a warmup-then-cosine schedule over `n_steps`."""
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(student_path, dtype=torch.float32).to(device)
        model.config.use_cache = False
        if settings.grad_checkpointing:
            model.gradient_checkpointing_enable()
        opt = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay,
                                betas=(0.9, 0.95))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, n_steps, settings.warmup))
        autocast = torch.autocast(device, dtype=torch.bfloat16)
        return cls(torch, model, opt, sched, device, autocast, encoded, held_idx)

    def resume(self, ckpt: Path, fp: str) -> int:
        """Load the checkpoint when it is of this training (fingerprint `fp`); the step to go on from (0: none)."""
        if not ckpt.exists():
            return 0
        start_step = 0
        state = self.torch.load(ckpt, map_location=self.device, weights_only=False)
        if state.get("fingerprint") == fp:
            self.model.load_state_dict(state["model"])
            self.opt.load_state_dict(state["optimizer"])
            self.sched.load_state_dict(state["scheduler"])
            start_step, self.log, self.heldout = state["step"], state["log"], state["heldout"]
        del state
        return start_step

    def run(self, steps: list[list[int]], start_step: int, settings: TrainSettings, ckpt: Path, fp: str,
            progress: bool) -> int:
        """Take the optimizer steps from `start_step` on, evaluating and checkpointing as the settings say.

        Returns how many examples this session trained on.
        """
        bar = None
        if progress:
            bar = Progress(len(steps), "train", unit="step", initial=start_step)
        self.model.train()
        seen = 0
        if start_step == 0 and not self.heldout:
            self.evaluate(0)
        try:
            for step in range(start_step, len(steps)):
                batch = steps[step]
                total = self.step(batch)
                seen += len(batch)
                self.log.append({"step": step + 1, "loss": round(total, 5), "lr": self.sched.get_last_lr()[0]})
                last = step + 1 == len(steps)
                if (step + 1) % settings.eval_every == 0 or last:
                    self.evaluate(step + 1)
                if (step + 1) % settings.save_every == 0 and not last:
                    _save_checkpoint(ckpt, self.torch, self.model, self.opt, self.sched, step + 1, self.log,
                                     self.heldout, fp)
                if bar is not None:
                    held = f" held {self.heldout[-1]['loss']:.3f}" if self.heldout else ""
                    bar.update(1, note=f"loss {total:.3f}{held}")
        finally:
            if bar is not None:
                bar.close()
        return seen

    def step(self, batch: list[int]) -> float:
        """One optimizer step over `batch` (gradients accumulated, clipped to norm 1); its mean loss."""
        torch = self.torch
        total = 0.0
        for i in batch:
            ids, n = self.encoded[i]
            loss, _ = self.loss_of(ids, n)
            (loss / len(batch)).backward()
            total += loss.item() / len(batch)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.sched.step()
        self.opt.zero_grad(set_to_none=True)
        return total

    def loss_of(self, ids: list[int], n: int):
        """(cross-entropy over the last `n` tokens, how many of them the model predicts right)."""
        torch = self.torch
        x = torch.tensor([ids], device=self.device)
        with self.autocast:
            logits = self.model(input_ids=x, logits_to_keep=n + 1).logits[0, :-1].float()
        target = x[0, -n:]
        return torch.nn.functional.cross_entropy(logits, target), (logits.argmax(-1) == target).sum().item()

    def evaluate(self, step: int) -> None:
        """The held-out loss and token accuracy after `step` steps, appended to `heldout` (none held out: nothing)."""
        if not self.held_idx:
            return
        self.model.eval()
        total = correct = tokens = 0
        with self.torch.no_grad():
            for i in self.held_idx:
                ids, n = self.encoded[i]
                loss, ok = self.loss_of(ids, n)
                total += loss.item() * n
                correct += ok
                tokens += n
        self.model.train()
        self.heldout.append({"step": step, "loss": round(total / tokens, 5), "accuracy": round(correct / tokens, 5)})


def _save_checkpoint(path: Path, torch, model, opt, sched, step: int, log, heldout, fp: str) -> None:
    """Write the training state atomically (temp file, rename)."""
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                "step": step, "log": log, "heldout": heldout, "fingerprint": fp}, tmp)
    os.replace(tmp, path)


def _save_model(model, tok, student_path: str, model_dir: Path, settings: dict, torch) -> None:
    """bf16 weights + tokenizer + licence files + distill.json, in a temp folder renamed into place."""
    tmp = model_dir.with_name(model_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.config.use_cache = True
    model.to(torch.bfloat16)
    model.config.dtype = torch.bfloat16
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    src = Path(student_path)
    if src.is_dir():  # licence terms and notices travel with the weights
        for p in src.iterdir():
            if p.is_file() and p.suffix.lower() in (".html", ".md", ".txt") and not (tmp / p.name).exists():
                shutil.copy(p, tmp / p.name)
    (tmp / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    shutil.rmtree(model_dir, ignore_errors=True)
    os.replace(tmp, model_dir)


def plot_losses(log: list[dict], heldout: list[dict], path: Path) -> Path | None:
    """Training loss per step and held-out loss as a PNG; None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    if log:
        ax.plot([r["step"] for r in log], [r["loss"] for r in log], lw=1, alpha=0.6, label="train (per step)")
    if heldout:
        ax.plot([r["step"] for r in heldout], [r["loss"] for r in heldout], "o-", lw=2, label="held out")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss per answer token")
    ax.set_title("distillation: student loss on the teacher's kept answers")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _release_memory() -> None:
    """Give the freed training memory back to the system before the judge starts its engines."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
