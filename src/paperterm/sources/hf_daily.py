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

Exactly what is accepted, and how the ambiguous cases are decided:

- Line ends may be LF, CRLF or CR, mixed; a leading byte-order mark, trailing white space on any line,
  runs of blank (or white-space-only) lines and a missing final newline are all ignored.
- Header: at the start only, blocks made of nothing but the known header lines (case-insensitive,
  in any order and subset, one per block or several in one block) and at most one page-date line
  (``Dec 9``: month and day, no year, no count). The header ends at the first other block, so later
  in the file a block reading ``Subscribe`` or ``Dec 9`` is an ordinary title or abstract.
- Papers are taken by position: a title block, then an abstract block, then optionally a meta block.
  Lines within one title or abstract block are joined with single spaces; the text is otherwise
  kept exactly as written (URLs, ``$...$`` maths and stray LaTeX included). An abstract that looks
  like a date or a header word is still an abstract, because of where it stands.
- An organisation line is the organisation's handle and full name (``qualcomm Qualcomm``); the
  full name is kept (``organization_name``).
- A meta block is a block of at most four lines with a line holding only ``·`` (the middle dot), or a
  block of at most three lines whose first line is ``• N authors`` (a meta block cut short). Lines
  before the dot hold ``• N authors`` / ``N author(s)`` or else an organisation name; the line after
  it is the date. So a title or abstract that is exactly ``·`` or ``• N authors`` cannot be written
  in this format; everything else can.
- Dates: ``Mon D`` or ``Mon D, YYYY`` (``Mon`` an English month, abbreviated or in full, any case,
  optional full stop), then optionally white space and an upvote count. A year always follows a
  comma, so in ``Aug 28 2021`` the 2021 is an upvote count. A date that does not exist (``Feb 31``)
  is kept as text with a warning and the date left unknown; garbage counts are dropped with a
  warning.
- A title over ``MAX_TITLE_LENGTH`` characters is taken as a broken file: that paper (title,
  abstract and meta block) is skipped with a warning. A final title with no abstract (a truncated
  file) is skipped with a warning. A title followed directly by a meta block is kept without an
  abstract, with a warning.

Dates without a year are placed by the listing's capture date (the day the page was saved), found
by the one rule every source shares (``sources.capture``): a date in the file name, else the page's
own date line in the year after the newest explicit year shown (or on or before the file's
modification date), else the modification date. A yearless date gets the year that puts it on or
before the capture date, and ``published_inferred`` stays true for it. With no capture date at all
(text parsed without a file name or modification date that gives one) yearless dates stay unknown
(their text is kept).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from paperterm.model import FIELDS, papers_from_rows, paper_id
from paperterm.sources import MAX_WARNINGS, ParseResult, WarningList, clean_listing_text
from paperterm.sources.capture import capture_date, place_yearless

#: Titles longer than this are taken as a sign of a broken file, not a real title.
MAX_TITLE_LENGTH = 2000
#: Author counts above this are garbage, not a paper.
MAX_AUTHORS = 100_000
#: Counts with more digits than this are garbage (and would be slow or unsafe to convert).
MAX_COUNT_DIGITS = 9

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

_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTHS = {name[:3]: i for i, name in enumerate(_MONTH_NAMES, start=1)}
_MONTH_PATTERN = "|".join(
    [name for name in _MONTH_NAMES] + [name[:3] for name in _MONTH_NAMES if len(name) > 3] + ["sept"]
)
_DATE = re.compile(
    rf"(?P<date>(?P<month>{_MONTH_PATTERN})\.?\s+(?P<day>[0-9]{{1,2}})(?:,\s*(?P<year>[0-9]{{4}}))?)"
    r"(?:\s+(?P<upvotes>[0-9]+))?",
    re.IGNORECASE,
)
_AUTHORS = re.compile(r"(?:•\s*)?(?P<count>[0-9]+)\s+authors?", re.IGNORECASE)
_BULLET_AUTHORS = re.compile(r"•\s*[0-9]+\s+authors?", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"'{}|\\^`]+")
_URL_TRAILING = ".,;:!?)]}>*"
_META_DOT = "·"


