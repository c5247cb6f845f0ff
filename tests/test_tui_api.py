"""The reader on API day files: author names, machine-written AI fields, labelled links, ``b`` opening
the Hugging Face page, the ``B`` link menu, and the new sorts -- driven through the real app."""

from __future__ import annotations

from pathlib import Path

from tui_helpers import screen_text

from paperterm.tui import main_screen as main_screen_module
from paperterm.tui.app import create_app
from paperterm.tui.detail import detail_text
from paperterm.tui.screens.link_menu import LinkMenu

FIXTURES = Path(__file__).parent / "fixtures" / "hf_api"
SIZE = (130, 44)


def select(app, arxiv_id: str):
    screen = app.main_screen
    papers = app.library.papers
    row = next(i for i, p in enumerate(screen.paper_list.rows) if papers[p].arxiv_id == arxiv_id)
    screen.paper_list.move_cursor(row)
    return papers[screen.paper_list.rows[row]]


async def test_detail_pane_shows_names_ai_fields_and_labelled_links():
    app = create_app([FIXTURES])
    async with app.run_test(size=SIZE) as pilot:
        select(app, "2503.15475")  # Cube: 45 authors
        await pilot.pause()
        text = app.main_screen.detail.text
        assert ("Foundation AI Team, Kiran Bhat, Nishchaie Khanna, Karun Channa, Tinghui Zhou, "
                "Yiheng Zhu, Xiaoxia Sun, Charles Shang, Anirudh Sudarshan, Maurice Chu and 35 "
                "more") in text
        assert "1 comment" in text
        assert "AI keywords (machine-written)" in text
        assert "Hugging Face  https://huggingface.co/papers/2503.15475" in text
        assert "Code          https://github.com/Roblox/cube" in text
        select(app, "2510.00515")
        await pilot.pause()
        text = app.main_screen.detail.text
        assert "Shanghai Jiao Tong University" in text
        assert "AI summary (machine-written by Hugging Face, not by the authors)\nEPIC," in text
        assert "Code (★ 4)    https://github.com/ZichenWen1/EPIC" in text
        assert "Project page  https://zichenwen1.github.io/EPIC" in text


def test_detail_text_of_a_page_paper_is_unchanged_in_shape(seed_library):
    paper = next(p for p in seed_library.papers if p.urls)
    text = detail_text(paper, None).plain
    assert "AI summary" not in text and "machine-written" not in text
    assert f"arXiv search  {paper.link}" in text and f"Link          {paper.urls[0]}" in text


async def test_b_opens_the_hugging_face_page_and_B_offers_the_others(monkeypatch):
    monkeypatch.setattr(main_screen_module, "can_open_browser", lambda: True)
    app = create_app([FIXTURES])
    opened = []
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        select(app, "2510.00515")
        await pilot.press("b")
        assert opened == ["https://huggingface.co/papers/2510.00515"]
        await pilot.press("B")
        await pilot.pause()
        assert isinstance(app.screen, LinkMenu)
        shown = screen_text(app)
        assert "4 Code (★ 4)    https://github.com/ZichenWen1/EPIC" in shown
        await pilot.press("4")
        await pilot.pause()
        assert not isinstance(app.screen, LinkMenu)
        assert opened[-1] == "https://github.com/ZichenWen1/EPIC"
        await pilot.press("B", "j", "j", "enter")  # the third: the PDF
        await pilot.pause()
        assert opened[-1] == "https://arxiv.org/pdf/2510.00515"
        await pilot.press("B", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, LinkMenu) and len(opened) == 3


async def test_sort_cycles_through_comments_and_code_stars():
    app = create_app([FIXTURES])
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        papers = app.library.papers
        for _ in range(5):  # day listed, upvotes, title, seen, comments
            await pilot.press("o")
        assert "sorted by comments" in screen_text(app)
        first = papers[screen.paper_list.rows[0]]
        assert first.comments == max(p.comments for p in papers)
        await pilot.press("o")
        assert "sorted by code stars" in screen_text(app)
        assert papers[screen.paper_list.rows[0]].github_stars == 6
