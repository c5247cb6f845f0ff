"""The status line's text: the count behind each view, what the list shows and how it is sorted,
and what a background fetch or sync is doing -- fitted to the terminal's width; and what an empty
list says instead of rows (``empty_message``).

Pure (a Rich ``Text`` out, no Textual), so its fitting rules are tested without a terminal
(``tests/test_tui_logic.py``). Cost: a few string operations per call, independent of the number
of papers (the counts come in ready-made from ``Ordering.counts``); the screen calls it after a
change of rows, counts, size or background status, never per row or per cursor step.

What gives way when the line is short, in order: the long sort label ("sorted by date (newest
first)" becomes "sort: date"), then the view label, then (with a sync problem to show) the sort
label entirely; a running fetch's progress replaces the right side, and the sync outcome is cut
with an ellipsis before it is dropped (below 8 cells).
"""

from __future__ import annotations

from rich.text import Text

from paperterm.tui.ordering import FOR_YOU, SORT_LABELS, VIEW_LABELS, Counts


def new_status(counts: Counts, in_view: bool) -> str | None:
    """The status line's part for the new papers: ``new: 12 of 50 left`` in the new view (left =
    not read yet), ``new 50`` elsewhere, nothing when nothing is new and the view is another."""
    if in_view:
        return f"new: {counts.new_left} of {counts.new} left"
    return f"new {counts.new}" if counts.new else None


def loading_text(first_files: int, files: int) -> str:
    """What the status line says while the rest of a first start's library loads."""
    return (f"showing the newest {first_files:,} of {files:,} listings; loading the rest…")


def status_text(counts: Counts, view: str, sort: str, width: int, *,
                day: tuple[str, int, int] | None = None, for_you_waiting: str | None = None,
                fetch_status: str | None = None, sync_status: tuple[str, bool] = ("", False),
                selected: str | None = None) -> Text:
    """The status line for a terminal ``width`` cells wide.

    ``counts``: per view and shown; ``view``/``sort``: the current view and the sort in effect;
    ``day``: (the listing day shown, its ordinal, how many days) when narrowed to one day;
    ``for_you_waiting``: why the for-you order is not there yet (``None`` once it is);
    ``fetch_status``: a running fetch's progress; ``sync_status``: the last sync's one-line
    outcome and whether it is a problem; ``selected``: what is selected (``3 selected (1
    hidden)``), shown first, highlighted, whenever there is a selection (it changes what keys do)."""
    parts = [("all", f"All {counts.all}"), ("unread", f"unread {counts.unread}"),
             ("starred", f"starred {counts.starred}"), ("noted", f"noted {counts.noted}")]
    news = new_status(counts, view == "new")
    if news:
        parts.append(("new", news))
    parts.append(("", f"showing {counts.showing}"))
    text = Text(" ")
    if selected:
        text.append(f" {selected} ", style="bold reverse")
        text.append(" ")
    for n, (name, label) in enumerate(parts):
        if n:
            text.append(" · ", style="dim")
        if name == view:
            text.append(label, style="bold reverse")
        else:
            text.append(label, style="" if name else "bold")
    day_text = f"day {day[0]} ({day[1]}/{day[2]}) · " if day is not None else ""
    short_sort = SORT_LABELS[sort].split(" (")[0]
    right = f"{day_text}{VIEW_LABELS[view]} · sorted by {SORT_LABELS[sort]} "
    room = width - text.cell_len
    waiting = sort == FOR_YOU and for_you_waiting is not None
    if waiting:
        right = f"for you: {for_you_waiting} "
    if fetch_status:
        right = fetch_status[: max(0, room - 3)] + " "
    elif len(right) + 2 > room and waiting:
        right = right[: max(0, room - 3)] + " "
    else:
        if room < len(right) + 2:
            right = f"{day_text}{VIEW_LABELS[view]} · sort: {short_sort} "
        if room < len(right) + 2:
            right = f"day {day[0]} " if day is not None else f"sort: {short_sort} "
            right = right if room >= len(right) + 2 else ""
    synced, problem = sync_status
    if synced:
        if problem and not fetch_status and room < len(right) + len(synced) + 4:
            right = ""  # a sync problem matters more than the sort label
        space = room - len(right) - 4
        if space >= 8:
            shown = synced if len(synced) <= space else synced[: space - 1] + "…"
            sep = " · " if right else " "
            text.append(" " * max(0, room - len(right) - len(shown) - len(sep)))
            text.append(shown, style="bold red" if problem else "dim")
            text.append(sep, style="dim")
            room = len(right)
    text.append(" " * max(0, room - len(right)))
    text.append(right, style="dim")
    return text


#: What an empty list says, per view, when no search or day narrows it.
EMPTY = {"all": "No papers loaded.", "unread": "No unread papers: all caught up.",
         "starred": "No starred papers yet (s stars one).", "noted": "No notes yet (n writes one).",
         "new": "Nothing new since last time (papers first seen since the previous start show "
                "here; F fetches new listings)."}
#: How a view narrows the papers of one day, for "No papers listed on DAY ...".
DAY_FILTER = {"all": "", "unread": "are unread", "starred": "are starred", "noted": "have a note",
              "new": "are new"}


def empty_message(view: str, *, searching: bool = False, day: str | None = None) -> str:
    """What the list shows when it has no rows: why, and the key that changes it."""
    if day is not None:
        what = "match this search" if searching else DAY_FILTER.get(view, "")
        listed = f"No papers listed on {day}" + (f" {what}" if what else "")
        return f"{listed}; ] steps to the next day."
    if searching:
        return "No papers match this search."
    return EMPTY.get(view, "No papers.")
