"""Brains: everything that can decide a trader's turn. They sit at the engine's edge.

Every brain implements `Brain` (see `base.py`): the game hands it the trader's view and the exact
prompt built from that view (already scanned by the firewall) and gets back a `Reply` holding raw text.
All raw text, scripted or from a model, goes through the same parse-and-repair layer.
"""
