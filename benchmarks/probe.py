"""One measured paperterm start, run in a fresh process by ``run.py`` so imports and memory count.

Each mode prints one JSON object on its last stdout line:

- ``load``: time to load the library and build (or read) its search index, as the CLI does.
- ``search``: ``SearchIndex.search`` alone for every keystroke of the queries, on a fresh index.
- ``start``: time from the parent's spawn to the TUI's first painted frame showing papers
  (``--spawned`` is the parent's ``time.time()`` just before it started this process), with the
  phases (interpreter + imports, library and index, app start) and peak RSS.
- ``similar``: similar papers (``m``) and the for-you order in the reader (see ``mode_similar``).
- ``session``: a start followed by typing queries one key at a time into the search bar and moving
  the cursor with ``j``: per-keystroke latency (key sent -> first frame showing the new results, and
  -> first frame showing the typed character), CPU and wall time per cursor step, and peak RSS.

Frames are real: the headless driver is swapped for one that makes Textual render every update to
terminal escape codes (as on a real terminal) and notes the time of each write, instead of skipping
the rendering as ``run_test`` normally does.

Keys arrive as a terminal's do: the key event is posted to the app, as Textual's terminal driver
posts what it reads (``send_key``). ``Pilot.press`` also waits for every widget of the screen to
process a callback it posts to each (some thirty here), about 2 ms of CPU per key that no terminal
costs and that landed inside the measured step; the session reports a few cursor steps made that
way too (``cursor_cpu_pilot_s``), for comparison. The pilot is still used to settle the app
between measured keys, outside the measurement.
"""

from __future__ import annotations

import time

T_START = time.time()  # as early as possible: interpreter start-up is already behind us

import argparse  # noqa: E402
import asyncio  # noqa: E402
import bisect  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

#: Terminal size for every TUI measurement.
SIZE = (120, 40)
#: How long to wait for a frame that should come, before giving up on that sample.
FRAME_TIMEOUT = 5.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def emit(result: dict) -> None:
    print(json.dumps({k: v for k, v in result.items() if not k.startswith("_")}), flush=True)


def load(paths: list[str], background: bool = False) -> tuple[object, object, object, dict]:
    """Load like the CLI: library and index through the cache. Returns them, the rest of the
    library if it is on its way, and phase timings.

    ``background``: as the reader does (``loader.open_for_reader``): a forked child builds a
    missing index, and on a first start the newest listings come first while a child loads the
    rest.
    """
    t0 = time.perf_counter()
    from paperterm import loader

    t1 = time.perf_counter()
    rest = None
    if background:
        opening = loader.open_for_reader(paths)
        library, index, rest = opening.library, opening.index, opening.rest
    else:
        library, index = loader.open_library(paths, loader.LoadPolicy())
    t2 = time.perf_counter()
    return library, index, rest, {"import_paperterm_s": t1 - t0, "load_s": t2 - t1}


def was_cached(paths: list[str]) -> bool:
    """Whether the load about to happen will come from the cache (checked before timing starts)."""
    from paperterm import loader

    return loader.is_cached(paths)


def mode_load(args) -> None:
    from paperterm import cache, loader
    from paperterm.library import load_library
    from paperterm.search import SearchIndex

    if args.cold:
        t0 = time.perf_counter()
        library = load_library(args.paths)
        t1 = time.perf_counter()
        SearchIndex(library.papers)
        t2 = time.perf_counter()
        # What a first start does: the loader's parse, with abstracts spilled to spool files, in
        # one process and in two (a forked child parses half the bytes): does the second pay?
        plan = cache.plan_load(args.paths)
        parses = {}
        for name, policy in (("parse_one_s", loader.LoadPolicy(parallel_bytes=1 << 62)),
                             ("parse_two_s", loader.LoadPolicy())):
            t3 = time.perf_counter()
            loader._parse([Path(p) for p in args.paths], plan, policy)
            parses[name] = time.perf_counter() - t3
        emit({"library_s": t1 - t0, "index_s": t2 - t1, **parses, "papers": len(library.papers),
              "rss_mb": peak_rss_mb()})
        return
    t0 = time.perf_counter()
    library, index = loader.open_library(args.paths)
    index.wait()  # a cached index is read on first use: count it here
    t1 = time.perf_counter()
    loader.wait_for_writes()
    emit({"cached_s": t1 - t0, "papers": len(library.papers), "rss_mb": peak_rss_mb()})


