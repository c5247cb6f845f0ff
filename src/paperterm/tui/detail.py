"""The detail pane: everything about the paper under the cursor, scrollable.

It is rebuilt on every cursor move, so it is kept cheap: one rich ``Text`` per paper, wrapped to
the pane once and drawn line by line, each line when it is shown (see ``PaperDetail`` and
``wrapping``). The text is assembled from plain strings
with styles, never parsed as markup, so a title or abstract containing ``[`` displays literally;
every string from a paper or a note passes ``clean`` / ``safe_text.visible_lines`` first, because
rich's ``Text`` would pass an ``ESC`` straight to the terminal.

Looking at a paper here does not mark it read: reading a title is not reading the paper. ``space``
(read and next) and ``r`` do that, on purpose.

Reading comfort: the text wraps at ``READABLE_WIDTH`` columns at most, however wide the pane (a
line of 150 characters is hard to follow back to its start), and while a search ranks the list the
query's words are highlighted in the title and the abstract (``search.highlight_spans``, about a
third of a millisecond for a long abstract, done for the one paper shown, as styles laid over the
wrapped lines: the listing's text is never parsed as markup). A keystroke that leaves the same
paper under the cursor only moves those marks and redraws the lines they changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip

from paperterm.links import paper_links
from paperterm.model import Marker, Paper, author_names_label, authors_label, date_label
from paperterm.safe_text import visible_lines
from paperterm.search import Query, highlight_spans
from paperterm.tui.direct_lines import DirectLines
from paperterm.tui.keys import DETAIL_BINDINGS
from paperterm.tui.paper_list import (NOTE_MARK, STAR_MARK, UNREAD_MARK, UPVOTE_MARK, clean,
                                      set_virtual_height)
from paperterm.tui.wrapping import Span, WrappedText
from paperterm.wording import plural

#: At most this many listing names are spelled out in "seen in N listings: ...".
MAX_SOURCES_SHOWN = 5
#: At most this many listing days are spelled out in "listed on ...".
MAX_DAYS_SHOWN = 4
#: The text wraps at this many columns at most, however wide the pane: a readable line length.
READABLE_WIDTH = 88
#: Blank cells the pane draws on each side of its text (inside the border of its box).
MARGIN = 1
#: The pane's scrollbar, drawn in its last column (see ``PaperDetail``).
BAR = 1
#: How query words are marked when the pane has no theme to ask (``detail_text`` used alone).
DEFAULT_MATCH = Style(bold=True, underline=True)


def meta_line(paper: Paper) -> str:
    """``4 authors · 2023-05-30 · ▲ 12 · 3 comments · listed on 2023-06-01, 2023-06-02 · seen in 2
    listings: a.txt, b.txt``.

    When the author names are known they have their own line, and the count is not repeated."""
    who = paper.organization if paper.author_names else authors_label(paper)
    parts = [label for label in (who, date_label(paper)) if label]
    if paper.upvotes is not None:
        parts.append(f"{UPVOTE_MARK} {paper.upvotes}")
    if paper.comments is not None:
        parts.append(f"{paper.comments} comment" + ("" if paper.comments == 1 else "s"))
    listed = days_line(paper)
    if listed:
        parts.append(listed)
    if paper.sources:
        shown = ", ".join(paper.sources[:MAX_SOURCES_SHOWN])
        more = len(paper.sources) - MAX_SOURCES_SHOWN
        parts.append(f"seen in {plural(len(paper.sources), 'listing')}: {shown}"
                     + (f" and {more} more" if more > 0 else ""))
    return clean(" · ".join(parts))


def days_line(paper: Paper) -> str | None:
    """``listed on 2025-12-09, 2025-12-12`` (the capture dates of its listings), or ``None``."""
    days = paper.days
    if not days:
        return None
    if len(days) <= MAX_DAYS_SHOWN:
        return "listed on " + ", ".join(days)
    return (f"listed on {len(days)} days: " + ", ".join(days[:MAX_DAYS_SHOWN - 1])
            + f", … {days[-1]}")


def marker_line(marker: Marker | None) -> str:
    """``• unread · ★ starred · #llm #to-read`` -- the paper's markers in words, then its tags."""
    read = marker is not None and marker.read
    parts = ["read" if read else f"{UNREAD_MARK} unread"]
    if marker is not None and marker.starred:
        parts.append(f"{STAR_MARK} starred")
    if marker is not None and marker.tags:
        parts.append(clean(" ".join(f"#{name}" for name in marker.tags)))
    return " · ".join(parts)


