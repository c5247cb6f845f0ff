"""Snapshot tests (pytest-textual-snapshot) of the reader's screens, built by ``create_app`` through
the deterministic demo in ``tests/tui_demo.py`` (pinned seed dates, fixed markers, fixed theme, fresh
data directory).

Regenerate the baselines after an intended visual change with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and look at them (``snapshot_report.html`` shows the differences)."""

from __future__ import annotations

import pytest

from tui_demo import SCENES, demo_app, play

SCENE = {scene.name: scene for scene in SCENES}


@pytest.mark.parametrize("name", ["main", "search", "help", "note", "tags", "export", "similar",
                                  "alone", "select", "small", "light", "new", "api"])
def test_screen(name, snap_compare, tmp_path):
    scene = SCENE[name]
    app = demo_app(tmp_path, theme=scene.theme, news=scene.news, api=scene.api)
    try:
        assert snap_compare(app, terminal_size=scene.size,
                            run_before=lambda pilot: play(pilot, scene))
    finally:
        app.store.close()
