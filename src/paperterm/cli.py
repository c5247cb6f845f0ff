"""The ``paperterm`` command line: the TUI by default, and sub-commands for scripting.

Every failure a user can cause ends as one line on stderr, ``paperterm: <file or id>: <problem>``,
with exit status 1 for runtime errors and 2 for usage errors; a traceback is always a bug.

Nothing from a listing, the marker store or the user's files reaches the terminal raw: the table,
``show``, ``mark``, warnings and error messages go through ``safe_text.visible`` (controls shown as
``␛``-style pictures), JSON output through ``safe_text.json_safe``, and an export or a marker file
printed to a terminal (not a pipe or a file) through ``safe_text.visible_lines``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from paperterm import __version__, loader
from paperterm.cli_errors import CliError, UsageError
from paperterm.export import FORMATS, ExportError, paper_record, render, write_atomic
from paperterm.keymap import KeymapError, load_keymap
from paperterm.limits import MAX_IMPORT_BYTES, MAX_NOTE_BYTES, TooLarge, read_bounded
from paperterm.library import IdError, Library, LoadError
from paperterm.links import paper_links
from paperterm.model import (Marker, Paper, author_names_label, authors_label, date_label,
                             newest_first, positions_by_id)
from paperterm.safe_text import visible, visible_lines
from paperterm.search import Query, QueryError, parse_query
from paperterm.state import MarkerStore, StoreError, check_text, export_json
from paperterm.tags import TagError, normalize_tag
from paperterm.wording import json_text, plural

SUBCOMMANDS = ("list", "show", "search", "similar", "mark", "export", "state", "fetch", "add",
               "sync")
#: At most this many load warnings are printed; the rest are counted.
MAX_WARNINGS = 20


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line instead of a usage dump."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        return super().parse_args(self.protect_dashes(list(args or [])), namespace)

    def protect_dashes(self, argv: list[str]) -> list[str]:
        """``argv`` rewritten so a value that starts with ``-`` is read as a value, not refused
        as an unknown option: queries such as ``-lazy`` or ``-is:read`` (see README: Search).

        The value of an option that takes one (``--query -is:read``) becomes ``--query=-is:read``;
        a lone ``-word`` that is no option of this command is moved behind ``--`` with the other
        positional arguments. ``--word`` stays an option (argparse reports it if unknown)."""
        takes_value = {s for a in self._actions for s in a.option_strings
                       if a.nargs is None and a.const is None and not isinstance(
                           a, (argparse._StoreTrueAction, argparse._StoreFalseAction,
                               argparse._HelpAction, argparse._VersionAction))}
        known = set(self._option_string_actions)
        if "--" in argv or any(isinstance(a, argparse._SubParsersAction) for a in self._actions):
            return argv

        def is_option(token: str) -> bool:
            if token in known or token.startswith("--"):
                return True
            # -n5 (a short option with its value attached)
            return len(token) > 2 and token[:2] in takes_value

        options: list[str] = []
        positionals: list[str] = []
        moved = False
        i = 0
        while i < len(argv):
            token = argv[i]
            if token in takes_value and i + 1 < len(argv):
                value = argv[i + 1]
                if value.startswith("-") and value not in known:
                    options.append(f"{token}={value}" if token.startswith("--") else token + value)
                else:
                    options += [token, value]
                i += 2
                continue
            if token.startswith("-") and token != "-" and is_option(token):
                options.append(token)
            else:
                moved = moved or token.startswith("-")
                positionals.append(token)
            i += 1
        if not moved:
            return [*options, *positionals]
        return [*options, "--", *positionals]


# -- helpers shared by the sub-commands ---------------------------------------------------------

def open_library(paths: Sequence[str], *, with_index: bool = False):
    """Load the listings (or the defaults) through the cache, printing warnings.

    Returns ``(library, index)``; the index is ``None`` unless ``with_index``. ``CliError`` if
    nothing loads.
    """
    policy = loader.LoadPolicy(with_index=with_index)
    try:
        library, index = loader.open_library(paths or None, policy)
    except LoadError as exc:
        raise CliError(str(exc)) from None
    print_warnings(library)
    return library, index


def print_warnings(library: Library) -> None:
    """The library's load warnings on stderr (the first ``MAX_WARNINGS``, then how many more)."""
    for warning in library.warnings[:MAX_WARNINGS]:
        print(f"paperterm: warning: {visible(warning)}", file=sys.stderr)
    if len(library.warnings) > MAX_WARNINGS:
        print(f"paperterm: warning: ... and {len(library.warnings) - MAX_WARNINGS} more warnings",
              file=sys.stderr)


