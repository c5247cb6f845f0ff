"""Every ``paperterm`` sub-command, run as a real process against the shipped seeds."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import zipfile
import subprocess
from pathlib import Path

import pytest

from cli_helpers import run_cli

JSON_KEYS = ["id", "title", "abstract", "authors", "organization", "published", "published_text",
             "published_inferred", "upvotes", "urls", "sources", "days", "link", "arxiv_id",
             "author_names", "github", "github_stars", "project_page", "comments", "ai_summary",
             "keywords", "read", "starred", "note", "tags"]
PRINCIPLES = "The Principles of Deep Learning Theory"


def papers_json(*args: str) -> list[dict]:
    proc = run_cli("list", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def find(records: list[dict], title: str) -> dict:
    return next(r for r in records if r["title"] == title)


# -- list ---------------------------------------------------------------------------------------

def test_list_json_has_every_paper_with_exact_keys():
    records = papers_json()
    assert len(records) == 163
    assert all(list(r) == JSON_KEYS for r in records)
    principles = find(records, PRINCIPLES)
    assert principles["authors"] == 3
    assert principles["published"] == "2021-06-18"
    assert len(principles["sources"]) == 4
    assert principles["read"] is False and principles["starred"] is False
    assert principles["note"] is None


def test_list_table_is_readable(seeds_dir):
    proc = run_cli("list", str(seeds_dir / "000_dac3a4fc63ae358e.txt"))
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == 37
    assert any(PRINCIPLES in line and "2021-06-18" in line for line in lines)
    assert "37 papers" in proc.stderr


def test_list_from_another_directory_reads_shipped_seeds(tmp_path):
    proc = run_cli("list", "--json", cwd=tmp_path)
    assert proc.returncode == 0
    assert len(json.loads(proc.stdout)) == 163


def test_list_query_filters():
    records = papers_json("--query", "seen:>=4")
    assert PRINCIPLES in [r["title"] for r in records]
    assert all(len(r["sources"]) >= 4 for r in records)


def test_list_reads_user_listings_folder(seeds_dir):
    own = Path(os.environ["PAPERTERM_DATA_DIR"]) / "listings"
    own.mkdir(parents=True)
    (own / "mine.txt").write_text("Dec 1\n\nMy Own Paper\n\nAn abstract of mine.\n", encoding="utf-8")
    records = papers_json()
    assert len(records) == 164
    assert find(records, "My Own Paper")["sources"] == ["mine.txt"]


# -- show ---------------------------------------------------------------------------------------

def test_show_by_prefix_prints_everything():
    principles = find(papers_json(), PRINCIPLES)
    run_cli("mark", principles["id"][:8], "--star", "--note", "Read chapter 4 first")
    proc = run_cli("show", principles["id"][:6])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert PRINCIPLES in out and "3 authors" in out and "2021-06-18" in out
    assert "seen in 4 listings" in out and "starred" in out and "Read chapter 4 first" in out
    assert "effective theory approach" in out
    record = find(papers_json(), PRINCIPLES)
    assert f"listed on: {', '.join(record['days'])}" in out and len(record["days"]) == 4
    assert f"link: {record['link']}" in out


def test_json_link_and_days_of_every_paper():
    for record in papers_json():
        assert record["link"].startswith(("https://huggingface.co/papers/",
                                          "https://arxiv.org/search/?query="))
        assert record["days"] == sorted(record["days"]) and record["days"]


def test_day_filter_on_the_command_line():
    records = papers_json()
    day = "2025-12-09"   # seed 000's page date: Dec 9, a year after its newest explicit year
    expected = sorted(r["id"] for r in records if day in r["days"])
    proc = run_cli("list", "--query", f"day:{day}", "--json")
    assert proc.returncode == 0, proc.stderr
    assert sorted(r["id"] for r in json.loads(proc.stdout)) == expected and len(expected) == 37
    proc = run_cli("list", "--query", "day:2025-13-01")
    assert proc.returncode == 2 and "day:" in proc.stderr and proc.stderr.count("\n") == 1


def test_show_json_and_inferred_date():
    video = find(papers_json(), "Video Reasoning without Training")
    proc = run_cli("show", video["id"], "--json")
    record = json.loads(proc.stdout)
    assert record["organization"] == "Qualcomm" and record["authors"] is None
    assert record["published_inferred"] is True and record["upvotes"] == 2


def test_show_unknown_and_ambiguous_ids():
    proc = run_cli("show", "zzzzzz")
    assert proc.returncode == 1
    assert proc.stderr.strip() == "paperterm: zzzzzz: no paper with this id"
    ids = [r["id"] for r in papers_json()]
    first_chars = [i[0] for i in ids]
    shared = next(c for c in first_chars if first_chars.count(c) > 1)
    proc = run_cli("show", shared)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"paperterm: {shared}: ambiguous id") and proc.stderr.count("\n") == 1


# -- search -------------------------------------------------------------------------------------

def test_search_ranks_and_limits():
    proc = run_cli("search", "grok", "--json")
    assert proc.returncode == 0, proc.stderr
    titles = [r["title"] for r in json.loads(proc.stdout)]
    assert titles and "grok" in titles[0].lower()
    limited = json.loads(run_cli("search", "grok", "--json", "--limit", "1").stdout)
    assert [r["title"] for r in limited] == titles[:1]


def test_search_typo_still_finds():
    titles = [r["title"] for r in json.loads(run_cli("search", "grokign", "--json").stdout)]
    assert any("Grokking" in t for t in titles)


def test_search_unknown_filter_is_a_usage_error():
    proc = run_cli("search", "colour:blue")
    assert proc.returncode == 2
    assert proc.stderr.startswith("paperterm: ") and "colour" in proc.stderr
    assert proc.stderr.count("\n") == 1


# -- mark ---------------------------------------------------------------------------------------

def test_mark_sets_and_clears_markers(tmp_path):
    principles = find(papers_json(), PRINCIPLES)
    pid = principles["id"]
    assert run_cli("mark", pid[:7], "--read", "--star", "--note", "great").returncode == 0
    after = find(papers_json(), PRINCIPLES)
    assert (after["read"], after["starred"], after["note"]) == (True, True, "great")
    note_file = tmp_path / "note.md"
    note_file.write_text("line one\nline two\n", encoding="utf-8")
    assert run_cli("mark", pid, "--unread", "--note-file", str(note_file)).returncode == 0
    after = find(papers_json(), PRINCIPLES)
    assert (after["read"], after["starred"], after["note"]) == (False, True, "line one\nline two\n")
    assert run_cli("mark", pid, "--unstar", "--note", "").returncode == 0
    after = find(papers_json(), PRINCIPLES)
    assert (after["starred"], after["note"]) == (False, None)


def test_mark_errors():
    assert run_cli("mark", "zzzzzzz", "--read").returncode == 1
    proc = run_cli("mark", "abc")
    assert proc.returncode == 2 and "nothing to do" in proc.stderr
    proc = run_cli("mark", "abc", "--read", "--unread")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    proc = run_cli("mark", "abc", "--note-file", "/nonexistent/note.txt")
    assert proc.returncode == 1 and "/nonexistent/note.txt" in proc.stderr


# -- export -------------------------------------------------------------------------------------

def _star_two() -> list[dict]:
    records = papers_json()
    chosen = [find(records, PRINCIPLES), find(records, "Video Reasoning without Training")]
    assert run_cli("mark", *(r["id"] for r in chosen), "--star").returncode == 0
    return chosen


def test_export_starred_in_every_format(tmp_path):
    chosen = _star_two()
    titles = {r["title"] for r in chosen}
    md = run_cli("export").stdout
    assert all(f"## [{r['title']}](<{r['link']}>)" in md for r in chosen)
    data = json.loads(run_cli("export", "--format", "json").stdout)
    assert {r["title"] for r in data} == titles and all(list(r) == JSON_KEYS for r in data)
    rows = list(csv.DictReader(io.StringIO(run_cli("export", "--format", "csv").stdout)))
    assert {r["title"] for r in rows} == titles
    import bibtexparser

    bib = bibtexparser.parse_string(run_cli("export", "--format", "bibtex").stdout)
    assert not bib.failed_blocks and len(bib.entries) == 2


def test_export_all_and_query_to_file(tmp_path):
    out = tmp_path / "all.json"
    proc = run_cli("export", "--all", "--format", "json", "-o", str(out))
    assert proc.returncode == 0 and f"to {out}" in proc.stderr
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 163
    data = json.loads(run_cli("export", "--query", "grokking", "--format", "json").stdout)
    assert data and all("grok" in (r["title"] + r["abstract"]).lower() for r in data)


def test_export_to_unwritable_path_fails_cleanly(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli("export", "-o", str(blocker / "out.md"))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"paperterm: {blocker / 'out.md'}") and proc.stderr.count("\n") == 1


# -- state --------------------------------------------------------------------------------------

def test_state_export_import_round_trip(tmp_path, monkeypatch):
    chosen = _star_two()
    run_cli("mark", chosen[0]["id"], "--note", "keep me")
    dump = tmp_path / "markers.json"
    assert run_cli("state", "export", "-o", str(dump)).returncode == 0
    monkeypatch.setenv("PAPERTERM_DATA_DIR", str(tmp_path / "other-machine"))
    assert not any(r["starred"] for r in papers_json())
    proc = run_cli("state", "import", str(dump))
    assert proc.returncode == 0, proc.stderr
    records = papers_json()
    assert {r["title"] for r in records if r["starred"]} == {r["title"] for r in chosen}
    assert find(records, chosen[0]["title"])["note"] == "keep me"


def test_state_import_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    proc = run_cli("state", "import", str(bad))
    assert proc.returncode == 1 and str(bad) in proc.stderr and proc.stderr.count("\n") == 1
    bad.write_text('{"hello": 1}')
    proc = run_cli("state", "import", str(bad))
    assert proc.returncode == 1 and "not a paperterm marker export" in proc.stderr


# -- errors and help ----------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["list", "show", "search", "mark", "export", "state"])
def test_every_command_has_help(command):
    proc = run_cli(command, "--help")
    assert proc.returncode == 0 and "usage: paperterm" in proc.stdout


def test_top_level_help_and_version():
    proc = run_cli("--help")
    assert proc.returncode == 0 and "Sub-commands" in proc.stdout
    assert run_cli("--version").stdout.startswith("paperterm ")


def test_missing_file_is_one_line_error(tmp_path):
    proc = run_cli("list", str(tmp_path / "nope.txt"))
    assert proc.returncode == 1
    assert proc.stderr == f"paperterm: {tmp_path / 'nope.txt'}: no such file or directory\n"


def test_directory_without_listings(tmp_path):
    proc = run_cli("list", str(tmp_path))
    assert proc.returncode == 1 and "has no listings" in proc.stderr and str(tmp_path) in proc.stderr


def test_binary_and_non_utf8_files(tmp_path):
    binary = tmp_path / "b.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    proc = run_cli("list", str(binary))
    assert proc.returncode == 1 and str(binary) in proc.stderr and "binary" in proc.stderr
    latin = tmp_path / "l.txt"
    latin.write_bytes("Caf\xe9 Paper\n\nAbstract r\xe9sum\xe9.\n".encode("latin-1"))
    proc = run_cli("list", str(latin))
    assert proc.returncode == 1 and str(latin) in proc.stderr and "UTF-8" in proc.stderr


def test_bad_file_among_good_is_a_warning(tmp_path, seeds_dir):
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    proc = run_cli("list", "--json", str(seeds_dir), str(binary))
    assert proc.returncode == 0
    assert len(json.loads(proc.stdout)) == 163
    assert proc.stderr.strip() == f"paperterm: warning: {binary}: a PNG image, not a text listing"


def test_unknown_option_is_usage_error():
    proc = run_cli("list", "--bogus")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_output_to_closed_pipe_is_quiet():
    proc = subprocess.run(f"{sys.executable} -m paperterm list --json | head -c 10",
                          shell=True, capture_output=True, text=True, env=dict(os.environ))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr and "Exception" not in proc.stderr


def test_wheel_ships_the_seeds(tmp_path):
    """A plain (non-editable) install must carry the seeds inside the package."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(root)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("paperterm-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("paperterm/seeds/"))
    assert shipped == sorted(p.name for p in (root / "seeds").glob("*.txt"))


