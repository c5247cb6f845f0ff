"""paperterm add: a pasted page saved as <data dir>/listings/YYYY-MM-DD.txt."""

from __future__ import annotations

import datetime as dt
import stat

import pytest

from cli_helpers import run_cli
from paperterm import locations
from paperterm.listings import SaveError, save_page

SEED = "seeds/000_dac3a4fc63ae358e.txt"


@pytest.fixture
def page(seeds_dir) -> bytes:
    return (seeds_dir / "000_dac3a4fc63ae358e.txt").read_bytes()


def listing_files():
    folder = locations.listings_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_add_a_file_for_a_date(seeds_dir):
    proc = run_cli("add", str(seeds_dir / "000_dac3a4fc63ae358e.txt"), "--date", "2025-12-09")
    target = locations.listings_dir() / "2025-12-09.txt"
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(f"paperterm: add: saved ") and str(target) in proc.stderr
    assert target.read_bytes() == (seeds_dir / "000_dac3a4fc63ae358e.txt").read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


def test_add_from_stdin_defaults_to_today_and_tells_the_count(page):
    proc = run_cli("add", input=page.decode("utf-8"))
    today = dt.date.today().isoformat()
    assert proc.returncode == 0, proc.stderr
    from paperterm.sources.hf_daily import parse_listing

    count = len(parse_listing(page.decode("utf-8"), "x").papers)
    assert f"saved {count} papers as " in proc.stderr
    assert listing_files() == [f"{today}.txt"]


def test_saving_the_same_page_twice_keeps_one_and_a_different_one_gets_a_suffix(page):
    day = dt.date(2025, 12, 9)
    first = save_page(page, day)
    again = save_page(page, day)
    assert not first.already_saved and again.already_saved and again.path == first.path
    other = page.replace(b"The Principles of Deep Learning Theory", b"Another Title")
    second = save_page(other, day)
    third = save_page(other + b"\n\nOne More\n\nAbstract.\n", day)
    assert second.path.name == "2025-12-09-2.txt" and third.path.name == "2025-12-09-3.txt"
    assert save_page(other, day).path == second.path  # identical to the -2 one
    assert listing_files() == ["2025-12-09-2.txt", "2025-12-09-3.txt", "2025-12-09.txt"]


def test_cli_says_already_saved():
    run_cli("add", SEED, "--date", "2025-12-09", cwd=locations.seeds_dir().parent)
    proc = run_cli("add", SEED, "--date", "2025-12-09", cwd=locations.seeds_dir().parent)
    assert proc.returncode == 0
    assert "already saved as" in proc.stderr and "nothing new written" in proc.stderr


@pytest.mark.parametrize("text, reason", [
    ("", "no text"),
    ("   \n\n", "no text"),
    ("Hello, this is not a listing\n", "no papers found"),
    ("new\n\nSubscribe\n\nDec 9\n", "only the page header, no papers"),
])
def test_text_with_no_papers_is_refused_and_nothing_written(text, reason):
    proc = run_cli("add", "-", input=text)
    assert proc.returncode == 1
    assert proc.stderr.startswith("paperterm: add: stdin: ") and reason in proc.stderr
    assert "nothing saved" in proc.stderr and proc.stderr.count("\n") == 1
    assert listing_files() == []


def test_binary_and_html_are_refused(tmp_path):
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(b"%PDF-1.7 ...")
    proc = run_cli("add", str(pdf))
    assert proc.returncode == 1 and "a PDF document, not a text listing" in proc.stderr
    with pytest.raises(SaveError, match="an HTML page"):
        save_page(b"<!DOCTYPE html><html><body>x</body></html>", dt.date(2025, 1, 1))
    assert listing_files() == []


def test_a_missing_file_and_a_bad_date_are_one_line(tmp_path):
    proc = run_cli("add", str(tmp_path / "nope.txt"))
    assert proc.returncode == 1 and "nope.txt: cannot read (No such file or directory)" in proc.stderr
    proc = run_cli("add", SEED, "--date", "2025-13-01", cwd=locations.seeds_dir().parent)
    assert proc.returncode == 2 and "'2025-13-01' is not a date" in proc.stderr


def test_a_page_dated_otherwise_gets_a_hint(page):
    proc = run_cli("add", "-", input=page.decode("utf-8"))  # the seed page shows 'Dec 9'
    today = dt.date.today()
    if (today.month, today.day) == (12, 9):
        assert "note:" not in proc.stderr
    else:
        assert "note: the page shows Dec 9" in proc.stderr and "--date" in proc.stderr


def test_utf16_pages_are_saved_as_utf8(page):
    saved = save_page("\ufeff".encode("utf-16-le") + page.decode("utf-8").encode("utf-16-le"),
                      dt.date(2025, 1, 2))
    assert saved.path.read_bytes().decode("utf-8").lstrip("\ufeff") == page.decode("utf-8")


def test_added_pages_are_read_by_default(page):
    save_page(page, dt.date(2025, 12, 9))
    proc = run_cli("list", "--json")
    assert proc.returncode == 0
    assert "2025-12-09.txt" in proc.stdout