def open_store() -> MarkerStore:
    try:
        store = MarkerStore()
    except StoreError as exc:
        raise CliError(str(exc)) from None
    if store.recovered_from is not None:
        print(visible(f"paperterm: warning: {store.path}: marker store was unreadable; moved it "
                      f"aside to {store.recovered_from} and started a fresh one"), file=sys.stderr)
    return store


def parse_or_usage_error(query: str | None) -> Query | None:
    """The parsed query, ``None`` for no query or a blank one; ``UsageError`` if it is malformed.
    Called before any loading, so a bad query is reported at once."""
    if query is None or not query.strip():
        return None
    try:
        return parse_query(query)
    except QueryError as exc:
        raise UsageError(f"query: {exc}") from None


def select(library: Library, index, markers: dict[str, Marker], query: Query | None,
           limit: int | None = None) -> list[Paper]:
    """Papers matching ``query`` (ranked when it has words), or all papers newest first.
    ``is:new`` asks the store which papers are new (only then: it reads every id ever seen)."""
    if query is not None:
        new_ids = None
        if query.uses_new:
            with open_store() as store:
                new_ids = store.new_ids(p.id for p in library.papers)
        hits = index.search(query, markers=markers, limit=None if query.is_empty else limit,
                            new_ids=new_ids)
        papers = [library.papers[h.pos] for h in hits]
        if query.is_empty:
            papers = sort_newest_first(papers)
    else:
        papers = sort_newest_first(library.papers)
    return papers[:limit] if limit is not None else papers


def sort_newest_first(papers: Sequence[Paper]) -> list[Paper]:
    """Newest first; papers without a date last, in listing order."""
    return [papers[i] for i in newest_first(papers)]


def marker_flags(marker: Marker | None) -> str:
    """Three columns: unread dot, star, note sign (the same symbols as the TUI)."""
    if marker is None:
        return "•  "
    return ("•" if not marker.read else " ") + ("★" if marker.starred else " ") + \
           ("✎" if marker.note else " ")


def tag_label(marker: Marker | None) -> str:
    """The paper's tags as the table and ``mark`` show them after the title: ``  #llm #rl``."""
    if marker is None or not marker.tags:
        return ""
    return "  " + " ".join(f"#{name}" for name in marker.tags)


def date_column(paper: Paper) -> str:
    if paper.published:
        return paper.published + ("*" if paper.published_inferred else " ")
    return (paper.published_text or "—").ljust(11)[:11]


def print_table(library: Library, papers: Sequence[Paper], markers: dict[str, Marker],
                scores: Sequence[str] | None = None,
                terms: Sequence[Sequence[str]] | None = None) -> None:
    """One line per paper: id, markers, date, upvotes, title (cut to the terminal when a tty).
    ``scores`` (text put before the title) and ``terms`` (shown after it, in parentheses) come
    from ``similar`` and the for-you sort."""
    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else None
    out = []
    for i, paper in enumerate(papers):
        up = f"▲{paper.upvotes}" if paper.upvotes is not None else ""  # ▲0 too, as the reader
        line = (f"{library.short_id(paper.id)}  {marker_flags(markers.get(paper.id))}  "
                f"{visible(date_column(paper))}  {up:>4}  {scores[i] if scores else ''}"
                f"{visible(paper.title)}")
        if terms and terms[i]:
            line += f"  ({visible(', '.join(terms[i]))})"
        line += tag_label(markers.get(paper.id))
        if width and len(line) > width:
            line = line[: width - 1] + "…"
        out.append(line)
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    print(plural(len(papers), "paper") + ("  (* = year inferred)" if any(
        p.published_inferred for p in papers) else ""), file=sys.stderr)