def test_mark_finds_papers_whose_listing_is_gone(tmp_path):
    listing = tmp_path / "gone.txt"
    listing.write_text("Dec 1\n\nA Paper Only Here\n\nIts abstract.\n", encoding="utf-8")
    record = json.loads(run_cli("list", "--json", str(listing)).stdout)[0]
    assert run_cli("mark", record["id"][:8], "--star", "--path", str(listing)).returncode == 0
    listing.unlink()
    proc = run_cli("mark", record["id"][:8], "--note", "still here")
    assert proc.returncode == 0, proc.stderr
    assert "A Paper Only Here" in proc.stdout
    exported = json.loads(run_cli("state", "export").stdout)["markers"]
    assert [(m["title"], m["starred"], m["note"]) for m in exported] == \
        [("A Paper Only Here", True, "still here")]


def test_usage_errors_name_what_is_missing():
    proc = run_cli("show")
    assert proc.returncode == 2 and "give a paper ID" in proc.stderr and "PATH" not in proc.stderr
    proc = run_cli("state")
    assert proc.returncode == 2 and "{export,import}" in proc.stderr
    proc = run_cli("search", "year:abc")
    assert proc.returncode == 2 and "year:>=2023" in proc.stderr and proc.stderr.count("\n") == 1


def test_show_uses_the_readers_byline():
    provable = find(papers_json(), "Provable Scaling Laws of Feature Emergence from Learning "
                                   "Dynamics of Grokking")
    out = run_cli("show", provable["id"]).stdout
    assert "·  1 author  ·" in out and "1 authors" not in out
    assert "2025-09-25 (year inferred)" in out


