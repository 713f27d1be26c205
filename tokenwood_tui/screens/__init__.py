"""The app's screens: the board, the inspector, dialogs, and the screens that end or pause a game."""
