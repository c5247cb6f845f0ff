"""The main screen's footer: Textual's ``Footer``, rebuilt only when the keys it shows change.

Textual's footer rebuilds itself (removes its key widgets, composes and mounts new ones, and lays
the screen out again: about 15 ms at 100,000 papers) every time the screen says its bindings may
have changed -- two or three times per focus change, so on every ``/`` and ``escape``, and that
work spilled into the first keystroke typed into the search bar. Here it rebuilds only when what
it would show differs from what it shows.

And each rebuild leaked the removed key widgets: each one watches the footer's ``compact``
reactive (``data_bind``), and Textual drops such watchers only when the watched value changes,
which ``compact`` never does (Textual issue #6666). Every ``/`` kept a dozen dead widgets alive,
which every full pass of the garbage collector then walked: its pauses grew the longer one read.
``compose`` drops them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """A ``Footer`` that recomposes only when its keys change, without leaking the old ones."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: What the last ``compose`` showed (``_keys_shown``), or ``None`` before the first.
        self._composed: tuple | None = None

    def _keys_shown(self, screen: Screen) -> tuple:
        """Everything ``compose`` draws from: the shown bindings (with their enabled state and
        tooltip), the command palette's, and whether that one is shown."""
        shown = tuple((binding, enabled, tooltip)
                      for _, binding, enabled, tooltip in screen.active_bindings.values()
                      if binding.show)
        palette = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return shown, palette, self.show_command_palette, self.compact

    def bindings_changed(self, screen: Screen) -> None:
        if self._composed is not None and screen is self.screen \
                and self._keys_shown(screen) == self._composed:
            return  # the same keys: nothing to rebuild
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        self._forget_removed_keys()
        if self._bindings_ready:
            self._composed = self._keys_shown(self.screen)
        yield from super().compose()

    def _forget_removed_keys(self) -> None:
        """Drop the ``compact`` watchers of key widgets no longer in the footer (see the module
        docstring). Textual keeps them in the watched object's ``__watchers`` and has no public
        way to remove them; on a Textual that prunes them itself this finds nothing to drop."""
        watchers = getattr(self, "__watchers", {}).get("compact")
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if node.is_attached]
