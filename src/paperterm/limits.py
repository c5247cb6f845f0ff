"""The size limits on what paperterm reads from the user, and the bounded read that enforces them.

A file named on the command line can be anything: ``/dev/zero``, a FIFO that never ends, a
multi-gigabyte log. Each kind of input therefore has a limit far above any real use, and is read
with ``read_bounded``, which stops one byte past the limit instead of reading on (the README lists
the limits under "Your data"):

- a note (``mark --note``/``--note-file``, the reader's note editor, an import): 1 MiB of UTF-8;
- a marker export given to ``paperterm state import``: 256 MiB (about a million markers);
- the keymap file ``keymap.toml`` and the sync settings file: 64 KiB.
"""

from __future__ import annotations

import sys
from pathlib import Path

MAX_NOTE_BYTES = 1 << 20
#: The largest title an imported marker may carry, in bytes of UTF-8.
MAX_TITLE_BYTES = 64 << 10
MAX_IMPORT_BYTES = 256 << 20
MAX_KEYMAP_BYTES = 64 << 10
#: Settings files paperterm writes itself (the remembered sync folder).
MAX_CONFIG_BYTES = 64 << 10


class TooLarge(ValueError):
    """The input is larger than its limit. ``str()`` says what the limit is."""


def human_size(n: int) -> str:
    """``1 MiB``, ``64 KiB``, ``1.5 MiB``, ``12 bytes``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def read_bounded(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of ``path`` (``"-"``: standard input), reading at most ``limit + 1`` of them.

    ``TooLarge`` (``"<what> is larger than <limit>, the limit"``) when there is more; ``OSError``
    as ``open`` raises it.
    """
    if str(path) == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"{what} is larger than {human_size(limit)}, the limit")
    return data
