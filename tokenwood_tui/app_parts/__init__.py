"""The terminal UI's app, in parts: each part is one thing the app does (see `host.AppHost`)."""
