"""The parsed-library cache: used when every listing is unchanged, rebuilt (never trusted) otherwise."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import time
from pathlib import Path

import pytest

from paperterm import cache, children, library, loader, locations
from paperterm.library import LoadError
from paperterm.library import load_library as parse_library
from paperterm.loader import LoadPolicy
from paperterm.model import abstract_location

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

#: The policy the loads below use (tests lower its byte thresholds with ``use_policy``).
_POLICY = {"now": LoadPolicy()}


def use_policy(monkeypatch, **changes) -> None:
    """Load with ``changes`` to the default ``LoadPolicy`` (e.g. a child from 0 bytes on)."""
    monkeypatch.setitem(_POLICY, "now", dataclasses.replace(_POLICY["now"], **changes))


def load_library(paths) -> library.Library:
    """The library through the loader and its cache, as every command opens it."""
    return loader.load_library(paths, _POLICY["now"])


def open_with_index(paths, *, background: bool = False):
    """Library and index through the loader (``background``: as the reader opens them)."""
    return loader.open_library(paths, dataclasses.replace(_POLICY["now"], background=background))
AN_HOUR_AGO = time.time() - 3600


def _age(path: Path, when: float = AN_HOUR_AGO) -> None:
    """Give a file an old timestamp, so the cache does not treat it as freshly (racily) written."""
    os.utime(path, (when, when))


@pytest.fixture
def listings(tmp_path) -> Path:
    """A private copy of the seed listings, plus one unreadable file (for a cached warning)."""
    folder = tmp_path / "listings"
    shutil.copytree(SEEDS, folder)
    (folder / "zz_broken.txt").write_bytes(b"\x00\x01 binary")
    for path in folder.iterdir():
        path.chmod(0o644)
        _age(path)
    return folder


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch):
    """The files' ctime is always "now" here (copy, chmod): trust it rather than wait two seconds."""
    monkeypatch.setattr(cache, "RACY_NS", 0)


@pytest.fixture
def parses(monkeypatch) -> list[Path]:
    """Every listing file actually parsed (not served from the cache) is appended here."""
    seen: list[Path] = []
    real = library.read_listing

    def counting(path):
        seen.append(path)
        return real(path)

    monkeypatch.setattr(library, "read_listing", counting)
    return seen


def _slots() -> list[Path]:
    directory = locations.cache_dir()
    return sorted(directory.glob("library-*.pickle")) if directory.is_dir() else []


def _same(a: library.Library, b: library.Library) -> None:
    assert a.papers == b.papers
    assert a.warnings == b.warnings
    assert a.files == b.files


def test_second_load_is_served_from_the_cache(listings, parses):
    first = load_library([listings])
    assert len(parses) == 5 and len(_slots()) == 1
    second = load_library([listings])
    assert len(parses) == 5, "the second load parsed files again"
    _same(first, second)
    assert len(second.papers) == 163


def test_cached_result_equals_a_fresh_parse_including_warnings(listings):
    load_library([listings])
    cached = load_library([listings])
    fresh = parse_library([listings])
    _same(cached, fresh)
    assert any("zz_broken.txt" in w for w in cached.warnings)
    assert cached.get(cached.papers[0].id) == cached.papers[0]
    assert cached.resolve(cached.papers[5].id[:8]) == cached.papers[5]


def test_size_change_is_a_miss(listings, parses):
    load_library([listings])
    target = sorted(listings.glob("0*.txt"))[0]
    text = target.read_text(encoding="utf-8")
    title = "A Brand New Paper About Cache Invalidation"
    target.write_text(text.rstrip("\n") + f"\n\n{title}\n\nIts abstract.\n", encoding="utf-8")
    _age(target, AN_HOUR_AGO + 60)
    parses.clear()
    lib = load_library([listings])
    assert parses, "a changed file was not parsed again"
    assert any(p.title == title for p in lib.papers)
    _same(lib, parse_library([listings]))


def test_mtime_change_with_same_size_is_a_miss(listings, parses):
    load_library([listings])
    target = sorted(listings.glob("0*.txt"))[0]
    data = target.read_bytes()
    # Swap one letter of the first paper's title: same size, different paper.
    old_title = parse_library([listings]).papers[0].title
    new_title = old_title.replace("The", "Thy", 1)
    assert len(new_title) == len(old_title) != 0 and new_title != old_title
    target.write_bytes(data.replace(old_title.encode(), new_title.encode(), 1))
    assert target.stat().st_size == len(data)
    _age(target, AN_HOUR_AGO + 60)
    parses.clear()
    lib = load_library([listings])
    assert parses
    assert lib.papers[0].title == new_title


