"""Which days to fetch, and fetching them: every page of a day, then the day file, day after day.

``plan_days`` turns the command's options into a list of days (pure). ``fetch_days`` fetches them in
order, oldest first, so an interrupted run that is simply started again carries on where it stopped:
with no options, ``paperterm fetch`` starts from the newest day already fetched.

A day is complete when a page comes back empty (``p=0, 1, ...``): a server may cap the page size
below the ``limit`` asked for, so a short page proves nothing. Only then is the day saved; an error
or an interruption on any page leaves that day's stored file exactly as it was. A day's own
trouble (a 404, a body that is not the expected JSON) is reported and the run goes on with the next
day; trouble with the connection (no network, DNS, proxy, retries exhausted) ends the run, since
every remaining day would fail the same way.

Progress is reported through ``on_event(FetchEvent)``: a day starts, a page arrived, a wait (rate
limit or retry backoff) begins, a day is done. The CLI draws a bar from it, the reader a status line.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from paperterm import locations
from paperterm.fetch.client import ApiClient, Clock, FetchProblem, Stopped, SystemClock
from paperterm.fetch.limits import RequestBudget
from paperterm.fetch.store import DayStore, entry_key

#: A day with more pages than this is taken as a server that never ends its paging.
MAX_PAGES = 50
#: Where the times of recent requests are kept between runs (in the cache directory).
BUDGET_FILE = "fetch-requests.json"


def _budget_path():
    return locations.cache_dir() / BUDGET_FILE


def load_budget(clock: Clock) -> RequestBudget:
    """A fresh budget that counts the requests earlier runs sent within the window."""
    budget = RequestBudget()
    try:
        times = json.loads(_budget_path().read_bytes())
    except (OSError, ValueError, RecursionError):
        return budget
    if isinstance(times, list):
        budget.restore(times, mono=clock.now(), wall=time.time())
    return budget


def save_budget(budget: RequestBudget, clock: Clock) -> None:
    """Keep the times of this window's requests for the next run (best effort: a cache)."""
    from paperterm.listings import write_private

    times = budget.sent_at(mono=clock.now(), wall=time.time())
    try:
        write_private(_budget_path(), json.dumps([round(t, 3) for t in times]).encode("ascii"))
    except OSError:
        pass


def utc_today() -> dt.date:
    """Today on Hugging Face's calendar (UTC), which names the daily listings."""
    return dt.datetime.now(dt.timezone.utc).date()


