"""Thousand Token Wood's engine: the rules core, the brains at its edge, saves and traces.

The rules core (scenario, state, market, turn resolution) does no I/O and imports no model library.
"""
