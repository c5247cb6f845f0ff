"""Deterministic benchmark corpora: realistic Daily Papers listings at any size, from the seed text.

paperterm must be measured on data that looks like what users keep, not on ``"paper 1" ... "paper N"``:
the parser's cost depends on abstract length and meta-block variety, search cost on a real vocabulary.
So every title here is a new sentence walked through a word chain learnt from the real seed titles,
every abstract is recombined from real seed sentences (URLs, ``$maths$`` and all), and the listings
use every variant of the format the seeds show (or the parser accepts): header blocks present or
missing, a page date or none, meta blocks with ``N authors``, an organisation line or none at all,
dates with and without a year, with and without a trailing upvote count, papers listed again in later
listings, and a few files with CRLF line ends, a byte-order mark, trailing spaces or extra blank lines.

``size`` is the number of *distinct* papers the merged library will hold (what the user sees);
repeats make the listings about 15 % longer than that. The same size always gives byte-identical
files (fixed seed, no dependence on time or dictionary order), and a ``MANIFEST.json`` records what
was generated so a second run reuses the corpus instead of writing it again.

Layout: ``<root>/<size>/listings/listing_00001.txt ...`` plus ``titles.lst`` (one title per distinct
paper, first-seen order; the input for ``fzf --filter``) and ``MANIFEST.json``.

Usage: ``python benchmarks/corpus.py [--sizes 1000,10000,100000] [--out DIR] [--force]``
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

#: Bump when the output for a given size changes, so old corpora are regenerated.
GENERATOR_VERSION = 1
SEED = "paperterm-bench-1"
PAPERS_PER_LISTING = 100
#: Share of a listing's entries that are papers already listed in an earlier file.
REPEAT_SHARE = 0.15

HERE = Path(__file__).resolve().parent
DEFAULT_ROOT = HERE / "corpus"
SEEDS = HERE.parent / "seeds"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
HEADER = ("new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
          "byAK and the research community")
ORGANISATIONS = ("qualcomm Qualcomm", "google Google", "meta-llama Meta Llama", "nvidia NVIDIA",
                 "microsoft Microsoft", "allenai Ai2", "deepseek-ai DeepSeek", "Qwen Qwen",
                 "apple Apple", "stanford Stanford AI Lab")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(slots=True)
class _Entry:
    """One distinct paper as the generator knows it (its shown fields, before formatting)."""

    title: str
    abstract: str
    meta: str | None  # "  • N authors" or an organisation line, or None for no meta block
    month: int
    day: int
    year: int | None  # None: shown without a year (the listing's own year)
    upvotes: int | None


class SeedText:
    """Titles and abstract sentences of the real seed listings, read with paperterm's own parser."""

    def __init__(self, seeds_dir: Path = SEEDS) -> None:
        from paperterm.sources import decode_listing
        from paperterm.sources.hf_daily import parse_listing

        papers = []
        for path in sorted(seeds_dir.glob("*.txt")):
            papers.extend(parse_listing(decode_listing(path.read_bytes()), path.name).papers)
        seen: set[str] = set()
        self.titles: list[str] = []
        self.abstract_lengths: list[int] = []
        self.sentences: list[str] = []
        for paper in papers:
            if paper.id in seen:
                continue
            seen.add(paper.id)
            self.titles.append(paper.title)
            if paper.abstract:
                self.abstract_lengths.append(len(paper.abstract))
                self.sentences.extend(s for s in _SENTENCE_END.split(paper.abstract) if s)
        if not self.titles or not self.sentences:
            raise SystemExit(f"corpus: no seed text found in {seeds_dir}")
        # Order-1 word chain over titles. Lists (not sets) keep generation deterministic.
        self.starts: list[str] = []
        self.follow: dict[str, list[str | None]] = {}
        for title in self.titles:
            words = title.split()
            self.starts.append(words[0])
            for a, b in zip(words, words[1:] + [None]):
                self.follow.setdefault(a, []).append(b)


class Generator:
    """Makes distinct papers and formats listings; all randomness comes from one seeded ``Random``."""

    def __init__(self, size: int, seed_text: SeedText, seed: str = SEED) -> None:
        self.size = size
        self.text = seed_text
        self.rng = random.Random(f"{seed}-{size}")
        self._ids: set[str] = set()

    def title(self) -> str:
        """A title no earlier paper has (by paperterm's id), walked through the seed-title chain."""
        from paperterm.model import paper_id

        rng, follow = self.rng, self.text.follow
        while True:
            words = [rng.choice(self.text.starts)]
            while len(words) <= 24:
                nxt = rng.choice(follow.get(words[-1], [None]))
                if nxt is None:
                    break
                words.append(nxt)
            if not 3 <= len(words) <= 24:  # too short, or never reached a real title ending
                continue
            title = " ".join(words)
            pid = paper_id(title)
            if pid not in self._ids:
                self._ids.add(pid)
                return title

    def abstract(self) -> str:
        rng = self.rng
        target = rng.choice(self.text.abstract_lengths)
        parts: list[str] = []
        length = 0
        while length < target - 90:  # stop within about half a sentence of the seed length
            sentence = rng.choice(self.text.sentences)
            parts.append(sentence)
            length += len(sentence) + 1
        return " ".join(parts)

    def entry(self, listing_year: int) -> _Entry:
        rng = self.rng
        roll = rng.random()
        if roll < 0.86:
            meta: str | None = f"  • {min(int(rng.expovariate(1 / 6)) + 1, 400)} authors"
        elif roll < 0.90:
            meta = rng.choice(ORGANISATIONS)
        else:
            meta = None
        month = rng.randint(1, 12)
        day = rng.randint(1, DAYS_IN_MONTH[month - 1])
        year = None if rng.random() < 0.3 else rng.randint(listing_year - 6, listing_year - 1)
        upvotes = rng.randint(1, 300) if rng.random() < 0.15 else None
        return _Entry(self.title(), self.abstract(), meta, month, day, year, upvotes)


