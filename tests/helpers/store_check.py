"""The check the store tests run on a marker database: SQLite's own ``PRAGMA integrity_check``,
through a connection of the test's own (the store has no use for it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def integrity_check(path: Path) -> str:
    """``"ok"``, or SQLite's description of what is wrong with the database at ``path``."""
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
