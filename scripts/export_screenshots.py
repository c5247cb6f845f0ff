#!/usr/bin/env python3
"""Regenerate the README screenshots: ``python scripts/export_screenshots.py [OUT_DIR]``.

Each scene of ``tests/tui_demo.py`` (main screen, search, help, note editor, export dialog, an
80x24 terminal, the light theme) is played headless on an app built by ``create_app`` over a copy of
the shipped seeds with pinned dates and a few fixed markers, in a temporary data directory (your own
markers are never touched), and saved as ``OUT_DIR/<scene>.svg`` (default: ``screenshots/``).
With ``--png`` each SVG is also converted with ``rsvg-convert`` when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def shoot(scene, out_dir: Path) -> Path:
    from tui_demo import demo_app, play

    with tempfile.TemporaryDirectory(prefix="paperterm-shot-") as tmp:
        os.environ["PAPERTERM_DATA_DIR"] = str(Path(tmp) / "data")
        os.environ["PAPERTERM_CACHE_DIR"] = str(Path(tmp) / "cache")
        app = demo_app(Path(tmp), theme=scene.theme, news=scene.news, api=scene.api)
        async with app.run_test(size=scene.size) as pilot:
            await play(pilot, scene)
            target = out_dir / f"{scene.name}.svg"
            target.write_text(app.export_screenshot(title=f"paperterm: {scene.caption}"),
                              encoding="utf-8")
        app.store.close()
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default=str(ROOT / "screenshots"))
    parser.add_argument("--png", action="store_true", help="also write PNGs (rsvg-convert)")
    parser.add_argument("--only", action="append", help="scene name(s) to shoot")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tests"))     # the demo is a test fixture, not in the package
    from tui_demo import SCENES

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for scene in SCENES:
        if args.only and scene.name not in args.only:
            continue
        svg = asyncio.run(shoot(scene, out_dir))
        print(f"wrote {svg}")
        if args.png:
            if shutil.which("rsvg-convert") is None:
                print("rsvg-convert not found; skipping PNGs", file=sys.stderr)
            else:
                png = svg.with_suffix(".png")
                subprocess.run(["rsvg-convert", str(svg), "-o", str(png)], check=True)
                print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
