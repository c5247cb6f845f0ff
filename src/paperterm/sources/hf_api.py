"""Hugging Face Daily Papers API day files: the JSON of ``GET /api/daily_papers?date=YYYY-MM-DD``.

A day file is a JSON array with one entry per paper listed that day::

    {"paper": {"id": "2405.21060", "title": "...", "summary": "...",
               "authors": [{"name": "Tri Dao", ...}, ...], "publishedAt": "2024-05-31T17:50:01.000Z",
               "submittedOnDailyAt"?: "...", "upvotes": 27, "githubRepo"?: "https://github.com/...",
               "githubStars"?: 4, "projectPage"?: "...", "ai_summary"?: "...",
               "ai_keywords"?: ["...", ...], "organization"?: {"name": "SJTU", "fullname": "..."}},
     "title": "...", "summary": "...", "publishedAt": "...", "numComments": 3,
     "organization"?: {...}, "submittedBy": {...}, ...}

What is taken, and how the awkward cases are decided:

- ``paper.id`` (an arXiv id, ``2405.21060`` or old-style ``hep-th/9901001``; a version suffix is
  dropped) and a title (``paper.title``, else the entry's ``title``) are required: an entry without
  them is skipped with a warning. Every other field may be missing (a 2024 file has few of them)
  or of the wrong type; a wrong one is dropped with a warning naming the file, the entry (its
  position, counted from 1, and its arXiv id) and the field, and the rest of the entry is kept.
- Titles carry arXiv's line wraps (``"...Consistency\\n  Distillation"``): every run of white
  space becomes one space. Abstracts are unwrapped the same way within a paragraph; a blank line
  between paragraphs is kept as one.
- ``authors`` (the count) is the number of author names; ``author_names`` keeps them in order.
- The organisation is its full name (``fullname``, else ``name``), from ``paper.organization`` or
  the entry's own.
- ``published`` is the day of ``paper.publishedAt`` (the arXiv submission time, in UTC). The
  entry's own ``publishedAt`` is not used: its meaning changed in 2025. The day the *listing* is
  for, its capture date (``ParseResult.captured``, each paper's ``days``), follows the one rule of
  ``sources.capture``, with the API's own day in place of a page date: the date in the file name
  (``2025-10-06.json``, the ``date`` the file was fetched for), else the most common
  ``submittedOnDailyAt`` day of its entries, else the file's modification date.
- ``github`` and ``project_page`` must be http(s) URLs; ``urls`` are the URLs in the abstract (the
  arXiv abstract and PDF pages are made from the id where they are shown: ``links``, records). Counts must be whole numbers from 0 up.

Pure: the same text always gives the same papers, and no input makes it raise.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from functools import lru_cache
from sys import intern
from collections.abc import Callable

from paperterm.model import FIELDS, papers_from_rows, paper_id
from paperterm.safe_text import UNSAFE
from paperterm.sources import FieldCleaner, ParseResult, WarningList
from paperterm.sources.capture import Capture, capture_date
from paperterm.sources.hf_daily import MAX_TITLE_LENGTH, extract_urls

#: Counts above this are garbage (upvotes, comments, stars).
MAX_COUNT = 10**9
#: Author lists longer than this are cut (with a warning): real papers stay well below.
MAX_AUTHOR_NAMES = 5000
#: Keywords kept per paper.
MAX_KEYWORDS = 100

#: arXiv identifiers: new style (``2405.21060``, four or five digits after the dot) and old style
#: (``hep-th/9901001``, ``math.AG/0501001``), each with an optional version suffix, which is dropped.
ARXIV_ID = re.compile(
    r"(?P<id>[0-9]{4}\.[0-9]{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/[0-9]{7})(?:v[0-9]+)?")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_SPACE = re.compile(r"\s")
_PARAGRAPHS = re.compile(r"\n[ \t\r\f\v]*\n\s*")

def unwrap(text: str) -> str:
    """``text`` on one line: every run of white space (arXiv's line wraps) becomes one space."""
    return " ".join(text.split())  # C speed: a regex substitution took half the parse time


def _flat_ascii(text: str) -> str | None:
    """``unwrap(text)`` when arXiv's line wraps are the text's only white space other than
    single spaces, and it is ASCII (nearly every abstract); else ``None``.

    Then replacing the line ends is the whole job, and a few C-level passes over the bytes cost
    a third of splitting the text into words and joining them again. Such a text has no paragraph
    break either (a blank line would leave two spaces, or a control character, in a row).
    """
    if not text.isascii():
        return None
    flat = text.encode("ascii").replace(b"\n", b" ")
    # Printable ASCII has no white space but the space: then no run of spaces, and none at an
    # end, means there is nothing for split-and-join to change.
    if flat.translate(None, _PRINTABLE_ASCII) or b"  " in flat or flat[:1] == b" " \
            or flat[-1:] == b" ":
        return None
    return flat.decode("ascii")


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def _all_unwrapped(values: list) -> bool:
    """Whether ``values`` (one or more) are all non-empty strings that ``unwrap`` leaves as they
    are: exact, in a few C-level passes over them joined (author names, keywords)."""
    try:
        joined = "\x00".join(values)
    except TypeError:  # not all strings
        return False
    # A NUL is not white space for split(): joined with NULs, the strings are as unwrap leaves
    # them when the whole is (single spaces only, none at an end) and no space or other string's
    # end touches a NUL. The count makes sure no string holds a NUL of its own.
    return bool(joined) and joined.count("\x00") == len(values) - 1 \
        and joined == " ".join(joined.split()) and "\x00\x00" not in joined \
        and " \x00" not in joined and "\x00 " not in joined and joined[0] != "\x00" \
        and joined[-1] != "\x00"


def unwrap_paragraphs(text: str) -> str:
    """Each paragraph unwrapped; paragraphs separated by one blank line."""
    flat = _flat_ascii(text)
    if flat is not None:
        return flat
    if "\n" not in text or _PARAGRAPHS.search(text) is None:
        return " ".join(text.split())
    return "\n\n".join(p for p in (unwrap(part) for part in _PARAGRAPHS.split(text)) if p)


def _day_of(value: object) -> str | None:
    """``YYYY-MM-DD`` from an ISO timestamp string, if it starts with a real date."""
    if not isinstance(value, str):
        return None
    return _day_at_start(value[:10])  # all the pattern looks at


@lru_cache(maxsize=4096)
def _day_at_start(value: str) -> str | None:
    """``_day_of`` for the first ten characters of a string (remembered: a day file's entries
    share a handful of days)."""
    match = _DAY.match(value)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= _days_in(year, month)):
        return None
    return match.group(0)


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


