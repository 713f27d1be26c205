"""The app's saves: the save and load dialogs, quick save, and the autosave line printed on quitting.

    s / ctrl+s -> SaveScreen(save_to) | quicksave.json -> Session.save -> GameSaved
    l          -> LoadScreen(load_from)                -> Session.load -> GameLoaded (the brains wake
                                                                          again for another council)

Both are refused, with a note, while a turn runs: a save never holds half a turn.
"""

from __future__ import annotations

from pathlib import Path

from tokenwood_tui.app_parts.host import AppHost
from tokenwood_tui.messages import GameLoaded, GameSaved
from tokenwood_tui.screens.ending import EndScreen
from tokenwood_tui.screens.pauses import FailedScreen
from tokenwood_tui.screens.saves import LoadScreen, SaveScreen
from tokenwood_tui.widgets.record import RecordPanel
from tokenwood_tui.widgets.tables import CreaturesPanel

DECIDING = "the traders are still deciding: wait for the turn to end"
"""Why a save or a load waits."""


class SavesPart(AppHost):
    """Saving and loading games."""

    def _busy(self) -> bool:
        if self.turn_running:
            self.notify("The traders are still deciding: wait for the turn to end.", severity="warning")
            return True
        return False

    def save_to(self, path: Path) -> str | None:
        """Save the game to `path`; returns why it failed, or None."""
        if self.turn_running:
            return DECIDING
        from engine.play.saves import SaveError
        try:
            written = self.session.save(path)
        except SaveError as err:
            return str(err)
        self.post_message(GameSaved(str(written)))
        return None

    def action_save(self) -> None:
        """Open the save dialog."""
        if self._busy():
            return
        turn = self.session.state.public.turn
        self.push_screen(SaveScreen(self.session.saves_dir, f"turn-{turn:02d}", self.save_to))

    def action_quick_save(self) -> None:
        """Save to quicksave.json at once."""
        if self._busy():
            return
        why = self.save_to(self.session.saves_dir / "quicksave.json")
        if why:
            self.notify(f"Not saved: {why}", severity="error")

    def on_game_saved(self, message: GameSaved) -> None:
        self.notify(f"Saved to {message.path}", timeout=3)

    def action_load(self) -> None:
        """Open the load dialog."""
        if self._busy():
            return
        if isinstance(self.screen, (EndScreen, FailedScreen)):
            self.pop_screen()
        self.push_screen(LoadScreen(self.session.saves_dir, self.load_from))

    def load_from(self, path: Path) -> str | None:
        """Load a save in place of the game; returns why it failed (the game unchanged), or None."""
        if self.turn_running:
            return DECIDING
        from engine.play.saves import SaveError
        try:
            rewake = self.session.load(path)
        except SaveError as err:
            return str(err)
        self.post_message(GameLoaded(str(path), self.session.state.public.turn))
        if rewake:
            self.wake_brains()
        return None

    def on_game_loaded(self, message: GameLoaded) -> None:
        self._set_auto(False)
        self._end_shown = False
        self.board_screen.query_one(RecordPanel).reset()
        self.board_screen.query_one(CreaturesPanel).clear_status()
        self.refresh_board()
        self._idle_activity()
        self.notify(f"Loaded {message.path} (turn {message.turn})", timeout=3)
        if self.screen is self.board_screen:
            self._maybe_end()

    def _autosave_farewell(self) -> str:
        """Autosave on the way out; the line saying where the game is (or why it is not saved)."""
        try:
            done = self.session.autosave()
        except Exception as err:  # the player is leaving: say it, do not trap them
            return f"tokenwood: could not autosave: {err}"
        if done is None:
            return ""  # no turn was played: nothing to save, and the autosave there stays as it was
        kept = "".join(f"; the other game that was there is kept in {p}" for p in self.session.kept_aside)
        return f"tokenwood: the game is saved in {done.path}{kept}"
