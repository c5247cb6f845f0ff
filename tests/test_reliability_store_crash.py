"""Crash safety: processes writing markers are killed with SIGKILL at random moments, hundreds of
times. Afterwards the database must pass ``PRAGMA integrity_check``, must never have needed to be
moved aside, and must hold every change a writer reported done.
"""

from __future__ import annotations

import random
import signal
import subprocess

import pytest
import sys
import time
from pathlib import Path

from paperterm.state import MarkerStore

sys.path.insert(0, str(Path(__file__).parent / "helpers"))
from store_check import integrity_check  # noqa: E402

HELPER = Path(__file__).parent / "helpers" / "marker_writer.py"
KILLS = 220


def parse_reports(output: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The changes a writer reported done: ``(key, field)`` of own papers, keys of shared notes."""
    own, shared = [], []
    for line in output.splitlines(keepends=True):
        if not line.endswith("\n"):
            continue  # cut off by the kill: not reported
        parts = line.split()
        if parts[0] == "U":
            own.append((parts[1], parts[2]))
        elif parts[0] == "S":
            shared.append(parts[1])
    return own, shared


def order(key: str) -> tuple[int, int]:
    run, i = key.split(":")
    return int(run), int(i)


def check_store(db: Path, own: list[tuple[str, str]], last_shared: str | None) -> None:
    with MarkerStore(db) as store:
        assert store.recovered_from is None, "a kill left a database that had to be moved aside"
        assert integrity_check(store.path) == "ok"
        markers = store.all()
    for key, field in own:
        marker = markers.get(f"u-{key}")
        assert marker is not None, f"reported change {key} ({field}) is missing"
        assert marker.title == f"Paper {key}"
        if field == "read":
            assert marker.read and marker.read_at is not None
        elif field == "starred":
            assert marker.starred and marker.starred_at is not None
        else:
            assert marker.note == f"note {key}"
    if last_shared is not None:
        # the shared note is the last reported value, or a later one still in flight at a kill
        assert order(markers["shared"].note) >= order(last_shared)


def test_sigkill_while_writing_never_loses_a_reported_change(tmp_path):
    db = tmp_path / "state.sqlite3"
    rng = random.Random(20240607)
    own: list[tuple[str, str]] = []
    last_shared: str | None = None
    killed_while_writing = 0
    for run in range(KILLS):
        proc = subprocess.Popen([sys.executable, str(HELPER), str(db), str(run)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            if run % 8 == 0:
                # now and then kill early, during start-up, opening or WAL recovery
                time.sleep(rng.uniform(0.0, 0.06))
            else:
                ready = proc.stdout.readline()
                if ready != b"ready\n":
                    proc.wait(timeout=30)
                    pytest.fail(f"writer {run} exited ({proc.returncode}) before it was ready: "
                                f"{proc.stderr.read().decode(errors='replace')}")
                time.sleep(rng.uniform(0.005, 0.05))
        finally:
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate(timeout=30)
        assert proc.returncode in (-signal.SIGKILL, 0), err.decode()
        assert b"Traceback" not in err, err.decode()
        run_own, run_shared = parse_reports(out.decode())
        own.extend(run_own)
        if run_shared:
            last_shared = run_shared[-1]
            killed_while_writing += 1
        if run % 50 == 49:
            check_store(db, own, last_shared)
    check_store(db, own, last_shared)
    # the test is only worth something if the kills really hit running writers
    assert killed_while_writing >= KILLS // 2
    assert len(own) >= 1000