#: How a capture date was found from the entries (``ParseResult.captured_how``).
FROM_SUBMITTED = "the entries' submittedOnDailyAt day"


def submitted_day(data: list) -> str | None:
    """The most common ``paper.submittedOnDailyAt`` day of the entries (the earliest on a tie)."""
    days: Counter[str] = Counter()
    for entry in data:
        inner = entry.get("paper") if type(entry) is dict else None
        day = _day_of(inner.get("submittedOnDailyAt")) if type(inner) is dict else None
        if day is not None:
            days[day] += 1
    if not days:
        return None
    return min(days, key=lambda d: (-days[d], d))


class _Entry:
    """Reads the fields of one entry, warning once per bad field with the entry named."""

    __slots__ = ("paper", "entry", "where", "warn", "clean")

    def __init__(self, paper: dict, entry: dict, where: str, warn: Callable[[str], None],
                 clean: Callable[[str], str]) -> None:
        self.paper = paper
        self.entry = entry
        self.where = where
        self.warn = warn
        self.clean = clean  # removes control characters from every string kept

    def _get(self, key: str) -> object:
        value = self.paper.get(key)
        return self.entry.get(key) if value is None else value

    def bad(self, key: str, value: object, expected: str) -> None:
        shown = repr(value)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        self.warn(f"{self.where}: {key} is {shown}, not {expected}; ignored")

    def text(self, key: str, *, inner_only: bool = False) -> str | None:
        value = self.paper.get(key) if inner_only else self._get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.bad(key, value, "text")
            return None
        return self.clean(value)

    def count(self, key: str, *, outer: bool = False) -> int | None:
        value = self.entry.get(key) if outer else self._get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            self.bad(key, value, "a count")
            return None
        return value

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        value = value.strip()
        if not value:
            return None
        if not value.lower().startswith(("https://", "http://")) or len(value) > 2000 \
                or _SPACE.search(value) is not None:
            self.bad(key, value, "an http(s) URL")
            return None
        return value

    def author_names(self) -> tuple[str, ...] | None:
        value = self._get("authors")
        if value is None:
            return None
        if not isinstance(value, list):
            self.bad("authors", value, "a list")
            return None
        clean = None if self.clean is _unchanged else self.clean
        if clean is None and len(value) <= MAX_AUTHOR_NAMES:
            try:
                given = [author["name"] for author in value]
            except (KeyError, TypeError):  # not every author an object with a name
                given = None
            if given is not None and _all_unwrapped(given):  # the usual case: nothing to fix
                return tuple(map(intern, given))  # names recur across papers (and pickle once)
        names: list[str] = []
        append = names.append
        bad = 0
        for author in value:
            name = author.get("name") if type(author) is dict else None
            if type(name) is str:
                if clean is not None:
                    name = clean(name)
                name = " ".join(name.split())
                if name:
                    append(intern(name))  # names recur across papers (and pickle once)
                    continue
            bad += 1
        if bad:
            self.warn(f"{self.where}: {bad} of {len(value)} authors have no name; left out")
        if len(names) > MAX_AUTHOR_NAMES:
            self.warn(f"{self.where}: {len(names):,} authors; only the first "
                      f"{MAX_AUTHOR_NAMES:,} kept")
            del names[MAX_AUTHOR_NAMES:]
        return tuple(names)

    def keywords(self) -> tuple[str, ...]:
        value = self._get("ai_keywords")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.bad("ai_keywords", value, "a list")
            return ()
        if self.clean is _unchanged and _all_unwrapped(value):  # the usual case: nothing to fix
            return tuple(dict.fromkeys(map(intern, value)))[:MAX_KEYWORDS]
        words = [intern(unwrap(self.clean(w))) for w in value if isinstance(w, str)]
        if len(words) != len(value):
            self.warn(f"{self.where}: {len(value) - len(words)} ai_keywords are not text; left out")
        return tuple(dict.fromkeys(w for w in words if w))[:MAX_KEYWORDS]

    def organization(self) -> str | None:
        value = self.paper.get("organization")
        if value is None:
            value = self.entry.get("organization")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.bad("organization", value, "an object")
            return None
        for key in ("fullname", "name"):
            name = value.get(key)
            if isinstance(name, str) and (name := unwrap(self.clean(name))):
                return name
        self.bad("organization", value, "an object with a name")
        return None


