"""Undo for marker changes: a bounded stack of (paper, field, value before, value after).

Triage is fast and keyboard-driven, so a slip (``s`` on the wrong row, a note saved empty) must be
one key away from repaired. Undo writes the previous value back to the store, which makes it a new,
ordinary change: a second paperterm, or an export, sees the restored value like any other.
A tag change is undone as the opposite change (the tags it added removed, the ones it removed
added back), not by writing the old set back, so a tag another window added meanwhile stays.

A key that changes many papers at once (the selection, ``A``) pushes one ``BulkChange``: one undo
step restores every one of those papers to its own previous value (not a flip of the current one:
a paper starred before a bulk star stays starred after its undo), and papers the bulk change left
as they were are not part of it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

Field = Literal["read", "starred", "note", "tags"]


@dataclass(frozen=True, slots=True)
class Change:
    """One marker change as the user made it. ``before``/``after`` are bools, note text/None, or
    for ``tags`` the paper's tag names (sorted tuples)."""

    paper_id: str
    title: str
    field: Field
    before: bool | str | tuple[str, ...] | None
    after: bool | str | tuple[str, ...] | None

    @property
    def tags_added(self) -> tuple[str, ...]:
        """For a tag change: the names it added."""
        return tuple(n for n in self.after or () if n not in (self.before or ()))

    @property
    def tags_removed(self) -> tuple[str, ...]:
        """For a tag change: the names it removed."""
        return tuple(n for n in self.before or () if n not in (self.after or ()))

    def describe(self) -> str:
        """A short phrase for the change, e.g. ``starred``, ``note removed``, ``tagged #llm``."""
        if self.field == "tags":
            added, removed = self.tags_added, self.tags_removed
            if added and not removed:
                return "tagged " + " ".join(f"#{n}" for n in added)
            if removed and not added:
                return "untagged " + " ".join(f"#{n}" for n in removed)
            return "tags changed: " + " ".join([*(f"+#{n}" for n in added),
                                                *(f"-#{n}" for n in removed)])
        if self.field == "note":
            if self.after is None:
                return "note removed"
            return "note added" if self.before is None else "note edited"
        if self.field == "read":
            return "marked read" if self.after else "marked unread"
        return "starred" if self.after else "unstarred"


@dataclass(frozen=True, slots=True)
class BulkChange:
    """One key's change of one field on many papers; ``changes`` holds only the papers it changed,
    each with its own previous value."""

    field: Field
    changes: tuple[Change, ...]

    def describe(self) -> str:
        """A short phrase, e.g. ``starred 12 papers`` or ``marked 1,234 papers read``."""
        n = len(self.changes)
        papers = f"{n:,} paper" + ("" if n == 1 else "s")
        afters = {c.after for c in self.changes}
        if self.field == "read":
            if afters == {True}:
                return f"marked {papers} read"
            return f"marked {papers} unread" if afters == {False} else f"changed read on {papers}"
        if self.field == "starred":
            if afters == {True}:
                return f"starred {papers}"
            return f"unstarred {papers}" if afters == {False} else f"changed stars on {papers}"
        if self.field == "tags":
            added = sorted({n for c in self.changes for n in c.tags_added})
            removed = sorted({n for c in self.changes for n in c.tags_removed})
            if added and not removed:
                return f"tagged {papers} " + " ".join(f"#{n}" for n in added)
            if removed and not added:
                return f"untagged {papers} " + " ".join(f"#{n}" for n in removed)
            return f"changed tags on {papers}: " + " ".join(
                [*(f"+#{n}" for n in added), *(f"-#{n}" for n in removed)])
        return f"changed notes on {papers}"


#: What one undo step takes back.
Step = Change | BulkChange


def _size(step: Step) -> int:
    return len(step.changes) if isinstance(step, BulkChange) else 1


class UndoStack:
    """The most recent changes, newest last; the oldest are forgotten beyond ``limit`` steps, or
    once the steps hold more than ``max_papers`` paper changes in all (a bulk change of 100,000
    papers holds 100,000 previous values, about 7 MB: a few of them are kept, not 500). The
    newest step is always kept, whatever its size."""

    def __init__(self, limit: int = 500, max_papers: int = 400_000) -> None:
        self._changes: deque[Step] = deque(maxlen=limit)
        self._max_papers = max_papers
        self._papers = 0

    def push(self, change: Step) -> None:
        if len(self._changes) == self._changes.maxlen:
            self._papers -= _size(self._changes[0])
        self._changes.append(change)
        self._papers += _size(change)
        while self._papers > self._max_papers and len(self._changes) > 1:
            self._papers -= _size(self._changes.popleft())

    def pop(self) -> Step | None:
        """The newest change, removed from the stack; ``None`` when there is nothing to undo."""
        if not self._changes:
            return None
        step = self._changes.pop()
        self._papers -= _size(step)
        return step

    def __len__(self) -> int:
        return len(self._changes)
