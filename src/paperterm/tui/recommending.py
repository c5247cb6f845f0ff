"""``m`` and the for-you sort in the reader: the term matrix and the model, made in the background.

Everything slow happens in one daemon thread of its own, which in turn waits on child processes
(``paperterm.similarity``): building the TF-IDF matrix (about a minute at 100,000 papers, only when
the library has none cached) and training the for-you classifier (a few seconds, each time the
stars change while that order is shown). The interface thread only receives the results, through
``call_from_thread``: typing and triage never wait, and the reader's memory never holds
scikit-learn.

Requests made while the thread is busy are remembered, the newest winning: starring five papers in
a row trains once or twice, not five times. A library swapped in by ``F`` starts afresh (a new
generation): results for the old one are dropped.

No Textual here; the status texts are plain strings, tested on their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

from paperterm.model import Paper

WORKER = "paperterm-similar"
#: Up to this many papers a build takes seconds; past it, about a minute per 100,000 papers.
SMALL_LIBRARY = 20_000


def building_text(papers: int) -> str:
    """What the reader says while the matrix is being built."""
    about = "a few seconds" if papers <= SMALL_LIBRARY else "about a minute per 100,000 papers"
    return (f"Building the term matrix of {papers:,} papers ({about}, once per library); "
            "the list follows as soon as it is ready.")


class BackgroundSimilarity:
    """The matrix and the for-you model of the library a screen shows.

    ``on_matrix(matrix, problem)`` and ``on_model(model, scores, problem)`` (``scores``: one per
    paper, a numpy array) are called on the interface thread; ``problem`` is a one-line text (too few stars, a failed build) or ``None``.
    """

    def __init__(self, app_call: Callable[..., None], library: Callable[[], tuple],
                 on_matrix: Callable[[object, str | None], None],
                 on_model: Callable[[object, object, str | None], None]) -> None:
        self._app_call = app_call          # app.call_from_thread
        self._library = library            # () -> (papers, files)
        self.on_matrix = on_matrix
        self.on_model = on_model
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._generation = 0
        self._service = None
        self.matrix = None
        self.problem: str | None = None
        self._want_matrix = False
        self._markers: Mapping | None = None   # the newest training request
        self.stopped = False

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def reset(self) -> None:
        """Forget the current library's matrix and model (a new library was swapped in)."""
        with self._lock:
            self._generation += 1
            self._service = None
            self.matrix = None
            self.problem = None

    def want_matrix(self) -> None:
        """Have the matrix made (from the cache, or built); ``on_matrix`` follows."""
        with self._lock:
            self._want_matrix = True
        self._start()

    def want_model(self, markers: Mapping) -> None:
        """Train the for-you model on ``markers`` (a snapshot); ``on_model`` follows."""
        with self._lock:
            self._markers = dict(markers)
        self._start()

    def stop(self) -> None:
        """Deliver nothing more (the screen is going away); a child already running finishes."""
        self.stopped = True

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return  # it picks the request up when it is done with the current one
            self._thread = threading.Thread(target=self._run, name=WORKER, daemon=True)
            self._thread.start()

    def _call(self, fn, *args) -> None:
        if self.stopped:
            return
        try:
            self._app_call(fn, *args)
        except RuntimeError:
            pass  # the app is shutting down

    def _ensure_matrix(self, generation: int):
        from paperterm.similarity import Similarity, SimilarityError

        with self._lock:
            if self.matrix is not None or generation != self._generation:
                return self.matrix
            if self._service is None:
                papers, files = self._library()
                self._service = Similarity(papers, files)
            service = self._service
        matrix, problem = service.cached(), None
        if matrix is None:
            try:
                matrix = service.build_in_child()
            except SimilarityError as exc:
                problem = str(exc)
        with self._lock:
            if generation != self._generation:
                return None
            self.matrix, self.problem = matrix, problem
        self._call(self.on_matrix, matrix, problem)
        return matrix

    def _run(self) -> None:
        from paperterm.similar import NotEnoughMarkers
        from paperterm.similarity import SimilarityError

        while not self.stopped:
            with self._lock:
                generation = self._generation
                markers, self._markers = self._markers, None
                want_matrix, self._want_matrix = self._want_matrix, False
                if markers is None and not want_matrix:
                    self._thread = None
                    return
            try:
                matrix = self._ensure_matrix(generation)
                if markers is None:
                    continue
                if matrix is None:
                    self._call(self.on_model, None, None, self.problem or "no term matrix")
                    continue
                try:
                    model = self._service.train_in_child(markers)
                    scores = model.scores(matrix)
                    problem = None
                except (NotEnoughMarkers, SimilarityError) as exc:
                    model, scores, problem = None, None, str(exc)
                with self._lock:
                    stale = generation != self._generation
                if not stale:
                    self._call(self.on_model, model, scores, problem)
            except Exception as exc:  # a bug here must end as a message, not a dead reader
                self._call(self.on_model, None, None, f"{type(exc).__name__}: {exc}")


def similar_rows(matrix, papers: Sequence[Paper], pos: int, limit: int = 20):
    """The dialog's rows for paper ``pos``: ``SimilarRow``-shaped tuples, best first."""
    from paperterm.similar import nearest

    return [(n.pos, n.score, papers[n.pos].title, n.shared) for n in nearest(matrix, pos, limit)]


def reason_text(model, matrix, pos: int, score: float) -> str:
    """``For you +1.23 · because of: diffusion, video generation, temporal`` (detail pane)."""
    why = model.why(matrix, pos)
    return f"For you {score:+.2f}" + (" · because of: " + ", ".join(why) if why else
                                      " · no word of it counts for you")
