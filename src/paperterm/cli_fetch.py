"""``paperterm fetch`` and ``paperterm add``: bringing listings into the user's listings folder.

Kept apart from ``paperterm.cli`` (which registers them) because they are the only commands that
write listings, and ``fetch`` the only one that imports the network code (httpx loads only when it
runs, so every other command starts as fast as before).

Output: ``fetch`` draws a rich progress bar on stderr when stderr is a terminal and ends with one
summary line; piped, only the summary line; with ``--json`` a JSON object on stdout instead of the
summary. Each failed day is one line ``paperterm: fetch: <day>: <problem>`` on stderr and the exit
status is 1; Ctrl-C exits 130 after saying how many days were kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from paperterm.cli_errors import CliError, UsageError
from paperterm.listings import MAX_PAGE_BYTES, SaveError, save_page
from paperterm.safe_text import json_safe, visible


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_parsers(p: dict[str, argparse.ArgumentParser], parser_class) -> None:
    sp = p["fetch"] = parser_class(
        prog="paperterm fetch",
        description="Fetch Daily Papers listings from the Hugging Face API into "
                    "<data dir>/listings/hf-daily/. With no option: from the newest day already "
                    "fetched (today on a first run) to today; today and yesterday are always "
                    "fetched again. Days are UTC, as on Hugging Face.")
    when = sp.add_mutually_exclusive_group()
    when.add_argument("--date", type=iso_date, metavar="D", help="fetch one day (YYYY-MM-DD)")
    when.add_argument("--since", type=iso_date, metavar="D",
                      help="fetch every day from D (to --until, default today)")
    when.add_argument("--days", type=int, metavar="N", help="fetch the last N days, today included")
    sp.add_argument("--until", type=iso_date, metavar="D", help="last day for --since")
    sp.add_argument("--endpoint", metavar="URL",
                    help="API server (default $PAPERTERM_HF_ENDPOINT, else https://huggingface.co)")
    sp.add_argument("--json", action="store_true",
                    help="print a JSON report on stdout (days, papers new/updated, errors)")
    sp.set_defaults(func=cmd_fetch)

    sp = p["add"] = parser_class(
        prog="paperterm add",
        description="Save a Daily Papers page's text (copied from a browser) as "
                    "<data dir>/listings/YYYY-MM-DD.txt. Reads FILE, or stdin: paste, then Ctrl-D.")
    sp.add_argument("file", metavar="FILE", nargs="?", default="-",
                    help="the page's text ('-' or nothing for stdin)")
    sp.add_argument("--date", type=iso_date, metavar="D",
                    help="the day the page belongs to (default today)")
    sp.set_defaults(func=cmd_add)


# -- fetch ---------------------------------------------------------------------------------------

def _check_endpoint(url: str, where: str) -> str:
    import httpx

    try:
        parsed = httpx.URL(url)
    except Exception:  # httpx.InvalidURL and friends: any failure means "not a URL"
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"{where}: {url!r} is not an http:// or https:// URL")
    return url.rstrip("/")


class _Bar:
    """The rich progress bar on a terminal (stderr): one step per day."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                                   TextColumn, TimeElapsedColumn)

        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            MofNCompleteColumn(), TextColumn("days"), TimeElapsedColumn(),
            console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("starting", total=total)

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def __call__(self, event) -> None:
        from rich.markup import escape

        if event.kind == "day":
            self.progress.update(self.task, description=f"{event.day}")
        elif event.kind == "page":
            self.progress.update(self.task, description=f"{event.day}  {event.papers} papers")
        elif event.kind == "wait":
            self.progress.update(self.task, description=escape(
                f"{event.day}  waiting {event.seconds:,.0f} s ({event.reason})"))
        elif event.kind == "done":
            self.progress.update(self.task, advance=1, description=f"{event.day}  done")


def summary_line(report) -> str:
    days = report.fetched
    statuses: dict[str, int] = {}
    for d in days:
        statuses[d.status] = statuses.get(d.status, 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in statuses.items())
    papers = sum(d.papers for d in days)
    line = (f"{len(days)} day{'s' if len(days) != 1 else ''}"
            + (f" ({parts})" if parts else "")
            + f", {papers} paper{'s' if papers != 1 else ''}: {report.new} new, "
              f"{report.updated} updated; {report.requests} request"
            + ("s" if report.requests != 1 else ""))
    if report.errors:
        line += f"; {len(report.errors)} failed"
    skipped = sum(1 for d in report.days if d.status in ("skipped", "interrupted"))
    if skipped:
        line += f"; {skipped} not fetched"
    return line


