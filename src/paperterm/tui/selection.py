"""The selection: papers picked with ``x`` for star, read, tag and export to act on together.

Design, as a demanding user of a mail reader would expect it:

- the selection is a set of papers, not of rows: it survives a search, a view or a day change, a
  re-sort, and a fetch (``remap``). A selected paper the list does not show right now still counts
  and is still acted on; the status line says how many are hidden (``3 selected (1 hidden)``) so
  nothing is acted on unseen without saying so;
- it stays after a bulk action (star them, then export them), until ``X`` clears it.

The set holds positions into ``library.papers`` (the list widget draws from the same set, one
membership test per painted row). How many selected papers are hidden costs one pass over the
shown rows, only while something is selected, and is cached until the rows or the selection
change -- never per cursor step.

No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


class Selection:
    """Selected positions. ``positions`` is mutated in place (the list widget holds it)."""

    def __init__(self) -> None:
        self.positions: set[int] = set()
        self._version = 0
        self._shown: tuple[object, int, int] | None = None  # (rows key, version, shown count)

    def __len__(self) -> int:
        return len(self.positions)

    def __bool__(self) -> bool:
        return bool(self.positions)

    def __contains__(self, pos: object) -> bool:
        return pos in self.positions

    def toggle(self, pos: int) -> bool:
        """Select ``pos``, or unselect it if it was; returns whether it is selected now."""
        self._version += 1
        if pos in self.positions:
            self.positions.discard(pos)
            return False
        self.positions.add(pos)
        return True

    def clear(self) -> int:
        """Unselect everything; returns how many were selected."""
        n = len(self.positions)
        self.positions.clear()
        self._version += 1
        return n

    def remap(self, old_papers: Sequence, new_pos_of: Mapping[str, int]) -> None:
        """Follow the papers (``old_papers[pos].id``) into a re-opened library: positions change;
        a paper that is gone leaves the selection."""
        kept = {new_pos_of.get(old_papers[pos].id) for pos in self.positions}
        kept.discard(None)
        self.positions.clear()
        self.positions.update(kept)  # type: ignore[arg-type]
        self._version += 1

    def ordered(self, order: Iterable[int]) -> list[int]:
        """The selected positions in ``order`` (a full sort order of the library); stops as soon
        as all are found."""
        wanted = self.positions
        found: list[int] = []
        if not wanted:
            return found
        for pos in order:
            if pos in wanted:
                found.append(pos)
                if len(found) == len(wanted):
                    break
        return found

    def shown(self, rows: Sequence[int], rows_key: object, total: int) -> int:
        """How many selected papers are among ``rows``. ``rows_key`` names this sequence of rows
        (the list's generation): the answer is cached for it. ``total`` is the library's size (all
        rows shown: nothing to count)."""
        if not self.positions:
            return 0
        if len(rows) == total:
            return len(self.positions)
        cached = self._shown
        if cached is not None and cached[0] == rows_key and cached[1] == self._version:
            return cached[2]
        count = len(self.positions.intersection(rows))
        self._shown = (rows_key, self._version, count)
        return count

    def status(self, shown: int) -> str:
        """``3 selected`` or ``3 selected (1 hidden)``."""
        n = len(self.positions)
        hidden = n - shown
        return f"{n:,} selected" + (f" ({hidden:,} hidden)" if hidden else "")
