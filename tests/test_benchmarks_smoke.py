"""The benchmark corpus generator and harness still work (tiny sizes; no timing is asserted)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from paperterm.library import load_library

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def corpus_module():
    spec = importlib.util.spec_from_file_location("paperterm_bench_corpus", BENCH / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is executed
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_corpus_is_deterministic_and_parses_to_the_papers_it_made(corpus_module, tmp_path):
    first = corpus_module.generate(200, tmp_path / "a")
    second = corpus_module.generate(200, tmp_path / "b")
    assert first == second
    files_a = sorted(p for p in (tmp_path / "a" / "listings").rglob("*") if p.is_file())
    files_b = sorted(p for p in (tmp_path / "b" / "listings").rglob("*") if p.is_file())
    assert [f.name for f in files_a] == [f.name for f in files_b]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(files_a, files_b))

    lib = load_library([tmp_path / "a" / "listings"])
    assert len(lib.papers) == first["distinct"] == 200
    assert first["entries"] > 200  # some papers are listed again in later files
    assert lib.warnings == []
    titles = (tmp_path / "a" / "titles.lst").read_text(encoding="utf-8").splitlines()
    assert sorted(titles) == sorted(p.title for p in lib.papers)
    # API day files: papers with arXiv ids, author names and code, some also seen in page text.
    assert first["api_files"] >= 1 and any(f.suffix == ".json" for f in files_a)
    api = [p for p in lib.papers if p.arxiv_id]
    assert api and all(p.author_names and p.authors == len(p.author_names) for p in api)
    assert any(p.github for p in api) and any(p.keywords for p in api)
    assert any(any(s.endswith(".txt") for s in p.sources) for p in api)
    assert any(len(p.sources) > 1 for p in lib.papers)
    assert any(p.authors for p in lib.papers)
    assert any(p.published_inferred for p in lib.papers)
    assert any(p.published and not p.published_inferred for p in lib.papers)
    assert any(p.published is None for p in lib.papers)  # papers without a meta block
    assert all(len(p.abstract) > 100 for p in lib.papers)


def test_corpus_is_reused_unless_missing_or_forced(corpus_module, tmp_path):
    out, manifest = corpus_module.ensure_corpus(150, tmp_path)
    listing = sorted((out / "listings").glob("*.txt"))[0]
    stamp = listing.stat().st_mtime_ns
    again, manifest2 = corpus_module.ensure_corpus(150, tmp_path)
    assert again == out and manifest2 == manifest
    assert listing.stat().st_mtime_ns == stamp, "an existing corpus was written again"
    listing.unlink()
    corpus_module.ensure_corpus(150, tmp_path)
    assert listing.exists()


def test_harness_runs_end_to_end_at_a_tiny_size(tmp_path, seed_library):
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--sizes", "120", "--repeat", "1", "--steps", "3",
         "--queries", json.dumps(["grok", "lm"]), "--root", str(tmp_path / "corpus"),
         "--store-markers", "2000", "--json", str(out_json)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "first paint, cached start" in proc.stdout
    assert "PROBLEMS" not in proc.stdout, proc.stdout
    payload = json.loads(out_json.read_text(encoding="utf-8"))
    result = payload["results"]["120"]
    summary = result["summary"]
    for key in ("parse_mb_s", "parse_json_mb_s", "paint_first_s", "paint_cached_s", "key_p50_ms", "key_p95_ms",
                "search_p50_ms", "cursor_cpu_ms", "rss_session_mb"):
        assert summary[key] is not None and summary[key] > 0, key
    assert result["start_first"][0]["cache_hit"] is False
    assert result["start_cached"][0]["cache_hit"] is True
    assert len(result["session"]["keystroke_s"]) == len("grok") + len("lm")
    assert result["session"]["missing_results"] == 0
    assert payload["machine"]["python"]
    store = payload["store"]  # the large-store case, here with 2,000 markers
    assert store["markers"] == 2000 and store["papers_shown"] == len(seed_library.papers)
    assert 0 < store["summary"]["list_s"] and 0 < store["summary"]["list_rss_mb"] < 1000
    assert "`paperterm list` of the seeds, median (s)" in proc.stdout
    again = subprocess.run([sys.executable, str(BENCH / "run.py"), "--report", str(out_json)],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == proc.stdout.strip()  # the same table, re-read from the JSON


def test_store_case_runs_alone(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--only-store", "--store-markers", "1000",
         "--repeat", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "1,000 stored markers" in proc.stdout and "first paint" not in proc.stdout
