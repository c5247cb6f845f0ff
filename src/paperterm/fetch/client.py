"""One HTTP GET of one page of the Daily Papers API, with retries: the only code that talks to the
network.

``ApiClient.get_page(day, page)`` asks ``{endpoint}/api/daily_papers?date=D&limit=100&p=K`` and
returns the decoded JSON array, or raises ``FetchProblem`` with a one-line reason. What is retried,
and how long it waits:

- timeouts (connect, read, write, pool), a connection dropped mid-response, HTTP 429 and 5xx are
  retried, up to ``max_attempts`` tries in all;
- the wait before a retry is what the server asked for (``Retry-After``, or the reset time of an
  exhausted ``RateLimit``), else an exponential backoff (1, 2, 4, 8 ... s, at most 60 s);
- a server that asks for more than ``max_wait`` seconds is not waited for: that is an error;
- every request, first or retry, first waits for the ``RequestBudget`` (500 per 5 minutes, or the
  server's stricter policy).

Not retried, because trying again cannot help: a host name that does not resolve, a refused or
unreachable connection, a proxy error, an invalid URL, TLS failures, any other 4xx, and a body that
is not JSON. Those marked ``fatal`` concern the connection itself, so the caller stops the whole run
instead of failing the same way for every remaining day.

Time is injected: ``clock.now()`` and ``clock.sleep(seconds)`` (``SystemClock`` by default; its
sleep ends early, raising ``Stopped``, when its ``stop`` event is set), so tests of retries and rate
limits take no real time, and a background fetch can be cancelled at once.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Protocol

import httpx

from paperterm import __version__
from paperterm.fetch.limits import RequestBudget, parse_rate_hint

DEFAULT_ENDPOINT = "https://huggingface.co"
PAGE_LIMIT = 100
USER_AGENT = f"paperterm/{__version__} (terminal reader for Daily Papers; httpx/{httpx.__version__})"
#: connect / read / write / pool timeouts, in seconds
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_ATTEMPTS = 5
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
#: A server asking to wait longer than this (in one go) is reported instead of waited for.
MAX_WAIT = 600.0
#: A page body larger than this is refused (a real page of 100 papers is well under 1 MB).
MAX_BODY_BYTES = 32 * 2**20

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


class Stopped(Exception):
    """The fetch was asked to stop (the reader cancelled it)."""


class FetchProblem(Exception):
    """A page that could not be fetched. ``str()`` is one line; ``fatal`` means the connection
    itself is the trouble (stop the run), otherwise only this day failed."""

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real monotonic clock; ``sleep`` raises ``Stopped`` as soon as ``stop`` is set."""

    def __init__(self, stop: threading.Event | None = None) -> None:
        self.stop = stop or threading.Event()

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if self.stop.wait(max(seconds, 0.0)):
            raise Stopped()

    def check(self) -> None:
        if self.stop.is_set():
            raise Stopped()


