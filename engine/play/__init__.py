"""Playing seasons: the game loop, headless seasons, saves, councils, traces and telemetry.
The layer where files and clocks come in.
"""