def detail_content(paper: Paper, marker: Marker | None,
                   reason: str | None = None) -> tuple[Text, tuple[tuple[int, str], ...]]:
    """The whole pane for one paper as one rich ``Text`` (no markup involved), without marks,
    and where the query's words are looked for: ``(offset in the text, string)`` of the title and
    of the abstract. ``reason``: why the for-you order puts it where it is (under the markers)."""
    text = Text()
    searched = []
    title = clean(paper.title)
    searched.append((0, title))
    text.append(title, style="bold")
    text.append("\n")
    names = author_names_label(paper)
    if names:
        text.append(clean(names))
        text.append("\n")
    text.append(meta_line(paper), style="italic")
    text.append("\n")
    text.append(marker_line(marker), style="bold" if marker is None or not marker.read else "")
    if reason:
        text.append("\n")
        text.append(clean(reason), style="italic dim")
    text.append("\n\n")
    abstract = clean(paper.abstract.replace("\n", " "))
    if abstract:
        searched.append((len(text), abstract))
        text.append(abstract)
    else:
        text.append("(no abstract)")
    # The user's own note right after the abstract, before what a machine wrote and the links.
    note = marker.note if marker is not None else None
    text.append("\n\n")
    if note:
        text.append(f"{NOTE_MARK} Note", style="bold underline")
        text.append("\n")
        text.append(visible_lines(note).replace("\t", " "))
    else:
        text.append(f"{NOTE_MARK} No note yet (n to write one)", style="dim")
    if paper.ai_summary:
        text.append("\n\n")
        text.append("AI summary", style="bold underline")
        text.append(" (machine-written by Hugging Face, not by the authors)", style="dim")
        text.append("\n")
        text.append(clean(paper.ai_summary.replace("\n", " ")), style="italic")
    if paper.keywords:
        text.append("\n\n")
        text.append("AI keywords", style="bold underline")
        text.append(" (machine-written)", style="dim")
        text.append("\n")
        text.append(clean(", ".join(paper.keywords)), style="italic")
    links = paper_links(paper)
    if links:
        text.append("\n\n")
        text.append("Links", style="bold underline")
        text.append(" (b opens the first, B picks one)", style="dim")
        width = max(len(link.label) for link in links)
        for link in links:
            text.append("\n")
            text.append(clean(link.label).ljust(width + 2), style="bold")
            shown = clean(link.url)
            # A terminal link carries the URL inside an escape sequence: only a clean one.
            text.append(shown, style=Style(underline=True, link=link.url) if shown == link.url
                        else Style(underline=True))
    return text, tuple(searched)


def query_marks(searched: Sequence[tuple[int, str]], query: Query | None) -> list[Span]:
    """Where the words of ``query`` are in the pane's text (sorted character spans), from
    ``detail_content``'s searched strings: the same spans the list highlights in titles. ``clean``
    keeps one character for one, so spans found on the cleaned strings stay in place."""
    if query is None:
        return []
    return [(offset + start, offset + end) for offset, plain in searched
            for start, end in highlight_spans(plain, query)]


def detail_text(paper: Paper, marker: Marker | None, reason: str | None = None,
                query: Query | None = None, match: Style = DEFAULT_MATCH) -> Text:
    """The whole pane for one paper as one rich ``Text``, the words of ``query`` (the search the
    list ranks by) marked in ``match`` style in the title and the abstract. ``reason``: as
    ``detail_content``."""
    text, searched = detail_content(paper, marker, reason)
    for start, end in query_marks(searched, query):
        text.stylize(match, start, end)
    return text


