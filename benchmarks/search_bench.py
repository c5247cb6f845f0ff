"""Quick local benchmark of ``paperterm.search`` at scale (not a test; timings vary by machine).

Builds a deterministic synthetic library by recombining the seed papers' title words and abstract
sentences, with a long tail of rare made-up words (real corpora keep growing their vocabulary:
model names, acronyms), then prints index build time, pickle size and load time, and the latency of
``SearchIndex.search`` (all matches, no limit) for queries typed one character at a time.

    python benchmarks/search_bench.py [--papers 100000] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from paperterm.library import load_library  # noqa: E402
from paperterm.model import Paper, paper_id  # noqa: E402
from paperterm.search import QueryError, SearchIndex, parse_query  # noqa: E402

QUERIES = [
    # typed one character at a time, as in the TUI
    "grokking lazy rich",
    "grok",
    "attention",
    "diffusion model",
    "language models",
    "in-context learning",
    "mixture of experts",
    "scaling laws",
    "quantization",
    "chain-of-thought",
    "llm agent",
    "robot",
    "transformr",          # typo
    "grokign",             # typo
    "reinforcement learning",
    "transformers -vision",
    "sparse autoencoder",
    "year:>=2023 emergence",
    "\"large language\"",  # a phrase: checked on the text of the candidates
]

SYLLABLES = ["ka", "lo", "mi", "ne", "ro", "tu", "vex", "zor", "qua", "bri", "sto", "fen", "gal",
             "dra", "pli", "mon", "sen", "tor", "xi", "yu", "hep", "lum", "cor", "nad"]


def synthetic_library(n: int, seed: int = 1234) -> list[Paper]:
    rng = random.Random(seed)
    seeds = load_library([ROOT / "seeds"]).papers
    title_words = [w for p in seeds for w in p.title.split()]
    sentences = [s.strip() for p in seeds for s in p.abstract.split(". ") if len(s) > 20]
    rare = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) + str(i % 7 or "")
            for i in range(300_000)]

    def rare_word() -> str:
        # Log-uniform index: a Zipf-like tail where few rare words are common, most appear once.
        return rare[int(len(rare) ** rng.random()) - 1]

    def mutate(words: list[str], p: float) -> list[str]:
        return [rare_word() if rng.random() < p else w for w in words]

    papers = list(seeds)
    titles = {p.title for p in papers}
    while len(papers) < n:
        title = " ".join(mutate(rng.sample(title_words, rng.randint(5, 13)), 0.15))
        if rng.random() < 0.2:
            title = rare_word().capitalize() + "-" + rng.choice(["Bench", "LM", "7B", "Zero"]) + \
                ": " + title
        if title in titles:
            continue
        titles.add(title)
        abstract = ". ".join(" ".join(mutate(s.split(), 0.04))
                             for s in rng.sample(sentences, rng.randint(5, 9))) + "."
        year = rng.randint(2017, 2025)
        published = None if rng.random() < 0.05 else \
            f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        papers.append(Paper(
            id=paper_id(title), title=title, abstract=abstract,
            authors=None if rng.random() < 0.1 else rng.randint(1, 40),
            published=published, published_text=published,
            upvotes=None if rng.random() < 0.3 else int(rng.paretovariate(1.2)) - 1,
            sources=tuple(f"listing{rng.randint(0, 40)}.txt" for _ in range(rng.randint(1, 3))),
        ))
    return papers


def rss_mb() -> float | None:
    """The current resident set size (Linux), or None."""
    try:
        with open("/proc/self/statm") as fh:
            return round(int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6, 1)
    except (OSError, ValueError, IndexError):
        return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--freeze", action="store_true",
                        help="gc.freeze() after loading, before searching")
    args = parser.parse_args()

    t0 = time.perf_counter()
    papers = synthetic_library(args.papers)
    t_corpus = time.perf_counter() - t0

    gc.collect()
    rss_papers = rss_mb()
    t0 = time.perf_counter()
    index = SearchIndex(papers)
    t_build = time.perf_counter() - t0
    index.warm()
    gc.collect()
    rss_index = rss_mb()

    papers_blob = pickle.dumps(papers, protocol=pickle.HIGHEST_PROTOCOL)
    both_blob = pickle.dumps((papers, index), protocol=pickle.HIGHEST_PROTOCOL)
    t0 = time.perf_counter()
    pickle.loads(papers_blob)
    t_load_papers = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, index = pickle.loads(both_blob)
    t_load_both = time.perf_counter() - t0

    t0 = time.perf_counter()
    index.warm()  # what the TUI can do in the background after its first paint
    t_warm = time.perf_counter() - t0

    if args.freeze:
        gc.freeze()  # what an app does after loading: the loaded objects are never garbage
    latencies: list[float] = []
    per_query = {}
    slowest: list[tuple[float, str, int]] = []
    for text in QUERIES:
        times = []
        for i in range(1, min(len(text), 20) + 1):
            try:
                q = parse_query(text[:i])
            except QueryError:  # a filter being typed ("year:>"): the UI shows the error
                continue
            t0 = time.perf_counter()
            hits = index.search(q)
            times.append(time.perf_counter() - t0)
            slowest.append((times[-1], text[:i], len(hits)))
        latencies += times
        per_query[text] = {"max_ms": max(times) * 1e3, "final_hits": len(hits)}

    result = {
        "papers": len(papers),
        "cpus": os.cpu_count(),
        "corpus_seconds": round(t_corpus, 2),
        "build_seconds": round(t_build, 2),
        "pickle_mb_papers": round(len(papers_blob) / 1e6, 1),
        "pickle_mb_papers_and_index": round(len(both_blob) / 1e6, 1),
        "load_seconds_papers": round(t_load_papers, 3),
        "load_seconds_papers_and_index": round(t_load_both, 3),
        "warm_seconds": round(t_warm, 3),
        "rss_mb_papers": rss_papers,
        "rss_mb_added_by_index": None if rss_index is None or rss_papers is None
        else round(rss_index - rss_papers, 1),
        "vocabulary": len(index._words.vocab),
        "title_vocabulary": len(index._title_words.vocab),
        "keystrokes": len(latencies),
        "search_p50_ms": round(statistics.median(latencies) * 1e3, 2),
        "search_p95_ms": round(percentile(latencies, 0.95) * 1e3, 2),
        "search_max_ms": round(max(latencies) * 1e3, 2),
    }
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    print()
    for text, info in per_query.items():
        print(f"  {text!r:<28} max {info['max_ms']:6.1f} ms   {info['final_hits']:>6} hits")
    print("  slowest keystrokes:", ", ".join(f"{t!r} {s * 1e3:.1f} ms ({n} hits)"
                                           for s, t, n in sorted(slowest, reverse=True)[:8]))
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
