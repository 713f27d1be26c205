"""Thousand Token Wood's command line and terminal UI. Renders engine state; never reaches inside it."""