_MONTH_FORMS = [
    (re.compile(f"{name}|{name[:3]}" + ("|sept" if number == 9 else ""), re.IGNORECASE), number)
    for number, name in enumerate(_MONTH_NAMES, start=1)
]


def _month_number(name: str) -> int:
    """The number of a month name ``_DATE`` matched."""
    number = _MONTHS.get(name.lower()[:3])
    if number is None:  # matched ignoring case through a letter lower() keeps (``ſept``, long s)
        number = next(n for form, n in _MONTH_FORMS if form.fullmatch(name))
    return number


class DateLine(NamedTuple):
    """A parsed date line. ``upvotes`` is ``None`` when absent or garbage (``bad_upvotes``)."""

    month: int
    day: int
    year: int | None
    upvotes: int | None
    text: str
    bad_upvotes: bool = False


class _Reader:
    """The blocks of a listing (runs of non-blank lines), read from a position in its text, so the
    parser can take a whole common paper in one regular-expression match (``record``) and fall
    back to block-by-block reading anywhere.

    Line ends may be LF, CRLF or CR, mixed: CRLF and CR become LF first (the lines, and so the
    line numbers, are the same). ``pos`` is always at the start of a line, ``line`` its number.
    """

    __slots__ = ("text", "pos", "line", "end")

    def __init__(self, text: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.text = text
        self.pos = 0
        self.line = 1
        self.end = len(text)

    def block(self) -> tuple[int, list[str]] | None:
        """``(first line number, lines)`` of the next block, trailing space removed; ``None`` at
        the end."""
        text, end, pos, line = self.text, self.end, self.pos, self.line
        find = text.find
        while True:  # skip blank lines
            if pos > end:
                self.pos, self.line = pos, line
                return None
            stop = find("\n", pos)
            if stop < 0:
                stop = end
            current = text[pos:stop]
            if current and not current.isspace():
                break
            pos, line = stop + 1, line + 1
        first = line
        lines = []
        while True:
            lines.append(current.rstrip())
            pos, line = stop + 1, line + 1
            if pos > end:
                break
            stop = find("\n", pos)
            if stop < 0:
                stop = end
            current = text[pos:stop]
            if not current or current.isspace():
                break
        self.pos, self.line = pos, line
        return first, lines

    def record(self) -> re.Match | None:
        """The common paper at the current position, if there is one (``_RECORD``)."""
        return _RECORD.match(self.text, self.pos)


# The common paper, in one match: a one-line title block, a one-line abstract block and, when it
# has the common form, the meta block (an author count or an organisation line, the middle dot,
# a date that ``_DATE`` reads). Anything else (a block of several lines, a date that is not one,
# a long count) does not match, or matches without the meta block, and is read block by block
# as before; ``_fast_paper`` checks what the pattern cannot (a title that is itself a meta line,
# a long title, an organisation line that is not one, an impossible date). The blocks and lines
# are those ``_Reader.block`` gives: ``[^\S\n]`` is white space within a line, what strip()
# removes.
_BLANK = r"[^\S\n]*+\n"  # a blank line, or the rest of one: white space but a line end
_LINE_END = r"(?=\n[^\S\n]*+(?:\n|\Z)|\Z)"  # the last line of a block (then a blank line, or the end)
_RECORD = re.compile(
    rf"(?:{_BLANK})*+"
    rf"(?P<tline>[^\S\n]*+(?P<title>[^\n]*\S))[^\S\n]*+\n(?:{_BLANK})++"
    rf"[^\S\n]*+(?P<abstract>[^\n]*\S)[^\S\n]*+(?P<aend>){_LINE_END}"
    rf"(?:\n(?:{_BLANK})++"
    rf"(?:[^\S\n]*+(?:(?i:(?:•[^\S\n]*)?(?P<count>[0-9]{{1,6}})[^\S\n]+authors?)"
    rf"|(?P<org>[^\n]*\S))[^\S\n]*+\n)?"
    rf"[^\S\n]*+·[^\S\n]*+\n"
    rf"[^\S\n]*+(?P<date>(?i:(?P<month>{_MONTH_PATTERN}))\.?[^\S\n]+(?P<day>[0-9]{{1,2}})"
    rf"(?:,[^\S\n]*(?P<year>[0-9]{{4}}))?)(?:[^\S\n]+(?P<upvotes>[0-9]{{1,9}}))?[^\S\n]*+"
    rf"{_LINE_END})?"
)


def extract_urls(text: str) -> tuple[str, ...]:
    """The http(s) URLs in ``text``, in order, without repeats or trailing punctuation."""
    if "http" not in text:  # most abstracts: no regex scan (the pattern needs "http")
        return ()
    seen: dict[str, None] = {}
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_URL_TRAILING)
        if url.count("(") > url.count(")") and match.group(0)[len(url):len(url) + 1] == ")":
            url += ")"
        if len(url) > len("https://"):
            seen.setdefault(url, None)
    return tuple(seen)


_HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_NOT_ALNUM = re.compile(r"[\W_]+")


def organization_name(line: str) -> str:
    """The organisation's full name from a page's organisation line.

    The page shows an organisation as its Hugging Face handle, then its full name
    (``qualcomm Qualcomm``, ``meta-llama Meta Llama``, ``SJTU Shanghai Jiao Tong University``). The
    first word is dropped as the handle when it looks like one (letters, digits, ``.``, ``_``, ``-``)
    and matches the name after it: the same letters and digits, one a prefix of the other (three
    letters at least), or the name's initials. Otherwise (``ACME Labs``, ``allenai Ai2``) the line is kept whole: a name is
    never cut on a guess.
    """
    line = line.strip()
    handle, _, rest = line.partition(" ")
    rest = rest.strip()
    if not rest or not _HANDLE.fullmatch(handle):
        return line
    h = _NOT_ALNUM.sub("", handle).casefold()
    words = [w for w in _NOT_ALNUM.split(rest.casefold()) if w]
    r = "".join(words)
    shorter = min(len(h), len(r))
    # A prefix counts from three letters on: "h" is no handle of "http://..." (found by a
    # property test); real handles are whole names or initials.
    if h and r and ((shorter >= 3 and (h.startswith(r) or r.startswith(h)))
                    or h == "".join(w[0] for w in words)):
        return rest
    return line


def is_meta_block(lines: list[str]) -> bool:
    """A meta block has a line holding only the middle dot, or starts with ``• N authors``."""
    if len(lines) > 4:
        return False
    if any(line.strip() == _META_DOT for line in lines):
        return True
    return len(lines) <= 3 and _BULLET_AUTHORS.fullmatch(lines[0].strip()) is not None


def parse_date_line(line: str) -> DateLine | None:
    """The date (and upvote count) on a meta block's date line, or ``None`` if it is not one.

    The day is not checked against the month here (``Feb 31`` parses); see ``_read_meta``.
    """
    match = _DATE.fullmatch(line.strip())
    if not match:
        return None
    year = match.group("year")
    upvotes = match.group("upvotes")
    bad = upvotes is not None and len(upvotes.lstrip("0")) > MAX_COUNT_DIGITS
    return DateLine(
        month=_month_number(match.group("month")),
        day=int(match.group("day")),
        year=int(year) if year else None,
        upvotes=int(upvotes) if upvotes is not None and not bad else None,
        text=match.group("date"),
        bad_upvotes=bad,
    )


def _is_page_date(line: str) -> bool:
    parsed = parse_date_line(line)
    return parsed is not None and parsed.year is None and parsed.upvotes is None \
        and not parsed.bad_upvotes


