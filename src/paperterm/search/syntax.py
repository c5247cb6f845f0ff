"""The query language as users read it, in one place: the help screen (``?``) shows these rows and
the README's "Search syntax" table is exactly them (``tests/test_search_syntax.py`` compares the
two; ``python -m paperterm.search.syntax`` prints the table to paste).

Each row is (queries, what they find) written in Markdown, as the README shows them; ``plain``
turns a cell into the text the help screen shows (code marks, emphasis and link targets dropped).
"""

from __future__ import annotations

import re

ROWS: tuple[tuple[str, str], ...] = (
    ('`grok`',
     'papers with a word *starting* with "grok" in the title or abstract ("Grokking")'),
    ('`grok lazy`',
     'papers matching **all** words'),
    ('`"lazy to rich"`',
     'the words in a row, anywhere (last word may be a prefix: `"lazy to ri"`)'),
    ('`in-context`, `gpt-4`, `http://x`',
     'words joined by punctuation: "In-Context", "GPT-4o" (not "in context"; quote it for '
     'both)'),
    ('`-lazy`, `-"rich training"`',
     'leave out papers matching the word or phrase'),
    ('`is:read` / `is:unread`',
     'read / not yet read'),
    ('`is:starred` / `is:unstarred`',
     'starred / not starred'),
    ('`has:note` (or `is:noted`)',
     'papers with a non-blank note'),
    ('`tag:llm`, `-tag:llm`',
     'papers you tagged `llm` / not tagged `llm` (the name is normalised as when tagging: '
     '`tag:LLM` is the same)'),
    ('`has:tags`',
     'papers with at least one tag (`-has:tags`: untagged ones)'),
    ('`is:new`',
     'papers new since last time: first seen since the previous start of the reader (see '
     '[The reader](#the-reader))'),
    ('`year:2023`, `year:>=2023`, `year:<2020`, `year:2021..2023`',
     'by publication year (`=`, `>`, `>=`, `<`, `<=`, ranges `A..B`, `A..`, `..B`); unknown '
     'years never match'),
    ('`authors:>5`',
     'by number of authors (unknown never matches)'),
    ('`upvotes:>=1`',
     'by upvotes (a missing count counts as 0)'),
    ('`seen:>=2`',
     'papers found in at least two listings'),
    ('`author:hinton`, `author:"geoffrey hin"`',
     'a word of an author name starting with "hinton"; quoted, the words in a row within '
     'one name (`author:tri author:gu` may match two different authors)'),
    ('`org:qwen`',
     'a word of the organisation\'s name starting with "qwen"'),
    ('`kw:diffusion`',
     'a word of the AI keywords starting with "diffusion"'),
    ('`has:code`',
     'papers with a code repository'),
    ('`comments:>=3`, `stars:>=100`',
     'by HF comments / code stars (unknown never matches)'),
    ('`2405.21060`, `2405.2106`',
     'an arXiv id (or its start) typed as a word finds its paper'),
    ('`day:2024-05-27`, `day:>=2024-05-20`, `day:2024-05-20..2024-05-24`, `day:today`, '
     '`day:yesterday`, `day:today-7..today`, `day:2024-05`, `day:2024`',
     'papers by the days they were listed: the [capture '
     'dates](#capture-dates-the-day-a-listing-was-saved) of their listings; a paper matches '
     'when any of its days is in range (a month or year is all its days; `=`, `>`, `>=`, '
     '`<`, `<=`, ranges `A..B`, `A..`, `..B`; `today` is your local date)'),
    ('`-is:read`, `-year:2023`',
     'any filter with `-` in front: its opposite (unknowns included)'),
)

#: An example of everything together (the help screen's last line, the README's first bullet).
COMBINED = "`grok -lazy year:>=2023 is:unread`"

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"\*\*([^*]+)\*\*|\*([^*]+)\*")


def plain(cell: str) -> str:
    """A Markdown cell as plain text: ``code`` marks, emphasis and link targets dropped."""
    text = _LINK.sub(r"\1", cell)
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    return text.replace("`", "")


def markdown_table() -> str:
    """The README's table."""
    lines = ["| Query | Finds |", "|---|---|"]
    lines += [f"| {query} | {finds} |" for query, finds in ROWS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
