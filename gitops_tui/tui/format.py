"""How statuses read on screen: a symbol for the eye and the word for everyone."""

from __future__ import annotations

import datetime as dt

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from gitops_tui.text import clean

SYNC_STYLE = {
    "Synced": ("✔", "green"),
    "OutOfSync": ("✘", "yellow"),
    "Missing": ("?", "red"),
    "Extra": ("+", "magenta"),
    "Unknown": ("…", "dim"),
}
HEALTH_STYLE = {
    "Healthy": ("♥", "green"),
    "Progressing": ("◐", "cyan"),
    "Suspended": ("⏸", "blue"),
    "Degraded": ("✖", "red"),
    "Missing": ("?", "red"),
    "Unknown": ("…", "dim"),
}


def plain(value: str | Text) -> Text:
    """Text from Git or the cluster for a widget: never read as markup ("[/]" is two
    brackets and a slash), no terminal controls. Always a new Text: callers may cut it."""
    if isinstance(value, Text):
        text = value.copy()
        text.plain = clean(text.plain)  # one placeholder per character: spans stay put
        return text
    return Text(clean(str(value)))


def sync_text(status: str) -> Text:
    symbol, style = SYNC_STYLE.get(str(status), ("•", ""))
    return Text(f"{symbol} {status}", style=style)


def health_text(status: str) -> Text:
    symbol, style = HEALTH_STYLE.get(str(status), ("•", ""))
    return Text(f"{symbol} {status}", style=style)


def ago(iso: str, now: dt.datetime | None = None) -> str:
    if not iso:
        return "never"
    then = dt.datetime.fromisoformat(iso)
    return ago_seconds(((now or dt.datetime.now(dt.UTC)) - then).total_seconds())


def ago_seconds(secs: float) -> str:
    secs = int(secs)
    if secs < 60:
        return f"{max(secs, 0)}s ago"
    if secs < 3600:
        return f"{secs // 60}m ago"
    if secs < 86400:
        return f"{secs // 3600}h ago"
    return f"{secs // 86400}d ago"


def local_hhmm(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone().strftime("%H:%M")


def time_left(pause, now: dt.datetime) -> str:
    """How long a pause still runs, counted on the API server's clock (`now`)."""
    secs = int(pause.remaining(now).total_seconds())
    if secs <= 0:
        return "ending"
    if secs < 60:
        return f"{secs}s left"
    minutes = -(-secs // 60)  # a 30m pause just set reads 30m, not 29m
    if minutes < 60:
        return f"{minutes}m left"
    return f"{minutes // 60}h{minutes % 60:02d}m left"


def heal_text(pause, self_heal: bool) -> Text:
    if pause is not None:
        who = pause.by.split(" ")[0]
        return Text(f"⏸ PAUSED until {local_hhmm(pause.until)} by {who}", style="bold yellow")
    return Text("✔ on", style="green") if self_heal else Text("✘ off", style="dim")


def fit_rows(lines: list[str], width: int, rows: int) -> str:
    """The lines as they fit a pane `rows` high and `width` wide: a line each, cut with …
    when too long; when there are more lines than rows, the last row says how many more
    there are and where to read them."""
    if len(lines) > rows:
        more = len(lines) - (rows - 1)
        lines = lines[: rows - 1] + [f"… {more} more line{'s' * (more != 1)}: i for details"]
    # A line's own newlines (a health message, an error's context) would take more rows.
    return "\n".join(cut(" ".join(line.splitlines()), max(width, 1)) for line in lines)


def cut(text: str, cells: int) -> str:
    """At most `cells` wide: a longer text ends in …"""
    if cell_len(text) <= cells:
        return text
    return set_cell_size(text, max(cells - 1, 0)).rstrip() + "…"
