"""A scripted Daily Papers API on a real 127.0.0.1 server, and a clock that never really sleeps."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

from werkzeug import Request, Response

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hf_api"


def fixture_day(day: str) -> list[dict]:
    return json.loads((FIXTURES / f"{day}.json").read_text(encoding="utf-8"))


class FakeClock:
    """Monotonic time that advances only when slept; every sleep is recorded."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.t += seconds


class FakeApi:
    """Serves ``/api/daily_papers`` from ``days`` (day -> entries) in pages of at most
    ``page_size`` (the server's cap, whatever ``limit`` asks), after any scripted faults queued for
    a ``(day, page)``. Every request is logged as ``(day, page, limit, user agent)``."""

    def __init__(self, server, days: dict[str, list] | None = None, page_size: int = 100) -> None:
        self.server = server
        self.days = dict(days or {})
        self.page_size = page_size
        self.faults: dict[tuple[str, int], deque] = defaultdict(deque)
        self.log: list[tuple[str, int, int, str]] = []
        self.lock = threading.Lock()
        server.expect_request("/api/daily_papers").respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def fail(self, day: str, page: int, *responses) -> None:
        """Queue responses served (one per request) before the real page. A response is a
        werkzeug ``Response`` or a callable returning one, or ``None`` to serve the real page after
        it (e.g. one that sleeps first)."""
        self.faults[(day, page)].extend(responses)

    def handle(self, request: Request) -> Response:
        day = request.args.get("date", "")
        page = int(request.args.get("p", "0"))
        limit = int(request.args.get("limit", "100"))
        with self.lock:
            self.log.append((day, page, limit, request.headers.get("User-Agent", "")))
            queued = self.faults.get((day, page))
            fault = queued.popleft() if queued else None
        if isinstance(fault, Response):
            return fault
        if fault is not None:
            response = fault()
            if response is not None:
                return response
        size = min(limit, self.page_size)
        entries = self.days.get(day, [])[page * size:(page + 1) * size]
        return Response(json.dumps(entries), status=200, content_type="application/json")


def status(code: int, body: str = "", **headers) -> Response:
    return Response(body, status=code, headers={k.replace("_", "-"): v for k, v in headers.items()})


def slow(seconds: float, then: Response | None = None):
    """A fault that answers late: with ``then``, or else with the real page."""
    def respond() -> Response | None:
        time.sleep(seconds)
        return then
    return respond
