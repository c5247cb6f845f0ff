"""Export: every format is read back by a real parser and gives the original fields back.

Parsers used: bibtexparser 2 (with pylatexenc decoding the LaTeX), the ``csv`` module, ``json``,
and markdown-it with the dollar-maths plugin (the CommonMark parser Textual and Rich use). The
papers are the 163 seed papers plus hand-made ones with every character that tends to break an
export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from pathlib import Path

from types import SimpleNamespace

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from paperterm.export import (
    FORMATS, ExportError, default_filename, paper_record, render, write_atomic,
)
from paperterm.export.bibtex import citation_keys, key_base
from paperterm.links import paper_links
from paperterm.model import Marker, Paper, known_arxiv_id, paper_id

KEYS = ["id", "title", "abstract", "authors", "organization", "published", "published_text",
        "published_inferred", "upvotes", "urls", "sources", "days", "link", "arxiv_id",
        "author_names", "github", "github_stars", "project_page", "comments", "ai_summary",
        "keywords", "read", "starred", "note", "tags"]

MATH_TITLE = r"Scaling Law with $L(s) = L_0 + A\cdot S_1^{-\alpha}$ Annealing"


def make_paper(title: str, abstract: str = "An abstract.", **fields) -> Paper:
    fields.setdefault("sources", ("one.txt",))
    return Paper(id=paper_id(title), title=title, abstract=abstract, **fields)


TRICKY = [
    make_paper(
        MATH_TITLE,
        r"We find $L(s) = L_0 + A\cdot S_1^{-\alpha}$ fits, a 6.5\% reduction and 100% more; "
        r"costs $5 and $10; display $$\sum_i x_i$$ too. See https://github.com/a/b_c. "
        r"Also (https://x.org/__init__.py) and https://x.org/a_(b)_c, https://x.org/*x*.",
        authors=5, published="2024-08-20", published_text="Aug 20, 2024", upvotes=12,
        urls=("https://github.com/a/b_c",), sources=("a.txt", "b c.txt"),
    ),
    make_paper(
        "Brackets [sic] {and} braces } unbalanced { 100% & \\cite{x} #1 _under_ ^hat ~tilde",
        "Unbalanced } then { and {\\it italic} with 50% & more # _ ^ ~ \\ and a lone $ sign.",
        authors=1, published="2025-08-28", published_text="Aug 28", published_inferred=True,
        upvotes=1,
    ),
    make_paper(
        'Quotes "double", \'single\', commas, and; semicolons',
        'He said "hi", then left, \'quietly\'; commas, everywhere.',
        organization="qualcomm Qualcomm", published="2025-10-19", published_text="Oct 19",
        published_inferred=True, upvotes=2,
    ),
    make_paper(
        "Schrödinger’s Cat: Naïve Café Résumé — über ∑ 日本語",
        "Accents é è ê ë, Greek αβγ, CJK 日本語, emoji-free, en–dash and em—dash.",
        authors=None, published=None, published_text="Dec 9",
    ),
    make_paper(
        "- Leading dash # hash > angle <b>html</b> &amp; entity * star ` tick |pipe|",
        "",  # empty abstract
        sources=(),
    ),
    make_paper(
        "1. Numbered title costs $5 and $10",
        "Line one of the abstract\n@article{evil, title={x}}\n- not a list\n1. not a list\n"
        "> not a quote\n    not code\n= not a heading\n<!-- not a comment -->",
        authors=3, published="2021-06-18", published_text="Jun 18, 2021",
        urls=("https://example.org/a_b%20c?x=1&y=2#frag~", "http://x.y/(paren)_$"),
    ),
]

TRICKY_MARKERS = {
    TRICKY[0].id: Marker(TRICKY[0].id, starred=True, read=True,
                         note="First line with $x^2$ maths\nsecond line: 50% & {braces}\n\n"
                              "after a blank line\n- a dash\n> a quote\n@misc{x,\n# hash"),
    TRICKY[1].id: Marker(TRICKY[1].id, starred=True, note="Unbalanced { brace and \\ backslash"),
    TRICKY[2].id: Marker(TRICKY[2].id, read=True),
    TRICKY[3].id: Marker(TRICKY[3].id, starred=True, note="Très bien — à lire « vite »"),
    TRICKY[5].id: Marker(TRICKY[5].id, starred=True, note='comma, "quote", \'apos\'\r\nCRLF line'),
}


def record(paper: Paper, markers) -> dict:
    return paper_record(paper, markers.get(paper.id))


# ---------------------------------------------------------------- records and the format list


def test_formats_and_default_filenames():
    assert FORMATS == ("markdown", "bibtex", "csv", "json")
    assert default_filename("markdown") == "paperterm-starred.md"
    assert default_filename("bibtex") == "paperterm-starred.bib"
    assert default_filename("csv") == "paperterm-starred.csv"
    assert default_filename("json") == "paperterm-starred.json"


def test_unknown_format_is_one_clear_line():
    with pytest.raises(ExportError) as info:
        render(TRICKY, {}, "yaml")
    assert str(info.value) == "unknown format 'yaml' (choose markdown, bibtex, csv, json)"


def test_paper_record_has_exact_keys_in_order():
    paper = TRICKY[0]
    rec = paper_record(paper, TRICKY_MARKERS[paper.id])
    assert list(rec) == KEYS
    assert rec["urls"] == ["https://github.com/a/b_c"] and rec["sources"] == ["a.txt", "b c.txt"]
    assert rec["read"] is True and rec["starred"] is True
    assert rec["note"] == TRICKY_MARKERS[paper.id].note
    bare = paper_record(paper, None)
    assert list(bare) == KEYS
    assert (bare["read"], bare["starred"], bare["note"], bare["tags"]) == (False, False, None, [])
    assert {k: bare[k] for k in KEYS if k not in ("link", "read", "starred", "note", "tags")} == \
        paper.to_dict()
    assert bare["link"] == paper.link and bare["link"].startswith("https://arxiv.org/search/")


# ---------------------------------------------------------------- JSON


@pytest.mark.parametrize("which", ["tricky", "seeds"])
def test_json_reads_back_identically(which, seed_library):
    papers = TRICKY if which == "tricky" else seed_library.papers
    markers = TRICKY_MARKERS if which == "tricky" else {}
    text = render(papers, markers, "json")
    data = json.loads(text)
    assert data == [record(p, markers) for p in papers]
    assert all(list(item) == KEYS for item in data)
    assert text.endswith("]\n")
    if which == "tricky":
        assert "Schrödinger’s" in text  # written as UTF-8, not \u escapes


def test_json_of_nothing_is_an_empty_array():
    assert json.loads(render([], {}, "json")) == []


# ---------------------------------------------------------------- CSV


FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")


def decode_csv_row(row: dict) -> dict:
    """Undo the documented CSV cell encoding (README: the OWASP formula rule included)."""
    def opt_int(value):
        return int(value) if value else None

    row = {key: value[1:] if value.startswith("'") and value.lstrip("'")[:1] in FORMULA_CHARS
           else value for key, value in row.items()}

    return {
        "id": row["id"], "title": row["title"], "abstract": row["abstract"],
        "authors": opt_int(row["authors"]), "organization": row["organization"] or None,
        "published": row["published"] or None, "published_text": row["published_text"] or None,
        "published_inferred": {"true": True, "false": False}[row["published_inferred"]],
        "upvotes": opt_int(row["upvotes"]),
        "urls": row["urls"].split(" ") if row["urls"] else [],
        "sources": row["sources"].split(";") if row["sources"] else [],
        "days": row["days"].split(" ") if row["days"] else [],
        "link": row["link"],
        "arxiv_id": row["arxiv_id"] or None,
        "author_names": row["author_names"].split(";") if row["author_names"] else [],
        "github": row["github"] or None, "github_stars": opt_int(row["github_stars"]),
        "project_page": row["project_page"] or None, "comments": opt_int(row["comments"]),
        "ai_summary": row["ai_summary"] or None,
        "keywords": row["keywords"].split(";") if row["keywords"] else [],
        "read": {"true": True, "false": False}[row["read"]],
        "starred": {"true": True, "false": False}[row["starred"]],
        "tags": row["tags"].split(";") if row["tags"] else [],
        "note": row["note"] or None,
    }


@pytest.mark.parametrize("which", ["tricky", "seeds"])
def test_csv_reads_back_with_dictreader(which, seed_library):
    papers = TRICKY if which == "tricky" else seed_library.papers
    markers = TRICKY_MARKERS if which == "tricky" else {}
    text = render(papers, markers, "csv")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == KEYS
    rows = list(reader)
    assert len(rows) == len(papers)
    for row, paper in zip(rows, papers):
        assert decode_csv_row(row) == record(paper, markers)


# ---------------------------------------------------------------- BibTeX


def latex_decoder() -> LatexNodes2Text:
    """pylatexenc, taught four standard LaTeX text-symbol commands and told to leave ligatures.

    Ligatures (``--`` to an en dash, ``\\`\\``` to a curly quote) are typesetting, not escaping: the
    export keeps them on purpose, and the round trip compares characters.
    """
    db = get_default_latex_context_db().filter_context(exclude_categories=["nonascii-specials"])
    db.add_context_category("text-symbols", prepend=True, macros=[
        MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}"),
        MacroTextSpec("textasciicircum", "^"), MacroTextSpec("textasciitilde", "~"),
    ])
    return LatexNodes2Text(latex_context=db, math_mode="verbatim", strict_latex_spaces=True)


def parse_bibtex(text: str, decode: bool = True):
    middleware = [LatexDecodingMiddleware(decoder=latex_decoder())] if decode else []
    library = bibtexparser.parse_string(text, append_middleware=middleware)
    assert library.failed_blocks == []
    return library


def braces_balance(value: str) -> bool:
    """BibTeX's own rule: every brace counts, backslash or not, and depth never goes negative."""
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def check_bibtex_round_trip(papers, markers):
    text = render(papers, markers, "bibtex")
    raw = parse_bibtex(text, decode=False)
    library = parse_bibtex(text)
    assert len(library.entries) == len(papers)
    assert len({e.key for e in library.entries}) == len(papers)
    for raw_entry, entry, paper in zip(raw.entries, library.entries, papers):
        assert entry.entry_type == "misc"
        for field in raw_entry.fields:
            assert braces_balance(field.value), (entry.key, field.key, field.value)
        fields = entry.fields_dict
        assert fields["title"].value == paper.title
        assert raw_entry.fields_dict["title"].value.startswith("{")  # double braces: case kept
        if paper.abstract:
            assert fields["abstract"].value == paper.abstract
        else:
            assert "abstract" not in fields
        marker = markers.get(paper.id)
        if marker and marker.note:
            assert fields["note"].value == marker.note
        else:
            assert "note" not in fields
        if paper.published:
            assert fields["year"].value == paper.published[:4]
            assert fields["month"].value == MONTHS[int(paper.published[5:7]) - 1]
        else:
            assert "year" not in fields and "month" not in fields
        # a verbatim field: compared undecoded (% is not a LaTeX comment there); every entry has
        # one: the arXiv page, else the abstract's first URL, else the paper's link
        arxiv_id = known_arxiv_id(paper)
        expected_url = (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else
                        paper.urls[0] if paper.urls else paper.link)
        assert raw_entry.fields_dict["url"].value == expected_url
        flags = [w for w, on in (("starred", marker and marker.starred),
                                 ("read", marker and marker.read)) if on]
        assert (fields["keywords"].value.split(", ") if "keywords" in fields else []) == flags
        how = fields["howpublished"].value
        assert "author" not in fields  # no invented author names
        if paper.authors is not None:
            assert f"{paper.authors} author" in how
        if paper.organization:
            assert paper.organization in how
    return text, library


