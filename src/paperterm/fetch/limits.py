"""How fast paperterm may ask: a client-side request budget and the server's own rate-limit hints.

Hugging Face allows anonymous API clients 500 requests per 5-minute window. ``RequestBudget`` keeps
paperterm inside that on its own: it remembers when each of the last ``limit`` requests was sent and,
before a new one, waits until the oldest of them has left the window (a sliding log: exact, and at
most ``limit`` floats of memory). A server can say more, and it wins when it is stricter:

- ``Retry-After`` (on 429 and 503): seconds, or an HTTP date;
- ``RateLimit`` in the IETF draft's structured form, as the Hub sends it
  (``"api";r=0;t=42``: 0 requests remaining, the window resets in 42 s), or the older
  ``RateLimit: limit=500, remaining=0, reset=42``;
- ``RateLimit-Remaining`` / ``RateLimit-Reset`` (and their ``X-`` forms);
- ``RateLimit-Policy`` (``"fixed window";"api";q=500;w=300``): a smaller quota than ours shrinks the
  budget for the rest of the run.

The budget outlives one run: ``sent_at``/``restore`` turn the times of recent requests into wall-clock
times and back, so ``paperterm fetch`` run twice in a row (or with the reader's ``F``) still counts
the first run's requests (``paperterm.fetch.run`` keeps them in the cache directory).

Everything here is pure apart from the clock it is given, so tests run it on a fake clock.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: The Hub's documented anonymous quota for API calls.
DEFAULT_LIMIT = 500
DEFAULT_WINDOW = 300.0

_PARAM = re.compile(r"(?:^|[;,\s])([A-Za-z][\w-]*)\s*=\s*\"?([0-9]+(?:\.[0-9]+)?)\"?")


class RequestBudget:
    """At most ``limit`` requests in any ``window`` seconds.

    ``delay(now)`` says how long to wait before the next request may go; ``spent(now)`` records one
    that went. A ``hold_until`` set from a server hint (no requests remaining until the reset) also
    delays every request until then.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a request budget needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = float(window)
        self._sent: deque[float] = deque()
        self.hold_until = 0.0

    def delay(self, now: float) -> float:
        """Seconds to wait before another request may be sent (0 when it may go now)."""
        while self._sent and now - self._sent[0] >= self.window:
            self._sent.popleft()
        wait = 0.0
        if len(self._sent) >= self.limit:
            # the request that must leave the window before this one may go
            wait = self._sent[len(self._sent) - self.limit] + self.window - now
        return max(wait, self.hold_until - now, 0.0)

    def spent(self, now: float) -> None:
        self._sent.append(now)
        while len(self._sent) > self.limit:
            self._sent.popleft()

    def shrink(self, limit: int, window: float) -> None:
        """Adopt a server's stricter policy (a lower rate; never a looser one)."""
        if limit >= 1 and window > 0 and limit / window < self.limit / self.window:
            self.limit, self.window = limit, float(window)

    def hold(self, until: float) -> None:
        self.hold_until = max(self.hold_until, until)

    def sent_at(self, *, mono: float, wall: float) -> list[float]:
        """The wall-clock times (epoch seconds) of the requests still inside the window, given
        the same instant on both clocks."""
        return [wall - (mono - t) for t in self._sent if mono - t < self.window]

    def restore(self, times: list[float], *, mono: float, wall: float) -> None:
        """Count requests sent earlier (wall-clock ``times``, e.g. by an earlier run) as spent.
        Times in the future (a clock set back) count as sent now."""
        recent = sorted(min(wall, t) for t in times if isinstance(t, (int, float))
                        and wall - t < self.window)
        for t in recent[-self.limit:]:
            self._sent.append(mono - (wall - t))
        while len(self._sent) > self.limit:
            self._sent.popleft()


@dataclass(frozen=True, slots=True)
class RateHint:
    """What a response's headers say about pacing. ``None`` where a header said nothing."""

    retry_after: float | None = None  # seconds to wait before retrying (Retry-After)
    remaining: int | None = None  # requests left in the server's window
    reset: float | None = None  # seconds until the server's window resets
    quota: int | None = None  # requests allowed per window (RateLimit-Policy)
    window: float | None = None  # that window, in seconds

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


def parse_retry_after(value: str | None, *, utcnow: Callable[[], dt.datetime] | None = None
                      ) -> float | None:
    """Seconds from a ``Retry-After`` value (delta-seconds or an HTTP date); ``None`` if absent or
    unreadable. A date in the past means 0."""
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now = (utcnow or (lambda: dt.datetime.now(dt.timezone.utc)))()
    return max((when - now).total_seconds(), 0.0)


def _params(value: str | None) -> dict[str, float]:
    if not value:
        return {}
    return {key.lower(): float(number) for key, number in _PARAM.findall(value)}


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def parse_rate_hint(headers: Mapping[str, str], *,
                    utcnow: Callable[[], dt.datetime] | None = None) -> RateHint:
    """Read every rate-limit header form in ``headers`` (case-insensitive mapping) into one hint."""
    get = headers.get
    combined = _params(get("ratelimit"))
    remaining = combined.get("r", combined.get("remaining"))
    reset = combined.get("t", combined.get("reset"))
    for prefix in ("ratelimit-", "x-ratelimit-"):
        if remaining is None:
            remaining = _number(get(prefix + "remaining"))
        if reset is None:
            reset = _number(get(prefix + "reset"))
    if reset is not None and reset > 10**9:  # an epoch timestamp (some X-RateLimit-Reset forms)
        now = (utcnow or (lambda: dt.datetime.now(dt.timezone.utc)))().timestamp()
        reset = max(reset - now, 0.0)
    policy = _params(get("ratelimit-policy"))
    quota = policy.get("q")
    window = policy.get("w")
    if quota is None and "limit" in combined:
        quota = combined["limit"]
    return RateHint(
        retry_after=parse_retry_after(get("retry-after"), utcnow=utcnow),
        remaining=None if remaining is None else int(remaining),
        reset=reset,
        quota=None if quota is None else int(quota),
        window=window,
    )
