"""A footer rebuilt only when the keys it shows change.

Textual's `Footer` rebuilds every key widget whenever the screen's bindings may have changed: on every
screen switch and every focus change. With the board's thirty-odd keys that rebuild was most of the
time it took to open or close the inspector (a few hundred ms on a busy 2-core machine), and the
board's footer was rebuilt too while hidden under the inspector. This one compares what it would show
with what it shows and keeps its widgets when they are the same, and waits while its screen is hidden.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """Textual's footer, recomposed only when the keys it would show differ from the ones it shows."""

    _shown: tuple | None = None
    """What the keys looked like when it last composed them (None: not composed yet)."""

    def keys(self) -> tuple:
        """What the footer would show now: every active binding, whether enabled, its tooltip, the key names."""
        return tuple((key, b.key, self.app.get_key_display(b), b.description, b.action, b.show, enabled, tooltip,
                      b.group.description if b.group else None)
                     for key, (_, b, enabled, tooltip) in self.screen.active_bindings.items())

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self.keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        """Textual's footer: recompose after the next refresh; this one only when the keys changed by then."""
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        front = self.app.screen
        if self._shown is not None and ((front is not self.screen and not front.is_modal) or self.keys() == self._shown):
            return  # hidden behind a whole screen (checked again when it comes back), or the same keys
        await self.recompose()