def write_text(text: str) -> None:
    """Write an export or marker file to stdout: exact into a pipe or a file, and with control
    characters shown as pictures (``visible_lines``) when stdout is a terminal."""
    sys.stdout.write(visible_lines(text) if sys.stdout.isatty() else text)


def print_json(papers: Sequence[Paper], markers: dict[str, Marker],
               extra: Sequence[dict] | None = None) -> None:
    """A JSON array of paper records, each followed by its ``extra`` keys (if given)."""
    records = [paper_record(p, markers.get(p.id)) for p in papers]
    if extra is not None:
        records = [{**record, **more} for record, more in zip(records, extra)]
    sys.stdout.write(json_text(records))


def print_papers(library: Library, papers: Sequence[Paper], markers: dict[str, Marker],
                 as_json: bool) -> None:
    """``list`` and ``search`` output: a JSON array or the table."""
    if as_json:
        print_json(papers, markers)
    else:
        print_table(library, papers, markers)


def resolve_ids(library: Library, store: MarkerStore, ids: Sequence[str]) -> list[tuple[str, str]]:
    """``(full id, title)`` for each id or unique prefix, looked up in the library and then in the
    store (so papers from listings that are gone can still be marked)."""
    resolved = []
    for given in ids:
        try:
            paper = library.resolve(given)
        except IdError as exc:
            if exc.ambiguous:
                raise CliError(str(exc)) from None
            matches = store.with_prefix(given.strip().lower(), limit=2)
            if len(matches) != 1:
                raise CliError(str(exc)) from None
            resolved.append((matches[0].paper_id, matches[0].title))
        else:
            resolved.append((paper.id, paper.title))
    return resolved


# -- sub-commands --------------------------------------------------------------------------------

def query_library(paths: Sequence[str], text: str | None):
    """What ``list``, ``search`` and ``export`` start from: ``(query, library, index, markers)``,
    the query parsed before loading (``UsageError`` at once), the index only for a query, the
    markers of the library's papers."""
    query = parse_or_usage_error(text)
    library, index = open_library(paths, with_index=query is not None)
    with open_store() as store:
        markers = store.markers_for(p.id for p in library.papers)
    return query, library, index, markers


def cmd_list(args) -> int:
    query, library, index, markers = query_library(args.paths, args.query)
    print_papers(library, select(library, index, markers, query), markers, args.json)
    return 0


def cmd_search(args) -> int:
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    query, library, index, markers = query_library(args.paths, args.query)
    if args.sort == "relevance":
        papers = select(library, index, markers, query, args.limit)
        print_papers(library, papers, markers, args.json)
        return 0
    papers = select(library, index, markers, query)
    if args.sort == "date":
        print_papers(library, sort_newest_first(papers)[:args.limit], markers, args.json)
        return 0
    ranked = for_you_ranking(library, papers, markers)[:args.limit]
    papers = [paper for paper, _, _ in ranked]
    if args.json:
        extra = [{"score": round(score, 4), "why": list(why)} for _, score, why in ranked]
        print_json(papers, markers, extra)
    else:
        print_table(library, papers, markers,
                    [f"{score:+.2f}  " for _, score, _ in ranked],
                    [why for _, _, why in ranked])
    return 0


