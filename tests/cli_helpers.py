"""Run the real ``paperterm`` command in a subprocess, with the test's own data directory."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, input: str | None = None, cwd=None, check_no_traceback: bool = True):
    """Run ``python -m paperterm ARGS``; the environment (PAPERTERM_DATA_DIR etc.) is inherited
    from the test, which the autouse fixture in conftest.py points at temporary directories."""
    env = dict(os.environ)
    env.setdefault("COLUMNS", "200")
    proc = subprocess.run(
        [sys.executable, "-m", "paperterm", *args],
        capture_output=True, text=True, input=input, cwd=cwd, env=env, timeout=120,
    )
    if check_no_traceback:
        assert "Traceback" not in proc.stderr, proc.stderr
    return proc