def parse_api_listing(text: str, source: str, modified: dt.date | None = None, *,
                      scan_raw: bool = True) -> ParseResult:
    """Parse one API day file's text. ``source`` (the file name) names it in ``sources`` and in
    warnings and may carry its day; ``modified`` is the file's modification date (the last resort
    for the capture date). ``scan_raw=False`` skips looking for raw control characters in the
    text; pass it only when ``safe_text.may_hold_unsafe`` found none in the file's bytes (a much
    faster check). Escaped ones (``\\u001b``) are always looked for.

    Never raises: text that is not a JSON array of entries is a single warning and no papers; an
    entry that cannot be used is a warning and the rest loads.
    """
    result = ParseResult()
    warn = WarningList(result.warnings)
    try:
        data = json.loads(text, strict=False)  # a raw tab or control in a string is not fatal
    except json.JSONDecodeError as exc:
        result.warnings.append(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno} "
                               f"column {exc.colno}); no papers read")
        return result
    except RecursionError:
        result.warnings.append(f"{source}: JSON nested too deeply; no papers read")
        return result
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        data = data["papers"]  # tolerated: a saved response wrapped in an object
    if not isinstance(data, list):
        result.warnings.append(f"{source}: not a list of daily-paper entries (a JSON "
                               f"{_json_type(data)}); no papers read")
        return result

    capture = capture_date(source)  # the file name only
    if capture is None:
        day = submitted_day(data)
        capture = Capture(dt.date.fromisoformat(day), FROM_SUBMITTED) if day else \
            capture_date(source, modified=modified)
    if capture is not None:
        result.captured, result.captured_how = capture.date.isoformat(), capture.how
    days = (result.captured,) if result.captured else ()
    # Control characters and bidi overrides go from every string kept, with one warning. JSON may
    # write them raw or as escapes; a file with neither (nearly all) skips the per-field check.
    unsafe = (scan_raw and UNSAFE.search(text) is not None) or \
        ("\\" in text and _ESCAPED_UNSAFE.search(text) is not None)
    cleaner = FieldCleaner(source) if unsafe else None
    clean = cleaner or _unchanged
    sources = (source,)
    rows = [_parse_entry(entry, number, source, warn, sources, days, clean)
            for number, entry in enumerate(data, start=1)]
    result.papers = papers_from_rows([row for row in rows if row is not None])
    removed = cleaner.warning() if cleaner is not None else None
    if removed:
        result.warnings.insert(0, removed)  # first, never among the warnings cut at the limit
    warn.close(source)
    if not result.papers:  # always the last warning, never dropped: callers report it
        result.warnings.append(f"{source}: " + ("no papers found (an empty list)" if not data
                                                 else "no usable papers found"))
    return result