def term_matrix(library: Library):
    """The library's TF-IDF matrix: from the cache, or built now (saying so on a terminal)."""
    from paperterm.similarity import Similarity

    service = Similarity(library.papers, library.files)
    matrix = service.cached()
    if matrix is None:
        if sys.stderr.isatty():
            print(f"paperterm: building the term matrix of {len(library.papers)} papers "
                  "(once per library) ...", file=sys.stderr)
        matrix = service.build_here()
    return service, matrix


def for_you_ranking(library: Library, papers: Sequence[Paper], markers: dict[str, Marker]):
    """``(paper, score, why)`` for ``papers``, most recommended first; ``CliError`` with too few
    stars to learn from."""
    from paperterm.similar import NotEnoughMarkers

    service, matrix = term_matrix(library)
    try:
        model = service.train_here(matrix, markers)
    except NotEnoughMarkers as exc:
        raise CliError(f"for-you: {exc}") from None
    scores = model.scores(matrix)
    pos_of = positions_by_id(library.papers)
    ranked = sorted(((paper, float(scores[pos_of[paper.id]])) for paper in papers),
                    key=lambda item: -item[1])
    return [(paper, score, model.why(matrix, pos_of[paper.id])) for paper, score in ranked]


def cmd_similar(args) -> int:
    if args.id is None:
        raise UsageError("similar: give a paper ID (see 'paperterm similar --help')")
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    library, _ = open_library(args.paths)
    try:
        paper = library.resolve(args.id)
    except IdError as exc:
        raise CliError(str(exc)) from None
    with open_store() as store:
        markers = store.markers_for(p.id for p in library.papers)
    from paperterm.similar import nearest

    _, matrix = term_matrix(library)
    pos = next(i for i, p in enumerate(library.papers) if p is paper)
    found = nearest(matrix, pos, args.limit)
    papers = [library.papers[n.pos] for n in found]
    if args.json:
        print_json(papers, markers, [{"score": round(n.score, 4), "shared_terms": list(n.shared)}
                                     for n in found])
    else:
        print_table(library, papers, markers, [f"{n.score:4.2f}  " for n in found],
                    [n.shared for n in found])
    return 0


def cmd_show(args) -> int:
    if args.id is None:
        raise UsageError("show: give a paper ID (see 'paperterm show --help')")
    library, _ = open_library(args.paths)
    with open_store() as store:
        try:
            paper = library.resolve(args.id)
        except IdError as exc:
            raise CliError(str(exc)) from None
        marker = store.get(paper.id)
    if args.json:
        sys.stdout.write(json_text(paper_record(paper, marker)))
        return 0
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    title = visible(paper.title)
    names = author_names_label(paper)
    who = visible((paper.organization if names else authors_label(paper)) or
                  ("" if names else "authors unknown"))
    when = visible(date_label(paper) or "date unknown")
    figures = (f"  ·  ▲ {paper.upvotes}" if paper.upvotes else "") + \
        (f"  ·  {paper.comments} comment{'s' if paper.comments != 1 else ''}"
         if paper.comments is not None else "")
    lines = [
        title,
        "=" * min(len(title), width),
        *([textwrap.fill("by " + visible(names), width)] if names else []),
        f"id {paper.id}" + (f"  ·  arXiv {visible(paper.arxiv_id)}" if paper.arxiv_id else "")
        + (f"  ·  {who}" if who else "") + f"  ·  {when}" + figures,
        f"seen in {plural(len(paper.sources), 'listing')}: "
        + ", ".join(visible(source) for source in paper.sources),
        *([f"listed on: {', '.join(paper.days)}"] if paper.days else []),
        f"link: {visible(paper.link)}",
        "markers: " + ", ".join(filter(None, [
            "read" if marker and marker.read else "unread",
            "starred" if marker and marker.starred else "",
        ])),
        *([f"tags: {', '.join(marker.tags)}"] if marker and marker.tags else []),
        "",
        textwrap.fill(visible(paper.abstract), width) if paper.abstract else "(no abstract)",
    ]
    if paper.ai_summary:
        lines += ["", "AI summary (machine-written by Hugging Face, not by the authors):",
                  textwrap.fill(visible(paper.ai_summary), width, initial_indent="  ",
                                subsequent_indent="  ")]
    if paper.keywords:
        lines += ["", "AI keywords (machine-written):",
                  textwrap.fill(visible(", ".join(paper.keywords)), width, initial_indent="  ",
                                subsequent_indent="  ")]
    links = paper_links(paper)
    if links:
        label_width = max(len(link.label) for link in links)
        lines += ["", "Links:"] + [f"  {link.label.ljust(label_width)}  {visible(link.url)}"
                                   for link in links]
    if marker and marker.note:
        lines += ["", "Note:"] + [f"  {visible(line)}" for line in marker.note.splitlines()]
    print("\n".join(lines))
    return 0


