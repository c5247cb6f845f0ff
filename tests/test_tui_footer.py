"""The main screen's footer (``tui/footer.py``): it shows the keys of what has focus, is rebuilt
only when those keys change, and frees the key widgets it replaces."""

from __future__ import annotations

import gc
import weakref

from tui_helpers import screen_text

from paperterm.tui.app import create_app
from paperterm.tui.footer import KeysFooter
from textual.widgets._footer import FooterKey

SIZE = (120, 40)


def footer_line(app) -> str:
    return screen_text(app).splitlines()[-1]


def footer_keys(app) -> list[FooterKey]:
    return list(app.main_screen.query_one(KeysFooter).query(FooterKey))


async def test_footer_follows_focus_between_list_and_search():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Star" in footer_line(app) and "Keep filter" not in footer_line(app)
        await pilot.press("slash")
        await pilot.pause()
        assert "Keep filter" in footer_line(app) and "Clear" in footer_line(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "Star" in footer_line(app) and "Keep filter" not in footer_line(app)


async def test_footer_is_not_rebuilt_when_its_keys_stay_the_same():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = footer_keys(app)
        assert before
        app.main_screen.refresh_bindings()  # "may have changed", but nothing did
        await pilot.pause()
        await pilot.pause()
        assert footer_keys(app) == before  # the very same widgets


async def test_replaced_footer_keys_are_freed():
    app = create_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        old = [weakref.ref(key) for key in footer_keys(app)]
        for _ in range(3):
            await pilot.press("slash")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        gc.collect()
        assert old and all(ref() is None for ref in old)