def _unchanged(text: str) -> str:
    return text


# A JSON escape that decodes to a character ``safe_text.UNSAFE`` removes: \b, \f, \r, \u0000-\u001f
# (but tab and newline), \u007f-\u009f, the bidi controls.
_ESCAPED_UNSAFE = re.compile(
    r"\\[bfr]|\\u(?:00(?:0[0-8bcdefBCDEF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])"
    r"|202[a-eA-E]|206[6-9])")


def _json_type(value: object) -> str:
    return {dict: "object", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _parse_entry(entry: object, number: int, source: str, warn: WarningList,
                 sources: tuple[str], days: tuple[str, ...],
                 clean: Callable[[str], str]) -> tuple | None:
    """The entry's field values, or ``None`` (with a warning) when it cannot be used."""
    where = f"{source}: entry {number}"
    if not isinstance(entry, dict):
        warn(f"{where}: a JSON {_json_type(entry) if not isinstance(entry, list) else 'array'}, "
             "not an entry; skipped")
        return None
    inner = entry.get("paper")
    if not isinstance(inner, dict):
        warn(f"{where}: no 'paper' object; skipped")
        return None
    raw_id = inner.get("id")
    match = ARXIV_ID.fullmatch(raw_id.strip()) if isinstance(raw_id, str) else None
    if match is None:
        shown = repr(raw_id)[:40]
        warn(f"{where}: paper.id {shown} is not an arXiv id; skipped")
        return None
    arxiv_id = match.group("id")
    where = f"{source}: entry {number} ({arxiv_id})"
    fields = _Entry(inner, entry, where, warn, clean)

    title = None
    for container in (inner, entry):
        value = container.get("title")
        if isinstance(value, str) and (title := unwrap(clean(value))):
            break
    if not title:
        warn(f"{where}: no title; skipped")
        return None
    if len(title) > MAX_TITLE_LENGTH:
        warn(f"{where}: title of {len(title):,} characters (over {MAX_TITLE_LENGTH:,}); skipped")
        return None

    summary = fields.text("summary")
    abstract = unwrap_paragraphs(summary) if summary else ""
    names = fields.author_names()

    published_at = fields.text("publishedAt", inner_only=True)
    published = _day_of(published_at)
    if published_at is not None and published is None:
        fields.bad("paper.publishedAt", published_at, "a date")
    fields.text("submittedOnDailyAt", inner_only=True)  # (checked: a wrong type is a warning)

    ai_summary = fields.text("ai_summary")
    organization = fields.organization()
    # In ``model.FIELDS`` order (a row for ``model.papers_from_rows``).
    return (paper_id(title), title, abstract, len(names) if names else None, organization,
            published, published, False, fields.count("upvotes"),
            extract_urls(abstract),  # the arXiv pages are made from the id when shown
            sources, days, arxiv_id, names or (), fields.url("githubRepo"),
            fields.count("githubStars"), fields.url("projectPage"),
            fields.count("numComments", outer=True),
            unwrap_paragraphs(ai_summary) or None if ai_summary else None, fields.keywords())


if FIELDS != ("id", "title", "abstract", "authors", "organization", "published", "published_text",
              "published_inferred", "upvotes", "urls", "sources", "days", "arxiv_id",
              "author_names", "github", "github_stars", "project_page", "comments", "ai_summary",
              "keywords"):  # pragma: no cover - a new field must be added to the row above
    raise ImportError("hf_api._parse_entry does not match model.FIELDS")
