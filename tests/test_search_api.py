"""Search over API papers: author:, org:, kw:, has:code, comments:, stars:, arXiv ids as words."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperterm.library import load_library
from paperterm.search import QueryError, SearchIndex, parse_query
from paperterm.tui.ordering import Ordering

from conftest import SEEDS

FIXTURES = Path(__file__).parent / "fixtures" / "hf_api"


@pytest.fixture(scope="module")
def library():
    return load_library([SEEDS, FIXTURES])


@pytest.fixture(scope="module")
def index(library):
    return SearchIndex(library.papers)


def ids(library, index, query):
    return sorted(library.papers[h.pos].arxiv_id or library.papers[h.pos].id
                  for h in index.search(query))


def test_author_filter_is_a_word_prefix_in_author_names(library, index):
    # Siwei Wen, Zichen Wen, Wen-Jie Shu, Wen Zhao, Wenjie Huang, Wenhui Dong
    assert ids(library, index, "author:wen") == ["2503.15264", "2503.15417", "2510.00515",
                                                 "2510.01068", "2510.01879", "2510.03160"]
    assert ids(library, index, "author:wenj") == ["2510.01879"]
    assert ids(library, index, "author:zich") == ["2503.15264", "2510.00515", "2510.03194"]
    assert ids(library, index, "author:tri author:dao") == ["2405.21060"]
    assert ids(library, index, "author:Dao") == ["2405.21060"]  # case-insensitive
    assert ids(library, index, "author:ao") == []  # a word prefix, not a substring


def test_quoted_author_words_must_follow_each_other_in_one_name(library, index):
    assert ids(library, index, 'author:"zichen wen"') == ["2503.15264", "2510.00515"]
    assert ids(library, index, 'author:"z wen"') == ["2503.15264", "2510.00515"]
    assert ids(library, index, 'author:"wen zichen"') == []
    # Unquoted, the words may be in different names: Tri Dao and Albert Gu.
    assert ids(library, index, "author:tri author:gu") == ["2405.21060"]
    assert ids(library, index, 'author:"tri gu"') == []


def test_org_and_keyword_filters(library, index):
    assert ids(library, index, "org:google") == ["2510.03194"]
    assert ids(library, index, "org:jiao") == ["2510.00515"]  # any word of the full name
    assert ids(library, index, "org:qualcomm") == [p.id for p in library.papers
                                                   if p.organization == "Qualcomm"]
    assert ids(library, index, "kw:mesh") == ["2503.15265"]
    assert ids(library, index, 'kw:"token consistency"') == ["2510.00515"]
    assert "2503.15265" not in ids(library, index, "-kw:mesh")


def test_has_code_comments_and_stars(library, index):
    with_code = {p.arxiv_id for p in library.papers if p.github}
    assert set(ids(library, index, "has:code")) == with_code and len(with_code) == 12
    assert len(index.search("-has:code")) == len(library) - 12
    assert ids(library, index, "stars:>=5") == ["2509.26354", "2510.01068"]
    assert ids(library, index, "comments:>=2") == ["2405.18144", "2405.21060", "2510.01068"]
    # Page-text papers have no comment count: never matched, except by the negation.
    assert len(index.search("comments:>=0")) == 6 + 13 + 16


def test_an_arxiv_id_typed_as_a_word_finds_its_paper(library, index):
    assert ids(library, index, "2405.21060") == ["2405.21060"]
    assert ids(library, index, "2405.2106") == ["2405.21060"]  # as typed so far
    assert ids(library, index, "2510.00515 efficient") == ["2510.00515"]


def test_text_filters_combine_with_words_and_other_filters(library, index):
    assert ids(library, index, "author:wen has:code stars:>=1") == ["2510.00515", "2510.01068"]
    assert ids(library, index, "author:wen has:code -stars:>=1") == ["2503.15264"]
    assert ids(library, index, "distillation author:wen") == ["2510.00515"]


@pytest.mark.parametrize("query, message", [
    ("author:", "filter 'author:' needs a word, e.g. author:hinton"),
    ("org:--", "filter 'org:' needs a word, e.g. org:qwen"),
    ('kw:""', "filter 'kw:' needs a word, e.g. kw:diffusion"),
    ("has:tests", "unknown value 'tests' for filter 'has:' (known: has:note, has:tags, has:code)"),
    ("stars:lots", "bad value 'lots' for filter 'stars:'"),
])
def test_bad_values_are_one_line_errors(query, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query)


def test_query_parsing_of_quoted_filter_values():
    q = parse_query('author:"Geoffrey E. Hinton" -org:"meta ai" learning')
    author, org = q.filters
    assert (author.field, author.value, author.phrase, author.negated) == (
        "author", "geoffrey e hinton", True, False)
    assert (org.field, org.value, org.negated) == ("org", "meta ai", True)
    assert q.words == ("learning",)
    assert not parse_query("author:hinton").filters[0].phrase


def test_index_round_trips_through_pickle(library, index):
    import pickle

    again = pickle.loads(pickle.dumps(index))
    for query in ("author:wen", "has:code", "kw:mesh", "2405.21060", "stars:>=1"):
        assert again.search(query) == index.search(query)


def test_sorts_by_comments_and_code_stars(library):
    papers = library.papers
    order = Ordering(papers)
    by_comments = [papers[i].comments for i in order.order("comments")]
    known = [c for c in by_comments if c is not None]
    assert known == sorted(known, reverse=True) and known[0] == 3
    assert by_comments[len(known):] == [None] * (len(papers) - len(known))  # unknown last
    by_stars = [papers[i].github_stars for i in order.order("stars")]
    assert by_stars[:6] == [6, 5, 4, 1, 0, None]