class _Draft:
    """A paper being assembled; turned into a ``Paper`` once its year can be resolved."""

    __slots__ = ("title", "abstract", "authors", "organization", "date", "date_text", "upvotes",
                 "line", "date_line")

    def __init__(self, title: str, line: int) -> None:
        self.title = title
        self.abstract = ""
        self.authors: int | None = None
        self.organization: str | None = None
        self.date: tuple[int, int, int | None] | None = None
        self.date_text: str | None = None
        self.upvotes: int | None = None
        self.line = line
        self.date_line = line


def _read_meta(draft: _Draft, lines: list[str], source: str, first_line: int,
               warn: WarningList) -> None:
    """Fill ``draft`` from a meta block starting at ``first_line``; warnings name the exact line."""
    dot = next((i for i, line in enumerate(lines) if line.strip() == _META_DOT), None)
    date_at = dot + 1 if dot is not None else 1  # a block cut short has no dot: who, then date
    organization = []
    for i, line in enumerate(lines[:date_at - 1] if dot is not None else lines[:1]):
        who = line.strip()
        match = _AUTHORS.fullmatch(who)
        if match:
            digits = match.group("count").lstrip("0") or "0"
            count = int(digits) if len(digits) <= MAX_COUNT_DIGITS else MAX_AUTHORS + 1
            if 0 < count <= MAX_AUTHORS:
                draft.authors = count
            else:
                warn(f"{source}:{first_line + i}: implausible author count in {who[:40]!r}; "
                     "ignored")
        elif who:
            organization.append(who)
    if organization:
        draft.organization = organization_name(" ".join(organization))
    if date_at >= len(lines):
        warn(f"{source}:{first_line}: meta block has no date (cut short?)")
        return
    where = f"{source}:{first_line + date_at}"
    draft.date_line = first_line + date_at
    if date_at + 1 < len(lines):
        warn(f"{source}:{first_line + date_at + 1}: unexpected text after the date in the meta "
             "block; ignored")
    date_line = lines[date_at].strip()
    parsed = parse_date_line(date_line)
    if parsed is None:
        draft.date_text = date_line[:100]
        warn(f"{where}: unrecognised date {date_line[:40]!r}; kept as text")
        return
    draft.date_text = parsed.text
    draft.upvotes = parsed.upvotes
    if parsed.bad_upvotes:
        warn(f"{where}: implausible upvote count after {parsed.text!r}; ignored")
    check_year = parsed.year if parsed.year is not None else 2000  # leap year: Feb 29 passes here
    try:
        dt.date(check_year, parsed.month, parsed.day)
    except ValueError:
        warn(f"{where}: impossible date {parsed.text!r}; date left unknown")
        return
    draft.date = (parsed.month, parsed.day, parsed.year)


def _finish(draft: _Draft, placed: dict, captured: dt.date | None, sources: tuple[str],
            days: tuple[str, ...], source: str, warn: WarningList) -> tuple:
    """The paper's field values (a row for ``model.papers_from_rows``). ``placed`` remembers
    each date's ``_published`` for the listing (its papers share a few dates)."""
    published: str | None = None
    inferred = False
    if draft.date is not None:
        known = placed.get(draft.date)
        if known is None:
            known = placed[draft.date] = _published(draft.date, captured)
        published, inferred, missing_in = known
        if missing_in is not None:
            warn(f"{source}:{draft.date_line}: {draft.date_text!r} does not exist in "
                 f"{missing_in}; date left unknown")
    abstract = draft.abstract
    # id, title, abstract, authors, organization, published, published_text, published_inferred,
    # upvotes, urls, sources, days, then what only an API file has (_NO_API_FIELDS).
    return (paper_id(draft.title), draft.title, abstract, draft.authors, draft.organization,
            published, draft.date_text, inferred, draft.upvotes,
            extract_urls(abstract) if "http" in abstract else (), sources, days) + _NO_API_FIELDS


def _published(date: tuple[int, int, int | None],
               captured: dt.date | None) -> tuple[str | None, bool, int | None]:
    """``(ISO date or None, year inferred, year it does not exist in or None)`` of a date read
    from a meta block (checked to exist, with its year or in a leap year)."""
    month, day, year = date
    if year is not None:
        return f"{year:04d}-{month:02d}-{day:02d}", False, None
    if captured is None:
        return None, False, None
    placed = place_yearless(month, day, captured)
    if placed is None:
        return None, False, (captured.year if (month, day) <= (captured.month, captured.day)
                             else captured.year - 1)
    return placed.isoformat(), True, None


