"""Deterministic benchmark corpora: realistic Daily Papers listings at any size, from the seed text.

paperterm must be measured on data that looks like what users keep, not on ``"paper 1" ... "paper N"``:
the parser's cost depends on abstract length and meta-block variety, search cost on a real vocabulary.
So every title here is a new sentence walked through a word chain learnt from the real seed titles,
every abstract is recombined from real seed sentences (URLs, ``$maths$`` and all), and the listings
use every variant of the format the seeds show (or the parser accepts): header blocks present or
missing, a page date or none, meta blocks with ``N authors``, an organisation line or none at all,
dates with and without a year, with and without a trailing upvote count, papers listed again in later
listings, and a few files with CRLF line ends, a byte-order mark, trailing spaces or extra blank lines.

One listing in ``API_SHARE`` is written instead as a Hugging Face API day file
(``listings/hf-daily/YYYY-MM-DD.json``, the shape ``paperterm fetch`` saves): arXiv ids, titles and
abstracts with arXiv's line wraps, 1 to hundreds of author objects whose names are recombined from
the real names in ``tests/fixtures/hf_api``, upvotes, comments, and in part of the entries a code
repository with stars, a project page, an organisation, an AI summary (a seed sentence) and AI
keywords (title words), with the extra keys the real API sends (``_id``, ``hidden``, ...) so the
bytes per paper are realistic.

``size`` is the number of *distinct* papers the merged library will hold (what the user sees);
repeats make the listings about 15 % longer than that. The same size always gives byte-identical
files (fixed seed, no dependence on time or dictionary order), and a ``MANIFEST.json`` records what
was generated so a second run reuses the corpus instead of writing it again.

Layout: ``<root>/<size>/listings/listing_00001.txt ...``, ``listings/hf-daily/*.json``, plus ``titles.lst`` (one title per distinct
paper, first-seen order; the input for ``fzf --filter``) and ``MANIFEST.json``.

Usage: ``python benchmarks/corpus.py [--sizes 1000,10000,100000] [--out DIR] [--force]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

#: Bump when the output for a given size changes, so old corpora are regenerated.
GENERATOR_VERSION = 2
SEED = "paperterm-bench-1"
PAPERS_PER_LISTING = 100
#: Share of a listing's entries that are papers already listed in an earlier file.
REPEAT_SHARE = 0.15
#: One listing in this many is an API day file.
API_SHARE = 4
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "hf_api"

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
        first, last = set(), set()
        for path in sorted(FIXTURES.glob("*.json")):
            for entry in json.loads(path.read_text(encoding="utf-8")):
                for author in entry["paper"]["authors"]:
                    parts = author["name"].split()
                    if len(parts) >= 2:
                        first.add(parts[0])
                        last.add(parts[-1])
        self.first_names = sorted(first) or ["Ada"]
        self.last_names = sorted(last) or ["Lovelace"]
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


def _wrap(text: str, width: int, indent: str) -> str:
    """arXiv's line wraps: lines of at most ``width`` characters joined by ``"\n" + indent``."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return ("\n" + indent).join(lines)


def _api_entry(gen: Generator, entry: _Entry, number: int, day: str, repeat: bool) -> dict:
    """One API entry for ``entry``: stable per paper (its id, names, code), figures per listing."""
    rng = gen.rng
    paper_rng = random.Random(f"{SEED}-{entry.title}")  # the same paper looks the same every day
    text = gen.text
    count = min(int(paper_rng.expovariate(1 / 7)) + 1, 300)
    authors = [{"_id": f"{paper_rng.getrandbits(96):024x}",
                "name": f"{paper_rng.choice(text.first_names)} {paper_rng.choice(text.last_names)}",
                "hidden": False} for _ in range(count)]
    submitted = dt.date.fromisoformat(day) - dt.timedelta(days=paper_rng.randint(1, 6))
    arxiv_id = f"{submitted.year % 100:02d}{submitted.month:02d}.{number % 100000:05d}"
    published = f"{submitted.isoformat()}T{number % 24:02d}:00:00.000Z"
    upvotes = (entry.upvotes or 0) + (rng.randint(0, 20) if repeat else 0)
    paper: dict = {
        "id": arxiv_id, "authors": authors, "publishedAt": published,
        "submittedOnDailyAt": f"{day}T03:{number % 60:02d}:00.000Z",
        "title": _wrap(entry.title, 70, "  "),
        "submittedOnDailyBy": {"_id": f"{paper_rng.getrandbits(96):024x}",
                               "avatarUrl": "/avatars/0000.svg", "isPro": False,
                               "fullname": authors[0]["name"], "user": "someone", "type": "user"},
        "summary": _wrap(entry.abstract, 80, ""),
        "upvotes": upvotes, "discussionId": f"{paper_rng.getrandbits(96):024x}",
    }
    if paper_rng.random() < 0.4:
        paper["githubRepo"] = f"https://github.com/{authors[0]['name'].split()[-1].lower()}/" \
                              f"repo{number}"
        paper["githubStars"] = int(paper_rng.expovariate(1 / 80))
    if paper_rng.random() < 0.2:
        paper["projectPage"] = f"https://project{number}.github.io/"
    if paper_rng.random() < 0.7:
        paper["ai_summary"] = paper_rng.choice(text.sentences)
        words = [w.strip(":,.;()").lower() for w in entry.title.split() if len(w) > 3]
        paper["ai_keywords"] = sorted(set(words))[:12]
    item: dict = {"paper": paper, "publishedAt": published, "title": entry.title,
                  "summary": paper["summary"], "thumbnail": f"https://cdn/{arxiv_id}.png",
                  "numComments": rng.randint(0, 6), "isAuthorParticipating": False}
    if paper_rng.random() < 0.1:
        handle = paper_rng.choice(ORGANISATIONS)
        org = {"_id": f"{paper_rng.getrandbits(96):024x}", "name": handle.split()[0],
               "fullname": handle.partition(" ")[2], "avatar": "https://cdn/org.png"}
        paper["organization"] = item["organization"] = org
    return item


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
    numbers: dict[int, int] = {}  # id(entry) -> its number (its arXiv id)
    api_dir = listings / "hf-daily"
    api_dir.mkdir()
    total_bytes = entries_written = files = api_files = api_bytes = 0
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
        if files % API_SHARE == 2:  # the second listing, the sixth, ...: even small corpora have one
            api_files += 1
            day = _day(files)
            items = []
            for entry, repeat in entries:
                number = numbers.setdefault(id(entry), len(numbers) + 1)
                items.append(_api_entry(gen, entry, number, day, repeat))
            data = json.dumps(items, ensure_ascii=False, indent=2).encode("utf-8")
            (api_dir / f"{day}.json").write_bytes(data)
            api_bytes += len(data)
        else:
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
        "api_files": api_files,
        "api_bytes": api_bytes,
    }
    (out_dir / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _day(number: int) -> str:
    """The day of the ``number``-th listing: one a day from 2021-01-01, so days never repeat."""
    return (dt.date(2021, 1, 1) + dt.timedelta(days=number)).isoformat()


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
    if not listings.is_dir() or len(list(listings.glob("*.txt"))) + \
            len(list(listings.glob("hf-daily/*.json"))) != manifest.get("files"):
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
        print(f"{size:>7,} papers: {m['files']:,} files ({m['api_files']:,} API day files, "
              f"{m['api_bytes'] / 1e6:.1f} MB), {m['entries']:,} entries, "
              f"{m['bytes'] / 1e6:.1f} MB -> {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
