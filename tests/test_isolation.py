"""The suite never touches the user's home: not from a test, not from a module- or session-scoped
fixture (set up before the per-test redirect), not from code that asks platformdirs directly."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import platformdirs
import pytest

from paperterm import locations

REAL_HOME = Path(pwd.getpwuid(os.getuid()).pw_dir).resolve()


def _outside_home(path: Path) -> bool:
    return not Path(path).resolve().is_relative_to(REAL_HOME)


@pytest.fixture(scope="module")
def dirs_seen_by_a_module_fixture():
    return locations.data_dir(), locations.cache_dir(), locations.config_dir()


@pytest.fixture(scope="session")
def dirs_seen_by_a_session_fixture():
    return locations.data_dir(), locations.cache_dir(), locations.config_dir()


def test_module_fixtures_see_redirected_dirs(dirs_seen_by_a_module_fixture):
    assert all(_outside_home(p) for p in dirs_seen_by_a_module_fixture)


def test_session_fixtures_see_redirected_dirs(dirs_seen_by_a_session_fixture):
    assert all(_outside_home(p) for p in dirs_seen_by_a_session_fixture)


def test_each_test_gets_its_own_dirs(isolated_dirs):
    assert locations.data_dir() == isolated_dirs / "data"
    assert locations.cache_dir() == isolated_dirs / "cache"
    assert locations.config_dir() == isolated_dirs / "config"


def test_platformdirs_fallback_is_redirected_too(monkeypatch):
    for name in ("PAPERTERM_DATA_DIR", "PAPERTERM_CACHE_DIR", "PAPERTERM_CONFIG_DIR"):
        monkeypatch.delenv(name)
    for path in (locations.data_dir(), locations.cache_dir(), locations.config_dir(),
                 Path(platformdirs.user_cache_dir("paperterm"))):
        assert _outside_home(path), path