#: The fields a page-text listing never has, and the order the row above follows.
_NO_API_FIELDS = (None, (), None, None, None, None, None, ())
if FIELDS != ("id", "title", "abstract", "authors", "organization", "published", "published_text",
              "published_inferred", "upvotes", "urls", "sources", "days", "arxiv_id",
              "author_names", "github", "github_stars", "project_page", "comments", "ai_summary",
              "keywords"):  # pragma: no cover - a new field must be added to the row above
    raise ImportError("hf_daily._finish does not match model.FIELDS")


def _fast_paper(record: re.Match, reader: _Reader) -> tuple[_Draft, bool] | None:
    """The paper ``record`` (a ``_RECORD`` match) holds, and whether it took the meta block too,
    moving ``reader`` past what it took; ``None`` (reader unmoved) when the title or abstract
    line must be read the slow way. A meta block it cannot take is left to the slow way, exactly
    as ``_read_meta`` would read it otherwise."""
    title, abstract, date, count, organization, month, day, year, upvotes = record.group(
        "title", "abstract", "date", "count", "org", "month", "day", "year", "upvotes")
    if title == _META_DOT or abstract == _META_DOT \
            or record.end("title") - record.start("tline") > MAX_TITLE_LENGTH \
            or (title[0] == "•" and _BULLET_AUTHORS.fullmatch(title)) \
            or (abstract[0] == "•" and _BULLET_AUTHORS.fullmatch(abstract)):  # (it starts so)
        return None
    text = reader.text
    title_at = record.start("title")
    line = reader.line + text.count("\n", reader.pos, title_at)
    draft = _Draft(title, line)
    draft.abstract = abstract
    if date is not None:
        month = _month_number(month)
        day = int(day)
        year = int(year) if year else None
        if _possible(year, month, day) \
                and (count is None or 0 < int(count) <= MAX_AUTHORS) \
                and (organization is None or (organization != _META_DOT
                                              and _AUTHORS.fullmatch(organization) is None)):
            if count is not None:
                draft.authors = int(count)
            elif organization is not None:
                draft.organization = organization_name(organization)
            draft.date_line = line = line + text.count("\n", title_at, record.start("date"))
            draft.date_text = date
            draft.upvotes = int(upvotes) if upvotes is not None else None
            draft.date = (month, day, year)
            reader.pos, reader.line = record.end() + 1, line + 1  # the date ends the record
            return draft, True
    end = record.end("aend")
    reader.pos, reader.line = end + 1, line + text.count("\n", title_at, end) + 1
    return draft, False


_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _possible(year: int | None, month: int, day: int) -> bool:
    """Whether the date exists (a date without a year: in a leap year), as ``datetime.date``
    decides it (years 1 to 9999), without making one."""
    if not 1 <= day <= _DAYS_IN_MONTH[month]:
        return False
    if year is None:
        return True
    if year < 1:
        return False
    return month != 2 or day < 29 or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))


def _header_block(lines: list[str], date_allowed: bool) -> tuple[bool, str | None]:
    """Whether a block belongs to the page header, and the page date it holds (if any)."""
    dates = [line.strip() for line in lines if _is_page_date(line)]
    if len(dates) > (1 if date_allowed else 0):
        return False, None
    others = (line for line in lines if not _is_page_date(line))
    if all(line.strip().casefold() in HEADER_LINES for line in others):
        return True, dates[0] if dates else None
    return False, None


def _joined(lines: list[str]) -> str:
    return lines[0].strip() if len(lines) == 1 else " ".join(line.strip() for line in lines)


