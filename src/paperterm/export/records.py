"""The flat record of one paper and its markers, shared by every machine-readable output.

``paperterm list --json``, ``paperterm search --json``, the JSON export and the CSV export all emit
this same record, so a script written against one works against the others. The key order is part of
the contract: JSON keeps it, and it is the CSV column order.

``days`` are the capture dates (ISO) of the listings the paper was seen in, oldest first; ``link``
is the page to open for the paper (``Paper.link``), never empty; ``tags`` are the user's tag names
(``paperterm.tags``), sorted, ``[]`` when there are none.
"""

from __future__ import annotations

from paperterm.links import record_urls
from paperterm.model import Marker, Paper

#: The keys of a record, in order (also the CSV header).
RECORD_KEYS: tuple[str, ...] = (
    "id", "title", "abstract", "authors", "organization", "published", "published_text",
    "published_inferred", "upvotes", "urls", "sources", "days", "link", "arxiv_id", "author_names",
    "github", "github_stars", "project_page", "comments", "ai_summary", "keywords", "read",
    "starred", "note", "tags",
)


def paper_record(paper: Paper, marker: Marker | None) -> dict:
    """The paper's fields, then its markers (``False``, ``False``, ``None``, ``[]`` when it has
    none)."""
    record = paper.to_dict()
    record["link"] = paper.link
    record["urls"] = record_urls(paper)  # the arXiv pages first, when the id is known
    record["read"] = bool(marker and marker.read)
    record["starred"] = bool(marker and marker.starred)
    record["note"] = marker.note if marker else None
    record["tags"] = list(marker.tags) if marker else []
    # Paper.to_dict() is owned elsewhere; rebuild in the contract's order so a change there cannot
    # silently reorder the JSON/CSV columns.
    return {key: record[key] for key in RECORD_KEYS}
