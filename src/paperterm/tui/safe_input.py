"""Text fields that never hold a character the terminal would obey.

Textual's ``Input`` and ``TextArea`` draw their text as it is, so an escape sequence pasted into
one (or put there by the program, e.g. a note from a marker file) would go to the terminal raw.
Here every way text gets in -- typing, pasting, setting ``value`` -- passes ``safe_text.visible``
(one line) or ``safe_text.visible_lines``: an ``ESC`` becomes ``␛``, a C1 or bidi control ``�``,
one character for one, so the cursor stays where it was.
"""

from __future__ import annotations

from textual.widgets import Input, TextArea
from textual.widgets.text_area import Edit, EditResult

from paperterm.safe_text import visible, visible_lines


class SafeInput(Input):
    """An ``Input`` whose value never holds a control character (tab and newline become spaces)."""

    def validate_value(self, value: str) -> str:
        return visible(value)


class SafeTextArea(TextArea):
    """A ``TextArea`` into which no edit inserts a control character: typing, pasting, undo/redo
    and ``insert``/``replace`` all go through ``edit`` (the text loaded whole is the caller's
    job: ``NoteEditor`` loads ``visible_lines(note)``)."""

    def edit(self, edit: Edit) -> EditResult:
        edit.text = visible_lines(edit.text)  # one character for one: the locations still hold
        return super().edit(edit)
