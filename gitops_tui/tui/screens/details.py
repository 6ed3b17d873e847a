"""`i`: everything about one app in full: its declaration, errors, warnings, pause and
the last sync results kept in the cluster."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from gitops_tui.text import clean
from gitops_tui.tui.format import plain, time_left


def details_text(view, now: dt.datetime | None = None) -> Text:
    """`now`: the API server's time, which the pause's end is counted on."""
    app, state = view.app, view.state
    flags = ", ".join(
        f"{name} {'on' if on else 'off'}"
        for name, on in (
            ("auto-sync", app.auto_sync),
            ("prune", app.prune),
            ("selfHeal", app.self_heal),
            ("allowEmpty", app.allow_empty),
            ("CreateNamespace", app.create_namespace),
        )
    )
    out = Text()
    out.append(f"{app.name}", style="bold")
    out.append(f"  ({app.source_kind}, declared in {app.declared_in})\n")
    out.append(f"path {app.source} → namespace {app.namespace or '-'}\n{flags}\n")
    out.append(f"revision {view.revision[:12] or '-'}   sync {view.sync_status}   ")
    out.append(f"health {view.health}\n")
    if view.error:
        out.append(f"\n✘ {view.error}\n", style="red")
    for w in app.notes:
        out.append(f"⚠ {w}\n", style="yellow")
    if state.pause:
        p = state.pause
        left = f" ({time_left(p, now)})" if now else ""
        out.append(f"\n⏸ selfHeal paused by {p.by} since {p.at[:16]} until {p.until[:16]}{left}: ")
        out.append(f"{p.reason}\n", style="bold")
    if state.suspended:
        out.append("⏸ auto-sync suspended\n")
    out.append("\nlast sync results (newest first)\n", style="bold")
    if not state.results:
        out.append("  none yet\n")
    for r in state.results:
        mark, style = ("✔", "green") if r.ok else ("✘", "red")
        out.append(f"  {mark} {r.at[:19]} {r.trigger:<10} {r.revision[:8]} ", style=style)
        out.append(f"{r.message}\n")
    return plain(out)  # names, paths, reasons and messages from Git and the cluster


class DetailsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,i,q", "close", "Close")]

    def __init__(self, view, now: dt.datetime | None = None) -> None:
        super().__init__(id="details-modal")
        self.view, self.now = view, now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                clean(f"Details: {self.view.app.name}"), classes="dialog-title", markup=False
            )
            with VerticalScroll(classes="dialog-body"):
                yield Static(details_text(self.view, self.now), id="details-body")

    def action_close(self) -> None:
        self.dismiss(None)
