"""``Paper.link``: the page to open for a paper, never empty, always a safe URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from paperterm.model import Paper, arxiv_id_in, paper_id, paper_link


def make(title: str, *urls: str) -> Paper:
    return Paper(id=paper_id(title), title=title, abstract="", urls=urls)


@pytest.mark.parametrize("url", [
    "https://arxiv.org/abs/2405.21060", "https://arxiv.org/abs/2405.21060v2",
    "http://arxiv.org/pdf/2405.21060", "https://arxiv.org/pdf/2405.21060v1.pdf",
    "https://www.arxiv.org/html/2405.21060v3", "https://export.arxiv.org/abs/2405.21060",
    "https://huggingface.co/papers/2405.21060", "https://huggingface.co/papers/2405.21060#community",
])
def test_arxiv_and_hugging_face_urls_give_the_hugging_face_page(url):
    paper = make("Transformers are SSMs", "https://github.com/state-spaces/mamba", url)
    assert arxiv_id_in(paper.urls) == "2405.21060"
    assert paper.link == "https://huggingface.co/papers/2405.21060"


def test_four_digit_numbers_and_repeats_of_one_id():
    assert arxiv_id_in(["https://arxiv.org/abs/1706.03762", "https://arxiv.org/pdf/1706.03762v7"]) \
        == "1706.03762"


@pytest.mark.parametrize("urls", [
    (),                                                            # no URL at all
    ("https://github.com/a/b", "https://research.nvidia.com/x"),   # no arXiv URL
    ("https://arxiv.org/abs/2405.21060", "https://arxiv.org/abs/2312.00752"),  # two papers
    ("https://arxiv.org/abs/hep-th/9901001",),                     # old-style: no HF page
    ("https://arxiv.org/list/cs.LG/recent",),
    ("https://notarxiv.org/abs/2405.21060",),
])
def test_without_one_arxiv_id_the_link_is_a_title_search(urls):
    paper = make("Attention Is All You Need (Again) & More: 100% #1?", *urls)
    link = paper.link
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "arxiv.org", "/search/")
    assert parse_qs(parts.query) == {
        "query": ["Attention Is All You Need (Again) & More: 100% #1?"], "searchtype": ["title"]}


def test_link_is_never_empty_and_never_carries_unsafe_characters():
    for title in ("", "   ", "line\nbreak\ttab", "\x1b]8;;evil\x1b\\", "lone \ud800 surrogate",
                  "<script>", "a" * 3000):
        link = make(title).link
        assert link.startswith("https://arxiv.org/search/?query=")
        assert link.isascii() and link.isprintable() and not any(c in link for c in " <>\"'()\\")
    # an id handed over by a source is only used when well formed
    assert paper_link("T", "2405.21060\x1b") == paper_link("T", None)
    assert paper_link("T", "../../x") == paper_link("T", None)
