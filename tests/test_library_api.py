"""API day files in the library: folders with both kinds of listing, and one paper per arXiv id."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from paperterm.library import load_library, merge_papers
from paperterm.model import Paper, paper_id

FIXTURES = Path(__file__).parent / "fixtures" / "hf_api"
EPIC = "Efficient Multi-modal Large Language Models via Progressive Consistency Distillation"


def text_listing(title: str, abstract: str = "Short abstract.", meta: str = "  • 4 authors\n·\n"
                 "Oct 1, 2025 3") -> str:
    return f"{title}\n\n{abstract}\n\n{meta}\n"


def api(title: str, arxiv_id: str, source: str, **fields) -> Paper:
    return Paper(id=paper_id(title), title=title, abstract=fields.pop("abstract", "abs"),
                 sources=(source,), arxiv_id=arxiv_id, **fields)


def test_a_folder_reads_txt_and_json_and_ignores_other_files(tmp_path):
    for name in ("2025-10-06.json", "2024-06-03.json"):
        shutil.copyfile(FIXTURES / name, tmp_path / name)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.TXT").write_text(text_listing("A Paper Only In Text"))
    (tmp_path / "notes.md").write_text("# not a listing")
    (tmp_path / "data.jsonl").write_text("{}")
    library = load_library([tmp_path])
    assert library.warnings == []
    assert sorted(f.name for f in library.files) == ["2024-06-03.json", "2025-10-06.json",
                                                     "page.TXT"]
    assert len(library) == 6 + 16 + 1


def test_text_and_api_sightings_of_one_title_are_one_paper(tmp_path):
    # The page shows the title with other spacing and case; its organisation line has the handle.
    (tmp_path / "2025-10-05.txt").write_text(text_listing(
        "Efficient multi-modal large language models via progressive consistency  distillation",
        meta="sjtu Shanghai Jiao Tong University\n·\nOct 1, 2025 9"))
    shutil.copyfile(FIXTURES / "2025-10-06.json", tmp_path / "2025-10-06.json")
    library = load_library([tmp_path])
    [paper] = [p for p in library.papers if p.arxiv_id == "2510.00515"]
    assert len(library) == 16
    # The id is the title-based one, so a marker stored before the API file came stays attached.
    assert paper.id == paper_id(EPIC) == paper_id(paper.title)
    assert paper.sources == ("2025-10-05.txt", "2025-10-06.json")  # load order: path order
    assert paper.days == ("2025-10-05", "2025-10-06")
    assert paper.title.startswith("Efficient multi-modal")  # the first sighting's
    assert paper.author_names[0] == "Zichen Wen" and paper.authors == 11
    assert paper.organization == "Shanghai Jiao Tong University"
    assert paper.github == "https://github.com/ZichenWen1/EPIC" and paper.github_stars == 4
    assert paper.upvotes == 16 and paper.comments == 1  # the newest listing's (the API file)
    assert paper.abstract.startswith("Visual tokens consume")  # the longer abstract


def test_upvotes_are_the_newest_listings_even_when_lower(tmp_path):
    shutil.copyfile(FIXTURES / "2025-10-06.json", tmp_path / "2025-10-06.json")
    (tmp_path / "2025-10-09.txt").write_text(text_listing(EPIC, meta="  • 11 authors\n·\nOct 1, 2025 9"))
    library = load_library([tmp_path])
    [paper] = [p for p in library.papers if p.arxiv_id == "2510.00515"]
    assert paper.days == ("2025-10-06", "2025-10-09")
    assert paper.upvotes == 9  # the page of 2025-10-09 is newer than the API file
    assert paper.comments == 1  # only the API file knows it
    assert paper.github_stars == 4 and paper.author_names[0] == "Zichen Wen"


def test_one_paper_per_arxiv_id_even_when_the_title_was_revised():
    first = api("Old Title", "2501.00001", "2025-01-02.json", upvotes=3, comments=0,
                days=("2025-01-02",))
    revised = api("New Better Title", "2501.00001", "2025-01-03.json", upvotes=9, comments=2,
                  github="https://github.com/x/y", github_stars=10, days=("2025-01-03",))
    [merged] = merge_papers([[first], [revised]])
    assert merged.id == paper_id("Old Title") and merged.title == "Old Title"
    assert merged.sources == ("2025-01-02.json", "2025-01-03.json")
    assert (merged.upvotes, merged.comments) == (9, 2)
    assert (merged.github, merged.github_stars) == ("https://github.com/x/y", 10)


def test_a_title_match_and_an_arxiv_match_join_two_known_papers_into_one():
    text = Paper(id=paper_id("Title B"), title="Title B", abstract="page", sources=("p.txt",),
                 upvotes=1)
    other = Paper(id=paper_id("Unrelated"), title="Unrelated", abstract="x", sources=("p.txt",))
    under_a = api("Title A", "2501.00002", "d1.json", upvotes=2)
    under_b = api("Title B", "2501.00002", "d2.json", upvotes=4)
    merged = merge_papers([[text, other], [under_a], [under_b]])
    assert [p.title for p in merged] == ["Title B", "Unrelated"]
    assert merged[0].id == paper_id("Title B")  # the first sighting's id, in its place
    assert merged[0].sources == ("p.txt", "d1.json", "d2.json")
    assert merged[0].arxiv_id == "2501.00002" and merged[0].upvotes == 4
    # A later sighting under either title still finds the one paper.
    again = merge_papers([[text, other], [under_a], [under_b],
                          [api("Title A", "2501.00002", "d3.json")]])
    assert len(again) == 2 and again[0].sources[-1] == "d3.json"


def test_different_arxiv_ids_with_one_title_stay_one_paper_by_title():
    # The id is the title's: two entries with one title are one paper whatever their ids say.
    a = api("Same", "2501.00003", "d1.json")
    b = api("Same", "2501.00004", "d2.json")
    [merged] = merge_papers([[a], [b]])
    assert merged.arxiv_id == "2501.00003"


def test_json_problems_are_warnings_naming_the_path(tmp_path):
    shutil.copyfile(FIXTURES / "2024-06-03.json", tmp_path / "2024-06-03.json")
    data = json.loads((FIXTURES / "2025-03-20.json").read_text())
    data[2]["paper"]["upvotes"] = "lots"
    (tmp_path / "2025-03-20.json").write_text(json.dumps(data))
    (tmp_path / "broken.json").write_text("[{")
    (tmp_path / "binary.json").write_bytes(b"\x00\x01")
    library = load_library([tmp_path])
    assert len(library) == 6 + 13
    assert f"{tmp_path / '2025-03-20.json'}: entry 3 (2503.15475): upvotes is 'lots', not a " \
           "count; ignored" in library.warnings
    assert any(w.startswith(f"{tmp_path / 'broken.json'}: not valid JSON") for w in
               library.warnings)
    assert any(w.startswith(f"{tmp_path / 'binary.json'}: binary data") for w in
               library.warnings)


def test_cached_library_keeps_the_new_fields(tmp_path):
    shutil.copyfile(FIXTURES / "2025-10-06.json", tmp_path / "2025-10-06.json")
    fresh = load_library([tmp_path])
    load_library([tmp_path])  # writes the cache
    cached = load_library([tmp_path])
    assert [p.to_dict() for p in cached.papers] == [p.to_dict() for p in fresh.papers]


def test_an_arxiv_id_resolves_like_a_paper_id():
    library = load_library([FIXTURES])
    paper = library.resolve("2510.00515")
    assert paper.arxiv_id == "2510.00515" and library.resolve(paper.id[:7]) is paper
    import pytest

    from paperterm.library import IdError
    with pytest.raises(IdError):
        library.resolve("2510.99999")
