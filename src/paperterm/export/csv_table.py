"""CSV export: one row per paper, for spreadsheets and data tools.

Columns are the record keys of :mod:`paperterm.export.records`, in order. A cell holds one value,
so:

- ``urls`` are joined with a single space (a URL never contains one);
- ``sources`` (listing file names, which may contain spaces) are joined with ``;``;
- ``days`` (ISO dates) are joined with a single space; ``link`` is one URL;
- ``author_names`` and ``keywords`` are joined with ``;`` too (a ``;`` inside a name or keyword,
  which real listings never have, is written ``,`` so the cell splits back into the same items);
- ``tags`` are joined with ``;`` (a tag name never holds one, nor a space or a comma);
- booleans are ``true``/``false`` (as in the JSON export);
- a missing value (``None``) is an empty cell;
- a cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``
  (the OWASP rule against CSV injection): a spreadsheet would run it as a formula, e.g. a title
  ``=HYPERLINK("http://evil", "click")``; with the quote it shows the text. So that this can be
  undone exactly, a cell that is such a cell with ``'`` already in front (``'=x``) gets one more.
  A script reading the file back uses :func:`restore`: it drops one ``'`` from a cell that
  starts with ``'`` and, after its run of ``'``, with one of those characters.

The ``csv`` module does the quoting, so commas, quotes and newlines in abstracts or notes read back
unchanged with ``csv.DictReader``. Rows end with CRLF as RFC 4180 asks; no byte-order mark is
written (most tools would read it as part of the first column name).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from paperterm.export.records import RECORD_KEYS, paper_record
from paperterm.model import Marker, Paper

URL_SEPARATOR = " "
SOURCE_SEPARATOR = ";"
#: First characters that make a spreadsheet read a cell as a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet would take it for a formula (or when it is
    such a cell already quoted, so that :func:`restore` is exact)."""
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_START) else cell


def restore(cell: str) -> str:
    """The value :func:`neutralise` was given: ``restore(neutralise(x)) == x`` for every string."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_START) else cell


def _cell(key: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key in ("urls", "days"):
        return URL_SEPARATOR.join(value)
    if key == "sources":
        return SOURCE_SEPARATOR.join(value)
    if key in ("author_names", "keywords", "tags"):
        return SOURCE_SEPARATOR.join(v.replace(SOURCE_SEPARATOR, ",") for v in value)
    return str(value)


def render_csv(papers: Sequence[Paper], markers: Mapping[str, Marker]) -> str:
    """A header row of record keys, then one row per paper."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(RECORD_KEYS)
    for paper in papers:
        record = paper_record(paper, markers.get(paper.id))
        writer.writerow([neutralise(_cell(key, record[key])) for key in RECORD_KEYS])
    return buffer.getvalue()
