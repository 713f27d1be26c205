"""The one error type of the measurement layer."""

from __future__ import annotations


class EvalError(ValueError):
    """A request the measurement layer cannot carry out; the message names the bad value or file."""
