"""The ``Paper`` record every source produces, and the id that makes one paper one paper.

A paper seen in several listings must be a single entry with a single set of markers, so its id is
derived from nothing but its title, normalised: the same title with other spacing, case, accents in
composed or decomposed form, or punctuation gives the same id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Length of a full paper id in hex digits. 48 bits: at 100,000 papers the chance that two distinct
#: titles share an id is about 2 in 100,000 (birthday bound), while users type only a short prefix.
ID_LENGTH = 12

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_title(title: str) -> str:
    """Fold a title to the form used for identity: NFKC, case-folded, punctuation and spaces collapsed."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def paper_id(title: str) -> str:
    """The stable short key of a paper, like a git short hash of its normalised title."""
    # surrogatepass: a str can hold lone surrogates; they must give an id, not an exception.
    digest = hashlib.sha1(normalize_title(title).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:ID_LENGTH]


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as parsed from a listing (or merged from several).

    ``published`` is an ISO date (``YYYY-MM-DD``) or ``None`` when the listing gave no date or one
    that could not be resolved; ``published_text`` keeps the date exactly as the listing showed it,
    and ``published_inferred`` says the year was not shown but inferred from the listing.
    """

    id: str
    title: str
    abstract: str
    authors: int | None = None
    organization: str | None = None
    published: str | None = None
    published_text: str | None = None
    published_inferred: bool = False
    upvotes: int | None = None
    urls: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=())

    @property
    def year(self) -> int | None:
        """The publication year, when the date is known."""
        return int(self.published[:4]) if self.published else None

    def to_dict(self) -> dict:
        """The paper's fields as plain JSON-ready values (lists instead of tuples)."""
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": self.authors,
            "organization": self.organization,
            "published": self.published,
            "published_text": self.published_text,
            "published_inferred": self.published_inferred,
            "upvotes": self.upvotes,
            "urls": list(self.urls),
            "sources": list(self.sources),
        }


def newest_first(papers: Sequence[Paper]) -> list[int]:
    """Positions of ``papers`` newest first: undated papers last, ties in the given order.

    The one date order shared by the search index (which numbers papers this way), the reader's
    date sort and the command line, so all three always agree.
    """
    return sorted(range(len(papers)), key=lambda i: papers[i].published or "", reverse=True)


def authors_label(paper: Paper) -> str | None:
    """Who wrote it, as shown: the organisation line, else ``N author(s)``, else ``None``."""
    if paper.organization:
        return paper.organization
    if paper.authors is not None:
        return f"{paper.authors} author" + ("" if paper.authors == 1 else "s")
    return None


def date_label(paper: Paper) -> str | None:
    """The date as shown: ISO with ``(year inferred)`` when it was, else the listing's own text."""
    if paper.published:
        return paper.published + (" (year inferred)" if paper.published_inferred else "")
    return paper.published_text
