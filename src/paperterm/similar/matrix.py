"""The TF-IDF matrix of a library: built with scikit-learn, kept as one memory-mapped file.

Rows are papers (library positions), columns are terms: words and two-word phrases of the title and
abstract, weighted by TF-IDF (sublinear term frequency, English stop words dropped, terms in more
than half the papers dropped, at most ``MAX_TERMS`` kept) and L2-normalised per paper, so the dot
product of two rows is their cosine similarity.

Both layouts are stored: rows (CSR) to read one paper's terms, columns (CSC) to find every paper
that has a term. "Papers like this one" then reads only the columns of that paper's few hundred
terms instead of multiplying the whole matrix (8 ms instead of 215 ms at 100,000 papers).

The file is plain data, never a pickle: a magic line, a JSON header naming each array's dtype,
shape and offset, then the arrays at 64-byte-aligned offsets. ``load_matrix`` maps it read-only
(``numpy.memmap``): opening costs nothing, and only the pages a query touches are read into memory.
At 100,000 papers it holds about 28 million weights (~450 MB on disk for both layouts).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperterm.model import Paper

#: First bytes of a matrix file; bump the number when the layout changes.
MAGIC = b"paperterm-tfidf 1\n"
#: At most this many terms (the most frequent ones) make the vocabulary.
MAX_TERMS = 1 << 18
#: From this many papers on, a term must be in two papers and in at most half of them; smaller
#: libraries keep every term (a test corpus of ten papers has no frequent words to drop).
PRUNE_FROM = 50
#: A term: two or more word characters, hyphens inside kept ("end-to-end", "few-shot" are one
#: word each, as a reader would say).
TOKENS = r"(?u)\b\w[\w-]*\w\b"
_ALIGN = 64
#: The arrays of a matrix file, in file order, with their dtypes.
_ARRAYS = (("row_ptr", np.int64), ("row_idx", np.int32), ("row_val", np.float32),
           ("col_ptr", np.int64), ("col_idx", np.int32), ("col_val", np.float32),
           ("term_ptr", np.int64), ("term_bytes", np.uint8))


class MatrixFileError(Exception):
    """A matrix file that is missing, damaged or of another version. ``str()`` is one line."""


def paper_text(paper: Paper) -> str:
    """What a paper is compared on: its title and abstract."""
    return f"{paper.title}\n{paper.abstract}"


@dataclass(frozen=True, slots=True, eq=False)
class TermMatrix:
    """The TF-IDF weights of ``n_papers`` papers over ``n_terms`` terms, in two layouts.

    ``row_ptr[i]:row_ptr[i+1]`` slices ``row_idx`` (term numbers) and ``row_val`` (weights) for
    paper ``i``; ``col_ptr[t]:col_ptr[t+1]`` slices ``col_idx`` (paper positions) and ``col_val``
    for term ``t``. Term ``t``'s text is ``term_bytes[term_ptr[t]:term_ptr[t+1]]`` in UTF-8.
    ``key`` is what the matrix was built from (the library's identity), checked by the caller.
    """

    key: str
    row_ptr: np.ndarray
    row_idx: np.ndarray
    row_val: np.ndarray
    col_ptr: np.ndarray
    col_idx: np.ndarray
    col_val: np.ndarray
    term_ptr: np.ndarray
    term_bytes: np.ndarray

    @property
    def n_papers(self) -> int:
        return len(self.row_ptr) - 1

    @property
    def n_terms(self) -> int:
        return len(self.col_ptr) - 1

    def row(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        """Paper ``pos``'s term numbers (ascending) and weights."""
        start, end = int(self.row_ptr[pos]), int(self.row_ptr[pos + 1])
        return self.row_idx[start:end], self.row_val[start:end]

    def term(self, t: int) -> str:
        """The text of term ``t`` (a word, or two words joined by a space)."""
        start, end = int(self.term_ptr[t]), int(self.term_ptr[t + 1])
        return self.term_bytes[start:end].tobytes().decode("utf-8", "replace")

    def column_sums(self, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """``sum(weights[k] * column(terms[k]))`` over the papers: a float64 score per paper.

        Reads only the columns named, which is what keeps a query cheap at any size.
        """
        terms = np.asarray(terms, dtype=np.int64)
        if terms.size == 0:
            return np.zeros(self.n_papers)
        starts = self.col_ptr[terms]
        ends = self.col_ptr[terms + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(self.n_papers)
        # Gather every named column into one flat run (no Python loop per entry).
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        flat = np.arange(total, dtype=np.int64) + offsets
        papers = self.col_idx[flat]
        if papers.size and int(papers.max()) >= self.n_papers:
            raise MatrixFileError("matrix column names a paper past the end")
        values = self.col_val[flat] * np.repeat(np.asarray(weights, dtype=np.float32), lengths)
        return np.bincount(papers, weights=values, minlength=self.n_papers)


def build_matrix(texts: Iterable[str], key: str = "") -> TermMatrix:
    """Vectorise ``texts`` (one per paper, in library order) into a ``TermMatrix``.

    Imports scikit-learn (about two seconds and 75 MB the first time): call it off the
    interface thread, ideally in a child process.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(texts)
    prune = len(texts) >= PRUNE_FROM
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), stop_words="english", strip_accents="unicode", sublinear_tf=True,
        token_pattern=TOKENS,
        min_df=2 if prune else 1, max_df=0.5 if prune else 1.0, max_features=MAX_TERMS,
        dtype=np.float32)
    try:
        rows = vectorizer.fit_transform(texts)
        names = vectorizer.get_feature_names_out()
    except ValueError:
        # No term survives (an empty library, or nothing but stop words): an empty matrix.
        return _from_csr(key, np.zeros(len(texts) + 1, np.int64), np.zeros(0, np.int32),
                         np.zeros(0, np.float32), [])
    rows.sort_indices()
    return _from_csr(key, rows.indptr, rows.indices, rows.data, names)


def _from_csr(key: str, indptr, indices, data, names: Sequence[str]) -> TermMatrix:
    row_ptr = np.asarray(indptr, dtype=np.int64)
    row_idx = np.asarray(indices, dtype=np.int32)
    row_val = np.asarray(data, dtype=np.float32)
    n_papers, n_terms = len(row_ptr) - 1, len(names)
    # The column layout: a stable sort of the entries by term keeps papers ascending per column.
    order = np.argsort(row_idx, kind="stable")
    col_idx = np.repeat(np.arange(n_papers, dtype=np.int32), np.diff(row_ptr))[order]
    col_val = row_val[order]
    col_ptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_idx, minlength=n_terms), out=col_ptr[1:])
    encoded = [str(name).encode("utf-8") for name in names]
    term_ptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=term_ptr[1:])
    term_bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return TermMatrix(key, row_ptr, row_idx, row_val, col_ptr, col_idx, col_val, term_ptr,
                      term_bytes)


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def save_matrix(matrix: TermMatrix, path: Path) -> None:
    """Write ``matrix`` to ``path`` atomically (a temporary file renamed over it), private to the
    user. Raises ``OSError`` when it cannot be written."""
    arrays = [(name, np.ascontiguousarray(getattr(matrix, name), dtype=dtype))
              for name, dtype in _ARRAYS]
    layout, offset = {}, 0
    for name, array in arrays:
        layout[name] = {"dtype": np.dtype(array.dtype).str, "length": int(array.size),
                        "offset": offset}
        offset = _aligned(offset + array.nbytes)
    header = json.dumps({"key": matrix.key, "arrays": layout}).encode("utf-8") + b"\n"
    start = _aligned(len(MAGIC) + 8 + len(header))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + len(header).to_bytes(8, "little") + header)
            for name, array in arrays:
                out.seek(start + layout[name]["offset"])
                if array.size:
                    array.tofile(out)
            out.truncate(start + offset)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_matrix(path: Path, key: str | None = None) -> TermMatrix:
    """Map the matrix file at ``path`` read-only. ``MatrixFileError`` (one line) when it is missing,
    not a matrix file, damaged, or was built for another ``key`` (when one is given).

    Only the header is read here; array pages are read when a query touches them.
    """
    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise MatrixFileError(f"{path}: not a paperterm matrix file (or an older version)")
            size = int.from_bytes(f.read(8), "little")
            if size > 1 << 20:
                raise MatrixFileError(f"{path}: damaged header")
            header = json.loads(f.read(size))
            total = os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        raise MatrixFileError(f"{path}: no matrix built yet") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise MatrixFileError(f"{path}: unreadable matrix file ({exc.__class__.__name__})") from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), dict):
        raise MatrixFileError(f"{path}: damaged header")
    if key is not None and header.get("key") != key:
        raise MatrixFileError(f"{path}: built for another library")
    start = _aligned(len(MAGIC) + 8 + size)
    arrays = {}
    try:
        for name, dtype in _ARRAYS:
            spec = header["arrays"][name]
            length, offset = int(spec["length"]), int(spec["offset"])
            if np.dtype(spec["dtype"]) != np.dtype(dtype) or length < 0 or offset < 0:
                raise MatrixFileError(f"{path}: damaged header ({name})")
            end = start + offset + length * np.dtype(dtype).itemsize
            if end > total:
                raise MatrixFileError(f"{path}: cut short ({name})")
            arrays[name] = (np.memmap(path, dtype=dtype, mode="r", offset=start + offset,
                                      shape=(length,)) if length else np.zeros(0, dtype))
    except (KeyError, TypeError, ValueError) as exc:
        raise MatrixFileError(f"{path}: damaged header ({exc.__class__.__name__})") from None
    except OSError as exc:
        raise MatrixFileError(f"{path}: {exc.strerror or exc}") from None
    matrix = TermMatrix(str(header.get("key", "")), **arrays)
    _check_shape(path, matrix)
    return matrix


def _check_shape(path: Path, m: TermMatrix) -> None:
    """Cheap consistency checks (ends of the pointer arrays), so a damaged file is refused at load
    rather than read out of bounds later; per-entry bounds are checked where entries are read."""
    nnz = len(m.row_idx)
    ok = (len(m.row_ptr) >= 1 and len(m.col_ptr) >= 1 and len(m.term_ptr) == len(m.col_ptr)
          and len(m.row_val) == nnz == len(m.col_idx) == len(m.col_val)
          and int(m.row_ptr[0]) == 0 and int(m.row_ptr[-1]) == nnz
          and int(m.col_ptr[0]) == 0 and int(m.col_ptr[-1]) == nnz
          and int(m.term_ptr[0]) == 0 and int(m.term_ptr[-1]) == len(m.term_bytes))
    if not ok:
        raise MatrixFileError(f"{path}: damaged matrix (inconsistent sizes)")
