"""Exports of papers from API day files: BibTeX authors and arXiv fields, Markdown links and names,
CSV/JSON keys. Read back with real parsers (bibtexparser + pylatexenc, markdown-it, csv, json)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from paperterm.export import render
from paperterm.export.bibtex import MAX_AUTHORS, bibtex_authors
from paperterm.library import load_library
from paperterm.model import Paper, paper_id
from paperterm.model import Marker

from test_export import MD, parse_bibtex

FIXTURES = Path(__file__).parent / "fixtures" / "hf_api"


@pytest.fixture(scope="module")
def api_papers():
    return load_library([FIXTURES]).papers


def by_arxiv(papers, arxiv_id):
    return next(p for p in papers if p.arxiv_id == arxiv_id)


def api_paper(names, **fields) -> Paper:
    title = fields.pop("title", "A Paper")
    return Paper(id=paper_id(title), title=title, abstract="abs", sources=("d.json",),
                 authors=len(names), author_names=tuple(names), arxiv_id="2501.00001", **fields)


def test_bibtex_author_eprint_and_url_read_back(api_papers):
    library = parse_bibtex(render(api_papers, {}, "bibtex"))
    assert len(library.entries) == len(api_papers)
    for entry, paper in zip(library.entries, api_papers):
        fields = entry.fields_dict
        assert fields["author"].value == " and ".join(paper.author_names)
        assert fields["eprint"].value == paper.arxiv_id
        assert fields["archivePrefix"].value == "arXiv"
        assert fields["url"].value == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert "author" not in fields["howpublished"].value  # no count when names are known


def test_bibtex_names_are_escaped_and_never_split_or_invented():
    tricky = ["Ana {Braces} O'Neil", "Research and Development Team", "J. Smith_Jr & Co",
              "Müller, Hans", "50% Ng"]
    text = render([api_paper(tricky)], {}, "bibtex")
    [entry] = parse_bibtex(text).entries
    assert entry.fields_dict["author"].value == " and ".join(tricky)
    raw = parse_bibtex(text, decode=False).entries[0].fields_dict["author"].value
    # BibTeX splits names at top-level "and": the team name is braced, the others are not.
    assert "{Research and Development Team}" in raw
    assert raw.count(" and ") == len(tricky) - 1 + 1  # one "and" inside the braced name


def test_bibtex_many_authors_end_with_and_others():
    names = [f"Author Number{i}" for i in range(MAX_AUTHORS + 25)]
    value = bibtex_authors(names)
    assert value.endswith(" and others")
    assert value.count(" and ") == MAX_AUTHORS
    [entry] = parse_bibtex(render([api_paper(names)], {}, "bibtex")).entries
    assert entry.fields_dict["author"].value.split(" and ")[-2:] == [f"Author Number{MAX_AUTHORS - 1}",
                                                                     "others"]


def test_bibtex_page_text_paper_keeps_its_count_and_gets_no_author():
    paper = Paper(id=paper_id("T"), title="T", abstract="a", authors=4, sources=("p.txt",))
    [entry] = parse_bibtex(render([paper], {}, "bibtex")).entries
    assert "author" not in entry.fields_dict and "eprint" not in entry.fields_dict
    assert entry.fields_dict["howpublished"].value == "Hugging Face Daily Papers; 4 authors"


def test_markdown_links_title_names_code_and_machine_written_labels(api_papers):
    paper = by_arxiv(api_papers, "2510.00515")
    text = render([paper], {}, "markdown")
    tokens = MD.parse(text)
    heading = next(t for i, t in enumerate(tokens) if tokens[i - 1].type == "heading_open"
                   and tokens[i - 1].tag == "h2")
    kinds = [c.type for c in heading.children]
    assert kinds == ["link_open", "text", "link_close"]
    assert heading.children[0].attrs["href"] == "https://huggingface.co/papers/2510.00515"
    assert heading.children[1].content == paper.title
    paragraphs = [tokens[i + 1].content for i, t in enumerate(tokens)
                  if t.type == "paragraph_open" and t.level == 0]
    assert paragraphs[1].startswith("*Zichen Wen, Shaobo Wang, ")
    assert "Conghui He and 1 more · Shanghai Jiao Tong University" in paragraphs[1]
    assert "1 comment" in paragraphs[1]
    assert any(p.startswith("*AI summary (machine-written):* EPIC, a progressive") for p in
               paragraphs)
    items = [t for t in tokens if t.type == "inline" and t.level == 3]
    shown = [(i.children[0].content, i.children[1].attrs["href"]) for i in items]
    assert shown == [
        ("Hugging Face: ", "https://huggingface.co/papers/2510.00515"),
        ("arXiv: ", "https://arxiv.org/abs/2510.00515"),
        ("PDF: ", "https://arxiv.org/pdf/2510.00515"),
        ("Code (★ 4): ", "https://github.com/ZichenWen1/EPIC"),
        ("Project page: ", "https://zichenwen1.github.io/EPIC"),
    ]


def test_markdown_names_are_escaped():
    paper = api_paper(["*Star* [Link](x)", "<b>Bold</b>"], title="T")
    text = render([paper], {}, "markdown")
    tokens = MD.parse(text)
    meta = next(t for t in tokens if t.type == "inline" and t.content.startswith("*\\*Star"))
    # No link, emphasis or HTML from the names: only the italic line itself and the id's code.
    assert [c.type for c in meta.children] == ["em_open", "text", "code_inline",
                                               "em_close"]
    assert meta.children[1].content.startswith("*Star* [Link](x), <b>Bold</b> · ")


def test_csv_and_json_carry_the_new_keys(api_papers):
    paper = by_arxiv(api_papers, "2510.00515")
    marker = {paper.id: Marker(paper_id=paper.id, starred=True)}
    [record] = json.loads(render([paper], marker, "json"))
    assert record["arxiv_id"] == "2510.00515" and record["author_names"][0] == "Zichen Wen"
    assert record["github"] == "https://github.com/ZichenWen1/EPIC" and record["github_stars"] == 4
    assert record["project_page"] == "https://zichenwen1.github.io/EPIC"
    assert record["comments"] == 1 and record["ai_summary"].startswith("EPIC")
    assert record["keywords"][0] == "visual tokens" and record["organization"] == \
        "Shanghai Jiao Tong University"
    [row] = csv.DictReader(io.StringIO(render([paper], marker, "csv"), newline=""))
    assert row["author_names"].split(";") == list(paper.author_names)
    assert row["keywords"].split(";") == list(paper.keywords)
    assert (row["arxiv_id"], row["github_stars"], row["comments"]) == ("2510.00515", "4", "1")
