"""Load listings in a fresh process and report, as one JSON line, what the library made of them.

Used by the reliability tests when a load must run apart from pytest: as another user (to test
file permissions while the tests run as root), or to measure the peak memory of a huge file.

    python load_paths.py [--as-uid N] PATH [PATH ...]
    -> {"papers": N, "warnings": [...], "error": null | "one line", "maxrss_mb": M}
       or, where the process may not give up root, {"cannot_drop_root": "why"}
"""

from __future__ import annotations

import codecs
import importlib
import json
import os
import pkgutil
import resource
import sys


def main(args: list[str]) -> int:
    from paperterm.library import LoadError, load_library

    if args[:1] == ["--as-uid"]:
        # Everything the load may import lazily must be imported while still root.
        import paperterm

        for module in pkgutil.iter_modules(paperterm.__path__):
            if module.name not in ("tui", "cli", "__main__"):
                try:
                    importlib.import_module(f"paperterm.{module.name}")
                except ImportError:  # a module still being written elsewhere: not ours to load
                    pass
        for encoding in ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"):
            codecs.lookup(encoding)
        # Drop root's rights only now, after the interpreter and paperterm are loaded (they may
        # live where that user cannot read), so the kernel judges just the listings' permissions.
        uid = int(args[1])
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        except OSError as exc:  # e.g. a container that forbids it: the test simulates instead
            print(json.dumps({"cannot_drop_root": str(exc)}))
            return 0
        args = args[2:]
    paths = args
    report: dict = {"papers": 0, "warnings": [], "error": None}
    try:
        library = load_library(paths)
    except LoadError as exc:
        report["error"] = str(exc)
    else:
        report["papers"] = len(library.papers)
        report["warnings"] = library.warnings
    # ru_maxrss is in KiB on Linux
    report["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
