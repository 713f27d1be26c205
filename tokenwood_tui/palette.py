"""The command palette (ctrl+p): every action of the game, searchable by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tokenwood_tui.moves import FORMS
from tokenwood_tui.widgets.record import FILTERS

ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Step one turn", "Play the next turn (space)", "step"),
    ("Toggle auto-play", "Play turns one after another (a)", "auto"),
    ("Auto-play faster", "Shorter pause between turns (+)", "faster"),
    ("Auto-play slower", "Longer pause between turns (-)", "slower"),
    ("Open the inspector", "Prompts, raw answers, repairs and refusals (i)", "inspect"),
    ("Save the game", "Choose a name (s)", "save"),
    ("Quick save", "Save to saves/quicksave.json (ctrl+s)", "quick_save"),
    ("Load a game", "Pick a save (l)", "load"),
    ("Help and rules", "Keys and the rulebook (?)", "help"),
    ("Quit", "Autosave and leave (q)", "quit"),
    *((f"Desk: {form.title.lower()}", f"{form.help} ({form.key})", f"move('{kind}')") for kind, form in FORMS.items()),
    *((f"Show {k} events" if k != "all" else "Show every event", "Filter the public record (f)",
       f"filter('{k}')") for k in FILTERS),
)
"""(title, help, app action) for every command."""


class WoodCommands(Provider):
    """Every game action in the command palette."""

    def _usable(self):
        app = self.app
        for title, help, action in ACTIONS:
            name = action.split("(", 1)[0]
            if not app.action_allowed(name, self.screen):
                continue
            yield title, help, action

    async def discover(self) -> Hits:
        for title, help, action in self._usable():
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help, action in self._usable():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action), help=help)
