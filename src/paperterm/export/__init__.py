"""Export papers with their markers: a Markdown reading list, BibTeX, CSV or JSON.

This package turns papers and markers into text and writes that text safely; it knows nothing of
the command line or the TUI, which both call :func:`render` and :func:`write_atomic`. Each format
lives in its own module (``markdown``, ``bibtex``, ``csv_table``, ``json_list``); the flat
per-paper record shared by JSON, CSV and ``paperterm list --json`` is in ``records``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence

from paperterm.export.atomic import write_atomic
from paperterm.export.bibtex import render_bibtex
from paperterm.export.csv_table import render_csv
from paperterm.export.errors import ExportError
from paperterm.export.json_list import render_json
from paperterm.export.markdown import render_markdown
from paperterm.export.records import RECORD_KEYS, paper_record
from paperterm.model import Marker, Paper

__all__ = ["FORMATS", "EXTENSIONS", "RECORD_KEYS", "ExportError", "paper_record", "render",
           "write_atomic", "default_filename"]

FORMATS: tuple[str, ...] = ("markdown", "bibtex", "csv", "json")

#: File name extension of each format.
EXTENSIONS: dict[str, str] = {"markdown": ".md", "bibtex": ".bib", "csv": ".csv", "json": ".json"}


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")


def render(papers: Sequence[Paper], markers: Mapping[str, Marker], fmt: str, *,
           title: str | None = None, today: _dt.date | None = None) -> str:
    """The papers, in the order given, with their markers, as the text of one export file.

    ``title`` heads the Markdown reading list (other formats have no title); ``today`` fixes the
    export date it shows (for reproducible output; default: today).
    """
    _check_format(fmt)
    if fmt == "markdown":
        return render_markdown(papers, markers, title=title, today=today)
    if fmt == "bibtex":
        return render_bibtex(papers, markers)
    if fmt == "csv":
        return render_csv(papers, markers)
    return render_json(papers, markers)


def default_filename(fmt: str, selection: str = "starred") -> str:
    """The file name to suggest for an export, e.g. ``paperterm-starred.md``."""
    _check_format(fmt)
    return f"paperterm-{selection}{EXTENSIONS[fmt]}"