class _Frames:
    """Installs a driver that renders like a real terminal and records when each frame is written."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.cpu: list[float] = []  # process CPU time at each frame
        self.bytes = 0
        self.on_frame = None  # optional callback(time)

    def install(self) -> None:
        import textual.drivers.headless_driver as headless

        frames = self
        base = headless.HeadlessDriver

        class PaintingDriver(base):
            @property
            def is_headless(self) -> bool:  # makes App._display render real escape codes
                return False

            def write(self, data: str) -> None:
                if len(data) > 8:  # a frame, not a bell
                    now = time.perf_counter()
                    frames.times.append(now)
                    frames.cpu.append(time.process_time())
                    frames.bytes += len(data)
                    if frames.on_frame is not None:
                        frames.on_frame(now)

        headless.HeadlessDriver = PaintingDriver

    async def first_after(self, moment: float, timeout: float = FRAME_TIMEOUT) -> float | None:
        """The time of the first frame written after ``moment`` (waiting for it), or ``None``."""
        deadline = time.perf_counter() + timeout
        while True:
            i = bisect.bisect_right(self.times, moment)  # times only ever grow
            if i < len(self.times):
                return self.times[i]
            if time.perf_counter() > deadline:
                return None
            await asyncio.sleep(0.0005)


def keystrokes(queries) -> list[str]:
    """Every prefix a user types on the way to each query (what each keystroke searches for)."""
    return [q[:i] for q in queries for i in range(1, len(q) + 1)]


def mode_search(args) -> None:
    """``SearchIndex.search`` alone, for every keystroke of the queries, on a freshly loaded index;
    with ``--reader``, what the reader's search worker runs instead
    (``tui.search_runs.search_positions``: the positions, with the collector paused)."""
    library, index, _, phases = load(args.paths)
    index = index.wait()  # a cached index is read on first use: not part of any keystroke
    if args.reader:
        from paperterm.tui.search_runs import search_positions

        def search(prefix):
            return search_positions(index, prefix, {})
    else:
        def search(prefix):
            return index.search(prefix, markers={})
    times: list[float] = []
    matches: dict[str, int] = {}
    for prefix in keystrokes(json.loads(args.queries)):
        t0 = time.perf_counter()
        hits = search(prefix)
        times.append(time.perf_counter() - t0)
        matches[prefix] = len(hits)
    emit({"search_s": times, "matches": matches, **phases, "rss_mb": peak_rss_mb()})


def _build_app(library, index, rest=None):
    from paperterm.state import MarkerStore
    from paperterm.tui.app import create_app

    store = MarkerStore()
    return create_app(library=library, store=store, index=index, rest=rest)


def _main_screen(app):
    for screen in app.screen_stack:
        if hasattr(screen, "paper_list"):
            return screen
    return app.screen


async def _start(args, frames: _Frames, t_perf0: float, t_wall0: float):
    """Load, build the app, run it headless; return (app context, pilot, timings)."""
    c0 = time.perf_counter()
    cached = was_cached(args.paths)
    check = time.perf_counter() - c0  # not part of a user's start: subtracted below
    library, index, rest, phases = load(args.paths, background=True)
    phases["cache_hit"] = cached
    phases["papers_first"] = len(library.papers)
    phases["listings_first"] = rest.first_files if rest is not None else None
    t_app0 = time.perf_counter()
    import textual  # noqa: F401  (counted in app_import_s)

    frames.install()
    app = _build_app(library, index, rest)
    t_app1 = time.perf_counter()
    painted = asyncio.get_running_loop().create_future()

    def on_frame(now: float) -> None:
        if painted.done():
            return
        screen = _main_screen(app)
        plist = getattr(screen, "paper_list", None)
        if plist is None or len(getattr(plist, "rows", ())) > 0:
            painted.set_result(now)

    frames.on_frame = on_frame
    ctx = app.run_test(size=SIZE)
    pilot = await ctx.__aenter__()
    t_paint = await asyncio.wait_for(painted, timeout=120)
    frames.on_frame = None
    since_spawn = t_wall0 - t_perf0 - args.spawned - check  # add a perf_counter() value
    timings = {
        "papers": len(library.papers),
        "first_paint_s": since_spawn + t_paint,
        "index_pending": type(index).__name__ == "PendingIndex",
        "_offset": since_spawn,
        "interpreter_s": t_wall0 - args.spawned,
        **phases,
        "app_build_s": t_app1 - t_app0,
        "run_to_paint_s": t_paint - t_app1,
    }
    return app, ctx, pilot, library, index, timings


#: Key names of the typed characters that are not their own name (what a terminal driver sends).
KEY_NAMES = {" ": "space", "-": "minus"}


def send_key(app, ch: str) -> None:
    """Deliver one typed character as Textual's terminal driver does: a ``Key`` event posted to
    the app (no test-pilot waits)."""
    from textual import events

    if not (ch.isalnum() or ch in KEY_NAMES):
        raise ValueError(f"no key name known for {ch!r}")
    event = events.Key(KEY_NAMES.get(ch, ch), ch)
    event.set_sender(app)
    app.post_message(event)


async def _until(condition, timeout: float = FRAME_TIMEOUT) -> bool:
    """Wait until ``condition()`` holds (polling the event loop), or ``timeout`` seconds."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.0002)
    return True


