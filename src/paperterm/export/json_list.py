"""JSON export: the same array of records that ``paperterm list --json`` prints.

One shape for every machine-readable output means a script that reads an export also reads a
listing. Non-ASCII text is written as is (UTF-8), not as ``\\u`` escapes, so the file stays
readable; the characters a terminal would obey (controls, bidi overrides) are ``\\u`` escapes,
as the JSON module writes C0 controls anyway (``safe_text.json_safe``): the same text for any JSON
reader, and nothing that can act when the file is printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from paperterm.export.records import paper_record
from paperterm.model import Marker, Paper
from paperterm.wording import json_text


def render_json(papers: Sequence[Paper], markers: Mapping[str, Marker]) -> str:
    """A JSON array of :func:`paper_record` dicts, indented, ending with a newline."""
    records = [paper_record(paper, markers.get(paper.id)) for paper in papers]
    return json_text(records)
