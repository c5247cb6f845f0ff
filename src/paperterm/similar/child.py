"""The child process that does the scikit-learn work for the reader.

Building the term matrix takes tens of seconds at 100,000 papers and training the for-you model
imports scikit-learn (two seconds, 75 MB): neither may run on the reader's interface thread, nor
grow its memory. So the reader starts ``python -m paperterm.similar.child`` (a fresh interpreter,
not a fork of a process that runs threads) and talks to it through pipes:

- ``build OUT KEY``: stdin carries the papers' texts, each as 8 bytes of little-endian length and
  that many bytes of UTF-8; the child builds the matrix and writes it to ``OUT`` (atomically).
- ``train MATRIX KEY``: stdin carries a JSON object ``{"starred": [...], "passed": [...]}``; the
  child loads the matrix (memory-mapped), trains, and writes the model to stdout as ``.npz`` bytes
  (numbers only; read back with ``allow_pickle=False``).

Exit status 0 on success; otherwise one line on stderr says what went wrong (status 2 for too few
markers, 1 for anything else).
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from paperterm.similar.for_you import ForYou, NotEnoughMarkers, train
from paperterm.similar.matrix import MatrixFileError, build_matrix, load_matrix, save_matrix

#: Exit status when there are too few markers to train on (stderr says what is needed).
NOT_ENOUGH = 2


def write_texts(out: BinaryIO, texts) -> None:
    """Send texts to a ``build`` child: length-prefixed UTF-8 (lone surrogates replaced)."""
    for text in texts:
        data = text.encode("utf-8", "replace")
        out.write(len(data).to_bytes(8, "little"))
        out.write(data)


def read_texts(stream: BinaryIO) -> Iterator[str]:
    """The texts ``write_texts`` sent, until the end of the stream."""
    while True:
        head = stream.read(8)
        if not head:
            return
        if len(head) != 8:
            raise EOFError("input cut short")
        size = int.from_bytes(head, "little")
        data = stream.read(size)
        if len(data) != size:
            raise EOFError("input cut short")
        yield data.decode("utf-8", "replace")


def model_bytes(model: ForYou) -> bytes:
    """A trained model as ``.npz`` bytes (arrays of numbers only)."""
    buffer = io.BytesIO()
    np.savez(buffer, terms=model.terms, weights=model.weights,
             meta=np.array([model.intercept, model.starred, model.passed], dtype=np.float64))
    return buffer.getvalue()


def model_from_bytes(data: bytes) -> ForYou:
    """The model ``model_bytes`` wrote. ``ValueError`` if it is not one."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            terms = arrays["terms"].astype(np.int64)
            weights = arrays["weights"].astype(np.float32)
            intercept, starred, passed = (float(x) for x in arrays["meta"])
    except (OSError, KeyError, ValueError, EOFError) as exc:
        raise ValueError(f"not a for-you model ({exc.__class__.__name__})") from None
    if terms.shape != weights.shape or terms.ndim != 1:
        raise ValueError("not a for-you model (shapes differ)")
    return ForYou(terms, weights, intercept, int(starred), int(passed))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        os.nice(5)  # the interface comes first
    except (OSError, AttributeError):
        pass
    try:
        if len(argv) == 3 and argv[0] == "build":
            out, key = Path(argv[1]), argv[2]
            save_matrix(build_matrix(read_texts(sys.stdin.buffer), key=key), out)
            return 0
        if len(argv) == 3 and argv[0] == "train":
            matrix = load_matrix(Path(argv[1]), key=argv[2])
            request = json.loads(sys.stdin.buffer.read())
            model = train(matrix, request["starred"], request["passed"])
            sys.stdout.buffer.write(model_bytes(model))
            sys.stdout.buffer.flush()
            return 0
        print("usage: python -m paperterm.similar.child build OUT KEY | train MATRIX KEY",
              file=sys.stderr)
        return 1
    except NotEnoughMarkers as exc:
        print(exc, file=sys.stderr)
        return NOT_ENOUGH
    except (MatrixFileError, OSError, EOFError, ValueError, KeyError, TypeError,
            MemoryError) as exc:
        print(f"{exc.__class__.__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
