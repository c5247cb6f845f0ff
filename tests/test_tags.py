"""Tags: the names, the store (and its upgrade), state export/import, sync between machines, the
``tag:`` filter, ``paperterm mark --tag/--untag``, ``show``, ``list --json`` and every export."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from cli_helpers import run_cli
from paperterm.export import render
from paperterm.export.csv_table import restore
from paperterm.model import Marker, Paper, paper_id
from paperterm.search import QueryError, SearchIndex, parse_query
from paperterm.state import MarkerStore, TagError, export_json
from paperterm.tags import (MAX_TAG_CHARS, MAX_TAGS, TagError as TagNameError, normalize_tag,
                            parse_tags, tags_text)

PID = "0123456789ab"
OTHER = "abcdef012345"
T0 = 1_790_000_000.0
PRINCIPLES = "The Principles of Deep Learning Theory"


# -- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("given,name", [
    ("llm", "llm"), ("  LLM ", "llm"), ("ＬＬＭ", "llm"), ("To-Read", "to-read"),
    ("c++", "c++"), ("ml/theory", "ml/theory"), ("v1.2_x", "v1.2_x"), ("Ärger", "ärger"),
    ("2024", "2024"), ("x" * MAX_TAG_CHARS, "x" * MAX_TAG_CHARS),
])
def test_tag_names_are_normalised(given, name):
    assert normalize_tag(given) == name


@pytest.mark.parametrize("given,problem", [
    ("", "cannot be empty"), ("   ", "cannot be empty"), ("two words", "not a tag name"),
    ("a,b", "not a tag name"), ("-x", "not a tag name"), ("+x", "not a tag name"),
    ("=cmd()", "not a tag name"), ("@home", "not a tag name"), ("_x", "not a tag name"),
    ("bad\x1b[31m", "not a tag name"), ("rtl\u202egnp", "not a tag name"), ("a\x00b", "not a tag name"),
    ("x" * (MAX_TAG_CHARS + 1), f"longer than {MAX_TAG_CHARS} characters"),
])
def test_bad_tag_names_are_refused_in_one_printable_line(given, problem):
    with pytest.raises(TagNameError) as err:
        normalize_tag(given)
    message = str(err.value)
    assert problem in message
    assert message.isprintable() and message.isascii()


def test_stored_form_is_sorted_and_unique():
    assert tags_text(["b", "a", "b"]) == "a b"
    assert tags_text([]) is None
    assert parse_tags("a b") == ("a", "b")
    assert parse_tags(None) == ()
    assert parse_tags("ok BAD -x") == ("ok",)  # a hand-edited database: only real names shown
    with pytest.raises(TagNameError, match=f"at most {MAX_TAGS} tags"):
        tags_text(f"t{i}" for i in range(MAX_TAGS + 1))


# -- the store -------------------------------------------------------------------------------------

def test_store_sets_adds_and_removes_tags(tmp_path):
    with MarkerStore(tmp_path / "s.sqlite3") as store:
        marker = store.change_tags(PID, "A paper", add=["LLM", "to-read"])
        assert marker.tags == ("llm", "to-read") and marker.tags_at is not None
        assert store.get(PID).title == "A paper"
        first_at = marker.tags_at
        assert store.change_tags(PID, "A paper", add=["llm"]).tags_at == first_at  # no change
        assert store.change_tags(PID, "A paper", remove=["TO-READ"]).tags == ("llm",)
        assert store.set_tags(PID, "A paper", ["z", "a"]).tags == ("a", "z")
        store.change_tags(OTHER, "B", add=["a"])
        assert store.tags_in_use() == {"a": 2, "z": 1}
        assert store.set_tags(PID, "A paper", []).tags == ()
        assert store.get(PID).tags_at is not None  # a removal is a change that travels too
        assert store.tags_in_use() == {"a": 1}
        # other fields are untouched by tag changes and the other way round
        store.set_starred(OTHER, "B", True)
        assert store.get(OTHER).tags == ("a",) and store.get(OTHER).starred


def test_store_refuses_bad_tags_as_a_store_error(tmp_path):
    with MarkerStore(tmp_path / "s.sqlite3") as store:
        with pytest.raises(TagError, match="not a tag name"):
            store.change_tags(PID, "T", add=["two words"])
        with pytest.raises(TagError, match=f"at most {MAX_TAGS}"):
            store.set_tags(PID, "T", [f"t{i}" for i in range(MAX_TAGS + 1)])
        store.set_tags(PID, "T", [f"t{i}" for i in range(MAX_TAGS)])
        with pytest.raises(TagError, match=f"at most {MAX_TAGS}"):
            store.change_tags(PID, "T", add=["one-more"])
        assert len(store.get(PID).tags) == MAX_TAGS
        assert not store._db.in_transaction


def test_two_processes_adding_tags_keep_both(tmp_path):
    path = tmp_path / "s.sqlite3"
    with MarkerStore(path) as one, MarkerStore(path) as two:
        one.change_tags(PID, "T", add=["from-one"])
        two.change_tags(PID, "T", add=["from-two"])  # two never read one's tag: it is kept
        assert one.get(PID).tags == ("from-one", "from-two")


def test_a_schema_1_store_is_upgraded_and_keeps_its_markers(tmp_path):
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path)
    raw.executescript("""
        CREATE TABLE markers (paper_id TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '',
            read INTEGER NOT NULL DEFAULT 0, read_at REAL, starred INTEGER NOT NULL DEFAULT 0,
            starred_at REAL, note TEXT, note_at REAL, updated REAL NOT NULL);
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO markers VALUES ('0123456789ab', 'Old', 1, 5.0, 1, 6.0, 'kept', 7.0, 7.0);
        PRAGMA user_version = 1;
    """)
    raw.close()
    with MarkerStore(path) as store:
        old = store.get(PID)
        assert (old.read, old.starred, old.note, old.tags, old.tags_at) == \
            (True, True, "kept", (), None)
        store.change_tags(PID, "Old", add=["x"])
    with MarkerStore(path) as store:
        assert store.get(PID).tags == ("x",) and store.get(PID).note == "kept"
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
    raw.close()


# -- state export / import -------------------------------------------------------------------------

def test_state_export_and_import_carry_tags(tmp_path):
    with MarkerStore(tmp_path / "a.sqlite3") as a:
        a.change_tags(PID, "One", add=["llm", "rl"])
        a.change_tags(OTHER, "Two", add=["gone"])
        a.change_tags(OTHER, "Two", remove=["gone"])  # an explicit "no tags" travels too
        data = json.loads(export_json(a))
    entry = next(m for m in data["markers"] if m["id"] == PID)
    assert entry["tags"] == ["llm", "rl"] and isinstance(entry["tags_at"], float)
    with MarkerStore(tmp_path / "b.sqlite3") as b:
        b.change_tags(OTHER, "Two", add=["old-here"])  # older than the export's removal
        b._set("tags", OTHER, "Two", "old-here", at=1.0)
        assert b.import_data(data) == 2
        assert b.get(PID).tags == ("llm", "rl")
        assert b.get(OTHER).tags == ()
        assert b.import_data(data) == 0


def test_an_export_without_tags_still_imports(tmp_path):
    old = {"format": "paperterm-markers", "version": 1, "markers": [
        {"id": PID, "title": "T", "read": True, "read_at": 10.0, "starred": False,
         "starred_at": None, "note": "n", "note_at": 11.0}]}
    with MarkerStore(tmp_path / "b.sqlite3") as b:
        b.change_tags(PID, "T", add=["mine"])
        assert b.import_data(old) == 2
        marker = b.get(PID)
        assert (marker.read, marker.note, marker.tags) == (True, "n", ("mine",))


@pytest.mark.parametrize("tags,problem", [
    ("llm", '"tags" must be a list of tag names or null'),
    (["ok", 3], '"tags" must be a list of tag names or null'),
    (["two words"], '"tags": tag'),
    ([f"t{i}" for i in range(MAX_TAGS + 1)], f"at most {MAX_TAGS} tags"),
])
def test_bad_tags_in_an_import_refuse_the_whole_file(tmp_path, tags, problem):
    data = {"format": "paperterm-markers", "markers": [
        {"id": OTHER, "read": True, "read_at": 1.0},
        {"id": PID, "tags": tags, "tags_at": 5.0}]}
    with MarkerStore(tmp_path / "b.sqlite3") as b:
        with pytest.raises(ValueError) as err:
            b.import_data(data)
        assert str(err.value).startswith("marker 1: ") and problem in str(err.value)
        assert b.all() == {}


# -- search ----------------------------------------------------------------------------------------

def make_paper(title: str) -> Paper:
    return Paper(id=paper_id(title), title=title, abstract="About " + title.lower())


PAPERS = [make_paper(t) for t in ("Grokking at scale", "Lazy training", "Rich training",
                                  "Unmarked paper")]
MARKERS = {
    PAPERS[0].id: Marker(PAPERS[0].id, tags=("llm", "to-read")),
    PAPERS[1].id: Marker(PAPERS[1].id, tags=("to-read",), starred=True),
    PAPERS[2].id: Marker(PAPERS[2].id, read=True),
    "ffffffffffff": Marker("ffffffffffff", tags=("llm",)),  # a paper not in this library
}


@pytest.mark.parametrize("query,expected", [
    ("tag:llm", {"Grokking at scale"}),
    ("tag:LLM", {"Grokking at scale"}),
    ('tag:"to-read"', {"Grokking at scale", "Lazy training"}),
    ("tag:to-read training", {"Lazy training"}),
    ("tag:to-read is:starred", {"Lazy training"}),
    ("-tag:llm", {"Lazy training", "Rich training", "Unmarked paper"}),
    ("has:tags", {"Grokking at scale", "Lazy training"}),
    ("-has:tags", {"Rich training", "Unmarked paper"}),
    ("tag:nothing", set()),
])
def test_tag_filter(query, expected):
    index = SearchIndex(PAPERS)
    assert {index.papers[h.pos].title for h in index.search(query, markers=MARKERS)} == expected


def test_tag_filter_without_markers_matches_nothing():
    index = SearchIndex(PAPERS)
    assert index.search("tag:llm") == [] and len(index.search("-tag:llm")) == len(PAPERS)


@pytest.mark.parametrize("query,message", [
    ("tag:", "filter 'tag:' needs a tag name"),
    ('tag:"two words"', "not a tag name"),
    ("tag:=x", "not a tag name"),
])
def test_bad_tag_filters_are_one_line_errors(query, message):
    with pytest.raises(QueryError, match=message) as err:
        parse_query(query)
    assert "\n" not in str(err.value)


def test_the_parsed_filter_holds_the_normal_name():
    (f,) = parse_query("-tag:To-Read").filters
    assert (f.field, f.value, f.negated, f.is_marker) == ("tags", "to-read", True, True)


# -- exports ---------------------------------------------------------------------------------------

TAGGED = {PAPERS[0].id: Marker(PAPERS[0].id, starred=True, tags=("c++", "read", "to_do")),
          PAPERS[1].id: Marker(PAPERS[1].id, tags=("x+y",))}


def test_json_and_csv_exports_have_tags():
    records = json.loads(render(PAPERS, TAGGED, "json"))
    assert [r["tags"] for r in records] == [["c++", "read", "to_do"], ["x+y"], [], []]
    rows = list(csv.DictReader(io.StringIO(render(PAPERS, TAGGED, "csv"), newline="")))
    assert [restore(r["tags"]) for r in rows] == ["c++;read;to_do", "x+y", "", ""]


def test_bibtex_keywords_hold_the_tags():
    text = render(PAPERS, TAGGED, "bibtex")
    entries = text.split("@misc")[1:]
    assert "  keywords = {starred, c++, read, to\\_do}," in entries[0]
    assert "  keywords = {x+y}," in entries[1]
    assert "keywords" not in entries[2]


def test_markdown_lists_the_tags():
    text = render(PAPERS, TAGGED, "markdown")
    assert "**Tags:** c++, read, to\\_do" in text
    assert "**Tags:** x+y" in text
    assert text.count("**Tags:**") == 2


# -- the command line ------------------------------------------------------------------------------

def _principles() -> dict:
    proc = run_cli("list", "--json")
    assert proc.returncode == 0, proc.stderr
    return next(r for r in json.loads(proc.stdout) if r["title"] == PRINCIPLES)


def test_mark_tag_and_untag():
    pid = _principles()["id"]
    proc = run_cli("mark", pid[:7], "--tag", "LLM", "--tag", "theory,to-read")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("#llm #theory #to-read")
    assert _principles()["tags"] == ["llm", "theory", "to-read"]
    assert run_cli("mark", pid, "--untag", "to-read", "--untag", "THEORY").returncode == 0
    assert _principles()["tags"] == ["llm"]
    shown = run_cli("show", pid).stdout
    assert "\ntags: llm\n" in shown
    assert json.loads(run_cli("show", pid, "--json").stdout)["tags"] == ["llm"]
    found = run_cli("list", "--query", "tag:llm")
    assert found.returncode == 0 and PRINCIPLES in found.stdout and "#llm" in found.stdout
    assert "1 paper" in found.stderr
    none = run_cli("list", "--json", "--query", "-tag:llm")
    assert PRINCIPLES not in {r["title"] for r in json.loads(none.stdout)}
    exported = json.loads(run_cli("state", "export").stdout)
    assert [m["tags"] for m in exported["markers"] if m["id"] == pid] == [["llm"]]


@pytest.mark.parametrize("args,problem", [
    (["--tag", "two words!"], "--tag: tag 'words!' is not a tag name"),
    (["--tag", ""], "--tag: a tag name cannot be empty"),
    (["--untag", "-x"], "--untag: tag '-x' is not a tag name"),
    (["--tag", "a", "--untag", "A"], "given to both --tag and --untag"),
])
def test_mark_with_a_bad_tag_is_a_usage_error_and_changes_nothing(args, problem):
    pid = _principles()["id"]
    proc = run_cli("mark", pid, "--star", *args)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and problem in proc.stderr
    assert _principles()["starred"] is False