class PaperDetail(DirectLines, ScrollView, can_focus=True, inherit_bindings=False):
    """A scrollable view of one paper; ``j``/``k`` scroll it when it has focus.

    Like the list, it draws through the Line API, so a new paper repaints this pane without a
    layout pass over the whole screen (which a ``Static`` whose height changes would cause).

    It draws its scrollbar itself, in its last column, with Textual's own scrollbar drawing
    (``ScrollBarRender``, so it looks the same): Textual's scrollbar is a widget of its own,
    redrawn through the per-line styling on every paper of a different length -- 2 ms of each
    cursor step. Wheel, keys and a click on the track (a page towards it) scroll as before
    (``allow_vertical_scroll``); the thumb is not dragged.
    ``show`` builds the paper's text and wraps it (``WrappedText``, about a millisecond); a line
    becomes a ``Strip`` only when it is drawn. A new query on the same paper -- every other
    keystroke of a search -- only moves the marks: the lines whose marks changed are drawn again,
    nothing is re-wrapped.
    """

    BINDINGS = DETAIL_BINDINGS

    COMPONENT_CLASSES = {"paper-detail--match"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.paper: Paper | None = None
        #: What the text shows: (paper, marker, empty message, reason); the query is apart.
        self._content: tuple | None = None
        self._query: Query | None = None
        self._text = Text()  # without marks
        self._searched: tuple[tuple[int, str], ...] = ()
        self._wrapped: WrappedText | None = None
        #: The text of drawn lines, by line number: segments the pane's width but the scrollbar
        #: (one ``Strip`` per drawn row is made from them with the scrollbar's cell).
        self._lines: dict[int, list[Segment]] = {}
        self._match: Style | None = None
        self._base: Style | None = None
        #: The scrollbar's cell on each row, for ``_bar_key`` (height, length, position).
        self._bar: list[Segment] = []
        self._bar_key: tuple | None = None
        #: Rows as drawn, text and scrollbar, by row: (the line's segments from ``_lines``, or
        #: ``None`` past the text; the scrollbar's key; the strip). A row is made again when
        #: either is another, so a line whose marks changed is redrawn and no other.
        self._rows: dict[int, tuple[list[Segment] | None, tuple | None, Strip]] = {}

    @property
    def allow_vertical_scroll(self) -> bool:
        """Scrolls whenever the text is longer than the pane (Textual's test is whether its own
        scrollbar shows, and the pane has none: see the class docstring)."""
        return not self.disabled and self.max_scroll_y > 0

    def show(self, paper: Paper | None, marker: Marker | None,
             empty: str = "No paper under the cursor.", reason: str | None = None,
             query: Query | None = None) -> None:
        """Show ``paper`` (scrolled to its top) or, when ``None``, the ``empty`` message.
        ``reason``: the for-you line; ``query``: the search whose words are marked (see
        ``detail_text``)."""
        content = (paper, marker, empty if paper is None else None, reason)
        if content == self._content:
            if query != self._query:  # e.g. a keystroke whose best hit is the same paper
                self._query = query
                self._remark()
            return
        self._content, self._query = content, query
        self._build()
        if paper is not self.paper:
            self.scroll_to(y=0, animate=False, force=True, immediate=True)
        self.paper = paper
        self.refresh()

    def _build(self) -> None:
        """Make the text of what ``show`` was last asked for, and wrap it."""
        if self._content is not None:
            paper, marker, empty, reason = self._content
            if paper is None:
                self._text, self._searched = Text(empty, style="dim"), ()
            else:
                self._text, self._searched = detail_content(paper, marker, reason)
        self._wrapped = None
        self._wrap()

    @property
    def text(self) -> str:
        """The pane's text (unwrapped), for tests and the clipboard."""
        return self._text.plain

    @property
    def marked_text(self) -> Text:
        """The pane's text (unwrapped) with the query's words marked, as drawn."""
        text = self._text.copy()
        for start, end in query_marks(self._searched, self._query):
            text.stylize(self._match_style(), start, end)
        return text

    def drawn_lines(self) -> list[Strip]:
        """Every line of the pane as it is (or would be, scrolled there) drawn."""
        return [Strip(self._line(index)) for index in range(len(self._wrapped or ()))]

    def _match_style(self) -> Style:
        if self._match is None:
            self._match = (self.get_component_rich_style("paper-detail--match")
                           if self.is_mounted else DEFAULT_MATCH)
        return self._match

    def _wrap(self) -> None:
        """Wrap the text to the pane's width (at most ``READABLE_WIDTH``), unless it is already;
        the drawn lines are made again either way (the pane's width may have changed)."""
        width = self.scrollable_content_region.width - 2 * MARGIN - BAR
        self._lines.clear()
        self._rows.clear()
        if width <= 0:
            self._wrapped = None
        else:
            measure = min(width, READABLE_WIDTH)
            wrapped = self._wrapped
            if wrapped is None or wrapped.text is not self._text or wrapped.width != measure:
                self._wrapped = WrappedText(self._text, measure)
                self._wrapped.mark(query_marks(self._searched, self._query))
        # A paper that fits counts as exactly the pane's height: then most cursor steps (most
        # papers fit) leave the height, and with it the scrollbar, as they were -- redrawing the
        # scrollbar's empty track was a tenth of a step.
        set_virtual_height(self, max(len(self._wrapped or ()),
                                     self.scrollable_content_region.height))

    def _remark(self) -> None:
        """Mark the new query's words: draw again just the lines whose marks changed."""
        if self._wrapped is None:
            return
        for index in self._wrapped.mark(query_marks(self._searched, self._query)):
            self._lines.pop(index, None)
            self.refresh_line(index)

    def _line(self, index: int) -> list[Segment]:
        """Line ``index`` of the text, margins included, as segments filling the pane's width but
        the scrollbar (made once, then kept)."""
        segments = self._lines.get(index)
        if segments is None:
            wrapped = self._wrapped
            assert wrapped is not None
            if self._base is None:
                self._base = self.rich_style
            base = self._base
            line = wrapped.line(index, self._match_style())
            # The margin in the background colour alone, as Textual pads (a style of its own, so
            # it is never merged into the text: a screenshot would draw it under the first word).
            margin = Segment(" " * MARGIN, Style.from_color(bgcolor=base.bgcolor))
            if line.spans or line.style:
                body = list(Segment.apply_style(line.render(self.app.console), base))
            else:  # most of an abstract: plain text, the pane's own style
                body = [Segment(line.plain, base)]
            segments = [margin, *Segment.adjust_line_length(
                body, self.line_width - BAR - MARGIN, base)]
            self._lines[index] = segments
        return segments

    def _scrollbar(self) -> list[Segment]:
        """The scrollbar's cell on each row of the pane, as Textual's scrollbar draws them."""
        height = self.scrollable_content_region.height
        length = self.virtual_size.height
        position = int(self.scroll_y * 8) / 8  # an eighth of a cell, as Textual's
        key = (height, length, position)
        if key != self._bar_key:
            styles = self.styles
            base_background, _ = self.background_colors
            back = styles.scrollbar_background
            if back.a < 1:
                back = base_background + back
            bar = back + styles.scrollbar_color
            drawn = ScrollBarRender.render_bar(
                size=height, virtual_size=length,
                window_size=height if height < length else 0, position=position,
                thickness=BAR, vertical=True, back_color=back.rich_color,
                bar_color=bar.rich_color)
            self._bar = [segment for segment in drawn.segments if segment.text != "\n"]
            self._bar_key = key
        return self._bar

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """A click on the scrollbar's track scrolls a page towards it (as Textual's does)."""
        action = event.style.meta.get("@mouse.down") if event.style else None
        if action == "scroll_up":
            self.scroll_page_up(animate=False)
        elif action == "scroll_down":
            self.scroll_page_down(animate=False)

    def on_resize(self, event: events.Resize) -> None:
        self._wrap()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._match = self._base = None  # the marks and the lines carry the theme's colours
        self._lines.clear()
        self._rows.clear()
        self._bar_key = None
        self.refresh()

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_y) + y
        bar = self._scrollbar()
        line = (self._line(index) if self._wrapped is not None and 0 <= index < len(self._wrapped)
                else None)
        drawn = self._rows.get(y)
        if drawn is not None and drawn[0] is line and drawn[1] == self._bar_key:
            return drawn[2]
        width = self.line_width
        cell = bar[y] if y < len(bar) else Segment(" " * BAR, self.rich_style)
        text = line if line is not None else [Segment(" " * (width - BAR), self.rich_style)]
        strip = Strip([*text, cell], width)
        self._rows[y] = (line, self._bar_key, strip)
        return strip