def test_bibtex_tricky_papers_parse_back_exactly():
    text, library = check_bibtex_round_trip(TRICKY, TRICKY_MARKERS)
    by_key = {e.key: e for e in library.entries}
    assert "scaling2024" in by_key
    # Maths survives as its source text, and no raw $ reaches LaTeX.
    assert by_key["scaling2024"].fields_dict["title"].value == MATH_TITLE
    assert r"\$L(s) = L\_0 + A\textbackslash{}cdot S\_1\textasciicircum{}" in text
    # URLs are verbatim fields: written unescaped.
    assert "url = {https://example.org/a_b%20c?x=1&y=2#frag~}" in text


def test_bibtex_url_prefers_the_arxiv_page_then_the_abstract_then_the_link():
    with_id = make_paper("On arXiv", urls=("https://github.com/x/y",
                                            "https://arxiv.org/abs/2405.21060v2"))
    plain = make_paper("Only Code", urls=("https://github.com/x/y",))
    bare = make_paper("Nothing (At All) & More")
    check_bibtex_round_trip([with_id, plain, bare], {})
    entries = {e.fields_dict["title"].value: e for e in parse_bibtex(
        render([with_id, plain, bare], {}, "bibtex"), decode=False).entries}
    assert entries["{On arXiv}"].fields_dict["url"].value == "https://arxiv.org/abs/2405.21060"
    assert entries["{On arXiv}"].fields_dict["eprint"].value == "2405.21060"
    assert entries["{Only Code}"].fields_dict["url"].value == "https://github.com/x/y"
    assert entries["{Nothing (At All) \\& More}"].fields_dict["url"].value == (
        "https://arxiv.org/search/?query=Nothing+%28At+All%29+%26+More&searchtype=title")


