"""A deterministic demo of the reader: the README screenshots and the snapshot tests are made from it.

A test fixture, not part of the installed package: ``tests/test_tui_snapshots.py`` imports it from
here (pytest puts ``tests/`` on the path) and ``scripts/export_screenshots.py`` puts ``tests/`` on
the path itself.

It builds the app through ``create_app`` like the CLI does, over a copy of the shipped seeds whose
modification time is pinned (a listing that shows no year gets it inferred from the file's time, so
an unpinned copy would change the dates shown with the day of checkout), with a fresh marker store
holding a few fixed markers so stars, notes and read papers show. Scenes are played with a pilot.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tui_helpers import searched

from paperterm import locations
from paperterm.library import load_library
from paperterm.state import MarkerStore
from paperterm.tui.app import PapertermApp, create_app
from paperterm.tui.left_off import PAPER_SETTING
from paperterm.tui.ordering import Ordering
from paperterm.tui.screens.similar_papers import SimilarPapers

#: 2025-06-30 12:00 local time: the pinned modification time of the demo's listings.
PINNED_MTIME = time.mktime((2025, 6, 30, 12, 0, 0, 0, 0, -1))

#: Fixed markers, by rank in the newest-first order.
READ_RANKS = (0, 3, 6, 7, 10)
STARRED_RANKS = (1, 2, 5, 9)
NOTES = {
    1: "Compare with MINE and InfoNCE on our ablation data.\nAsk Sam about the code release.",
    5: "Cite in related work (section 2).",
}
TAGS = {
    1: ("mutual-info", "to-read"),
    2: ("reading-group",),
    4: ("to-read",),
}
#: The paper the demo opens on.
CURSOR_RANK = 1


def pinned_seeds(directory: Path) -> Path:
    """Copy the shipped seeds into ``directory/seeds`` with a pinned modification time."""
    target = Path(directory) / "seeds"
    target.mkdir(parents=True, exist_ok=True)
    for source in sorted(locations.seeds_dir().glob("*.txt")):
        copy = target / source.name
        shutil.copyfile(source, copy)
        os.utime(copy, (PINNED_MTIME, PINNED_MTIME))
    return target


#: A real Hugging Face API day file (a test fixture) and the paper of it the ``api`` scene shows:
#: eighteen author names, code with stars, a project page, an AI summary and keywords.
API_DAY = Path(__file__).resolve().parent / "fixtures" / "hf_api" / "2025-10-06.json"
API_PAPER = "2510.01068"


def demo_app(workdir: Path, *, theme: str = "textual-dark", markers: bool = True,
             news: bool = False, api: bool = False) -> PapertermApp:
    """The reader over pinned seeds with a fresh store in ``workdir`` (which must be empty).
    With ``news``, an earlier session saw every paper but those listed only on the newest listing
    day, so the reader opens on them as new since last time. With ``api``, an API day file is
    listed too and the reader opens on ``API_PAPER``."""
    workdir = Path(workdir)
    seeds = pinned_seeds(workdir)
    if api:
        day = seeds / API_DAY.name
        shutil.copyfile(API_DAY, day)
        os.utime(day, (PINNED_MTIME, PINNED_MTIME))
    library = load_library([seeds])
    store = MarkerStore(workdir / "data" / "state.sqlite3")
    order = Ordering(library.papers).order("date")
    if markers:
        for rank in READ_RANKS:
            paper = library.papers[order[rank]]
            store.set_read(paper.id, paper.title, True)
        for rank in STARRED_RANKS:
            paper = library.papers[order[rank]]
            store.set_starred(paper.id, paper.title, True)
        for rank, note in NOTES.items():
            paper = library.papers[order[rank]]
            store.set_note(paper.id, paper.title, note)
        for rank, tags in TAGS.items():
            paper = library.papers[order[rank]]
            store.set_tags(paper.id, paper.title, tags)
        store.set_setting(PAPER_SETTING, library.papers[order[CURSOR_RANK]].id)
    if api:
        store.set_setting(PAPER_SETTING, library.resolve(API_PAPER).id)
    if news:
        newest = max(day for paper in library.papers for day in paper.days)
        store.begin_session(p.id for p in library.papers if set(p.days) != {newest})
    return create_app(library=library, store=store, theme=theme)


@dataclass(frozen=True)
class Scene:
    """One picture: a terminal size and the keys pressed (``search`` waits for the ranking)."""

    name: str
    size: tuple[int, int]
    keys: Sequence[str] = ()
    theme: str = "textual-dark"
    caption: str = ""
    news: bool = False
    api: bool = False


SCENES: tuple[Scene, ...] = (
    Scene("main", (120, 40), caption="The list, the detail pane and the status line"),
    Scene("search", (120, 40), ("slash", *"learning rate"),
          caption="Searching: matched characters highlighted, ranked by relevance"),
    Scene("help", (120, 40), ("question_mark",), caption="Help: every key, from the bindings"),
    Scene("note", (120, 40), ("n",), caption="The note editor"),
    Scene("tags", (120, 40), ("t", *"+rea"),
          caption="t: tags, completed from the tags in use (tab takes the suggestion)"),
    Scene("export", (120, 40), ("e",), caption="Exporting the starred papers"),
    Scene("similar", (120, 40), ("m",), caption="m: papers like this one, and the words they share"),
    Scene("alone", (120, 32), ("z",), caption="z: the list alone, the titles in full"),
    Scene("select", (120, 40), ("x", "x", "j", "x"),
          caption="x selects papers: star, read and export then act on the selection"),
    Scene("small", (80, 24), caption="An 80x24 terminal"),
    Scene("light", (120, 40), theme="textual-light", caption="The light theme"),
    Scene("api", (120, 40), ("tab", "end"), api=True,
          caption="An API day file's paper, scrolled down: links, code and stars, AI summary"),
    Scene("new", (120, 40), news=True,
          caption="New since last time: the papers of the newest listing, 'new: N of M left'"),
)


async def play(pilot, scene: Scene) -> None:
    """Press the scene's keys and wait until the screen has settled (searches included)."""
    app = pilot.app
    await pilot.pause()
    for key in scene.keys:
        await pilot.press(key)
    await searched(app)
    deadline = time.monotonic() + 120
    while isinstance(app.screen, SimilarPapers) and not app.screen.rows \
            and time.monotonic() < deadline:  # the term matrix is built by a child process
        await pilot.pause(0.1)
    await pilot.pause()
    for screen in app.screen_stack:             # a steady cursor: the same picture every time
        for widget in screen.query("Input, TextArea"):
            widget.cursor_blink = False
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