def _format_listing(rng: random.Random, entries: list[tuple[_Entry, bool]], listing_year: int,
                    with_meta: bool) -> bytes:
    """One listing file's bytes. ``entries`` pairs each paper with whether it is a repeat."""
    blocks: list[str] = []
    style = rng.random()
    if style < 0.70:
        blocks.extend(HEADER)
    elif style < 0.85:
        blocks.extend(h for h in HEADER if h != "Daily Papers")
    if style < 0.95:
        month = rng.randint(1, 12)
        blocks.append(f"{MONTHS[month - 1]} {rng.randint(1, DAYS_IN_MONTH[month - 1])}")
    for entry, repeat in entries:
        blocks.append(entry.title)
        blocks.append(entry.abstract)
        if not with_meta or entry.meta is None:
            continue
        # A repeat shown in a later listing carries its year explicitly and may have more upvotes.
        year = entry.year if entry.year is not None or not repeat else listing_year - 1
        date = f"{MONTHS[entry.month - 1]} {entry.day}" + (f", {year}" if year is not None else "")
        upvotes = entry.upvotes
        if repeat and upvotes is not None:
            upvotes += rng.randint(0, 20)
        if upvotes is not None:
            date += f" {upvotes}"
        blocks.append(f"{entry.meta}\n·\n{date}")
    separator = "\n\n\n" if rng.random() < 0.03 else "\n\n"
    text = separator.join(blocks) + ("\n" if rng.random() < 0.95 else "")
    variant = rng.random()
    if variant < 0.02:
        text = text.replace("\n", "\r\n")
    elif variant < 0.04:
        text = text.replace("\n", "  \n")
    data = text.encode("utf-8")
    if rng.random() < 0.01:
        data = b"\xef\xbb\xbf" + data
    return data


def generate(size: int, out_dir: Path, seed_text: SeedText | None = None) -> dict:
    """Write a corpus of ``size`` distinct papers into ``out_dir`` (replacing it); return its manifest."""
    if size < 1:
        raise ValueError("size must be at least 1")
    seed_text = seed_text or SeedText()
    gen = Generator(size, seed_text)
    rng = gen.rng
    if out_dir.exists():
        shutil.rmtree(out_dir)
    listings = out_dir / "listings"
    listings.mkdir(parents=True)
    made: list[_Entry] = []
    total_bytes = entries_written = files = 0
    first_year, last_year = 2021, 2025
    n_files = max(1, round(size / (PAPERS_PER_LISTING * (1 - REPEAT_SHARE))))
    while len(made) < size:
        files += 1
        listing_year = first_year + (files - 1) * (last_year - first_year + 1) // n_files
        listing_year = min(listing_year, last_year)
        entries: list[tuple[_Entry, bool]] = []
        for _ in range(PAPERS_PER_LISTING):
            if made and rng.random() < REPEAT_SHARE:
                entries.append((rng.choice(made), True))
            elif len(made) < size:
                made.append(gen.entry(listing_year))
                entries.append((made[-1], False))
        with_meta = rng.random() >= 0.1  # one listing in ten has no meta blocks at all
        data = _format_listing(rng, entries, listing_year, with_meta)
        (listings / f"listing_{files:05d}.txt").write_bytes(data)
        total_bytes += len(data)
        entries_written += len(entries)
    (out_dir / "titles.lst").write_text("".join(e.title + "\n" for e in made), encoding="utf-8")
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": SEED,
        "size": size,
        "files": files,
        "entries": entries_written,
        "distinct": len(made),
        "bytes": total_bytes,
    }
    (out_dir / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(out_dir: Path) -> dict | None:
    """The manifest of an existing, complete corpus of the current generator version, else ``None``."""
    try:
        manifest = json.loads((out_dir / "MANIFEST.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("generator_version") != GENERATOR_VERSION \
            or manifest.get("seed") != SEED:
        return None
    listings = out_dir / "listings"
    if not listings.is_dir() or len(list(listings.glob("*.txt"))) != manifest.get("files"):
        return None
    return manifest


def ensure_corpus(size: int, root: Path = DEFAULT_ROOT, force: bool = False) -> tuple[Path, dict]:
    """The directory of the corpus of ``size`` papers under ``root``, generated only if needed."""
    out_dir = root / str(size)
    manifest = None if force else read_manifest(out_dir)
    if manifest is None or manifest.get("size") != size:
        manifest = generate(size, out_dir)
    return out_dir, manifest


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        factor = 1000 if part.endswith("k") else 1
        sizes.append(int(part.rstrip("k")) * factor)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write deterministic benchmark listings.")
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated distinct-paper counts (1k/10k suffixes allowed)")
    parser.add_argument("--out", type=Path, default=DEFAULT_ROOT, help="root directory")
    parser.add_argument("--force", action="store_true", help="regenerate even if present")
    args = parser.parse_args(argv)
    for size in parse_sizes(args.sizes):
        out_dir, m = ensure_corpus(size, args.out, force=args.force)
        print(f"{size:>7,} papers: {m['files']:,} files, {m['entries']:,} entries, "
              f"{m['bytes'] / 1e6:.1f} MB -> {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
