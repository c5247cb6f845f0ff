"""paperterm's performance, measured in one command, against the targets of the performance issue.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--json out.json]

For each size it generates (once) a deterministic corpus (``corpus.py``), then measures, each TUI and
load figure in a fresh process (``probe.py``) so imports, the cache and memory are what a user gets
(with compiled bytecode, as ``pip install`` leaves it: ``probe_env``):

- parse throughput: listing bytes per second through read + decode + parse, for the page-text
  listings (``parse_listing``) and the API day files (``parse_api_listing``) separately;
- load: parse + merge without cache, index build, and library + index read from the cache;
- first paint: spawn -> first frame of the TUI showing papers, on a first start (empty cache) and
  on a cached start (median of ``--repeat`` runs); a first start over many listings shows the
  newest ones first (``loader.open_for_reader``): how many papers that is, when the whole
  library is on screen and when search is ready are reported too;
- keystroke -> results: queries of 1 to 19 characters typed one key at a time into the search bar,
  from the key to the first frame showing its results (p50, p95), and to the frame echoing the key;
- raw ``SearchIndex.search`` latency for the same keystrokes, and ``fzf --filter`` over the same
  papers' titles (one per line, a new fzf process per keystroke, as the anchor) and the ratio;
- cursor: CPU time per ``j`` step from the key to the last frame it caused; peak RSS.

And one case that does not depend on the corpus size, a large marker store (``--store-markers``,
default 1,000,000): ``paperterm list`` of the shipped seeds with that many markers stored, wall
time (median of ``--repeat`` runs, each a fresh process with a warm library cache and compiled
bytecode, as an installed paperterm has) and peak RSS. ``--only-store`` measures just this case:

    python benchmarks/run.py --only-store

The table marks each target of the issue (stated at 100,000 papers) as met or MISSED, and by how
much, for every size measured; nothing is hidden or averaged away.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import DEFAULT_ROOT, ensure_corpus, parse_sizes  # noqa: E402
from probe import keystrokes  # noqa: E402

PROBE = HERE / "probe.py"

#: Typed one key at a time; lengths 4..19, a typo ("transformr") and compounds included.
QUERIES = (
    "grok",
    "diffusion model",
    "language models",
    "in-context learning",
    "mixture of experts",
    "scaling laws",
    "quantization",
    "chain-of-thought",
    "llm agent",
    "transformr",
    "attention",
    "robot",
)


class Target:
    """A target from the issue: ``value <= limit`` (or ``>=`` when ``at_least``)."""

    def __init__(self, limit: float, at_least: bool = False) -> None:
        self.limit = limit
        self.at_least = at_least

    def describe(self, unit: str) -> str:
        return f"{'>=' if self.at_least else '<='} {_num(self.limit)}{unit}"

    def verdict(self, value: float | None, unit: str) -> str:
        if value is None:
            return "not measured"
        ok = value >= self.limit if self.at_least else value <= self.limit
        if ok:
            return "met"
        if self.at_least:
            return f"MISSED by {_num(self.limit - value)}{unit} ({value / self.limit:.2f}x of target)"
        return f"MISSED by {_num(value - self.limit)}{unit} ({value / self.limit:.2f}x target)"


#: (key, label, unit, target or None).
ROWS = (
    ("parse_mb_s", "parse throughput, page text (MB/s)", " MB/s", Target(50, at_least=True)),
    ("parse_json_mb_s", "parse throughput, API JSON (MB/s)", " MB/s", Target(50, at_least=True)),
    ("library_cold_s", "library load, no cache: parse + merge (s)", " s", None),
    ("parse_one_s", "first start's parse, one process, abstracts spilled (s)", " s", None),
    ("parse_two_s", "first start's parse, two processes (s)", " s", None),
    ("index_build_s", "search index build (s)", " s", None),
    ("cached_load_s", "library + index read from cache (s)", " s", None),
    ("paint_first_s", "first paint, first start, no cache (s)", " s", Target(3.0)),
    ("first_papers", "first start: papers in that first paint (newest listings)", "", None),
    ("whole_first_s", "first start: whole library on screen (s)", " s", None),
    ("search_ready_first_s", "first start: search ready, index built meanwhile (s)", " s", None),
    ("paint_cached_s", "first paint, cached start, median (s)", " s", Target(1.0)),
    ("key_p50_ms", "keystroke -> results on screen, p50 (ms)", " ms", Target(25)),
    ("key_p95_ms", "keystroke -> results on screen, p95 (ms)", " ms", Target(50)),
    ("key_max_ms", "keystroke -> results on screen, max (ms)", " ms", None),
    ("echo_p95_ms", "keystroke -> key echoed in search bar, p95 (ms)", " ms", None),
    ("search_p50_ms", "SearchIndex.search alone, p50 (ms)", " ms", None),
    ("search_p95_ms", "SearchIndex.search alone, p95 (ms)", " ms", None),
    ("fzf_p50_ms", "fzf --filter on titles, p50 (ms)", " ms", None),
    ("fzf_p95_ms", "fzf --filter on titles, p95 (ms)", " ms", None),
    ("vs_fzf_tui", "fzf p50 / TUI keystroke p50 (x faster)", "x", Target(1.0, at_least=True)),
    ("vs_fzf_search", "fzf p50 / search p50 (x faster)", "x", Target(1.0, at_least=True)),
    ("cursor_cpu_ms", "cursor move j: CPU per step, median (ms)", " ms", Target(15)),
    ("cursor_wall_ms", "cursor move j: key -> frame, median (ms)", " ms", None),
    ("cursor_pilot_ms", "cursor move j through Textual's test pilot: CPU per step, median (ms)",
     " ms", None),
    ("rss_session_mb", "peak RSS: cached start, typing, cursor (MB)", " MB", Target(300)),
    ("rss_first_mb", "peak RSS: first start (parse; app) (MB)", " MB", Target(300)),
    ("rss_child_mb", "peak RSS: first start's index/cache child (MB)", " MB", None),
    ("similar_build_s", "similar: TF-IDF matrix build, in a child (s)", " s", Target(60)),
    ("similar_m_p50_ms", "similar: m -> list on screen, p50 (ms)", " ms", None),
    ("similar_m_p95_ms", "similar: m -> list on screen, p95 (ms)", " ms", Target(100)),
    ("for_you_learnt_s", "for you: o -> trained (child) and re-ranked (s)", " s", None),
    ("for_you_rerank_ms", "for you: re-rank (score + order every paper) (ms)", " ms", Target(300)),
    ("rss_similar_mb", "peak RSS: reader with matrix, m and for-you in use (MB)", " MB",
     Target(400)),
)


#: The large-store case: (key, label, unit, target).
STORE_ROWS = (
    ("list_s", "`paperterm list` of the seeds, median (s)", " s", Target(0.5)),
    ("list_max_s", "`paperterm list` of the seeds, slowest (s)", " s", None),
    ("list_rss_mb", "`paperterm list` of the seeds, peak RSS (MB)", " MB", Target(100)),
    ("build_s", "building the store (not a target) (s)", " s", None),
    ("store_mb", "store file size (MB)", " MB", None),
)


def _num(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def percentile(values: list[float], p: float) -> float | None:
    """The ``p``-th percentile (nearest rank), or ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# -- measurements ------------------------------------------------------------------------------

