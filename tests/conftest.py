"""Shared fixtures: every test runs with its own data and cache directories, never the user's, and
no test reaches the network beyond this machine (the loopback guard below).

Two layers keep the suite away from the user's home:

- for the whole session, before any fixture of any scope runs (``pytest_configure``), the
  ``PAPERTERM_*_DIR`` variables and the XDG base directories point into one temporary directory,
  so a module- or session-scoped fixture (which pytest sets up before the function-scoped ones)
  and any code that bypasses ``PAPERTERM_*`` and asks platformdirs still land there;
- each test then gets fresh directories of its own (``isolated_dirs``).

``tests/test_isolation.py`` guards both.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"

_SESSION_BASE: Path | None = None


def pytest_configure(config) -> None:
    global _SESSION_BASE
    _SESSION_BASE = Path(tempfile.mkdtemp(prefix="paperterm-tests-"))
    for name, sub in (("PAPERTERM_DATA_DIR", "data"), ("PAPERTERM_CACHE_DIR", "cache"),
                      ("PAPERTERM_CONFIG_DIR", "config"), ("XDG_DATA_HOME", "xdg-data"),
                      ("XDG_CACHE_HOME", "xdg-cache"), ("XDG_CONFIG_HOME", "xdg-config"),
                      ("XDG_STATE_HOME", "xdg-state")):
        os.environ[name] = str(_SESSION_BASE / sub)


def pytest_unconfigure(config) -> None:
    if _SESSION_BASE is not None:
        shutil.rmtree(_SESSION_BASE, ignore_errors=True)


# -- no network beyond loopback --------------------------------------------------------------------
# Every connect and name lookup in the test process is checked: a non-loopback address is refused
# with ``NetworkBlocked`` (an OSError, so the code under test sees "no network") and recorded; the
# test that tried then fails in its teardown, even if the code under test swallowed the error.

class NetworkBlocked(OSError):
    """A test tried to reach a non-loopback address."""


NETWORK_ATTEMPTS: list[str] = []
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_loopback(host) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): the local wildcard, used to bind servers
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost") or host == "":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _refuse(what: str, host) -> None:
    message = f"test tried to reach {host!r} ({what}): only loopback is allowed in tests"
    NETWORK_ATTEMPTS.append(message)
    raise NetworkBlocked(message)


_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_loopback(host):
        _refuse("name lookup", host)
    return _real_getaddrinfo(host, *args, **kwargs)


def _check_address(sock, address, what: str) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        if not _is_loopback(address[0]):
            _refuse(what, address[0])


def _guarded_connect(self, address):
    _check_address(self, address, "connect")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check_address(self, address, "connect")
    return _real_connect_ex(self, address)


socket.getaddrinfo = _guarded_getaddrinfo
socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex


@pytest.fixture(autouse=True)
def no_network_beyond_loopback():
    """Fail the test (in teardown) if it tried to reach a non-loopback address."""
    start = len(NETWORK_ATTEMPTS)
    yield
    tried = NETWORK_ATTEMPTS[start:]
    if tried:
        del NETWORK_ATTEMPTS[start:]
        pytest.fail("; ".join(tried), pytrace=False)


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver listens on 127.0.0.1 (not a name that might resolve elsewhere)."""
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    """Point the marker store and the cache at fresh temporary directories for each test."""
    base = tmp_path_factory.mktemp("paperterm-home")
    monkeypatch.setenv("PAPERTERM_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("PAPERTERM_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("PAPERTERM_CONFIG_DIR", str(base / "config"))
    monkeypatch.delenv("PAPERTERM_SYNC_DIR", raising=False)  # never the user's sync folder
    # a stray 'paperterm fetch' in a test goes nowhere (port 9, discard; refused at once)
    monkeypatch.setenv("PAPERTERM_HF_ENDPOINT", "http://127.0.0.1:9")
    return base


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_library():
    from paperterm.library import load_library

    return load_library([SEEDS])