def parse_listing(text: str, source: str, modified: dt.date | None = None, *,
                  scan_controls: bool = True) -> ParseResult:
    """Parse the text of one listing. Pure: the same input always gives the same papers.

    ``source`` (the file name) names the listing in each paper's ``sources`` and in warnings, and
    may carry its capture date; ``modified`` is the file's modification date. Both feed the capture
    date (``sources.capture``) that places dates shown without a year and is each paper's day.
    Never raises on any text: what cannot be understood becomes a warning.

    Control characters and bidi overrides are removed first (``clean_listing_text``: one warning
    naming the first line). ``scan_controls=False`` skips that scan; pass it only when
    ``safe_text.may_hold_unsafe`` found none in the file's bytes (a much faster check).
    """
    result = ParseResult()
    warn = WarningList(result.warnings)
    if scan_controls:
        text, removed = clean_listing_text(text, source)
        if removed:
            warn(removed)
    reader = _Reader(text)

    drafts: list[_Draft] = []
    pending: _Draft | None = None  # has its title, waits for its abstract
    skipping = False  # ``pending`` is a paper being skipped (its title was too long)
    open_paper: _Draft | None = None  # complete paper a meta block may still follow
    skipped_paper = False  # the last complete pair was skipped, so a meta block after it is too
    in_header = True
    header_blocks = 0
    saw_body = False

    while True:
        if pending is None and not in_header:
            # The common paper in one match; the block-by-block reading below does the same.
            record = reader.record()
            if record is not None:
                fast = _fast_paper(record, reader)
                if fast is not None:
                    draft, complete = fast
                    drafts.append(draft)
                    open_paper = None if complete else draft
                    skipped_paper = False
                    continue
        block = reader.block()
        if block is None:
            break
        line_no, lines = block
        if in_header:
            header, date = _header_block(lines, result.page_date is None)
            if header:
                result.page_date = date or result.page_date
                header_blocks += 1
                continue
            in_header = False
        saw_body = True
        where = f"{source}:{line_no}"
        if is_meta_block(lines):
            if pending is not None:
                if not skipping:
                    warn(f"{where}: paper {pending.title[:60]!r} has no abstract")
                    _read_meta(pending, lines, source, line_no, warn)
                    drafts.append(pending)
                pending, skipping = None, False
            elif open_paper is not None:
                _read_meta(open_paper, lines, source, line_no, warn)
            elif not skipped_paper:
                warn(f"{where}: meta block without a paper; ignored")
            open_paper, skipped_paper = None, False
            continue
        if pending is None:
            open_paper, skipped_paper = None, False
            length = sum(len(line) for line in lines)
            if length > MAX_TITLE_LENGTH:
                warn(f"{where}: title of {length:,} characters (over {MAX_TITLE_LENGTH:,}); "
                     "paper skipped")
                pending, skipping = _Draft("", line_no), True
            else:
                pending = _Draft(_joined(lines), line_no)
            continue
        if skipping:
            skipped_paper = True
        else:
            pending.abstract = _joined(lines)
            drafts.append(pending)
            open_paper = pending
        pending, skipping = None, False

    if pending is not None and not skipping:
        warn(f"{source}:{pending.line}: last paper {pending.title[:60]!r} is cut short "
             "(no abstract); skipped")

    explicit_years = [d.date[2] for d in drafts if d.date and d.date[2] is not None]
    page = parse_date_line(result.page_date) if result.page_date else None
    capture = capture_date(source, page_date=(page.month, page.day) if page else None,
                           explicit_years=explicit_years, modified=modified)
    if capture is not None:
        result.captured, result.captured_how = capture.date.isoformat(), capture.how
    captured = capture.date if capture is not None else None
    sources = (source,)
    days = (captured.isoformat(),) if captured is not None else ()
    placed: dict = {}
    result.papers = papers_from_rows([_finish(d, placed, captured, sources, days, source, warn)
                                      for d in drafts])
    warn.close(source)
    if not result.papers:  # always the last warning, never dropped: callers report it
        result.warnings.append(f"{source}: " + (
            "no papers found" if saw_body else
            "only the page header, no papers" if result.page_date or header_blocks else
            "no papers found (no text)"))
    return result
