"""``F`` in the reader: fetch today's listings in a background worker while the user keeps working.

The worker thread does everything slow: it plans the days exactly like ``paperterm fetch`` with no
options (from the newest day already fetched to today), fetches them (``paperterm.fetch``), and,
when a day file changed, re-opens the library -- the reader's own listings plus the fetched
day files -- with its search index. Only then does it hand the new library to the UI thread, which
swaps it in (``MainScreen.replace_library``) in one step: the list, the counts and the search show
the new papers, the cursor stays on its paper, markers and undo history carry over. Typing and
triage never wait for any of it: the UI thread only receives one short status text per event.

Quitting stops a running fetch (a wait for a rate limit ends at once; a request under way is given
``JOIN_ON_QUIT`` seconds): the days already complete stay, the day in progress is not written,
exactly as Ctrl-C does for ``paperterm fetch``. The worker is a daemon thread of its own rather than
one of Textual's pooled workers, so a server that hangs cannot hold the reader open after ``q``.

The status texts are made here without a terminal, so they are tested as plain strings.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

FETCH_WORKER = "paperterm-fetch"
#: Seconds quitting waits for a request under way before leaving the thread behind.
JOIN_ON_QUIT = 2.0


def progress_text(event) -> str:
    """One short status-line text for a ``paperterm.fetch.FetchEvent``."""
    where = f"Fetching {event.day} ({event.index + 1}/{event.total})"
    if event.kind == "page":
        return f"{where}: {event.papers} papers"
    if event.kind == "wait":
        reason = "rate limit" if event.reason == "rate limit" else "retrying"
        return f"{where}: waiting {event.seconds:,.0f} s ({reason})"
    if event.kind == "done":
        return f"{where}: done"
    return f"{where}…"


def result_text(report, added: int | None) -> tuple[str, str]:
    """``(message, severity)`` for a finished fetch. ``added``: papers the list gained (``None``
    when the library was not re-opened, e.g. nothing changed)."""
    days = len(report.fetched)
    if report.interrupted:
        return f"Fetch stopped; {days} complete day{'s' if days != 1 else ''} kept.", "warning"
    parts = [f"Fetched {days} day{'s' if days != 1 else ''}"]
    if report.new or report.updated:
        parts.append(f"{report.new} new, {report.updated} updated in the listings")
    if added:
        parts.append(f"{added} paper{'s' if added != 1 else ''} added to the list")
    elif added is None and not report.errors:
        parts.append("nothing new")
    text = ": ".join(parts[:2]) + ("; " + parts[2] if len(parts) > 2 else "") + "."
    if report.errors:
        first = report.errors[0]
        more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
        return f"{text} Failed: {first.date}: {first.problem}{more}", "error"
    return text, "information"


def reload_paths(paths: Sequence[Path], fetched: Path) -> list[Path]:
    """The listings to re-open after a fetch: the reader's own, plus the fetched day files unless a
    folder among them already holds them."""
    paths = [Path(p) for p in paths]
    target = os.path.realpath(fetched)
    for path in paths:
        real = os.path.realpath(path)
        if target == real or target.startswith(real.rstrip(os.sep) + os.sep):
            return paths
    return [*paths, Path(fetched)]


class BackgroundFetch:
    """One fetch at a time for a screen. ``start`` runs it in a daemon thread; ``on_progress`` and
    ``on_finished`` are called on the UI thread (through ``call_from_thread``)."""

    def __init__(self, screen, paths: Callable[[], Sequence[Path]],
                 on_progress: Callable[[str], None],
                 on_finished: Callable[[object, object, object], None],
                 open_library: Callable[[Sequence[Path]], tuple] | None = None) -> None:
        self.screen = screen
        self.paths = paths
        self.on_progress = on_progress
        self.on_finished = on_finished
        self.open_library = open_library
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> bool:
        """Start a fetch; ``False`` if one is already running."""
        if self.running:
            return False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._guarded_run, name=FETCH_WORKER, daemon=True)
        self.thread.start()
        return True

    def cancel(self, wait: float = JOIN_ON_QUIT) -> None:
        """Stop a running fetch, waiting up to ``wait`` seconds for it to wind down."""
        self.stop.set()
        if self.thread is not None and self.thread.is_alive():
            self.thread.join(wait)

    def _guarded_run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # a bug here must end as a message, not a dead reader
            if not self.stop.is_set():
                from paperterm.fetch import FetchReport

                self._call(self.on_finished, FetchReport([], ""), None,
                           f"fetch failed: {type(exc).__name__}: {exc}")

    def _call(self, fn, *args) -> None:
        if self.stop.is_set():
            return
        try:
            self.screen.app.call_from_thread(fn, *args)
        except RuntimeError:
            pass  # the app is shutting down

    def _run(self) -> None:
        from paperterm import fetch

        stop = self.stop
        store = fetch.DayStore()
        endpoint = fetch.endpoint_from(None)
        days = fetch.plan_days(today=fetch.utc_today(), newest_fetched=store.newest_fetched())

        def on_event(event) -> None:
            self._call(self.on_progress, progress_text(event))

        report = fetch.fetch_days(days, endpoint=endpoint, store=store,
                                  clock=fetch.SystemClock(stop), on_event=on_event)
        loaded = None
        problem = None
        if not report.interrupted and any(d.status == "written" for d in report.days):
            self._call(self.on_progress, "Fetched; loading the new papers…")
            try:
                loaded = self._open(reload_paths(self.paths(), store.folder))
            except Exception as exc:  # a bad listing must not take the reader down
                problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self._call(self.on_finished, report, loaded, problem)

    def _open(self, paths: Sequence[Path]):
        if self.open_library is not None:
            return self.open_library(paths)
        from paperterm import loader

        library, index = loader.open_library(paths)
        index.wait().warm()  # the index's lazily built parts, here rather than on a keystroke
        return library, index
