"""Markdown export: a reading list a researcher can keep, read on GitHub or turn into notes.

Layout::

    # <title>
    <N papers · exported YYYY-MM-DD>
    ## [<paper title>](<link>)        (``Paper.link``: the HF page, else an arXiv title search;
                                       a title holding a URL, or a bracket in maths, is not linked)
    *<authors or organisation · date · upvotes · comments · listings · id>*
    **★ starred · ✓ read**            (only the markers that are set)
    **Tags:** llm, to-read            (the user's tags, when the paper has any)
    <abstract paragraph>
    AI summary (machine-written): ... (when the listing has one)
    - Hugging Face: <url>             (the paper's links, as ``links.paper_links`` gives them:
    - Code (★ 4): <url>                HF page or arXiv search, arXiv, PDF, code, project page; a
    - <url>                            URL found in the abstract is a bare item)
    > <note, every line quoted>

The author names (the first ten, then "and N more") stand in for the author count when the
listing named them.

Titles, abstracts and notes are text, not Markdown: characters that Markdown would read as
formatting (``* _ ` [ ] # ~ \\``, a ``<`` that could open a tag, an ``&`` that could start an
entity, a line starting with ``-``, ``+``, ``=``, ``>``, ``|`` or ``1.``) are backslash-escaped, so
the rendered page shows exactly the original text. Maths is the exception: a ``$...$`` or
``$$...$$`` span (found with Pandoc's rule: no space after the opening or before the closing dollar,
no digit right after the closing one) is copied untouched so that KaTeX/MathJax renderers typeset
it; a lone ``$`` is escaped. Leading and trailing spaces of each line are dropped, and a title is
put on one line (a heading cannot span two).

Control characters (but tab and newline) and bidi overrides are written as numeric character
references (``&#x1B;``, ``safe_text.markdown_safe``): they render as the same character, and the
file, printed to a terminal, holds nothing the terminal would obey.

Notes keep their line breaks (a backslash hard break at the end of each quoted line); runs of blank
lines become one paragraph break and leading indentation is dropped, as Markdown would anyway.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence

from paperterm.links import paper_links
from paperterm.model import Marker, Paper, author_names_label, date_label
from paperterm.safe_text import markdown_safe
from paperterm.wording import plural

DEFAULT_TITLE = "paperterm reading list"

# Pandoc's tex_math_dollars rule; $$display$$ first so it is not read as two empty inline spans.
_MATH = re.compile(
    r"\$\$(?:\\.|[^$\\])+?\$\$"
    r"|\$(?=[^\s$])(?:\\.|[^$\\])*?(?<=[^\s\\])\$(?!\d)",
    re.DOTALL,
)
# A bare http(s) URL: written as an autolink <...> so it is clickable and no escape lands inside it.
# A URL ends at a control character or bidi override: they are written as references, never
# put inside a link.
_URL = re.compile("https?://[^\\s<>\"'`{}|\\\\^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")
_URL_TRAILING = ".,;:!?*'\""
# Escaped wherever they are: emphasis, code, links, headings, strikethrough, maths and escapes
# themselves; ``&`` and ``<`` only where they would start an entity or an HTML tag/comment.
_INLINE_SPECIAL = re.compile(r"[\\`*_\[\]#~$]|&(?=#?[0-9A-Za-z]+;)|<(?=[A-Za-z/!?])")
# The mark that would make a line a list item, quote, table row or setext underline.
_BLOCK_MARK = re.compile(r"^(?:[-+=>|]|\d+[.)])", re.MULTILINE)


def _escape_text(text: str, block_marks: list[int], offset: int) -> str:
    """Escape one run of non-maths text that starts at ``offset`` in the whole text."""
    cuts = [mark - offset for mark in block_marks if offset <= mark < offset + len(text)]
    pieces = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)])]
    # Each piece after the first starts with a line-start mark, which gets its own backslash.
    return "\\".join(_INLINE_SPECIAL.sub(r"\\\g<0>", piece) for piece in pieces)


def _trim_url(url: str) -> str:
    """Drop sentence punctuation after a URL, and closing brackets it did not open."""
    while url:
        if url[-1] in _URL_TRAILING:
            url = url[:-1]
        elif url[-1] == ")" and url.count("(") < url.count(")"):
            url = url[:-1]
        elif url[-1] == "]" and url.count("[") < url.count("]"):
            url = url[:-1]
        else:
            return url
    return url


def escape_markdown(text: str, autolink: bool = True) -> str:
    """``text`` as Markdown that renders to the same characters.

    ``$...$`` maths is kept as written and bare URLs become autolinks (or, with ``autolink``
    false, for text that is itself a link's text, escaped text); everything else is escaped.
    """
    text = "\n".join(line.strip() for line in text.splitlines())
    block_marks = [m.end() - 1 for m in _BLOCK_MARK.finditer(text)]
    parts: list[str] = []
    pos = 0
    while True:
        math = _MATH.search(text, pos)
        url = _URL.search(text, pos) if autolink else None
        if url and (not math or url.start() < math.start()):
            link = _trim_url(url.group(0))
            if len(link) > len("https://"):
                parts.append(_escape_text(text[pos:url.start()], block_marks, pos))
                parts.append(f"<{link}>")
                pos = url.start() + len(link)
            else:  # a bare scheme, nothing to link to
                parts.append(_escape_text(text[pos:url.end()], block_marks, pos))
                pos = url.end()
            continue
        if math and (not url or math.start() < url.start()):
            parts.append(_escape_text(text[pos:math.start()], block_marks, pos))
            parts.append(math.group(0))
            pos = math.end()
            continue
        parts.append(_escape_text(text[pos:], block_marks, pos))
        return "".join(parts)


def _date_text(paper: Paper) -> str | None:
    label = date_label(paper)
    return f"{label} (year unknown)" if label and not paper.published else label


def _meta_line(paper: Paper) -> str:
    bits: list[str] = []
    names = author_names_label(paper)
    if names:
        bits.append(escape_markdown(names))
    elif paper.authors is not None:
        bits.append(plural(paper.authors, "author"))
    if paper.organization:
        bits.append(escape_markdown(paper.organization))
    date = _date_text(paper)
    if date:
        bits.append(escape_markdown(date))
    if paper.upvotes is not None:
        bits.append(plural(paper.upvotes, "upvote"))
    if paper.comments is not None:
        bits.append(plural(paper.comments, "comment"))
    if paper.sources:
        bits.append(f"seen in {plural(len(paper.sources), 'listing')}")
    bits.append(f"id `{paper.id}`")
    return "*" + " · ".join(bits) + "*"


def _quote(text: str) -> list[str]:
    """The note as blockquote lines: every line quoted, line breaks kept as hard breaks."""
    lines = [escape_markdown(line) for line in text.strip().splitlines()]
    out: list[str] = []
    for i, line in enumerate(lines):
        if not line:
            if out and out[-1] != ">":
                out.append(">")
            continue
        next_blank = i + 1 >= len(lines) or not lines[i + 1]
        out.append(f"> {line}" if next_blank else f"> {line}\\")
    return out


def _linkable(title: str) -> bool:
    """Whether a title can be a link's text: not when it holds a URL (a link cannot hold a link)
    or a bracket inside maths (maths is copied unescaped, and a bracket there would end the text).
    Such a title stays a plain heading; its link is still the first item of the list."""
    if _URL.search(title):
        return False
    return not any("[" in m.group(0) or "]" in m.group(0) for m in _MATH.finditer(title))


def _url_item(url: str, label: str = "Link") -> str:
    head = "- " if label == "Link" else f"- {escape_markdown(label)}: "
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*", url):
        return f"{head}<{url}>"
    return f"{head}{escape_markdown(url)}"


def _paper_block(paper: Paper, marker: Marker | None) -> list[str]:
    title = escape_markdown(" ".join(paper.title.split()))
    links = paper_links(paper)
    if _linkable(paper.title):
        title = f"[{title}](<{paper.link}>)"
    lines = [f"## {title}", "", _meta_line(paper), ""]
    flags = []
    if marker and marker.starred:
        flags.append("★ starred")
    if marker and marker.read:
        flags.append("✓ read")
    if flags:
        lines += ["**" + " · ".join(flags) + "**", ""]
    if marker and marker.tags:
        lines += ["**Tags:** " + escape_markdown(", ".join(marker.tags)), ""]
    if paper.abstract.strip():
        lines += [escape_markdown(paper.abstract), ""]
    if paper.ai_summary:
        lines += ["*AI summary (machine-written):* " + escape_markdown(paper.ai_summary), ""]
    if paper.keywords:
        lines += ["*AI keywords (machine-written):* " + escape_markdown(", ".join(paper.keywords)),
                  ""]
    if links:
        lines += [_url_item(link.url, link.label) for link in links] + [""]
    if marker and marker.note and marker.note.strip():
        lines += _quote(marker.note) + [""]
    return lines


def render_markdown(papers: Sequence[Paper], markers: Mapping[str, Marker], *,
                    title: str | None = None, today: _dt.date | None = None) -> str:
    """The reading list as one Markdown document ending with a newline."""
    day = (today or _dt.date.today()).isoformat()
    heading = " ".join((title or DEFAULT_TITLE).split())
    lines = [f"# {escape_markdown(heading)}", "",
             f"{plural(len(papers), 'paper')} · exported {day}", ""]
    for paper in papers:
        lines += _paper_block(paper, markers.get(paper.id))
    return markdown_safe("\n".join(lines).rstrip("\n") + "\n")
