"""The merged library: loading files and directories, merging sightings, resolving ids."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from paperterm.library import IdError, Library, LoadError, load_library, merge_paper, merge_papers
from paperterm.model import Paper, paper_id

from conftest import SEEDS

SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))
PRINCIPLES = "The Principles of Deep Learning Theory"


def make(title: str, source: str, **fields) -> Paper:
    return Paper(id=paper_id(title), title=title, abstract=fields.pop("abstract", "abs"),
                 sources=(source,), **fields)


def set_year(path: Path, year: int) -> None:
    stamp = time.mktime((year, 6, 1, 12, 0, 0, 0, 0, -1))
    os.utime(path, (stamp, stamp))


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """The seeds copied to a temporary directory, with a known modification year (2026)."""
    target = tmp_path / "seeds"
    target.mkdir()
    for name in SEED_NAMES:
        shutil.copyfile(SEEDS / name, target / name)
        set_year(target / name, 2026)
    return target


# -- loading the seeds ---------------------------------------------------------------------------

def test_seed_library(seed_copy):
    library = load_library([seed_copy])
    assert len(library) == 163
    assert library.warnings == []
    assert [f.name for f in library.files] == SEED_NAMES
    assert sum(len(p.sources) for p in library.papers) == 197
    principles = next(p for p in library.papers if p.title == PRINCIPLES)
    assert principles.sources == tuple(SEED_NAMES)
    assert (principles.authors, principles.published) == (3, "2021-06-18")


def test_shared_session_fixture_matches(seed_library):
    assert len(seed_library) == 163 and seed_library.warnings == []


def test_sources_follow_load_order_and_fields_come_from_the_most_complete(seed_copy):
    # 002 has no meta blocks at all; loaded first, the merged paper still gets 000's fields.
    order = [seed_copy / SEED_NAMES[2], seed_copy / SEED_NAMES[0]]
    library = load_library(order)
    principles = next(p for p in library.papers if p.title == PRINCIPLES)
    assert principles.sources == (SEED_NAMES[2], SEED_NAMES[0])
    assert (principles.authors, principles.published, principles.published_text) == (
        3, "2021-06-18", "Jun 18, 2021")
    # papers come in the order first seen: 002's first paper leads
    assert library.papers[0].sources[0] == SEED_NAMES[2]


def test_capture_dates_of_the_seeds_on_disk(seed_copy):
    # The seeds' names carry no date. 000, 001 and 003 show explicit years up to 2024, so their
    # page dates are 2025's whatever the file time (2026 here); 002 shows no year: its page date
    # (Jun 5) is placed on or before its modification date (2026-06-01), so it is 2025-06-05.
    library = load_library([seed_copy])
    days = {frozenset(p.days) for p in library.papers}
    assert set().union(*days) == {"2025-12-09", "2025-11-06", "2025-06-05", "2025-12-12"}
    principles = next(p for p in library.papers if p.title == PRINCIPLES)
    assert principles.days == ("2025-06-05", "2025-11-06", "2025-12-09", "2025-12-12")
    paper = next(p for p in library.papers if p.title.startswith("On the Theoretical Limitations"))
    assert paper.published == "2025-08-28" and paper.published_inferred


def test_copied_file_with_lost_modification_time(seed_copy, tmp_path):
    # shutil.copyfile does not keep the time: the copy looks modified now.
    copied = tmp_path / "copied"
    copied.mkdir()
    shutil.copyfile(seed_copy / SEED_NAMES[0], copied / SEED_NAMES[0])
    original = load_library([seed_copy / SEED_NAMES[0]])
    again = load_library([copied / SEED_NAMES[0]])
    assert [(p.published, p.days) for p in again.papers] == \
        [(p.published, p.days) for p in original.papers]
    assert {p.days for p in again.papers} == {("2025-12-09",)}


def test_dated_file_names_give_the_day(tmp_path):
    for name, page in (("2024-05-27.txt", "May 27"), ("hf-20240528.txt", "May 28"),
                       ("2024_05_29.txt", "May 29")):
        (tmp_path / name).write_text(
            f"Daily Papers\n\n{page}\n\nShared Paper\n\nAbstract.\n\n  • 2 authors\n·\nMay 20\n\n"
            f"Only {name}\n\nAbstract.\n\n  • 1 author\n·\nDec 31\n", encoding="utf-8")
        set_year(tmp_path / name, 2030)  # the file time is not used: the name has the date
    library = load_library([tmp_path])
    shared = next(p for p in library.papers if p.title == "Shared Paper")
    assert shared.days == ("2024-05-27", "2024-05-28", "2024-05-29")
    assert (shared.published, shared.published_inferred) == ("2024-05-20", True)
    only = next(p for p in library.papers if p.title == "Only 2024-05-27.txt")
    assert (only.days, only.published) == (("2024-05-27",), "2023-12-31")


# -- merging -------------------------------------------------------------------------------------

def test_merge_keeps_every_source_highest_upvotes_and_most_complete_fields():
    a = make("Same Paper", "a.txt", abstract="short", upvotes=1, published_text="Aug 28")
    b = make("same  paper!", "b.txt", abstract="a longer abstract", upvotes=5, authors=4,
             published="2025-08-28", published_text="Aug 28", published_inferred=True,
             urls=("https://x.org",))
    c = make("SAME PAPER", "c.txt", upvotes=3, organization="ACME", published="2025-08-28",
             published_text="Aug 28, 2025", urls=("https://y.org", "https://x.org"))
    (merged,) = merge_papers([[a], [b], [c]])
    assert merged.id == a.id and merged.title == "Same Paper"  # first sighting's title
    assert merged.sources == ("a.txt", "b.txt", "c.txt")
    assert merged.upvotes == 5
    assert merged.abstract == "a longer abstract"
    assert (merged.authors, merged.organization) == (4, "ACME")
    # an explicit date beats an inferred one, which beats none
    assert (merged.published, merged.published_text, merged.published_inferred) == (
        "2025-08-28", "Aug 28, 2025", False)
    assert merged.urls == ("https://x.org", "https://y.org")


def test_merge_keeps_every_day_sorted_once():
    a = make("Same", "b.txt", days=("2024-05-27",))
    b = make("Same", "a.txt", days=("2024-05-20",))
    c = make("Same", "c.txt", days=("2024-05-27",))
    d = make("Same", "d.txt")
    (merged,) = merge_papers([[a], [b], [c], [d]])
    assert merged.days == ("2024-05-20", "2024-05-27")
    assert merged.sources == ("b.txt", "a.txt", "c.txt", "d.txt")


def test_merge_never_loses_a_known_field_to_an_unknown_one():
    full = make("P", "a.txt", authors=3, upvotes=2, published="2021-06-18",
                published_text="Jun 18, 2021")
    bare = make("P", "b.txt")
    for first, second in ((full, bare), (bare, full)):
        merged = merge_paper(first, second)
        assert (merged.authors, merged.upvotes, merged.published, merged.published_text) == (
            3, 2, "2021-06-18", "Jun 18, 2021")


def test_same_file_twice_is_one_source():
    (merged,) = merge_papers([[make("P", "a.txt")], [make("P", "a.txt")]])
    assert merged.sources == ("a.txt",)


# -- ids -----------------------------------------------------------------------------------------

def colliding_titles(prefix_length: int = 3) -> tuple[str, str]:
    seen: dict[str, str] = {}
    for n in range(100_000):
        title = f"Paper number {n}"
        key = paper_id(title)[:prefix_length]
        if key in seen:
            return seen[key], title
        seen[key] = title
    raise AssertionError("no collision found")


def test_resolve_full_id_unique_prefix_ambiguous_and_unknown():
    t1, t2 = colliding_titles()
    other = "Something else entirely"
    library = Library(papers=[make(t, "a.txt") for t in (t1, t2, other)])
    p1, p2, p3 = library.papers
    assert library.resolve(p1.id) is p1
    assert library.resolve(p1.id.upper()) is p1
    assert library.resolve(f"  {p3.id[:4]} ") is p3
    common = os.path.commonprefix([p1.id, p2.id])
    assert len(common) >= 3
    with pytest.raises(IdError) as ambiguous:
        library.resolve(common)
    assert "ambiguous" in str(ambiguous.value) and common in str(ambiguous.value)
    assert "\n" not in str(ambiguous.value)
    assert library.resolve(p1.id[:len(common) + 1]) is p1
    with pytest.raises(IdError, match="no paper with this id"):
        library.resolve("zzzzzz")
    with pytest.raises(IdError, match="empty id"):
        library.resolve("  ")
    assert library.get(p1.id) is p1 and library.get(p1.id[:5]) is None


def test_short_id_is_unique_and_at_least_seven_long(seed_library):
    shorts = {seed_library.short_id(p.id) for p in seed_library.papers}
    assert len(shorts) == len(seed_library)
    for paper in seed_library.papers:
        short = seed_library.short_id(paper.id)
        assert len(short) >= 7 and paper.id.startswith(short)
        assert seed_library.resolve(short) is paper


def test_short_id_grows_past_a_shared_prefix():
    t1, t2 = colliding_titles(prefix_length=7)
    library = Library(papers=[make(t1, "a"), make(t2, "a")])
    s1, s2 = (library.short_id(p.id) for p in library.papers)
    assert len(s1) >= 8 and s1 != s2[:len(s1)]
    assert library.resolve(s1) is library.papers[0]


# -- files and directories -----------------------------------------------------------------------

def test_directories_are_searched_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "a").mkdir()
    shutil.copyfile(SEEDS / SEED_NAMES[0], tmp_path / "b" / "deep" / "one.TXT")
    shutil.copyfile(SEEDS / SEED_NAMES[1], tmp_path / "a" / "two.txt")
    (tmp_path / "a" / "notes.md").write_text("not a listing")
    library = load_library([tmp_path])
    assert [f.relative_to(tmp_path).as_posix() for f in library.files] == [
        "a/two.txt", "b/deep/one.TXT"]
    assert library.warnings == []
    assert len(library) == len({p.id for p in library.papers}) > 63


def test_a_file_and_a_directory_together(tmp_path, seed_copy):
    library = load_library([seed_copy / SEED_NAMES[3], str(seed_copy)])
    assert library.files[0].name == SEED_NAMES[3]
    assert len(library) == 163


def test_directory_symlink_loop_is_walked_once(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    shutil.copyfile(SEEDS / SEED_NAMES[0], root / "sub" / "x.txt")
    os.symlink(root, root / "sub" / "back-to-root")
    os.symlink("../sub", root / "sub" / "self")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    os.symlink(tmp_path / "b", tmp_path / "a" / "to-b")
    os.symlink(tmp_path / "a", tmp_path / "b" / "to-a")
    shutil.copyfile(SEEDS / SEED_NAMES[1], tmp_path / "b" / "y.txt")
    library = load_library([root])
    assert [f.name for f in library.files] == ["x.txt"]
    assert len(library) == 37
    library = load_library([tmp_path / "a"])
    assert [f.name for f in library.files] == ["y.txt"]


def test_file_symlink_loop_is_a_warning_next_to_good_files(tmp_path):
    shutil.copyfile(SEEDS / SEED_NAMES[0], tmp_path / "good.txt")
    os.symlink(tmp_path / "b.txt", tmp_path / "a.txt")
    os.symlink(tmp_path / "a.txt", tmp_path / "b.txt")
    library = load_library([tmp_path])
    assert len(library) == 37
    assert len(library.warnings) == 2
    for warning, name in zip(library.warnings, ("a.txt", "b.txt")):
        assert warning.startswith(f"{tmp_path / name}: cannot read (")
        assert "symbolic links" in warning and "\n" not in warning
    with pytest.raises(LoadError, match=r"a\.txt: cannot read \(Too many levels of symbolic links\)"):
        load_library([tmp_path / "a.txt"])


def test_missing_path_is_a_load_error(tmp_path):
    with pytest.raises(LoadError) as err:
        load_library([tmp_path / "nope.txt"])
    assert str(err.value) == f"{tmp_path / 'nope.txt'}: no such file or directory"
    # even next to a good path: the user named something that isn't there
    with pytest.raises(LoadError):
        load_library([SEEDS, tmp_path / "nope"])


def test_directory_without_listings_is_a_load_error(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "readme.md").write_text("hello")
    with pytest.raises(LoadError) as err:
        load_library([tmp_path])
    assert str(err.value) == f"{tmp_path}: directory has no listings (*.txt or *.json files)"


def test_bad_files_become_one_line_warnings_while_the_rest_loads(tmp_path):
    shutil.copyfile(SEEDS / SEED_NAMES[0], tmp_path / "0-good.txt")
    (tmp_path / "1-empty.txt").write_bytes(b"")
    (tmp_path / "2-binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "3-latin1.txt").write_bytes("Caf\xe9 title\n\nAbstract\n".encode("latin-1"))
    library = load_library([tmp_path])
    assert len(library) == 37
    assert len(library.warnings) == 3
    expected = {"1-empty.txt": "empty file", "2-binary.txt": "binary data",
                "3-latin1.txt": "not UTF-8 text (byte 0xe9 at offset 3)"}
    for warning in library.warnings:
        assert "\n" not in warning
        path, _, problem = warning.partition(": ")
        assert expected[Path(path).name] in problem


def test_only_bad_files_is_a_load_error_naming_the_first_and_counting_the_rest(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01")
    with pytest.raises(LoadError) as err:
        load_library([tmp_path])
    assert str(err.value) == f"{tmp_path / 'a.txt'}: empty file (and 1 more unreadable files)"


def test_warnings_name_the_path_the_user_gave(tmp_path, monkeypatch):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text("T\n\nA\n\n  • 2 authors\n·\nFeb 31, 2023\n")
    monkeypatch.chdir(tmp_path)
    library = load_library(["d"])
    assert library.warnings == ["d/x.txt:7: impossible date 'Feb 31, 2023'; date left unknown"]
