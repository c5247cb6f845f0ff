"""Where the split between the paper list and the detail pane sits (``<`` / ``>``), without a terminal.

The split is remembered as the share of the terminal's width the list takes, in percent (a
multiple of ``STEP`` between ``MIN_PERCENT`` and ``MAX_PERCENT``), so it means the same on a laptop
and on a wide monitor. Whatever the share, the list keeps ``MIN_LIST`` columns (room for a title
and the markers) and the details ``MIN_DETAIL`` (room for a readable line); a step that would
not move the split by a single column at this width is skipped, so every press does something
until a bound is reached.
"""

from __future__ import annotations

#: The list's share of the width with nothing remembered, in percent.
DEFAULT_PERCENT = 40
MIN_PERCENT = 20
MAX_PERCENT = 80
#: One ``<`` / ``>`` press moves the split by this many percent.
STEP = 5
#: The fewest columns the list (borders included) and the detail pane are squeezed to.
MIN_LIST = 38
MIN_DETAIL = 32


def parse_percent(value: str | None) -> int:
    """The remembered share, or ``DEFAULT_PERCENT`` when ``value`` is missing or not a share
    this version would have written."""
    try:
        percent = int(value or "")
    except ValueError:
        return DEFAULT_PERCENT
    return percent if MIN_PERCENT <= percent <= MAX_PERCENT else DEFAULT_PERCENT


def list_width(total: int, percent: int) -> int:
    """Columns the list takes of ``total`` (the terminal's width) at ``percent``."""
    wanted = round(total * percent / 100)
    return max(MIN_LIST, min(wanted, total - MIN_DETAIL))


def step(total: int, percent: int, direction: int) -> int | None:
    """The share after one press (``direction`` -1: a narrower list, +1: a wider one), or
    ``None`` when the list cannot get any narrower or wider at this width."""
    current = list_width(total, percent)
    candidate = percent + direction * STEP
    while MIN_PERCENT <= candidate <= MAX_PERCENT:
        if list_width(total, candidate) != current:
            return candidate
        candidate += direction * STEP
    return None
