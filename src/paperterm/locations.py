"""Where paperterm finds its shipped listings and keeps user data and caches.

Every path the program touches outside the listings the user names is decided here, so tests can
redirect all of it with two environment variables:

- ``PAPERTERM_DATA_DIR`` replaces ``platformdirs.user_data_dir("paperterm")`` (the marker store);
- ``PAPERTERM_CACHE_DIR`` replaces ``platformdirs.user_cache_dir("paperterm")`` (parsed-library cache).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from platformdirs import user_cache_dir, user_config_dir, user_data_dir

APP_NAME = "paperterm"


def data_dir() -> Path:
    """The directory that holds the marker store (not created here)."""
    override = os.environ.get("PAPERTERM_DATA_DIR")
    return Path(override).expanduser() if override else Path(user_data_dir(APP_NAME))


def cache_dir() -> Path:
    """The directory for caches that can always be rebuilt (not created here)."""
    override = os.environ.get("PAPERTERM_CACHE_DIR")
    return Path(override).expanduser() if override else Path(user_cache_dir(APP_NAME))


def state_path() -> Path:
    """The SQLite marker database."""
    return data_dir() / "state.sqlite3"


def seeds_dir() -> Path:
    """The listings paperterm opens when no path is given.

    An installed wheel carries them as ``paperterm/seeds``; a source checkout (editable install or
    running from ``src/``) has them in the repository's top-level ``seeds/``.
    """
    packaged = Path(str(resources.files(APP_NAME))) / "seeds"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "seeds"


def listings_dir() -> Path:
    """The user's own listings folder, read by default alongside the shipped seeds."""
    return data_dir() / "listings"


def config_dir() -> Path:
    """The directory for user settings such as ``keymap.toml`` (``PAPERTERM_CONFIG_DIR`` overrides)."""
    override = os.environ.get("PAPERTERM_CONFIG_DIR")
    return Path(override).expanduser() if override else Path(user_config_dir(APP_NAME))
