"""Property test of ``paperterm sync``: three machines, random changes, random sync orders, logs
that arrive late, twice, or cut mid-line, and clocks that are off by an hour or a year.

The test keeps its own record of causality, independent of the implementation's clocks: a change
made on a machine "knows" every change that machine had merged before (learned from the log lines
its sync actually read) and its own earlier ones. After every log has reached every machine, all
machines must hold the same markers; a field changed by exactly one change that no other change
knew about ("the newest") must hold exactly that change's value, whatever the clocks said; and no
note text that nobody saw before overwriting it may be lost (it is kept as a conflict copy).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from paperterm import sync
from paperterm.state import MarkerStore

MACHINES = ("m0", "m1", "m2")
PAPERS = ("0000000000aa", "0000000000bb")
NOTES = (None, "alpha", "beta", "gamma", "δέλτα\nline two")
BASE = 1_790_000_000.0
SKEWS = (0.0, -3600.0, 365 * 86400.0, 0.5, -120.0)

edit = st.tuples(st.just("edit"), st.integers(0, 2), st.integers(0, 1),
                 st.sampled_from(("read", "starred", "note")), st.integers(0, len(NOTES) - 1))
do_sync = st.tuples(st.just("sync"), st.integers(0, 2))
transfer = st.tuples(st.just("transfer"), st.integers(0, 2), st.integers(0, 2),
                     st.one_of(st.none(), st.floats(0, 1)), st.booleans())
pull = st.tuples(st.just("pull"), st.integers(0, 2))  # every log reaches one machine, it syncs
OPS = st.lists(st.one_of(edit, edit, do_sync, transfer, pull, pull), min_size=8, max_size=50)


class World:
    def __init__(self, root: Path, skews) -> None:
        self.root = root
        self.skews = skews
        self.stores = []
        self.folders = []
        for n, name in enumerate(MACHINES):
            store = MarkerStore(root / name / "state.sqlite3")
            store.set_setting(sync.MACHINE_SETTING, name)
            folder = root / f"folder-{name}"
            folder.mkdir()
            self.stores.append(store)
            self.folders.append(folder)
        self.tick = 0
        self.changes: dict[tuple, tuple] = {}      # id -> (paper, field, value, preds)
        self.know = [set() for _ in MACHINES]      # change ids each machine knows (closed)
        self.last = [dict() for _ in MACHINES]     # (paper, field) -> newest local change id
        self.line_map: dict[tuple, tuple] = {}     # (machine, paper, field, stamp) -> change id
        self.seq = 0

    def close(self) -> None:
        for store in self.stores:
            store.close()

    def edit(self, i: int, p: int, fld: str, v: int) -> None:
        self.tick += 1
        paper = PAPERS[p]
        value = NOTES[v] if fld == "note" else int(v % 2)
        at = BASE + self.tick + self.skews[i] + i / 1000
        self.stores[i]._set(fld, paper, f"Title {paper}", value, at=at)
        stored = getattr(self.stores[i].get(paper), fld)
        self.seq += 1
        cid = (MACHINES[i], self.seq)
        preds = {k for k in self.know[i] if self.changes[k][:2] == (paper, fld)}
        self.changes[cid] = (paper, fld, stored, frozenset(preds))
        self.know[i].add(cid)
        self.last[i][(paper, fld)] = cid

    def sync(self, i: int):
        self.tick += 1
        result = sync.sync(self.stores[i], self.folders[i], now=BASE + self.tick)
        own = sync.read_log(self.folders[i] / f"{MACHINES[i]}.jsonl")
        for c in own.changes:
            key = (MACHINES[i], c.paper, c.field, c.stamp)
            if key not in self.line_map:
                self.line_map[key] = self.last[i][(c.paper, c.field)]
        for path in self.folders[i].glob("*.jsonl"):
            log = sync.read_log(path)
            for c in log.changes:
                cid = self.line_map.get((log.machine, c.paper, c.field, c.stamp))
                assert cid is not None, f"a log line no machine wrote: {c}"
                self.know[i] |= {cid} | set(self.changes[cid][3])
        return result

    def transfer(self, j: int, i: int, cut: float | None, duplicate: bool) -> None:
        if i == j:
            return
        src = self.folders[j] / f"{MACHINES[j]}.jsonl"
        if not src.exists():
            return
        data = src.read_bytes()
        if cut is not None:
            data = data[: int(len(data) * cut)]  # a copy caught mid-write
        (self.folders[i] / src.name).write_bytes(data)
        if duplicate:  # a file-sync tool's "conflicted copy" of the same log
            (self.folders[i] / f"{MACHINES[j]}.sync-conflict-1.jsonl").write_bytes(data)

    def exchange_all(self) -> None:
        for i in range(3):
            for j in range(3):
                self.transfer(j, i, None, False)

    def markers(self, i: int) -> dict:
        out = {}
        for pid, m in self.stores[i].all().items():
            out[pid] = (m.read, m.starred, m.note)
        return {pid: v for pid, v in out.items() if v != (False, False, None)}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ops=OPS, skews=st.one_of(st.permutations((0.0, 365 * 86400.0, -3600.0)),
                                st.lists(st.sampled_from(SKEWS), min_size=3, max_size=3)))
def test_three_machines_converge_and_newest_change_wins(ops, skews):
    root = Path(tempfile.mkdtemp(prefix="paperterm-sync-"))
    world = World(root, skews)
    compact_min, sync.COMPACT_MIN_LINES = sync.COMPACT_MIN_LINES, 3  # compact often
    try:
        for op in ops:
            if op[0] == "edit":
                world.edit(*op[1:])
            elif op[0] == "sync":
                world.sync(op[1])
            elif op[0] == "pull":
                for j in range(3):
                    world.transfer(j, op[1], None, False)
                world.sync(op[1])
            else:
                world.transfer(*op[1:])
        # Every machine sends what it has, then every log reaches every machine.
        for _ in range(2):
            for i in range(3):
                world.sync(i)
            world.exchange_all()
        for i in range(3):
            world.sync(i)

        # Converged: the same markers everywhere, and syncing again changes nothing.
        first = world.markers(0)
        assert world.markers(1) == first
        assert world.markers(2) == first
        world.exchange_all()
        for i in range(3):
            again = world.sync(i)
            assert (again.sent, again.received) == (0, 0)

        # Each field holds its newest change; note texts nobody saw are kept.
        by_field: dict[tuple, list] = {}
        for cid, (paper, fld, value, preds) in world.changes.items():
            by_field.setdefault((paper, fld), []).append(cid)
        superseded = set()
        for paper, fld, value, preds in world.changes.values():
            superseded |= preds
        stored = {pid: m for pid, m in world.stores[0].all().items()}
        for (paper, fld), cids in by_field.items():
            newest = [c for c in cids if c not in superseded]
            assert newest, "causality has no cycles"
            default = None if fld == "note" else False
            final = getattr(stored[paper], fld) if paper in stored else default
            values = [world.changes[c][2] for c in newest]
            if fld == "note":
                texts = [v for v in values if v]
                if len(newest) == 1:
                    assert final == values[0]
                for text in texts:
                    assert final is not None and text in final, (fld, paper, values, final)
            else:
                if len(newest) == 1:
                    assert final == bool(values[0]), (fld, paper, values, final)
                else:
                    assert final in {bool(v) for v in values}
    finally:
        sync.COMPACT_MIN_LINES = compact_min
        world.close()
        shutil.rmtree(root, ignore_errors=True)
