"""paperterm fetch against a real HTTP server on 127.0.0.1 replaying real API day files."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import threading

import httpx
import pytest
from pytest_httpserver import HTTPServer

from fetch_helpers import FakeApi, FakeClock, fixture_day, slow, status
from paperterm.cli import main
from paperterm.fetch import ApiClient, DayStore, FetchProblem, RequestBudget, Stopped, fetch_days
from paperterm.fetch.client import USER_AGENT, SystemClock, _connect_problem

D1, D2 = "2024-06-03", "2025-10-06"


@pytest.fixture(scope="module")
def server():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def api(server):
    server.clear()
    return FakeApi(server, {D1: fixture_day(D1), D2: fixture_day(D2)})


@pytest.fixture
def clock():
    return FakeClock()


def run(api, days, clock, *, timeout=5.0, budget=None, on_event=None, max_attempts=5):
    client = ApiClient(api.url, clock=clock, timeout=timeout, budget=budget,
                       max_attempts=max_attempts)
    with client:
        return fetch_days([dt.date.fromisoformat(d) for d in days], endpoint=api.url,
                          client=client, on_event=on_event)


def stored(day: str):
    path = DayStore().path(day)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


# -- paging ----------------------------------------------------------------------------------------

def test_pages_until_an_empty_page_even_when_the_server_caps_the_page_size(api, clock):
    api.page_size = 5  # 16 papers: pages of 5, 5, 5, 1, then an empty one
    report = run(api, [D2], clock)
    assert [d.status for d in report.days] == ["written"]
    assert stored(D2) == fixture_day(D2)  # all pages, as the API gave them, in order
    assert [(day, page, limit) for day, page, limit, _ in api.log] == \
        [(D2, p, 100) for p in range(5)]
    assert report.days[0].papers == 16 and report.days[0].pages == 4
    assert report.new == 16 and report.updated == 0 and report.requests == 5
    assert api.log[0][3] == USER_AGENT and USER_AGENT.startswith("paperterm/")
    assert clock.sleeps == []


def test_a_full_page_is_not_the_end(api, clock):
    api.page_size = 6  # 2024-06-03 has exactly 6: the full first page must be followed up
    report = run(api, [D1], clock)
    assert stored(D1) == fixture_day(D1)
    assert [page for _, page, _, _ in api.log] == [0, 1]
    assert report.days[0].pages == 1


def test_an_entry_served_twice_across_a_shifting_page_boundary_is_kept_once(api, clock):
    entries = fixture_day(D2)
    api.days[D2] = entries[:5] + entries[4:]  # the 5th entry is on page 0 and page 1
    api.page_size = 5
    run(api, [D2], clock)
    assert stored(D2) == entries


def test_a_server_that_ignores_paging_is_an_error_not_an_endless_loop(api, clock):
    first = fixture_day(D2)[:5]
    api.days[D2] = first * 200  # page K is always the same five papers
    api.page_size = 5
    report = run(api, [D2], clock)
    assert report.days[0].status == "error"
    assert "repeats earlier papers" in report.days[0].problem
    assert stored(D2) is None and len(api.log) == 2


# -- retries, rate limits ---------------------------------------------------------------------------

def test_429_with_retry_after_waits_exactly_that_long_then_succeeds(api, clock):
    api.fail(D2, 0, status(429, "slow down", Retry_After="7"))
    report = run(api, [D2], clock)
    assert report.days[0].status == "written" and stored(D2) == fixture_day(D2)
    assert clock.sleeps == [7.0]
    assert [page for _, page, _, _ in api.log] == [0, 0, 1]


def test_429_with_only_a_ratelimit_header_waits_for_its_reset(api, clock):
    api.fail(D2, 0, status(429, RateLimit='"api";r=0;t=42',
                           RateLimit_Policy='"fixed window";"api";q=500;w=300'))
    report = run(api, [D2], clock)
    assert report.days[0].status == "written"
    assert clock.sleeps == [42.0]


def test_an_exhausted_ratelimit_on_a_success_holds_the_next_request(api, clock):
    from werkzeug import Response

    ok = Response(json.dumps(fixture_day(D1)), status=200, content_type="application/json",
                  headers={"RateLimit": '"api";r=0;t=30'})
    api.fail(D1, 0, ok)
    report = run(api, [D1], clock)
    assert report.days[0].status == "written"
    assert clock.sleeps == [30.0]  # before asking for page 1


def test_a_stricter_server_policy_shrinks_the_budget(api, clock):
    from werkzeug import Response

    body = json.dumps(fixture_day(D1))
    api.fail(D1, 0, Response(body, status=200, content_type="application/json",
                             headers={"RateLimit-Policy": '"fixed window";"api";q=1;w=10'}))
    report = run(api, [D1], clock)
    assert report.days[0].status == "written"
    assert clock.sleeps == [10.0]  # one request per 10 s from then on


def test_500s_are_retried_with_exponential_backoff(api, clock):
    api.fail(D2, 0, status(500), status(502), status(503))
    report = run(api, [D2], clock)
    assert report.days[0].status == "written" and stored(D2) == fixture_day(D2)
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_500s_without_end_give_up_stop_the_run_and_write_nothing(api, clock):
    api.fail(D1, 0, *[status(500)] * 5)
    report = run(api, [D1, D2], clock)
    assert [d.status for d in report.days] == ["error", "skipped"]
    assert report.days[0].problem == \
        f"HTTP 500 Internal Server Error from 127.0.0.1; gave up after 5 tries"
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert stored(D1) is None and stored(D2) is None
    assert len(api.log) == 5


def test_a_server_asking_for_a_very_long_wait_is_reported_not_waited_for(api, clock):
    api.fail(D2, 0, status(503, Retry_After="3600"))
    report = run(api, [D2], clock)
    assert report.days[0].status == "error"
    assert "asks to wait 3,600 s" in report.days[0].problem and clock.sleeps == []


def test_a_timeout_is_retried(api, clock):
    api.fail(D1, 0, slow(1.5))
    report = run(api, [D1], clock, timeout=0.3)
    assert report.days[0].status == "written" and stored(D1) == fixture_day(D1)
    assert clock.sleeps == [1.0]


def test_timeouts_without_end_are_one_line(api, clock):
    api.fail(D1, 0, slow(1.0), slow(1.0))
    report = run(api, [D1], clock, timeout=0.2, max_attempts=2)
    assert report.days[0].problem == "timed out waiting for 127.0.0.1; gave up after 2 tries"
    assert stored(D1) is None


def test_the_request_budget_paces_a_long_run(api, clock):
    # 3 requests per 10 s: D1 then D2 at a page size of 5 take 3 + 5 requests
    api.page_size = 5
    report = run(api, [D1, D2], clock, budget=RequestBudget(3, 10))
    assert [d.status for d in report.days] == ["written", "written"]
    assert report.requests == 8
    assert clock.sleeps == [10.0, 10.0]


def test_request_budget_sliding_window():
    budget = RequestBudget(500, 300)
    for i in range(500):
        assert budget.delay(i * 0.1) == 0
        budget.spent(i * 0.1)
    assert budget.delay(49.9) == pytest.approx(250.1)  # the first request leaves at t = 300
    assert budget.delay(300.0) == 0
    budget.spent(300.0)
    assert budget.delay(300.0) == pytest.approx(0.1)
    budget.hold(400.0)
    assert budget.delay(350.0) == pytest.approx(50.0)


# -- bodies and errors that are a day's own ----------------------------------------------------------

def test_malformed_json_is_that_day_s_error_and_the_run_goes_on(api, clock):
    api.fail(D1, 0, status(200, '[{"paper": {"id": "x"'))
    report = run(api, [D1, D2], clock)
    assert [d.status for d in report.days] == ["error", "written"]
    assert report.days[0].problem.startswith("page 0 from 127.0.0.1 is not JSON (")
    assert stored(D1) is None and stored(D2) == fixture_day(D2)
    assert clock.sleeps == []  # a bad body is not retried


@pytest.mark.parametrize("body, problem", [
    ('{"error": "Invalid date"}', "page 0 is a JSON object, not the expected array of papers "
                                  "(the server says: Invalid date)"),
    ('"hello"', "page 0 is JSON str, not the expected array of papers"),
    ('[1, 2]', "page 0: entry 1 is not a JSON object"),
    (b'\x80[]', "page 0 from 127.0.0.1 is not JSON"),
])
def test_a_body_that_is_not_the_expected_json(api, clock, body, problem):
    api.fail(D1, 0, status(200, body))
    report = run(api, [D1], clock)
    assert report.days[0].problem == problem and stored(D1) is None


def test_a_4xx_is_not_retried_and_quotes_the_server_s_message_safely(api, clock):
    api.fail(D1, 0, status(400, json.dumps({"error": "bad\x1b[31m date\n"})))
    report = run(api, [D1, D2], clock)
    assert report.days[0].problem == "HTTP 400 Bad Request from 127.0.0.1: bad [31m date"
    assert report.days[1].status == "written" and len(api.log) == 1 + 2


def test_an_empty_day_is_remembered_as_fetched_empty(api, clock):
    report = run(api, ["2025-10-05"], clock)
    assert report.days[0].status == "empty" and report.days[0].papers == 0
    store = DayStore()
    assert store.empty_days() == {"2025-10-05"} and store.stored_days() == set()
    assert not store.path("2025-10-05").exists()
    assert store.newest_fetched() == "2025-10-05"
    # papers show up later that day: the file is written and the day is no longer 'empty'
    api.days["2025-10-05"] = fixture_day(D1)
    run(api, ["2025-10-05"], clock)
    assert store.empty_days() == set() and stored("2025-10-05") == fixture_day(D1)


def test_a_day_that_comes_back_empty_keeps_its_file(api, clock):
    run(api, [D1], clock)
    api.days[D1] = []
    report = run(api, [D1], clock)
    assert report.days[0].status == "kept" and stored(D1) == fixture_day(D1)


def test_a_day_interrupted_mid_way_writes_nothing_and_keeps_complete_days(api, clock):
    run(api, [D2], clock)
    before = DayStore().path(D2).read_bytes()
    api.days[D2] = [dict(e, numComments=99) for e in fixture_day(D2)]
    api.page_size = 5

    def interrupt(event):
        if event.kind == "page" and event.day == D2 and event.page == 1:
            raise KeyboardInterrupt

    report = run(api, [D1, D2], clock, on_event=interrupt)
    assert report.interrupted
    assert [d.status for d in report.days] == ["written", "interrupted"]
    assert stored(D1) == fixture_day(D1)
    assert DayStore().path(D2).read_bytes() == before  # the half-fetched day left as it was
    leftovers = [n for n in os.listdir(DayStore().folder) if n.endswith(".tmp")]
    assert leftovers == []


def test_a_day_failing_on_a_later_page_writes_nothing(api, clock):
    api.page_size = 5
    api.fail(D2, 2, status(200, "not json"))
    report = run(api, [D2], clock)
    assert report.days[0].status == "error" and stored(D2) is None


def test_stop_event_ends_a_wait_at_once(api):
    stop = threading.Event()
    clock = SystemClock(stop)
    api.fail(D2, 0, status(429, Retry_After="500"))

    def on_event(event):
        if event.kind == "wait":
            stop.set()

    client = ApiClient(api.url, clock=clock)
    with client:
        report = fetch_days([dt.date.fromisoformat(D2)], endpoint=api.url, client=client,
                            on_event=on_event)
    assert report.interrupted and report.days[0].status == "interrupted"
    with pytest.raises(Stopped):
        clock.sleep(5)


def test_refetching_counts_new_and_updated_papers_and_leaves_unchanged_files_alone(api, clock):
    entries = fixture_day(D2)
    api.days[D2] = entries[:10]
    run(api, [D2], clock)
    path = DayStore().path(D2)
    os.utime(path, (1_000_000, 1_000_000))
    report = run(api, [D2], clock)
    assert report.days[0].status == "unchanged" and path.stat().st_mtime == 1_000_000
    changed = [dict(e, paper=dict(e["paper"], upvotes=e["paper"]["upvotes"] + 1))
               for e in entries[:3]] + entries[3:]
    api.days[D2] = changed
    report = run(api, [D2], clock)
    assert (report.days[0].status, report.new, report.updated) == ("written", 6, 3)
    assert stored(D2) == changed


def test_files_and_folders_are_private(api, clock):
    run(api, [D1, "2025-10-05"], clock)
    store = DayStore()
    for path, mode in ((store.folder, 0o700), (store.folder.parent, 0o700),
                       (store.path(D1), 0o600), (store.folder / ".fetched-empty", 0o600)):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


# -- connection trouble ---------------------------------------------------------------------------

def test_connection_refused_stops_the_run(clock):
    client = ApiClient("http://127.0.0.1:9", clock=clock, timeout=2)
    with client:
        report = fetch_days([dt.date(2025, 10, 5), dt.date(2025, 10, 6)],
                            endpoint="http://127.0.0.1:9", client=client)
    assert [d.status for d in report.days] == ["error", "skipped"]
    assert report.days[0].problem == "cannot connect to 127.0.0.1: connection refused"


@pytest.mark.parametrize("exc, problem", [
    (httpx.ProxyError("407 Proxy Authentication Required"),
     "proxy error (407 Proxy Authentication Required)"),
    (httpx.ConnectError("[Errno -2] Name or service not known"),
     "cannot resolve host hf.example (DNS lookup failed; offline?)"),
    (httpx.ConnectError("[Errno 101] Network is unreachable"),
     "cannot connect to hf.example: network is unreachable (offline?)"),
])
def test_connection_errors_are_one_line_and_fatal(exc, problem, clock):
    def raise_it(request):
        raise exc

    client = ApiClient("https://hf.example", clock=clock, transport=httpx.MockTransport(raise_it))
    with client, pytest.raises(FetchProblem) as info:
        client.get_page(D1, 0)
    assert str(info.value) == problem and info.value.fatal and "\n" not in problem


def test_dns_messages_are_recognised():
    assert _connect_problem(OSError("[Errno -3] Temporary failure in name resolution"),
                            "h").startswith("cannot resolve host h")


# -- the command ----------------------------------------------------------------------------------

def test_cli_json_report(api, capsys):
    code = main(["fetch", "--date", D2, "--endpoint", api.url, "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    report = json.loads(out)
    assert set(report) == {"endpoint", "days", "papers", "errors", "requests", "interrupted"}
    assert report["papers"] == {"new": 16, "updated": 0, "total": 16}
    assert report["errors"] == [] and report["interrupted"] is False
    day = report["days"][0]
    assert day["date"] == D2 and day["status"] == "written" and day["papers"] == 16
    assert day["file"] == str(DayStore().path(D2))


def test_cli_uses_the_environment_endpoint_and_prints_one_summary_line(api, capsys, monkeypatch):
    monkeypatch.setenv("PAPERTERM_HF_ENDPOINT", api.url + "/")
    code = main(["fetch", "--since", "2024-06-02", "--until", D1])
    out, err = capsys.readouterr()
    assert code == 0 and out == ""
    assert err == ("paperterm: fetch: 2 days (1 empty, 1 written), 6 papers: 6 new, 0 updated; "
                   "3 requests\n")


def test_cli_errors_are_one_line_per_day_and_exit_1(api, capsys):
    api.fail(D1, 0, status(200, "<html>"))
    code = main(["fetch", "--since", D1, "--until", "2024-06-04", "--endpoint", api.url])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == 1
    assert lines[0].startswith(f"paperterm: fetch: {D1}: page 0 from 127.0.0.1 is not JSON")
    assert lines[1].startswith("paperterm: fetch: 1 day (1 empty)")


def test_cli_default_run_goes_from_the_newest_fetched_day_to_today(api, capsys, monkeypatch):
    from paperterm.fetch import run as run_module

    monkeypatch.setattr(run_module, "utc_today", lambda: dt.date(2024, 6, 5))
    monkeypatch.setattr("paperterm.fetch.utc_today", lambda: dt.date(2024, 6, 5))
    assert main(["fetch", "--endpoint", api.url]) == 0  # first run: yesterday and today
    assert [d for d, p, _, _ in api.log] == ["2024-06-04", "2024-06-05"]
    api.log.clear()
    assert main(["fetch", "--date", "2024-06-01", "--endpoint", api.url]) == 0
    api.log.clear()
    monkeypatch.setattr("paperterm.fetch.utc_today", lambda: dt.date(2024, 6, 8))
    assert main(["fetch", "--endpoint", api.url]) == 0  # from the newest fetched (06-05)
    assert sorted({d for d, _, _, _ in api.log}) == [
        "2024-06-05", "2024-06-06", "2024-06-07", "2024-06-08"]


@pytest.mark.parametrize("argv, message", [
    (["--date", "2999-01-01"], "fetch: --date 2999-01-01 is after today"),
    (["--until", "2024-01-01"], "fetch: --until needs --since"),
    (["--since", "2024-02-01", "--until", "2024-01-01"],
     "fetch: --until 2024-01-01 is before --since 2024-02-01"),
    (["--days", "0"], "fetch: --days must be at least 1"),
    (["--date", "yesterday"], "'yesterday' is not a date (YYYY-MM-DD)"),
    (["--date", "2024-01-01", "--days", "3"], "not allowed with argument"),
    (["--endpoint", "ftp://x"], "--endpoint: 'ftp://x' is not an http:// or https:// URL"),
])
def test_cli_usage_errors(argv, message, capsys):
    assert main(["fetch", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_bad_environment_endpoint_is_named(capsys, monkeypatch):
    monkeypatch.setenv("PAPERTERM_HF_ENDPOINT", "huggingface.co")
    assert main(["fetch"]) == 2
    assert "PAPERTERM_HF_ENDPOINT: 'huggingface.co' is not an http:// or https:// URL" in \
        capsys.readouterr().err


def test_cli_interrupt_exits_130_and_keeps_complete_days(api, capsys, monkeypatch):
    from paperterm.fetch import run as run_module

    real = run_module.fetch_day

    def fetch_day(client, day, progress):
        if day == D2:
            raise KeyboardInterrupt
        return real(client, day, progress)

    monkeypatch.setattr(run_module, "fetch_day", fetch_day)
    code = main(["fetch", "--since", D1, "--until", "2024-06-04", "--endpoint", api.url])
    assert code == 0
    code = main(["fetch", "--date", D2, "--endpoint", api.url])
    err = capsys.readouterr().err
    assert code == 130
    assert "paperterm: fetch: interrupted; 0 complete days kept" in err
    assert stored(D1) == fixture_day(D1) and stored(D2) is None


def test_a_run_leaves_its_request_times_for_the_next(api, capsys):
    from paperterm import locations
    from paperterm.fetch.run import BUDGET_FILE

    assert main(["fetch", "--date", D1, "--endpoint", api.url]) == 0
    times = json.loads((locations.cache_dir() / BUDGET_FILE).read_text())
    assert len(times) == 2
    assert main(["fetch", "--date", D1, "--endpoint", api.url]) == 0
    assert len(json.loads((locations.cache_dir() / BUDGET_FILE).read_text())) == 4


def test_fetched_days_are_read_by_default(api, capsys):
    assert main(["fetch", "--date", D2, "--endpoint", api.url]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    fetched = {e["paper"]["id"] for e in fixture_day(D2)}
    assert fetched <= {r.get("arxiv_id") for r in records}


def test_cli_draws_a_progress_bar_on_a_terminal(api, capsys, monkeypatch):
    import sys

    api.fail(D1, 0, status(429, Retry_After="0"))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["fetch", "--since", D1, "--until", "2024-06-04", "--endpoint", api.url]) == 0
    err = capsys.readouterr().err
    assert "2/2" in err and "days" in err  # the bar's last state
    assert err.rstrip().endswith("paperterm: fetch: 2 days (1 written, 1 empty), 6 papers: "
                                 "6 new, 0 updated; 4 requests")
