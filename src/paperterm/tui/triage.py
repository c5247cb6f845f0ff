"""Marker changes made from the reader: saved at once, mirrored in memory, undoable.

Every change goes to the ``MarkerStore`` before anything else happens (so a second paperterm sees
it on its next start, and a crash a moment later loses nothing); the store's answer then updates the
in-memory copy the screen draws from (``markers`` by id, ``marks`` by position) and the undo stack.
A change that would not change anything (starring a starred paper) is not recorded.

Tags are changed by name (``add_tag``, ``remove_tag``, ``change_tags``: each takes the position of
one paper and returns the ``Change`` it made, so a selection applies them paper by paper): the store
adds and removes them in one transaction, so a tag another window added meanwhile is kept.

A bulk change (the selection, or every paper shown) is one store transaction (``set_many``) and one
undo step (``BulkChange``) holding each changed paper's previous value; its rule for a toggle is the
usual one: star all unless all are starred (then unstar all), the same for read.

Other processes (a second window) change the same store: ``reload_if_changed_elsewhere`` re-reads
it when the store says so (``MarkerStore.data_version``), and a note is saved against the text the editor opened on
(``save_note``), so a note changed elsewhere meanwhile is kept next to the new one, never replaced.

No Textual here, so the whole triage logic is testable without a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from paperterm.model import Marker, Paper, positions_by_id
from paperterm.state import MarkerStore
from paperterm.tui.ordering import MarkerSets
from paperterm.tui.undo import BulkChange, Change, Field, Step, UndoStack


#: The line between two versions of a note saved at the same time in two windows.
CONFLICT_MARK = "--- changed in another window while this note was edited; its text: ---"


class Triage:
    """The markers of one library, with the store they live in and an undo history."""

    def __init__(self, papers: Sequence[Paper], store: MarkerStore,
                 pos_of: dict[str, int] | None = None) -> None:
        self.papers = papers
        self.store = store
        self.pos_of = pos_of if pos_of is not None else positions_by_id(papers)
        # Read before the markers: a commit in between is then seen by the next look, not lost.
        self._seen_version = self._store_version()
        # Only the markers of these papers: a store may hold far more (other listings).
        self.markers: dict[str, Marker] = store.markers_for(self.pos_of)
        self.marks = MarkerSets.from_markers(self.markers, self.pos_of)
        self.undo_stack = UndoStack()

    # -- reading -------------------------------------------------------------------------------

    def marker(self, pos: int) -> Marker | None:
        return self.markers.get(self.papers[pos].id)

    def is_read(self, pos: int) -> bool:
        return pos in self.marks.read

    def is_starred(self, pos: int) -> bool:
        return pos in self.marks.starred

    def note(self, pos: int) -> str | None:
        marker = self.marker(pos)
        return marker.note if marker is not None else None

    def tags(self, pos: int) -> tuple[str, ...]:
        """The paper's tag names, sorted (``()`` for none)."""
        return self.marks.tags.get(pos, ())

    def reload(self, paper_ids: Iterable[str]) -> list[int]:
        """Re-read these papers' markers from the store after something else changed them (a
        sync); returns the positions whose markers differ from what was shown."""
        ids = [pid for pid in dict.fromkeys(paper_ids) if pid in self.pos_of]
        fresh = self.store.markers_for(ids)
        changed = []
        for pid in ids:
            marker = fresh.get(pid)
            if self.markers.get(pid) == marker:
                continue
            if marker is None:
                self.markers.pop(pid, None)
            else:
                self.markers[pid] = marker
            pos = self.pos_of[pid]
            self.marks.update(pos, marker)
            changed.append(pos)
        return changed

    # -- changing ------------------------------------------------------------------------------

    def set_read(self, pos: int, value: bool) -> Change | None:
        return self._change(pos, "read", bool(value))

    def toggle_read(self, pos: int) -> Change | None:
        return self._change(pos, "read", not self.is_read(pos))

    def toggle_star(self, pos: int) -> Change | None:
        return self._change(pos, "starred", not self.is_starred(pos))

    def reload_all(self) -> bool:
        """Re-read every shown paper's markers from the store (after another process changed
        it); ``True`` if anything differs from what was in memory. The ``marks`` sets are updated
        in place (the list widget holds them)."""
        fresh = self.store.markers_for(self.pos_of)
        if fresh == self.markers:
            return False
        return bool(self.reload(set(fresh) | set(self.markers)))

    def reload_if_changed_elsewhere(self) -> bool:
        """``reload_all`` if another connection (another window, a sync) committed to the store
        since the last look; ``True`` if anything shown changed. The look is one tiny query
        (``MarkerStore.data_version``), so the screen polls it every second; a closed or broken
        store is not watched. ``StoreError`` if the re-read fails."""
        version = self._store_version()
        if version is None or version == self._seen_version:
            return False
        self._seen_version = version
        return self.reload_all()

    def _store_version(self) -> int | None:
        try:
            return self.store.data_version()
        except Exception:  # a closed or broken store: nothing to watch
            return None

    def stored_note(self, pos: int) -> str | None:
        """The paper's note as the store holds it now (another window may have changed it);
        the in-memory copy is brought up to date."""
        paper = self.papers[pos]
        marker = self.store.get(paper.id)
        if marker is not None:
            self.markers[paper.id] = marker
        else:
            self.markers.pop(paper.id, None)
        self.marks.update(pos, marker)
        return marker.note if marker is not None else None

    def save_note(self, pos: int, text: str | None, base: str | None) -> tuple[Change | None,
                                                                                 bool]:
        """Save ``text`` as the note of an editor opened on ``base``. Returns ``(change,
        conflict)``: when the stored note is no longer ``base`` (changed in another window
        meanwhile), neither text is lost -- the saved note holds the new text, then a marker line,
        then the other window's text (and removing the note keeps the other window's text)."""
        current = self.stored_note(pos)
        if (current or None) == (base or None):
            return self.set_note(pos, text), False
        if current is None or not (text and text.strip()):
            # The other window removed the note (nothing of theirs to keep), or this save would
            # remove one they changed (keep theirs).
            change = self.set_note(pos, text) if current is None else None
            return change, True
        if text.strip() == current.strip():
            return None, False
        merged = f"{text.rstrip()}\n\n{CONFLICT_MARK}\n{current.strip()}"
        return self.set_note(pos, merged), True

    def set_note(self, pos: int, text: str | None) -> Change | None:
        """Set the note (blank or ``None`` removes it)."""
        note = text if text is not None and text.strip() else None
        return self._change(pos, "note", note)

    def add_tag(self, pos: int, name: str) -> Change | None:
        """Tag the paper ``name`` (normalised); ``None`` if it had that tag already."""
        return self.change_tags(pos, add=(name,))

    def remove_tag(self, pos: int, name: str) -> Change | None:
        """Take the tag ``name`` off the paper; ``None`` if it did not have it."""
        return self.change_tags(pos, remove=(name,))

    def change_tags(self, pos: int, add: Iterable[str] = (),
                    remove: Iterable[str] = ()) -> Change | None:
        """Add and remove tags on the paper in one change (one undo step); ``None`` when its
        tags stay as they were. ``state.TagError`` for a name that is not a tag name."""
        paper = self.papers[pos]
        before, marker = self.store.edit_tags(paper.id, paper.title, add, remove)
        self._remember(paper.id, pos, marker)
        after = marker.tags if marker is not None else ()
        if after == before:
            return None
        change = Change(paper.id, paper.title, "tags", before, after)
        self.undo_stack.push(change)
        return change

    # -- many papers at once ---------------------------------------------------------------------

    def set_many(self, positions: Iterable[int], field: Field, value: bool) -> BulkChange | None:
        """Set ``field`` (read or starred) to ``value`` on every paper at ``positions``: one store
        transaction, one undo step. Papers that already have ``value`` are left alone and not
        recorded; ``None`` when no paper changes."""
        if field not in ("read", "starred"):
            raise ValueError(field)
        have = self.marks.read if field == "read" else self.marks.starred
        value = bool(value)
        papers = self.papers
        changes = tuple(Change(papers[pos].id, papers[pos].title, field, not value, value)
                        for pos in dict.fromkeys(positions) if (pos in have) != value)
        if not changes:
            return None
        self._write_many(field, [(c.paper_id, c.title, c.after) for c in changes])
        bulk = BulkChange(field, changes)
        self.undo_stack.push(bulk)
        return bulk

    def change_tags_many(self, positions: Iterable[int], add: Iterable[str] = (),
                         remove: Iterable[str] = (), toggle: Iterable[str] = ()
                         ) -> BulkChange | None:
        """Add and remove tags on every paper at ``positions`` in one store transaction and one
        undo step; a ``toggle`` name is removed when every one of them has it, else added to all
        (the star rule). ``None`` when no paper's tags change. ``state.TagError`` for a bad name
        (then nothing changes)."""
        positions = list(dict.fromkeys(positions))
        add, remove = list(add), list(remove)
        for name in toggle:
            (remove if all(name in self.tags(p) for p in positions) else add).append(name)
        papers = self.papers
        results = self.store.edit_tags_many(
            [(papers[p].id, papers[p].title, add, remove) for p in positions])
        changes = []
        for pos, (before, marker) in zip(positions, results):
            paper = papers[pos]
            self._remember(paper.id, pos, marker)
            after = marker.tags if marker is not None else ()
            if after != before:
                changes.append(Change(paper.id, paper.title, "tags", before, after))
        if not changes:
            return None
        bulk = BulkChange("tags", tuple(changes))
        self.undo_stack.push(bulk)
        return bulk

    def toggle_many(self, positions: Iterable[int], field: Field) -> BulkChange | None:
        """Star (or mark read) every paper at ``positions`` unless all already are; then unstar
        (mark unread) them all."""
        positions = list(dict.fromkeys(positions))
        have = self.marks.read if field == "read" else self.marks.starred
        return self.set_many(positions, field, not all(pos in have for pos in positions))

    def undo(self) -> Step | None:
        """Write the newest step's previous values back; returns that step (or ``None``). A bulk
        step restores every paper it changed to that paper's own previous value."""
        change = self.undo_stack.pop()
        if change is None:
            return None
        if isinstance(change, BulkChange) and change.field == "tags":
            # As for one paper: the opposite delta, so a tag another window added stays.
            results = self.store.edit_tags_many([(c.paper_id, c.title, c.tags_removed,
                                                  c.tags_added) for c in change.changes])
            for c, (_, marker) in zip(change.changes, results):
                self._remember(c.paper_id, self.pos_of.get(c.paper_id), marker)
            return change
        if isinstance(change, BulkChange):
            self._write_many(change.field, [(c.paper_id, c.title, c.before)
                                            for c in change.changes])
            return change
        pos = self.pos_of.get(change.paper_id)
        if change.field == "tags":
            marker = self.store.change_tags(change.paper_id, change.title,
                                            add=change.tags_removed, remove=change.tags_added)
            self._remember(change.paper_id, pos, marker)
        else:
            self._write(change.paper_id, change.title, change.field, change.before, pos)
        return change

    def _write_many(self, field: Field, values: Sequence[tuple[str, str, object]]) -> None:
        """Write ``(paper_id, title, value)`` in one transaction, then mirror it in memory the
        way the store's upsert changed each row (only that field, its time, ``updated``, a
        non-empty title) -- reading 100,000 markers back would cost more than the write."""
        at = self.store.set_many(field, values)
        markers, pos_of, marks = self.markers, self.pos_of, self.marks
        bucket = marks.read if field == "read" else marks.starred if field == "starred" else None
        for paper_id, title, value in values:
            if field == "note":
                value = value if isinstance(value, str) and value.strip() else None
            elif field == "tags":
                value = tuple(sorted(set(value or ())))
            else:
                value = bool(value)
            old = markers.get(paper_id)
            if old is None:
                old = Marker(paper_id, title)
            marker = Marker(
                paper_id=paper_id, title=title or old.title,
                read=value if field == "read" else old.read,
                starred=value if field == "starred" else old.starred,
                note=value if field == "note" else old.note,
                updated=max(old.updated, at),
                read_at=at if field == "read" else old.read_at,
                starred_at=at if field == "starred" else old.starred_at,
                note_at=at if field == "note" else old.note_at,
                tags=value if field == "tags" else old.tags,
                tags_at=at if field == "tags" else old.tags_at)
            markers[paper_id] = marker
            pos = pos_of.get(paper_id)
            if pos is None:
                continue
            if bucket is None:
                marks.update(pos, marker)
            elif value:
                bucket.add(pos)
            else:
                bucket.discard(pos)

    def _change(self, pos: int, field: Field, value: bool | str | None) -> Change | None:
        paper = self.papers[pos]
        marker = self.markers.get(paper.id)
        before = getattr(marker, field) if marker is not None else (None if field == "note"
                                                                      else False)
        if before == value:
            return None
        self._write(paper.id, paper.title, field, value, pos)
        change = Change(paper.id, paper.title, field, before, value)
        self.undo_stack.push(change)
        return change

    def _write(self, paper_id: str, title: str, field: Field, value, pos: int | None) -> None:
        if field == "read":
            marker = self.store.set_read(paper_id, title, bool(value))
        elif field == "starred":
            marker = self.store.set_starred(paper_id, title, bool(value))
        else:
            marker = self.store.set_note(paper_id, title, value)
        self._remember(paper_id, pos, marker)

    def _remember(self, paper_id: str, pos: int | None, marker: Marker | None) -> None:
        """Keep the store's answer as the in-memory copy the screen draws from."""
        if marker is None:
            self.markers.pop(paper_id, None)
        else:
            self.markers[paper_id] = marker
        if pos is not None:
            self.marks.update(pos, marker)
