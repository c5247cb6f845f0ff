"""`paperterm similar` and `paperterm search --sort for-you`, run as a user runs them."""

from __future__ import annotations

import json

from cli_helpers import run_cli
from test_similar import TOPICS


def write_topics(tmp_path):
    """The three-topic corpus of test_similar as a listing file (neighbours known by design)."""
    blocks = []
    for entries in TOPICS.values():
        for title, abstract in entries:
            blocks.append(f"{title}\n\n{abstract}\n\n  • 3 authors\n·\nMay 24, 2024\n")
    path = tmp_path / "topics.txt"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def ids_by_title(path):
    records = json.loads(run_cli("list", str(path), "--json").stdout)
    return {r["title"]: r["id"] for r in records}


def test_similar_lists_the_papers_of_the_same_topic_with_scores_and_terms(tmp_path):
    path = write_topics(tmp_path)
    ids = ids_by_title(path)
    video = [title for title, _ in TOPICS["video"]]
    proc = run_cli("similar", ids[video[0]], str(path), "--limit", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert sorted(r["title"] for r in found) == sorted(video[1:])
    assert all(r["id"] != ids[video[0]] for r in found)  # never itself
    scores = [r["score"] for r in found]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert all(r["shared_terms"] for r in found)
    # Same keys as `list --json`, plus score and shared_terms.
    listed = json.loads(run_cli("list", str(path), "--json").stdout)[0]
    assert list(found[0]) == list(listed) + ["score", "shared_terms"]


def test_similar_table_and_cached_matrix(tmp_path):
    path = write_topics(tmp_path)
    ids = ids_by_title(path)
    first = run_cli("similar", ids[TOPICS["speech"][0][0]], str(path), "-n", "2")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert len(lines) == 2 and all("speech" in line.lower() for line in lines)
    assert "(" in lines[0]  # the shared terms
    again = run_cli("similar", ids[TOPICS["speech"][0][0]], str(path), "-n", "2")
    assert again.stdout == first.stdout


def test_similar_errors_are_one_line(tmp_path):
    path = write_topics(tmp_path)
    for args, code in ((("similar",), 2), (("similar", "zzzz", str(path)), 1),
                       (("similar", "abc", str(path), "--limit", "0"), 2)):
        proc = run_cli(*args)
        assert proc.returncode == code, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1


def test_for_you_needs_stars_then_ranks_the_starred_topic_first(tmp_path):
    path = write_topics(tmp_path)
    ids = ids_by_title(path)
    too_few = run_cli("search", "", str(path), "--sort", "for-you")
    assert too_few.returncode == 1
    assert "star at least 3 papers" in too_few.stderr
    video = [title for title, _ in TOPICS["video"]]
    reasoning = [title for title, _ in TOPICS["reasoning"]]
    assert run_cli("mark", *(ids[t] for t in video[:3]), "--star", "--read",
                   "--path", str(path)).returncode == 0
    assert run_cli("mark", *(ids[t] for t in reasoning), "--read",
                   "--path", str(path)).returncode == 0
    proc = run_cli("search", "is:unread", str(path), "--sort", "for-you", "--json")
    assert proc.returncode == 0, proc.stderr
    ranked = json.loads(proc.stdout)
    assert ranked[0]["title"] == video[3]  # the unstarred video paper comes first
    assert ranked[0]["why"] and ranked[0]["score"] > ranked[-1]["score"]
    assert {r["title"] for r in ranked} == {video[3]} | {t for t, _ in TOPICS["speech"]}
    table = run_cli("search", "is:unread", str(path), "--sort", "for-you", "-n", "1")
    assert table.stdout.count("\n") == 1 and video[3] in table.stdout


def test_search_sort_date(tmp_path):
    path = write_topics(tmp_path)
    proc = run_cli("search", "video", str(path), "--sort", "date", "--json")
    assert proc.returncode == 0 and len(json.loads(proc.stdout)) == 4


def test_zero_upvotes_show_as_in_the_reader(tmp_path):
    path = tmp_path / "2024-05-24.json"
    path.write_text(json.dumps([{"paper": {"id": "2405.00001", "title": "A Paper Nobody Upvoted",
                                           "summary": "Abstract text.", "upvotes": 0}}]),
                    encoding="utf-8")
    records = json.loads(run_cli("list", str(path), "--json").stdout)
    assert records[0]["upvotes"] == 0
    assert "▲0" in run_cli("list", str(path)).stdout
