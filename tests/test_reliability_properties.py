"""Property tests: listings built at random from the format's grammar parse back to exactly the
papers put in, and no input at all, however broken, makes the parser raise.

The grammar and its deliberate limits are documented in ``paperterm.sources.hf_daily``: a title
line is never a header word or a date (it would be taken for the page header when first), and no
title or abstract line is exactly ``·`` or ``• N authors`` (they mark a meta block).
"""

from __future__ import annotations

import calendar
import codecs
import datetime as dt
import re
from dataclasses import dataclass

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from paperterm.sources import ListingError, decode_listing
from paperterm.sources.hf_daily import (HEADER_LINES, organization_name, parse_date_line,
                                       parse_listing)

SETTINGS = settings(max_examples=250, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

HEADERS = ["new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
           "byAK and the research community"]
MONTHS = [calendar.month_abbr[m] for m in range(1, 13)]
AUTHORS_LINE = re.compile(r"(?:•\s*)?[0-9]+\s+authors?", re.IGNORECASE)

# Any printable text, including other scripts, maths, symbols and Unicode spaces; no control
# characters (line ends among them) and no lone surrogates, which a decoded file cannot hold.
CHARS = st.characters(blacklist_categories=("Cc", "Cs"))
NICE = st.sampled_from(list("abcdefgh XYZ0123456789$^_{}\\()[]:;,.-–'\"é•·∑αβ∞/")
                       + ["https://x.org/a_b", " http://y.io/(z) ", "Aug 28", "Dec 9", "·", "new"])


def text_line(max_size: int) -> st.SearchStrategy[str]:
    """One line of text, stripped, never blank."""
    raw = st.one_of(st.text(CHARS, min_size=1, max_size=max_size),
                    st.lists(NICE, min_size=1, max_size=max_size // 3).map("".join))
    return raw.map(str.strip).filter(lambda s: 0 < len(s) <= max_size and s != "·"
                                     and not AUTHORS_LINE.fullmatch(s))


def is_plain_title_line(line: str) -> bool:
    return line.casefold() not in HEADER_LINES and parse_date_line(line) is None \
        and not AUTHORS_LINE.fullmatch(line)


TITLE_LINE = text_line(150).filter(is_plain_title_line)
ABSTRACT_LINE = st.one_of(
    text_line(200),
    st.sampled_from(HEADERS + ["Dec 9", "Aug 28, 2021 3", "Subscribe"]),  # position decides
)


@dataclass
class Meta:
    authors: int | None
    organization: str | None
    month: int
    day: int
    year: int | None
    upvotes: int | None
    author_word: str
    spacing: str

    @property
    def date_text(self) -> str:
        text = f"{MONTHS[self.month - 1]} {self.day}"
        return text if self.year is None else f"{text},{self.spacing}{self.year}"

    def lines(self) -> list[str]:
        lines = []
        if self.organization is not None:
            lines.append(self.organization)
        if self.authors is not None:
            lines.append(f"  • {self.authors} {self.author_word}")
        upvotes = "" if self.upvotes is None else f"{self.spacing}{self.upvotes}"
        return lines + ["·", self.date_text + upvotes]


@st.composite
def metas(draw) -> Meta:
    kind = draw(st.sampled_from(["authors", "org", "both"]))
    authors = draw(st.integers(1, 5000)) if kind != "org" else None
    organization = draw(text_line(60).filter(lambda s: not AUTHORS_LINE.fullmatch(s))) \
        if kind != "authors" else None
    year = draw(st.none() | st.integers(1990, 2030))
    month = draw(st.integers(1, 12))
    last_day = calendar.monthrange(year if year is not None else 2000, month)[1]
    return Meta(authors=authors, organization=organization, month=month,
                day=draw(st.integers(1, last_day)), year=year,
                upvotes=draw(st.none() | st.integers(0, 99999)),
                author_word="author" if authors == 1 and draw(st.booleans()) else "authors",
                spacing=draw(st.sampled_from([" ", "  ", "\t"])))


@dataclass
class Entry:
    title_lines: list[str]
    abstract_lines: list[str]
    meta: Meta | None

    @property
    def title(self) -> str:
        return " ".join(self.title_lines)

    @property
    def abstract(self) -> str:
        return " ".join(self.abstract_lines)


entries = st.builds(
    Entry,
    title_lines=st.lists(TITLE_LINE, min_size=1, max_size=2).filter(
        lambda lines: len(" ".join(lines)) <= 300),
    abstract_lines=st.lists(ABSTRACT_LINE, min_size=1, max_size=3),
    meta=st.none() | metas(),
)


@dataclass
class Listing:
    header: list[list[str]]
    page_date: str | None
    papers: list[Entry]


@st.composite
def listings(draw) -> Listing:
    header_lines = draw(st.lists(st.sampled_from(HEADERS), unique=True).flatmap(st.permutations))
    header_lines = [draw(st.sampled_from([h, h.upper(), h.lower()])) for h in header_lines]
    page_date = draw(st.none() | st.builds(lambda m, d: f"{MONTHS[m - 1]} {d}",
                                           st.integers(1, 12), st.integers(1, 28)))
    items = header_lines + ([page_date] if page_date else [])
    # group the header into blocks: one line per block, or several lines together
    header: list[list[str]] = []
    for item in items:
        if header and draw(st.booleans()):
            header[-1].append(item)
        else:
            header.append([item])
    return Listing(header=header, page_date=page_date,
                   papers=draw(st.lists(entries, max_size=8)))


@dataclass
class Dress:
    newline: str
    bom: bool
    trailing: list[str]
    gaps: list[str]
    final_newline: bool
    leading_blank: str


dresses = st.builds(
    Dress,
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    trailing=st.lists(st.sampled_from(["", "", " ", "\t", "  ", "\u00a0", " \u3000"]),
                      min_size=1, max_size=10),
    gaps=st.lists(st.sampled_from(["\n", "\n", "\n\n", "\n \n", "\n\t\n\n"]), min_size=1,
                  max_size=5),
    final_newline=st.booleans(),
    leading_blank=st.sampled_from(["", "\n", "\n  \n"]),
)


def render(listing: Listing, dress: Dress) -> str:
    blocks = list(listing.header)
    for paper in listing.papers:
        blocks.append(paper.title_lines)
        blocks.append(paper.abstract_lines)
        if paper.meta is not None:
            blocks.append(paper.meta.lines())
    out = [dress.leading_blank]
    n = 0
    for i, block in enumerate(blocks):
        if i:
            out.append("\n" + dress.gaps[i % len(dress.gaps)])
        lines = []
        for line in block:
            lines.append(line + dress.trailing[n % len(dress.trailing)])
            n += 1
        out.append("\n".join(lines))
    if dress.final_newline:
        out.append("\n")
    text = "".join(out).replace("\n", dress.newline)
    return ("\ufeff" if dress.bom else "") + text


#: File names: without a date, and with one in each accepted form.
NAMES = {"random.txt": None, "2024-05-27.txt": dt.date(2024, 5, 27),
         "hf-20250102.txt": dt.date(2025, 1, 2), "2023_03_01.txt": dt.date(2023, 3, 1)}


def _before(month: int, day: int, captured: dt.date) -> dt.date | None:
    """Oracle: the latest month/day on or before ``captured`` within a year, if it exists."""
    for year in (captured.year, captured.year - 1):
        try:
            placed = dt.date(year, month, day)
        except ValueError:
            if (month, day) <= (captured.month, captured.day) or year < captured.year:
                return None
            continue
        if placed <= captured:
            return placed
    return None


def expected_capture(listing: Listing, name: str, modified: dt.date | None) -> dt.date | None:
    """Oracle for the capture-date rule, written from the README's statement of it."""
    if NAMES[name] is not None:
        return NAMES[name]
    years = [p.meta.year for p in listing.papers if p.meta and p.meta.year is not None]
    if listing.page_date is not None:
        month = MONTHS.index(listing.page_date.split()[0]) + 1
        day = int(listing.page_date.split()[1])
        if years:
            return dt.date(max(years) + 1, month, day)  # page days are 1..28
        if modified is not None:
            return _before(month, day, modified)
    return modified


def expected_papers(listing: Listing, name: str, modified: dt.date | None):
    captured = expected_capture(listing, name, modified)
    result = []
    for p in listing.papers:
        m = p.meta
        published, inferred = None, False
        if m is not None:
            if m.year is not None:
                published = dt.date(m.year, m.month, m.day).isoformat()
            elif captured is not None:
                placed = _before(m.month, m.day, captured)
                published = placed.isoformat() if placed else None
                inferred = placed is not None
        # The organisation line's handle rule has its own tests (test_parser); here the line
        # must come back as that rule reads it, whatever random text it holds.
        result.append((p.title, p.abstract, m and m.authors,
                       m and m.organization and organization_name(m.organization),
                       m and m.upvotes, m and m.date_text, published, inferred,
                       (captured.isoformat(),) if captured else ()))
    return result


@SETTINGS
@example(listing=Listing(header=[], page_date=None, papers=[Entry(
    title_lines=["0"], abstract_lines=["0"],
    meta=Meta(authors=None, organization="h http://y.io/(z)", month=1, day=1, year=None,
              upvotes=None, author_word="authors", spacing=" "))]),
    dress=Dress(newline="\n", bom=False, trailing=[""], gaps=["\n"], final_newline=False,
                leading_blank=""), name="2023_03_01.txt", modified=None)
@given(listing=listings(), dress=dresses, name=st.sampled_from(sorted(NAMES)),
       modified=st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)))
def test_random_listings_parse_to_exactly_the_papers_put_in(listing, dress, name, modified):
    text = render(listing, dress)
    result = parse_listing(text, name, modified=modified)
    got = [(p.title, p.abstract, p.authors, p.organization, p.upvotes, p.published_text,
            p.published, p.published_inferred, p.days) for p in result.papers]
    assert got == expected_papers(listing, name, modified)
    assert result.page_date == listing.page_date
    # only a Feb 29 that the inferred year lacks, or an empty listing, may warn
    for warning in result.warnings:
        assert "does not exist in" in warning or (not listing.papers and "no papers" in warning)
    # through bytes too, as a file would arrive
    assert parse_listing(decode_listing(text.encode("utf-8")), name,
                         modified=modified).papers == result.papers


@SETTINGS
@given(listing=listings(), dress=dresses)
def test_random_listings_survive_utf16_with_bom(listing, dress):
    text = render(listing, dress).lstrip("\ufeff")
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    assert parse_listing(decode_listing(data), "x").papers == parse_listing(text, "x").papers


TOKENS = [b"\n", b"\n\n", b"\r\n", b"\r", b" ", b"\t", "·".encode(), "•".encode(), b"  \xe2\x80\xa2 3 authors",
          b"Aug 28", b"Feb 31", b", 2021", b" 1", b" 99999999999999", b"new", b"Subscribe",
          b"Daily Papers", b"Title", b"An abstract.", b"https://x.org/(a)", b"\xef\xbb\xbf",
          b"\xff\xfe", b"\xfe\xff", b"<html>", b"<!DOCTYPE html>", b"\x00", b"\xc3", b"\xa0",
          b"\xed\xa0\x80", b"\x1c", b"\x85", "\u2028".encode(), b"$x^2$", b"9" * 40]

noisy_bytes = st.one_of(
    st.binary(max_size=3000),
    st.lists(st.one_of(st.sampled_from(TOKENS), st.binary(max_size=6)), max_size=120).map(b"".join),
)


def check_one_line(message: str) -> None:
    assert message and "\n" not in message and "\r" not in message


@SETTINGS
@given(data=noisy_bytes, modified=st.none() | st.dates())
@example(data=b"Title\n\nAbs\n\n\xc2\xb7\nDec 31, 9999", modified=None)
@example(data=b"Dec 9\n\nTitle\n\nAbs\n\n\xc2\xb7\nDec 31, 9999", modified=None)
@example(data=b"Dec 9\n\nTitle\n\nAbs\n\n\xc2\xb7\nDec 31", modified=dt.date(1, 1, 1))
@example(data=b"T\n\nA\n\n \xe2\x80\xa2 " + b"9" * 5000 + b" authors\n\xc2\xb7\nAug 1 " + b"7" * 5000,
         modified=None)
def test_arbitrary_bytes_never_raise_anything_but_listing_error(data, modified):
    try:
        text = decode_listing(data)
    except ListingError as exc:
        check_one_line(str(exc))
        return
    result = parse_listing(text, "noise.txt", modified=modified)
    for warning in result.warnings:
        check_one_line(warning)
    for paper in result.papers:
        assert paper.title and "\n" not in paper.title and "\r" not in paper.title
        assert len(paper.title) <= 2000
        if paper.published:
            dt.date.fromisoformat(paper.published)


@SETTINGS
@given(text=st.text(st.characters(), max_size=2000))
def test_arbitrary_text_never_raises(text):
    result = parse_listing(text, "noise.txt")
    for warning in result.warnings:
        check_one_line(warning)
    for paper in result.papers:
        assert paper.id and len(paper.id) == 12
