"""BibTeX export: one ``@misc`` entry per paper, for LaTeX users' reference managers.

Escaping. Listings carry raw text with stray LaTeX (``$L_0 + A\\cdot S_1^{-\\alpha}$``,
``6.5\\%``, unbalanced ``{``). Guessing which of it is valid LaTeX would make entries that break a
build, so control characters and bidi overrides (which LaTeX cannot typeset and a terminal would
obey) are written as ``[U+001B]`` (``safe_text.ascii_notation``), and every character BibTeX or LaTeX treats specially is written as the LaTeX command for that
character: ``\\ { } % & $ # _ ^ ~`` become ``\\textbackslash{}``, ``\\textbraceleft{}``,
``\\textbraceright{}``, ``\\%``, ``\\&``, ``\\$``, ``\\#``, ``\\_``, ``\\textasciicircum{}``
and ``\\textasciitilde{}``. So the typeset bibliography shows the listing's text (maths as its
source), the only braces in a value are balanced ones we wrote (BibTeX counts ``\\{`` as a brace,
hence the ``\\text...`` forms), and decoding the LaTeX gives back the original characters.
Non-ASCII text stays UTF-8; ``--`` and quotes keep their usual LaTeX typography. An ``@`` that
starts a line is written ``{@}``, because parsers read it as the start of a new entry.

Fields. ``title`` in double braces (styles must not re-case it); ``author`` when the listing named
the authors (an API day file): the names in order joined by ``and``, each escaped, a name holding
the word "and" braced so it stays one name, and ``and others`` after ``MAX_AUTHORS`` names (never
an invented name: a page-text listing gives only a count, which goes to ``howpublished``);
``year`` and ``month`` (the standard month macro, e.g. ``aug``) when the date is known;
``howpublished`` naming the listing plus the author count (when no names are known) or
organisation; ``eprint`` and ``archivePrefix = {arXiv}`` when the arXiv id is known; ``url``, the
arXiv page when the id is known, else the first link found in the abstract, else the paper's link
(an arXiv title search), verbatim as URL fields are (``{ } \\`` and white space, which listing URLs never hold, percent-encoded); ``keywords``
(``starred``, ``read``, then the user's tags, each escaped; a tag named like one of those two is
not repeated); ``note``, the user's note; ``abstract``.

Keys. The first significant title word, ASCII-folded, plus the year: ``grokking2022``. When several
exported papers share that, each gets ``-`` and the shortest prefix (at least 4 characters) of its
id that tells them apart: ``scaling2024-3fa9``. A key depends only on the paper and on which other
exported papers clash with it, never on the order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from paperterm.folding import fold
from paperterm.links import ARXIV_ABS
from paperterm.model import Marker, Paper, known_arxiv_id
from paperterm.safe_text import ascii_notation
from paperterm.wording import plural

HOWPUBLISHED = "Hugging Face Daily Papers"
MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

_LATEX_CHARS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX_CHARS)) + "]")
_LINE_START_AT = re.compile(r"^([ \t]*)@", re.MULTILINE)
_URL_UNSAFE = re.compile("[{}\\\\\\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

_STOP_WORDS = frozenset(
    "a an the on of in for to towards toward and or with from by at as is are be do does can "
    "how what why when which into via your our its not no".split()
)
_MIN_SUFFIX = 4
#: Author names written out; more become ``and others``.
MAX_AUTHORS = 50
_AND_WORD = re.compile(r"\band\b", re.IGNORECASE)
_MAX_WORD = 24


def escape_bibtex(text: str) -> str:
    """``text`` as a BibTeX/LaTeX value: special characters as LaTeX commands, braces balanced."""
    escaped = _LATEX_SPECIAL.sub(lambda m: _LATEX_CHARS[m.group(0)], ascii_notation(text))
    return _LINE_START_AT.sub(r"\1{@}", escaped)


def _escape_url(url: str) -> str:
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), url)


def _ascii_words(title: str) -> list[str]:
    """The title's ASCII words, folded as search folds them, apostrophes dropped ("dont")."""
    return re.findall(r"[a-z0-9]+", fold(re.sub(r"['’]", "", title)))


