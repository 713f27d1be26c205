"""The app's size check: below `MIN_SIZE` a "make the window larger" screen stands in for the game.

    resize -> check_size -> TooSmallScreen pushed (or told the new size) | popped, and the game resumes

When the window is large enough again the waking screen goes too if the brains woke meanwhile, and
the season's end shows if it came.
"""

from __future__ import annotations

from textual import events

from tokenwood_tui.app_parts.host import AppHost
from tokenwood_tui.screens.pauses import TooSmallScreen

MIN_SIZE = (120, 36)
"""The smallest terminal the board fits in (columns, rows)."""


class SizePart(AppHost):
    """Keeps the game off a window too small for the board."""

    min_size: tuple[int, int]
    """The smallest window the board is shown in (columns, rows)."""
    _too_small: TooSmallScreen | None
    """The 'make the window larger' screen while it is up."""

    def on_resize(self, event: events.Resize) -> None:
        if self.board_screen.is_attached:
            self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int | None = None, height: int | None = None) -> None:
        """Put up (or take down) the 'make the window larger' screen."""
        w, h = (width, height) if width is not None and height is not None else self.size
        small = w < self.min_size[0] or h < self.min_size[1]
        if small and self._too_small is None:
            self._too_small = TooSmallScreen(self.min_size)
            self.push_screen(self._too_small)
        elif small:
            if self._too_small.is_mounted:
                self._too_small.update_size(w, h)
        elif self._too_small is not None:
            if self.screen is self._too_small:
                self.pop_screen()
            self._too_small = None
            if self._waking is not None and self.session.ready and self.screen is self._waking:
                self.pop_screen()
                self._waking = None
            self._maybe_end()

    @property
    def too_small(self) -> bool:
        """Whether the 'make the window larger' screen is up."""
        return self._too_small is not None
