"""The package's layers hold and nothing imports in a circle (beside test_import_hygiene.py).

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``): a ``layers`` contract (faces ->
loader -> cache -> library -> services -> model -> helpers), another inside ``paperterm.tui`` (app
-> main screen -> dialogs -> widgets -> key table -> logic without a terminal), an
``acyclic_siblings`` contract, and a ``forbidden`` one keeping Textual out of everything below the
faces and out of the TUI's terminal-free modules. They are checked here by
import-linter on this checkout's ``src`` (not an installed copy), without writing its cache into
the tree. On top of the sibling check, ``test_no_import_cycle_between_modules`` looks for a cycle
between any two modules at all, including ones that only happen inside a function.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    return env


def test_import_contracts_are_kept():
    code = ("import sys\n"
            "from importlinter.cli import lint_imports\n"
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout
    assert "BROKEN" not in out.stdout


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    code = ("import json, grimp\n"
            "g = grimp.build_graph('paperterm', cache_dir=None)\n"
            "print(json.dumps({m: sorted(g.find_modules_directly_imported_by(m))"
            " for m in g.modules}))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True,
                         text=True, timeout=300, check=True)
    edges = {module: set(imported) for module, imported in json.loads(out.stdout).items()}
    assert "paperterm.cli" in edges and "paperterm.tui.app" in edges
    assert _cycles(edges) == []
