"""The similarity service: matrix cached per library, built and trained in a child process."""

from __future__ import annotations

import os

import pytest

from paperterm.similar import NotEnoughMarkers, nearest
from paperterm.similarity import Similarity, SimilarityError, labels
from paperterm.model import Marker
from test_similar import make_papers


@pytest.fixture
def listing(tmp_path):
    path = tmp_path / "listing.txt"
    path.write_text("placeholder: the key reads file stats only\n")
    return path


def test_built_in_a_child_equals_built_here(tmp_path, listing):
    papers, _ = make_papers()
    here = Similarity(papers, [listing], tmp_path / "a").build_here()
    child = Similarity(papers, [listing], tmp_path / "b").build_in_child()
    assert [nearest(here, p, 3) for p in range(len(papers))] == \
           [nearest(child, p, 3) for p in range(len(papers))]


def test_cached_until_the_library_changes(tmp_path, listing):
    papers, _ = make_papers()
    service = Similarity(papers, [listing], tmp_path)
    assert service.cached() is None
    service.build_here()
    assert service.cached() is not None
    assert Similarity(papers, [listing], tmp_path).cached() is not None
    listing.write_text("changed listing, other size\n")
    assert Similarity(papers, [listing], tmp_path).cached() is None
    assert Similarity(papers[:-1], [listing], tmp_path).cached() is None


def test_a_matrix_file_others_can_write_or_a_symlink_is_not_loaded(tmp_path, listing):
    papers, _ = make_papers()
    service = Similarity(papers, [listing], tmp_path)
    service.build_here()
    os.chmod(service.path, 0o666)
    assert service.cached() is None
    os.chmod(service.path, 0o600)
    real = service.path.with_name("elsewhere")
    service.path.rename(real)
    service.path.symlink_to(real)
    assert service.cached() is None


def test_only_the_newest_matrix_files_are_kept(tmp_path):
    papers, _ = make_papers()
    for i in range(6):
        listing = tmp_path / f"l{i}.txt"
        listing.write_text("x" * (i + 1))
        Similarity(papers, [listing], tmp_path / "cache").build_here()
    assert len(list((tmp_path / "cache").glob("tfidf-*.npm"))) == 4


def test_labels_are_stars_against_read_unstarred(tmp_path):
    papers, _ = make_papers()
    markers = {papers[0].id: Marker(papers[0].id, starred=True),
               papers[1].id: Marker(papers[1].id, starred=True, read=True),
               papers[2].id: Marker(papers[2].id, read=True),
               papers[3].id: Marker(papers[3].id, note="unread, unstarred")}
    assert labels(papers, markers) == ([0, 1], [2])


def test_training_in_a_child_equals_training_here(tmp_path, listing):
    papers, topic_of = make_papers()
    service = Similarity(papers, [listing], tmp_path)
    matrix = service.build_here()
    markers = {papers[p].id: Marker(papers[p].id, starred=True, read=True) for p in (0, 1, 2)}
    markers.update({papers[p].id: Marker(papers[p].id, read=True) for p in (4, 5, 8, 9)})
    here = service.train_here(matrix, markers)
    child = service.train_in_child(markers)
    assert here.order(matrix) == child.order(matrix)
    assert [topic_of[p] for p in child.order(matrix)[:4]] == ["video"] * 4


def test_training_with_too_few_stars_says_so_from_the_child(tmp_path, listing):
    papers, _ = make_papers()
    service = Similarity(papers, [listing], tmp_path)
    service.build_here()
    with pytest.raises(NotEnoughMarkers, match="star at least 3"):
        service.train_in_child({papers[0].id: Marker(papers[0].id, starred=True)})


def test_a_failing_child_is_one_line(tmp_path, listing):
    papers, _ = make_papers()
    service = Similarity(papers, [listing], tmp_path)
    with pytest.raises(SimilarityError) as info:
        service.train_in_child({})  # no matrix file yet
    assert "\n" not in str(info.value)