def measure_parse(listings: Path, kind: str = "txt") -> dict:
    """Read, decode and parse every listing of one kind (``txt``: page text, ``json``: API day
    files) in this process, as ``paperterm.library`` reads them: bytes per second of listing text."""
    from paperterm.safe_text import may_hold_unsafe
    from paperterm.sources import decode_listing
    from paperterm.sources.capture import modified_date
    from paperterm.sources.hf_api import parse_api_listing
    from paperterm.sources.hf_daily import parse_listing

    def parse(data: bytes, name: str, modified):
        if kind == "json":
            return parse_api_listing(decode_listing(data), name, modified=modified,
                                     scan_raw=may_hold_unsafe(data))
        # the control-character check on the bytes first, as the library does
        return parse_listing(decode_listing(data), name, modified=modified,
                             scan_controls=may_hold_unsafe(data))

    files = sorted(listings.rglob(f"*.{kind}"))
    total = 0
    papers = 0
    elapsed = 0.0
    for path in files:
        t0 = time.perf_counter()
        data = path.read_bytes()
        result = parse(data, path.name, modified_date(path.stat().st_mtime))
        elapsed += time.perf_counter() - t0
        total += len(data)
        papers += len(result.papers)
    return {"bytes": total, "entries": papers, "seconds": elapsed,
            "mb_s": total / 1e6 / elapsed if elapsed else None}