def tag_names(values: Sequence[str] | None, option: str) -> list[str]:
    """The tag names given to ``--tag``/``--untag`` (each value may list several, separated by
    commas or spaces), normalised; ``UsageError`` naming the option for a bad one."""
    names: list[str] = []
    for value in values or ():
        for word in value.replace(",", " ").split() or [value]:
            try:
                names.append(normalize_tag(word))
            except TagError as exc:
                raise UsageError(f"{option}: {exc}") from None
    return list(dict.fromkeys(names))


def cmd_mark(args) -> int:
    add, remove = tag_names(args.tag, "--tag"), tag_names(args.untag, "--untag")
    if not (args.read or args.unread or args.star or args.unstar or args.note is not None
            or args.note_file is not None or args.clear_note or add or remove):
        raise UsageError("mark: nothing to do; give --read, --unread, --star, --unstar, --note, "
                         "--note-file, --clear-note, --tag or --untag")
    both = sorted(set(add) & set(remove))
    if both:
        raise UsageError(f"mark: tag {both[0]!r} is given to both --tag and --untag")
    note: str | None = args.note
    source = "--note"
    if args.note_file is not None:
        source = args.note_file
        try:
            note = read_bounded(args.note_file, MAX_NOTE_BYTES, "note").decode("utf-8")
        except TooLarge as exc:
            raise CliError(f"{args.note_file}: {exc}") from None
        except UnicodeDecodeError:
            raise CliError(f"{args.note_file}: cannot read note (not UTF-8 text)") from None
        except OSError as exc:
            raise CliError(f"{args.note_file}: cannot read note "
                           f"({exc.strerror or exc})") from None
    if note is not None and note.strip():
        problem = check_text(note, "note", MAX_NOTE_BYTES)
        if problem:
            raise CliError(f"{source}: {problem}")
    library, _ = open_library(args.path or [])
    with open_store() as store:
        for pid, title in resolve_ids(library, store, args.ids):
            if args.read or args.unread:
                store.set_read(pid, title, bool(args.read))
            if args.star or args.unstar:
                store.set_starred(pid, title, bool(args.star))
            if note is not None or args.clear_note:
                store.set_note(pid, title, None if args.clear_note else note)
            if add or remove:
                store.change_tags(pid, title, add=add, remove=remove)
            marker = store.get(pid)
            print(f"{pid[:12]}  {marker_flags(marker)}  {visible(title)}{tag_label(marker)}")
    return 0


def cmd_export(args) -> int:
    query, library, index, markers = query_library(args.paths, args.query)
    if args.query is not None:
        papers = select(library, index, markers, query)
        heading = f"paperterm: {args.query}"
    elif args.all:
        papers = sort_newest_first(library.papers)
        heading = "paperterm: all papers"
    else:
        papers = [p for p in sort_newest_first(library.papers)
                  if markers.get(p.id) and markers[p.id].starred]
        heading = "paperterm: starred papers"
    text = render(papers, markers, args.format, title=heading)
    if args.output and args.output != "-":
        try:
            write_atomic(Path(args.output), text)
        except ExportError as exc:
            raise CliError(str(exc)) from None
        print(f"paperterm: wrote {plural(len(papers), 'paper')} as {args.format} to "
              f"{visible(args.output)}", file=sys.stderr)
    else:
        write_text(text)
    return 0


