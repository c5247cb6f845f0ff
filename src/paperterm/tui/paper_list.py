"""The paper list: a virtual list on Textual's Line API that stays fast at any size.

Why not ``ListView``/``OptionList``/``DataTable``: they build an object per row up front, which takes
seconds at 100,000 papers. This widget holds only ``rows``, a sequence of positions into the
library, and draws a row when the compositor asks for that screen line (``render_line``), so:

- swapping the contents (a new search result, a view) is assigning a list and setting
  ``virtual_size`` -- no per-row work at all;
- painting costs one row per visible line (a few dozen), whatever the length of the list;
- moving the cursor without scrolling repaints exactly two lines (``refresh_line``); the app
  updates the detail pane at once through ``on_cursor`` (same frame), then gets ``CursorMoved``;
- selected rows (``selected``, the app's set of selected positions) cost one set membership test
  per painted row: a bar in the first cell and a tinted row.

Titles get the room: the date and upvotes columns are left out when no paper shown has a value
for them (say, page-text listings, which carry no upvotes, or a search among undated papers). What
each paper has is two bytes per paper built once per library; each new set of rows then asks
"is any shown paper dated / upvoted", which stops at the first that is (the first row, almost
always), and the column widths are worked out once per set of rows and width, not per row.

Every row is built from ``Segment``s of plain text, never markup, so titles with ``[``, ``]`` or
other markup characters display literally; control characters are replaced by spaces so a hostile
title cannot drive the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from paperterm.model import Paper
from paperterm.safe_text import visible
from paperterm.tui.direct_lines import DirectLines
from paperterm.tui.keys import LIST_BINDINGS
from paperterm.tui.ordering import MarkerSets

UNREAD_MARK = "•"
STAR_MARK = "★"
NOTE_MARK = "✎"
#: In the first cell of a selected row (``x``); the row is tinted too.
SELECT_MARK = "▌"
UPVOTE_MARK = "▲"
#: The title column keeps at least this many cells before the date and upvotes get any.
MIN_TITLE = 20
#: A row's tags (``#llm #to-read``, after the title) take at most this share of the title column,
#: and only what the title leaves beyond ``MIN_TITLE``.
TAGS_SHARE = 0.4

Highlighter = Callable[[str], Sequence[tuple[int, int]]]


def clean(text: str) -> str:
    """``text`` safe to put on one line of a terminal: ``safe_text.visible`` (an escape shows as
    ``␛``, a C1 or bidi control as ``�``, tab and newline as spaces). One character for one, so
    highlight offsets computed on the original text still fit."""
    return visible(text)


def fit(text: str, width: int) -> str:
    """``text`` cut (with an ellipsis) or padded to exactly ``width`` cells."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