def key_base(paper: Paper) -> str:
    """The readable part of a key: first significant title word (ASCII) plus the year, if known."""
    words = _ascii_words(paper.title)
    word = next((w for w in words if w not in _STOP_WORDS and not w.isdigit()), None)
    word = (word or (words[0] if words else "paper"))[:_MAX_WORD]
    return f"{word}{paper.year}" if paper.year else word


def citation_keys(papers: Sequence[Paper]) -> list[str]:
    """One unique key per paper, in order (see the module docstring for the scheme)."""
    groups: dict[str, list[int]] = defaultdict(list)
    bases = [key_base(paper) for paper in papers]
    for index, base in enumerate(bases):
        groups[base].append(index)
    keys = list(bases)
    for base, members in groups.items():
        if len(members) == 1:
            continue
        ids = [papers[i].id for i in members]
        length = _MIN_SUFFIX
        while length < max(len(i) for i in ids) and len({i[:length] for i in ids}) < len(set(ids)):
            length += 1
        seen: dict[str, int] = defaultdict(int)
        for index, paper_id in zip(members, ids):
            suffix = paper_id[:length]
            seen[suffix] += 1
            # The same paper passed twice still needs two keys.
            repeat = "" if seen[suffix] == 1 else f"-{seen[suffix]}"
            keys[index] = f"{base}-{suffix}{repeat}"
    return keys


def bibtex_authors(names: Sequence[str]) -> str:
    """The ``author`` value: escaped names joined by `` and ``, ``and others`` past ``MAX_AUTHORS``.

    BibTeX splits the value at every top-level word "and", so a name holding that word (a team
    name such as "Research and Development Team") is braced to stay one name.
    """
    written = []
    for name in names[:MAX_AUTHORS]:
        escaped = escape_bibtex(" ".join(name.split()))
        written.append("{" + escaped + "}" if _AND_WORD.search(escaped) else escaped)
    if len(names) > MAX_AUTHORS:
        written.append("others")
    return " and ".join(written)


def _howpublished(paper: Paper) -> str:
    text = HOWPUBLISHED
    if paper.authors is not None and not paper.author_names:
        text += f"; {plural(paper.authors, 'author')}"
    if paper.organization:
        text += f"; organisation: {paper.organization}"
    return text


def _entry(key: str, paper: Paper, marker: Marker | None) -> str:
    fields: list[tuple[str, str]] = [("title", "{{" + escape_bibtex(paper.title) + "}}")]
    if paper.author_names:
        fields.append(("author", "{" + bibtex_authors(paper.author_names) + "}"))
    if paper.published:
        fields.append(("year", "{" + paper.published[:4] + "}"))
        fields.append(("month", MONTH_MACROS[int(paper.published[5:7]) - 1]))
    fields.append(("howpublished", "{" + escape_bibtex(_howpublished(paper)) + "}"))
    arxiv_id = known_arxiv_id(paper)  # the API's id, else one named by the abstract's URLs
    if arxiv_id:
        fields.append(("eprint", "{" + escape_bibtex(arxiv_id) + "}"))
        fields.append(("archivePrefix", "{arXiv}"))
        fields.append(("url", "{" + _escape_url(ARXIV_ABS.format(arxiv_id)) + "}"))
    else:
        fields.append(("url", "{" + _escape_url(paper.urls[0] if paper.urls else paper.link) + "}"))
    keywords = [word for word, on in (("starred", marker and marker.starred),
                                      ("read", marker and marker.read)) if on]
    if marker:
        keywords += [escape_bibtex(tag) for tag in marker.tags if tag not in keywords]
    if keywords:
        fields.append(("keywords", "{" + ", ".join(keywords) + "}"))
    if marker and marker.note and marker.note.strip():
        fields.append(("note", "{" + escape_bibtex(marker.note) + "}"))
    if paper.abstract.strip():
        fields.append(("abstract", "{" + escape_bibtex(paper.abstract) + "}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def render_bibtex(papers: Sequence[Paper], markers: Mapping[str, Marker]) -> str:
    """``@misc`` entries separated by blank lines (empty text for no papers)."""
    keys = citation_keys(papers)
    return "\n".join(_entry(key, paper, markers.get(paper.id)) for key, paper in zip(keys, papers))
