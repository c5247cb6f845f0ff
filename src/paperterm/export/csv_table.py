"""CSV export: one row per paper, for spreadsheets and data tools.

Columns are the record keys of :mod:`paperterm.export.records`, in order. A cell holds one value,
so:

- ``urls`` are joined with a single space (a URL never contains one);
- ``sources`` (listing file names, which may contain spaces) are joined with ``;``;
- ``days`` (ISO dates) are joined with a single space; ``link`` is one URL;
- booleans are ``true``/``false`` (as in the JSON export);
- a missing value (``None``) is an empty cell.

The ``csv`` module does the quoting, so commas, quotes and newlines in abstracts or notes read back
unchanged with ``csv.DictReader``. Rows end with CRLF as RFC 4180 asks; no byte-order mark is
written (most tools would read it as part of the first column name).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from paperterm.export.records import RECORD_KEYS, paper_record
from paperterm.model import Paper
from paperterm.state import Marker

URL_SEPARATOR = " "
SOURCE_SEPARATOR = ";"


def _cell(key: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key in ("urls", "days"):
        return URL_SEPARATOR.join(value)
    if key == "sources":
        return SOURCE_SEPARATOR.join(value)
    return str(value)


def render_csv(papers: Sequence[Paper], markers: Mapping[str, Marker]) -> str:
    """A header row of record keys, then one row per paper."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(RECORD_KEYS)
    for paper in papers:
        record = paper_record(paper, markers.get(paper.id))
        writer.writerow([_cell(key, record[key]) for key in RECORD_KEYS])
    return buffer.getvalue()