def test_renamed_file_gets_its_new_capture_date(listings, parses):
    # The capture date can come from the file name: the path is part of the key.
    load_library([listings])
    (listings / "003_75b63338500a490b.txt").rename(listings / "2024-05-27.txt")
    parses.clear()
    lib = load_library([listings])
    assert parses
    assert any(p.days == ("2024-05-27",) for p in lib.papers)
    _same(lib, parse_library([listings]))


def test_time_zone_change_that_moves_the_modification_date_is_a_miss(listings, parses,
                                                                      monkeypatch):
    # Seed 002 shows no year: its capture date is its page date (Jun 5) on or before the day it
    # was modified, in local time. 2025-06-05 05:00 UTC is still June 4th in Los Angeles (so the
    # page is 2024's) and already June 5th at UTC+14 (so it is 2025's).
    target = listings / "002_164753a88c97f039.txt"
    stamp = 1749099600  # 2025-06-05 05:00:00 UTC
    os.utime(target, (stamp, stamp))
    if not hasattr(time, "tzset"):
        pytest.skip("time zones cannot be switched on this platform")
    monkeypatch.setenv("TZ", "America/Los_Angeles")   # 22:00 on June 4th
    time.tzset()
    try:
        before = load_library([listings])
        monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: 19:00 on June 5th
        time.tzset()
        parses.clear()
        after = load_library([listings])
        assert parses, "the modification date moved but the cached library was used"
        _same(after, parse_library([listings]))
    finally:
        monkeypatch.undo()
        time.tzset()
    only_002 = lambda lib: {p.days for p in lib.papers if p.sources == (target.name,)}  # noqa
    assert only_002(before) == {("2024-06-05",)} and only_002(after) == {("2025-06-05",)}


def test_added_and_removed_files_are_misses(listings, parses):
    load_library([listings])
    extra = listings / "extra.txt"
    extra.write_text("Cache Test Paper\n\nAbstract text.\n", encoding="utf-8")
    _age(extra)
    parses.clear()
    assert any(p.title == "Cache Test Paper" for p in load_library([listings]).papers)
    assert parses
    extra.unlink()
    parses.clear()
    assert not any(p.title == "Cache Test Paper" for p in load_library([listings]).papers)
    assert parses


@pytest.mark.parametrize("garbage", [b"", b"not a pickle at all", b"\x80\x05\x95truncated"])
def test_corrupt_cache_file_is_rebuilt(listings, parses, garbage):
    first = load_library([listings])
    (slot,) = _slots()
    slot.write_bytes(garbage)
    parses.clear()
    again = load_library([listings])
    assert parses, "a corrupt cache was trusted"
    _same(first, again)
    parses.clear()
    load_library([listings])
    assert not parses, "the rebuilt cache was not written back"


