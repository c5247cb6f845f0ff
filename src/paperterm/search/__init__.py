"""Search: the query language and a word-prefix index fast enough for every keystroke at 100k papers.

Public API (the CLI and the TUI use only this)::

    q = parse_query("grok -lazy year:>=2023 is:starred")      # QueryError on a bad filter/value
    index = SearchIndex(papers)                                 # build once per library; picklable
    index.warm()                                                # optional, e.g. in a thread
    hits = index.search(q, markers=store.all(), limit=None)     # list[Hit], best first
    spans = highlight_spans(title, q)                           # [(start, end), ...] in the title

Modules, one job each: ``text`` (what a word is), ``query`` (parsing), ``postings`` (prefix
lookups), ``packed`` (compact word lists), ``bitset`` (sets of papers), ``filters``, ``rank``
(closeness and typos), ``index`` (putting it together), ``highlight``. Nothing here imports Textual.
"""

from paperterm.search.highlight import highlight_spans
from paperterm.search.index import Hit, SearchIndex
from paperterm.search.query import Filter, Query, QueryError, parse_query

__all__ = ["Filter", "Hit", "Query", "QueryError", "SearchIndex", "highlight_spans", "parse_query"]
