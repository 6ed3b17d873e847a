"""Text from Git, the cluster or a file, made safe to show on a terminal.

A commit subject, an author, a file name, an annotation or an error message may hold
escape sequences (ESC ] 52 writes the clipboard, ESC [ 2J clears the screen) or
bidirectional overrides that make a line read other than it is. Every such string is
passed through `clean` before it is printed or drawn: each control character becomes
one visible placeholder, so the text stays readable and its length in characters stays
the same (spans of styled text stay where they were).
"""

from __future__ import annotations

import logging
import re
import sys

# C0 (except tab and newline), DEL, C1, and the bidi marks, embeddings, overrides and
# isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# C0 and DEL as their control pictures (ESC reads ␛), the rest as U+FFFD.
_PLACEHOLDERS = {
    **{c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)},
    0x7F: "\u2421",
    **{c: "\ufffd" for c in range(0x80, 0xA0)},
    **{c: "\ufffd" for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F))},
    **{c: "\ufffd" for c in range(0x2066, 0x206A)},
}


def is_clean(text: str) -> bool:
    # isprintable() is quick and holds for most text; every unsafe character fails it.
    return text.isprintable() or _UNSAFE.search(text) is None


def clean(text: str) -> str:
    """`text` with every terminal control and bidi override replaced by a placeholder."""
    return text if is_clean(text) else text.translate(_PLACEHOLDERS)


def echo(text: str, *, err: bool = False) -> None:
    """Print a line for a person: to stdout, or stderr for errors and warnings."""
    print(clean(text), file=sys.stderr if err else sys.stdout)


class CleanFormatter(logging.Formatter):
    """Log lines (the daemon's warnings quote Git and the API server) made safe too."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record))