def test_bibtex_percent_encodes_what_a_url_field_cannot_hold():
    # Listing URLs never hold these (the parser stops at them); a future source might.
    paper = make_paper("Odd URL", urls=("https://example.org/a{b}c\\d e",))
    text = render([paper], {}, "bibtex")
    assert parse_bibtex(text, decode=False).entries[0].fields_dict["url"].value == \
        "https://example.org/a%7Bb%7Dc%5Cd%20e"


def test_bibtex_all_seed_papers_parse_back(seed_library):
    papers = seed_library.papers
    markers = {p.id: Marker(p.id, starred=True, note=f"note on {p.title}\nline 2 {{ 100%")
               for p in papers[::3]}
    check_bibtex_round_trip(papers, markers)


def test_bibtex_keys_unique_readable_and_stable(seed_library):
    papers = seed_library.papers
    keys = citation_keys(papers)
    assert len(papers) == 163
    assert len(set(keys)) == 163
    assert all(re.fullmatch(r"[a-z0-9]+(-[0-9a-f]{4,12})?", k) for k in keys), keys
    by_id = dict(zip((p.id for p in papers), keys))
    # Independent of order.
    reversed_keys = citation_keys(list(reversed(papers)))
    assert dict(zip((p.id for p in reversed(papers)), reversed_keys)) == by_id
    # A paper whose base key nobody else shares keeps it in any subset.
    single = [p for p, k in zip(papers, keys) if "-" not in k]
    assert single, "expected most seed keys to need no suffix"
    assert citation_keys(single[:5]) == [by_id[p.id] for p in single[:5]]
    # Readable: first significant title word and year.
    principles = next(p for p in papers if p.title == "The Principles of Deep Learning Theory")
    assert by_id[principles.id] == "principles2021"


