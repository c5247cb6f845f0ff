"""The Textual application and ``create_app``, the one factory the CLI, tests and screenshots use.

``create_app`` does no heavy work beyond building the search index (and accepts a prebuilt one,
e.g. from a cache), so the time to first paint is the library load plus one index build. The app
itself is thin: it holds the library, the store and the index, shows ``MainScreen``, offers every
action in the command palette (``ctrl+p``), and remembers the theme the user picks.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from paperterm import loader, sync
from paperterm.library import Library
from paperterm.safe_text import visible, visible_lines
from paperterm.loader import IndexHandle, RestOfLibrary
from paperterm.search import SearchIndex
from paperterm.state import MarkerStore
from paperterm.tui.keys import MAIN_BINDINGS, bound_keys
from paperterm.tui.main_screen import MainScreen
from paperterm.tui.screens.help import key_display

THEME_SETTING = "tui.theme"
DEFAULT_THEME = "textual-dark"
#: Name of the worker that warms the search index up after the first paint.
WARM_WORKER = "paperterm-warm-index"
#: The background sync (``paperterm.sync``): on start, then every ``SYNC_EVERY`` seconds; the CLI
#: syncs once more after the reader closes.
SYNC_WORKER = "paperterm-sync"
SYNC_EVERY = 180.0


class PapertermCommands(Provider):
    """The command palette's entries: paperterm's own actions first, in the order of the key
    table (each once, its key beside it), then Textual's (theme, keys, screenshot, quit)."""

    def _commands(self) -> list[SystemCommand]:
        app = self.app
        assert isinstance(app, PapertermApp)
        return [*app.paperterm_commands(), *App.get_system_commands(app, self.screen)]

    async def discover(self) -> Hits:
        for title, help_text, callback, discover in self._commands():
            if discover:
                yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        commands = self._commands()
        for n, (title, help_text, callback, _) in enumerate(commands):
            score = matcher.match(title)
            if score > 0:
                # Equal scores keep the palette's order: ours before Textual's.
                yield Hit(score - n * 1e-6, matcher.highlight(title), callback, help=help_text)