class PaperList(DirectLines, ScrollView, can_focus=True, inherit_bindings=False):
    """A cursor over ``rows`` (positions into ``papers``), drawn one line per visible row."""

    BINDINGS = LIST_BINDINGS

    COMPONENT_CLASSES = {
        "paper-list--row",
        "paper-list--read",
        "paper-list--unread-mark",
        "paper-list--star",
        "paper-list--note",
        "paper-list--tags",
        "paper-list--meta",
        "paper-list--match",
        "paper-list--cursor",
        "paper-list--empty",
        "paper-list--selected",
        "paper-list--selected-row",
    }

    class CursorMoved(Message):
        """The cursor now rests on another paper (``pos`` is ``None`` when the list is empty)."""

        def __init__(self, paper_list: PaperList, pos: int | None) -> None:
            super().__init__()
            self.paper_list = paper_list
            self.pos = pos

        @property
        def control(self) -> PaperList:
            return self.paper_list

    def __init__(self, papers: Sequence[Paper], marks: MarkerSets, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.papers = papers
        self.marks = marks
        #: Positions of the selected papers (the owner's set, mutated in place).
        self.selected: set[int] = set()
        self.rows: Sequence[int] = ()
        self.cursor = 0
        self.highlighter: Highlighter | None = None
        self.empty_message = "No papers."
        self._styles: dict[str, Style] | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._generation = 0
        #: Called with the new ``cursor_pos`` as soon as the cursor moves, before ``CursorMoved``
        #: is posted: the owner can update what depends on it (the detail pane) in the same frame
        #: as the two repainted rows, instead of one frame later when the message arrives.
        self.on_cursor: Callable[[int | None], None] | None = None
        #: The sort the rows are in ("upvotes" keeps the upvotes column in a narrow list).
        self.sort = ""
        #: Per paper of ``papers``: 1 when it has a date / an upvotes count (built on first use,
        #: once per library), how many have one, and the widest upvotes figure ("▲123").
        self._dated: bytes | None = None
        self._upvoted: bytes = b""
        self._dated_count = self._upvoted_count = 0
        self._upvote_width = 0
        #: Whether the date / upvotes column is shown: only when some shown paper has a value.
        self.show_dates = True
        self.show_upvotes = True
        #: ``_columns`` per list width, for the current rows.
        self._layouts: dict[int, tuple[int, int, int]] = {}

    # -- contents ------------------------------------------------------------------------------

    @property
    def cursor_pos(self) -> int | None:
        """The position (into ``papers``) of the paper under the cursor, or ``None`` if empty."""
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def set_rows(self, rows: Sequence[int], cursor: int = 0,
                 highlighter: Highlighter | None = None) -> None:
        """Show ``rows`` with the cursor on row ``cursor``. Costs nothing per row."""
        self.rows = rows
        self.highlighter = highlighter
        self.show_dates, self.show_upvotes = self._shown_columns(rows)
        self._layouts.clear()
        self._generation += 1
        self._strips.clear()
        self.cursor = max(0, min(cursor, len(rows) - 1))
        set_virtual_height(self, len(rows))
        self._scroll_to_cursor(force=True)
        self.refresh()
        self._cursor_changed()

    def forget_papers(self) -> None:
        """Drop what was computed from ``papers`` (call after assigning another library)."""
        self._dated = None
        self._layouts.clear()

    def _library_columns(self) -> None:
        """Which papers have a date and an upvotes count: one pass per library (a few ms per
        100,000 papers), on the first rows shown."""
        papers = self.papers
        dated = self._dated = bytes([p.published is not None for p in papers])
        self._dated_count = dated.count(1)
        upvotes = [p.upvotes for p in papers]
        self._upvoted = bytes([u is not None for u in upvotes])
        self._upvoted_count = len(upvotes) - upvotes.count(None)
        top = max((u for u in upvotes if u is not None), default=None)
        self._upvote_width = len(UPVOTE_MARK) + len(str(top)) if top is not None else 0

    def _shown_columns(self, rows: Sequence[int]) -> tuple[bool, bool]:
        """Whether any of ``rows`` has a date, and whether any has upvotes. Free when every paper
        or none has one; otherwise each stops at the first row that has one (the first row,
        almost always), and only a long run of rows without costs a scan (about 5 ms per
        100,000)."""
        if self._dated is None or len(self._dated) != len(self.papers):
            self._library_columns()
        return (_any_of(rows, self._dated, self._dated_count),
                _any_of(rows, self._upvoted, self._upvoted_count))

    def refresh_pos(self, pos: int) -> None:
        """Repaint the row of paper ``pos`` if it is on screen (after its markers changed)."""
        top = round(self.scroll_y)
        for index in range(top, min(len(self.rows), top + self.size.height)):
            if self.rows[index] == pos:
                self.refresh_line(index)

    def refresh_markers(self) -> None:
        """Repaint every visible row (after markers changed outside this window)."""
        self._strips.clear()
        self.refresh()

    def index_of(self, pos: int) -> int | None:
        """The row showing paper ``pos``, or ``None``."""
        try:
            return self.rows.index(pos)  # type: ignore[union-attr]
        except ValueError:
            return None

    # -- cursor --------------------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        if index == self.cursor:
            return
        old, self.cursor = self.cursor, index
        if not self._scroll_to_cursor():
            self.refresh_line(old)
            self.refresh_line(index)
        self._cursor_changed()

    def _cursor_changed(self) -> None:
        pos = self.cursor_pos
        if self.on_cursor is not None:
            self.on_cursor(pos)
        self.post_message(self.CursorMoved(self, pos))

    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _scroll_to_cursor(self, force: bool = False) -> bool:
        """Scroll so the cursor row is visible; ``True`` if it scrolled."""
        height = self._page_height()
        top = round(self.scroll_y)
        if self.cursor < top:
            target = self.cursor
        elif self.cursor >= top + height:
            target = self.cursor - height + 1
        elif force and top > max(0, len(self.rows) - height):
            target = max(0, len(self.rows) - height)
        else:
            return False
        self.scroll_to(y=target, animate=False, force=True, immediate=True)
        return True

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self.rows) - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + self._page_height() - 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - self._page_height() + 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.move_cursor(round(self.scroll_y) + offset.y)

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._scroll_to_cursor(force=True)

    def on_focus(self, event: events.Focus) -> None:
        self._styles = None  # the cursor style depends on focus
        self.refresh_line(self.cursor)

    def on_blur(self, event: events.Blur) -> None:
        self._styles = None
        self.refresh_line(self.cursor)

    # -- drawing -------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def _get_styles(self) -> dict[str, Style]:
        if self._styles is None:
            self._styles = {name.removeprefix("paper-list--"): self.get_component_rich_style(name)
                            for name in self.COMPONENT_CLASSES}
        return self._styles

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_y) + y
        width = self.line_width
        styles = self._get_styles()
        if index >= len(self.rows):
            if not self.rows and y == 0:
                return Strip([Segment(fit(" " + self.empty_message, width), styles["empty"])])
            return Strip.blank(width, styles["row"])
        pos = self.rows[index]
        marks = self.marks
        is_cursor = index == self.cursor
        cursor_state = (2 if self.has_focus else 1) if is_cursor else 0
        key = (pos, cursor_state, width, pos in marks.read, pos in marks.starred,
               pos in marks.noted, pos in self.selected, self._generation, marks.tags.get(pos))
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(pos, width, styles, cursor_state, key[3:7], key[8])
            self._strips[key] = strip
        return strip

    def _columns(self, width: int) -> tuple[int, int, int]:
        """(title, date, upvotes) widths for a list ``width`` cells wide (worked out once per
        rows and width).

        The title keeps at least ``MIN_TITLE`` cells; the other columns take what is left, the one
        the list is sorted by first (so sorting by upvotes always shows them), and a column no
        shown paper has a value for takes nothing: the title gets the room."""
        layout = self._layouts.get(width)
        if layout is not None:
            return layout
        if self._dated is None:
            self._library_columns()
        room = width - 5 - MIN_TITLE
        date_w = up_w = 0
        order = ("upvotes", "date") if self.sort == "upvotes" else ("date", "upvotes")
        for column in order:
            if column == "upvotes":
                if self.show_upvotes and self._upvote_width and room >= self._upvote_width + 1:
                    up_w = self._upvote_width
                    room -= up_w + 1
            elif self.show_dates and self._dated_count:
                date_w = 10 if room >= 11 else (7 if room >= 8 else 0)
                room -= date_w + 1 if date_w else 0
        title_w = width - 5 - (date_w + 1 if date_w else 0) - (up_w + 1 if up_w else 0)
        layout = self._layouts[width] = (max(0, title_w), date_w, up_w)
        return layout

    def _render_row(self, pos: int, width: int, styles: dict[str, Style], cursor_state: int,
                    flags: tuple[bool, bool, bool, bool],
                    tags: tuple[str, ...] | None = None) -> Strip:
        paper = self.papers[pos]
        read, starred, noted, selected = flags
        title_w, date_w, up_w = self._columns(width)
        if cursor_state:
            row = title_style = meta = dot = star = note = tag_style = cursor = styles["cursor"]
            match = cursor + Style(underline=True, bold=True)
            bar = cursor + Style(bold=True)
        else:
            row = styles["row"]
            title_style = styles["read"] if read else row
            meta = styles["meta"]
            dot, star, note = styles["unread-mark"], styles["star"], styles["note"]
            tag_style = styles["tags"]
            match = styles["match"]
            bar = styles["selected"]
            if selected:
                tint = Style(bgcolor=styles["selected-row"].bgcolor)
                row, title_style, meta, dot, star, note, tag_style, match = (
                    s + tint for s in (row, title_style, meta, dot, star, note, tag_style,
                                       match))
                bar += tint
        tag_text, tags_w = "", 0
        if tags:
            room = min(int(title_w * TAGS_SHARE), title_w - MIN_TITLE - 1)
            tag_text = tags_cell(tags, room)
            tags_w = cell_len(tag_text)
            if tags_w:
                title_w -= tags_w + 1
        segments = [
            Segment(SELECT_MARK if selected else " ", bar if selected else row),
            Segment(" " if read else UNREAD_MARK, dot),
            Segment(STAR_MARK if starred else " ", star),
            Segment(NOTE_MARK if noted else " ", note),
            Segment(" ", row),
        ]
        title = fit(clean(paper.title), title_w)
        spans = self.highlighter(paper.title) if self.highlighter and title_w else ()
        segments.extend(_highlighted(title, spans, title_style, match))
        if tags_w:
            segments.append(Segment(" " + tag_text, tag_style))
        if date_w:
            date = (paper.published or "")[:date_w]
            segments.append(Segment(" " + date.ljust(date_w), meta))
        if up_w:
            votes = "" if paper.upvotes is None else f"{UPVOTE_MARK}{paper.upvotes}"
            segments.append(Segment(" " + votes.rjust(up_w), meta))
        return Strip(Segment.adjust_line_length(segments, width, row), width)


