"""The rules core: scenario, state, market, turn resolution, economy, the Patron's dealings, the
magistrate, legends, sentiment, canaries. Pure: it imports only itself, the standard library and
pydantic, and does no I/O (tests/test_architecture.py holds it to that).
"""