class PapertermApp(App[None]):
    """The paperterm reader over one library and one marker store."""

    CSS_PATH = "paperterm.tcss"
    COMMANDS = {PapertermCommands}
    TITLE = "paperterm"

    def __init__(self, library: Library, store: MarkerStore, index: IndexHandle | None = None,
                 *, keymap: Mapping[str, str] | None = None, theme: str | None = None,
                 owns_store: bool = False, paths: Sequence[Path | str] | None = None,
                 rest: RestOfLibrary | None = None) -> None:
        super().__init__()
        self.library = library
        #: The rest of a first start's library while it loads (``loader.open_for_reader``).
        self.rest = rest
        #: What the library was opened from: F (fetch) re-opens these plus the fetched day files.
        self.paths = [Path(p) for p in paths] if paths is not None else None
        self.store = store
        self.owns_store = owns_store
        self.index = index if index is not None else SearchIndex(library.papers)
        saved = _get(store, THEME_SETTING)
        chosen = theme or saved or DEFAULT_THEME
        self.theme = chosen if chosen in self.available_themes else DEFAULT_THEME
        self._theme_ready = True
        if keymap:
            self.set_keymap(dict(keymap))

    @property
    def keymap(self) -> dict[str, str]:
        """The keymap in effect (binding id -> keys), as ``set_keymap``/``update_keymap`` left it.
        Textual has no public getter for it: this is the one place that reads ``App._keymap``."""
        return dict(self._keymap)

    def notify(self, message: str, *, title: str = "", **kwargs):  # type: ignore[override]
        """Every notification (widgets' and screens' ``notify`` come here) with its control
        characters shown as pictures: messages quote titles, URLs, paths and error text."""
        return super().notify(visible_lines(message), title=visible(title), **kwargs)

    def get_default_screen(self) -> Screen:
        return MainScreen(self.library, self.store, self.index, self.rest)

    @property
    def main_screen(self) -> MainScreen:
        return self.get_screen("main") if self.is_screen_installed("main") else self.screen_stack[0]

    def on_load(self) -> None:
        # Everything loaded so far (the library and its index) lives as long as the app. Python's
        # cyclic garbage collector would otherwise re-scan it all on every full pass -- a pause
        # of a quarter of a second at 100,000 papers, felt as a stutter while typing -- and, as
        # the loader made it with the collector paused, the very first pass (while the screen is
        # built) would scan every object of it: about 50 ms of a cached start. Freezing moves
        # them out of the collector's sight at no cost; the widgets follow after the first paint.
        gc.freeze()

    def on_mount(self) -> None:
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        gc.freeze()
        if self.main_screen.rest is None:  # else once the whole library is here
            self.warm_index()
        self.start_sync()
        self.set_interval(SYNC_EVERY, self.start_sync)

    def warm_index(self) -> None:
        """Get the index ready off the UI thread: read it (a cached start) or wait for it (a
        first start), then build its lazily made parts (prebuilt hits: 200,000 objects at
        100,000 papers), so the first keystrokes pay for none of it; and freeze those too once
        they are there (``on_worker_state_changed``)."""
        self.run_worker(self._warm_index, thread=True, name=WARM_WORKER, group=WARM_WORKER,
                        exclusive=True, exit_on_error=False)

    def start_sync(self) -> None:
        """Sync in a worker thread (its own store connection) unless one is running. Without a
        sync folder set, the worker finds none and nothing is shown. Triage never waits for it:
        merged markers are shown when it is done (``on_worker_state_changed``)."""
        if any(w.name == SYNC_WORKER and not w.is_finished for w in self.workers):
            return
        self.run_worker(partial(sync.sync_once, self.store.path), thread=True, name=SYNC_WORKER,
                        group=SYNC_WORKER, exit_on_error=False)

    def _sync_done(self, outcome) -> None:
        result, error = outcome if outcome is not None else (None, "sync failed")
        if result is None and error is None:
            return  # no sync folder set
        main = self.main_screen
        problem = bool(error or result.problems)
        main.show_sync_status(sync.status_text(result, error, time.time()), problem)
        if result is not None and result.changed:
            main.reload_markers(result.changed)
        if result is not None and result.conflicts:
            n = len(result.conflicts)
            self.notify(f"Sync: {n} note{'s were' if n > 1 else ' was'} edited on two machines; "
                        "both texts are kept in the note.", severity="warning", timeout=10)

    def _warm_index(self) -> None:
        index = self.index
        worker = get_current_worker()
        while not index.ready:  # a PendingIndex: wait, but stay cancellable
            if worker.is_cancelled:
                return
            try:
                index.wait(timeout=0.25)
            except TimeoutError:
                continue
        index = index.wait()
        if not worker.is_cancelled:
            index.warm()

    def on_app_focus(self) -> None:
        """Back in this terminal: catch up at once with what another window changed."""
        main = self.screen_stack[0] if self.screen_stack else None
        if isinstance(main, MainScreen):
            main.check_outside_changes()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == WARM_WORKER and event.state == WorkerState.SUCCESS:
            gc.freeze()  # on the UI thread, and only after the warm-up finished
        elif event.worker.name == SYNC_WORKER and event.state in (WorkerState.SUCCESS,
                                                                   WorkerState.ERROR):
            self._sync_done(event.worker.result if event.state == WorkerState.SUCCESS else None)

    def on_unmount(self) -> None:
        """Hand the frozen objects back to the collector; close the store if the app opened it
        itself (the CLI closes its own)."""
        gc.unfreeze()
        if self.owns_store:
            self.store.close()

    def watch_theme(self, theme: str) -> None:
        if getattr(self, "_theme_ready", False):
            try:
                if _get(self.store, THEME_SETTING) != theme:
                    self.store.set_setting(THEME_SETTING, theme)
            except Exception:
                pass

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every paperterm action, then Textual's own commands (theme, keys, screenshot, quit)."""
        yield from self.paperterm_commands()
        yield from super().get_system_commands(screen)

    def paperterm_commands(self) -> list[SystemCommand]:
        """One palette entry per reader action, in key-table order: the action's sentence as the
        title, its key (and any detail the sentence had in brackets) as the help line."""
        main = self.screen_stack[0] if self.screen_stack else None
        if not isinstance(main, MainScreen):
            return []
        commands = []
        for binding, shown in bound_keys(MAIN_BINDINGS, self.keymap):
            if binding.action == "quit":
                continue  # Textual's own "Quit" command is already offered
            title, _, detail = binding.tooltip.partition(" (")
            keys_text = ", ".join(key_display(k) for k in shown) or "unbound"
            help_text = f"key: {keys_text}" + (f" · {detail.rstrip(')')}" if detail else "")
            commands.append(SystemCommand(title, help_text,
                                          partial(main.run_action, binding.action)))
        return commands


def _get(store: MarkerStore, key: str) -> str | None:
    try:
        return store.get_setting(key)
    except Exception:
        return None


def create_app(paths: Sequence[Path | str] | None = None, *, library: Library | None = None,
               store: MarkerStore | None = None, index: IndexHandle | None = None,
               keymap: Mapping[str, str] | None = None, theme: str | None = None,
               rest: RestOfLibrary | None = None) -> PapertermApp:
    """Build the reader.

    ``library`` is used as given; otherwise the listings under ``paths`` (default:
    ``loader.default_paths()``, as the command line) are opened with their index through the
    loader (``LoadError`` if nothing loads). ``store`` defaults to ``MarkerStore()`` in
    the data directory (``PAPERTERM_DATA_DIR`` respected). ``index`` may be a prebuilt
    ``SearchIndex`` for ``library``; ``keymap`` remaps keys by binding id (see ``keys.py``);
    ``theme`` overrides the remembered theme. ``paths`` are also what ``F`` re-opens after a
    fetch (with the fetched day files); without them, the library's own files. ``rest``: the
    rest of ``library`` on its way (``loader.open_for_reader``), shown when it is there.
    """
    if library is None:
        library, index = loader.open_library(paths)
    owns_store = store is None
    if store is None:
        store = MarkerStore()
    return PapertermApp(library, store, index, keymap=keymap, theme=theme, owns_store=owns_store,
                        paths=paths, rest=rest)
