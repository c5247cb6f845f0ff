"""Search results pinned exactly: every hit (position, score, title match, fuzzy) of ~400 queries on
a generated 12,000-paper library, compared with ``tests/fixtures/search_golden.json``.

Why: ``SearchIndex.search`` is tuned for speed (bitsets, numpy, prebuilt hits, caches), and a
speed-up must never change a result or its order, including the ties and the long tail that the
hand-written tests in ``test_search.py`` do not look at. The library is large enough for what
only shows at scale (groups longer than ``rank.SCORED``, dense terms stored as bitsets, precomputed
short prefixes, typo matches below ``FUZZY_BELOW``), and is built from the seed papers and the API
fixtures (authors, organisations, keywords, code, arXiv ids), recombined deterministically.

The queries are typed one character at a time (as the reader searches on every keystroke, so the
caches that carry over from one keystroke to the next are exercised), then phrases, exclusions,
typos, arXiv ids, every kind of filter, marker filters with markers, ``is:new``, and limits.

The golden file was written by the search as it was before it was tuned (commit 43df6c8). Update it
(``PAPERTERM_UPDATE_GOLDEN=1 pytest tests/test_search_golden.py``) only for an intended ranking
change, or when a rapidfuzz upgrade changes its scores -- and look at the difference first.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import pytest

from paperterm.library import load_library
from paperterm.model import Marker, Paper, paper_id
from paperterm.search import SearchIndex

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "fixtures" / "search_golden.json"
SIZE = 12_000

TYPED = ["grok", "diffusion model", "language models", "in-context learning", "mixture of experts",
         "scaling laws", "quantization", "chain-of-thought", "llm agent", "transformr", "attention",
         "robot", "grokign", "lazy grokign", "\"large language\"", "\"in-context l", "transformers -vis",
         "kalo", "2405.2", "gpt-4"]
OTHER = [
    "", "   ", "a b", "learning", "learn", "model -model", "-grok", "-\"large language\"",
    "\"language model\" training", "\"scaling laws\"", "\"of the\"", "\"mixture of experts\" sparse",
    "atention", "trnsformer", "reinforcment learning", "grk", "difusion", "diffusoin models",
    "emergnce", "2405.21060", "2405-21060", "2410", "arxiv", "in-context -learning",
    "state-of-the-art", "of-the-art", "gpt", "llama-3", "7b", "zero", "bench",
    "author:dao", "author:\"tri dao\"", "author:gu mamba", "org:google", "org:meta learning",
    "kw:attention", "kw:\"language model\"", "has:code", "has:code transformer", "-has:code robot",
    "year:2023", "year:>=2022 diffusion", "year:2019..2021", "-year:2023 grok", "upvotes:>5",
    "upvotes:0", "upvotes:>=10 learning", "authors:<3", "seen:>=2", "seen:1 model", "stars:>10",
    "comments:>=1", "is:read", "is:unread", "is:starred", "-is:read learning", "has:note",
    "is:read model", "is:starred -grok", "tag:todo", "has:tags", "is:new", "is:new learning",
    "-is:new", "day:2024-06-03", "\"language\"", "\"lang\"", "transformers", "é", "ÉMERGENCE",
]
LIMITS = [("learning", 1), ("learning", 5), ("learning", 199), ("learning", 201), ("learning", 700),
          ("atention", 3), ("transformr", 10), ("", 7), ("is:unread", 50), ("l", 250)]


def golden_library(size: int = SIZE) -> list[Paper]:
    """The real papers, then generated ones recombining their words, sentences and fields."""
    rng = random.Random(20261203)
    real = load_library([ROOT / "seeds", ROOT / "tests" / "fixtures" / "hf_api"]).papers
    title_words = [w for p in real for w in p.title.split()]
    sentences = [s.strip() for p in real for s in p.abstract.split(". ") if len(s) > 20]
    names = sorted({n for p in real for n in p.author_names})
    orgs = sorted({p.organization for p in real if p.organization})
    keywords = sorted({k for p in real for k in p.keywords})
    syllables = ["ka", "lo", "mi", "ne", "ro", "tu", "vex", "zor", "qua", "bri", "sto", "fen"]
    rare = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(4000)]
    days = ["2024-06-03", "2025-03-20", "2025-10-06", "2023-01-09", "2022-11-30"]

    def word() -> str:
        return rare[int(len(rare) ** rng.random()) - 1] if rng.random() < 0.12 else \
            rng.choice(title_words)

    papers = list(real)
    seen = {p.title for p in papers}
    while len(papers) < size:
        title = " ".join(word() for _ in range(rng.randint(3, 12)))
        if rng.random() < 0.15:
            title = rng.choice(rare).capitalize() + "-" + rng.choice(["Bench", "LM", "7B"]) + \
                ": " + title
        if title in seen:
            continue
        seen.add(title)
        abstract = ". ".join(rng.sample(sentences, rng.randint(2, 6))) + "."
        api = rng.random() < 0.5
        year = rng.randint(2018, 2025)
        published = None if rng.random() < 0.05 else \
            f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 3):02d}"  # many equal dates: ties
        papers.append(Paper(
            id=paper_id(title), title=title, abstract=abstract,
            authors=None if rng.random() < 0.1 else rng.randint(1, 30),
            organization=rng.choice(orgs) if api and rng.random() < 0.5 else None,
            published=published, published_text=published,
            upvotes=None if rng.random() < 0.3 else rng.randint(0, 40),
            sources=tuple(f"listing{rng.randint(0, 9)}.txt" for _ in range(rng.randint(1, 3))),
            days=tuple(sorted(set(rng.sample(days, rng.randint(0, 2))))),
            arxiv_id=f"{rng.randint(2301, 2412)}.{rng.randint(0, 99999):05d}" if api else None,
            author_names=tuple(rng.sample(names, rng.randint(1, 4))) if api else (),
            github=f"https://github.com/x/r{len(papers)}" if api and rng.random() < 0.3 else None,
            github_stars=rng.randint(0, 500) if api and rng.random() < 0.3 else None,
            comments=rng.randint(0, 5) if api else None,
            keywords=tuple(rng.sample(keywords, rng.randint(0, 3))) if api and keywords else (),
        ))
    return papers


def marker_set(papers: list[Paper]) -> dict[str, Marker]:
    rng = random.Random(7)
    markers = {}
    for p in rng.sample(papers, len(papers) // 5):
        markers[p.id] = Marker(p.id, read=rng.random() < 0.7, starred=rng.random() < 0.3,
                               note=rng.choice([None, "", "  ", "a note"]),
                               tags=tuple(sorted(rng.sample(["todo", "later", "x"],
                                                            rng.randint(0, 2)))))
    return markers


def queries() -> list[str]:
    typed = [q[:i] for q in TYPED for i in range(1, len(q) + 1)]
    return typed + OTHER


def digest(hits) -> str:
    text = ";".join(f"{h.pos},{h.score!r},{int(h.title_match)},{int(h.fuzzy)}" for h in hits)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def results(index: SearchIndex, markers: dict, new_ids: frozenset[str]) -> dict[str, list]:
    """Per query: the number of hits, the first five positions, and a digest of every hit."""
    found = {}
    for key, query, limit in ([(q, q, None) for q in queries()]
                              + [(f"{q} [limit {n}]", q, n) for q, n in LIMITS]):
        hits = index.search(query, markers=markers, new_ids=new_ids, limit=limit)
        found[key] = [len(hits), [h.pos for h in hits[:5]], digest(hits)]
    return found


@pytest.fixture(scope="module")
def library() -> list[Paper]:
    return golden_library()


def test_search_results_are_exactly_the_pinned_ones(library):
    markers = marker_set(library)
    new_ids = frozenset(p.id for p in library[::7])
    index = SearchIndex(library)
    got = results(index, markers, new_ids)
    if os.environ.get("PAPERTERM_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=0, ensure_ascii=False) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert got.keys() == expected.keys()
    wrong = [key for key in expected if got[key] != expected[key]]
    assert not wrong, f"{len(wrong)} queries differ, e.g. {wrong[:5]}"
    # The reader's path: a warmed index, then pickled and loaded (as from the cache).
    index.warm()
    assert results(index, markers, new_ids) == expected
    import pickle
    clone = pickle.loads(pickle.dumps(index))
    assert results(clone, markers, new_ids) == expected


def test_search_positions_are_the_positions_of_the_hits(library):
    """What the reader shows (``search_positions``) is exactly the hits' positions, in order."""
    markers = marker_set(library)
    new_ids = frozenset(p.id for p in library[::7])
    index = SearchIndex(library)
    for query in queries():
        hits = index.search(query, markers=markers, new_ids=new_ids)
        got = index.search_positions(query, markers=markers, new_ids=new_ids)
        assert got == [h.pos for h in hits], query
    assert SearchIndex([]).search_positions("grok") == []
    assert SearchIndex([]).search_positions("is:unread") == []


def test_the_library_exercises_what_shows_at_scale(library):
    """The golden queries cover long groups, typo matches and every filter kind with hits."""
    expected = json.loads(GOLDEN.read_text())
    assert expected["l"][0] > 5000 and expected["learning"][0] > 1000
    assert 0 < expected["transformr"][0] and 0 < expected["grokign"][0]
    for key in ("author:dao", "org:google", "kw:attention", "has:code", "is:read", "is:new",
                "day:2024-06-03", "2405.21060", "\"large language\"", "tag:todo"):
        assert expected[key][0] > 0, key
