"""Brains backed by vLLM engines running in this process (vLLM's CPU build here, CUDA on GPU hosts).

    prompt -> chat format (registry) -> token ids -> AsyncLLM.generate (+ JSON grammar) -> Reply(raw)

The raw text is returned exactly as generated; the model's output quirks (think blocks, harmony
channels) are handled by the one parse-and-repair layer (`engine.mind.parsing`, quirks from the registry).

`EnginePool` starts one `AsyncLLM` per distinct model once per game; every creature using that model
shares it, so the creatures' concurrent `decide()` calls are batched by the engine and different
models run side by side. A CPU model's `dtype = "auto"` is resolved for this processor
(`engine.models.hardware`); prefix caching is on, so the prompt's unchanging opening is read once.
Each engine measures its pace when it warms up (`engine.brains.pace`): a decision's deadline follows
from that pace, the prompt, the token limit and the batch, unless a timeout is given.

vLLM starts its engine cores as *spawned* child processes that write to the terminal on their own;
the pool starts them inside `engine.brains.processes` (child output and vLLM's logging go to one log
file, each engine gets its own CPU cores), so a full-screen TUI is never garbled. `close()` shuts
every engine down and leaves no child behind.

With `on_progress` a request streams (`RequestOutputKind.DELTA`): each step's new text is added to
what came before and reported as a `Progress`; the reply holds the same whole text a `FINAL_ONLY`
request returns, and the deadline covers the whole stream.

vLLM, torch and transformers are imported only inside `EnginePool.start()`.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from engine.brains.base import FaultKind, Progress, ProgressFn, Reply, report_progress
from engine.brains.pace import Pace, pace_key, remember
from engine.brains.processes import (
    EngineLog,
    cpu_masks,
    default_log_path,
    resource_tracker_running,
    route_vllm_logger,
    stop_resource_tracker,
    temporary_env,
)
from engine.core.answer import limit_schema
from engine.models.hardware import choose_dtype, cpu_info
from engine.models.registry import ModelSpec, Registry, load_registry

if TYPE_CHECKING:  # pragma: no cover
    from engine.mind.view import View

DEFAULT_TIMEOUT_S = 60.0
"""Seconds one decision may take when its engine has no measured pace (it always has one after
`start()`; this covers an engine whose warm-up failed)."""
WARM_UP_TOKENS = 16
"""Decode steps the warm-up times (after one step that times the prompt)."""
WARM_UP_PROMPT = " ".join(
    f"On day {n} the owl sold {n % 7 + 1} honey to the fox for {n % 5 + 3} pebbles at the market."
    for n in range(1, 21)
)
"""A fixed prompt of about 300 tokens (a real prompt's size) for the warm-up."""
GIB = 1 << 30
"""Bytes in a GiB."""

@dataclass
class _Engine:
    """One running model: its spec, its AsyncLLM and its tokenizer."""

    spec: ModelSpec
    """The registry entry it was built from."""
    llm: Any
    """The `vllm.v1.engine.async_llm.AsyncLLM`."""
    tokenizer: Any
    """The engine's tokenizer (chat template, encode)."""
    template: str | None
    """The registry's named template for this model, or None to use the tokenizer's chat template."""
    load_s: float
    """Seconds the engine took to start."""
    schema: dict | None = None
    """The JSON schema handed to structured outputs, when the registry asks for one."""
    dtype: str = ""
    """The dtype it serves in (a CPU "auto" resolved for this processor)."""
    dtype_why: str = ""
    """Why that dtype ("native bfloat16 (AMX)", "set in the registry", ...)."""
    pace: Pace | None = None
    """Its measured speed (None until warmed up, or when the warm-up failed)."""
    in_flight: int = 0
    """Requests it is working on now (the batch a new request joins)."""
    on_cpu: bool = False
    """Whether it runs on vLLM's CPU build (whose seeded requests need `_seeded_on_cpu`)."""
    prefill_gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held by a seeded request on a CPU engine until its first token (see `_seeded_on_cpu`)."""


@dataclass
class EnginePool:
    """One vLLM engine per distinct model, started once per game and shared by its creatures."""

    model_ids: Iterable[str]
    """The models to serve (duplicates are served once)."""
    registry: Registry | None = None
    """The model registry (the shipped one plus the user's when None)."""
    log_path: Path | None = None
    """File receiving the engines' stdout/stderr and vLLM's logging (default: `default_log_path()`)."""
    schema: dict | None = None
    """JSON schema for structured outputs (default: `engine.core.answer.answer_json_schema()`)."""
    engines: dict[str, _Engine] = field(default_factory=dict, init=False)
    """Running engines by model id."""

    def __post_init__(self) -> None:
        self.model_ids = list(dict.fromkeys(self.model_ids))
        self.registry = self.registry or load_registry()
        self.log_path = Path(self.log_path) if self.log_path else default_log_path()
        self._closed = False
        self._started_tracker = False
        self._building: dict[str, asyncio.Future] = {}
        self._log = EngineLog(self.log_path)

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self, progress: Callable[[str, float], None] | None = None) -> None:
        """Start every engine (models must be prepared); the event loop stays responsive meanwhile.

        Engines load side by side. A model that fails to start raises `RuntimeError` naming it
        (the engines that did start stay in the pool, so `close()` still cleans up).
        """
        say = progress or (lambda _msg, _frac: None)
        specs = [self.registry.get(mid) for mid in self.model_ids if mid not in self.engines]
        foreign = [s.id for s in specs if s.backend != "vllm"]
        if foreign:
            raise ValueError(f"not vLLM models (backend is not 'vllm'): {', '.join(foreign)}")
        if self.schema is None:
            from engine.core.answer import answer_json_schema

            self.schema = answer_json_schema()
        self._started_tracker = self._started_tracker or not resource_tracker_running()
        with self._log.capture():
            say("loading vLLM", 0.0)
            await asyncio.to_thread(_import_vllm)
            route_vllm_logger(self.log_path)
            builds: list[asyncio.Future] = []
            for spec, mask in zip(specs, cpu_masks(len(specs))):
                say(f"starting {spec.display_name}", 0.1)
                # AsyncLLM's constructor blocks until its engine is up: run it in a worker thread.
                # The engine core copies the environment when it is spawned, so the CPU binding of
                # this engine stays set until its process exists; then the next engine may start.
                known = set(multiprocessing.active_children())
                with temporary_env(VLLM_CPU_OMP_THREADS_BIND=mask):
                    build = asyncio.ensure_future(asyncio.to_thread(self._build, spec))
                    while not build.done() and not set(multiprocessing.active_children()) - known:
                        await asyncio.sleep(0.05)
                builds.append(build)
                self._building[spec.id] = build
            failures = []
            for done, spec in enumerate(specs, 1):
                try:
                    self.engines[spec.id] = await builds[done - 1]
                    say(f"{spec.display_name} ready", 0.1 + 0.9 * done / len(specs))
                except Exception as exc:  # noqa: BLE001 - reported below, naming the model
                    failures.append(f"{spec.id}: {type(exc).__name__}: {exc}".splitlines()[0])
                self._building.pop(spec.id, None)
        if failures:
            raise RuntimeError(f"engine failed to start ({'; '.join(failures)}); log: {self.log_path}")
        # Engines warm up side by side, as they will work in a turn; each measures its own pace.
        say("measuring the engines' pace", 0.95)
        await asyncio.gather(*(self._warm_up(self.engines[spec.id]) for spec in specs))
        say("engines ready", 1.0)

    async def _warm_up(self, engine: _Engine) -> None:
        """Time one prompt read and `WARM_UP_TOKENS` decode steps; keep the engine's `Pace`.

        The first request (one new token) times the prompt; the second (the same prompt, whose prefix
        is now cached, then `WARM_UP_TOKENS` + 1 steps) times decoding. A failure leaves `pace` None,
        so its decisions get `DEFAULT_TIMEOUT_S`.
        """
        from vllm import SamplingParams

        ids = list(engine.tokenizer.encode(WARM_UP_PROMPT))
        try:
            timings = []
            for n_new in (1, WARM_UP_TOKENS + 1):
                params = SamplingParams(temperature=0.0, max_tokens=n_new, ignore_eos=True)
                start = time.monotonic()
                async for _ in engine.llm.generate({"prompt_token_ids": ids}, params,
                                                   request_id=f"warm-{engine.spec.id}-{uuid.uuid4().hex[:8]}"):
                    pass
                timings.append(time.monotonic() - start)
        except Exception:  # noqa: BLE001 - a failed warm-up only loses the measured deadline
            logging.getLogger(__name__).exception("warming up %s", engine.spec.id)
            return
        step = timings[1] / (WARM_UP_TOKENS + 1)
        engine.pace = Pace(prefill_s_per_token=max(timings[0] - step, 0.0) / len(ids), step_s=step)
        remember(pace_key(engine.spec.id, engine.dtype, cpu_info().kind), engine.pace)

    def _build(self, spec: ModelSpec) -> _Engine:
        """registry entry -> AsyncEngineArgs -> AsyncLLM (blocking; runs in a thread)."""
        from vllm.config import StructuredOutputsConfig
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.platforms import current_platform
        from vllm.v1.engine.async_llm import AsyncLLM

        from engine.models.prepare import weights_path

        start = time.monotonic()
        model = weights_path(spec.id, self.registry)
        eng, so = spec.engine, spec.structured
        dtype, dtype_why = choose_dtype(eng.dtype, on_gpu=not current_platform.is_cpu())
        args = AsyncEngineArgs(
            model=model,
            served_model_name=[spec.id],
            revision=getattr(spec.weights, "revision", None),
            dtype=dtype,
            max_model_len=eng.max_model_len,
            quantization=eng.quantization,
            trust_remote_code=eng.trust_remote_code,
            gpu_memory_utilization=eng.gpu_memory_utilization,
            enforce_eager=eng.enforce_eager,
            max_num_seqs=eng.max_num_seqs,
            seed=eng.seed,
            enable_prefix_caching=eng.prefix_caching,
            disable_log_stats=True,
            structured_outputs_config=StructuredOutputsConfig(
                backend=so.backend,
                disable_any_whitespace=so.disable_any_whitespace,
                reasoning_parser=so.reasoning_parser or "",
            ),
        )
        if current_platform.is_cpu():
            # What VLLM_CPU_KVCACHE_SPACE sets, per engine instead of per process.
            args.kv_cache_memory_bytes = int(eng.cpu_kv_cache_gib * GIB)
        llm = AsyncLLM.from_engine_args(args)
        template = self.registry.templates[spec.chat.template] if spec.chat.kind == "template" else None
        schema = limit_schema(self.schema, so.max_array_items, so.max_string_length) if so.mode == "json_schema" else None
        return _Engine(spec, llm, llm.get_tokenizer(), template, time.monotonic() - start, schema,
                       dtype=dtype, dtype_why=dtype_why, on_cpu=current_platform.is_cpu())

    async def close(self) -> None:
        """Shut every engine down and wait for its child processes to exit. Safe to call twice."""
        # An engine still being built (a start interrupted by Ctrl-C or SIGTERM) cannot be stopped half
        # way: wait for it, then shut it down with the others, or its processes outlive this one.
        building, self._building = self._building, {}
        for mid, build in building.items():
            try:
                self.engines.setdefault(mid, await build)
            except BaseException:  # noqa: BLE001 - it failed to start: nothing to shut down
                pass
        engines, self.engines = list(self.engines.values()), {}
        self._closed = True
        for engine in engines:
            try:
                await asyncio.to_thread(engine.llm.shutdown, 30)
            except Exception:  # noqa: BLE001 - closing must finish
                logging.getLogger(__name__).exception("shutting down %s", engine.spec.id)
            # AsyncLLM.__del__ shuts down again; at interpreter exit that fails noisily on stderr.
            engine.llm.shutdown = _already_shut_down
        if self._started_tracker:
            stop_resource_tracker()
        self._log.restore_warnings()

    @property
    def load_seconds(self) -> dict[str, float]:
        """Seconds each engine took to start, by model id."""
        return {mid: e.load_s for mid, e in self.engines.items()}

    @property
    def paces(self) -> dict[str, Pace | None]:
        """Each engine's measured pace, by model id."""
        return {mid: e.pace for mid, e in self.engines.items()}

    @property
    def dtypes(self) -> dict[str, str]:
        """The dtype each engine serves in, and why, by model id ("float32 (no native bfloat16 ...)")."""
        return {mid: f"{e.dtype} ({e.dtype_why})" for mid, e in self.engines.items()}

    def deadline_s(self, model_id: str, prompt_tokens: int, batch: int = 1) -> float:
        """Seconds a decision of `model_id` may take: from the engine's measured pace, else the default."""
        engine = self.engines.get(model_id)
        if engine is None or engine.pace is None:
            return DEFAULT_TIMEOUT_S
        return engine.pace.deadline_s(prompt_tokens, engine.spec.sampling.max_tokens, batch)

    # -- one request --------------------------------------------------------------------------------

    async def generate(self, model_id: str, prompt: str, timeout_s: float | None = None,
                       schema: dict | None = None, on_progress: ProgressFn | None = None,
                       seed: int | None = None, avoid: Iterable[str] = ()) -> Reply:
        """prompt -> chat format -> engine -> Reply; every failure is a fault, never raised.

        `timeout_s` None: the deadline follows from the engine's measured pace, the prompt's length,
        the token limit and the requests already in flight on the engine (`deadline_s`).
        `on_progress`: stream the answer, reporting it as it is written (the reply is the same).
        `seed`: sample from this request's own generator seeded so (None: the engine's shared one).
        `avoid`: phrases the answer may not write (vLLM's `bad_words`; `engine.mind.echo`), where the
        registry entry's `sampling.echo_guard` is on.
        """
        start = time.monotonic()

        def fault(why: str, kind: FaultKind) -> Reply:
            return Reply(raw="", model=model_id, latency_s=time.monotonic() - start, fault=why, fault_kind=kind)

        engine = self.engines.get(model_id)
        if engine is None:
            return fault("engine closed" if self._closed else f"no engine for {model_id} (pool not started?)",
                         "engine_dead")
        if engine.llm.errored:
            return fault(f"engine dead: {engine.llm.dead_error}", "engine_dead")
        engine.in_flight += 1
        try:
            # prompt -> token ids (the registry's chat format)
            prompt_ids = _encode(engine, prompt)
            # token ids -> deadline (given, or from the measured pace and the batch it joins)
            if timeout_s is None:
                timeout_s = self.deadline_s(model_id, len(prompt_ids), engine.in_flight)
            # token ids -> engine (batched with every other request in flight)
            request = (_seeded_on_cpu if seed is not None and engine.on_cpu else _run)
            avoid = list(avoid) if engine.spec.sampling.echo_guard else []
            text, n_tokens = await asyncio.wait_for(
                request(engine, prompt_ids, schema, on_progress, start, seed, avoid), timeout_s)
        except asyncio.TimeoutError:
            return fault(f"timeout after {timeout_s:.0f} s", "timeout")
        except Exception as exc:  # noqa: BLE001 - a brain never raises into the turn
            return fault(f"{type(exc).__name__}: {exc}".splitlines()[0][:300], "server_error")
        finally:
            engine.in_flight -= 1
        # raw text -> Reply (think blocks and harmony channels are the parser's job: engine.mind.parsing)
        return Reply(raw=text, model=model_id, latency_s=time.monotonic() - start, tokens=n_tokens)

@dataclass
class VLLMBrain:
    """A creature's brain: one model in a shared `EnginePool`."""

    model: str
    """The model id (a registry key), shown on the scoreboard."""
    pool: EnginePool
    """The pool holding this model's engine."""
    timeout_s: float | None = None
    """Seconds one decision may take before it becomes a fault (None: from the engine's measured pace)."""
    streams: bool = True
    """It can report its answer as it is written (see `EnginePool.generate`)."""
    seeded: bool = True
    """It can sample from a seed given with the request (`decide`'s `seed`)."""

    async def decide(self, view: "View", prompt: str, on_progress: ProgressFn | None = None,
                     seed: int | None = None) -> Reply:
        """Send the prompt to the model (constrained to this creature's answer schema where the
        registry asks for structured outputs) and return what it wrote (or a fault); with
        `on_progress` the answer streams; with `seed` it samples from that seed."""
        from engine.mind.echo import echo_phrases
        from engine.mind.prompt import answer_schema

        schema = answer_schema(view) if view is not None else None
        avoid = echo_phrases(view) if view is not None else []
        return await self.pool.generate(self.model, prompt, self.timeout_s, schema, on_progress, seed, avoid)

    async def close(self) -> None:
        """Nothing to release: the pool owns the engine and the game closes the pool."""


# -- the pipeline stages ---------------------------------------------------------------------------


def _encode(engine: _Engine, prompt: str) -> list[int]:
    """prompt -> token ids, through the registry's named template or the tokenizer's chat template."""
    tok = engine.tokenizer
    if engine.template is not None:
        text = engine.template.replace("{prompt}", prompt)
        return list(tok.encode(text))
    text = tok.apply_chat_template(
        [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
    )
    # The chat template already holds BOS and friends.
    return list(tok.encode(text, add_special_tokens=False))


async def _run(engine: _Engine, prompt_ids: list[int], schema: dict | None = None,
               on_progress: ProgressFn | None = None, started: float | None = None,
               seed: int | None = None, avoid: list[str] | None = None) -> tuple[str, int]:
    """token ids -> (text, new tokens), with the registry's sampling and grammar.

    `schema` (a view-specific answer schema) replaces the engine's default one for this request; the
    registry's caps on list and string sizes apply to it as well. With `on_progress` the request
    streams (DELTA outputs, joined here; `started` is when the decision was asked for). `seed` gives
    the request its own random generator (vLLM's per-request `SamplingParams.seed`). `avoid`: phrases
    the answer may not write (`SamplingParams.bad_words`).
    """
    from vllm import SamplingParams
    from vllm.sampling_params import RequestOutputKind, StructuredOutputsParams

    spec = engine.spec
    so = spec.structured
    structured = None
    if so.mode == "json_schema":
        if schema is not None:
            schema = limit_schema(schema, so.max_array_items, so.max_string_length)
        structured = StructuredOutputsParams(json=schema or engine.schema)
    elif so.mode == "regex":
        structured = StructuredOutputsParams(regex=so.regex)
    params = SamplingParams(
        temperature=spec.sampling.temperature,
        top_p=spec.sampling.top_p,
        max_tokens=spec.sampling.max_tokens,
        repetition_penalty=spec.sampling.repetition_penalty,
        frequency_penalty=spec.sampling.frequency_penalty,
        seed=seed,
        bad_words=avoid or None,
        skip_special_tokens=spec.quirks.skip_special_tokens,
        structured_outputs=structured,
        output_kind=RequestOutputKind.FINAL_ONLY if on_progress is None else RequestOutputKind.DELTA,
    )
    request = ({"prompt_token_ids": prompt_ids}, params)
    request_id = f"{spec.id}-{uuid.uuid4().hex[:12]}"
    if on_progress is not None:
        return await _stream(engine, request, request_id, on_progress,
                             time.monotonic() if started is None else started)
    final = None
    async for out in engine.llm.generate(*request, request_id=request_id):
        final = out
    if final is None or not final.outputs:
        raise RuntimeError("engine returned no output")
    completion = final.outputs[0]
    return completion.text, len(completion.token_ids)


async def _seeded_on_cpu(engine: _Engine, prompt_ids: list[int], schema: dict | None,
                         on_progress: ProgressFn | None, started: float, seed: int,
                         avoid: list[str] | None = None) -> tuple[str, int]:
    """A seeded request on a CPU engine, admitted only when no other seeded request is reading its prompt.

    vLLM 0.32's CPU build kills the engine ("CPU Generator does not use offset") when a seeded request's
    prompt is read over two steps: it then rewinds the request's generator, which a CPU generator cannot
    do. A prompt is split when several arrive together and overflow the step's token budget; one at a time,
    each fits. So the request holds the engine's `prefill_gate` until its first token (it streams, which
    reports that moment; the text is the same) and then decodes in the batch as usual.
    """
    first_token = asyncio.Event()

    def heard(progress: Progress) -> None:
        first_token.set()
        report_progress(on_progress, progress)

    async with engine.prefill_gate:
        task = asyncio.ensure_future(_run(engine, prompt_ids, schema, heard, started, seed, avoid))
        waiter = asyncio.ensure_future(first_token.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()
            raise
        finally:
            waiter.cancel()
    try:
        return await task
    finally:
        task.cancel()  # nothing when it is done; stops the request when the caller gave up on it


async def _stream(engine: _Engine, request: tuple, request_id: str, on_progress: ProgressFn,
                  started: float) -> tuple[str, int]:
    """A DELTA request -> (the whole text, new tokens), reporting each step's progress.

    Each output holds only what is new since the last (vLLM joins outputs a slow reader missed), so
    the pieces joined are the text a FINAL_ONLY request returns.
    """
    pieces: list[str] = []
    n_tokens, seen = 0, False
    max_tokens = engine.spec.sampling.max_tokens
    for_step = engine.pace.step_s * max(engine.in_flight, 1) if engine.pace is not None else None
    async for out in engine.llm.generate(*request, request_id=request_id):
        if not out.outputs:
            continue
        seen = True
        delta = out.outputs[0]
        pieces.append(delta.text)
        n_tokens += len(delta.token_ids)
        left = None if for_step is None else max(max_tokens - n_tokens, 0) * for_step
        report_progress(on_progress, Progress(n_tokens, time.monotonic() - started, "".join(pieces),
                                              max_tokens, left))
    if not seen:
        raise RuntimeError("engine returned no output")
    return "".join(pieces), n_tokens


# -- loading and unloading vLLM --------------------------------------------------------------------


def _import_vllm() -> None:
    """Import vLLM (slow: torch, transformers) with its logging pointed at the engine log."""
    import vllm  # noqa: F401


def _already_shut_down(*_args: Any, **_kwargs: Any) -> None:
    """Stands in for `AsyncLLM.shutdown` once the pool has shut the engine down."""
