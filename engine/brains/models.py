"""Model brains for a council: registry entries -> engines or servers -> one brain per creature.

    council (creature -> model id) -> registry specs -> EnginePool (vllm) / OpenAIBrain (openai)
                                   -> brains, parser quirks, a handle that closes everything

Engines are started once per game; creatures on the same model share one engine, so their requests
are batched together, and different models run side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from engine.brains.base import Brain
from engine.mind.parsing import Quirks


class ModelsUnavailable(RuntimeError):
    """A council names a model this machine cannot serve; the message says why and how to fix it."""


def parse_quirks(spec) -> Quirks:
    """The parser's quirks for a registry entry (think blocks are always stripped when present)."""
    return Quirks(strip_think=True, harmony=spec.quirks.harmony)


@dataclass
class ModelHandle:
    """What a council's model brains hold open: the engine pool and the HTTP brains."""

    pool: object | None = None
    """The `EnginePool` of in-process vLLM engines, if any."""
    http_brains: list = field(default_factory=list)
    """OpenAI-compatible brains (each closes its own client)."""

    async def close(self) -> None:
        """Shut every engine and client down (safe to call twice)."""
        for b in self.http_brains:
            await b.close()
        self.http_brains = []
        if self.pool is not None:
            await self.pool.close()


OPENAI_TIMEOUT_S = 60.0
"""Seconds a decision by an OpenAI-compatible server may take unless `--answer-timeout` says."""
GPU_HEADROOM = 0.95
"""The most of one GPU's memory all of a council's engines may reserve together."""


def plan_gpu(specs: dict, total_gib: float | None) -> list[str]:
    """Check a council's GPU memory shares before any engine starts; return the problems, with numbers.

    Each local engine reserves `gpu_memory_utilization` of the GPU; together they must stay within
    GPU_HEADROOM.
    """
    if total_gib is None:
        return []
    local = {mid: s for mid, s in specs.items() if s.backend == "vllm"}
    shares = {mid: s.engine.gpu_memory_utilization for mid, s in local.items()}
    problems = []
    total_share = sum(shares.values())
    if total_share > GPU_HEADROOM:
        listing = ", ".join(f"{mid} {share:.2f} ({share * total_gib:.1f} GiB)" for mid, share in shares.items())
        problems.append(f"the council's engines would reserve {total_share:.2f} of the GPU "
                        f"({total_share * total_gib:.1f} of {total_gib:.1f} GiB; at most {GPU_HEADROOM:.2f}): "
                        f"{listing}; lower gpu_memory_utilization in models.toml or choose a smaller council")
    return problems


def check_available(models: list[str], registry) -> None:
    """Raise `ModelsUnavailable` naming each model that is not ready here, and why (a server's model:
    the variable its API key is read from is not set)."""
    from engine.models.prepare import available
    from engine.models.registry import RegistryError, api_key

    problems = []
    for mid in models:
        spec = registry.get(mid)
        if spec.backend == "openai":
            try:
                api_key(spec)
            except RegistryError as err:
                problems.append(str(err))
            continue
        ok, why = available(mid, registry)
        if not ok:
            problems.append(f"{mid}: {why}")
    if problems:
        raise ModelsUnavailable("models not ready: " + "; ".join(problems)
                                + " (run `tokenwood models prepare`, or `tokenwood doctor`)")


async def start_model_brains(council: dict[str, str], models: list[str], *, registry=None,
                             progress: Callable[[str, float], None] | None = None,
                             timeout_s: float | None = None) -> tuple[dict[str, Brain], dict[str, Quirks], ModelHandle]:
    """Start what the council's models need and return (brains by creature, quirks by model, handle).

    `timeout_s` bounds every decision; None lets each vLLM engine's measured pace set the deadline
    (and gives a remote server `OPENAI_TIMEOUT_S`, since its pace cannot be measured from here).
    """
    from engine.models.registry import RegistryError, load_registry

    registry = registry or load_registry()
    try:
        specs = {mid: registry.get(mid) for mid in models}
    except RegistryError as err:
        raise ModelsUnavailable(str(err)) from None
    check_available(models, registry)
    from engine.models.hardware import gpu_total_gib

    problems = plan_gpu(specs, gpu_total_gib())
    if problems:
        raise ModelsUnavailable("; ".join(problems))
    handle = ModelHandle()
    brains: dict[str, Brain] = {}
    local = [mid for mid, s in specs.items() if s.backend == "vllm"]
    if local:
        from engine.brains.vllm import EnginePool, VLLMBrain

        handle.pool = EnginePool(local, registry=registry)
        try:
            await handle.pool.start(progress)
        except BaseException:
            await handle.pool.close()
            raise
        for creature, mid in council.items():
            if mid in local:
                brains[creature] = VLLMBrain(mid, handle.pool, timeout_s)
    from engine.brains.openai_compat import OpenAIBrain

    for creature, mid in council.items():
        if mid in specs and specs[mid].backend == "openai":
            brain = OpenAIBrain(specs[mid], registry, timeout_s=timeout_s or OPENAI_TIMEOUT_S)
            handle.http_brains.append(brain)
            brains[creature] = brain
    return brains, {mid: parse_quirks(s) for mid, s in specs.items()}, handle
