"""``paperterm fetch``: the Daily Papers listings straight from the Hugging Face API.

The only part of paperterm that talks to the network. One job per module:

- ``client``: one page over HTTP (httpx), with timeouts, retries and backoff; errors as one line;
- ``limits``: the request budget (500 requests per 5 minutes) and the server's rate-limit headers;
- ``store``: the day files in ``<data dir>/listings/hf-daily/`` (atomic, private, never half a day);
- ``run``: which days to fetch, and fetching them with progress events and a report.

Nothing here imports Textual or the library; the day files it writes are read by the API source like
any other listing.
"""

from __future__ import annotations

from paperterm.fetch.client import (DEFAULT_ENDPOINT, ApiClient, FetchProblem, Stopped,
                                    SystemClock)
from paperterm.fetch.limits import RequestBudget
from paperterm.fetch.run import (DayResult, FetchEvent, FetchReport, fetch_days, plan_days,
                                 utc_today)
from paperterm.fetch.store import DayStore, hf_daily_dir

ENDPOINT_ENV = "PAPERTERM_HF_ENDPOINT"


def endpoint_from(option: str | None) -> str:
    """``--endpoint``, else ``$PAPERTERM_HF_ENDPOINT``, else https://huggingface.co."""
    import os

    return (option or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT).rstrip("/")


__all__ = ["DEFAULT_ENDPOINT", "ENDPOINT_ENV", "ApiClient", "DayResult", "DayStore", "FetchEvent",
           "FetchProblem", "FetchReport", "RequestBudget", "Stopped", "SystemClock", "endpoint_from",
           "fetch_days", "hf_daily_dir", "plan_days", "utc_today"]