def tags_cell(tags: Sequence[str], room: int) -> str:
    """A row's tags in at most ``room`` cells: ``#llm #to-read``; when they do not all fit, the
    whole tags that do and how many more (``#llm +2``); when not even that fits, the first one cut
    (``#readin…``); nothing when ``room`` is under 4 cells. Computed only when a row is drawn
    (then cached with it), from the tags the row's key holds."""
    if room < 4 or not tags:
        return ""
    names = [clean(f"#{name}") for name in tags]
    text = " ".join(names)
    if cell_len(text) <= room:
        return text
    shown: list[str] = []
    for i, name in enumerate(names):
        hidden = len(names) - i - 1
        if cell_len(" ".join([*shown, name])) + len(f" +{hidden}") > room:
            break
        shown.append(name)
    if shown:
        return " ".join(shown) + f" +{len(names) - len(shown)}"
    first = names[0] + ("…" if len(names) > 1 else "")  # more tags follow: say so
    return fit(first, min(room, cell_len(first)))


def _any_of(rows: Sequence[int], has: bytes, count: int) -> bool:
    """Whether any of ``rows`` is a position whose byte in ``has`` is 1 (``count`` of them are)."""
    if not rows or not count:
        return False
    if count == len(has):
        return True
    return any(map(has.__getitem__, rows))


