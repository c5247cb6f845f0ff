"""The one way to get a library's term matrix and for-you model: cached, or built off the UI thread.

``paperterm.similar`` holds the pure parts (matrix, neighbours, classifier). This module decides
where they come from:

- The matrix file lives in the cache dir (``tfidf-<key>.npm``), keyed like the library cache: every
  listing file's path, size, modification time and inode, the paperterm version, the settings the
  matrix is built with, and the papers' ids in order. Any change to the library gives a new key, so a stale matrix is never used; the
  ``MAX_FILES`` most recent are kept. Only a regular file owned by the user and writable by no one
  else is loaded (it is plain numbers, never a pickle, and is bounds-checked where read).
- ``build_here``/``train_here`` run in this process (the command line, which exits soon after).
- ``build_in_child``/``train_in_child`` run ``python -m paperterm.similar.child`` and wait for it
  (call them from a worker thread): the reader's memory and interface thread never carry
  scikit-learn. The child is a fresh interpreter, not a fork of a process that runs threads.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from paperterm import __version__, locations, private
from paperterm.model import Paper
from paperterm.similar import ForYou, NotEnoughMarkers, TermMatrix, build_matrix, load_matrix
from paperterm.similar import paper_text, save_matrix, train
from paperterm.similar.child import NOT_ENOUGH, model_from_bytes, write_texts
from paperterm.similar.matrix import BUILD, MatrixFileError

if TYPE_CHECKING:
    from paperterm.model import Marker

#: How many matrix files (one per library seen) are kept in the cache dir.
MAX_FILES = 4
_PREFIX, _SUFFIX = "tfidf-", ".npm"


def _child_command(*args: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of a child: this interpreter, importing this very
    paperterm (wherever it was imported from: installed, a checkout, a test's path)."""
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return [sys.executable, "-m", "paperterm.similar.child", *args], env


class SimilarityError(Exception):
    """The matrix or model could not be had. ``str()`` is one line."""


def library_key(papers: Sequence[Paper], files: Sequence[Path]) -> str:
    """What a matrix is valid for: the listing files as they are now, and the papers' ids."""
    digest = hashlib.sha256(f"{_PREFIX}{__version__}\n{BUILD}\n".encode())
    for path in files:
        try:
            st = os.stat(path)
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n"
                          .encode("utf-8", "surrogateescape"))
        except OSError:
            digest.update(f"{path}\0unreadable\n".encode("utf-8", "surrogateescape"))
    digest.update("\n".join(p.id for p in papers).encode())
    return digest.hexdigest()[:32]


def labels(papers: Sequence[Paper], markers: Mapping[str, Marker]) -> tuple[list[int], list[int]]:
    """Positions of the starred papers, and of the read but unstarred ones (what for-you learns
    from)."""
    starred, passed = [], []
    for pos, paper in enumerate(papers):
        marker = markers.get(paper.id)
        if marker is None:
            continue
        if marker.starred:
            starred.append(pos)
        elif marker.read:
            passed.append(pos)
    return starred, passed


class Similarity:
    """The term matrix (and for-you model) of one library."""

    def __init__(self, papers: Sequence[Paper], files: Sequence[Path],
                 directory: Path | None = None) -> None:
        self.papers = papers
        self.key = library_key(papers, files)
        self.directory = directory if directory is not None else locations.cache_dir()
        self.path = self.directory / f"{_PREFIX}{self.key}{_SUFFIX}"

    # -- the matrix --------------------------------------------------------------------------

    def cached(self) -> TermMatrix | None:
        """The matrix from the cache dir, if one was built for exactly this library (and only from
        a private file in a private folder, never through a symlink)."""
        if not private.is_private(self.path):
            return None
        try:
            matrix = load_matrix(self.path, key=self.key)
        except MatrixFileError:
            return None
        return matrix if matrix.n_papers == len(self.papers) else None

    def build_here(self) -> TermMatrix:
        """Build the matrix in this process and keep it (if the cache dir is writable)."""
        matrix = build_matrix((paper_text(p) for p in self.papers), key=self.key)
        try:
            save_matrix(matrix, self.path)
            self._prune()
        except OSError:
            pass  # no cache: the next run builds again
        return matrix

    def build_in_child(self) -> TermMatrix:
        """Build the matrix in a child process and map the file it writes. Blocks: call it from a
        worker thread. ``SimilarityError`` if the child fails."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            command, env = _child_command("build", str(self.path), self.key)
            child = subprocess.Popen(command, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as exc:
            raise SimilarityError(f"cannot start the matrix builder ({exc.strerror or exc})") \
                from None
        try:
            write_texts(child.stdin, (paper_text(p) for p in self.papers))
            child.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # the child died: its stderr says why
        problem = child.stderr.read().decode("utf-8", "replace").strip()
        if child.wait() != 0:
            raise SimilarityError(f"building the term matrix failed: "
                                  f"{problem.splitlines()[-1] if problem else 'no reason given'}")
        self._prune()
        matrix = self.cached()
        if matrix is None:
            raise SimilarityError(f"{self.path}: the term matrix could not be kept in the cache "
                                  f"dir")
        return matrix

    def _prune(self) -> None:
        """Keep only the ``MAX_FILES`` most recently written matrix files."""
        try:
            found = sorted(self.directory.glob(f"{_PREFIX}*{_SUFFIX}"),
                           key=lambda p: p.stat().st_mtime_ns, reverse=True)
        except OSError:
            return
        for old in found[MAX_FILES:]:
            if old != self.path:
                old.unlink(missing_ok=True)

    # -- for you ---------------------------------------------------------------------------

    def train_here(self, matrix: TermMatrix, markers: Mapping[str, Marker]) -> ForYou:
        """Train the for-you model in this process. ``NotEnoughMarkers`` says what is missing."""
        starred, passed = labels(self.papers, markers)
        return train(matrix, starred, passed)

    def train_in_child(self, markers: Mapping[str, Marker]) -> ForYou:
        """Train in a child process on the matrix file (which must exist). Blocks: call it from a
        worker thread. ``NotEnoughMarkers`` or ``SimilarityError``."""
        starred, passed = labels(self.papers, markers)
        request = json.dumps({"starred": starred, "passed": passed}).encode()
        command, env = _child_command("train", str(self.path), self.key)
        try:
            done = subprocess.run(command, env=env, input=request, capture_output=True,
                                  timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SimilarityError(f"cannot train the for-you order ({exc})") from None
        problem = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode == NOT_ENOUGH:
            raise NotEnoughMarkers(problem)
        if done.returncode != 0:
            raise SimilarityError("training the for-you order failed: "
                                  + (problem.splitlines()[-1] if problem else "no reason given"))
        try:
            return model_from_bytes(done.stdout)
        except ValueError as exc:
            raise SimilarityError(f"training the for-you order failed: {exc}") from None
