"""The one exception the export package raises.

Callers (the CLI, the TUI) turn it into a single line for the user, so ``str(error)`` is always one
line that names what failed: the output path, or the unknown format.
"""

from __future__ import annotations


class ExportError(Exception):
    """An export could not be rendered or written; ``str()`` is one line naming path or format."""
