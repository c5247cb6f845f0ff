"""Untrusted text stays text (issue 16): no terminal escapes, no spreadsheet formulas.

A hostile listing (``tests/hostile.py``: every escape sequence, C1 control and bidi override, in
every field, and formula titles) goes through the parser, every command (its real output bytes,
on a pseudo-terminal and into a pipe), every export format and the reader's screen.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from cli_helpers import run_cli
from hostile import ALL, FIRST_HOSTILE_LINE, FORBIDDEN, FORMULA_TITLES, HOSTILE_NOTE, \
    hostile_listing
from paperterm import safe_text
from paperterm.export import render
from paperterm.export.csv_table import FORMULA_START, neutralise, restore
from paperterm.library import load_library
from paperterm.links import paper_links
from paperterm.model import Paper
from paperterm.safe_text import (UNSAFE, UNSAFE_IN_LISTING, ascii_notation, json_safe,
                                 markdown_safe, may_hold_unsafe, visible, visible_lines)
from paperterm.sources import FieldCleaner, clean_listing_text
from paperterm.sources.hf_daily import parse_listing
from paperterm.model import Marker
from paperterm.state import MarkerStore

ROOT = Path(__file__).resolve().parents[1]
TEXT_FIELDS = ("title", "abstract", "organization", "published_text")
#: Bytes a terminal would obey, in terminal output decoded as UTF-8 (undecodable bytes, such as a
#: raw 8-bit CSI, show up as surrogate escapes and are forbidden too). CR and LF are allowed: a
#: pseudo-terminal turns every LF into CRLF.
TERMINAL_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\udc80-\udcff]")


def assert_terminal_safe(data: bytes, what: str = "") -> None:
    text = data.decode("utf-8", "surrogateescape")
    bad = TERMINAL_FORBIDDEN.search(text)
    assert bad is None, f"{what}: {bad.group(0)!r} at {bad.start()}: {text[max(0, bad.start() - 60):bad.start() + 20]!r}"


@pytest.fixture
def hostile_file(tmp_path) -> Path:
    path = tmp_path / "hostile.txt"
    path.write_text(hostile_listing(), encoding="utf-8")
    return path


@pytest.fixture
def hostile_papers(hostile_file) -> list[Paper]:
    return load_library([hostile_file]).papers


# -- what Rich and Textual do on their own (why paperterm must do it) ----------------------------

def test_rich_and_textual_pass_an_escape_to_the_terminal_raw():
    """Rich's Text and Textual's Content strip only BEL, BS, VT, FF and CR: ESC and C1 pass."""
    from rich.console import Console
    from rich.text import Text
    from textual.content import Content

    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system=None, width=80).print(
        Text("a\x1b]0;x\x07b\x9bc"))
    assert "\x1b]0;x" in out.getvalue() and "\x9b" in out.getvalue()
    assert "\x1b" in Content("a\x1b[2Jb").plain


# -- safe_text ---------------------------------------------------------------------------------

def test_visible_shows_every_control_as_one_picture():
    assert visible("a\x1b[2Jb") == "a␛[2Jb"
    assert visible("\x07\x7f\x00") == "␇␡␀"
    assert visible("x\x9b31m\x85") == "x\ufffd31m\ufffd"
    assert visible("\u202eabc\u2066\u2069") == "\ufffdabc\ufffd\ufffd"
    assert visible("tab\tnew\nline") == "tab new line"
    assert visible("lone \ud800 surrogate") == "lone \ufffd surrogate"
    for text in (ALL, HOSTILE_NOTE, "plain ünïcode ★ text"):
        shown = visible(text)
        assert len(shown) == len(text)  # one for one: highlight offsets still fit
        assert TERMINAL_FORBIDDEN.search(shown) is None
        shown.encode("utf-8")  # never a lone surrogate
    plain = "A title with nothing to hide"
    assert visible(plain) is plain


def test_visible_lines_keeps_line_breaks_and_tabs():
    assert visible_lines("one\r\ntwo\nthree\tx\rfour\x1b") == "one\ntwo\nthree\tx␍four␛"
    assert TERMINAL_FORBIDDEN.search(visible_lines(HOSTILE_NOTE).replace("\n", "")) is None


def test_json_safe_is_the_same_json_value():
    value = {"t": ALL + "\ud800", "n": HOSTILE_NOTE}
    text = json_safe(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert TERMINAL_FORBIDDEN.search(text) is None
    assert "\\u009b" in text and "\\u202e" in text and "\\ud800" in text


def test_markdown_and_ascii_notation():
    assert markdown_safe("a\x1bb\u202ec\x9bd\te\nf") == "a&#x1B;b&#x202E;c&#x9B;d\te\nf"
    assert ascii_notation("a\x1bb\u202ec\r\n\td") == "a[U+001B]b[U+202E]c\r\n\td"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_byte_check_is_exact_for_utf8(text):
    assert may_hold_unsafe(text.encode("utf-8")) == bool(UNSAFE_IN_LISTING.search(text))


@pytest.mark.parametrize("char", [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0),
                                                    *range(0x202A, 0x202F), *range(0x2066, 0x206A)]])
def test_byte_check_sees_every_unsafe_character(char):
    expected = char not in "\t\n\r"
    assert may_hold_unsafe(f"text {char} text".encode("utf-8")) is expected
    assert may_hold_unsafe(f"text {char}".encode("utf-16")) is True  # UTF-16: always scanned


# -- parsing -----------------------------------------------------------------------------------

def test_parsing_removes_every_control_from_every_field_with_one_warning(hostile_file):
    library = load_library([hostile_file])
    assert len(library.papers) == 6
    for paper in library.papers:
        for name in TEXT_FIELDS:
            value = getattr(paper, name)
            assert value is None or FORBIDDEN.search(value) is None, (name, value)
        for value in (*paper.urls, *paper.sources):
            assert FORBIDDEN.search(value) is None
    removed = [w for w in library.warnings if "control character" in w]
    count = len(UNSAFE_IN_LISTING.findall(hostile_listing()))
    assert removed == [f"{hostile_file}:{FIRST_HOSTILE_LINE}: removed {count:,} control "
                       "characters (terminal escape, bidi override) from the text; the first is "
                       "on this line"]
    titles = [p.title for p in library.papers]
    assert any(t.startswith('=HYPERLINK("http://evil.example/x","click me") ]0;PWNED-TITLE[2J')
               for t in titles)  # the text around the controls is kept, only they are gone
    (org_paper,) = [p for p in library.papers if p.organization and p.organization.startswith("=")]
    assert org_paper.organization.startswith("=1+1 Org]0;PWNED")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_warning_names_the_first_line_with_any_line_ends(newline):
    text = newline.join(["Title one", "", "Abstract one", "", "Title \x1b[2J two", "",
                         "Abstract \x9b two", ""])
    result = parse_listing(text, "x.txt")
    assert [p.title for p in result.papers] == ["Title one", "Title [2J two"]
    assert result.papers[1].abstract == "Abstract  two"
    assert result.warnings == ["x.txt:5: removed 2 control characters (terminal escape, bidi "
                               "override) from the text; the first is on this line"]
    assert clean_listing_text("clean", "x.txt") == ("clean", None)


def test_scan_can_be_skipped_only_by_a_caller_that_checked_the_bytes(hostile_file):
    data = hostile_file.read_bytes()
    assert may_hold_unsafe(data)
    seed = (ROOT / "seeds").glob("*.txt").__next__().read_bytes()
    assert not may_hold_unsafe(seed)


def test_field_cleaner_for_structured_sources():
    clean = FieldCleaner("papers.json")
    assert clean("fine") == "fine" and clean(None) is None
    assert clean.warning() is None
    assert clean("a\x1b]0;x\x07b", line=7) == "a]0;xb"
    assert clean("\u202ec\td\ne\r", line=9) == "c\td\ne"
    assert clean.warning() == ("papers.json:7: removed 4 control characters (terminal escape, "
                               "bidi override) from the text; the first is on this line")
    no_lines = FieldCleaner("p.json")
    no_lines("\x9b")
    assert no_lines.warning() == ("p.json: removed 1 control character (terminal escape, bidi "
                                  "override) from the text")


# -- exports -----------------------------------------------------------------------------------

def _hostile_markers(papers) -> dict[str, Marker]:
    return {p.id: Marker(paper_id=p.id, title=p.title, read=True, starred=True,
                         note=HOSTILE_NOTE) for p in papers}


def _with_raw_text(papers):
    """Papers as a stale cache or another source could hand them over: controls left in."""
    return [p.replace(title=ALL + p.title, abstract=p.abstract + ALL,
                      organization=(p.organization or "") + ALL, sources=(ALL + "x.txt",))
            for p in papers]


def test_csv_neutralises_every_formula(hostile_papers):
    papers = hostile_papers + [
        Paper(id="0" * 12, title="\tTab formula", abstract="\rCR formula",
              organization="@org", published_text="+1", sources=("=evil.txt",)),
        Paper(id="1" * 12, title="'=already quoted", abstract="'plain apostrophe"),
    ]
    markers = _hostile_markers(papers)
    text = render(papers, markers, "csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    for title in FORMULA_TITLES[:3]:  # the fourth has escapes in front: their text is first
        assert any(c.startswith("'" + title) for c in cells)
    assert "'\tTab formula" in cells and "'\rCR formula" in cells and "'@org" in cells
    assert "'=evil.txt" in cells and "''=already quoted" in cells and "'plain apostrophe" in cells
    header = rows[0]
    for row, paper in zip(rows[1:], papers):
        record = dict(zip(header, row))
        assert restore(record["title"]) == paper.title
        assert restore(record["abstract"]) == paper.abstract
        assert restore(record["note"]) == HOSTILE_NOTE  # exact text, controls included


@pytest.mark.parametrize("cell", ["", "x", "=", "'", "''=x", "'-", "-1", "@", "\t", "a=b", "'a"])
def test_csv_neutralise_restore_round_trip(cell):
    assert restore(neutralise(cell)) == cell
    assert not neutralise(cell).startswith(FORMULA_START)


def test_json_export_keeps_exact_text_and_prints_safely(hostile_papers):
    papers = _with_raw_text(hostile_papers)
    markers = _hostile_markers(papers)
    text = render(papers, markers, "json")
    assert TERMINAL_FORBIDDEN.search(text.replace("\n", "")) is None
    records = json.loads(text)
    assert [r["title"] for r in records] == [p.title for p in papers]
    assert [r["note"] for r in records] == [HOSTILE_NOTE] * len(papers)


MD = MarkdownIt("commonmark")


def _tokens(tokens):
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def test_markdown_export_is_text_not_html_or_links(hostile_papers):
    papers = _with_raw_text(hostile_papers)
    markers = _hostile_markers(papers)
    text = render(papers, markers, "markdown", title="<b>x</b> [t](http://evil.example/)")
    assert TERMINAL_FORBIDDEN.search(text.replace("\n", "")) is None
    tokens = list(_tokens(MD.parse(text)))
    assert not [t for t in tokens if t.type in ("html_inline", "html_block", "image")]
    # paperterm's own links for each paper (Paper.link, the title's link; arXiv, PDF, code): built
    # by paperterm, the title only ever quoted into an arXiv search URL.
    own = {MD.normalizeLink(link.url) for p in papers for link in paper_links(p)}
    for token in tokens:
        if token.type == "link_open":
            href = token.attrGet("href")
            # Only autolinks to URLs written out in the paper's own text, or paperterm's links.
            assert href.startswith(("http://", "https://")), href
            assert any(href in p.title + p.abstract for p in papers) or href in own, href
            if href in own and token.markup != "autolink":  # a title linked to its page
                assert href.startswith(("https://arxiv.org/search/?query=",
                                        "https://huggingface.co/papers/")), href
    html = MD.render(text)
    assert "<script>" not in html and "<img" not in html
    for paper in hostile_papers:  # the text itself renders back exactly (controls as references)
        assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 1
    assert "&amp;#x1B;" not in text  # the references are references, not escaped text
    assert "&#x1B;" in text and "&#x202E;" in text


def test_bibtex_export_holds_no_control_character(hostile_papers):
    papers = _with_raw_text(hostile_papers)
    text = render(papers, _hostile_markers(papers), "bibtex")
    assert TERMINAL_FORBIDDEN.search(text.replace("\n", "").replace("\r", "")) is None
    assert "[U+001B]]0;PWNED-TITLE" in text


# -- the command line: real output bytes on a pseudo-terminal and into a pipe -----------------

def run_on_terminal(*args: str, timeout: float = 120) -> tuple[int, bytes]:
    """Run ``python -m paperterm ARGS`` with stdout and stderr on a pseudo-terminal; return the
    exit status and every byte the terminal received."""
    import pty  # noqa: F401  (POSIX only: the pseudo-terminal itself comes from os.openpty)

    master, slave = os.openpty()
    env = dict(os.environ, COLUMNS="200", LINES="50", TERM="xterm-256color")
    proc = subprocess.Popen([sys.executable, "-m", "paperterm", *args], stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        status = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert b"Traceback" not in out, out.decode("utf-8", "replace")
    return status, bytes(out)


def _seed_hostile_store(papers) -> None:
    """Markers whose notes (and, for one paper only in the store, title) carry every sequence,
    as a marker file from another machine would."""
    with MarkerStore() as store:
        for paper in papers:
            store.set_starred(paper.id, paper.title, True)
            store.set_note(paper.id, paper.title, HOSTILE_NOTE)
        store.set_note("f" * 12, ALL + "gone listing" + ALL, HOSTILE_NOTE)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_every_command_on_a_terminal_prints_no_control_character(hostile_file, hostile_papers,
                                                                 tmp_path):
    _seed_hostile_store(hostile_papers)
    path = str(hostile_file)
    first = hostile_papers[0].id
    runs = [
        ["list", path], ["list", path, "--json"], ["list", path, "--query", "PWNED"],
        ["search", "evil", path], ["search", "evil", path, "--json"],
        ["state", "export"],
        ["mark", "fffffff", "--read", "--path", path],
        ["mark", first, "--note", HOSTILE_NOTE, "--path", path],
        ["show", "fffffff", path],  # only in the store: an error naming the id
        ["search", ALL, path],       # a query full of escapes (echoed in any error)
    ]
    runs += [["show", p.id, path] for p in hostile_papers]
    runs += [["show", p.id, path, "--json"] for p in hostile_papers]
    runs += [["export", path, "--format", fmt] for fmt in ("markdown", "bibtex", "csv", "json")]
    runs += [["export", path, "--all", "--format", fmt, "-o", str(tmp_path / f"out{ALL}.{fmt}")]
             for fmt in ("markdown", "csv")]
    for args in runs:
        status, out = run_on_terminal(*args)
        assert_terminal_safe(out, " ".join(args)[:80])
        assert status in (0, 1, 2), args
    status, out = run_on_terminal("show", first, path)
    assert status == 0
    text = out.decode("utf-8")
    assert "␛]0;PWNED-TITLE␇" in text  # the note's escapes, shown as pictures
    assert "]0;PWNED-TITLE" in text    # the title's, removed by the parser: their text is left


def test_json_output_in_a_pipe_is_exact(hostile_file, hostile_papers):
    _seed_hostile_store(hostile_papers)
    proc = run_cli("list", str(hostile_file), "--json")
    assert proc.returncode == 0
    assert TERMINAL_FORBIDDEN.search(proc.stdout.replace("\n", "")) is None
    assert {r["note"] for r in json.loads(proc.stdout)} == {HOSTILE_NOTE}
    proc = run_cli("state", "export")
    assert TERMINAL_FORBIDDEN.search(proc.stdout.replace("\n", "")) is None
    data = json.loads(proc.stdout)
    assert {m["note"] for m in data["markers"]} == {HOSTILE_NOTE}
    assert ALL + "gone listing" + ALL in {m["title"] for m in data["markers"]}


def test_csv_export_command_neutralises_formulas(hostile_file, tmp_path):
    proc = run_cli("export", str(hostile_file), "--all", "--format", "csv")
    assert proc.returncode == 0
    rows = list(csv.reader(io.StringIO(proc.stdout, newline="")))
    assert len(rows) == 7
    assert not [c for row in rows for c in row if c.startswith(FORMULA_START)]
    assert {row[1] for row in rows[1:]} >= {"'" + FORMULA_TITLES[0] + " ]0;PWNED-TITLE[2J[H]52;"
                                            "c;UFdORUQtQ0xJUA==P+q544e\\31mevil iso"}


def test_state_import_of_hostile_markers_then_every_printer(tmp_path, hostile_file):
    marker_file = tmp_path / f"markers{ALL}.json"
    marker_file.write_text(json.dumps({"format": "paperterm-markers", "version": 1, "markers": [
        {"id": "e" * 12, "title": ALL + "imported" + ALL, "read": True, "read_at": 1.0,
         "starred": True, "starred_at": 1.0, "note": HOSTILE_NOTE, "note_at": 1.0},
    ]}), encoding="utf-8")
    status, out = run_on_terminal("state", "import", str(marker_file))
    assert status == 0
    assert_terminal_safe(out, "state import")
    assert "imported 3 marker changes from" in out.decode() and "markers␛]0;" in out.decode()
    for args in (["mark", "eeeeeee", "--unread", "--path", str(hostile_file)],
                 ["export", str(hostile_file), "--format", "csv"], ["state", "export"]):
        status, out = run_on_terminal(*args)
        assert status == 0, out
        assert_terminal_safe(out, " ".join(args))


def test_file_names_in_warnings_and_errors_are_shown_safely(tmp_path, hostile_file):
    folder = tmp_path / f"dir{ALL}"
    folder.mkdir()
    (folder / f"empty{ALL}.txt").write_text("", encoding="utf-8")
    (folder / f"bin\x1b]0;x\x07.txt").write_bytes(b"\x00\x01binary")
    (folder / "good.txt").write_text(hostile_listing(), encoding="utf-8")
    status, out = run_on_terminal("list", str(folder))
    assert status == 0
    assert_terminal_safe(out, "list with hostile file names")
    text = out.decode()
    assert "paperterm: warning:" in text and "empty␛]0;PWNED-TITLE␇" in text
    status, out = run_on_terminal("list", str(tmp_path / f"missing{ALL}.txt"))
    assert status == 1
    assert_terminal_safe(out, "missing file")
    assert "missing␛]0;" in out.decode()


# -- the reader ----------------------------------------------------------------------------------

def _screen_segments(app):
    """Every text segment the reader would write now (all screens), without Textual's own cursor
    moves; the terminal receives exactly these texts between its style codes."""
    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", legacy_windows=False)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return [seg.text for seg in console.render(update) if not seg.control]


def _assert_screen_safe(app, what: str) -> str:
    texts = _screen_segments(app)
    joined = "".join(texts)
    bad = TERMINAL_FORBIDDEN.search(joined)
    assert bad is None, f"{what}: {bad.group(0)!r} in {joined[max(0, bad.start() - 60):bad.start() + 20]!r}"
    return joined


async def test_reader_shows_hostile_text_as_text(hostile_papers):
    from textual import events

    from paperterm.library import Library
    from paperterm.tui.app import create_app

    papers = _with_raw_text(hostile_papers)  # as an old cache could hand them over
    _seed_hostile_store(papers)
    app = create_app(library=Library(papers=papers), theme="textual-dark")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        screen = app.main_screen
        for index in range(len(papers)):
            screen.paper_list.move_cursor(index)
            await pilot.pause()
            shown = _assert_screen_safe(app, f"paper {index}")
        assert "␛]0;PWNED-TITLE␇" in shown  # the note in the detail pane, visibly
        await pilot.press("s")  # unstar: a notification? no; undo gives one quoting the title
        await pilot.press("u")
        await pilot.pause()
        _assert_screen_safe(app, "undo notification")
        await pilot.press("n")  # the note editor, with the note and title in it
        await pilot.pause()
        shown = _assert_screen_safe(app, "note editor")
        assert "␛]0;PWNED-TITLE␇" in shown
        app.post_message(events.Paste(f"pasted {ALL}"))  # as the terminal sends a paste
        await pilot.pause()
        _assert_screen_safe(app, "note editor after a paste")
        assert app.screen.query_one("#note-text").text.count("pasted ␛]0;PWNED-TITLE␇") == 1
        await pilot.press("escape")  # cancelled: nothing changes
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("ctrl+s")  # saved unchanged: the note stays exactly as it was
        await pilot.pause()
        with MarkerStore() as store:
            assert {m.note for m in store.all().values()} == {HOSTILE_NOTE}
        await pilot.press("slash")
        app.post_message(events.Paste(f"year:{ALL}"))
        await pilot.pause()
        await pilot.pause(0.3)
        shown = _assert_screen_safe(app, "search error")
        assert "year:␛]0;PWNED" in shown
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        _assert_screen_safe(app, "help")
        await pilot.press("escape", "e")
        await pilot.pause()
        app.screen.query_one("#export-path").value = f"/nonexistent{ALL}/x.md"
        await pilot.press("enter")
        await pilot.pause()
        shown = _assert_screen_safe(app, "export error")
        assert "nonexistent␛" in shown
        await pilot.press("escape")
        app.notify(f"a message {ALL}", title=f"title {ALL}")
        await pilot.pause()
        _assert_screen_safe(app, "notification")


#: What Textual itself writes: CSI sequences, OSC 8 hyperlinks (ended by ESC \) and OSC 22 (the
#: pointer shape, ended by BEL). Everything else that could drive a terminal must be absent.
TEXTUAL_SEQUENCES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\]8;[^\x07\x1b]*\x1b\\|\x1b\]22;[a-z-]*\x07")
#: The hostile sequences' own starts, none of which Textual writes (checked in this test).
HOSTILE_STARTS = ("\x1b[2J", "\x1b[H", "\x1b]0;", "\x1b]52;", "\x1bP")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_reader_on_a_real_terminal_writes_no_hostile_byte(hostile_file, hostile_papers):
    """The real reader in a pseudo-terminal, every byte it writes: move, open the note editor and
    the help, quit. Only Textual's own sequences may carry an ESC or a BEL."""
    import fcntl
    import select
    import struct
    import termios

    _seed_hostile_store(hostile_papers)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    proc = subprocess.Popen([sys.executable, "-m", "paperterm", str(hostile_file)], stdin=slave,
                            stdout=slave, stderr=slave, env=env, close_fds=True,
                            start_new_session=True)
    os.close(slave)
    out = bytearray()

    def pump(seconds: float, until: bytes | None = None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and (until is None or until not in out):
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                out.extend(chunk)

    try:
        pump(60, until="All 6".encode())  # the status line: the reader is up
        for key in ("j", "j", "n", "\x1b", "?", "\x1b", "q"):
            os.write(master, key.encode())
            pump(1.0)
        proc.wait(timeout=30)
        pump(1.0)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    text = out.decode("utf-8", "surrogateescape")
    assert "Traceback" not in text
    assert "All 6" in text and "PWNED-TITLE␇" in text  # the note's escapes, shown as pictures
    for start in HOSTILE_STARTS:
        assert start not in text, start
    rest = TEXTUAL_SEQUENCES.sub("", text)
    assert_terminal_safe(rest.encode("utf-8", "surrogateescape"), "the reader's output")


def test_keymap_with_a_control_character_is_refused_before_the_reader_starts():
    config = Path(os.environ["PAPERTERM_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "keymap.toml").write_text('"paperterm.star" = "\\u001b]0;x\\u0007,s"\n',
                                        encoding="utf-8")
    status, out = run_on_terminal()
    assert status == 1
    assert_terminal_safe(out, "keymap error")
    text = out.decode()
    assert "keymap.toml: 'paperterm.star' maps to '\\x1b]0;x\\x07,s', which holds a control " \
           "character" in text


def test_sync_problems_name_hostile_files_safely(tmp_path):
    """A shared sync folder is written by other machines: a file name there is untrusted."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / f"junk{ALL}.jsonl").write_text("garbage\n", encoding="utf-8")
    status, out = run_on_terminal("sync", str(shared))
    assert status == 1
    assert_terminal_safe(out, "sync")
    assert "junk␛]0;PWNED-TITLE␇" in out.decode() and "not a paperterm sync log" in out.decode()


async def test_similar_papers_dialog_shows_hostile_titles_as_text():
    from paperterm.tui.app import create_app
    from paperterm.tui.screens.similar_papers import SimilarPapers, SimilarRow
    from tui_helpers import synthetic_library

    app = create_app(library=synthetic_library(3))
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = SimilarPapers(ALL + "this paper", [SimilarRow(0, 0.5, ALL + "a title", (ALL,))])
        await app.push_screen(dialog)
        await pilot.pause()
        shown = _assert_screen_safe(app, "similar papers")
        assert "␛]0;PWNED-TITLE␇" in shown
        dialog.show_message(f"problem {ALL}")
        await pilot.pause()
        _assert_screen_safe(app, "similar papers message")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_hostile_api_day_file_through_the_commands(tmp_path):
    """The other source: an API day file whose every string holds every sequence (as JSON
    escapes), through the parser and the table, ``show`` and the CSV export."""
    fixture = ROOT / "tests" / "fixtures" / "hf_api" / "2024-06-03.json"
    data = json.loads(fixture.read_text(encoding="utf-8"))[:3]

    def poison(value):
        if isinstance(value, str):
            return FORMULA_TITLES[0] + ALL + value if value else value
        if isinstance(value, list):
            return [poison(v) for v in value]
        if isinstance(value, dict):
            return {k: v if k in ("id", "publishedAt", "submittedOnDailyAt") else poison(v)
                    for k, v in value.items()}
        return value

    path = tmp_path / "2024-06-03.json"
    path.write_text(json.dumps([poison(entry) for entry in data]), encoding="utf-8")
    library = load_library([path])
    assert library.papers
    for paper in library.papers:
        for name, value in paper.to_dict().items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                assert not isinstance(item, str) or FORBIDDEN.search(item) is None, (name, item)
    assert any("removed" in w and "control character" in w for w in library.warnings)
    for args in (["list", str(path)], ["show", library.papers[0].id, str(path)],
                 ["export", str(path), "--all", "--format", "csv"]):
        status, out = run_on_terminal(*args)
        assert status == 0, out
        assert_terminal_safe(out, " ".join(args))
    proc = run_cli("export", str(path), "--all", "--format", "csv")
    cells = [c for row in csv.reader(io.StringIO(proc.stdout, newline="")) for c in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    assert any(c.startswith("'=HYPERLINK(") for c in cells)
