"""The audit trail: commits that touched the app, and the reconciler's own events."""

from __future__ import annotations

import datetime as dt
import os

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from gitops_tui.errors import GitOpsError
from gitops_tui.text import clean
from gitops_tui.tui.format import plain
from gitops_tui.tui.keys import bindings
from gitops_tui.tui.screens.modals import Confirm
from gitops_tui.tui.threads import ReportsWorkerErrors, push_once, ui_call, worker

PAGE = 50
FOLLOW_EVERY = 1.0  # seconds between looks for a new HEAD or audit record
# The subject last: on a narrow screen it is the one cut at the edge (the detail line
# below the table says it whole), and the short columns stay on screen.
SUBJECT_WIDTH = 72
HISTORY_COLUMNS = (
    ("WHEN", 16),
    ("WHAT", 10),
    ("WHO", 16),
    ("FILES", 8),
    ("SUBJECT / EVENT", SUBJECT_WIDTH),
)


def _when(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def _key(row: tuple) -> tuple:
    kind, item = row
    return ("commit", item.sha) if kind == "commit" else ("event", item.at, item.message)


class PatchScreen(Screen[None]):
    BINDINGS = bindings("patch")

    def __init__(self, title: str, patch: str) -> None:
        super().__init__(id="patch-screen")
        self.title_text, self.patch = title, patch

    def compose(self) -> ComposeResult:
        yield Static(clean(self.title_text), id="patch-title", markup=False)
        with VerticalScroll():
            # The files' own text: it may hold escape sequences, shown as placeholders.
            patch = clean(self.patch) or "(no change in this app's paths)"
            yield Static(Syntax(patch, "diff", theme="ansi_dark"))
        yield Footer()

    def action_cursor_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down(animate=False)

    def action_cursor_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up(animate=False)

    def action_back(self) -> None:
        self.dismiss(None)


class HistoryScreen(ReportsWorkerErrors, Screen[None]):
    BINDINGS = bindings("history")

    def __init__(self, service, app_name: str, read_only: bool = False) -> None:
        super().__init__(id="history-screen")
        self.service = service
        self.app_name = app_name
        self.read_only = read_only
        self.commits: list = []
        self.rows: list = []  # ("commit", Commit) or ("event", AuditRecord)
        self.exhausted = False
        self._fetching = False
        self._seen: tuple | None = None  # HEAD and the audit log's size when last loaded

    def compose(self) -> ComposeResult:
        yield Static(
            clean(f"history: {self.app_name}  (commits and reconciler events)"),
            id="history-title",
            markup=False,
        )
        table = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        # Fixed widths: columns do not jump as pages of commits and events arrive.
        for label, width in HISTORY_COLUMNS:
            table.add_column(label, width=width)
        yield table
        yield Static("", id="history-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history", DataTable).focus()
        self.load_page()
        # The timeline follows what happens while it is open: a revert, a sync, a heal.
        self.set_interval(FOLLOW_EVERY, self.follow)

    def _signature(self) -> tuple:
        try:
            stat = os.stat(self.service.audit.path)
            audit = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            audit = None
        return self.service.head().sha, audit

    @worker("history-follow", exclusive=True)
    def follow(self) -> None:
        try:
            signature = self._signature()
        except GitOpsError:
            return  # the status bar says what is wrong with the repository
        if self._seen is not None and signature != self._seen:
            ui_call(self.app, self.load_page, True)  # workers start on the event loop

    @worker("history")
    def load_page(self, again: bool = False) -> None:
        """The next page of commits; again: the pages loaded so far, afresh."""
        if self._fetching or (self.exhausted and not again):
            return
        self._fetching = True
        try:
            # Seen even if the load fails: the next change tries again, not every tick.
            self._seen = self._signature()
            app = self.service.app(self.app_name)
            skip, limit = (0, max(PAGE, len(self.commits))) if again else (len(self.commits), PAGE)
            page = self.service.history(app, skip=skip, limit=limit)
        except GitOpsError as e:
            ui_call(self.app, self.app.notify, str(e), severity="error")
            return
        finally:
            self._fetching = False
        events = self.service.audit.records(self.app_name) + self.service.audit.records("*")
        ui_call(self.app, self._add, page, events, again, limit)

    def _add(self, page: list, events: list, again: bool = False, limit: int = PAGE) -> None:
        self.commits = page if again else self.commits + page
        self.exhausted = len(page) < limit
        rows = [("commit", c) for c in self.commits]
        if self.commits:
            # Interleave the events that fall inside the loaded span of commits.
            oldest = _when(self.commits[-1].commit_time) if not self.exhausted else None
            for e in events:
                if oldest is None or _when(e.at) >= oldest:
                    rows.append(("event", e))
        else:
            rows += [("event", e) for e in events]

        def when(row) -> dt.datetime:
            kind, item = row
            return _when(item.commit_time if kind == "commit" else item.at)

        rows.sort(key=when, reverse=True)
        table = self.query_one("#history", DataTable)
        cursor = table.cursor_row
        # The cursor stays on its commit or event as new ones arrive above it: R must
        # never land on a neighbour.
        selected = _key(self.rows[cursor]) if 0 <= cursor < len(self.rows) else None
        keys = [_key(r) for r in rows]
        if selected in keys:
            cursor = keys.index(selected)
        table.clear()
        self.rows = rows
        for kind, item in rows:
            t = when((kind, item)).astimezone().strftime("%Y-%m-%d %H:%M")
            if kind == "commit":
                n = len(item.files)
                files = f"{n} file" + ("s" if n != 1 else "")
                subject = item.subject
                if len(subject) > SUBJECT_WIDTH:
                    subject = subject[: SUBJECT_WIDTH - 1] + "…"
                # Text, not str: the table reads a str as markup, and subjects hold [brackets].
                table.add_row(t, item.short, plain(item.author_name), files, plain(subject))
            else:
                style = "green" if item.ok else "red"
                table.add_row(
                    t,
                    plain(Text(f"⚙ {item.action}", style=style)),
                    plain(item.who.split(" ")[0]),
                    "",
                    plain(Text(item.message, style=style)),
                )
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.rows) - 5 and not self.exhausted:
            self.load_page()
        detail = self.query_one("#history-detail", Static)
        if 0 <= event.cursor_row < len(self.rows):
            kind, item = self.rows[event.cursor_row]
            if kind == "commit":
                files = ", ".join(f"{f.path} (+{f.additions}/-{f.deletions})" for f in item.files)
                detail.update(
                    plain(
                        f"{item.sha}  {item.author_name} <{item.author_email}>\n"
                        f"{item.subject}\n{files}"
                    )
                )
            else:
                detail.update(plain(f"{item.at} {item.who}: {item.message}"))

    def _selected_commit(self):
        table = self.query_one("#history", DataTable)
        if 0 <= table.cursor_row < len(self.rows):
            kind, item = self.rows[table.cursor_row]
            if kind == "commit":
                return item
        return None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # The table takes enter (and a click on the cursor row) before the screen's
        # binding sees it: its selection opens the patch.
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        commit = self._selected_commit()
        if commit is not None:
            self.open_patch(commit)

    @worker("patch")
    def open_patch(self, commit) -> None:
        try:
            patch = self.service.patch(self.service.app(self.app_name), commit.sha)
        except GitOpsError as e:
            ui_call(self.app, self.app.notify, str(e), severity="error")
            return
        title = f"{commit.short} {commit.subject} — {commit.author_name}"
        ui_call(self.app, push_once, self.app, PatchScreen(title, patch))

    def action_revert(self) -> None:
        if self.read_only:
            self.app.notify(
                "read-only mode: revert is disabled (started with --read-only)", severity="warning"
            )
            return
        commit = self._selected_commit()
        if commit is None:
            self.app.notify("select a commit to revert", severity="warning")
            return
        self.app.notify(f"computing what reverting {commit.short} would change…")
        self.preview_revert(commit)

    @worker("revert")
    def preview_revert(self, commit) -> None:
        try:
            touched = self.service.apps_touched(commit.sha)
            # This app first, then every other app the commit touched: all roll back.
            names = [self.app_name, *(n for n in touched if n != self.app_name)]
            effects = self.service.revert_preview(commit.sha, names)
            changed = self.service.commit_files(commit.sha)  # all of them are reverted
        except GitOpsError as e:
            ui_call(self.app, self.app.notify, str(e), severity="error", timeout=10)
            return
        files = "\n".join(f"  {f.path} (+{f.additions}/-{f.deletions})" for f in changed)
        lines = [
            f"commit {commit.sha}",
            f"author {commit.author_name} <{commit.author_email}>",
            f"        {commit.subject}",
            "",
            "files:",
            files or "  (none)",
        ]
        if len(names) > 1:
            lines += ["", f"apps it touches ({len(names)}): {', '.join(names)}"]
        for name, diffs in effects.items():
            lines.append("")
            if isinstance(diffs, GitOpsError):
                lines.append(f"effect on {name}: ✘ {diffs}")
                continue
            effect = [d for d in diffs if str(d.status) != "Synced"]
            lines.append(f"effect on {name} ({len(effect)} object(s) change):")
            for d in effect:
                lines.append(f"  {d.status}: {d.ref}")
                lines += ["    " + ln for ln in d.unified.splitlines()[2:]]
        body = "\n".join(lines)

        def done(yes: bool | None) -> None:
            if yes:
                self.do_revert(commit)

        ui_call(
            self.app,
            push_once,
            self.app,
            Confirm(f'Revert "{commit.subject}" and push?', body, "Revert", id="revert-modal"),
            done,
        )

    @worker("revert")
    def do_revert(self, commit) -> None:
        try:
            new = self.service.revert(commit.sha)
        except GitOpsError as e:
            ui_call(self.app, self.app.notify, f"revert failed: {e}", severity="error", timeout=15)
            return
        ui_call(
            self.app,
            self.app.notify,
            f"pushed revert {new[:8]} of {commit.short}; rolling out",
            timeout=8,
        )
        ui_call(self.app, self.app.fetch_now)  # the timeline shows the revert once fetched

    def action_cursor_down(self) -> None:
        self.query_one("#history", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#history", DataTable).action_cursor_up()

    def action_first(self) -> None:
        self.query_one("#history", DataTable).move_cursor(row=0)

    def action_last(self) -> None:
        table = self.query_one("#history", DataTable)
        table.move_cursor(row=table.row_count - 1)

    def action_back(self) -> None:
        self.dismiss(None)