def shown(text: object, limit: int = 120) -> str:
    """Server- or OS-provided text made safe for one terminal line: control and bidi characters
    become spaces, and it is cut to ``limit`` characters."""
    flat = _CONTROL.sub(" ", str(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _connect_problem(exc: Exception, host: str) -> str:
    text = str(exc)
    low = text.lower()
    if any(s in low for s in ("name or service not known", "nodename nor servname",
                              "temporary failure in name resolution", "getaddrinfo failed",
                              "no address associated", "name resolution", "[errno -2]",
                              "[errno -3]", "[errno -5]", "[errno 11001]")):
        return f"cannot resolve host {host} (DNS lookup failed; offline?)"
    if "refused" in low:
        return f"cannot connect to {host}: connection refused"
    if "unreachable" in low:
        return f"cannot connect to {host}: network is unreachable (offline?)"
    if "certificate" in low or "ssl" in low or "tls" in low:
        return f"cannot connect to {host}: TLS error ({shown(text, 80)})"
    return f"cannot connect to {host} ({shown(text, 80) or type(exc).__name__})"


class ApiClient:
    """Fetches pages of the Daily Papers API over one pooled connection. Use as a context manager
    (or call ``close``)."""

    def __init__(self, endpoint: str = DEFAULT_ENDPOINT, *, clock: Clock | None = None,
                 budget: RequestBudget | None = None, timeout: httpx.Timeout | float = TIMEOUT,
                 max_attempts: int = MAX_ATTEMPTS, max_wait: float = MAX_WAIT,
                 on_wait: Callable[[float, str], None] | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.clock = clock or SystemClock()
        self.budget = budget or RequestBudget()
        self.max_attempts = max(1, max_attempts)
        self.max_wait = max_wait
        self.on_wait = on_wait
        self.requests = 0
        self.host = httpx.URL(self.endpoint).host or self.endpoint
        self._http = httpx.Client(
            timeout=timeout, transport=transport, follow_redirects=True, max_redirects=5,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _sleep(self, seconds: float, reason: str) -> None:
        if seconds <= 0:
            return
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self.clock.sleep(seconds)

    def _check_stop(self) -> None:
        check = getattr(self.clock, "check", None)
        if check is not None:
            check()

    def get_page(self, day: str, page: int) -> object:
        """The decoded JSON of one page (any JSON value; the caller checks its shape)."""
        url = f"{self.endpoint}/api/daily_papers"
        params = {"date": day, "limit": str(PAGE_LIMIT), "p": str(page)}
        attempt = 0
        while True:
            attempt += 1
            self._check_stop()
            self._sleep(self.budget.delay(self.clock.now()), "rate limit")
            self.budget.spent(self.clock.now())
            self.requests += 1
            try:
                status, headers, body = self._get(url, params)
            except httpx.TimeoutException as exc:
                problem, server_wait = self._timeout_problem(exc), None
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                problem = f"connection to {self.host} dropped ({shown(exc, 60) or 'no reason'})"
                server_wait = None
            except httpx.ProxyError as exc:
                raise FetchProblem(f"proxy error ({shown(exc, 80) or 'no reason given'})",
                                   fatal=True) from None
            except httpx.ConnectError as exc:
                raise FetchProblem(_connect_problem(exc, self.host), fatal=True) from None
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise FetchProblem(f"bad endpoint {shown(self.endpoint)} ({shown(exc, 60)})",
                                   fatal=True) from None
            except httpx.TooManyRedirects:
                raise FetchProblem(f"too many redirects from {self.host}", fatal=True) from None
            except httpx.HTTPError as exc:
                raise FetchProblem(f"request failed ({type(exc).__name__}: {shown(exc, 80)})",
                                   fatal=True) from None
            else:
                hint = parse_rate_hint(headers)
                now = self.clock.now()
                if hint.quota is not None and hint.window is not None:
                    self.budget.shrink(hint.quota, hint.window)
                if hint.exhausted and hint.reset is not None:
                    self.budget.hold(now + hint.reset)
                if status == 200:
                    return self._decode(body, page)
                server_wait = hint.retry_after
                if server_wait is None and hint.exhausted and hint.reset is not None:
                    server_wait = hint.reset
                reason = httpx.codes.get_reason_phrase(status) or "error"
                problem = f"HTTP {status} {reason} from {self.host}"
                if status == 429:
                    problem = f"rate limited by {self.host} (HTTP 429)"
                elif not 500 <= status <= 599:
                    detail = _error_detail(body)
                    raise FetchProblem(problem + (f": {detail}" if detail else ""),
                                       fatal=status in (401, 403, 407)) from None
            if attempt >= self.max_attempts:
                raise FetchProblem(f"{problem}; gave up after {attempt} tries", fatal=True)
            wait = server_wait if server_wait is not None else \
                min(BACKOFF_FIRST * 2 ** (attempt - 1), BACKOFF_MAX)
            if wait > self.max_wait:
                raise FetchProblem(f"{problem}; the server asks to wait {wait:,.0f} s, "
                                   f"longer than {self.max_wait:,.0f} s: try again later",
                                   fatal=True)
            self._sleep(wait, f"retry {attempt}/{self.max_attempts - 1} after {problem}")

    def _timeout_problem(self, exc: httpx.TimeoutException) -> str:
        what = {httpx.ConnectTimeout: "connecting to", httpx.ReadTimeout: "waiting for",
                httpx.WriteTimeout: "sending to", httpx.PoolTimeout: "waiting for a connection to"}
        return f"timed out {what.get(type(exc), 'talking to')} {self.host}"

    def _get(self, url: str, params: dict[str, str]) -> tuple[int, httpx.Headers, bytes]:
        with self._http.stream("GET", url, params=params) as response:
            chunks = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise FetchProblem(f"response from {self.host} is over "
                                       f"{MAX_BODY_BYTES // 2**20} MiB; not a page of papers")
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)

    def _decode(self, body: bytes, page: int) -> object:
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            what = "not JSON" if not isinstance(exc, json.JSONDecodeError) else \
                f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            raise FetchProblem(f"page {page} from {self.host} is {what}") from None


def _error_detail(body: bytes) -> str:
    """The server's own error message (``{"error": "..."}``), made safe and short, if it sent one."""
    try:
        data = json.loads(body[:65536])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return ""
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return shown(data["error"], 100)
    return ""
