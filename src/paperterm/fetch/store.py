"""The fetched days on disk: ``<data dir>/listings/hf-daily/YYYY-MM-DD.json``, one file per day.

A day file holds the entries of all the day's pages, in the order the API gave them, as one JSON
array (an entry that a shifting page boundary served twice is kept once). It is written only after
every page of the day arrived, atomically and private (``paperterm.listings.write_private``), and
not rewritten when nothing in it changed (so the library cache stays valid).

A day the API had no papers for (weekends, days before Daily Papers began) gets no file, which the
library would have to report as empty; it is remembered in ``hf-daily/.fetched-empty``, one ISO date
per line, so the default fetch still knows how far it got. A day that once had papers and later
comes back empty keeps its file: nothing stored is thrown away.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from paperterm import locations
from paperterm.listings import write_private

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json$")
EMPTY_FILE = ".fetched-empty"


def hf_daily_dir() -> Path:
    """Where fetched day files go (not created here)."""
    return locations.listings_dir() / "hf-daily"


def entry_key(entry: object) -> str | None:
    """The arXiv id an entry is about (``entry["paper"]["id"]``), or ``None`` if it has none."""
    if isinstance(entry, dict):
        paper = entry.get("paper")
        if isinstance(paper, dict) and isinstance(paper.get("id"), str) and paper["id"]:
            return paper["id"]
    return None


def _valid_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Saved:
    """What saving a day did. ``status``: ``written`` (new or changed file), ``unchanged``,
    ``empty`` (remembered as fetched-empty) or ``kept`` (came back empty; the earlier file stays)."""

    status: str
    path: Path | None
    new: int = 0  # papers not in this day's file before
    updated: int = 0  # papers that were, with some field changed (upvotes, comments, ...)


def encode_day(entries: list[object]) -> bytes:
    """A day file's bytes: readable UTF-8, or all-ASCII escapes when the API sent a lone surrogate
    (``"\\ud800"``), which UTF-8 cannot hold."""
    try:
        return (json.dumps(entries, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(entries, ensure_ascii=True, indent=1) + "\n").encode("ascii")


class DayStore:
    """Reads and writes the fetched day files under ``folder`` (default ``hf_daily_dir()``)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else hf_daily_dir()

    def path(self, day: str) -> Path:
        return self.folder / f"{day}.json"

    def stored_days(self) -> set[str]:
        """Days with a file."""
        try:
            names = os.listdir(self.folder)
        except OSError:
            return set()
        return {m.group(1) for n in names if (m := DAY_FILE.match(n)) and _valid_day(m.group(1))}

    def empty_days(self) -> set[str]:
        """Days remembered as fetched-empty."""
        try:
            text = (self.folder / EMPTY_FILE).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return set()
        return {line.strip() for line in text.splitlines() if _valid_day(line.strip())}

    def newest_fetched(self) -> str | None:
        days = self.stored_days() | self.empty_days()
        return max(days) if days else None

    def read_day(self, day: str) -> dict[str, object] | None:
        """The entries of a stored day by arXiv id, or ``None`` when there is no readable file."""
        try:
            data = json.loads(self.path(day).read_bytes())
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(data, list):
            return None
        return {key: entry for entry in data if (key := entry_key(entry)) is not None}

    def save_day(self, day: str, entries: list[object]) -> Saved:
        """Store a complete day (``entries`` from all its pages). Raises ``OSError`` on failure."""
        path = self.path(day)
        empty = self.empty_days()
        if not entries:
            if path.exists():
                return Saved("kept", path)
            if day not in empty:
                self._write_empty(empty | {day})
            return Saved("empty", None)
        before = self.read_day(day) or {}
        new = updated = 0
        for entry in entries:
            key = entry_key(entry)
            if key is None:
                continue
            if key not in before:
                new += 1
            elif before[key] != entry:
                updated += 1
        data = encode_day(entries)
        try:
            unchanged = path.read_bytes() == data
        except OSError:
            unchanged = False
        if not unchanged:
            write_private(path, data)
        if day in empty:
            self._write_empty(empty - {day})
        return Saved("unchanged" if unchanged else "written", path, new, updated)

    def _write_empty(self, days: set[str]) -> None:
        text = "".join(f"{d}\n" for d in sorted(days))
        write_private(self.folder / EMPTY_FILE, text.encode("ascii"))
