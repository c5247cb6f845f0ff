"""The search thread (``search_runs.Searcher``), without a terminal: the newest search wins, a
stale one is never delivered, a failure is reported and the thread goes on."""

from __future__ import annotations

import threading
import time

from paperterm.tui.search_runs import Searcher


class Inbox:
    def __init__(self) -> None:
        self.results: list = []
        self.errors: list = []
        self.event = threading.Event()

    def deliver(self, result) -> None:
        self.results.append(result)
        self.event.set()

    def failed(self, error) -> None:
        self.errors.append(error)
        self.event.set()


def wait_idle(searcher: Searcher) -> None:
    deadline = time.monotonic() + 5
    while not searcher.idle:
        assert time.monotonic() < deadline, "the search thread never finished"
        time.sleep(0.001)


def test_a_search_runs_on_its_own_thread_and_is_delivered():
    inbox = Inbox()
    searcher = Searcher(inbox.deliver, inbox.failed)
    threads = []
    searcher.submit(lambda cancelled: threads.append(threading.current_thread()) or "found")
    assert inbox.event.wait(5)
    wait_idle(searcher)
    assert inbox.results == ["found"] and inbox.errors == []
    assert threads[0] is not threading.current_thread()
    searcher.submit(lambda cancelled: threads.append(threading.current_thread()) or "again")
    wait_idle(searcher)
    assert inbox.results == ["found", "again"]
    assert threads[0] is threads[1]  # one thread for every search, not one per keystroke
    searcher.stop()


def test_a_newer_search_makes_the_running_one_stale_and_only_the_newest_is_delivered():
    inbox = Inbox()
    searcher = Searcher(inbox.deliver, inbox.failed)
    started, release = threading.Event(), threading.Event()
    seen_stale = []

    def slow(cancelled):
        started.set()
        release.wait(5)
        seen_stale.append(cancelled())
        return "old results"          # returned anyway: the searcher drops them

    searcher.submit(slow)
    assert started.wait(5)
    searcher.submit(lambda cancelled: "middle")   # replaced before it starts
    searcher.submit(lambda cancelled: "newest")
    release.set()
    wait_idle(searcher)
    assert seen_stale == [True]
    assert inbox.results == ["newest"]
    searcher.stop()


def test_a_search_that_gives_up_or_is_cancelled_delivers_nothing():
    inbox = Inbox()
    searcher = Searcher(inbox.deliver, inbox.failed)
    searcher.submit(lambda cancelled: None)        # gave up as stale
    wait_idle(searcher)
    started, release = threading.Event(), threading.Event()

    def slow(cancelled):
        started.set()
        release.wait(5)
        return "too late"

    searcher.submit(slow)
    assert started.wait(5)
    searcher.cancel()                               # the query was cleared
    release.set()
    wait_idle(searcher)
    assert inbox.results == [] and inbox.errors == []
    searcher.stop()


def test_a_failing_search_is_reported_and_the_thread_carries_on():
    inbox = Inbox()
    searcher = Searcher(inbox.deliver, inbox.failed)

    def broken(cancelled):
        raise ValueError("no such field")

    searcher.submit(broken)
    wait_idle(searcher)
    assert [str(e) for e in inbox.errors] == ["no such field"]
    searcher.submit(lambda cancelled: "fine")
    wait_idle(searcher)
    assert inbox.results == ["fine"]
    searcher.stop()


def test_after_stop_nothing_runs():
    inbox = Inbox()
    searcher = Searcher(inbox.deliver, inbox.failed)
    searcher.submit(lambda cancelled: "before")
    wait_idle(searcher)
    searcher.stop()
    searcher.submit(lambda cancelled: "after")
    time.sleep(0.05)
    assert searcher.idle and inbox.results == ["before"]