def test_bibtex_clashing_keys_get_id_suffixes():
    a = make_paper("Scaling laws for cats", published="2024-01-01")
    b = make_paper("Scaling laws for dogs", published="2024-02-01")
    c = make_paper("Scaling laws for fish")  # no year: a different base
    keys = citation_keys([a, b, c, a])
    assert keys[0] == f"scaling2024-{a.id[:4]}" and keys[1] == f"scaling2024-{b.id[:4]}"
    assert keys[2] == "scaling"
    assert keys[3] != keys[0] and len(set(keys)) == 4
    assert key_base(make_paper("The Ünïcode Title", published="2020-05-05")) == "unicode2020"
    assert key_base(make_paper("日本語")) == "paper"
    assert key_base(make_paper("Don't Think Longer")) == "dont"


def test_bibtex_of_nothing_is_empty():
    assert render([], {}, "bibtex") == ""


# ---------------------------------------------------------------- Markdown

MD = MarkdownIt("commonmark").use(dollarmath_plugin, allow_space=False, allow_digits=False)
TODAY = dt.date(2025, 3, 4)


def inline_text(token, allowed=("text", "softbreak", "hardbreak", "math_inline",
                                "math_inline_double", "link_open", "link_close")) -> str:
    """The text a reader sees, maths shown as written; fail on any markup we did not intend."""
    out = []
    for child in token.children:
        assert child.type in allowed, (child.type, token.content)
        if child.type == "link_open":  # only autolinks of bare URLs: the text shown is the URL
            assert child.markup == "autolink", child
        if child.type == "text":
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "math_inline":
            out.append(f"${child.content}$")
        elif child.type == "math_inline_double":
            out.append(f"$${child.content}$$")
        elif child.type == "code_inline":
            out.append(f"`{child.content}`")
    return "".join(out)