def test_truncated_cache_file_is_rebuilt(listings, parses):
    first = load_library([listings])
    (slot,) = _slots()
    data = slot.read_bytes()
    slot.write_bytes(data[: len(data) // 2])
    parses.clear()
    _same(first, load_library([listings]))
    assert parses


def test_wrong_types_inside_a_valid_pickle_are_rebuilt(listings, parses):
    first = load_library([listings])
    (slot,) = _slots()
    plan = cache.plan_load([listings])
    with open(slot, "wb") as fh:
        fh.write(cache._header(plan, False))   # the right header, then wrong contents
        fh.write(bytes(8))
        pickler = pickle.Pickler(fh)
        pickler.dump({"papers": "not a library"})
        pickler.dump(None)
    parses.clear()
    _same(first, load_library([listings]))
    assert parses


def test_stale_key_is_rebuilt(listings, parses, monkeypatch):
    load_library([listings])
    monkeypatch.setattr(cache, "__version__", "999.0")
    parses.clear()
    load_library([listings])
    assert parses, "a cache written by another paperterm version was trusted"


def test_cache_file_writable_by_others_is_not_trusted(listings, parses):
    load_library([listings])
    (slot,) = _slots()
    slot.chmod(0o666)
    parses.clear()
    load_library([listings])
    assert parses


class _Exploit:
    """Unpickling this creates ``path``: a cache file that would run code if it were loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def _booby_trap(slot: Path, header: bytes, marker: Path) -> None:
    """Replace the cache file with ``header`` and then pickles that create ``marker`` when loaded."""
    with open(slot, "wb") as fh:
        fh.write(header)
        fh.write(bytes(8))
        pickler = pickle.Pickler(fh)
        pickler.dump(_Exploit(marker))
        pickler.dump(_Exploit(marker))
    slot.chmod(0o600)


@pytest.mark.parametrize("header", ["pickle", "other key", "other format"])
def test_nothing_is_unpickled_before_the_plain_header_matches(listings, parses, tmp_path, header):
    first = load_library([listings])
    (slot,) = _slots()
    plan = cache.plan_load([listings])
    marker = tmp_path / "exploit-ran"
    good = cache._header(plan, False)
    if header == "pickle":  # the old layout: a header pickle first
        data = pickle.dumps(_Exploit(marker))
    elif header == "other key":
        data = good[:-1] + bytes([good[-1] ^ 1])
    else:
        data = good.replace((cache.CACHE_FORMAT).to_bytes(4, "little"),
                            (cache.CACHE_FORMAT - 1).to_bytes(4, "little"), 1)
    _booby_trap(slot, data, marker)
    parses.clear()
    assert not loader.is_cached([listings], with_index=False)
    _same(first, load_library([listings]))
    assert parses and not marker.exists()


def test_a_matching_file_in_a_folder_others_can_write_is_not_unpickled(listings, parses, tmp_path):
    first = load_library([listings])
    (slot,) = _slots()
    marker = tmp_path / "exploit-ran"
    _booby_trap(slot, cache._header(cache.plan_load([listings]), False), marker)
    slot.parent.chmod(0o777)
    try:
        parses.clear()
        _same(first, load_library([listings]))
        assert parses and not marker.exists()
    finally:
        slot.parent.chmod(0o700)


@pytest.mark.parametrize("where", ["library", "index"])
def test_a_matching_private_file_that_names_code_is_refused_unrun(listings, parses, tmp_path, where):
    """Even behind the right header, in a private file and folder, a cache file is plain data:
    the library record may name no class or function at all, and the index only the search
    index's own classes, so a planted (or corrupted) pickle can never run code."""
    from paperterm.library import Library

    first, _ = open_with_index([listings])
    (slot,) = _slots()
    marker = tmp_path / "exploit-ran"
    plan = cache.plan_load([listings])
    data = slot.read_bytes()
    header = cache._header(plan, True)
    assert data.startswith(header)
    size = int.from_bytes(data[len(header):len(header) + 8], "little")
    body_at = len(header) + 8 + size
    with open(slot, "wb") as fh:
        fh.write(data[:body_at])
        if where == "library":
            pickle.dump(_Exploit(marker), fh)
        else:
            record = cache._library_record(Library(papers=[]), [])
            pickle.dump(record, fh)  # a good (empty) record, then a bad index
            pickle.dump(_Exploit(marker), fh)
    slot.chmod(0o600)
    parses.clear()
    lib, index = open_with_index([listings])
    _same(first, lib)
    assert not marker.exists()
    assert parses or where == "index"


def test_a_symlinked_cache_file_is_not_followed(listings, parses, tmp_path):
    first = load_library([listings])
    (slot,) = _slots()
    elsewhere = tmp_path / "planted.pickle"
    marker = tmp_path / "exploit-ran"
    _booby_trap(slot, cache._header(cache.plan_load([listings]), False), marker)
    slot.rename(elsewhere)
    slot.symlink_to(elsewhere)
    parses.clear()
    _same(first, load_library([listings]))
    assert parses and not marker.exists()


def test_unwritable_cache_dir_means_no_cache_not_an_error(listings, parses, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("PAPERTERM_CACHE_DIR", str(blocker / "cache"))
    first = load_library([listings])
    second = load_library([listings])
    assert len(parses) == 10  # parsed both times, and no exception
    _same(first, second)


def test_freshly_written_listings_are_not_cached(listings, parses, monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", 10**12)  # everything counts as "just written"
    load_library([listings])
    assert _slots() == []
    load_library([listings])
    assert len(parses) == 10


def test_load_errors_pass_through(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        load_library([tmp_path / "missing"])
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00binary")
    _age(bad)
    for _ in range(2):
        with pytest.raises(LoadError):
            load_library([bad])


def test_paths_may_be_any_iterable(listings, parses):
    first = load_library(iter([listings]))
    assert len(first.papers) == 163
    parses.clear()
    lib, _ = open_with_index(p for p in [listings])
    assert not parses
    _same(first, lib)


def test_only_the_newest_slots_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_SLOTS", 2)
    for i in range(4):
        folder = tmp_path / f"set{i}"
        folder.mkdir()
        listing = folder / "a.txt"
        listing.write_text(f"Paper Number {i}\n\nAbstract {i}.\n", encoding="utf-8")
        _age(listing)
        load_library([folder])
    assert len(_slots()) == 2


def test_background_write_is_complete_after_wait(listings, parses, monkeypatch):
    use_policy(monkeypatch, background_bytes=0)
    first = load_library([listings])
    loader.wait_for_writes(timeout=30)
    parses.clear()
    _same(first, load_library([listings]))
    assert not parses


def test_is_cached_tells_what_a_load_would_find(listings):
    assert not loader.is_cached([listings])
    load_library([listings])
    assert loader.is_cached([listings], with_index=False)
    assert not loader.is_cached([listings])  # no index kept yet
    open_with_index([listings])
    assert loader.is_cached([listings])
    (listings / "zz_broken.txt").unlink()
    assert not loader.is_cached([listings], with_index=False)


def test_clear_removes_cache_files(listings):
    load_library([listings])
    assert _slots()
    assert cache.clear() == 1
    assert _slots() == []


def test_library_and_index_come_back_together(listings, parses):
    from paperterm.search import SearchIndex

    lib, index = open_with_index([listings])
    assert isinstance(index, SearchIndex)
    parses.clear()
    lib2, index2 = open_with_index([listings])
    assert not parses
    _same(lib, lib2)
    for query in ("learning", "grok", "diffusion model", "year:>=2023"):
        assert [(h.pos, h.title_match) for h in index2.search(query, markers={})] == \
            [(h.pos, h.title_match) for h in index.search(query, markers={})]
    hit = index2.search("learning", markers={})[0]
    assert "learn" in (lib2.papers[hit.pos].title + lib2.papers[hit.pos].abstract).lower()


def test_a_cached_index_is_read_on_first_use_not_with_the_library(listings, parses,
                                                                  monkeypatch):
    """A cached start paints before it reads the index: opening reads only the library, and the
    date order (the reader's default sort) comes with it."""
    from paperterm.model import newest_first
    from paperterm.search import SearchIndex

    lib, fresh = open_with_index([listings])
    loads = []
    real_load = cache.StoredIndex.load
    monkeypatch.setattr(cache.StoredIndex, "load", lambda self: loads.append(1) or real_load(self))
    parses.clear()
    lib2, index = open_with_index([listings])
    assert not parses and isinstance(index, loader.CachedIndex) and index.ready
    assert index.papers is lib2.papers and len(index) == len(lib2.papers)
    assert index.positions_newest_first() == newest_first(lib2.papers)
    assert index.positions_newest_first() == fresh.positions_newest_first()
    assert loads == []
    assert _answers(index) == _answers(fresh)
    assert loads == [1]
    assert isinstance(index.wait(), SearchIndex) and loads == [1]  # read once


def _blobs(slot: Path, plan) -> tuple[int, int]:
    """Offsets of the library's blob and of the index's blob in a cache file."""
    data = slot.read_bytes()
    at = len(cache._header(plan, True))
    library_at = at + 8 + int.from_bytes(data[at:at + 8], "little")
    size = int.from_bytes(data[library_at:library_at + 8], "little")
    return library_at, library_at + cache._BLOB_HEAD + size


@pytest.mark.parametrize("where", ["library", "index"])
def test_a_pickle_that_does_not_match_its_digest_is_not_unpickled(listings, parses, where):
    """One byte changed inside the library's pickle means the listings are parsed again; inside
    the index's, the index is built afresh (and answers the same)."""
    from paperterm.search import SearchIndex

    first, _ = open_with_index([listings])
    (slot,) = _slots()
    data = bytearray(slot.read_bytes())
    library_at, index_at = _blobs(slot, cache.plan_load([listings]))
    at = (library_at if where == "library" else index_at) + cache._BLOB_HEAD + 100
    data[at] ^= 0xFF
    slot.write_bytes(bytes(data))
    parses.clear()
    lib, index = open_with_index([listings])
    _same(first, lib)
    assert bool(parses) == (where == "library")
    assert _answers(index) == _answers(SearchIndex(lib.papers))


def test_index_is_added_to_a_library_only_cache(listings, parses):
    load_library([listings])  # writes the library without an index
    parses.clear()
    lib, index = open_with_index([listings])
    assert not parses
    assert index.search("learning", markers={})
    assert len(lib.papers) == 163


@pytest.fixture
def forking(monkeypatch):
    """Build indexes in a forked child even if the test runner has threads of its own."""
    use_policy(monkeypatch, background_bytes=0)
    monkeypatch.setattr(children, "can_fork", lambda: hasattr(os, "fork"))


def _answers(index, queries=("learning", "grok", "diffusion model", "-model year:>=2023")):
    return [[(h.pos, h.score, h.title_match, h.fuzzy) for h in index.search(q, markers={})]
            for q in queries]


def test_background_index_arrives_and_matches_a_fresh_build(listings, forking, parses):
    from paperterm.search import SearchIndex

    lib, pending = open_with_index([listings], background=True)
    assert isinstance(pending, loader.PendingIndex)
    assert len(pending) == len(lib.papers)
    assert _answers(pending) == _answers(SearchIndex(lib.papers))  # search waits for it
    assert pending.ready
    index = pending.wait(timeout=30)
    assert all(a is b for a, b in zip(index.papers, lib.papers)), "papers were copied"
    loader.wait_for_writes(timeout=30)
    # The child also kept library and index for the next start.
    parses.clear()
    lib2, index2 = open_with_index([listings], background=True)
    assert not parses and isinstance(index2, loader.CachedIndex)
    assert isinstance(index2.wait(), SearchIndex)
    _same(lib, lib2)


def test_background_index_falls_back_when_the_child_fails(listings, forking, monkeypatch):
    from paperterm import search

    parent = os.getpid()
    real = search.SearchIndex

    class ChildDies(real):
        def __init__(self, papers):
            if os.getpid() != parent:
                os._exit(3)
            super().__init__(papers)

    monkeypatch.setattr(search, "SearchIndex", ChildDies)
    lib, pending = open_with_index([listings], background=True)
    assert isinstance(pending, loader.PendingIndex)
    assert _answers(pending) == _answers(real(lib.papers))
    loader.wait_for_writes(timeout=30)
    assert not loader.is_cached([listings])  # the child died before writing anything


def test_small_or_cached_libraries_get_a_real_index_even_in_background(listings):
    from paperterm.search import SearchIndex

    _, index = open_with_index([listings], background=True)  # under the threshold
    assert type(index) is SearchIndex


@pytest.fixture
def two_processes(monkeypatch):
    """Parse in two processes even for the small test listings (and despite runner threads)."""
    use_policy(monkeypatch, parallel_bytes=0)
    monkeypatch.setattr(children, "can_fork", lambda: hasattr(os, "fork"))


def test_parsing_in_two_processes_gives_the_same_library(listings, two_processes):
    fresh = parse_library([listings])
    parallel = load_library([listings])  # a miss: parsed by this process and a forked child
    _same(parallel, fresh)
    assert any("zz_broken.txt" in w for w in parallel.warnings)  # an error from the child's half


def test_parsing_falls_back_when_the_child_dies(listings, two_processes, monkeypatch):
    parent = os.getpid()
    real = library.read_listing

    def dies_in_child(path):
        if os.getpid() != parent:
            os._exit(3)
        return real(path)

    monkeypatch.setattr(library, "read_listing", dies_in_child)
    _same(load_library([listings]), parse_library([listings]))


def test_parallel_parse_with_index_in_background(listings, two_processes, forking):
    lib, pending = open_with_index([listings], background=True)
    _same(lib, parse_library([listings]))
    assert pending.search("learning", markers={})
    loader.wait_for_writes(timeout=30)


# -- abstracts kept out of memory -------------------------------------------------------------------

def _stored(lib: library.Library) -> list[bool]:
    """For each paper, whether its abstract is in a file rather than in memory."""
    return [abstract_location(p)[0] is not None for p in lib.papers]


@pytest.fixture
def spilling(monkeypatch):
    """Spool parsed abstracts to files even for the small test listings."""
    use_policy(monkeypatch, spill_bytes=0)


def test_a_cached_library_reads_abstracts_from_the_cache_file(listings):
    load_library([listings])
    cached = load_library([listings])
    assert all(_stored(cached)), "a cached load put abstracts in memory"
    _same(cached, parse_library([listings]))  # and they read back exactly


def test_a_small_first_load_keeps_abstracts_in_memory(listings):
    assert not any(_stored(load_library([listings])))


def test_spilled_first_load_equals_an_in_memory_one(listings, spilling):
    spilled = load_library([listings])
    assert all(_stored(spilled))
    _same(spilled, parse_library([listings]))
    loader.wait_for_writes(timeout=30)
    _same(load_library([listings]), spilled)  # the cache copied the spooled abstracts


def test_spilled_parse_in_two_processes_reads_the_childs_abstracts(listings, spilling,
                                                                    two_processes, parses):
    parallel = load_library([listings])
    assert all(_stored(parallel))
    files = sorted(listings.iterdir())
    assert parses and files[-1] not in parses, "the child's files were parsed here again"
    # Half the papers were spooled by the child: their text must read back, not an error.
    _same(parallel, parse_library([listings]))
    assert not any(p.abstract.startswith("[abstract could not be read") for p in parallel.papers)


def test_spilled_parse_with_index_in_background_then_cached(listings, spilling, two_processes,
                                                            forking, parses):
    from paperterm.search import SearchIndex

    lib, pending = open_with_index([listings], background=True)
    fresh = parse_library([listings])
    _same(lib, fresh)
    assert _answers(pending) == _answers(SearchIndex(fresh.papers))
    loader.wait_for_writes(timeout=30)
    parses.clear()
    lib2, index2 = open_with_index([listings])
    assert not parses and all(_stored(lib2))
    _same(lib2, fresh)
    assert _answers(index2) == _answers(SearchIndex(fresh.papers))


def test_unwritable_cache_dir_while_spilling_keeps_abstracts_in_memory(listings, spilling,
                                                                      tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("PAPERTERM_CACHE_DIR", str(blocker / "cache"))
    lib = load_library([listings])
    assert not any(_stored(lib))
    _same(lib, parse_library([listings]))


def _abstracts_region(slot: Path) -> tuple[int, int]:
    """Offset of the 8-byte size of the cache file's abstracts, and that size."""
    with open(slot, "rb") as fh:
        fh.seek(cache._HEADER_SIZE)  # past the plain header
        at = fh.tell()
        return at, int.from_bytes(fh.read(8), "little")


@pytest.mark.parametrize("damage", ["size too big", "size too small", "abstracts cut"])
def test_damaged_abstracts_in_the_cache_are_rebuilt(listings, parses, damage):
    first = load_library([listings])
    (slot,) = _slots()
    at, size = _abstracts_region(slot)
    data = bytearray(slot.read_bytes())
    if damage == "size too big":
        data[at:at + 8] = (len(data) * 2).to_bytes(8, "little")
    elif damage == "size too small":  # the library pickle then starts mid-abstracts or refs overrun
        data[at:at + 8] = (size // 2).to_bytes(8, "little")
    else:
        del data[at + 8 + size // 2: at + 8 + size]
    slot.write_bytes(bytes(data))
    parses.clear()
    again = load_library([listings])
    assert parses, "a damaged cache was trusted"
    _same(first, again)


def test_a_stored_paper_behaves_like_one_in_memory(listings):
    load_library([listings])
    cached = load_library([listings])
    fresh = parse_library([listings])
    for mine, theirs in zip(cached.papers, fresh.papers):
        assert hash(mine) == hash(theirs) and repr(mine) == repr(theirs)
        assert mine.to_dict() == theirs.to_dict()
    paper = cached.papers[0]
    copy = pickle.loads(pickle.dumps(paper))  # plain pickling carries the text itself
    assert copy == paper and abstract_location(copy)[0] is None
    starred = paper.replace(upvotes=12345)
    assert abstract_location(starred)[0] is not None, "replace read the abstract into memory"
    assert starred.abstract == paper.abstract and starred.upvotes == 12345
