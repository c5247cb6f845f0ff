"""Open the marker store in a fresh process, optionally as another user, and report as JSON.

As root, file permissions do not apply, so the tests use this to see what a normal user gets:
the process imports everything while still root, then gives up root for ``--as-uid N``.

    python open_store.py [--as-uid N] DB [set-note ID TEXT]
    -> {"error": null | "one line", "recovered_from": null | path, "markers": {id: note}}
"""

import codecs
import json
import os
import sys

from paperterm.state import MarkerStore, StoreError


def main(args: list[str]) -> None:
    if args[:1] == ["--as-uid"]:
        uid = int(args[1])
        codecs.lookup("utf-8")
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        args = args[2:]
    report = {"error": None, "recovered_from": None, "markers": {}}
    try:
        with MarkerStore(args[0]) as store:
            if args[1:2] == ["set-note"]:
                store.set_note(args[2], "", args[3])
            report["recovered_from"] = str(store.recovered_from) if store.recovered_from else None
            report["markers"] = {k: m.note for k, m in store.all().items()}
    except StoreError as exc:
        report["error"] = str(exc)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
