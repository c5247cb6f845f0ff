"""Shared helpers for the TUI tests (test_tui_*.py): what the store holds, what the screen shows,
and synthetic libraries. (Deterministic seed copies for pictures live in ``tui_demo``.)"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from rich.console import Console

from paperterm.library import Library, load_library
from paperterm.model import Paper
from paperterm.state import MarkerStore

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


async def searched(app) -> None:
    """Every worker finished and every search asked for delivered (searches run on the screen's
    own thread, ``Searcher``, not as Textual workers). Then ``pilot.pause()`` draws the results."""
    await app.workers.wait_for_complete()
    screen = app.main_screen
    for _ in range(2000):  # 10 s at most
        if screen.searcher.idle:
            break
        await asyncio.sleep(0.005)
    else:
        raise AssertionError("a search never finished")


def stored() -> MarkerStore:
    """A fresh store on the test's PAPERTERM_DATA_DIR: what another paperterm would see."""
    return MarkerStore()


def screen_text(app) -> str:
    """Everything the terminal shows right now, as plain text (all screens, modal ones on top)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    update = app.screen._compositor.render_update(full=True,
                                                   screen_stack=app._background_screens)
    console.print(update)
    return console.export_text()


def status(app) -> str:
    """The status line (counts on the left, view and sort on the right), as shown."""
    return " ".join(str(app.main_screen.status_line.render()).split())


def notifications(app) -> list[str]:
    """The messages of the notifications (toasts) currently shown."""
    return [n.message for n in app._notifications]


def list_lines(app) -> list[str]:
    """The paper list's visible rows as text."""
    plist = app.main_screen.paper_list
    return [plist.render_line(y).text for y in range(plist.scrollable_content_region.height)]


def synthetic_library(n: int, *, titles: dict[int, str] | None = None) -> Library:
    """``n`` papers built in memory (no parsing), with varied dates, upvotes and sources."""
    titles = titles or {}
    papers = []
    for i in range(n):
        title = titles.get(i, f"Synthetic study {i} of sparse attention")
        papers.append(Paper(
            id=f"{i:012x}", title=title,
            abstract=f"We study problem {i}. See https://example.org/p/{i} for code.",
            authors=1 + i % 9, published=f"20{10 + i % 15:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            upvotes=(i * 7) % 500 or None, urls=(f"https://example.org/p/{i}",),
            sources=tuple(f"listing{k}.txt" for k in range(1 + i % 3)),
        ))
    return Library(papers=papers)


def seed_library() -> Library:
    return load_library([SEEDS])