def day_range(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def plan_days(*, today: dt.date, date: dt.date | None = None, since: dt.date | None = None,
              until: dt.date | None = None, days: int | None = None,
              newest_fetched: str | None = None) -> list[dt.date]:
    """The days to fetch, oldest first. ``ValueError`` (a one-line reason) for options that make no
    sense: a day after today, ``--until`` before ``--since``, ``--days`` below 1.

    With no option: from the newest day already fetched (or yesterday, on a first run) to today;
    today and yesterday always, as their listings still grow.
    """
    for name, value in (("--date", date), ("--since", since), ("--until", until)):
        if value is not None and value > today:
            raise ValueError(f"{name} {value.isoformat()} is after today ({today.isoformat()}, UTC)")
    if date is not None:
        return [date]
    if since is not None:
        last = until or today
        if last < since:
            raise ValueError(f"--until {last.isoformat()} is before --since {since.isoformat()}")
        return day_range(since, last)
    if until is not None:
        raise ValueError("--until needs --since")
    if days is not None:
        if days < 1:
            raise ValueError("--days must be at least 1")
        return day_range(today - dt.timedelta(days=days - 1), today)
    first = today - dt.timedelta(days=1)
    if newest_fetched is not None:
        try:
            newest = dt.date.fromisoformat(newest_fetched)
        except ValueError:
            newest = first
        first = min(first, newest)
    return day_range(first, today)


@dataclass(slots=True)
class DayResult:
    """One day's outcome. ``status``: ``written``, ``unchanged``, ``empty`` (no papers that day),
    ``kept`` (came back empty, the earlier file stays), ``error``, ``interrupted`` or ``skipped``
    (not reached: the run stopped before it)."""

    date: str
    status: str = "skipped"
    papers: int = 0
    new: int = 0
    updated: int = 0
    pages: int = 0
    file: str | None = None
    problem: str | None = None


@dataclass(slots=True)
class FetchReport:
    days: list[DayResult]
    endpoint: str
    requests: int = 0
    interrupted: bool = False

    @property
    def errors(self) -> list[DayResult]:
        return [d for d in self.days if d.status == "error"]

    @property
    def new(self) -> int:
        return sum(d.new for d in self.days)

    @property
    def updated(self) -> int:
        return sum(d.updated for d in self.days)

    @property
    def fetched(self) -> list[DayResult]:
        return [d for d in self.days if d.status in ("written", "unchanged", "empty", "kept")]

    def to_json(self) -> dict:
        """The ``paperterm fetch --json`` object (keys documented in the README)."""
        return {
            "endpoint": self.endpoint,
            "days": [asdict(d) for d in self.days],
            "papers": {"new": self.new, "updated": self.updated,
                       "total": sum(d.papers for d in self.days)},
            "errors": [{"date": d.date, "problem": d.problem} for d in self.errors],
            "requests": self.requests,
            "interrupted": self.interrupted,
        }


@dataclass(frozen=True, slots=True)
class FetchEvent:
    """``kind``: ``day`` (a day starts), ``page`` (a page arrived), ``wait`` (sleeping ``seconds``
    for ``reason``), ``done`` (``result`` holds the day's outcome)."""

    kind: str
    index: int  # 0-based position of the day in the run
    total: int  # days in the run
    day: str
    page: int = 0
    papers: int = 0  # the day's papers so far
    seconds: float = 0.0
    reason: str = ""
    result: DayResult | None = field(default=None)


def _page_entries(data: object, page: int) -> list[object]:
    if isinstance(data, dict):
        hint = f" (the server says: {data['error']})" if isinstance(data.get("error"), str) else ""
        raise FetchProblem(f"page {page} is a JSON object, not the expected array of papers"
                           + hint[:140])
    if not isinstance(data, list):
        raise FetchProblem(f"page {page} is JSON {type(data).__name__}, not the expected array "
                           "of papers")
    for n, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            raise FetchProblem(f"page {page}: entry {n} is not a JSON object")
    return data


def fetch_day(client: ApiClient, day: str, progress: Callable[[int, int], None]) -> tuple[list, int]:
    """All entries of one day and the number of non-empty pages; ``FetchProblem`` otherwise."""
    entries: list[object] = []
    seen: set[str] = set()
    for page in range(MAX_PAGES + 1):
        items = _page_entries(client.get_page(day, page), page)
        if not items:
            return entries, page
        fresh = 0
        for entry in items:
            key = entry_key(entry)
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            entries.append(entry)
            fresh += 1
        if not fresh:
            raise FetchProblem(f"page {page} repeats earlier papers only; the server seems to "
                               "ignore paging")
        progress(page, len(entries))
    raise FetchProblem(f"more than {MAX_PAGES} pages; the server never sent an empty page")


def fetch_days(days: Sequence[dt.date], *, endpoint: str, store: DayStore | None = None,
               clock: Clock | None = None, budget: RequestBudget | None = None,
               on_event: Callable[[FetchEvent], None] | None = None,
               client: ApiClient | None = None) -> FetchReport:
    """Fetch ``days`` in order and save each complete one. Never raises for network trouble (it is
    in the report); a ``KeyboardInterrupt`` or ``Stopped`` ends the run with ``interrupted`` set
    and every complete day kept."""
    store = store or DayStore()
    emit = on_event or (lambda event: None)
    results = [DayResult(d.isoformat()) for d in days]
    report = FetchReport(results, endpoint.rstrip("/"))
    current = {"index": 0}

    def on_wait(seconds: float, reason: str) -> None:
        i = current["index"]
        emit(FetchEvent("wait", i, len(days), results[i].date, seconds=seconds, reason=reason))

    own = client is None
    persist = own and budget is None  # the shared budget of every run on this machine
    if client is None:
        clock = clock or SystemClock()
        budget = budget or load_budget(clock)
        client = ApiClient(endpoint, clock=clock, budget=budget, on_wait=on_wait)
    else:
        client.on_wait = on_wait
    try:
        for index, result in enumerate(results):
            current["index"] = index
            day = result.date
            emit(FetchEvent("day", index, len(days), day))

            def progress(page: int, papers: int, index=index, day=day) -> None:
                emit(FetchEvent("page", index, len(days), day, page=page, papers=papers))

            try:
                entries, pages = fetch_day(client, day, progress)
                saved = store.save_day(day, entries)
            except FetchProblem as exc:
                result.status, result.problem = "error", str(exc)
                emit(FetchEvent("done", index, len(days), day, result=result))
                if exc.fatal:
                    break
                continue
            except OSError as exc:
                result.status = "error"
                result.problem = f"cannot save {store.path(day)} ({exc.strerror or exc})"
                emit(FetchEvent("done", index, len(days), day, result=result))
                break
            result.status, result.pages, result.papers = saved.status, pages, len(entries)
            result.new, result.updated = saved.new, saved.updated
            result.file = str(saved.path) if saved.path else None
            emit(FetchEvent("done", index, len(days), day, papers=len(entries), result=result))
    except (KeyboardInterrupt, Stopped):
        report.interrupted = True
        if results and results[current["index"]].status == "skipped":
            results[current["index"]].status = "interrupted"
    finally:
        report.requests = client.requests
        if own:
            client.close()
        if persist and client.requests:
            save_budget(client.budget, client.clock)
    return report