def test_search_count_says_one_paper_not_one_papers():
    proc = run_cli("search", "--limit", "1", "learning")
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 1
    assert proc.stderr.splitlines()[-1].startswith("1 paper")
    assert not proc.stderr.splitlines()[-1].startswith("1 papers")


# -- queries that start with "-" (issue 13, bug 3) ------------------------------------------------

def test_search_query_starting_with_dash_is_a_query_not_an_option():
    everything = json.loads(run_cli("list", "--json").stdout)
    proc = run_cli("search", "-grok", "--json", "-n", "500")
    assert proc.returncode == 0, proc.stderr
    titles = [r["title"] for r in json.loads(proc.stdout)]
    assert titles and not any("grok" in t.lower() for t in titles)
    assert len(titles) < len(everything)


def test_list_and_export_query_option_accepts_a_leading_dash():
    proc = run_cli("list", "--json", "--query", "-is:read")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 163          # nothing is read in a fresh store
    short = run_cli("list", "--json", "-q", "-grok")
    assert short.returncode == 0, short.stderr
    assert not any("grok" in r["title"].lower() for r in json.loads(short.stdout))
    exported = run_cli("export", "-q", "-grok", "-f", "json")
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(exported.stdout)) == len(json.loads(short.stdout))


def test_limit_after_a_dash_query_and_unknown_long_options_still_reported():
    proc = run_cli("search", "--limit", "2", "-grok", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 2
    bad = run_cli("search", "grok", "--bogus")
    assert bad.returncode == 2 and "--bogus" in bad.stderr


def test_subcommand_help_names_the_listings_folder():
    proc = run_cli("list", "--help")
    assert "listings folder" in " ".join(proc.stdout.split())