def cmd_state(args) -> int:
    with open_store() as store:
        if args.state_command == "export":
            text = export_json(store)
            if args.output and args.output != "-":
                try:
                    write_atomic(Path(args.output), text)
                except ExportError as exc:
                    raise CliError(str(exc)) from None
                print(f"paperterm: wrote {store.count()} markers to {visible(args.output)}",
                      file=sys.stderr)
            else:
                write_text(text)
            return 0
        try:
            raw = read_bounded(args.file, MAX_IMPORT_BYTES, "marker export").decode("utf-8")
        except TooLarge as exc:
            raise CliError(f"{args.file}: {exc}") from None
        except UnicodeDecodeError:
            raise CliError(f"{args.file}: cannot read (not UTF-8 text)") from None
        except OSError as exc:
            raise CliError(f"{args.file}: cannot read ({exc.strerror or exc})") from None
        try:
            changed = store.import_data(parse_json(raw))
        except ValueError as exc:
            raise CliError(f"{args.file}: {exc}") from None
        print(f"paperterm: imported {changed} marker changes from {visible(args.file)}",
              file=sys.stderr)
    return 0


def parse_json(text: str) -> object:
    """``json.loads`` whose every failure is a ``ValueError`` with a one-line reason, including a
    document nested too deeply for the parser (a ``RecursionError`` otherwise)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ValueError("not a marker export (JSON nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ValueError(f"not JSON ({str(exc).split(';')[0]})") from None


def cmd_sync(args) -> int:
    from paperterm import sync

    try:
        if args.dir is not None:
            if not args.dir.strip():
                raise UsageError("sync: DIR is empty")
            folder = Path(args.dir).expanduser().absolute()
            if not folder.exists() and folder.parent.is_dir():
                try:
                    folder.mkdir(mode=0o700)  # it will hold notes: private, like the data dir
                except OSError as exc:
                    raise CliError(f"{folder}: cannot create the sync folder "
                                   f"({exc.strerror or exc})") from None
            sync.check_folder(folder)
            sync.remember_dir(folder)
        else:
            folder = sync.configured_dir()
            if folder is None:
                raise UsageError("sync: no sync folder set; give one once with 'paperterm sync "
                                 f"DIR' (it is remembered) or set ${sync.SYNC_DIR_ENV}")
        with open_store() as store:
            result = sync.sync(store, folder)
    except sync.SyncError as exc:
        raise CliError(str(exc)) from None
    # File names and ids come from a shared folder other machines write to: shown, never obeyed.
    for warning in result.warnings:
        print(f"paperterm: warning: {visible(warning)}", file=sys.stderr)
    for problem in result.problems:
        print(f"paperterm: {visible(problem)}", file=sys.stderr)
    print(f"paperterm: {visible(result.summary())}", file=sys.stderr)
    for paper in result.conflicts:
        print(visible(f"paperterm: {paper}: note edited on two machines; both texts kept (see "
                      f"'paperterm show {paper}')"), file=sys.stderr)
    return 1 if result.problems else 0


def sync_on_quit(store: MarkerStore) -> None:
    """The reader's last sync, after its screen is gone (problems as one line on stderr)."""
    from paperterm import sync

    try:
        result = sync.sync_configured(store)
    except (sync.SyncError, StoreError) as exc:
        print(visible(f"paperterm: sync: {exc}"), file=sys.stderr)
        return
    if result is not None:
        for problem in result.problems:
            print(visible(f"paperterm: sync: {problem}"), file=sys.stderr)


