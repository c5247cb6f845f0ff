"""The export dialog: pick a format and a path, write the starred (or the selected) papers there.

The dialog writes the file itself (through ``paperterm.export``, which writes atomically), so a
problem -- an unwritable directory, a bad path -- shows as one line inside the dialog and the user
can fix the path and try again; only a successful export closes it, returning the path written.

An existing file is never replaced silently: the first ``ctrl+s`` on it says so and turns the
button into "Overwrite"; a second one (for the same file) replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, RadioButton, RadioSet, Static

from paperterm.export import FORMATS, ExportError, default_filename, render, write_atomic
from paperterm.model import Marker, Paper
from paperterm.safe_text import visible
from paperterm.tui.keys import EXPORT_BINDINGS
from paperterm.tui.safe_input import SafeInput
from paperterm.wording import plural


def resolve_target(text: str, fmt: str, cwd: Path | None = None) -> Path:
    """The file to write for what the user typed: ``~`` expanded, relative to ``cwd``, and a
    directory (or a path ending in ``/``) completed with the format's default file name."""
    raw = text.strip()
    path = Path(raw).expanduser() if raw else Path(default_filename(fmt))
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    if raw.endswith(("/", "\\")) or path.is_dir():
        path = path / default_filename(fmt)
    return path


class ExportDialog(ModalScreen[Path | None]):
    """Export ``papers`` (``what``: "starred" or "selected"); dismissed with the written path, or
    ``None``."""

    BINDINGS = EXPORT_BINDINGS

    def __init__(self, papers: Sequence[Paper], markers: Mapping[str, Marker], *,
                 fmt: str = "markdown", cwd: Path | None = None, what: str = "starred") -> None:
        super().__init__()
        self.papers = list(papers)
        self.what = what
        self.markers = markers
        self.fmt = fmt if fmt in FORMATS else list(FORMATS)[0]
        self.cwd = cwd
        #: The existing file the user was warned about (the next export there overwrites it).
        self.confirmed: Path | None = None

    def compose(self) -> ComposeResult:
        count = len(self.papers)
        heading = (f"Export {plural(count, self.what + ' paper')}" if count
                   else f"Export {self.what} papers")
        with VerticalScroll(id="export-dialog", classes="dialog"):
            yield Static(Text(heading, style="bold"), id="export-title")
            yield Static("Format", classes="label", markup=False)
            with RadioSet(id="export-format"):
                for name in FORMATS:
                    yield RadioButton(name, value=name == self.fmt, name=name)
            yield Static("File (relative to the current directory)", classes="label",
                         markup=False)
            yield SafeInput(default_filename(self.fmt), id="export-path", select_on_focus=False)
            yield Static("", id="export-error", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")
        yield Footer()

    def on_mount(self) -> None:
        if not self.papers:
            self.show_error("No starred papers yet: star some with s first.")
        self.query_one("#export-path", Input).focus()

    def on_resize(self) -> None:
        # A narrow or short terminal: formats in two rows, margins dropped, the rest scrolls.
        self.set_class(self.size.width < 70, "-narrow")
        self.set_class(self.size.height < 20, "-short")

    def show_error(self, message: str) -> None:
        error = self.query_one("#export-error", Static)
        error.update(visible(message))  # it names the path typed or pasted
        error.set_class(bool(message), "-shown")

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        new = event.pressed.name or self.fmt
        path_input = self.query_one("#export-path", Input)
        if path_input.value.strip() in ("", default_filename(self.fmt)):
            path_input.value = default_filename(new)
            path_input.cursor_position = len(path_input.value)  # typing goes on at the end
        self.fmt = new
        self._ask_overwrite(None)

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def action_export(self) -> None:
        # Keys typed just before ctrl+s (a burst over a slow link) may still wait in the path
        # field's queue: export once they are in.
        self.query_one("#export-path", Input).call_later(self._export_now)

    @on(Input.Changed, "#export-path")
    def _path_changed(self) -> None:
        self._ask_overwrite(None)

    def _ask_overwrite(self, target: Path | None) -> None:
        self.confirmed = target
        self.query_one("#export-ok", Button).label = "Overwrite" if target else "Export"
        if target is not None:
            self.show_error(f"{target} exists: ctrl+s (or Overwrite) again replaces it.")
        elif self.papers:
            self.show_error("")

    def _export_now(self) -> None:
        if not self.is_attached or self.app.screen is not self:
            return
        if not self.papers:
            self.show_error("No starred papers yet: star some with s first.")
            return
        target = resolve_target(self.query_one("#export-path", Input).value, self.fmt, self.cwd)
        if target.exists() and target != self.confirmed:
            self._ask_overwrite(target)
            return
        try:
            text = render(self.papers, dict(self.markers), self.fmt,
                          title=f"paperterm: {self.what} papers")
            write_atomic(target, text)
        except (ExportError, OSError) as exc:
            self.show_error(_one_line(exc, target))
            return
        self.dismiss(target)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _one_line(exc: Exception, target: Path) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, ExportError):
        return f"{target}: cannot write ({exc.strerror or exc})"
    return " ".join(str(exc).split())
