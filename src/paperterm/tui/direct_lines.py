"""Lines straight from a Line-API pane to the screen, past Textual's per-line styling.

Textual passes every line a widget draws through its styles cache, which adds what the widget's
styles ask for (border, padding, outline, tint, opacity, hatch) and then the app's line filters,
and builds a new ``Strip`` for the line. A scrolled list or a new paper in the detail pane changes
every line of the pane, and that pass costs about 60 µs a line here: some 2 ms per pane on every
cursor step that scrolls and every keystroke of a search, a sixth of the frame.

The list and the detail pane ask for none of it: their border is drawn by the box around them
(``#list-pane``, ``#detail-pane``), and the detail pane draws its own side margins. So their
lines need only the line filters, which a ``Strip`` caches on itself: a row the list drew before
(its strips are kept, see ``PaperList``) costs two dictionary lookups. Should a stylesheet give
such a pane a border, padding, tint or the like after all, Textual's own path is taken, and the
pane looks exactly as before, only slower (``tests/test_tui_direct_lines.py`` compares both).

``render_lines`` is the public method Textual's own ``OptionList``, ``Tree`` and ``DataTable``
override; nothing private is used.
"""

from __future__ import annotations

from rich.style import Style as RichStyle
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget


def needs_styling(widget: Widget) -> bool:
    """Whether Textual's styles cache would change ``widget``'s lines beyond the line filters:
    a border, padding or outline, a tint, opacity below 1, a hatch."""
    styles = widget.styles
    gutter = styles.gutter  # padding and border
    return bool(gutter.width or gutter.height
                or any(edge for edge, _ in styles.outline)
                or styles.tint.a
                or styles.text_opacity != 1.0
                or styles.has_rule("hatch")
                or widget.opacity != 1.0)


class DirectLines(Widget):
    """A Line-API widget whose ``render_line`` draws finished lines (the widget's width, every
    cell styled): they go to the screen with just the app's line filters applied (see the module
    docstring).

    ``line_width`` is the width to draw a line at (the scrollable content's), worked out once per
    frame rather than once per line (Textual computes the region anew at every call)."""

    _frame_width: int | None = None

    @property
    def line_width(self) -> int:
        width = self._frame_width
        return self.scrollable_content_region.width if width is None else width

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_width = self.scrollable_content_region.width
        try:
            return self._render_lines(crop)
        finally:
            self._frame_width = None

    def _render_lines(self, crop: Region) -> list[Strip]:
        if needs_styling(self):
            return super().render_lines(crop)
        width = self.content_region.width  # the widget's width: no border, no padding
        base_background, background = self.background_colors
        filters = self.get_line_filters()
        render_line = self.render_line
        pad: RichStyle | None = None
        strips: list[Strip] = []
        for y in crop.line_range:
            strip = render_line(y)
            if strip.cell_length != width:  # as the styles cache pads a short line
                if pad is None:
                    pad = Style(background=base_background + background).rich_style
                strip = strip.adjust_cell_length(width, pad)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)  # cached on the strip
            strips.append(strip)
        if self.auto_links:  # a link under the mouse, as Textual's path marks it
            hover = self.hover_style
            if hover.link_id and hover.meta and "@click" in hover.meta:
                link_style = self.link_style_hover
                if link_style:
                    strips = [strip.style_links(hover.link_id, link_style) for strip in strips]
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips
