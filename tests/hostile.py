"""A hostile listing: every terminal escape, C1 control, bidi override and spreadsheet formula the
untrusted-text rules are about, in every field a listing has (shared by the untrusted-text tests).
"""

from __future__ import annotations

import re

#: One of each kind of sequence that must never reach a terminal.
SEQUENCES = {
    "osc_title": "\x1b]0;PWNED-TITLE\x07",            # retitle the terminal window
    "clear": "\x1b[2J\x1b[H",                          # clear the screen, cursor home
    "osc52": "\x1b]52;c;UFdORUQtQ0xJUA==\x07",         # write the user's clipboard
    "dcs": "\x1bP+q544e\x1b\\",                        # device control string
    "csi8": "\x9b31m",                                 # 8-bit CSI (C1)
    "c1": "\x85\x90\x9d\x9f\x80",                      # more C1 controls
    "bell_bs_del": "\x07\x08\x7f",
    "vt_ff_misc": "\x0b\x0c\x01\x1f",
    "bidi": "\u202eevil\u202c \u2066iso\u2069 \u202a\u202b\u202d\u2067\u2068",
}
ALL = "".join(SEQUENCES.values())

#: Every character that must be gone from parsed text, or never reach a terminal raw.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

FORMULA_TITLES = [
    '=HYPERLINK("http://evil.example/x","click me")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!'A1'",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def hostile_listing() -> str:
    """The text of a listing (LF line ends) whose every field holds every sequence."""
    blocks = [
        "Daily Papers\nDec 9",
        # 1: a formula title, escapes in abstract, authors line and date line
        f"{FORMULA_TITLES[0]} {ALL}",
        f"Abstract one {ALL} with a link https://example.org/one and $x_1$ maths.",
        f"• 4 authors{ALL}\n·\nAug 28, 2023 12",
        # 2: a formula title, an organisation that is a formula, escapes in the date line
        f"{FORMULA_TITLES[1]}{ALL}",
        f"-starts with a dash {ALL}",
        f"=1+1 Org{ALL}\n·\nFeb 3, 2024{ALL} 5",
        # 3
        f"{FORMULA_TITLES[2]} {ALL}",
        f"@mention abstract {ALL}",
        "·\nMar 1, 2024",
        # 4: escapes first, formula after them; HTML and a Markdown link in the title
        f"{ALL}{FORMULA_TITLES[3]}",
        f"<script>alert(1)</script> {ALL} abstract",
        "• 2 authors\n·\nApr 2, 2024 3",
        # 5: Markdown that must stay text
        f"<img src=x onerror=alert(1)> [click](http://evil.example/) ![i](http://evil.example/i.png) {ALL}",
        f"&lt;b&gt; <!-- c --> [ref]: http://evil.example/ref {ALL} https://example.org/five",
        "·\nMay 5, 2024 7",
        # 6: escapes between every word
        f"Plain{ALL}Title{ALL}Words",
        f"Plain{ALL}abstract",
    ]
    return "\n\n".join(blocks) + "\n"


#: Line of the first hostile character in ``hostile_listing()`` (the first title).
FIRST_HOSTILE_LINE = 4

#: A note holding every sequence (notes are not parsed: they reach us as the user typed them, or
#: from a marker file).
HOSTILE_NOTE = f"note line one {ALL}\n=cmd|' /C calc'!A0\r\nline three\r{ALL}"