def markdown_sections(text: str) -> tuple[str, str, list[dict]]:
    """(document title, intro line, one dict per ``##`` section) from markdown-it's tokens."""
    tokens = MD.parse(text)
    title, intro, sections = None, None, []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            heading, href = heading_text(tokens[i + 1])
            if tok.tag == "h1":
                assert title is None
                title = heading
            else:
                assert tok.tag == "h2" and tok.level == 0
                sections.append({"title": heading, "title_link": href, "paragraphs": [],
                                 "raw": [], "links": [], "labels": [], "quote": [],
                                 "quote_kinds": set()})
            i += 3
            continue
        if tok.type == "paragraph_open" and tok.level == 0:
            inline = tokens[i + 1]
            if sections:
                sections[-1]["raw"].append(inline)
                sections[-1]["paragraphs"].append(inline.content)
            else:
                intro = inline.content
            i += 3
            continue
        if tok.type == "bullet_list_open":
            j = i + 1
            while tokens[j].type != "bullet_list_close":
                if tokens[j].type == "inline":
                    children = tokens[j].children
                    label = ""
                    if children[0].type == "text":  # "Code (★ 4): <url>"
                        label, children = children[0].content, children[1:]
                    kids = [c.type for c in children]
                    assert kids == ["link_open", "text", "link_close"], kids
                    assert children[0].markup == "autolink"
                    sections[-1]["links"].append(children[0].attrs["href"])
                    sections[-1]["labels"].append(label.removesuffix(": "))
                j += 1
            i = j + 1
            continue
        if tok.type == "blockquote_open":
            j = i + 1
            paragraphs = []
            while tokens[j].type != "blockquote_close":
                kind = tokens[j].type
                assert kind in ("paragraph_open", "paragraph_close", "inline"), kind
                if tokens[j].type == "inline":
                    paragraphs.append(inline_text(tokens[j]))
                    sections[-1]["quote_kinds"] |= {c.type for c in tokens[j].children}
                j += 1
            sections[-1]["quote"].append("\n\n".join(paragraphs))
            i = j + 1
            continue
        assert tok.type not in ("html_block", "code_block", "fence", "hr", "ordered_list_open",
                                "math_block"), (tok.type, tok.content)
        i += 1
    return title, intro, sections