def probe_env(work: Path) -> dict:
    """The environment of every measured process: its own cache, data and config folders under
    ``work``, and compiled bytecode as an installed paperterm has (pip compiles it at install
    time). Without this, an environment that sets ``PYTHONDONTWRITEBYTECODE`` would make every
    measured start compile paperterm from source (about 0.1 s), which no user's start does; the
    bytecode is kept out of the source tree."""
    env = dict(os.environ)
    env["PAPERTERM_CACHE_DIR"] = str(work / "cache")
    env["PAPERTERM_DATA_DIR"] = str(work / "data")
    env["PAPERTERM_CONFIG_DIR"] = str(work / "config")
    env.pop("TEXTUAL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def run_probe(mode: str, listings: Path, env: dict, *extra: str, timeout: float = 1800) -> dict:
    """Run ``probe.py`` in a fresh interpreter; its JSON result."""
    cmd = [sys.executable, str(PROBE), mode, str(listings), *extra]
    spawned = time.time()
    if mode in ("start", "session"):
        cmd += ["--spawned", repr(spawned)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"probe {mode} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"probe {mode} printed no result:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def measure_fzf(titles: Path, queries: tuple[str, ...]) -> dict | None:
    """Wall time of ``fzf --filter`` (a new process each time) for every typed prefix."""
    fzf = shutil.which("fzf")
    if fzf is None:
        return None
    times: list[float] = []
    matches: dict[str, int] = {}
    for prefix in keystrokes(queries):
        with open(titles, "rb") as stdin:
            t0 = time.perf_counter()
            proc = subprocess.run([fzf, "--filter", prefix], stdin=stdin, capture_output=True)
            times.append(time.perf_counter() - t0)
        matches[prefix] = proc.stdout.count(b"\n")
    with open(os.devnull, "rb") as stdin:
        t0 = time.perf_counter()
        subprocess.run([fzf, "--filter", "x"], stdin=stdin, capture_output=True)
        startup = time.perf_counter() - t0
    version = subprocess.run([fzf, "--version"], capture_output=True, text=True).stdout.strip()
    return {"seconds": times, "matches": matches, "startup_s": startup, "version": version}


def measure_size(size: int, args) -> dict:
    corpus_dir, manifest = ensure_corpus(size, args.root)
    listings = corpus_dir / "listings"
    titles = corpus_dir / "titles.lst"
    log = (lambda msg: print(f"  [{size:,}] {msg}", file=sys.stderr, flush=True))
    out: dict = {"corpus": manifest, "problems": []}
    # Listings written in the last two seconds are not cached (see paperterm.cache.RACY_NS).
    newest = max(p.stat().st_mtime for p in listings.rglob("*.*"))
    time.sleep(max(0.0, newest + 2.5 - time.time()))
    log(f"corpus: {manifest['files']:,} files, {manifest['bytes'] / 1e6:.1f} MB")
    out["parse"] = measure_parse(listings)
    log(f"parse: {out['parse']['mb_s']:.1f} MB/s")
    out["parse_json"] = measure_parse(listings, "json")
    log(f"parse, API JSON: {out['parse_json']['mb_s'] or 0:.1f} MB/s")
    if args.parse_only:
        out["summary"] = {"parse_mb_s": out["parse"]["mb_s"],
                          "parse_json_mb_s": out["parse_json"]["mb_s"]}
        return out
    queries_json = json.dumps(list(args.queries))
    with tempfile.TemporaryDirectory(prefix="paperterm-bench-") as work:
        env = probe_env(Path(work))
        out["load_cold"] = run_probe("load", listings, env, "--cold")
        log(f"cold load: {out['load_cold']}")
        out["start_first"] = [run_probe("start", listings, env)]
        for _ in range(args.cold_repeat - 1):
            shutil.rmtree(Path(work) / "cache", ignore_errors=True)
            out["start_first"].append(run_probe("start", listings, env))
        log(f"first start: {[round(r['first_paint_s'], 3) for r in out['start_first']]}")
        out["load_cached"] = run_probe("load", listings, env)
        out["start_cached"] = [run_probe("start", listings, env) for _ in range(args.repeat)]
        log(f"cached start: {[round(r['first_paint_s'], 3) for r in out['start_cached']]}")
        out["search"] = run_probe("search", listings, env, "--queries", queries_json)
        log("raw search done")
        out["session"] = run_probe("session", listings, env, "--queries", queries_json,
                                   "--steps", str(args.steps))
        log("TUI session done")
        if not args.no_similar:
            out["similar"] = run_probe("similar", listings, env)
            log(f"similar: build {out['similar'].get('similar_build_s')} s")
    for name, expected in (("start_first", False), ("start_cached", True)):
        for run in out[name]:
            if run.get("cache_hit") is not expected:
                out["problems"].append(f"{name}: expected cache_hit={expected}, got "
                                       f"{run.get('cache_hit')} (code or listings changed "
                                       "during the run?)")
    if out["session"].get("missing_results"):
        out["problems"].append(f"session: {out['session']['missing_results']} keystrokes never "
                               "showed results")
    out["fzf"] = measure_fzf(titles, args.queries)
    out["summary"] = summarize(out)
    return out


def build_store(path: Path, markers: int, seed_ids: list[str]) -> None:
    """A marker store holding ``markers`` markers: every seed paper (a third of them starred, some
    with notes) and the rest for papers that are not in the seeds, with realistic ids, titles and
    timestamps, every twentieth with a note. Written in one transaction, in id order."""
    import hashlib
    import sqlite3

    from paperterm.state import MarkerStore

    MarkerStore(path).close()  # the schema, exactly as paperterm makes it
    seeds = {pid: i for i, pid in enumerate(seed_ids)}
    others: dict[str, int] = {}
    n = 0
    while len(seeds) + len(others) < markers:
        pid = hashlib.sha1(f"bench-{n}".encode()).hexdigest()[:12]
        if pid not in seeds:
            others.setdefault(pid, n)
        n += 1

    def row(pid: str) -> tuple:  # made as inserted, so a million rows never sit in memory
        if pid in seeds:
            i = seeds[pid]
            note = f"note on seed {i}" if i % 5 == 0 else None
            return (pid, f"Seed paper {i}", 1, 1.7e9, int(i % 3 == 0), 1.7e9, note,
                    1.7e9 if note else None, 1.7e9)
        k = others[pid]
        note = f"A note of about sixty characters on stored paper number {k}." \
            if k % 20 == 0 else None
        return (pid, f"A stored paper whose listing is not open, number {k}", k % 2, 1.6e9 + k,
                int(k % 7 == 0), 1.6e9 + k, note, 1.6e9 + k if note else None, 1.6e9 + k)

    rows = (row(pid) for pid in sorted([*seeds, *others]))
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO markers (paper_id, title, read, read_at, starred, "
                       "starred_at, note, note_at, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       rows)
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


#: Runs ``python -m paperterm ARGS`` and, at exit, writes the process's own peak RSS (VmHWM, in
#: kB) to the file named by $PAPERTERM_BENCH_RSS. Not ``wait4``'s ``ru_maxrss``: Linux carries the
#: high-water mark of the forking parent (this harness, which just built a million markers)
#: across ``exec`` into the child's.
_RSS_WRAPPER = """
import atexit, os, runpy, sys

def report():
    with open("/proc/self/status") as status:
        hwm = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["PAPERTERM_BENCH_RSS"], "w") as out:
        out.write(hwm)

atexit.register(report)
sys.argv = ["paperterm", *sys.argv[1:]]
runpy.run_module("paperterm", run_name="__main__", alter_sys=True)
"""


def run_measured(args: list[str], env: dict, work: Path) -> tuple[float, float, int]:
    """Run ``paperterm ARGS`` in a fresh interpreter: (wall seconds, peak RSS in MB, status)."""
    rss_file = work / "rss.txt"
    env = {**env, "PAPERTERM_BENCH_RSS": str(rss_file)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    rss = int(rss_file.read_text()) / 1024 if rss_file.exists() else float("nan")
    rss_file.unlink(missing_ok=True)
    return wall, rss, proc.returncode


def measure_store(args) -> dict:
    """``paperterm list`` of the shipped seeds with ``args.store_markers`` markers stored."""
    from paperterm import locations
    from paperterm.library import load_library

    seed_ids = [p.id for p in load_library([locations.seeds_dir()]).papers]
    log = (lambda msg: print(f"  [store {args.store_markers:,}] {msg}", file=sys.stderr,
                             flush=True))
    with tempfile.TemporaryDirectory(prefix="paperterm-bench-store-") as work:
        env = probe_env(Path(work))
        store = Path(work) / "data" / "state.sqlite3"
        t0 = time.perf_counter()
        build_store(store, args.store_markers, seed_ids)
        built = time.perf_counter() - t0
        log(f"store built in {built:.1f} s, {store.stat().st_size / 1e6:.0f} MB")
        cmd = [sys.executable, "-m", "paperterm", "list"]
        warm = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if warm.returncode != 0:
            raise RuntimeError(f"paperterm list failed ({warm.returncode}):\n{warm.stderr[-3000:]}")
        shown = len(warm.stdout.splitlines())
        runs = [run_measured(["list"], env, Path(work)) for _ in range(max(1, args.repeat))]
        if any(code != 0 for _, _, code in runs):
            raise RuntimeError("paperterm list failed during the measured runs")
        log(f"list: {[round(w, 3) for w, _, _ in runs]} s, "
            f"{max(r for _, r, _ in runs):.0f} MB peak")
        walls = [w for w, _, _ in runs]
        return {"markers": args.store_markers, "papers_shown": shown, "runs_s": walls,
                "summary": {"list_s": statistics.median(walls), "list_max_s": max(walls),
                            "list_rss_mb": max(r for _, r, _ in runs), "build_s": built,
                            "store_mb": store.stat().st_size / 1e6}}


def store_table(store: dict) -> str:
    headers = ["metric", f"{store['markers']:,} stored markers", "target (issue 17)", "verdict"]
    rows = []
    for key, label, unit, target in STORE_ROWS:
        v = store["summary"].get(key)
        rows.append([label, "n/a" if v is None else _num(v),
                     target.describe(unit) if target else "",
                     target.verdict(v, unit) if target else ""])
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join([f"Large marker store: {store['papers_shown']} seed papers listed, "
                      f"{len(store['runs_s'])} runs", "", *lines])


def summarize(m: dict) -> dict:
    ms = 1000.0
    s: dict[str, float | None] = {}
    s["parse_mb_s"] = m["parse"]["mb_s"]
    s["parse_json_mb_s"] = m.get("parse_json", {}).get("mb_s")
    s["library_cold_s"] = m["load_cold"]["library_s"]
    s["parse_one_s"] = m["load_cold"].get("parse_one_s")
    s["parse_two_s"] = m["load_cold"].get("parse_two_s")
    s["index_build_s"] = m["load_cold"]["index_s"]
    s["cached_load_s"] = m["load_cached"]["cached_s"]
    s["paint_first_s"] = statistics.median(r["first_paint_s"] for r in m["start_first"])
    s["paint_cached_s"] = statistics.median(r["first_paint_s"] for r in m["start_cached"])
    keys = m["session"]["keystroke_s"]
    s["key_p50_ms"] = _scaled(percentile(keys, 50), ms)
    s["key_p95_ms"] = _scaled(percentile(keys, 95), ms)
    s["key_max_ms"] = _scaled(max(keys) if keys else None, ms)
    s["echo_p95_ms"] = _scaled(percentile(m["session"]["echo_s"], 95), ms)
    raw = m["search"]["search_s"]
    s["search_p50_ms"] = _scaled(percentile(raw, 50), ms)
    s["search_p95_ms"] = _scaled(percentile(raw, 95), ms)
    fzf = m.get("fzf")
    s["fzf_p50_ms"] = _scaled(percentile(fzf["seconds"], 50), ms) if fzf else None
    s["fzf_p95_ms"] = _scaled(percentile(fzf["seconds"], 95), ms) if fzf else None
    s["vs_fzf_tui"] = (s["fzf_p50_ms"] / s["key_p50_ms"]) if fzf and s["key_p50_ms"] else None
    s["vs_fzf_search"] = (s["fzf_p50_ms"] / s["search_p50_ms"]) if fzf and s["search_p50_ms"] else None
    cpu = m["session"]["cursor_cpu_s"]
    s["cursor_cpu_ms"] = _scaled(statistics.median(cpu) if cpu else None, ms)
    pilot = m["session"].get("cursor_cpu_pilot_s")
    s["cursor_pilot_ms"] = _scaled(statistics.median(pilot) if pilot else None, ms)
    wall = m["session"]["cursor_wall_s"]
    s["cursor_wall_ms"] = _scaled(statistics.median(wall) if wall else None, ms)
    s["rss_session_mb"] = m["session"]["rss_mb"]
    s["rss_first_mb"] = max(r["rss_mb"] for r in m["start_first"])
    s["rss_child_mb"] = max((r.get("cache_writer_rss_mb") or 0 for r in m["start_first"]),
                            default=0) or None
    similar = m.get("similar")
    if similar:
        s["similar_build_s"] = similar.get("similar_build_s")
        s["similar_m_p50_ms"] = _scaled(percentile(similar["m_s"], 50), ms)
        s["similar_m_p95_ms"] = _scaled(percentile(similar["m_s"], 95), ms)
        s["for_you_learnt_s"] = similar.get("for_you_learnt_s")
        s["for_you_rerank_ms"] = _scaled(statistics.median(similar["rerank_s"]), ms)
        s["rss_similar_mb"] = similar["rss_mb"]
    s["search_ready_first_s"] = statistics.median(r.get("search_ready_s") or r["first_paint_s"]
                                                  for r in m["start_first"])
    s["first_papers"] = statistics.median(r.get("papers_first") or r["papers"]
                                          for r in m["start_first"])
    s["whole_first_s"] = statistics.median(r.get("whole_library_s") or r["first_paint_s"]
                                           for r in m["start_first"])
    return s


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


# -- report ------------------------------------------------------------------------------------

def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import textual
        textual_version = textual.__version__
    except Exception:  # noqa: BLE001
        textual_version = None
    import paperterm

    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "textual": textual_version,
            "paperterm": paperterm.__version__, "textual_fps": os.environ.get("TEXTUAL_FPS"),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def table(results: dict[int, dict], info: dict, store: dict | None = None) -> str:
    if not results:
        head = (f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
                f"{info['platform']}")
        return "\n".join([head, "", store_table(store)]) if store else head
    sizes = sorted(results)
    headers = ["metric", *(f"{n:,} papers" for n in sizes), "target (issue, at 100k)", "verdict"]
    rows: list[list[str]] = []
    for key, label, unit, target in ROWS:
        cells = [label]
        for n in sizes:
            v = results[n]["summary"].get(key)
            cells.append("n/a" if v is None else _num(v))
        if target is None:
            cells += ["", ""]
        else:
            # The verdict is on the largest size measured; smaller sizes are for scaling.
            largest = results[sizes[-1]]["summary"].get(key)
            cells += [target.describe(unit), target.verdict(largest, unit)]
        rows.append(cells)
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    units = (f"Verdicts are for the largest size measured ({sizes[-1]:,} papers); "
             "smaller sizes show how each figure scales.")
    head = (f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
            f"Textual {info['textual']}, {info['platform']}"
            + (f"; TEXTUAL_FPS={info['textual_fps']}" if info.get("textual_fps") else ""))
    problems = [f"{n:,} papers: {p}" for n in sizes for p in results[n].get("problems", [])]
    notes = ["", "PROBLEMS (figures above may be wrong):", *problems] if problems else []
    tail = ["", store_table(store)] if store else []
    return "\n".join([head, "", *lines, "", units, *notes, *tail])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure paperterm against its performance targets.")
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated corpus sizes in distinct papers (default 1k,10k,100k)")
    parser.add_argument("--json", type=Path, help="also write every measurement to this JSON file")
    parser.add_argument("--repeat", type=int, default=3, help="cached starts per size (median)")
    parser.add_argument("--cold-repeat", type=int, default=1, help="first starts per size")
    parser.add_argument("--steps", type=int, default=100, help="cursor steps measured")
    parser.add_argument("--no-similar", action="store_true",
                        help="skip similar papers and for-you (they build a TF-IDF matrix)")
    parser.add_argument("--queries", type=lambda s: tuple(json.loads(s)), default=QUERIES,
                        help="JSON list of queries to type (default: a built-in set of 12)")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="corpus directory")
    parser.add_argument("--store-markers", type=int, default=1_000_000, metavar="N",
                        help="markers in the large-store case (default 1,000,000; 0 skips it)")
    parser.add_argument("--only-store", action="store_true",
                        help="measure only the large-store case (no corpus sizes)")
    parser.add_argument("--parse-only", action="store_true",
                        help="measure parse throughput only (page text and API JSON)")
    parser.add_argument("--report", type=Path, metavar="JSON",
                        help="only print the table of a JSON file written by --json")
    args = parser.parse_args(argv)
    if args.report:
        saved = json.loads(args.report.read_text(encoding="utf-8"))
        print(table({int(k): v for k, v in saved["results"].items()}, saved["machine"],
                    saved.get("store")))
        return 0
    info = machine()
    results: dict[int, dict] = {}
    for size in ([] if args.only_store else parse_sizes(args.sizes)):
        print(f"measuring {size:,} papers ...", file=sys.stderr, flush=True)
        results[size] = measure_size(size, args)
    store = None
    if args.store_markers > 0 and not args.parse_only:
        print(f"measuring a store of {args.store_markers:,} markers ...", file=sys.stderr,
              flush=True)
        store = measure_store(args)
    report = table(results, info, store)
    print(report)
    if args.json:
        payload = {"machine": info, "queries": list(args.queries), "report": report,
                   "targets": {k: (t.describe(u) if t else None) for k, _, u, t in ROWS},
                   "results": {str(k): v for k, v in results.items()}, "store": store}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
