"""Shared fixtures: every test runs with its own data and cache directories, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    """Point the marker store and the cache at fresh temporary directories for each test."""
    base = tmp_path_factory.mktemp("paperterm-home")
    monkeypatch.setenv("PAPERTERM_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("PAPERTERM_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("PAPERTERM_CONFIG_DIR", str(base / "config"))
    return base


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_library():
    from paperterm.library import load_library

    return load_library([SEEDS])