def heading_text(token) -> tuple[str, str | None]:
    """A heading's text as shown, and the href when the whole heading is one (non-auto) link."""
    children = token.children
    if children and children[0].type == "link_open" and children[0].markup != "autolink":
        assert children[-1].type == "link_close"
        href = children[0].attrs["href"]
        inner = [c for c in children[1:-1]]
        assert not any(c.type == "link_open" for c in inner)
        return inline_text(SimpleNamespace(children=inner, content=token.content)), href
    return inline_text(token), None


def note_as_markdown_shows_it(note: str) -> str:
    """A note as a Markdown reader sees it: lines stripped, blank-line runs one paragraph break."""
    lines = [line.strip() for line in note.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def test_markdown_structure_and_fields_round_trip():
    text = render(TRICKY, TRICKY_MARKERS, "markdown", title="My [starred] *list*", today=TODAY)
    title, intro, sections = markdown_sections(text)
    assert title == "My [starred] *list*"
    assert intro == "6 papers · exported 2025-03-04"
    assert [s["title"] for s in sections] == [" ".join(p.title.split()) for p in TRICKY]
    for section, paper in zip(sections, TRICKY):
        marker = TRICKY_MARKERS.get(paper.id)
        meta = section["paragraphs"][0]
        assert f"id `{paper.id}`" in meta
        rest = section["raw"][1:]
        flags = [f for f, on in (("★ starred", marker and marker.starred),
                                 ("✓ read", marker and marker.read)) if on]
        if flags:
            assert rest[0].content == "**" + " · ".join(flags) + "**"
            rest = rest[1:]
        body = [inline_text(tok) for tok in rest]
        expected_abstract = "\n".join(line.strip() for line in paper.abstract.splitlines())
        assert body == ([expected_abstract] if paper.abstract else [])
        assert section["links"] == [MD.normalizeLink(link.url) for link in paper_links(paper)]
        assert section["labels"] == ["arXiv search"] + [""] * len(paper.urls)
        if section["title_link"] is not None:
            assert section["title_link"] == MD.normalizeLink(paper.link)
        if marker and marker.note:
            assert section["quote"] == [note_as_markdown_shows_it(marker.note)]
            assert "softbreak" not in section["quote_kinds"]  # every note line break kept
        else:
            assert section["quote"] == []


def test_markdown_meta_line_shows_dates_counts_and_listings():
    text = render(TRICKY, TRICKY_MARKERS, "markdown", today=TODAY)
    _, _, sections = markdown_sections(text)
    meta = [s["paragraphs"][0] for s in sections]
    assert "5 authors" in meta[0] and "2024-08-20" in meta[0] and "12 upvotes" in meta[0]
    assert "seen in 2 listings" in meta[0]
    assert "1 author " in meta[1] and "2025-08-28 (year inferred)" in meta[1]
    assert "1 upvote " in meta[1]
    assert "qualcomm Qualcomm" in meta[2] and "2025-10-19 (year inferred)" in meta[2]
    assert "Dec 9 (year unknown)" in meta[3] and "author" not in meta[3]
    assert "listing" not in meta[4]
    assert text.startswith("# paperterm reading list\n")


def test_markdown_keeps_maths_exactly_as_written():
    text = render(TRICKY[:1], {}, "markdown", today=TODAY)
    assert f"## [{MATH_TITLE}](<{TRICKY[0].link}>)\n" in text
    assert r"$L(s) = L_0 + A\cdot S_1^{-\alpha}$ fits" in text
    assert r"$$\sum_i x_i$$" in text
    assert r"costs \$5 and \$10" in text  # not maths: escaped so no renderer pairs them
    # Bare URLs become autolinks, never escaped inside, trailing punctuation left out.
    assert "See <https://github.com/a/b_c>. Also (<https://x.org/__init__.py>) and " \
           "<https://x.org/a_(b)_c>, <https://x.org/*x>\\*." in text  # * cut, as the parser does
    _, _, sections = markdown_sections(text)
    kinds = {c.type for c in sections[0]["raw"][1].children}
    assert "math_inline" in kinds


def test_markdown_on_seed_papers_round_trips(seed_library):
    papers = seed_library.papers
    text = render(papers, {}, "markdown", today=TODAY)
    title, intro, sections = markdown_sections(text)
    assert intro == "163 papers · exported 2025-03-04"
    assert len(sections) == 163
    for section, paper in zip(sections, papers):
        assert section["title"] == paper.title
        assert section["title_link"] == MD.normalizeLink(paper.link)
        if paper.abstract:
            assert inline_text(section["raw"][1]) == paper.abstract


def test_markdown_today_defaults_to_the_current_date():
    text = render([], {}, "markdown")
    assert f"0 papers · exported {dt.date.today().isoformat()}" in text


def test_render_keeps_the_given_order(seed_library):
    papers = list(reversed(seed_library.papers[:10]))
    assert [r["id"] for r in json.loads(render(papers, {}, "json"))] == [p.id for p in papers]
    _, _, sections = markdown_sections(render(papers, {}, "markdown"))
    assert [s["title"] for s in sections] == [p.title for p in papers]


# ---------------------------------------------------------------- write_atomic


def no_temp_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_write_atomic_writes_and_replaces(tmp_path):
    target = tmp_path / "out.md"
    write_atomic(target, "first é\n")
    assert target.read_text(encoding="utf-8") == "first é\n"
    target.chmod(0o640)
    inode = target.stat().st_ino
    write_atomic(target, "second\r\nline\n")
    assert target.read_bytes() == b"second\r\nline\n"  # no newline translation (CSV keeps CRLF)
    assert target.stat().st_ino != inode  # a new file renamed over the old one
    assert target.stat().st_mode & 0o777 == 0o640  # permissions carried over
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_write_atomic_new_file_gets_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.json", "[]\n")
    finally:
        os.umask(old)
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o644


def test_write_atomic_follows_a_symlink(tmp_path):
    real = tmp_path / "real.bib"
    real.write_text("old")
    link = tmp_path / "link.bib"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_write_atomic_missing_directory(tmp_path):
    target = tmp_path / "nope" / "out.md"
    with pytest.raises(ExportError) as info:
        write_atomic(target, "x")
    assert str(info.value) == f"{target}: directory does not exist"
    assert not (tmp_path / "nope").exists()


def test_write_atomic_path_is_a_directory(tmp_path):
    with pytest.raises(ExportError) as info:
        write_atomic(tmp_path, "x")
    assert str(info.value) == f"{tmp_path}: is a directory"
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_parent_is_a_file(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("keep")
    target = blocker / "out.md"
    with pytest.raises(ExportError) as info:
        write_atomic(target, "x")
    assert str(info.value).startswith(f"{target}: ") and "not a directory" in str(info.value)
    assert "\n" not in str(info.value)
    assert blocker.read_text() == "keep"


def test_write_atomic_unwritable_directory(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "out.md").write_text("old")
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            # Running as root, where mode bits do not stop writes: make creating the temporary file
            # fail exactly as the kernel would for anyone else.
            real_open = os.open

            def denied(path, flags, *args, **kwargs):
                if flags & os.O_CREAT:
                    raise PermissionError(13, "Permission denied", str(path))
                return real_open(path, flags, *args, **kwargs)

            monkeypatch.setattr(os, "open", denied)
        with pytest.raises(ExportError) as info:
            write_atomic(locked / "out.md", "new")
        monkeypatch.undo()
        assert str(info.value) == f"{locked / 'out.md'}: cannot write (Permission denied)"
        assert (locked / "out.md").read_text() == "old"
        assert sorted(p.name for p in locked.iterdir()) == ["out.md"]
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_write_atomic_fails_cleanly_midway(tmp_path, monkeypatch, failing):
    """Whatever step fails (disk full, I/O error), the old file stays and no temp file is left."""
    target = tmp_path / "out.csv"
    target.write_text("old")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(ExportError) as info:
        write_atomic(target, "new" * 1000)
    monkeypatch.undo()
    assert str(info.value) == f"{target}: cannot write (No space left on device)"
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_write_atomic_interrupted_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.json"

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "[]")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_every_format_written_to_disk_reads_back(tmp_path, seed_library):
    papers = seed_library.papers[:20] + TRICKY
    for fmt in FORMATS:
        target = tmp_path / default_filename(fmt)
        text = render(papers, TRICKY_MARKERS, fmt, today=TODAY)
        write_atomic(target, text)
        assert target.read_bytes() == text.encode("utf-8")
    assert json.loads((tmp_path / "paperterm-starred.json").read_text(encoding="utf-8")) == \
        [record(p, TRICKY_MARKERS) for p in papers]
    with open(tmp_path / "paperterm-starred.csv", newline="", encoding="utf-8") as handle:
        assert [decode_csv_row(r) for r in csv.DictReader(handle)] == \
            [record(p, TRICKY_MARKERS) for p in papers]
    parse_bibtex((tmp_path / "paperterm-starred.bib").read_text(encoding="utf-8"))
    assert no_temp_files(tmp_path)


# ---------------------------------------------------------------- properties: any text survives

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TRICKY_LINE = st.text(
    alphabet=st.sampled_from(list("ab Z1 \t{}[]()\\%&$#_^~@*`<>|!-+=.:;'\"/é日")), max_size=30,
)
TRICKY_TEXT = st.lists(TRICKY_LINE, max_size=5).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TRICKY_LINE.filter(str.strip), abstract=TRICKY_TEXT, note=TRICKY_TEXT)
def test_bibtex_any_text_round_trips(title, abstract, note):
    paper = make_paper(title, abstract, published="2023-01-02")
    markers = {paper.id: Marker(paper.id, note=note)} if note.strip() else {}
    text = render([paper], markers, "bibtex")
    raw = parse_bibtex(text, decode=False).entries[0]
    assert all(braces_balance(f.value) for f in raw.fields)
    fields = parse_bibtex(text).entries[0].fields_dict
    assert fields["title"].value == title
    assert fields.get("abstract") is None and not abstract.strip() or \
        fields["abstract"].value == abstract
    if markers:
        assert fields["note"].value == note


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TRICKY_LINE.filter(str.strip), abstract=TRICKY_TEXT, note=TRICKY_TEXT)
def test_markdown_any_text_round_trips(title, abstract, note):
    """Titles, abstracts and notes without maths show exactly their text (lines stripped)."""
    abstract = abstract.replace("$", "")  # maths is copied untouched by design
    title = title.replace("$", "")
    note = note.replace("$", "")
    paper = make_paper(title, abstract)
    markers = {paper.id: Marker(paper.id, note=note)} if note.strip() else {}
    _, _, sections = markdown_sections(render([paper], markers, "markdown", today=TODAY))
    assert len(sections) == 1
    assert sections[0]["title"] == " ".join(title.split())
    body = [inline_text(tok) for tok in sections[0]["raw"][1:]]
    shown = note_as_markdown_shows_it(abstract)
    assert body == (shown.split("\n\n") if shown else [])
    assert sections[0]["quote"] == ([note_as_markdown_shows_it(note)] if markers else [])


def test_markdown_multi_line_note_quotes_every_line():
    text = render(TRICKY[:1], TRICKY_MARKERS, "markdown", today=TODAY)
    assert text.endswith(
        "> First line with $x^2$ maths\\\n"
        "> second line: 50% & {braces}\n"
        ">\n"
        "> after a blank line\\\n"
        "> \\- a dash\\\n"
        "> \\> a quote\\\n"
        "> @misc{x,\\\n"
        "> \\# hash\n"
    )
