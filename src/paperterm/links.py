"""A paper's links, labelled, in the order every face shows them: the detail pane, the ``B`` menu,
``show`` and the Markdown export all take them from ``paper_links``, so they never disagree.

Order: the Hugging Face page, the arXiv abstract and PDF (all three from the arXiv id), the code
repository (with its stars), the project page, then every other URL found in the abstract. A URL
appears once, under its first label.
"""

from __future__ import annotations

from typing import NamedTuple

from paperterm.model import Paper

HF_PAGE = "https://huggingface.co/papers/{}"
ARXIV_ABS = "https://arxiv.org/abs/{}"
ARXIV_PDF = "https://arxiv.org/pdf/{}"


class Link(NamedTuple):
    """One link: what it is (``Hugging Face``, ``arXiv``, ``PDF``, ``Code``, ...) and where."""

    label: str
    url: str


def stars_label(stars: int | None) -> str:
    """``★ 1,204`` (or empty when the listing gave no count)."""
    return "" if stars is None else f"★ {stars:,}"


def paper_links(paper: Paper) -> list[Link]:
    """Every link of ``paper``, labelled, best first (see the module docstring)."""
    links: list[Link] = []
    if paper.arxiv_id:
        links += [Link("Hugging Face", HF_PAGE.format(paper.arxiv_id)),
                  Link("arXiv", ARXIV_ABS.format(paper.arxiv_id)),
                  Link("PDF", ARXIV_PDF.format(paper.arxiv_id))]
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