def cmd_fetch(args) -> int:
    from paperterm import fetch

    if args.endpoint:
        endpoint = _check_endpoint(args.endpoint, "--endpoint")
    elif os.environ.get(fetch.ENDPOINT_ENV):
        endpoint = _check_endpoint(os.environ[fetch.ENDPOINT_ENV], fetch.ENDPOINT_ENV)
    else:
        endpoint = fetch.DEFAULT_ENDPOINT
    store = fetch.DayStore()
    try:
        days = fetch.plan_days(today=fetch.utc_today(), date=args.date, since=args.since,
                               until=args.until, days=args.days,
                               newest_fetched=store.newest_fetched())
    except ValueError as exc:
        raise UsageError(f"fetch: {exc}") from None
    use_bar = sys.stderr.isatty()
    if use_bar:
        with _Bar(len(days)) as bar:
            report = fetch.fetch_days(days, endpoint=endpoint, store=store, on_event=bar)
    else:
        report = fetch.fetch_days(days, endpoint=endpoint, store=store)
    for day in report.errors:
        print(visible(f"paperterm: fetch: {day.date}: {day.problem}"), file=sys.stderr)
    if args.json:
        sys.stdout.write(json_safe(json.dumps(report.to_json(), ensure_ascii=False, indent=2)) + "\n")
    if report.interrupted:
        kept = len(report.fetched)
        print(f"paperterm: fetch: interrupted; {kept} complete day{'s' if kept != 1 else ''} "
              "kept, the day in progress not written", file=sys.stderr)
        return 130
    if not args.json:
        print(f"paperterm: fetch: {summary_line(report)}", file=sys.stderr)
    return 1 if report.errors else 0


# -- add -----------------------------------------------------------------------------------------

def _read_input(name: str) -> bytes:
    """At most one byte over the size limit of FILE or stdin (so /dev/zero cannot run forever)."""
    try:
        if name == "-":
            if sys.stdin is None:
                raise CliError("add: no standard input to read")
            if sys.stdin.isatty():
                print("Paste the page's text, then press Ctrl-D on an empty line "
                      "(Ctrl-C to cancel).", file=sys.stderr)
            stream = getattr(sys.stdin, "buffer", None)
            if stream is None:
                return sys.stdin.read(MAX_PAGE_BYTES + 1).encode("utf-8", "surrogateescape")
            return stream.read(MAX_PAGE_BYTES + 1)
        path = Path(name)
        if path.is_dir():
            raise CliError(f"{name}: is a directory")
        with open(path, "rb") as fh:
            return fh.read(MAX_PAGE_BYTES + 1)
    except OSError as exc:
        raise CliError(f"{name}: cannot read ({exc.strerror or exc})") from None


def _date_hint(page_date: str | None, day: dt.date, explicit: bool) -> str | None:
    """A note when the page's own date line (``Dec 9``) is not the day it is filed under."""
    if explicit or not page_date:
        return None
    from paperterm.sources.hf_daily import parse_date_line

    shown = parse_date_line(page_date)
    if shown is None or (shown.month, shown.day) == (day.month, day.day):
        return None
    return (f"the page shows {page_date}, filed under {day.isoformat()}; "
            "use --date to file it under another day")


def cmd_add(args) -> int:
    day = args.date or dt.date.today()
    source = "stdin" if args.file == "-" else args.file
    data = _read_input(args.file)
    try:
        saved = save_page(data, day, source=source)
    except SaveError as exc:
        raise CliError(f"add: {exc}") from None
    count = f"{saved.papers} paper{'s' if saved.papers != 1 else ''}"
    if saved.already_saved:
        print(visible(f"paperterm: add: already saved as {saved.path} ({count}); nothing new "
                      "written"), file=sys.stderr)
    else:
        print(visible(f"paperterm: add: saved {count} as {saved.path}"), file=sys.stderr)
    hint = _date_hint(saved.page_date, day, args.date is not None)
    if hint:
        print(visible(f"paperterm: add: note: {hint}"), file=sys.stderr)
    return 0
