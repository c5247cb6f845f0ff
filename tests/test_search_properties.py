"""Search properties, with generated input: any query text either parses or raises QueryError, and
searching or highlighting with a parsed query never raises; the index finds exactly what a slow,
obviously correct reference finds; the fast paths agree with the definitions they speed up.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from paperterm.model import Paper, paper_id
from paperterm.search import QueryError, SearchIndex, highlight_spans, parse_query
from paperterm.search import bitset
from paperterm.search.index import FUZZY_BELOW
from paperterm.search.packed import PackedWords
from paperterm.search.text import (
    CHUNK_RE,
    WORD_RE,
    fold,
    fold_with_offsets,
    general_terms,
    index_terms,
)
from paperterm.model import Marker

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# -- a slow reference for what a query means ------------------------------------------------------

def ref_words(text: str) -> list[str]:
    return WORD_RE.findall(fold(text))


def ref_compounds(text: str) -> set[str]:
    found = set()
    for chunk in CHUNK_RE.findall(fold(text)):
        runs = WORD_RE.findall(chunk)
        found.update("-".join(runs[i:]) for i in range(len(runs) - 1))
    return found


def ref_in(term: str, text: str) -> bool:
    """Whether ``term`` (word, compound or phrase, folded) matches ``text`` by the definitions."""
    if " " in term:
        parts, words = term.split(" "), ref_words(text)
        n = len(parts)
        return any(words[i:i + n - 1] == parts[:-1] and words[i + n - 1].startswith(parts[-1])
                   for i in range(len(words) - n + 1))
    if "-" in term:
        return any(c.startswith(term) for c in ref_compounds(text))
    return any(w.startswith(term) for w in ref_words(text))


FIELD_TEXTS = {"author": lambda p: p.author_names, "kw": lambda p: p.keywords,
               "org": lambda p: (p.organization,) if p.organization else ()}


def ref_text_filter(f, paper: Paper) -> bool:
    words = f.value.split(" ")
    names = [ref_words(t) for t in FIELD_TEXTS[f.field](paper)]
    if f.phrase:
        return any(all(have[i + j].startswith(w) for j, w in enumerate(words))
                   for have in names for i in range(len(have) - len(words) + 1))
    return all(any(h.startswith(w) for have in names for h in have) for w in words)


def ref_texts(paper: Paper) -> tuple[str, ...]:
    """Where free words are looked for: the title, the abstract and the arXiv id."""
    return (paper.title, paper.abstract) + ((paper.arxiv_id,) if paper.arxiv_id else ())


def ref_filter(f, paper: Paper, markers, new_ids=None) -> bool:
    if f.field == "new":
        holds = paper.id in (new_ids or ())
    elif f.is_text:
        holds = ref_text_filter(f, paper)
    elif f.field == "code":
        holds = bool(paper.github) == f.want
    elif f.is_marker:
        marker = (markers or {}).get(paper.id)
        value = getattr(marker, f.field, None) if marker else None
        if isinstance(value, str):
            value = value.strip()
        holds = bool(value) == f.want
    else:
        value = {"year": paper.year, "authors": paper.authors, "upvotes": paper.upvotes or 0,
                 "seen": len(paper.sources), "comments": paper.comments,
                 "stars": paper.github_stars}[f.field]
        holds = value is not None and (f.low is None or value >= f.low) and \
            (f.high is None or value <= f.high)
    return holds != f.negated


def ref_search(papers, q, markers=None, new_ids=None) -> tuple[set[int], set[int]]:
    """(all exact matches, those matching every term in the title)."""
    matched, in_title = set(), set()
    for pos, p in enumerate(papers):
        if not all(ref_filter(f, p, markers, new_ids) for f in q.filters):
            continue
        if any(ref_in(t, text) for t in q.excluded for text in ref_texts(p)):
            continue
        terms = q.positive_terms
        if all(any(ref_in(t, text) for text in ref_texts(p)) for t in terms):
            matched.add(pos)
            if terms and all(ref_in(t, p.title) for t in terms):
                in_title.add(pos)
    return matched, in_title


def check_against_reference(index: SearchIndex, q, markers=None, new_ids=None) -> None:
    papers = index.papers
    hits = index.search(q, markers=markers, new_ids=new_ids)
    exact = [h for h in hits if not h.fuzzy]
    fuzzy = [h for h in hits if h.fuzzy]
    matched, in_title = ref_search(papers, q, markers, new_ids)
    assert {h.pos for h in exact} == matched
    assert len(exact) == len(matched)
    if q.has_terms:
        assert {h.pos for h in exact if h.title_match} == in_title
        assert hits[:len(exact)] == exact  # typo matches come last
        assert not fuzzy or len(matched) < FUZZY_BELOW
        allowed, _ = ref_search(papers, parse_query(" ".join(f.text for f in q.filters)), markers,
                                new_ids)
        assert {h.pos for h in fuzzy} <= allowed - matched
        assert len({h.pos for h in fuzzy}) == len(fuzzy)
    else:
        assert not fuzzy
        assert [h.pos for h in hits] == sorted(matched)


# -- query strategies -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_index(seed_library):
    return SearchIndex(seed_library.papers)


@pytest.fixture(scope="module")
def seed_vocabulary(seed_library):
    words, compounds, phrases = set(), set(), set()
    for p in seed_library.papers:
        for text in (p.title, p.abstract):
            tokens = ref_words(text)
            words.update(tokens)
            compounds.update(ref_compounds(text))
            phrases.update(" ".join(tokens[i:i + 3]) for i in range(0, len(tokens) - 2, 7))
    return sorted(words), sorted(compounds), sorted(phrases)


FILTERS = st.sampled_from([
    "year:2023", "year:>=2024", "year:<2022", "year:2019..2023", "-year:2023", "authors:>4",
    "authors:<=3", "upvotes:>=1", "upvotes:0", "seen:>=2", "-seen:1", "is:read", "is:unread",
    "is:starred", "has:note", "-is:starred", "is:new", "-is:new",
])


@st.composite
def seed_queries(draw, vocabulary):
    words, compounds, phrases = vocabulary

    def prefix(term: str) -> str:
        return term[:draw(st.integers(1, max(1, len(term))))]

    parts = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["word", "word", "compound", "phrase", "exclude", "filter"]))
        if kind == "word":
            parts.append(prefix(draw(st.sampled_from(words))))
        elif kind == "compound":
            parts.append(prefix(draw(st.sampled_from(compounds))))
        elif kind == "phrase":
            parts.append('"' + prefix(draw(st.sampled_from(phrases))) + '"')
        elif kind == "exclude":
            parts.append("-" + prefix(draw(st.sampled_from(words))))
        else:
            parts.append(draw(FILTERS))
    return " ".join(parts)


QUERY_ALPHABET = st.sampled_from(list("abcgkorz019 -\"':.,()+$_/<>=") +
                                 ["é", "ß", "ﬁ", "İ", "\u0301", "\u00a0", "\U0001f600", "\x00"])
QUERY_TEXT = st.text(QUERY_ALPHABET, max_size=30) | st.text(max_size=30) | st.one_of(
    st.builds(lambda a, b: f"{a}:{b}", st.sampled_from(["is", "has", "year", "authors", "upvotes",
                                                        "seen", "foo", "Year"]),
              st.text(st.sampled_from(list("0123456789<>=.-readstunol")), max_size=8)))


# -- properties ------------------------------------------------------------------------------------

@SETTINGS
@given(text=QUERY_TEXT)
def test_any_text_parses_or_raises_query_error_and_search_never_raises(seed_index, text):
    try:
        q = parse_query(text)
    except QueryError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    hits = seed_index.search(q)
    assert len({h.pos for h in hits}) == len(hits)
    assert all(0 <= h.pos < len(seed_index) for h in hits)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    for h in hits[:20]:
        title = seed_index.papers[h.pos].title
        spans = highlight_spans(title, q)
        assert spans == sorted(spans)
        assert all(0 <= s < e <= len(title) for s, e in spans)
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))


@SETTINGS
@given(data=st.data())
def test_index_finds_what_the_reference_finds(seed_index, seed_vocabulary, seed_library, data):
    text = data.draw(seed_queries(seed_vocabulary))
    q = parse_query(text)
    papers = seed_library.papers
    marked = [papers[i] for i in data.draw(st.lists(st.integers(0, len(papers) - 1), max_size=20))]
    markers = {p.id: Marker(paper_id=p.id, read=data.draw(st.booleans()),
                            starred=data.draw(st.booleans()),
                            note=data.draw(st.sampled_from([None, "", "  ", "a note"])))
               for p in marked}
    new_ids = frozenset(papers[i].id for i in data.draw(
        st.lists(st.integers(0, len(papers) - 1), max_size=30)))
    check_against_reference(seed_index, q, markers, new_ids)


@SETTINGS
@given(data=st.data())
def test_limit_gives_a_prefix(seed_index, seed_vocabulary, data):
    q = parse_query(data.draw(seed_queries(seed_vocabulary)))
    limit = data.draw(st.integers(0, 200))
    assert seed_index.search(q, limit=limit) == seed_index.search(q)[:limit]


TEXT_ALPHABET = st.sampled_from(list("abcdeABCDE0123 -.,:/()_+$'\"\n\t") +
                                ["é", "É", "\u0301", "ß", "ﬁ", "ı", "İ", "Ω", "ω", "—", "–",
                                 "\u00a0", "²", "Ａ", "\u200b"])
SMALL_TEXT = st.text(TEXT_ALPHABET, max_size=60)


NAMES = st.lists(st.text(TEXT_ALPHABET, max_size=12).filter(str.strip), max_size=3).map(tuple)


@st.composite
def libraries(draw):
    titles = draw(st.lists(SMALL_TEXT.filter(str.strip), min_size=1, max_size=12, unique=True))
    return [Paper(id=paper_id(t) + str(i), title=t, abstract=draw(SMALL_TEXT),
                  published=draw(st.none() | st.sampled_from(["2021-05-01", "2023-01-02",
                                                              "2023-07-09"])),
                  authors=draw(st.none() | st.integers(1, 9)),
                  upvotes=draw(st.none() | st.integers(0, 5)),
                  sources=tuple(draw(st.lists(st.sampled_from("abc"), min_size=1, max_size=3))),
                  arxiv_id=draw(st.none() | st.sampled_from(["2405.21060", "2405.00001",
                                                             "hep-th/9901001"])),
                  author_names=draw(NAMES), keywords=draw(NAMES),
                  organization=draw(st.none() | st.text(TEXT_ALPHABET, max_size=12)),
                  github=draw(st.none() | st.just("https://github.com/a/b")),
                  github_stars=draw(st.none() | st.integers(0, 3)),
                  comments=draw(st.none() | st.integers(0, 3)))
            for i, t in enumerate(titles)]


def field_filters(papers, draw) -> list[str]:
    """Filters on the API fields, with words taken from the generated papers."""
    options = ["has:code", "-has:code", "stars:>=1", "comments:0", "-comments:>=2"]
    for name, texts in FIELD_TEXTS.items():
        words = sorted({w for p in papers for t in texts(p) for w in ref_words(t)})
        if words:
            word = draw(st.sampled_from(words))
            options.append(f"{name}:{word[:draw(st.integers(1, len(word)))]}")
            options.append(f'-{name}:"{" ".join(draw(st.lists(st.sampled_from(words), min_size=1, max_size=2)))}"')
    return [draw(st.sampled_from(options)) for _ in range(draw(st.integers(0, 2)))]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(papers=libraries(), data=st.data())
def test_reference_agreement_on_generated_libraries(papers, data):
    index = SearchIndex(papers)
    vocabulary = sorted({w for p in papers for w in ref_words(p.title + " " + p.abstract)})
    compounds = sorted({c for p in papers for t in (p.title, p.abstract) for c in ref_compounds(t)})
    assume(vocabulary)
    terms = []
    for _ in range(data.draw(st.integers(1, 3))):
        pool = compounds if compounds and data.draw(st.booleans()) else vocabulary
        term = data.draw(st.sampled_from(pool))
        term = term[:data.draw(st.integers(1, len(term)))]
        terms.append(data.draw(st.sampled_from(["", "-"])) + term)
    if len(vocabulary) > 1 and data.draw(st.booleans()):
        terms.append('"' + " ".join(data.draw(st.lists(st.sampled_from(vocabulary), min_size=2,
                                                       max_size=3))) + '"')
    terms.append(data.draw(st.sampled_from(["", "year:2023", "-seen:1", "upvotes:0", "authors:>4"])))
    terms += field_filters(papers, data.draw)
    if data.draw(st.booleans()):
        terms.append(data.draw(st.sampled_from(["2405.2", "2405", "hep-th/99", "21060",
                                                '"2405 00001"'])))
    q = parse_query(" ".join(terms))
    check_against_reference(index, q)
    clone = pickle.loads(pickle.dumps(index))
    assert clone.search(q) == index.search(q)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200) | SMALL_TEXT)
def test_folding_with_offsets_agrees_with_folding(text):
    folded, offsets = fold_with_offsets(text)
    assert folded == fold(text)
    if offsets is not None:
        assert len(offsets) == len(folded)
        assert offsets == sorted(offsets) and all(0 <= o < len(text) for o in offsets)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(max_codepoint=127), max_size=300))
def test_ascii_fast_path_agrees_with_the_definition(text):
    words, compounds = index_terms(text)
    assert (set(words), set(compounds)) == general_terms(text)


@settings(max_examples=200, deadline=None)
@given(size=st.integers(1, 3000), data=st.data())
def test_bitset_round_trips(size, data):
    members = sorted(data.draw(st.sets(st.integers(0, size - 1))))
    bits = bitset.from_positions(members, size)
    assert bits.bit_count() == len(members)
    assert list(bitset.ranks(bits)) == members
    items = list(range(size))
    assert bitset.select(items, bits) == members
    limit = data.draw(st.integers(0, 10))
    assert bitset.select(items, bits, limit) == members[:limit]
    assert list(bitset.ranks(bits, limit)) == members[:limit]
    assert bitset.from_mask(bitset.to_mask(bits)) == bits


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.text(st.characters(blacklist_characters="\n"), max_size=8), max_size=30),
       data=st.data())
def test_packed_words_behave_like_a_list(words, data):
    packed = PackedWords(words)
    assert len(packed) == len(words) and list(packed) == words
    assert [packed[i] for i in range(-len(words), len(words))] == words + words
    start, stop = data.draw(st.integers(-40, 40)), data.draw(st.integers(-40, 40))
    assert packed[start:stop] == words[start:stop]
    assert packed[::2] == words[::2]
    with pytest.raises(IndexError):
        packed[len(words)]
    assert list(pickle.loads(pickle.dumps(packed))) == words
