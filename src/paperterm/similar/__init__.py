"""Similar papers and a "for you" order, learnt offline from the papers and the user's stars.

Two questions a keyword search cannot answer: "what else is like this paper?" and "of today's
fifty, which would I star?". Both rest on one TF-IDF matrix of the library (title + abstract, word
and bigram features, rows L2-normalised so a dot product is a cosine), in the manner of
arxiv-sanity-lite:

- ``matrix``: builds the matrix with scikit-learn's ``TfidfVectorizer`` and keeps it on disk as
  plain ``.npy`` arrays (rows *and* columns), memory-mapped when loaded. Building takes tens of
  seconds at 100,000 papers and imports scikit-learn (~75 MB, ~2 s), so the reader does it in a
  child process; loading a built matrix costs no time and only the pages a query touches.
- ``neighbours``: the papers nearest one paper, with the terms they share. Reads only the columns
  of that paper's terms, so it is milliseconds at any size.
- ``for_you``: a linear classifier (scikit-learn's ``LogisticRegression``) trained on starred
  papers against read-but-unstarred ones, applied to every paper, and the terms that explain
  each score.

Nothing here imports scikit-learn at module level: only ``build_matrix`` and ``train`` do, and
only when called. Nothing here imports Textual.
"""

from __future__ import annotations

from paperterm.similar.for_you import ForYou, NotEnoughMarkers, train
from paperterm.similar.matrix import TermMatrix, build_matrix, load_matrix, paper_text, save_matrix
from paperterm.similar.neighbours import Neighbour, nearest

__all__ = ["ForYou", "Neighbour", "NotEnoughMarkers", "TermMatrix", "build_matrix", "load_matrix",
           "nearest", "paper_text", "save_matrix", "train"]
