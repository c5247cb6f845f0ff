"""The user's key remapping file: ``keymap.toml`` in the user config directory.

Every key of the reader has a binding id (``paperterm.star``, ``paperterm.down``, …; the help
screen lists them). The file maps ids to keys, comma-separated for several::

    "paperterm.star" = "x"
    "paperterm.down" = "j,down,ctrl+n"

Read here, without Textual, so a broken file is reported by the CLI as one line before the reader
starts.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from paperterm import locations
from paperterm.limits import MAX_KEYMAP_BYTES, TooLarge, read_bounded
from paperterm.safe_text import holds_control

ID_PREFIX = "paperterm."


class KeymapError(ValueError):
    """The keymap file is unusable. ``str()`` is one line naming the file and the problem."""


def keymap_path() -> Path:
    return locations.config_dir() / "keymap.toml"


def load_keymap(path: Path | None = None) -> dict[str, str]:
    """Binding id -> keys from the keymap file; ``{}`` when there is no file."""
    path = keymap_path() if path is None else path
    try:
        raw = read_bounded(path, MAX_KEYMAP_BYTES, "keymap file")
    except FileNotFoundError:
        return {}
    except TooLarge as exc:
        raise KeymapError(f"{path}: {exc}") from None
    except OSError as exc:
        raise KeymapError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise KeymapError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise KeymapError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise KeymapError(f"{path}: not a keymap (nested too deeply)") from None
    keymap: dict[str, str] = {}
    for binding_id, keys in data.items():
        if not binding_id.startswith(ID_PREFIX):
            raise KeymapError(f"{path}: {binding_id!r} is not a paperterm binding id "
                              f"(they start with {ID_PREFIX!r}; see the help screen)")
        if not isinstance(keys, str) or not keys.strip():
            raise KeymapError(f"{path}: {binding_id!r} must map to keys as text, e.g. \"x\" "
                              "or \"j,down\"")
        if holds_control(keys):
            # No key is named with one, and the footer would send it to the terminal raw.
            raise KeymapError(f"{path}: {binding_id!r} maps to {keys!r}, which holds a control "
                              "character; keys are names like \"x\", \"ctrl+n\" or \"down\"")
        keymap[binding_id] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return keymap
