"""Open the marker store in a fresh process, optionally as another user, and report as JSON.

As root, file permissions do not apply, so the tests use this to see what a normal user gets:
the process imports everything while still root, then gives up root for ``--as-uid N``. Where
even that is forbidden (some containers), it says so and the test simulates the refusal instead,
calling ``report`` in its own process.

    python open_store.py [--as-uid N] DB [set-note ID TEXT]
    -> {"error": null | "one line", "recovered_from": null | path, "markers": {id: note}}
       or {"cannot_drop_root": "why"}
"""

import codecs
import json
import os
import sys

from paperterm.state import MarkerStore, StoreError


def report(args: list[str]) -> dict:
    """Open the store at ``args[0]`` (and set a note if asked); what happened, as a dict."""
    result = {"error": None, "recovered_from": None, "markers": {}}
    try:
        with MarkerStore(args[0]) as store:
            if args[1:2] == ["set-note"]:
                store.set_note(args[2], "", args[3])
            result["recovered_from"] = str(store.recovered_from) if store.recovered_from else None
            result["markers"] = {k: m.note for k, m in store.all().items()}
    except StoreError as exc:
        result["error"] = str(exc)
    return result


def main(args: list[str]) -> None:
    if args[:1] == ["--as-uid"]:
        uid = int(args[1])
        codecs.lookup("utf-8")
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        except OSError as exc:
            print(json.dumps({"cannot_drop_root": str(exc)}))
            return
        args = args[2:]
    print(json.dumps(report(args)))


if __name__ == "__main__":
    main(sys.argv[1:])
