"""The Hugging Face Daily Papers text dump: the text of a papers page, as copied from a browser.

A listing is a sequence of blocks separated by blank lines::

    new / Get trending papers in your email inbox! / Subscribe / Daily Papers /
    byAK and the research community          (optional header blocks, any of them may be missing)
    Dec 9                                    (the page date, no year)

    Title of the paper                       (one line)

    The abstract, one paragraph.

      • 4 authors                            (optional meta block: author count or organisation,
    ·                                          a middle dot,
    Aug 28, 2023 1                             the date, with a year unless it is the listing's
                                               own year, and an optional upvote count)

Dates without a year belong to the listing's year, which the page does not show. It is inferred as
one past the newest explicit year among the listing's papers (the page shows a year exactly when it
differs from the current one), but never later than the file's modification year.
"""

from __future__ import annotations

import datetime as dt
import re

from paperterm.model import Paper, paper_id
from paperterm.sources import ParseResult

#: Titles longer than this are taken as a sign of a broken file, not a real title.
MAX_TITLE_LENGTH = 2000
#: Author counts above this are garbage, not a paper.
MAX_AUTHORS = 100_000

HEADER_LINES = frozenset(
    line.casefold()
    for line in (
        "new",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
    )
)

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}

_DATE = re.compile(
    r"(?P<month>[A-Za-z]{3})[a-z]*\.? +(?P<day>\d{1,2})(?:, *(?P<year>\d{4}))?(?: +(?P<upvotes>\d+))?"
)
_AUTHORS = re.compile(r"•?\s*(?P<count>\d+)\s+authors?", re.IGNORECASE)
_BLANK_LINES = re.compile(r"(\n(?:[ \t\f\v\u00a0]*\n)+)")
_TRAILING_SPACE = re.compile(r"[ \t\f\v\u00a0]+(?=\n|$)")
_URL = re.compile(r"https?://[^\s<>\"'{}|\\^`]+")
_URL_TRAILING = ".,;:!?)]}>*"
_META_DOT = "·"


def _clean(text: str) -> str:
    """Normalise line ends and trailing white space, so blocks split on truly blank lines."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TRAILING_SPACE.sub("", text).strip("\n")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Split cleaned text into ``(first line number, lines)`` blocks at blank lines."""
    parts = _BLANK_LINES.split(text)
    blocks: list[tuple[int, list[str]]] = []
    line = 1
    for i, part in enumerate(parts):
        if i % 2:  # a separator run of blank lines
            line += part.count("\n")
            continue
        if part.strip():
            lines = [s for s in part.split("\n")]
            # Leading blank-ish lines can only be spaces-only lines that survived; drop them.
            blocks.append((line, [s for s in lines if s.strip()]))
        line += part.count("\n")
    return blocks


def extract_urls(text: str) -> tuple[str, ...]:
    """The http(s) URLs in ``text``, in order, without repeats or trailing punctuation."""
    seen: dict[str, None] = {}
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_URL_TRAILING)
        if url.count("(") > url.count(")") and match.group(0)[len(url):len(url) + 1] == ")":
            url += ")"
        if len(url) > len("https://"):
            seen.setdefault(url, None)
    return tuple(seen)


def is_meta_block(lines: list[str]) -> bool:
    """A meta block is the one with a line holding only the middle dot, followed by a date line."""
    return any(line.strip() == _META_DOT for line in lines[:-1]) and len(lines) <= 4


def parse_date_line(line: str) -> tuple[int | None, int | None, int | None, int | None] | None:
    """``(month, day, year or None, upvotes or None)`` of a date line, or ``None`` if it is not one."""
    match = _DATE.fullmatch(line.strip())
    if not match or match.group("month").lower()[:3] not in _MONTHS:
        return None
    year = match.group("year")
    upvotes = match.group("upvotes")
    return (
        _MONTHS[match.group("month").lower()[:3]],
        int(match.group("day")),
        int(year) if year else None,
        int(upvotes) if upvotes else None,
    )


class _Draft:
    """A paper being assembled; turned into a ``Paper`` once its year can be resolved."""

    __slots__ = ("title", "abstract", "authors", "organization", "date", "date_text", "upvotes", "line")

    def __init__(self, title: str, line: int) -> None:
        self.title = title
        self.abstract = ""
        self.authors: int | None = None
        self.organization: str | None = None
        self.date: tuple[int, int, int | None] | None = None
        self.date_text: str | None = None
        self.upvotes: int | None = None
        self.line = line