def cmd_tui(args) -> int:
    # Load before Textual starts any thread: forked children then load a large new library and
    # build its index while the reader is already up (see paperterm.loader.open_for_reader).
    try:
        keymap = load_keymap()
    except KeymapError as exc:
        raise CliError(str(exc)) from None
    if keymap:
        from paperterm.keymap import keymap_path
        from paperterm.tui.keys import keymap_problems  # (Textual's bindings only, no threads)

        problems = keymap_problems(keymap)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise CliError(f"{keymap_path()}: {problems[0]}{more}")
    try:
        opening = loader.open_for_reader(args.paths or None)
    except LoadError as exc:
        raise CliError(str(exc)) from None
    if opening.rest is None:
        print_warnings(opening.library)
    store = open_store()
    targets = [Path(p) for p in args.paths] if args.paths else loader.default_paths()
    from paperterm.tui.app import create_app  # Textual is imported only for the TUI

    try:
        app = create_app(targets, library=opening.library, store=store, index=opening.index,
                         keymap=keymap, rest=opening.rest)
        app.run()
        if opening.rest is not None and app.rest is None:
            print_warnings(app.library)  # the whole library's, loaded while the reader ran
        sync_on_quit(store)
    finally:
        store.close()
    return 0


# -- argument parsing ----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="paperterm",
        description="A keyboard-driven reader for research-paper listings. With no sub-command, "
                    "opens the interactive reader over PATHs (default: the shipped listings and "
                    "your own listings folder, DATA_DIR/listings).",
        epilog="Sub-commands: " + ", ".join(SUBCOMMANDS) + ". 'paperterm COMMAND --help' for each.",
    )
    parser.add_argument("--version", action="version", version=f"paperterm {__version__}")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="listing files or directories (searched for *.txt and *.json)")
    return parser


