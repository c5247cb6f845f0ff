"""A paper's links, labelled, in the order every face shows them: the detail pane, the ``B`` menu,
``show`` and the Markdown export all take them from ``paper_links``, so they never disagree.

Order: the paper's page (``Paper.link``: its Hugging Face page when the arXiv id is known, else an
arXiv title search), the arXiv abstract and PDF (with the arXiv id), the code repository (with its
stars), the project page, then every other URL found in the abstract. A URL appears once, under
its first label. The first link is always ``Paper.link``: what ``b`` opens and ``y`` copies.
"""

from __future__ import annotations

from typing import NamedTuple

from paperterm.model import Paper, arxiv_id_in

ARXIV_ABS = "https://arxiv.org/abs/{}"
ARXIV_PDF = "https://arxiv.org/pdf/{}"


def arxiv_pages(arxiv_id: str) -> tuple[str, str]:
    """The arXiv abstract page and PDF of a paper (made when needed, not stored: at 100,000 papers
    two URL strings a paper are megabytes)."""
    return ARXIV_ABS.format(arxiv_id), ARXIV_PDF.format(arxiv_id)


def record_urls(paper: Paper) -> list[str]:
    """A paper's ``urls`` as machine-readable outputs give them: with an arXiv id, its arXiv
    abstract and PDF pages first, then the URLs found in its abstract (each once)."""
    if not paper.arxiv_id:
        return list(paper.urls)
    return list(dict.fromkeys(arxiv_pages(paper.arxiv_id) + paper.urls))


class Link(NamedTuple):
    """One link: what it is (``Hugging Face``, ``arXiv``, ``PDF``, ``Code``, ...) and where."""

    label: str
    url: str


def stars_label(stars: int | None) -> str:
    """``★ 1,204`` (or empty when the listing gave no count)."""
    return "" if stars is None else f"★ {stars:,}"


def paper_links(paper: Paper) -> list[Link]:
    """Every link of ``paper``, labelled, best first (see the module docstring)."""
    arxiv_id = paper.arxiv_id or arxiv_id_in(paper.urls)
    if arxiv_id:
        abs_page, pdf = arxiv_pages(arxiv_id)
        links = [Link("Hugging Face", paper.link), Link("arXiv", abs_page), Link("PDF", pdf)]
    else:
        links = [Link("arXiv search", paper.link)]
    if paper.github:
        stars = stars_label(paper.github_stars)
        links.append(Link(f"Code ({stars})" if stars else "Code", paper.github))
    if paper.project_page:
        links.append(Link("Project page", paper.project_page))
    seen = {link.url for link in links}
    for url in paper.urls:
        if url not in seen:
            seen.add(url)
            links.append(Link("Link", url))
    return links
