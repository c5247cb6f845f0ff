"""Nothing below the TUI imports Textual: the core stays usable (and fast to start) without it."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import paperterm

PACKAGE_DIR = Path(paperterm.__file__).parent
CORE_MODULES = sorted(
    m.name for m in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="paperterm.")
    if not m.name.startswith("paperterm.tui") and m.name != "paperterm.__main__"
)


def test_core_modules_found():
    assert {"paperterm.cli", "paperterm.library", "paperterm.state", "paperterm.search",
            "paperterm.export", "paperterm.sources.hf_daily"} <= set(CORE_MODULES)


def test_no_textual_import_statements_outside_tui():
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        if "tui" in path.relative_to(PACKAGE_DIR).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(n == "textual" or n.startswith("textual.") for n in names):
                offenders.append(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}")
    assert offenders == []


def test_importing_core_modules_does_not_load_textual():
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
