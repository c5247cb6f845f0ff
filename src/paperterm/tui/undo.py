"""Undo for marker changes: a bounded stack of (paper, field, value before, value after).

Triage is fast and keyboard-driven, so a slip (``s`` on the wrong row, a note saved empty) must be
one key away from repaired. Undo writes the previous value back to the store, which makes it a new,
ordinary change: a second paperterm, or an export, sees the restored value like any other.
A tag change is undone as the opposite change (the tags it added removed, the ones it removed
added back), not by writing the old set back, so a tag another window added meanwhile stays.
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


class UndoStack:
    """The most recent changes, newest last; the oldest are forgotten beyond ``limit``."""

    def __init__(self, limit: int = 500) -> None:
        self._changes: deque[Change] = deque(maxlen=limit)

    def push(self, change: Change) -> None:
        self._changes.append(change)

    def pop(self) -> Change | None:
        """The newest change, removed from the stack; ``None`` when there is nothing to undo."""
        return self._changes.pop() if self._changes else None

    def __len__(self) -> int:
        return len(self._changes)
