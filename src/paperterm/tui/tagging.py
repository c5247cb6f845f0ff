"""What a line typed into the tag dialog means, and the completion it offers (no Textual here).

The line holds tag names separated by spaces or commas, each optionally marked:

- ``name`` toggles: added to a paper that does not have it, removed from one that does;
- ``+name`` adds it (a paper that has it keeps it);
- ``-name`` removes it.

So ``t``, ``llm``, ``enter`` tags a paper "llm" and the same keys again untag it, while ``+`` and
``-`` say exactly what to do, which is what a change over many papers at once (a selection) needs:
``TagEdit.against`` turns the line into the tags to add and remove for one paper's current tags.

Names are normalised as everywhere (``paperterm.tags``): ``LLM`` is ``llm``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from paperterm.tags import TagError, normalize_tag

_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True, slots=True)
class TagEdit:
    """A parsed tag line: names to add, to remove, and to toggle (each normalised, in order)."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    toggle: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.add or self.remove or self.toggle)

    def against(self, current: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(add, remove)`` for a paper whose tags are ``current``: a toggled name is removed
        when the paper has it and added when it has not."""
        have = set(current)
        add = [*self.add, *(name for name in self.toggle if name not in have)]
        remove = [*self.remove, *(name for name in self.toggle if name in have)]
        return tuple(dict.fromkeys(add)), tuple(dict.fromkeys(remove))


def parse_tag_line(text: str) -> TagEdit:
    """The edit a tag line asks for; ``TagError`` (one line) for a word that is not a tag name or a
    name both added and removed."""
    add: dict[str, None] = {}
    remove: dict[str, None] = {}
    toggle: dict[str, None] = {}
    for word in _SEPARATORS.split(text.strip()):
        if not word:
            continue
        sign, name = (word[0], word[1:]) if word[0] in "+-" else ("", word)
        if not name:
            raise TagError(f"{word!r} needs a tag name after it (e.g. {word}llm)")
        name = normalize_tag(name)
        {"+": add, "-": remove, "": toggle}[sign][name] = None
    both = [name for name in add if name in remove]
    if both:
        raise TagError(f"tag {both[0]!r} is both added (+) and removed (-)")
    toggle = {name: None for name in toggle if name not in add and name not in remove}
    return TagEdit(tuple(add), tuple(remove), tuple(toggle))


def complete(value: str, names: Sequence[str], current: Sequence[str] = ()) -> str | None:
    """``value`` with its last word completed to a tag name, or ``None``.

    The last word (after the last space or comma, without its ``+``/``-``) is completed to the
    first of ``names`` (the tags in use, most used first) that starts with it; after ``-`` the
    paper's own tags (``current``) come first, since only those can be removed. The letters typed
    are kept as typed; the completion is in normal form (lower case)."""
    match = re.search(r"([+-]?)([^\s,+-][^\s,]*)$", value)
    if match is None:
        return None
    sign, typed = match.groups()
    prefix = typed.lower()
    candidates = (*current, *names) if sign == "-" else (*names, *current)
    for name in candidates:
        if name.startswith(prefix) and len(name) > len(prefix):
            return value + name[len(prefix):]
    return None
