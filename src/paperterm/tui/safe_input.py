"""Text fields that never hold a character the terminal would obey.

Textual's ``Input`` and ``TextArea`` draw their text as it is, so an escape sequence pasted into
one (or put there by the program, e.g. a note from a marker file) would go to the terminal raw.
Here every way text gets in -- typing, pasting, setting ``value`` -- passes ``safe_text.visible``
(one line) or ``safe_text.visible_lines``: an ``ESC`` becomes ``␛``, a C1 or bidi control ``�``,
one character for one, so the cursor stays where it was.
"""

from __future__ import annotations

from textual.widgets import Input, TextArea

from paperterm.safe_text import visible, visible_lines


class SafeInput(Input):
    """An ``Input`` whose value never holds a control character (tab and newline become spaces)."""

    def validate_value(self, value: str) -> str:
        return visible(value)


class SafeTextArea(TextArea):
    """A ``TextArea`` into which typing or pasting never inserts a control character (text set
    by the program is the caller's job: ``NoteEditor`` loads ``visible_lines(note)``)."""

    def _replace_via_keyboard(self, insert: str, start, end):  # every keyboard edit and paste
        return super()._replace_via_keyboard(visible_lines(insert), start, end)
