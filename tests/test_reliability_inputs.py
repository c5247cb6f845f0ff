"""Bad input: every strange file gives one clear line naming the file and the problem, never a
traceback. Alone it is an error (``LoadError``; exit status 1 on the command line); next to good
listings it is a warning and the rest still loads.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from paperterm.library import LoadError, load_library
from paperterm.sources import ListingError, decode_listing
from paperterm.sources.hf_daily import parse_listing

from conftest import ROOT, SEEDS

SEED = SEEDS / "000_dac3a4fc63ae358e.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_PAPERS = 37
HELPERS = Path(__file__).parent / "helpers"
HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n" \
         "byAK and the research community\n\nDec 9\n"


def seed_papers():
    return parse_listing(SEED_TEXT, SEED.name).papers


# -- files that cannot be a listing: (name, bytes, problem the message must contain) -------------

def _html() -> bytes:
    return ("<!DOCTYPE html>\n<html lang='en'><head><title>Daily Papers - Hugging Face</title>"
            "</head><body><h1>Daily Papers</h1>" + "<p>x</p>" * 100 + "</body></html>").encode()


def _latin1() -> bytes:
    return SEED_TEXT.replace("•", "*").replace("·", "-").replace(
        "Deep Learning Theory", "Deep Learning Théorie").encode("latin-1", "replace")


FATAL: list[tuple[str, Callable[[], bytes], str]] = [
    ("empty", lambda: b"", "empty file"),
    ("blank", lambda: b"  \n\n\t \r\n\n", "empty file"),
    ("header-only", lambda: HEADER.encode(), "only the page header, no papers"),
    ("header-no-date", lambda: b"new\n\nSubscribe\n", "only the page header, no papers"),
    ("binary", lambda: bytes(range(256)) * 64, "binary data (NUL byte at offset 0)"),
    ("binary-late-nul", lambda: SEED_TEXT.encode() + b"\x00" * 512,
     f"binary data (NUL byte at offset {len(SEED_TEXT.encode()):,})"),
    ("binary-no-nul", lambda: bytes(range(128, 256)) * 8, "not UTF-8 text (byte 0x80 at offset 0)"),
    ("png", lambda: b"\x89PNG\r\n\x1a\n" + bytes(100), "a PNG image, not a text listing"),
    ("pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document, not a text listing"),
    ("utf16-no-bom", lambda: SEED_TEXT.encode("utf-16-le"),
     "UTF-16 text without a byte-order mark; save the listing as UTF-8"),
    ("utf16-be-no-bom", lambda: SEED_TEXT.encode("utf-16-be"),
     "UTF-16 text without a byte-order mark"),
    ("latin1", _latin1, "not UTF-8 text (byte 0xe9 at offset"),
    ("html", _html, "an HTML page, not a text listing; copy the page's text instead"),
    ("html-bom", lambda: codecs.BOM_UTF8 + b"\n  " + _html(), "an HTML page"),
    ("prose", lambda: b"Just one paragraph of notes, not a listing.\n", "no papers found"),
]

# -- files that are listings, in another dress: they must give exactly the seed's papers ----------

SAME: list[tuple[str, Callable[[], bytes]]] = [
    ("utf8-bom", lambda: codecs.BOM_UTF8 + SEED_TEXT.encode()),
    ("crlf", lambda: SEED_TEXT.replace("\n", "\r\n").encode()),
    ("cr-only", lambda: SEED_TEXT.replace("\n", "\r").encode()),
    ("utf16-le-bom", lambda: SEED_TEXT.encode("utf-16")),  # Python writes a BOM
    ("utf16-be-bom", lambda: codecs.BOM_UTF16_BE + SEED_TEXT.encode("utf-16-be")),
    ("trailing-space", lambda: SEED_TEXT.replace("\n", " \t \n").encode()),
    ("extra-blank", lambda: ("\n\n" + SEED_TEXT.replace("\n\n", "\n\n  \n\n\n") + "\n\n\n").encode()),
    ("final-newline", lambda: (SEED_TEXT + "\n").encode()),
    ("cut-mid-character", lambda: SEED_TEXT.encode() + "•".encode()[:2]),
]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    return path


def good_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "listings"
    directory.mkdir()
    shutil.copyfile(SEED, directory / "0-good.txt")
    return directory


def assert_one_line(message: str) -> None:
    assert message and "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize("name,make,problem", FATAL, ids=[c[0] for c in FATAL])
def test_bad_file_alone_is_a_load_error(tmp_path, name, make, problem):
    path = write(tmp_path, name, make())
    with pytest.raises(LoadError) as err:
        load_library([path])
    message = str(err.value)
    assert_one_line(message)
    assert message.startswith(f"{path}: ")
    assert problem in message


@pytest.mark.parametrize("name,make,problem", FATAL, ids=[c[0] for c in FATAL])
def test_bad_file_next_to_a_good_one_is_a_warning(tmp_path, name, make, problem):
    directory = good_dir(tmp_path)
    path = write(directory, "1-" + name, make())
    library = load_library([directory])
    assert len(library) == SEED_PAPERS
    problems = [w for w in library.warnings if w.startswith(f"{path}: ")]
    assert len(problems) == 1 and problem in problems[0]
    for warning in library.warnings:
        assert_one_line(warning)
        assert warning.startswith(str(path))


@pytest.mark.parametrize("name,make", SAME, ids=[c[0] for c in SAME])
def test_other_encodings_and_line_ends_give_the_same_papers(tmp_path, name, make):
    path = write(tmp_path, name, make())
    library = load_library([path])
    assert library.warnings == []
    expected = [p.__class__(**{**p.to_dict(), "urls": tuple(p.urls), "sources": (path.name,)})
                for p in seed_papers()]
    got = library.papers
    assert [p.title for p in got] == [p.title for p in expected]
    for mine, theirs in zip(got, expected):
        assert (mine.abstract, mine.authors, mine.published_text, mine.upvotes, mine.urls) == (
            theirs.abstract, theirs.authors, theirs.published_text, theirs.upvotes, theirs.urls)


# -- damaged listings: they load, and say what was wrong -----------------------------------------

def test_truncated_last_paper(tmp_path):
    # cut right after the last paper's title: that paper is skipped with a warning
    last_title = seed_papers()[-1].title
    cut = SEED_TEXT[:SEED_TEXT.index(last_title) + len(last_title)]
    path = write(tmp_path, "cut-after-title", cut.encode())
    library = load_library([path])
    assert len(library) == SEED_PAPERS - 1
    (warning,) = library.warnings
    assert warning.startswith(f"{path}:") and "cut short (no abstract); skipped" in warning
    assert last_title[:40] in warning


def test_truncated_in_the_meta_block(tmp_path):
    cut = SEED_TEXT.rstrip()
    cut = cut[:cut.rindex("\n")]  # drop the date line of the last paper's meta block
    assert cut.endswith("·")
    path = write(tmp_path, "cut-in-meta", cut.encode())
    library = load_library([path])
    assert len(library) == SEED_PAPERS
    assert library.papers[-1].authors is not None and library.papers[-1].published_text is None
    (warning,) = library.warnings
    assert "meta block has no date" in warning and warning.startswith(f"{path}:")
    # and cut before the dot: "  • 5 authors" alone is still read as a cut-short meta block
    cut = cut[:cut.rindex("\n")]
    path = write(tmp_path, "cut-before-dot", cut.encode())
    library = load_library([path])
    assert len(library) == SEED_PAPERS and library.papers[-1].authors is not None


def test_truncated_at_every_point_of_the_last_paper_never_fails(tmp_path):
    data = SEED_TEXT.encode()
    start = data.rindex(seed_papers()[-1].title.encode()) - 2
    for end in range(start, len(data) + 1, 7):
        text = decode_listing(data[:end])
        result = parse_listing(text, "cut.txt")
        assert SEED_PAPERS - 1 <= len(result.papers) <= SEED_PAPERS
        for warning in result.warnings:
            assert_one_line(warning)


GARBAGE_META = [
    ("  • 99999999999999999999999 authors", "Aug 28 1", "implausible author count"),
    ("  • 0 authors", "Aug 28 1", "implausible author count"),
    ("  • " + "9" * 5000 + " authors", "Aug 28 1", "implausible author count"),
    ("  • 3 authors", "Aug 28 " + "9" * 5000, "implausible upvote count after 'Aug 28'"),
    ("  • 3 authors", "Aug 28 99999999999", "implausible upvote count"),
    ("  • 3 authors", "Feb 31, 2023", "impossible date 'Feb 31, 2023'; date left unknown"),
    ("  • 3 authors", "Feb 30 4", "impossible date 'Feb 30'"),
    ("  • 3 authors", "Jun 0, 2021", "impossible date"),
    ("  • 3 authors", "Jun 18, 0000", "impossible date"),
    ("  • 3 authors", "Foo 12, 2023", "unrecognised date 'Foo 12, 2023'; kept as text"),
    ("  • 3 authors", "Aug 28 -1", "unrecognised date"),
    ("  • 3 authors", "yesterday", "unrecognised date"),
]


@pytest.mark.parametrize("who,date,problem", GARBAGE_META, ids=range(len(GARBAGE_META)))
def test_garbage_in_a_meta_block_is_a_warning(tmp_path, who, date, problem):
    text = SEED_TEXT.rstrip() + f"\n\nOdd Paper\n\nIts abstract.\n\n{who}\n·\n{date}\n"
    path = write(tmp_path, "garbage", text.encode())
    library = load_library([path])
    assert len(library) == SEED_PAPERS + 1
    odd = library.papers[-1]
    assert odd.title == "Odd Paper" and odd.abstract == "Its abstract."
    assert odd.published_text and date.startswith(odd.published_text)
    (warning,) = library.warnings
    assert_one_line(warning)
    assert warning.startswith(f"{path}:") and problem in warning
    assert len(warning) < 300


def test_impossible_date_keeps_text_and_upvotes(tmp_path):
    text = "Title\n\nAbstract\n\n  • 2 authors\n·\nFeb 31, 2023 4\n"
    (paper,) = parse_listing(text, "x.txt").papers
    assert (paper.published, paper.published_text, paper.upvotes, paper.authors) == (
        None, "Feb 31, 2023", 4, 2)


def test_title_longer_than_2000_characters(tmp_path):
    long_title = "Attention " * 250  # 2,500 characters
    text = SEED_TEXT.replace("The Principles of Deep Learning Theory", long_title.strip())
    path = write(tmp_path, "long-title", text.encode())
    library = load_library([path])
    assert len(library) == SEED_PAPERS - 1
    assert all(len(p.title) < 2000 for p in library.papers)
    (warning,) = library.warnings
    assert warning == f"{path}:13: title of 2,499 characters (over 2,000); paper skipped"


def test_only_a_long_line(tmp_path):
    path = write(tmp_path, "one-line", b"x" * 1_000_000)
    with pytest.raises(LoadError) as err:
        load_library([path])
    assert str(err.value) == f"{path}: no papers found"


# -- a 100 MB listing ----------------------------------------------------------------------------

def big_listing(path: Path, size: int) -> int:
    """Write a valid listing of at least ``size`` bytes: the seed's papers over and over, each copy
    with numbered titles so they stay distinct. Returns the number of papers written."""
    papers = seed_papers()
    written = count = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        copy = 0
        while written < size:
            chunk = []
            for p in papers:
                chunk.append(f"{p.title} (copy {copy})\n\n{p.abstract}\n\n")
                if p.published_text:
                    chunk.append(f"  • {p.authors} authors\n·\n{p.published_text}"
                                 f"{'' if p.upvotes is None else f' {p.upvotes}'}\n\n")
            block = "".join(chunk)
            fh.write(block)
            written += len(block.encode())
            count += len(papers)
            copy += 1
    return count


def test_100_mb_file_loads_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.txt"
    expected = big_listing(path, 100 * 2**20)
    assert path.stat().st_size >= 100 * 2**20
    proc = subprocess.run([sys.executable, str(HELPERS / "load_paths.py"), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["error"] is None
    assert report["papers"] == expected > 60_000
    assert report["warnings"] == []
    # about 3.6 times the file; the bound leaves room for other Python builds
    assert report["maxrss_mb"] < 1024, report


# -- paths that are not plain readable files -----------------------------------------------------

def test_missing_path(tmp_path):
    with pytest.raises(LoadError) as err:
        load_library([tmp_path / "missing.txt"])
    assert str(err.value) == f"{tmp_path / 'missing.txt'}: no such file or directory"


def test_directory_with_no_listings(tmp_path):
    (tmp_path / "empty-dir").mkdir()
    with pytest.raises(LoadError) as err:
        load_library([tmp_path / "empty-dir"])
    assert str(err.value) == f"{tmp_path / 'empty-dir'}: directory has no listings (*.txt or *.json files)"


def test_broken_symlink(tmp_path):
    directory = good_dir(tmp_path)
    os.symlink(tmp_path / "gone.txt", directory / "dangling.txt")
    library = load_library([directory])
    assert len(library) == SEED_PAPERS
    assert library.warnings == [
        f"{directory / 'dangling.txt'}: cannot read (No such file or directory)"]


def test_file_symlink_loop(tmp_path):
    os.symlink(tmp_path / "b.txt", tmp_path / "a.txt")
    os.symlink(tmp_path / "a.txt", tmp_path / "b.txt")
    with pytest.raises(LoadError) as err:
        load_library([tmp_path / "a.txt"])
    assert str(err.value) == f"{tmp_path / 'a.txt'}: cannot read (Too many levels of symbolic links)"


def test_directory_symlink_loop(tmp_path):
    directory = good_dir(tmp_path)
    os.symlink(directory, directory / "loop")
    os.symlink(tmp_path, directory / "up")
    library = load_library([directory])
    assert len(library) == SEED_PAPERS and library.warnings == []
    assert [f.name for f in library.files] == ["0-good.txt"]


def test_fifo_is_refused_not_waited_on(tmp_path):
    directory = good_dir(tmp_path)
    os.mkfifo(directory / "pipe.txt")

    def timeout(*_):
        raise AssertionError("reading a FIFO blocked")

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(20)
    try:
        library = load_library([directory])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert len(library) == SEED_PAPERS
    assert library.warnings == [f"{directory / 'pipe.txt'}: not a regular file"]


def test_unreadable_file_via_failing_open(tmp_path, monkeypatch):
    """The error path for any file the system refuses to open, whoever runs the tests."""
    directory = good_dir(tmp_path)
    locked = directory / "1-locked.txt"
    shutil.copyfile(SEED, locked)
    real_open = open

    def refusing_open(path, *args, **kwargs):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("paperterm.library.open", refusing_open, raising=False)
    library = load_library([directory])
    assert len(library) == SEED_PAPERS
    assert library.warnings == [f"{locked}: cannot read (Permission denied)"]
    with pytest.raises(LoadError) as err:
        load_library([locked])
    assert str(err.value) == f"{locked}: cannot read (Permission denied)"


def _load_as_nobody(paths: list[Path], locked: Path) -> dict:
    """Load in a child process that drops to uid/gid 65534 ("nobody") before reading. Where the
    child may not give up root (some containers), the refusal to open ``locked`` is simulated."""
    proc = subprocess.run(
        [sys.executable, str(HELPERS / "load_paths.py"), "--as-uid", "65534", *map(str, paths)],
        cwd="/", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    if "cannot_drop_root" not in report:
        return report
    real_open = open

    def refusing_open(path, *args, **kwargs):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("paperterm.library.open", refusing_open, raising=False)
        try:
            library = load_library(paths)
        except LoadError as exc:
            return {"papers": 0, "warnings": [], "error": str(exc)}
        return {"papers": len(library), "warnings": library.warnings, "error": None}


def test_unreadable_file_by_permissions():
    """chmod 000 for real. Root reads anything, so as root the load runs in a child process that
    gives up root for user 65534 ("nobody") first."""
    base = Path(tempfile.mkdtemp(prefix="paperterm-perm-"))
    try:
        base.chmod(0o755)
        directory = base / "listings"
        directory.mkdir()
        directory.chmod(0o755)
        shutil.copyfile(SEED, directory / "0-good.txt")
        (directory / "0-good.txt").chmod(0o644)
        locked = directory / "1-locked.txt"
        shutil.copyfile(SEED, locked)
        locked.chmod(0)
        expected_problem = f"{locked}: cannot read (Permission denied)"
        if os.geteuid() != 0:
            library = load_library([directory])
            assert len(library) == SEED_PAPERS and library.warnings == [expected_problem]
            with pytest.raises(LoadError, match=r"cannot read \(Permission denied\)"):
                load_library([locked])
            return
        report = _load_as_nobody([directory], locked)
        assert report == {**report, "papers": SEED_PAPERS, "warnings": [expected_problem],
                          "error": None}
        report = _load_as_nobody([locked], locked)
        assert report["error"] == expected_problem
    finally:
        shutil.rmtree(base, ignore_errors=True)


# -- decode_listing never lets anything but ListingError out -------------------------------------

@pytest.mark.parametrize("data", [
    b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00", b"\xff\xfe\x00\xd8\x00\xdc\x00\xd8",
    b"\xef\xbb\xbf", b"\xef\xbb", b"\x00", b"<html>", b"\xc3", b"\xed\xa0\x80",
])
def test_decode_listing_odd_bytes(data):
    try:
        text = decode_listing(data)
    except ListingError as exc:
        assert_one_line(str(exc))
    else:
        assert isinstance(text, str)
        parse_listing(text, "x.txt")


# -- the command line: same messages, prefixed, exit status 1, never a traceback ------------------

def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "paperterm", *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=ROOT)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


CLI_CASES = [c for c in FATAL if c[0] in
             {"empty", "header-only", "binary", "utf16-no-bom", "latin1", "html", "prose"}]


@pytest.mark.parametrize("name,make,problem", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_bad_file_alone_exits_1_with_one_line(tmp_path, name, make, problem):
    path = write(tmp_path, name, make())
    proc = run_cli("list", str(path))
    assert proc.returncode == 1
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"paperterm: {path}: ") and problem in line


def test_cli_bad_paths_exit_1_with_one_line(tmp_path):
    (tmp_path / "empty-dir").mkdir()
    os.symlink(tmp_path / "loop-b.txt", tmp_path / "loop-a.txt")
    os.symlink(tmp_path / "loop-a.txt", tmp_path / "loop-b.txt")
    os.mkfifo(tmp_path / "fifo.txt")
    for path, problem in (
        (tmp_path / "missing.txt", "no such file or directory"),
        (tmp_path / "empty-dir", "directory has no listings (*.txt or *.json files)"),
        (tmp_path / "loop-a.txt", "cannot read (Too many levels of symbolic links)"),
        (tmp_path / "fifo.txt", "not a regular file"),
    ):
        proc = run_cli("list", str(path))
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr == f"paperterm: {path}: {problem}\n"


def test_cli_bad_files_next_to_good_ones_are_warnings(tmp_path):
    directory = good_dir(tmp_path)
    for name, make, _ in FATAL[:6]:
        write(directory, "1-" + name, make())
    text = SEED_TEXT.replace("Jun 18, 2021", "Feb 31, 2021")
    write(directory, "2-feb31", text.encode())
    proc = run_cli("list", "--json", str(directory))
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == SEED_PAPERS
    lines = proc.stderr.splitlines()
    assert len(lines) == 7
    for line in lines:
        assert line.startswith(f"paperterm: warning: {directory}/")
    assert any("2-feb31.txt:19: impossible date 'Feb 31, 2021'" in line for line in lines)
