"""The Hugging Face API day-file parser on real day files (2024, 2025, 2026 shapes) and on broken ones.

The fixtures in ``tests/fixtures/hf_api/`` are real responses of ``/api/daily_papers?date=...``;
every figure asserted here was read from those files.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperterm.links import record_urls
from paperterm.model import paper_id
from paperterm.sources import MAX_WARNINGS
import datetime as dt

from paperterm.sources.capture import FROM_MTIME, FROM_NAME
from paperterm.sources.hf_api import (
    ARXIV_ID,
    FROM_SUBMITTED,
    parse_api_listing,
    submitted_day,
    unwrap_paragraphs,
)

FIXTURES = Path(__file__).parent / "fixtures" / "hf_api"
COUNTS = {"2024-06-03.json": 6, "2025-03-20.json": 13, "2025-10-06.json": 16}


def parse_fixture(name: str):
    return parse_api_listing((FIXTURES / name).read_text(encoding="utf-8"), name)


def entries(name: str) -> list:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def parse_entries(data, name: str = "2025-10-06.json"):
    return parse_api_listing(json.dumps(data), name)


def by_arxiv(result, arxiv_id):
    [paper] = [p for p in result.papers if p.arxiv_id == arxiv_id]
    return paper


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_real_files_load_whole_without_warnings(name):
    result = parse_fixture(name)
    assert result.warnings == []
    assert len(result.papers) == COUNTS[name]
    assert (result.captured, result.captured_how) == (name[:10], FROM_NAME)
    assert result.page_date is None
    for paper in result.papers:
        assert paper.id == paper_id(paper.title)
        assert "\n" not in paper.title and "  " not in paper.title
        assert paper.sources == (name,) and paper.days == (name[:10],)
        assert paper.authors == len(paper.author_names) > 0
        assert record_urls(paper)[:2] == [f"https://arxiv.org/abs/{paper.arxiv_id}",
                                          f"https://arxiv.org/pdf/{paper.arxiv_id}"]
        assert paper.abstract and "\n" not in paper.abstract


def test_2024_file_has_the_basic_fields_only():
    paper = by_arxiv(parse_fixture("2024-06-03.json"), "2405.21060")
    assert paper.title == ("Transformers are SSMs: Generalized Models and Efficient Algorithms "
                           "Through Structured State Space Duality")
    assert paper.author_names == ("Tri Dao", "Albert Gu") and paper.authors == 2
    assert paper.published == "2024-05-31" and not paper.published_inferred
    assert paper.upvotes == 27 and paper.comments == 3
    assert paper.abstract.startswith("While Transformers have been the main architecture behind "
                                     "deep learning's success in language modeling, state-space")
    assert paper.github is None and paper.github_stars is None and paper.project_page is None
    assert paper.ai_summary is None and paper.keywords == () and paper.organization is None


def test_2025_file_code_project_and_keywords():
    result = parse_fixture("2025-03-20.json")
    mesh = by_arxiv(result, "2503.15265")
    assert mesh.title == "DeepMesh: Auto-Regressive Artist-mesh Creation with Reinforcement Learning"
    assert mesh.github == "https://github.com/zhaorw02/DeepMesh"
    assert mesh.project_page == "https://zhaorw02.github.io/DeepMesh/"
    assert mesh.keywords[:2] == ("triangle meshes", "auto-regressive methods")
    assert len(mesh.keywords) == 19
    assert mesh.author_names[:3] == ("Ruowen Zhao", "Junliang Ye", "Zhengyi Wang")
    assert mesh.published == "2025-03-19" and mesh.upvotes == 20 and mesh.comments == 1
    # The project page in the abstract is kept among the URLs, after the arXiv pages.
    assert mesh.urls == ("https://zhaorw02.github.io/DeepMesh/",)
    cube = by_arxiv(result, "2503.15475")
    assert cube.authors == 45 and cube.author_names[0] == "Foundation AI Team"
    assert cube.project_page is None and cube.github == "https://github.com/Roblox/cube"


def test_2025_autumn_file_ai_summary_stars_and_organisation_full_name():
    result = parse_fixture("2025-10-06.json")
    epic = by_arxiv(result, "2510.00515")
    assert epic.organization == "Shanghai Jiao Tong University"
    assert epic.github_stars == 4
    assert epic.ai_summary.startswith("EPIC, a progressive learning framework, improves")
    assert by_arxiv(result, "2510.03194").organization == "Google"
    assert by_arxiv(result, "2510.01459").github_stars == 0  # zero stars is a count, not missing
    assert by_arxiv(result, "2510.02665").organization is None
    assert sum(p.github is not None for p in result.papers) == 5


def test_old_and_versioned_arxiv_ids():
    assert ARXIV_ID.fullmatch("2405.21060v2").group("id") == "2405.21060"
    assert ARXIV_ID.fullmatch("hep-th/9901001").group("id") == "hep-th/9901001"
    assert ARXIV_ID.fullmatch("math.AG/0501001").group("id") == "math.AG/0501001"
    for bad in ("", "2405", "../x", "2405.21060 ", "https://arxiv.org/abs/2405.21060", "1.2"):
        assert ARXIV_ID.fullmatch(bad) is None


def test_capture_date_from_name_then_submitted_day_then_file_time():
    data = entries("2025-03-20.json")
    named = parse_api_listing(json.dumps(data), "hf-daily-2025-03-21.json")
    assert (named.captured, named.captured_how) == ("2025-03-21", FROM_NAME)
    result = parse_api_listing(json.dumps(data), "saved.json", modified=dt.date(2026, 1, 1))
    assert (result.captured, result.captured_how) == ("2025-03-20", FROM_SUBMITTED)
    assert {p.days for p in result.papers} == {("2025-03-20",)}
    # A 2024 file has no submittedOnDailyAt: its name, else its modification date.
    old = parse_api_listing(json.dumps(entries("2024-06-03.json")), "old.json",
                            modified=dt.date(2024, 6, 4))
    assert (old.captured, old.captured_how) == ("2024-06-04", FROM_MTIME)
    assert parse_api_listing(json.dumps(entries("2024-06-03.json")), "old.json").captured is None
    assert submitted_day([{"paper": {"submittedOnDailyAt": d}} for d in
                          ("2025-01-02T01:00:00Z", "2025-01-03T01:00:00Z", "2025-01-03T09:00Z",
                           "garbage", 7)] + ["x"]) == "2025-01-03"
    # The entries' publishedAt never gives the day (its meaning changed in 2025).
    assert all(p.published != "2025-03-20" for p in result.papers)


def test_titles_and_abstracts_unwrapped():
    data = entries("2024-06-03.json")[:1]
    data[0]["paper"]["title"] = "  A title\n  over\tlines  "
    data[0]["paper"]["summary"] = "First line\nsecond line.\n\nNew  paragraph\n here."
    [paper] = parse_entries(data).papers
    assert paper.title == "A title over lines"
    assert paper.abstract == "First line second line.\n\nNew paragraph here."
    assert unwrap_paragraphs("a\n \n\n b") == "a\n\nb"


# -- broken entries -------------------------------------------------------------------------------

def broken(mutate, name="2025-10-06.json", index=0):
    data = entries(name)
    mutate(data[index])
    return parse_entries(data, name)


@pytest.mark.parametrize("field, value, expected", [
    ("upvotes", "12", "upvotes is '12', not a count"),
    ("upvotes", -3, "upvotes is -3, not a count"),
    ("upvotes", True, "upvotes is True, not a count"),
    ("githubStars", 4.5, "githubStars is 4.5, not a count"),
    ("githubRepo", "javascript:alert(1)", "githubRepo is 'javascript:alert(1)', not an http(s) URL"),
    ("githubRepo", 7, "githubRepo is 7, not text"),
    ("projectPage", ["x"], "projectPage is ['x'], not text"),
    ("ai_summary", {"a": 1}, "ai_summary is {'a': 1}, not text"),
    ("ai_keywords", "visual tokens", "ai_keywords is 'visual tokens', not a list"),
    ("authors", "Zichen Wen", "authors is 'Zichen Wen', not a list"),
    ("organization", "SJTU", "organization is 'SJTU', not an object"),
    ("publishedAt", "yesterday", "paper.publishedAt is 'yesterday', not a date"),
    ("summary", 3, "summary is 3, not text"),
])
def test_a_wrong_field_is_a_warning_naming_file_entry_and_field(field, value, expected):
    def mutate(entry):
        entry["paper"][field] = value
        if field in ("summary", "organization"):
            entry[field] = value

    result = broken(mutate)
    assert len(result.papers) == 16  # the entry itself still loads
    assert any(w.startswith("2025-10-06.json: entry 1 (2510.00515): ") and expected in w
               for w in result.warnings), result.warnings
    paper = result.papers[0]
    assert paper.arxiv_id == "2510.00515" and paper.title.startswith("Efficient Multi-modal")


def test_wrong_fields_leave_the_field_empty():
    def mutate(entry):
        entry["paper"].update(upvotes="12", githubStars=None, githubRepo=7, ai_keywords="x",
                              authors=[{"name": "A"}, {"nome": "B"}, "C", {"name": " "}])
        entry["numComments"] = -1
    result = broken(mutate)
    paper = result.papers[0]
    assert paper.upvotes is None and paper.github is None and paper.keywords == ()
    assert paper.comments is None and paper.author_names == ("A",) and paper.authors == 1
    assert "2025-10-06.json: entry 1 (2510.00515): 3 of 4 authors have no name; left out" \
        in result.warnings


@pytest.mark.parametrize("mutate, expected", [
    (lambda e: e["paper"].pop("id"), "entry 2: paper.id None is not an arXiv id; skipped"),
    (lambda e: e["paper"].update(id=2510.01068), "entry 2: paper.id 2510.01068 is not an arXiv id"),
    (lambda e: e["paper"].update(id="../../etc"), "entry 2: paper.id '../../etc' is not an arXiv"),
    (lambda e: (e["paper"].update(title=None), e.update(title=3)),
     "entry 2 (2510.01068): no title; skipped"),
    (lambda e: e.pop("paper"), "entry 2: no 'paper' object; skipped"),
])
def test_an_entry_without_id_or_title_is_skipped_with_a_warning(mutate, expected):
    result = broken(mutate, index=1)
    assert len(result.papers) == 15
    assert any(w.startswith("2025-10-06.json: " + expected) for w in result.warnings), \
        result.warnings
    assert "2510.01068" not in {p.arxiv_id for p in result.papers}


def test_title_from_the_entry_when_the_paper_has_none():
    def mutate(entry):
        del entry["paper"]["title"]
    paper = broken(mutate).papers[0]
    assert paper.title.startswith("Efficient Multi-modal Large Language Models via Progressive")


def test_whole_file_problems_are_one_last_warning():
    for text, expected in [
        ("[", "x.json: not valid JSON (Expecting value at line 1 column 2); no papers read"),
        ('{"a": 1}', "x.json: not a list of daily-paper entries (a JSON object); no papers read"),
        ("[]", "x.json: no papers found (an empty list)"),
        ("[1, null, []]", "x.json: no usable papers found"),
        ("[" * 100_000 + "]" * 100_000, "x.json: JSON nested too deeply; no papers read"),
    ]:
        result = parse_api_listing(text, "x.json")
        assert result.papers == [] and result.warnings[-1] == expected


def test_a_wrapped_response_is_read():
    data = {"papers": entries("2024-06-03.json")}
    assert len(parse_api_listing(json.dumps(data), "x.json").papers) == 6


def test_warnings_are_capped_per_file():
    data = [copy.deepcopy(entries("2024-06-03.json")[0]) for _ in range(200)]
    for entry in data:
        entry["paper"]["upvotes"] = "many"
    result = parse_entries(data, "big.json")
    assert len(result.papers) == 200
    assert len(result.warnings) == MAX_WARNINGS + 1
    assert result.warnings[-1] == "big.json: 150 more problems not shown"


def test_hundreds_of_authors_keep_their_order():
    data = entries("2024-06-03.json")[:1]
    data[0]["paper"]["authors"] = [{"name": f"Author {i}"} for i in range(700)]
    [paper] = parse_entries(data).papers
    assert paper.authors == 700 and paper.author_names[699] == "Author 699"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "title", "name", "fullname", "paper", "authors", "upvotes",
                         "githubRepo", "summary", "organization", "ai_keywords", "numComments"]),
        children, max_size=4),
    max_leaves=20)


_FIELDS = st.sampled_from(["title", "summary", "authors", "publishedAt", "submittedOnDailyAt",
                            "upvotes", "githubRepo", "githubStars", "projectPage", "ai_summary",
                            "ai_keywords", "organization", "numComments"])
_SAMPLE = entries("2025-10-06.json")[0]


@settings(max_examples=300, deadline=None)
@given(st.lists(_json, max_size=4), st.dictionaries(_FIELDS, _json, max_size=5),
       st.dictionaries(_FIELDS, _json, max_size=3))
def test_any_json_never_raises(junk, inner, outer):
    """Junk entries are skipped, and any value in any field of a real entry keeps the entry."""
    sample = copy.deepcopy(_SAMPLE)
    sample["paper"].update(inner)
    sample.update(outer)
    result = parse_entries(junk + [sample])
    title = sample["paper"].get("title")
    if not (isinstance(title, str) and title.strip()):
        title = sample.get("title")
    if isinstance(title, str) and title.strip():
        assert [p.arxiv_id for p in result.papers][-1:] == ["2510.00515"]
        paper = result.papers[-1]
        assert paper.upvotes is None or isinstance(paper.upvotes, int)
        assert all(isinstance(n, str) and n for n in paper.author_names)
    else:
        assert "2510.00515" not in [p.arxiv_id for p in result.papers]


def test_control_characters_and_bidi_overrides_are_removed_with_one_warning():
    data = entries("2025-10-06.json")[:2]
    paper = data[0]["paper"]
    paper["title"] = "Evil\x1b]0;pwned\x07 Title\u202e"
    paper["summary"] = "Clear\x1b[2J screen \x9b31m and \u2066isolate\u2069."
    paper["authors"] = [{"name": "Zichen\x1b[31m Wen"}, {"name": "\x07"}]
    paper["ai_keywords"] = ["visual\x00 tokens"]
    paper["githubRepo"] = "https://github.com/a/b\x1b"
    paper["organization"]["fullname"] = "Shanghai\u202e Jiao"
    data[1]["paper"]["ai_summary"] = "fine\u0085"
    text = json.dumps(data)  # as escapes (\u001b ...)
    for shown in (text, json.dumps(data, ensure_ascii=False)):  # and raw
        result = parse_api_listing(shown, "evil.json")
        first, second = result.papers
        assert first.title == "Evil]0;pwned Title"
        assert first.abstract == "Clear[2J screen 31m and isolate."
        assert first.author_names == ("Zichen[31m Wen",)
        assert first.keywords == ("visual tokens",)
        assert first.github == "https://github.com/a/b" and first.organization == "Shanghai Jiao"
        assert second.ai_summary == "fine"
        assert result.warnings[0] == "evil.json: removed 13 control characters (terminal " \
            "escape, bidi override) from the text"
        assert "1 of 2 authors have no name" in result.warnings[1]
    clean = parse_fixture("2025-10-06.json")
    assert clean.warnings == []


def test_a_raw_control_character_inside_a_string_is_not_fatal():
    data = entries("2024-06-03.json")[:1]
    text = json.dumps(data).replace("Transformers are SSMs", "Transformers\tare SSMs", 1)
    [paper] = parse_api_listing(text, "x.json").papers
    assert paper.title.startswith("Transformers are SSMs: Generalized")


def test_an_escaped_carriage_return_alone_is_removed_too():
    """``\\r`` is the one JSON escape of a removed character that is not ``\\uXXXX``/``\\b``/``\\f``:
    a file whose only control character is written so must still be cleaned."""
    data = entries("2024-06-03.json")[:1]
    data[0]["paper"]["title"] = "Carriage\r return title"
    text = json.dumps(data)
    assert "\\r" in text and "\r" not in text
    [paper] = parse_api_listing(text, "cr.json").papers
    assert paper.title == "Carriage return title"
    assert parse_api_listing(text, "cr.json").warnings[0] == (
        "cr.json: removed 1 control character (terminal escape, bidi override) from the text")