def set_virtual_height(widget: ScrollView, height: int) -> None:
    """Give a Line-API widget ``height`` lines without a screen-wide layout pass.

    Assigning ``virtual_size`` is declared to need a layout, which re-arranges and repaints the
    whole screen (about 12 ms here) -- on every keystroke of a search. Only the scrollbar depends on
    it, so set it quietly and update the scrollbar (Textual lays out by itself should the
    scrollbar appear or disappear)."""
    size = Size(0, height)
    if widget.virtual_size == size:
        return
    widget.set_reactive(Widget.virtual_size, size)
    # What Textual's ScrollView does when its size changes. Private, and kept: Textual has no
    # public call that updates the scrollbars without a layout (assigning ``virtual_size`` is
    # the public way, and it costs the screen-wide layout this function exists to avoid).
    widget._scroll_update(size)


def _highlighted(text: str, spans: Sequence[tuple[int, int]], style: Style,
                 match: Style) -> list[Segment]:
    """Segments of ``text`` with the character ``spans`` in ``match`` style."""
    if not spans:
        return [Segment(text, style)]
    segments: list[Segment] = []
    at = 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        if start > at:
            segments.append(Segment(text[at:start], style))
        segments.append(Segment(text[start:end], match))
        at = end
    if at < len(text):
        segments.append(Segment(text[at:], style))
    return segments
