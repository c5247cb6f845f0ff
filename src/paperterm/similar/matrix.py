"""The TF-IDF matrix of a library: built with scikit-learn, kept in one file of plain numbers.

Rows are papers (library positions), columns are terms: words (hyphenated ones whole) and two-word
phrases of the title and abstract, weighted by TF-IDF (sublinear term frequency, English stop
words dropped, terms in more than ``MAX_DF`` of the papers dropped, at most ``MAX_TERMS`` kept)
and L2-normalised per paper, so the dot product of two rows is their cosine similarity.

Both layouts are stored: rows (CSR) to read one paper's terms, columns (CSC) to find every paper
that has a term. "Papers like this one" then reads only the columns of that paper's few hundred
terms instead of multiplying the whole matrix (milliseconds instead of 200 ms at 100,000 papers).

The file is plain data, never a pickle: a magic line, a JSON header naming each array's dtype,
length and offset, then the arrays at 64-byte-aligned offsets. ``load_matrix`` reads the header,
the pointers and the terms (about 1.5 MB at 100,000 papers) and leaves the entries (about 20
million weights, ~350 MB for both layouts) in the file, read with ``pread`` when a query needs
them: the reader's memory does not grow with them.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from paperterm.model import Paper

#: First bytes of a matrix file; bump the number when the layout changes.
MAGIC = b"paperterm-tfidf 1\n"
#: At most this many terms (the most frequent ones) make the vocabulary.
MAX_TERMS = 1 << 16
#: Terms in more than this share of the papers say little about any of them and are dropped (as
#: arxiv-sanity-lite does); this also keeps every column short.
MAX_DF = 0.1
#: From this many papers on, a term must be in two papers (five from 10,000 on) and in at most
#: ``MAX_DF`` of them; smaller libraries keep every term (ten papers have no frequent words).
PRUNE_FROM = 50
#: A term: two or more word characters, hyphens inside kept ("end-to-end", "few-shot" are one
#: word each, as a reader would say).
TOKENS = r"(?u)\b\w[\w-]*\w\b"
#: Everything above that shapes a matrix: part of the cache key, so changing any of it rebuilds.
BUILD = (f"{MAGIC!r} terms={MAX_TERMS} max_df={MAX_DF} tokens={TOKENS} min_df=5/2/1 "
         f"prune_from={PRUNE_FROM}")
_ALIGN = 64
#: Up to this many terms, ``column_sums`` reads column by column; past it, one pass by rows.
FEW_TERMS = 1024
#: Entries read at a time by a pass over the rows (about 20 MB of buffers).
CHUNK_ENTRIES = 1 << 20
#: The arrays of a matrix file, in file order, with their dtypes.
_ARRAYS = (("row_ptr", np.int64), ("row_idx", np.int32), ("row_val", np.float32),
           ("col_ptr", np.int64), ("col_idx", np.int32), ("col_val", np.float32),
           ("term_ptr", np.int64), ("term_bytes", np.uint8))


class MatrixFileError(Exception):
    """A matrix file that is missing, damaged or of another version. ``str()`` is one line."""


def paper_text(paper: Paper) -> str:
    """What a paper is compared on: its title and abstract."""
    return f"{paper.title}\n{paper.abstract}"


class _Memory:
    """Arrays held in memory (a matrix just built)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays

    def read(self, name: str, start: int, end: int) -> np.ndarray:
        return self.arrays[name][start:end]

    def close(self) -> None:
        pass


class _File:
    """Arrays left in a matrix file, read with ``pread`` when needed.

    Not memory-mapped on purpose: mapped pages count towards the process's memory once touched,
    and the for-you order touches nearly every column. Reads come from the page cache instead,
    into short-lived buffers, so the reader's memory does not grow with the library.
    """

    def __init__(self, fd: int, path: Path, layout: dict[str, tuple[int, np.dtype]]) -> None:
        self.fd = fd
        self.path = path
        self.layout = layout  # name -> (absolute byte offset, dtype)
        self._finalizer = weakref.finalize(self, os.close, fd)

    def read(self, name: str, start: int, end: int) -> np.ndarray:
        offset, dtype = self.layout[name]
        out = np.empty(max(end - start, 0), dtype=dtype)
        if out.nbytes:
            got = os.preadv(self.fd, [memoryview(out).cast("B")], offset + start * dtype.itemsize)
            if got != out.nbytes:
                raise MatrixFileError(f"{self.path}: cut short ({name})")
        return out

    def close(self) -> None:
        self._finalizer()


