"""The pure parts of fetch: planning days, reading rate-limit headers; and the loopback guard."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys

import pytest

import conftest
from paperterm.fetch import plan_days
from paperterm.fetch.limits import RequestBudget, parse_rate_hint, parse_retry_after

TODAY = dt.date(2025, 10, 6)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def iso(days) -> list[str]:
    return [x.isoformat() for x in days]


def test_first_run_fetches_yesterday_and_today():
    assert iso(plan_days(today=TODAY)) == ["2025-10-05", "2025-10-06"]


def test_default_run_starts_at_the_newest_fetched_day():
    assert iso(plan_days(today=TODAY, newest_fetched="2025-10-02")) == \
        ["2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06"]
    # fetched today already: today and yesterday again all the same
    assert iso(plan_days(today=TODAY, newest_fetched="2025-10-06")) == ["2025-10-05", "2025-10-06"]


def test_ranges():
    assert iso(plan_days(today=TODAY, date=d("2024-06-03"))) == ["2024-06-03"]
    assert iso(plan_days(today=TODAY, since=d("2025-10-04"))) == \
        ["2025-10-04", "2025-10-05", "2025-10-06"]
    assert iso(plan_days(today=TODAY, since=d("2024-02-28"), until=d("2024-03-01"))) == \
        ["2024-02-28", "2024-02-29", "2024-03-01"]
    assert iso(plan_days(today=TODAY, days=1)) == ["2025-10-06"]
    assert len(plan_days(today=TODAY, days=30)) == 30


@pytest.mark.parametrize("kwargs, message", [
    ({"date": d("2025-10-07")}, "--date 2025-10-07 is after today (2025-10-06, UTC)"),
    ({"since": d("2025-10-07")}, "--since 2025-10-07 is after today"),
    ({"since": d("2025-10-01"), "until": d("2025-10-07")}, "--until 2025-10-07 is after today"),
    ({"until": d("2025-10-01")}, "--until needs --since"),
    ({"days": 0}, "--days must be at least 1"),
])
def test_plan_errors(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan_days(today=TODAY, **kwargs)


def test_retry_after_forms():
    now = dt.datetime(2025, 10, 6, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("Mon, 06 Oct 2025 12:01:30 GMT", utcnow=lambda: now) == 90.0
    assert parse_retry_after("Mon, 06 Oct 2025 11:00:00 GMT", utcnow=lambda: now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_ratelimit_header_forms():
    hub = parse_rate_hint({"ratelimit": '"api";r=0;t=42',
                           "ratelimit-policy": '"fixed window";"api";q=500;w=300'})
    assert (hub.remaining, hub.reset, hub.quota, hub.window, hub.exhausted) == (0, 42, 500, 300, True)
    old = parse_rate_hint({"ratelimit": "limit=100, remaining=3, reset=20"})
    assert (old.remaining, old.reset, old.quota, old.exhausted) == (3, 20, 100, False)
    split = parse_rate_hint({"ratelimit-remaining": "0", "ratelimit-reset": "7"})
    assert (split.remaining, split.reset) == (0, 7)
    now = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    epoch = parse_rate_hint({"x-ratelimit-remaining": "0",
                             "x-ratelimit-reset": str(int(now.timestamp()) + 15)},
                            utcnow=lambda: now)
    assert epoch.reset == 15
    assert parse_rate_hint({}).remaining is None and not parse_rate_hint({}).exhausted
    junk = parse_rate_hint({"ratelimit": "garbage;;=", "retry-after": "x"})
    assert junk.remaining is None and junk.retry_after is None


def test_budget_only_ever_gets_stricter():
    budget = RequestBudget(500, 300)
    budget.shrink(1000, 300)
    assert (budget.limit, budget.window) == (500, 300)
    budget.shrink(100, 300)
    assert (budget.limit, budget.window) == (100, 300)
    with pytest.raises(ValueError):
        RequestBudget(0, 300)


# -- the guard that keeps the suite off the internet ------------------------------------------------

def test_the_suite_refuses_non_loopback_lookups_and_connections():
    start = len(conftest.NETWORK_ATTEMPTS)
    with pytest.raises(conftest.NetworkBlocked):
        socket.getaddrinfo("huggingface.co", 443)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(conftest.NetworkBlocked):
            sock.connect(("8.8.8.8", 53))
    finally:
        sock.close()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.connect_ex(("127.0.0.1", 9))  # loopback is allowed (refused or not, no guard error)
    finally:
        sock.close()
    assert len(conftest.NETWORK_ATTEMPTS) == start + 2
    del conftest.NETWORK_ATTEMPTS[start:]  # this test's own attempts were on purpose
    assert socket.getaddrinfo("localhost", 80)


def test_a_test_that_reaches_out_fails_even_if_the_code_swallows_the_error(tmp_path):
    (tmp_path / "conftest.py").write_text(
        (conftest.ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "test_sneaky.py").write_text(
        "import socket\n\n"
        "def test_sneaky():\n"
        "    try:\n"
        "        socket.create_connection(('example.com', 80), timeout=1)\n"
        "    except OSError:\n"
        "        pass\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-p", "no:xdist", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 1, out.stdout
    assert "1 passed, 1 error" in out.stdout
    assert "test tried to reach 'example.com' (name lookup)" in out.stdout


def test_the_budget_is_kept_between_runs():
    from fetch_helpers import FakeClock
    from paperterm.fetch.run import load_budget, save_budget

    clock = FakeClock()
    budget = RequestBudget()
    for _ in range(500):
        budget.spent(clock.now())
    clock.sleep(100)  # the next run starts 100 s later: 200 s of the window left
    save_budget(budget, clock)
    later = FakeClock()
    later.t = 77_000.0
    restored = load_budget(later)
    assert restored.delay(later.now()) == pytest.approx(200, abs=1)
    assert restored.delay(later.now() + 200.5) == 0


def test_a_damaged_budget_file_is_ignored():
    from fetch_helpers import FakeClock
    from paperterm import locations
    from paperterm.fetch.run import BUDGET_FILE, load_budget

    path = locations.cache_dir() / BUDGET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    for text in ("not json", '{"a": 1}', '["x", null, 1e308]'):
        path.write_text(text)
        assert load_budget(FakeClock()).delay(1000.0) == 0