async def _wait_results(screen, generation: int, timeout: float = FRAME_TIMEOUT) -> float | None:
    """Wait until the screen has applied the search results of ``generation``; when it did."""
    await _until(lambda: generation in screen._bench_done, timeout)
    return screen._bench_done.get(generation)


def _instrument(screen) -> None:
    """Note when each search generation's results reach the list (wrapping the screen's hook)."""
    screen._bench_done = {}
    original = screen._search_done

    def search_done(generation, *rest, **kw):
        result = original(generation, *rest, **kw)
        if generation == screen.generation:
            screen._bench_done[generation] = time.perf_counter()
        return result

    screen._search_done = search_done


class _GCPauses:
    """Durations of the cyclic garbage collector's passes (they stop every thread, the UI too)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, seconds)
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._start))

    def summary(self) -> dict:
        full = [d for g, d in self.pauses if g == 2]
        return {"gc_passes": len(self.pauses), "gc_full_passes": len(full),
                "gc_max_pause_s": max((d for _, d in self.pauses), default=0.0),
                "gc_full_max_s": max(full, default=0.0)}


def _profiler(args, part: str):
    """A running cProfile profiler when ``--profile PART:FILE`` names this part, else ``None``."""
    if not args.profile or not args.profile.startswith(part + ":"):
        return None
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


def _profile_done(args, profiler, part: str) -> None:
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile.split(":", 1)[1])


async def mode_session(args) -> None:
    import gc

    t_perf0, t_wall0 = time.perf_counter(), time.time()
    frames = _Frames()
    app, ctx, pilot, library, index, timings = await _start(args, frames, t_perf0, t_wall0)
    pauses = _GCPauses()
    gc.callbacks.append(pauses)
    try:
        screen = _main_screen(app)
        _instrument(screen)
        results: list[float] = []
        echoes: list[float] = []
        per_query: dict[str, list[float]] = {}
        missing = 0
        queries = json.loads(args.queries)
        profiler = _profiler(args, "keys")
        bar = screen.search_input
        for query in queries:
            await pilot.press("slash")
            await pilot.pause()
            lat: list[float] = []
            for n, ch in enumerate(query, 1):
                before = screen.generation
                t0 = time.perf_counter()
                send_key(app, ch)
                if not await _until(lambda: bar.value == query[:n]):
                    missing += 1
                    continue
                echo = await frames.first_after(t0)
                if echo is not None:
                    echoes.append(echo - t0)
                generation = screen.generation
                if generation == before:  # the key did not start a search (e.g. a space)
                    lat.append((echo or time.perf_counter()) - t0)
                    continue
                applied = await _wait_results(screen, generation)
                if applied is None:
                    missing += 1
                    continue
                shown = await frames.first_after(applied, timeout=0.5)
                lat.append((shown if shown is not None else applied) - t0)
                await pilot.pause()  # settled before the next key (not measured)
            per_query[query] = lat
            results.extend(lat)
            await pilot.press("escape")
            await pilot.pause()
        _profile_done(args, profiler, "keys")
        # Cursor steps on the full list.
        plist = screen.paper_list
        plist.focus()
        await pilot.pause()
        cpu: list[float] = []
        wall: list[float] = []
        profiler = _profiler(args, "cursor")
        for _ in range(args.steps):
            c0, t0 = time.process_time(), time.perf_counter()
            first = len(frames.times)
            row = plist.cursor
            send_key(app, "j")
            await _until(lambda: plist.cursor != row)
            await frames.first_after(t0)
            await pilot.pause()  # let every consequence of the step (detail pane) be painted
            if len(frames.times) > first:
                # CPU from the key to the last frame it caused
                cpu.append(frames.cpu[-1] - c0)
                wall.append(frames.times[first] - t0)
        _profile_done(args, profiler, "cursor")
        # A few steps through Textual's test pilot, for comparison with earlier measurements.
        pilot_cpu: list[float] = []
        for _ in range(20):
            c0 = time.process_time()
            first = len(frames.times)
            await pilot.press("j")
            await pilot.pause()
            if len(frames.times) > first:
                pilot_cpu.append(frames.cpu[-1] - c0)
        timings.update({
            "keystroke_s": results,
            "echo_s": echoes,
            "per_query_s": per_query,
            "missing_results": missing,
            "cursor_cpu_s": cpu,
            "cursor_cpu_pilot_s": pilot_cpu,
            "cursor_wall_s": wall,
            "cursor_row": plist.cursor,
            "frames": len(frames.times),
            "rss_mb": peak_rss_mb(),
            **pauses.summary(),
        })
    finally:
        gc.callbacks.remove(pauses)
        await ctx.__aexit__(None, None, None)
    emit(timings)


def _similar_markers(library, starred: int = 40, passed: int = 160) -> None:
    """Store a fixed set of stars and read-but-unstarred papers (what for-you learns from)."""
    import random

    from paperterm.state import MarkerStore

    rng = random.Random("paperterm-bench-for-you")
    picked = rng.sample(range(len(library.papers)), min(len(library.papers), starred + passed))
    with MarkerStore() as store:
        for n, pos in enumerate(picked):
            paper = library.papers[pos]
            store.set_read(paper.id, paper.title, True)
            if n < starred:
                store.set_starred(paper.id, paper.title, True)


async def mode_similar(args) -> None:
    """Similar papers and the for-you order in the real reader: the matrix built in its child
    process (timed apart, as a first ``m`` would wait for it), then ``m`` on ``--similar-papers``
    papers (key -> list filled), the for-you sort (training in its child, then the re-rank: scores
    of every paper and their order), and the reader's peak RSS with all of it in use."""
    import random

    from paperterm.similarity import Similarity

    t_perf0, t_wall0 = time.perf_counter(), time.time()
    library, index, _, _ = load(args.paths)
    service = Similarity(library.papers, library.files)
    build_s = None
    if service.cached() is None:
        t0 = time.perf_counter()
        service.build_in_child()
        build_s = time.perf_counter() - t0
    _similar_markers(library)
    del library, index, service  # the reader below opens its own
    frames = _Frames()
    app, ctx, pilot, library, index, timings = await _start(args, frames, t_perf0, t_wall0)
    try:
        screen = _main_screen(app)
        deadline = time.monotonic() + 60
        while screen.similar.matrix is None and time.monotonic() < deadline:
            screen.similar.want_matrix()  # from the cache: the first m would otherwise wait
            await asyncio.sleep(0.05)
        rng = random.Random("paperterm-bench-similar")
        m_s: list[float] = []
        plist = screen.paper_list
        for _ in range(args.similar_papers):
            plist.move_cursor(rng.randrange(len(plist.rows)))
            await pilot.pause()
            t0 = time.perf_counter()
            await pilot.press("m")
            dialog = app.screen
            while not getattr(dialog, "rows", None) and time.perf_counter() - t0 < 30:
                await asyncio.sleep(0.005)
            shown = await frames.first_after(t0)
            m_s.append((shown or time.perf_counter()) - t0)
            await pilot.press("escape")
            await pilot.pause()
        t0 = time.perf_counter()
        while screen.sort != "for-you":
            await pilot.press("o")
        while screen.for_you_scores is None and screen.for_you_problem is None \
                and time.perf_counter() - t0 < 300:
            await asyncio.sleep(0.02)
        learnt_s = time.perf_counter() - t0
        model, matrix = screen.for_you, screen.similar.matrix
        rerank: list[float] = []
        for _ in range(5):
            r0 = time.perf_counter()
            scores = model.scores(matrix)
            (-scores).argsort(kind="stable")
            rerank.append(time.perf_counter() - r0)
        for _ in range(20):  # the detail pane with its reason, paper by paper
            await pilot.press("j")
        await pilot.pause()
        timings.update({"similar_build_s": build_s, "m_s": m_s, "for_you_learnt_s": learnt_s,
                        "for_you_problem": screen.for_you_problem, "rerank_s": rerank,
                        "terms": matrix.n_terms, "weights": matrix.nnz,
                        "rss_mb": peak_rss_mb()})
    finally:
        await ctx.__aexit__(None, None, None)
    emit(timings)


