"""Every key of the reader, in one place, each with an id so users can remap it.

The widgets take their ``BINDINGS`` from here, the help screen and the command palette are generated
from the same lists, so what the help says is always what the keys do. Each binding's ``tooltip``
holds the sentence the help screen shows; ``description`` is the short word for the footer.

Remapping: ``App.set_keymap({"paperterm.star": "w"})`` (or ``create_app(keymap=...)``) replaces the
key of the binding with that id everywhere, help screen included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.binding import Binding, BindingsMap

VIEW_GROUP = Binding.Group("View", compact=True)


def bound_keys(bindings: Sequence[Binding],
               keymap: Mapping[str, str] | None = None) -> list[tuple[Binding, list[str]]]:
    """One entry per binding id, in declaration order: the binding and the keys that trigger it
    once ``keymap`` (binding id -> keys) is applied."""
    live = BindingsMap(bindings)
    if keymap:
        live.apply_keymap(dict(keymap))
    keys_of: dict[str, list[str]] = {}
    for key, binding in live:
        keys_of.setdefault(binding.id or binding.action, []).append(key)
    entries: list[tuple[Binding, list[str]]] = []
    seen: set[str] = set()
    for binding in Binding.make_bindings(bindings):
        ident = binding.id or binding.action
        if ident not in seen:
            seen.add(ident)
            entries.append((binding, keys_of.get(ident, [])))
    return entries


def _b(key: str, action: str, description: str, help_text: str, binding_id: str, *,
       show: bool = False, key_display: str | None = None, group: Binding.Group | None = None,
       priority: bool = False) -> Binding:
    return Binding(key, action, description, show=show, key_display=key_display,
                   tooltip=help_text, id=f"paperterm.{binding_id}", group=group,
                   priority=priority)


#: The paper list (focused by default).
LIST_BINDINGS = [
    _b("j,down", "cursor_down", "Down", "Next paper", "down"),
    _b("k,up", "cursor_up", "Up", "Previous paper", "up"),
    _b("g,home", "cursor_first", "First", "First paper", "first"),
    _b("G,end", "cursor_last", "Last", "Last paper", "last"),
    _b("pageup", "page_up", "Page up", "One page up", "page_up"),
    _b("pagedown", "page_down", "Page down", "One page down", "page_down"),
    _b("escape", "screen.clear_search", "Clear search", "Clear a kept search", "clear_search"),
]

#: The detail pane, once focused with tab.
DETAIL_BINDINGS = [
    _b("j,down", "scroll_down", "Scroll down", "Scroll down", "detail.down"),
    _b("k,up", "scroll_up", "Scroll up", "Scroll up", "detail.up"),
    _b("g,home", "scroll_home", "Top", "Top", "detail.top"),
    _b("G,end", "scroll_end", "Bottom", "Bottom", "detail.bottom"),
    _b("pageup", "page_up", "Page up", "One page up", "detail.page_up"),
    _b("pagedown", "page_down", "Page down", "One page down",
       "detail.page_down"),
]

#: The main screen: work whether the list or the detail pane has focus (not while typing).
#: Help comes first so the footer always shows it, even when a narrow terminal cuts the rest.
MAIN_BINDINGS = [
    _b("question_mark", "help", "Help", "Show this help", "help", show=True),
    # A priority binding: handled as the key arrives, before the keys typed behind it are
    # passed on, so they reach the search bar (``MainScreen.check_action`` lets a slash typed
    # in the bar be a slash).
    _b("slash", "focus_search", "Search", "Search titles and abstracts",
       "search", show=True, priority=True),
    _b("space", "read_next", "Read+next", "Mark read, jump to the next unread",
       "read_next", show=True),
    _b("r", "toggle_read", "Read", "Toggle read", "read"),
    _b("s", "toggle_star", "Star", "Toggle star", "star", show=True),
    _b("x", "toggle_select", "Select", "Select or unselect the paper, then move down",
       "select"),
    _b("X", "clear_selection", "Unselect", "Clear the selection", "select_none"),
    _b("A", "read_shown", "All read",
       "Mark every paper shown read (asks first)", "read_shown"),
    _b("n", "edit_note", "Note", "Edit the note (ctrl+s saves)",
       "note", show=True),
    _b("t", "tag", "Tag", "Add or remove tags (+name adds, -name removes)", "tag"),
    _b("u", "undo", "Undo", "Undo the last marker change (bulk: one step)", "undo",
       show=True),
    _b("1", "set_view('all')", "All", "View: all papers", "view_all", group=VIEW_GROUP, show=True),
    _b("2", "set_view('unread')", "Unread", "View: unread papers", "view_unread",
       group=VIEW_GROUP, show=True),
    _b("3", "set_view('starred')", "Starred", "View: starred papers", "view_starred",
       group=VIEW_GROUP, show=True),
    _b("4", "set_view('noted')", "Noted", "View: papers with a note", "view_noted",
       group=VIEW_GROUP, show=True),
    _b("5", "set_view('new')", "New", "View: papers new since last time", "view_new",
       group=VIEW_GROUP, show=True),
    _b("o", "cycle_sort", "Sort",
       "Cycle sort: date, day listed, upvotes, title, seen, comments, code stars, for you", "sort",
       show=True),
    _b("left_square_bracket", "step_day(-1)", "Prev day",
       "Previous listing day: only the papers listed that day", "day_prev", key_display="["),
    _b("right_square_bracket", "step_day(1)", "Next day",
       "Next listing day; past the newest, all papers again", "day_next", key_display="]"),
    _b("tab", "toggle_focus", "Focus", "Focus the list or the details", "focus"),
    _b("less_than_sign", "resize_split(-1)", "Narrower list",
       "Narrower list, wider details (remembered)", "split_left",
       key_display="<"),
    _b("greater_than_sign", "resize_split(1)", "Wider list",
       "Wider list, narrower details (remembered)", "split_right",
       key_display=">"),
    _b("z", "toggle_list_alone", "List alone",
       "The list alone, full width (remembered; z again: both panes)",
       "list_alone"),
    _b("y", "copy", "Copy", "Copy the title and the paper's link", "copy"),
    _b("b", "open_url", "Browser",
       "Open the paper's page in the browser: Hugging Face, else an arXiv title search", "open"),
    _b("B", "link_menu", "Links", "Pick a link to open: arXiv, PDF, code, project page, ...",
       "links"),
    _b("e", "export", "Export", "Export the selection, else the starred papers",
       "export", show=True),
    _b("F", "fetch", "Fetch", "Fetch new listings from Hugging Face",
       "fetch"),
    _b("m", "similar", "Similar", "Similar papers, and the words they share",
       "similar"),
    _b("q", "quit", "Quit", "Quit (remembers where you were)", "quit", show=True),
]

#: The search bar (keys not listed here are typed into the query).
SEARCH_BINDINGS = [
    _b("enter", "submit", "Keep filter", "Back to the list, keep the filter", "search.keep",
       show=True),
    _b("escape", "clear", "Clear", "Clear the search, back to the list", "search.clear",
       show=True),
    _b("down", "list_down", "Down", "Move the list cursor down",
       "search.down"),
    _b("up", "list_up", "Up", "Move the list cursor up", "search.up"),
]

#: The note editor.
NOTE_BINDINGS = [
    _b("ctrl+s", "save", "Save", "Save the note (empty removes it)", "note.save",
       show=True, priority=True),
    _b("escape", "cancel", "Cancel", "Close without saving", "note.cancel", show=True),
]

#: The tag dialog (``t``); enter applies the line (the input's own key).
TAG_BINDINGS = [
    _b("tab", "complete", "Complete", "Take the suggested tag name", "tags.complete",
       show=True, priority=True),
    _b("escape", "cancel", "Cancel", "Close without changing tags", "tags.cancel", show=True),
]

#: The export dialog.
EXPORT_BINDINGS = [
    _b("ctrl+s", "export", "Export", "Write the file", "export.write", show=True, priority=True),
    _b("escape", "cancel", "Cancel", "Close without exporting", "export.cancel", show=True),
]

#: The yes/no question before a change to many papers (``A``).
CONFIRM_BINDINGS = [
    _b("y", "confirm", "Yes", "Yes, do it", "confirm.yes", show=True),
    _b("n,escape", "cancel", "No", "No, change nothing", "confirm.no", show=True),
]

#: The link menu (``B``); digits 1-9 and enter pick a link.
LINK_BINDINGS = [
    _b("escape,q", "cancel", "Close", "Close without opening a link", "links.close", show=True),
    _b("j", "down", "Down", "Next link", "links.down"),
    _b("k", "up", "Up", "Previous link", "links.up"),
]

#: The help screen.
HELP_BINDINGS = [
    _b("escape,q,question_mark", "close", "Close", "Close the help", "help.close", show=True),
    _b("i", "toggle_ids", "Binding ids", "Show binding ids (for keymap.toml)",
       "help.ids", show=True),
    _b("j,down", "scroll_down", "Down", "Scroll down", "help.down"),
    _b("k,up", "scroll_up", "Up", "Scroll up", "help.up"),
]

#: The similar-papers dialog (``m``).
SIMILAR_BINDINGS = [
    _b("escape,q,m", "close", "Close", "Close the list", "similar.close", show=True),
    _b("j", "move(1)", "Down", "Next paper", "similar.down"),
    _b("k", "move(-1)", "Up", "Previous paper", "similar.up"),
]

#: The binding tables active together (a key may mean one thing only within each group).
SCOPES: tuple[tuple[str, tuple[list[Binding], ...]], ...] = (
    ("the paper list", (LIST_BINDINGS, MAIN_BINDINGS)),
    ("the details pane", (DETAIL_BINDINGS, MAIN_BINDINGS)),
    ("the search bar", (SEARCH_BINDINGS,)),
    ("the note editor", (NOTE_BINDINGS,)),
    ("the tag dialog", (TAG_BINDINGS,)),
    ("the export dialog", (EXPORT_BINDINGS,)),
    ("the confirmation", (CONFIRM_BINDINGS,)),
    ("the help screen", (HELP_BINDINGS,)),
    ("the similar-papers list", (SIMILAR_BINDINGS,)),
)


def all_binding_ids() -> list[str]:
    """Every binding id of the reader, in table order, once each."""
    seen: dict[str, None] = {}
    for _, tables in SCOPES:
        for table in tables:
            for binding in table:
                if binding.id:
                    seen.setdefault(binding.id)
    return list(seen)


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """What is wrong with ``keymap`` (binding id -> keys), one sentence each: ids no binding has,
    and keys that would mean two actions in the same place once the keymap is applied."""
    import difflib

    problems: list[str] = []
    known = all_binding_ids()
    for binding_id in keymap:
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "the help screen (? then i) lists them"
            problems.append(f"unknown binding id {binding_id!r} ({hint})")
    for where, tables in SCOPES:
        owners: dict[str, list[str]] = {}
        for table in tables:
            for binding in Binding.make_bindings(table):
                ident = binding.id or binding.action
                # (Textual itself would silently drop the binding a remapped key clashes with.)
                keys = keymap[ident].split(",") if ident in keymap else [binding.key]
                for key in (k.strip() for k in keys):
                    if key and ident not in owners.setdefault(key, []):
                        owners[key].append(ident)
        for key, idents in owners.items():
            if len(idents) > 1 and not any(f"{key!r} is bound to both {idents[0]} and "
                                           f"{idents[1]}" in p for p in problems):
                problems.append(f"key {key!r} is bound to both {idents[0]} and {idents[1]} "
                                f"in {where}")
    return problems