def _read_meta(draft: _Draft, lines: list[str], where: str, warnings: list[str]) -> None:
    dot = next(i for i, line in enumerate(lines) if line.strip() == _META_DOT)
    for line in lines[:dot]:
        who = line.strip()
        match = _AUTHORS.fullmatch(who)
        if match:
            count = int(match.group("count"))
            if 0 < count <= MAX_AUTHORS:
                draft.authors = count
            else:
                warnings.append(f"{where}: implausible author count {match.group('count')!r}; ignored")
        elif who:
            draft.organization = who
    rest = [line.strip() for line in lines[dot + 1:] if line.strip()]
    if not rest:
        warnings.append(f"{where}: meta block has no date")
        return
    draft.date_text = rest[0]
    parsed = parse_date_line(rest[0])
    if parsed is None:
        warnings.append(f"{where}: unrecognised date {rest[0]!r}; kept as text")
        return
    month, day, year, upvotes = parsed
    # Keep only the date part as the shown text; the upvote count is its own field.
    if upvotes is not None:
        draft.date_text = rest[0].rsplit(" ", 1)[0]
    draft.upvotes = upvotes
    check_year = year if year is not None else 2000  # a leap year, so Feb 29 passes here
    try:
        dt.date(check_year, month, day)
    except ValueError:
        warnings.append(f"{where}: impossible date {draft.date_text!r}; date left unknown")
        return
    draft.date = (month, day, year)


def _finish(draft: _Draft, listing_year: int | None, source: str, where: str,
            warnings: list[str]) -> Paper:
    published: str | None = None
    inferred = False
    if draft.date is not None:
        month, day, year = draft.date
        if year is None and listing_year is not None:
            year, inferred = listing_year, True
        if year is not None:
            try:
                published = dt.date(year, month, day).isoformat()
            except ValueError:
                warnings.append(f"{where}: {draft.date_text!r} does not exist in {year}; date left unknown")
                inferred = False
    return Paper(
        id=paper_id(draft.title),
        title=draft.title,
        abstract=draft.abstract,
        authors=draft.authors,
        organization=draft.organization,
        published=published,
        published_text=draft.date_text,
        published_inferred=inferred and published is not None,
        upvotes=draft.upvotes,
        urls=extract_urls(draft.abstract),
        sources=(source,),
    )


def parse_listing(text: str, source: str, max_year: int | None = None) -> ParseResult:
    """Parse the text of one listing. Pure: the same input always gives the same papers.

    ``source`` names the listing in each paper's ``sources`` and in warnings; ``max_year`` (usually
    the file's modification year) caps the year inferred for dates shown without one.
    """
    result = ParseResult()
    warnings = result.warnings
    blocks = _blocks(_clean(text))

    i = 0
    # Header: any of the known header lines, then the page date, all optional.
    while i < len(blocks):
        line_no, lines = blocks[i]
        if len(lines) == 1 and lines[0].strip().casefold() in HEADER_LINES:
            i += 1
            continue
        if len(lines) == 1 and result.page_date is None and (parsed := parse_date_line(lines[0])) \
                and parsed[2] is None and parsed[3] is None:
            result.page_date = lines[0].strip()
            i += 1
            continue
        break

    drafts: list[_Draft] = []
    current: _Draft | None = None  # a paper that has its title but not yet its abstract
    last: _Draft | None = None  # the latest complete paper, which a meta block may follow
    for line_no, lines in blocks[i:]:
        where = f"{source}:{line_no}"
        if is_meta_block(lines):
            target = current or last
            if target is None or (target is last and target.date_text is not None):
                warnings.append(f"{where}: meta block without a paper; ignored")
                continue
            if current is not None:
                warnings.append(f"{where}: paper {current.title[:60]!r} has no abstract")
                drafts.append(current)
                current = None
            _read_meta(target, lines, where, warnings)
            last = None
            continue
        joined = " ".join(line.strip() for line in lines)
        if current is None:
            if len(joined) > MAX_TITLE_LENGTH:
                warnings.append(
                    f"{where}: title of {len(joined):,} characters (over {MAX_TITLE_LENGTH:,}); "
                    "paper skipped"
                )
                current = _Draft("", line_no)  # swallow its abstract, keep alignment
                current.title = ""
                continue
            current = _Draft(joined, line_no)
            last = None
        else:
            current.abstract = joined
            if current.title:
                drafts.append(current)
                last = current
            current = None
    if current is not None and current.title:
        warnings.append(
            f"{source}:{current.line}: last paper {current.title[:60]!r} is truncated "
            "(no abstract); skipped"
        )

    explicit_years = [d.date[2] for d in drafts if d.date and d.date[2] is not None]
    listing_year = max(explicit_years) + 1 if explicit_years else None
    if listing_year is not None and max_year is not None:
        listing_year = min(listing_year, max_year)
    result.papers = [_finish(d, listing_year, source, f"{source}:{d.line}", warnings) for d in drafts]
    if not result.papers:
        warnings.append(f"{source}: no papers found")
    return result