def build_subparsers() -> dict[str, argparse.ArgumentParser]:
    paths_help = ("listing files or directories (default: the shipped listings and your own "
                  "listings folder, DATA_DIR/listings)")
    p: dict[str, argparse.ArgumentParser] = {}

    sp = p["list"] = _Parser(prog="paperterm list", description="List papers as a table or JSON.")
    sp.add_argument("paths", nargs="*", metavar="PATH", help=paths_help)
    sp.add_argument("--query", "-q", help="only papers matching this query (see README: Search)")
    sp.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    sp.set_defaults(func=cmd_list)

    sp = p["show"] = _Parser(prog="paperterm show", description="Show one paper in full.")
    sp.add_argument("id", metavar="ID", nargs="?", help="paper id or any unique prefix of it")
    sp.add_argument("paths", nargs="*", metavar="PATH", help=paths_help)
    sp.add_argument("--json", action="store_true", help="print a JSON object")
    sp.set_defaults(func=cmd_show)

    sp = p["search"] = _Parser(prog="paperterm search", description="Ranked search results.")
    sp.add_argument("query", metavar="QUERY", nargs="?", default="",
                    help="words, \"phrases\", -exclusions and filters (default: every paper)")
    sp.add_argument("paths", nargs="*", metavar="PATH", help=paths_help)
    sp.add_argument("--limit", "-n", type=int, help="at most N results")
    sp.add_argument("--sort", choices=("relevance", "date", "for-you"), default="relevance",
                    help="relevance (default), date (newest first), or for-you: learnt from your "
                         "stars against papers read but not starred")
    sp.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    sp.set_defaults(func=cmd_search)

    sp = p["similar"] = _Parser(prog="paperterm similar",
                                description="Papers most similar to one paper (title and "
                                            "abstract, TF-IDF cosine), with the terms they share.")
    sp.add_argument("id", metavar="ID", nargs="?", help="paper id or any unique prefix of it")
    sp.add_argument("paths", nargs="*", metavar="PATH", help=paths_help)
    sp.add_argument("--limit", "-n", type=int, default=10, help="at most N papers (default 10)")
    sp.add_argument("--json", action="store_true",
                    help="print a JSON array (as 'list', plus score and shared_terms)")
    sp.set_defaults(func=cmd_similar)

    sp = p["mark"] = _Parser(prog="paperterm mark",
                             description="Set read, star, note and tag markers.")
    sp.add_argument("ids", nargs="+", metavar="ID", help="paper ids or unique prefixes")
    read = sp.add_mutually_exclusive_group()
    read.add_argument("--read", action="store_true", help="mark read")
    read.add_argument("--unread", action="store_true", help="mark unread")
    star = sp.add_mutually_exclusive_group()
    star.add_argument("--star", action="store_true", help="star")
    star.add_argument("--unstar", action="store_true", help="remove the star")
    note = sp.add_mutually_exclusive_group()
    note.add_argument("--note", metavar="TEXT", help="set the note (an empty note removes it)")
    note.add_argument("--note-file", metavar="F", help="set the note from a file ('-' for stdin)")
    note.add_argument("--clear-note", action="store_true", help="remove the note")
    sp.add_argument("--tag", action="append", metavar="NAME",
                    help="add a tag (repeatable; 'a,b' adds both; names are lower-cased)")
    sp.add_argument("--untag", action="append", metavar="NAME",
                    help="remove a tag (repeatable; 'a,b' removes both)")
    sp.add_argument("--path", action="append", metavar="PATH",
                    help="look ids up in these listings (repeatable; default: the shipped ones "
                         "and your listings folder)")
    sp.set_defaults(func=cmd_mark)

    sp = p["export"] = _Parser(prog="paperterm export",
                               description="Export papers (default: the starred ones).")
    sp.add_argument("paths", nargs="*", metavar="PATH", help=paths_help)
    which = sp.add_mutually_exclusive_group()
    which.add_argument("--starred", action="store_true", help="starred papers (the default)")
    which.add_argument("--all", action="store_true", help="every paper")
    which.add_argument("--query", "-q", help="papers matching this query")
    sp.add_argument("--format", "-f", choices=FORMATS, default="markdown", help="output format")
    sp.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) "
                                                          "instead of stdout")
    sp.set_defaults(func=cmd_export)

    sp = p["state"] = _Parser(prog="paperterm state",
                              description="Move markers between machines (JSON).")
    sub = sp.add_subparsers(dest="state_command", metavar="{export,import}", required=True,
                            parser_class=_Parser)
    ex = sub.add_parser("export", help="write every marker as JSON")
    ex.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    im = sub.add_parser("import", help="merge markers from a JSON export (newest change wins)")
    im.add_argument("file", metavar="FILE", help="a file written by 'paperterm state export' "
                                                 "('-' for stdin)")
    sp.set_defaults(func=cmd_state)

    from paperterm import cli_fetch  # 'fetch' and 'add': their own module (loads httpx lazily)

    cli_fetch.add_parsers(p, _Parser)

    sp = p["sync"] = _Parser(
        prog="paperterm sync",
        description="Sync markers with your other machines through a folder you already sync "
                    "(Syncthing, Dropbox, a network drive, a git repository). Each machine "
                    "writes only its own log there; the newest change of each field wins.",
        epilog="Without DIR: the folder in $PAPERTERM_SYNC_DIR, else the one last given.")
    sp.add_argument("dir", metavar="DIR", nargs="?",
                    help="the shared folder (remembered for later syncs and for the reader)")
    sp.set_defaults(func=cmd_sync)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            args = build_subparsers()[argv[0]].parse_args(argv[1:])
        else:
            args = build_parser().parse_args(argv)
            args.func = cmd_tui
        return args.func(args)
    except UsageError as exc:
        print(f"paperterm: {visible(str(exc))}", file=sys.stderr)
        return 2
    except (CliError, StoreError) as exc:
        print(f"paperterm: {visible(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("paperterm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `paperterm list | head`): not an error worth a message.
        # Point stdout at /dev/null so the interpreter's final flush cannot complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
