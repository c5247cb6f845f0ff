"""Undo for marker changes: a bounded stack of (paper, field, value before, value after).

Triage is fast and keyboard-driven, so a slip (``s`` on the wrong row, a note saved empty) must be
one key away from repaired. Undo writes the previous value back to the store, which makes it a new,
ordinary change: a second paperterm, or an export, sees the restored value like any other.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

Field = Literal["read", "starred", "note"]


@dataclass(frozen=True, slots=True)
class Change:
    """One marker change as the user made it. ``before``/``after`` are bools, or note text/None."""

    paper_id: str
    title: str
    field: Field
    before: bool | str | None
    after: bool | str | None

    def describe(self) -> str:
        """A short phrase for the change, e.g. ``starred`` or ``note removed``."""
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
