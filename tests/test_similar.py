"""Similar papers and the for-you order on a small corpus whose neighbours are known by design.

Three topics, four papers each, written so that papers of one topic share their distinctive words
and papers of different topics share only common ones: a paper's nearest neighbours must be the
other three of its topic, and a model trained on stars in one topic must rank that topic first.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from paperterm.model import Paper, paper_id
from paperterm.similar import (NotEnoughMarkers, build_matrix, load_matrix, nearest, paper_text,
                               save_matrix, train)
from paperterm.similar.matrix import MatrixFileError

TOPICS = {
    "video": [
        ("Temporal Diffusion for Video Generation",
         "We train a video diffusion model with temporal attention to generate coherent video "
         "frames. Video diffusion denoising across frames improves temporal consistency."),
        ("Long Video Synthesis with Latent Diffusion",
         "Latent diffusion generates long video clips; temporal attention layers keep video "
         "frames consistent while denoising."),
        ("Controllable Video Diffusion with Motion Prompts",
         "Motion prompts steer a video diffusion model; the temporal attention of the denoising "
         "network follows the motion across video frames."),
        ("Fast Sampling for Video Diffusion Models",
         "A distilled sampler makes video diffusion denoising fast, keeping temporal consistency "
         "of generated video frames."),
    ],
    "reasoning": [
        ("Reinforcement Learning Improves Math Reasoning in Language Models",
         "Reinforcement learning with verifiable rewards improves chain of thought math reasoning "
         "of large language models on olympiad problems."),
        ("Process Rewards for Chain of Thought",
         "A process reward model scores each chain of thought step; reinforcement learning on "
         "these rewards improves math reasoning of language models."),
        ("Scaling Test-Time Compute for Reasoning",
         "Longer chain of thought at test time improves reasoning; language models trained with "
         "reinforcement learning use verifiable rewards on math problems."),
        ("Self-Verification Makes Language Models Better Reasoners",
         "Language models verify their own chain of thought; verifiable rewards and reinforcement "
         "learning improve math reasoning accuracy."),
    ],
    "speech": [
        ("Streaming Speech Recognition with Transducers",
         "A streaming transducer transcribes speech audio with low latency; the speech encoder "
         "reads audio frames and the acoustic model emits tokens."),
        ("Multilingual Speech Translation from Raw Audio",
         "Speech translation directly from raw audio; a multilingual acoustic encoder maps speech "
         "to text in many languages."),
        ("Robust Speech Recognition in Noisy Audio",
         "Noisy audio hurts speech recognition; an acoustic encoder trained with augmentation "
         "makes transcribed speech robust."),
        ("Speaker Diarization for Meeting Audio",
         "Who spoke when: speaker diarization segments meeting audio, using an acoustic speech "
         "encoder and clustering of speaker embeddings."),
    ],
}


def make_papers() -> tuple[list[Paper], dict[int, str]]:
    papers, topic_of = [], {}
    for topic, entries in TOPICS.items():
        for title, abstract in entries:
            topic_of[len(papers)] = topic
            papers.append(Paper(id=paper_id(title), title=title, abstract=abstract))
    return papers, topic_of


@pytest.fixture(scope="module")
def corpus():
    papers, topic_of = make_papers()
    return papers, topic_of, build_matrix((paper_text(p) for p in papers), key="k1")


def test_neighbours_are_the_papers_of_the_same_topic(corpus):
    papers, topic_of, matrix = corpus
    for pos in range(len(papers)):
        found = nearest(matrix, pos, limit=3)
        assert [topic_of[n.pos] for n in found] == [topic_of[pos]] * 3, papers[pos].title
        scores = [n.score for n in found]
        assert scores == sorted(scores, reverse=True)
        assert all(0 < s <= 1 for s in scores)


def test_a_paper_is_never_its_own_neighbour(corpus):
    papers, _, matrix = corpus
    for pos in range(len(papers)):
        assert pos not in [n.pos for n in nearest(matrix, pos, limit=len(papers))]


def test_neighbours_come_with_the_terms_they_share(corpus):
    _, _, matrix = corpus
    first = nearest(matrix, 0, limit=1)[0]
    assert first.shared and len(first.shared) <= 5
    assert "video" in first.shared or "video diffusion" in first.shared
    # Shared terms are really in both papers.
    for term in first.shared:
        for pos in (0, first.pos):
            terms, _ = matrix.row(pos)
            assert term in {matrix.term(int(t)) for t in terms}


def test_cosine_matches_a_dense_computation(corpus):
    papers, _, matrix = corpus
    dense = np.zeros((matrix.n_papers, matrix.n_terms))
    for pos in range(matrix.n_papers):
        terms, values = matrix.row(pos)
        dense[pos, terms] = values
    cosine = dense @ dense.T
    for n in nearest(matrix, 5, limit=11):
        assert n.score == pytest.approx(cosine[5, n.pos], rel=1e-5)


def test_limits_and_out_of_range(corpus):
    _, _, matrix = corpus
    assert len(nearest(matrix, 0, limit=2)) == 2
    assert nearest(matrix, 0, limit=0) == []
    assert nearest(matrix, -1) == [] and nearest(matrix, 999) == []


def test_papers_sharing_nothing_are_not_listed():
    papers = [Paper(id=paper_id(t), title=t, abstract=a) for t, a in (
        ("alpha beta", "gamma delta"), ("epsilon zeta", "eta theta"), ("alpha iota", "kappa"))]
    matrix = build_matrix(paper_text(p) for p in papers)
    assert [n.pos for n in nearest(matrix, 0, limit=10)] == [2]
    assert nearest(matrix, 1, limit=10) == []


def test_empty_and_stopword_only_libraries_build():
    assert build_matrix([]).n_papers == 0
    matrix = build_matrix(["the of and", "a an the"])
    assert matrix.n_papers == 2 and matrix.n_terms == 0
    assert nearest(matrix, 0) == []


def test_file_round_trip_is_exact(corpus, tmp_path):
    _, _, matrix = corpus
    path = tmp_path / "m.tfidf"
    save_matrix(matrix, path)
    assert (os.stat(path).st_mode & 0o777) == 0o600
    loaded = load_matrix(path, key="k1")
    for name in ("row_ptr", "row_idx", "row_val", "col_ptr", "col_idx", "col_val", "term_ptr",
                 "term_bytes"):
        assert np.array_equal(loaded.whole(name), matrix.whole(name)), name
    assert [loaded.term(t) for t in range(loaded.n_terms)] == \
           [matrix.term(t) for t in range(matrix.n_terms)]
    assert nearest(loaded, 3) == nearest(matrix, 3)


@pytest.mark.parametrize("damage", ["magic", "truncate", "header", "key"])
def test_a_damaged_or_foreign_file_is_refused_in_one_line(corpus, tmp_path, damage):
    _, _, matrix = corpus
    path = tmp_path / "m.tfidf"
    save_matrix(matrix, path)
    data = path.read_bytes()
    if damage == "magic":
        path.write_bytes(b"\x80\x04pickle" + data[10:])
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "header":
        path.write_bytes(data[:30] + b"{not json" + data[39:])
    with pytest.raises(MatrixFileError) as info:
        load_matrix(path, key="other" if damage == "key" else "k1")
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_missing_file_is_a_matrix_file_error(tmp_path):
    with pytest.raises(MatrixFileError, match="no matrix built yet"):
        load_matrix(tmp_path / "absent.tfidf")


def test_for_you_ranks_the_starred_topic_first(corpus):
    papers, topic_of, matrix = corpus
    model = train(matrix, starred=[0, 1, 2], passed=[4, 5, 8, 9])
    order = model.order(matrix)
    assert [topic_of[p] for p in order[:4]] == ["video"] * 4
    assert order.index(3) < 4  # the unlabelled video paper is recommended
    assert model.starred == 3 and model.passed == 4
    why = model.why(matrix, 3)
    assert why and all(isinstance(term, str) for term in why)
    assert any("video" in term or "diffusion" in term or "temporal" in term for term in why)


def test_for_you_says_so_with_too_few_stars(corpus):
    _, _, matrix = corpus
    with pytest.raises(NotEnoughMarkers, match="star at least 3 papers"):
        train(matrix, starred=[0, 1], passed=[4, 5, 8, 9])
    with pytest.raises(NotEnoughMarkers, match="read at least 3 papers"):
        train(matrix, starred=[0, 1, 2], passed=[4, 0, 1])  # starred ones are not "passed"


def test_why_is_empty_for_a_paper_with_no_positive_terms(corpus):
    _, topic_of, matrix = corpus
    model = train(matrix, starred=[0, 1, 2], passed=[4, 5, 8, 9])
    speech = [p for p, t in topic_of.items() if t == "speech"]
    assert all(isinstance(model.why(matrix, p), tuple) for p in speech)
    scores = model.scores(matrix)
    assert max(scores[p] for p in speech) < min(scores[p] for p in (0, 1, 2, 3))


@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_row_pass_equals_column_reads_including_empty_rows(monkeypatch, chunk):
    from paperterm.similar import matrix as matrix_module

    papers, _ = make_papers()
    texts = [paper_text(p) for p in papers]
    texts[3:3] = ["the and of", "a"]   # papers with no term at all, mid-library
    texts.append("the")                # and at the end
    matrix = build_matrix(texts)
    monkeypatch.setattr(matrix_module, "CHUNK_ENTRIES", chunk)
    rng = np.random.default_rng(7)
    per_term = rng.normal(size=matrix.n_terms)
    by_rows = matrix.row_sums(per_term)
    by_columns = matrix.column_sums(np.arange(matrix.n_terms), per_term) \
        if matrix.n_terms <= matrix_module.FEW_TERMS else None
    dense = np.zeros((matrix.n_papers, matrix.n_terms))
    for pos in range(matrix.n_papers):
        terms, values = matrix.row(pos)
        dense[pos, terms] = values
    assert np.allclose(by_rows, dense @ per_term)
    if by_columns is not None:
        assert np.allclose(by_columns, by_rows)
    assert by_rows[3] == by_rows[4] == by_rows[-1] == 0.0
