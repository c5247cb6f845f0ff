"""The collector helpers: ``gc_paused`` restores what it found; ``IdleCollector`` holds the full
pass back while keys come and runs it at the pause (a fake timer and clock drive it here)."""

from __future__ import annotations

import gc

import pytest

from paperterm.gc_pause import HELD, IdleCollector, gc_paused


class Timers:
    """Stands in for ``Screen.set_timer``: the test fires the pending timer itself."""

    def __init__(self) -> None:
        self.pending: list[list] = []  # [delay, callback, stopped]

    def __call__(self, delay, callback):
        entry = [delay, callback, False]
        self.pending.append(entry)

        class Handle:
            def stop(self_inner) -> None:
                entry[2] = True

        return Handle()

    def fire(self) -> None:
        live = [e for e in self.pending if not e[2]]
        assert len(live) == 1, "one pause timer at a time"
        live[0][2] = True
        live[0][1]()


@pytest.fixture
def collections(monkeypatch):
    made: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: made.append(generation) or 0)
    yield made
    gc.enable()


def test_gc_paused_restores_the_collector_as_found():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_keys_hold_the_full_pass_back_and_the_pause_runs_one(collections):
    timers, now = Timers(), [0.0]
    before = gc.get_threshold()
    idle = IdleCollector(timers, idle=0.5, clock=lambda: now[0])
    idle.busy()
    assert idle.holding and gc.isenabled()                      # young passes still run
    assert gc.get_threshold() == (before[0], before[1], HELD)   # the full pass never comes
    for _ in range(5):
        now[0] += 0.2
        idle.busy()  # each key moves the pause further
    assert collections == []                                    # nothing forced while keys come
    assert len([t for t in timers.pending if not t[2]]) == 1  # one timer, not one per key
    now[0] += 0.3
    timers.fire()  # the first timer's half second is up, but the last key came 0.3 s ago
    assert collections == [] and idle.holding
    assert [t[0] for t in timers.pending if not t[2]] == [pytest.approx(0.2)]
    now[0] += 0.2
    timers.fire()
    assert not idle.holding and gc.get_threshold() == before
    assert collections == [2]


def test_stop_restores_the_thresholds_and_forgets_the_pause(collections):
    timers = Timers()
    before = gc.get_threshold()
    idle = IdleCollector(timers)
    idle.busy()
    idle.stop()
    assert gc.get_threshold() == before and not idle.holding
    assert all(t[2] for t in timers.pending) and collections == []
    idle.stop()  # twice is harmless
    assert gc.get_threshold() == before


def test_a_collector_someone_else_turned_off_stays_off_until_they_turn_it_on(collections):
    timers = Timers()
    idle = IdleCollector(timers)
    with gc_paused():
        idle.busy()
        assert not gc.isenabled()
        idle.stop()
        assert not gc.isenabled()
    assert gc.isenabled()
