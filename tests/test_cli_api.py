"""The command line on API day files (and a folder mixing them with page text), as a real process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli_helpers import run_cli

from conftest import SEEDS

FIXTURES = Path(__file__).parent / "fixtures" / "hf_api"


def test_list_json_has_the_api_fields_and_reads_a_mixed_folder(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "hf-daily")
    shutil.copyfile(SEEDS / "003_75b63338500a490b.txt", tmp_path / "page.txt")
    proc = run_cli("list", "--json", str(tmp_path))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    records = json.loads(proc.stdout)
    assert len(records) == 42 + 35
    epic = next(r for r in records if r["arxiv_id"] == "2510.00515")
    assert epic["author_names"][:2] == ["Zichen Wen", "Shaobo Wang"] and epic["authors"] == 11
    assert (epic["github"], epic["github_stars"], epic["comments"]) == (
        "https://github.com/ZichenWen1/EPIC", 4, 1)
    assert epic["organization"] == "Shanghai Jiao Tong University"
    assert epic["keywords"][0] == "visual tokens" and epic["ai_summary"].startswith("EPIC")
    assert epic["urls"] == ["https://arxiv.org/abs/2510.00515", "https://arxiv.org/pdf/2510.00515"]
    assert epic["link"] == "https://huggingface.co/papers/2510.00515"
    page = next(r for r in records if r["title"] == "Video Reasoning without Training")
    assert page["organization"] == "Qualcomm" and page["arxiv_id"] is None
    assert page["author_names"] == [] and page["comments"] is None


def test_show_by_arxiv_id_with_names_ai_fields_and_links():
    proc = run_cli("show", "2503.15475", str(FIXTURES))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    flat = " ".join(out.split())
    assert out.startswith("Cube: A Roblox View of 3D Intelligence\n")
    assert "by Foundation AI Team, Kiran Bhat, " in flat
    assert "Anirudh Sudarshan, Maurice Chu and 35 more" in flat
    assert "arXiv 2503.15475" in out and "1 comment" in out
    assert "AI keywords (machine-written):" in out
    assert "  Hugging Face  https://huggingface.co/papers/2503.15475\n" in out
    assert "  Code          https://github.com/Roblox/cube\n" in out


def test_search_filters_from_the_command_line():
    proc = run_cli("search", 'author:"zichen wen" has:code', str(FIXTURES), "--json")
    assert proc.returncode == 0, proc.stderr
    assert sorted(r["arxiv_id"] for r in json.loads(proc.stdout)) == ["2503.15264", "2510.00515"]
    proc = run_cli("list", "--query", "org:google", str(FIXTURES), "--json")
    assert [r["arxiv_id"] for r in json.loads(proc.stdout)] == ["2510.03194"]
    proc = run_cli("search", "2405.21060", str(FIXTURES), "--json")
    assert [r["arxiv_id"] for r in json.loads(proc.stdout)] == ["2405.21060"]
    proc = run_cli("search", "author:", str(FIXTURES))
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("paperterm: query: filter 'author:' needs a word, e.g. author:hinton")


def test_a_broken_day_file_is_a_warning_and_the_rest_loads(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "days")
    data = json.loads((FIXTURES / "2024-06-03.json").read_text())
    data[1]["paper"]["authors"] = "nobody"
    (tmp_path / "days" / "2024-06-03.json").write_text(json.dumps(data))
    (tmp_path / "days" / "2024-06-04.json").write_text("<html><head>rate limited</head></html>")
    proc = run_cli("list", str(tmp_path))
    assert proc.returncode == 0
    warnings = proc.stderr.splitlines()
    assert f"paperterm: warning: {tmp_path / 'days' / '2024-06-03.json'}: entry 2 (2405.21075): " \
           "authors is 'nobody', not a list; ignored" in warnings
    assert any("2024-06-04.json: an HTML page" in w for w in warnings)
    assert "35 papers" in proc.stderr
