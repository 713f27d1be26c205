"""The one error type of the measurement layer."""

from __future__ import annotations


class EvalError(ValueError):
    """A request the measurement layer cannot carry out; the message names the bad value or file."""


class ModelsNotReady(EvalError):
    """The council's models cannot run here (not prepared, no vLLM, an engine that would not start):
    the request was right, the machine could not carry it out (exit status 1, not 2)."""