class TermMatrix:
    """The TF-IDF weights of ``n_papers`` papers over ``n_terms`` terms, in two layouts.

    ``row_ptr[i]:row_ptr[i+1]`` are paper ``i``'s entries in ``row_idx`` (term numbers) and
    ``row_val`` (weights); ``col_ptr[t]:col_ptr[t+1]`` are term ``t``'s entries in ``col_idx``
    (paper positions) and ``col_val``. Term ``t``'s text is ``term_bytes[term_ptr[t]:
    term_ptr[t+1]]`` in UTF-8. The pointer arrays and the terms are in memory (about 1.5 MB at
    100,000 papers); the entries (about 200 MB) may stay in the file (``load_matrix``).
    ``key`` is what the matrix was built from (the library's identity), checked by the caller.
    """

    def __init__(self, key: str, row_ptr: np.ndarray, col_ptr: np.ndarray, term_ptr: np.ndarray,
                 term_bytes: np.ndarray, entries: _Memory | _File) -> None:
        self.key = key
        self.row_ptr = row_ptr
        self.col_ptr = col_ptr
        self.term_ptr = term_ptr
        self.term_bytes = term_bytes
        self._entries = entries
        self._chunks: list[tuple[int, int]] | None = None

    @property
    def n_papers(self) -> int:
        return len(self.row_ptr) - 1

    @property
    def n_terms(self) -> int:
        return len(self.col_ptr) - 1

    @property
    def nnz(self) -> int:
        return int(self.row_ptr[-1])

    def close(self) -> None:
        """Close the file the entries are read from (if any)."""
        self._entries.close()

    def whole(self, name: str) -> np.ndarray:
        """A whole array by name (``row_idx`` ... ``term_bytes``), read into memory."""
        if name in ("row_ptr", "col_ptr", "term_ptr", "term_bytes"):
            return getattr(self, name)
        return self._entries.read(name, 0, self.nnz)

    def row(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        """Paper ``pos``'s term numbers (ascending) and weights."""
        start, end = int(self.row_ptr[pos]), int(self.row_ptr[pos + 1])
        terms = self._entries.read("row_idx", start, end)
        if terms.size and (int(terms.min()) < 0 or int(terms.max()) >= self.n_terms):
            raise MatrixFileError("damaged matrix: a row names a term past the end")
        return terms, self._entries.read("row_val", start, end)

    def term(self, t: int) -> str:
        """The text of term ``t`` (a word, or two words joined by a space)."""
        start, end = int(self.term_ptr[t]), int(self.term_ptr[t + 1])
        return self.term_bytes[start:end].tobytes().decode("utf-8", "replace")

    def _column(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        papers = self._entries.read("col_idx", start, end)
        if papers.size and (int(papers.min()) < 0 or int(papers.max()) >= self.n_papers):
            raise MatrixFileError("damaged matrix: a column names a paper past the end")
        return papers, self._entries.read("col_val", start, end)

    def column_sums(self, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """``sum(weights[k] * column(terms[k]))``: a float64 score per paper.

        A few terms (one paper's, for "similar") are read column by column, so only those
        columns are read: milliseconds at any size. Many terms (a for-you model's) touch nearly
        every column anyway, so they make one pass over the rows instead (``row_sums``).
        """
        terms = np.asarray(terms, dtype=np.int64)
        weights = np.asarray(weights, dtype=np.float64)
        scores = np.zeros(self.n_papers)
        if terms.size and (int(terms.min()) < 0 or int(terms.max()) >= self.n_terms):
            raise ValueError("term number out of range")
        ptr = self.col_ptr
        if terms.size <= FEW_TERMS:
            for t, w in zip(terms.tolist(), weights.tolist()):
                start, end = int(ptr[t]), int(ptr[t + 1])
                if end > start:
                    papers, values = self._column(start, end)
                    scores[papers] += values * w  # a column names each paper once
            return scores
        per_term = np.zeros(self.n_terms)
        per_term[terms] = weights
        return self.row_sums(per_term)

    def row_sums(self, per_term: np.ndarray) -> np.ndarray:
        """For every paper, the sum of its weights times ``per_term[term]``: one pass over the
        rows, read in chunks of about ``CHUNK_ENTRIES`` entries (bounded memory)."""
        scores = np.zeros(self.n_papers)
        ptr = self.row_ptr
        for first, last in self._row_chunks():
            start, end = int(ptr[first]), int(ptr[last])
            if end == start:
                continue
            terms = self._entries.read("row_idx", start, end)
            if int(terms.min()) < 0 or int(terms.max()) >= self.n_terms:
                raise MatrixFileError("damaged matrix: a row names a term past the end")
            products = per_term[terms] * self._entries.read("row_val", start, end)
            # Sum each non-empty row's run (an empty row's start equals the next row's).
            nonempty = np.flatnonzero(np.diff(ptr[first:last + 1]) > 0)
            scores[first + nonempty] = np.add.reduceat(products, ptr[first + nonempty] - start)
        return scores

    def _row_chunks(self) -> list[tuple[int, int]]:
        """Runs of whole rows of about ``CHUNK_ENTRIES`` entries each (computed once)."""
        if self._chunks is None:
            cuts = np.searchsorted(self.row_ptr, np.arange(CHUNK_ENTRIES, self.nnz, CHUNK_ENTRIES))
            bounds = sorted({0, self.n_papers, *cuts.tolist()})
            self._chunks = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
        return self._chunks


def build_matrix(texts: Iterable[str], key: str = "") -> TermMatrix:
    """Vectorise ``texts`` (one per paper, in library order) into a ``TermMatrix`` in memory.

    Imports scikit-learn (about two seconds and 75 MB the first time): call it off the
    interface thread, ideally in a child process.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(texts)
    n = len(texts)
    prune = n >= PRUNE_FROM
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), stop_words="english", strip_accents="unicode", sublinear_tf=True,
        token_pattern=TOKENS, max_features=MAX_TERMS, dtype=np.float32,
        min_df=(5 if n >= 10_000 else 2) if prune else 1, max_df=MAX_DF if prune else 1.0)
    try:
        rows = vectorizer.fit_transform(texts)
        names = vectorizer.get_feature_names_out()
    except ValueError:
        # No term survives (an empty library, or nothing but stop words): an empty matrix.
        return _from_csr(key, np.zeros(n + 1, np.int64), np.zeros(0, np.int32),
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
    entries = _Memory({"row_idx": row_idx, "row_val": row_val, "col_idx": col_idx,
                       "col_val": col_val})
    return TermMatrix(key, row_ptr, col_ptr, term_ptr, term_bytes, entries)


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def save_matrix(matrix: TermMatrix, path: Path) -> None:
    """Write ``matrix`` to ``path`` atomically (a temporary file renamed over it), private to the
    user. Raises ``OSError`` when it cannot be written."""
    arrays = [(name, np.ascontiguousarray(matrix.whole(name), dtype=dtype))
              for name, dtype in _ARRAYS]
    layout, offset = {}, 0
    for name, array in arrays:
        layout[name] = {"dtype": array.dtype.str, "length": int(array.size),
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


#: Arrays small enough to read whole at load (pointers and terms: about 1.5 MB at 100,000 papers).
_SMALL = ("row_ptr", "col_ptr", "term_ptr", "term_bytes")


def load_matrix(path: Path, key: str | None = None) -> TermMatrix:
    """Open the matrix file at ``path``. ``MatrixFileError`` (one line) when it is missing, not a
    matrix file, damaged, or was built for another ``key`` (when one is given).

    Reads the header, the pointers and the terms; the entries stay in the file and are read when
    a query needs them. The file is never followed through a symbolic link.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise MatrixFileError(f"{path}: no matrix built yet") from None
    except OSError as exc:
        raise MatrixFileError(f"{path}: cannot open ({exc.strerror or exc})") from None
    try:
        matrix = _read_file(fd, path, key)
    except BaseException:
        os.close(fd)
        raise
    return matrix


def _read_file(fd: int, path: Path, key: str | None) -> TermMatrix:
    try:
        head = os.pread(fd, len(MAGIC) + 8, 0)
        if head[:len(MAGIC)] != MAGIC or len(head) != len(MAGIC) + 8:
            raise MatrixFileError(f"{path}: not a paperterm matrix file (or an older version)")
        size = int.from_bytes(head[len(MAGIC):], "little")
        if size > 1 << 20:
            raise MatrixFileError(f"{path}: damaged header")
        header = json.loads(os.pread(fd, size, len(head)))
        total = os.fstat(fd).st_size
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise MatrixFileError(f"{path}: unreadable matrix file ({exc.__class__.__name__})") \
            from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), dict):
        raise MatrixFileError(f"{path}: damaged header")
    if key is not None and header.get("key") != key:
        raise MatrixFileError(f"{path}: built for another library")
    start = _aligned(len(MAGIC) + 8 + size)
    layout: dict[str, tuple[int, np.dtype]] = {}
    lengths: dict[str, int] = {}
    try:
        for name, dtype in _ARRAYS:
            spec = header["arrays"][name]
            length, offset = int(spec["length"]), int(spec["offset"])
            if np.dtype(spec["dtype"]) != np.dtype(dtype) or length < 0 or offset < 0:
                raise MatrixFileError(f"{path}: damaged header ({name})")
            if start + offset + length * np.dtype(dtype).itemsize > total:
                raise MatrixFileError(f"{path}: cut short ({name})")
            layout[name] = (start + offset, np.dtype(dtype))
            lengths[name] = length
    except (KeyError, TypeError, ValueError) as exc:
        raise MatrixFileError(f"{path}: damaged header ({exc.__class__.__name__})") from None
    entries = _File(fd, path, layout)
    small = {name: entries.read(name, 0, lengths[name]) for name in _SMALL}
    nnz = lengths["row_idx"]
    if not (all(lengths[name] == nnz for name in ("row_val", "col_idx", "col_val"))
            and _pointers_ok(small["row_ptr"], nnz) and _pointers_ok(small["col_ptr"], nnz)
            and _pointers_ok(small["term_ptr"], lengths["term_bytes"])
            and len(small["term_ptr"]) == len(small["col_ptr"])):
        raise MatrixFileError(f"{path}: damaged matrix (inconsistent sizes)")
    return TermMatrix(str(header.get("key", "")), small["row_ptr"], small["col_ptr"],
                      small["term_ptr"], small["term_bytes"], entries)


def _pointers_ok(ptr: np.ndarray, end: int) -> bool:
    """Pointers run from 0 to ``end`` without going back: every slice they make is in bounds."""
    return (len(ptr) >= 1 and int(ptr[0]) == 0 and int(ptr[-1]) == end
            and bool(np.all(ptr[1:] >= ptr[:-1])))