async def mode_start(args) -> None:
    t_perf0, t_wall0 = time.perf_counter(), time.time()
    frames = _Frames()
    app, ctx, pilot, library, index, timings = await _start(args, frames, t_perf0, t_wall0)
    screen = _main_screen(app)
    if getattr(screen, "rest", None) is not None:  # the newest listings first: when is it all?
        while screen.rest is not None:
            await asyncio.sleep(0.01)
        timings["whole_library_s"] = timings["_offset"] + time.perf_counter()
        timings["papers"] = len(screen.papers)
    index = app.index
    if type(index).__name__ == "PendingIndex":  # built by a child while the list is up
        timings["index_pending"] = True
        await asyncio.get_running_loop().run_in_executor(None, index.wait)
    timings["search_ready_s"] = timings["_offset"] + time.perf_counter()
    await ctx.__aexit__(None, None, None)
    from paperterm import loader

    t0 = time.perf_counter()
    loader.wait_for_writes()  # so the next (warm) start finds the cache complete
    timings["cache_write_wait_s"] = time.perf_counter() - t0
    timings["rss_mb"] = peak_rss_mb()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    timings["cache_writer_rss_mb"] = children or None
    emit(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("load", "search", "start", "session", "similar"))
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--cold", action="store_true", help="load: parse and build, no cache")
    parser.add_argument("--spawned", type=float, default=T_START,
                        help="parent's time.time() when it started this process")
    parser.add_argument("--queries", default='["diffusion model"]', help="JSON list of queries")
    parser.add_argument("--steps", type=int, default=100, help="cursor steps")
    parser.add_argument("--reader", action="store_true",
                        help="search: time the reader's search worker body, not SearchIndex.search")
    parser.add_argument("--profile", metavar="PART:FILE",
                        help="session: cProfile the main thread while typing (keys:FILE) or "
                             "moving the cursor (cursor:FILE), stats written to FILE")
    parser.add_argument("--similar-papers", type=int, default=20, help="papers m is pressed on")
    args = parser.parse_args()
    if not os.environ.get("PAPERTERM_CACHE_DIR") or not os.environ.get("PAPERTERM_DATA_DIR"):
        print("probe: set PAPERTERM_CACHE_DIR and PAPERTERM_DATA_DIR", file=sys.stderr)
        return 2
    args.paths = [str(Path(p)) for p in args.paths]
    if args.mode == "load":
        mode_load(args)
    elif args.mode == "search":
        mode_search(args)
    elif args.mode == "start":
        asyncio.run(mode_start(args))
    elif args.mode == "similar":
        asyncio.run(mode_similar(args))
    else:
        asyncio.run(mode_session(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
