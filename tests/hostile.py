"""Text that Git and the cluster may carry and a terminal must never obey: markup that
Textual would read, escape sequences, bidi overrides. Shared by the CLI and TUI tests."""

from __future__ import annotations

import re

MARKUP = ("[/]", "[link=file:///etc/passwd]x[/link]", "[@click=app.quit]x[/]", "[b]")
CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write "evil" to the clipboard
CLEAR = "\x1b[2J"
HYPERLINK = "\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\"  # OSC 8: a link to http://evil
RLO = "\u202e"  # right-to-left override: the rest of the line reads backwards
ESCAPES = (CLIPBOARD, CLEAR, HYPERLINK, RLO)

SUBJECT = f"deploy {MARKUP[2]} {CLEAR}{MARKUP[1]} {CLIPBOARD} {HYPERLINK} {RLO}gpj.exe"
AUTHOR = f"Mallory {MARKUP[0]}{CLIPBOARD}{MARKUP[3]}"
REASON = f"INC-7 {MARKUP[0]} {MARKUP[2]}"  # typed into the pause dialog

# What must never reach a terminal: C0 but tab and newline, DEL, C1, bidi controls.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unsafe_in(text: str) -> list[str]:
    """The unsafe characters in text, for an assertion message that shows them."""
    return sorted(set(UNSAFE.findall(text)))
