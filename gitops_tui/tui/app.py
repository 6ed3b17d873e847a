"""The main screen: applications, the selected app's resources, and the status bar.

The reconciler runs on its own threads (started here, in a worker). It tells the UI
that an app changed by posting a message; the UI then computes a fresh snapshot in a
worker thread and paints it. Nothing on the event loop waits for the network or Git.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Static

from gitops_tui.errors import GitOpsError, one_line
from gitops_tui.health import object_health
from gitops_tui.redact import redact
from gitops_tui.service import Service
from gitops_tui.text import clean
from gitops_tui.tui.format import (
    ago,
    ago_seconds,
    fit_rows,
    heal_text,
    health_text,
    sync_text,
    time_left,
)
from gitops_tui.tui.keys import KEYS, MUTATING, bindings, label
from gitops_tui.tui.screens.details import DetailsScreen
from gitops_tui.tui.screens.diff import DiffScreen
from gitops_tui.tui.screens.help import HelpScreen
from gitops_tui.tui.screens.history import HistoryScreen
from gitops_tui.tui.screens.modals import Confirm, PauseModal
from gitops_tui.tui.screens.secret import SecretScreen, pick
from gitops_tui.tui.threads import (
    ReportsWorkerErrors,
    background_priority,
    push_once,
    ui_call,
    worker,
)
from gitops_tui.tui.widgets.rowtable import FLEX_MIN, RowTable

log = logging.getLogger(__name__)

APP_COLUMNS = ("NAME", "DESTINATION", "SYNC", "HEALTH", "SELF-HEAL", "REVISION", "LAST SYNC")
REPAINT_EVERY = 5.0  # seconds
REPAINT_COALESCE = 0.1  # seconds: changes inside it become one repaint
CONNECT_RETRY, CONNECT_RETRY_MAX = 5.0, 60.0  # seconds between connection attempts
STALE_FETCH = 5.0  # seconds a fetch may take before the status bar says so
# On a narrow screen these leave the apps table first (the detail pane and the status
# bar still say them), so name, sync, health and selfHeal stay without scrolling.
APP_OPTIONAL = ("DESTINATION", "REVISION", "LAST SYNC")
PAUSED_MIN = cell_len("⏸ PAUSED until 14:05") + 1  # the pause's end stays readable
# The main screen's actions; those that open a screen of their own (or act on the
# main screen's widgets) run there only.
APP_ACTIONS = {k.action for k in KEYS if "apps" in k.places and not k.widget} - {"back"}
MAIN_SCREEN_ONLY = {"diff", "history", "details", "edit_secret", "filter", "sort", "revert"}
RES_COLUMNS = ("KIND", "NAMESPACE", "NAME", "SYNC", "HEALTH")
RES_NAME_MIN = 30
# The resources pane follows the cursor once it rests this long: while a key repeats,
# only the apps table redraws, and each press shows in one cheap frame.
RESOURCES_SETTLE = 0.06  # seconds
UI_APPLY_WORKERS = 1
DETAIL_ROWS = 3  # the selected app's detail pane, in lines


class AppChanged(Message):
    """Posted from reconciler threads: this app's state moved."""

    def __init__(self, app: str) -> None:
        super().__init__()
        self.app_name = app


@dataclass
class Row:
    view: object  # engine.AppView
    subject: str


class GitOpsApp(ReportsWorkerErrors, App):
    CSS_PATH = "app.tcss"
    TITLE = "gitops-tui"
    BINDINGS = bindings("apps")

    def __init__(
        self,
        service: Service,
        *,
        fetch_interval: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.service = service
        self.clock = clock  # what "3m ago" counts from
        self.read_only = service.settings.read_only
        self.fetch_interval = fetch_interval or service.settings.fetch_interval
        self.rows: dict[str, Row] = {}
        self.order: list[str] = []
        self.filter_text = ""
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.poller = None
        self.ready = False
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._message_in_flight = False
        self._flush_timer = False
        self._views_busy = False
        self._paint_due = False
        self._detail_text: str | None = None
        self._status_text: str | None = None
        self._cluster_text = ""  # the connected cluster, without the watch marker
        self._cluster_shown: str | None = None
        self._resources_due = 0.0
        self._resources_timer = False
        # The app whose resources the pane lists, and their diffs in row order: what
        # Enter, d and e act on while the pane is focused.
        self._shown: tuple[str, list] | None = None
        self.last_error = ""
        self._stopping = threading.Event()

    # ---- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("cluster: connecting…", id="cluster", markup=False)
        yield Input(placeholder="filter apps (esc clears)", id="filter")
        yield RowTable(
            APP_COLUMNS,
            id="apps",
            zebra_stripes=True,
            flex={"REVISION": FLEX_MIN, "SELF-HEAL": PAUSED_MIN},
            optional=APP_OPTIONAL,
        )
        # An object's name cut short is worse than its namespace (most often the app's
        # destination) left out.
        yield RowTable(
            RES_COLUMNS, id="resources", flex={"NAME": RES_NAME_MIN}, optional=("NAMESPACE",)
        )
        yield Static("", id="app-detail", markup=False)
        yield Static(
            clean(f"repo: {self.service.settings.shown_repo}  starting…"),
            id="statusbar",
            markup=False,
        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        apps = self.query_one("#apps", RowTable)
        apps.mark_sorted("NAME")  # the order before any other is asked for
        apps.focus()
        self.start_backend()

    # ---- the backend, on worker threads --------------------------------------------
    @worker("backend", exclusive=True)
    def start_backend(self) -> None:
        from gitops_tui.reconcile.daemon import Poller

        background_priority()  # and so every reconciler thread started from here
        # The API server or the remote may be down when the UI opens: keep trying, and
        # say so, rather than leave a dead screen.
        delay, said = CONNECT_RETRY, ""
        while not self._stopping.is_set():
            try:
                info = self.service.cluster()
                self._cluster_text = (
                    f"cluster: {info.context}  {info.server}  Kubernetes {info.version}"
                )
                self.ui_call(self._set_cluster, self._cluster_text)
                engine = self.service.start_engine(
                    elect=not self.read_only, on_change=self._changed_from_thread
                )
                # One apply at a time here: on a small machine, parallel applies (the
                # CLI's and daemon's four) made key presses wait ~50 ms instead of ~35
                # while a large sync ran. The screen comes first; a sync of 20 objects
                # still takes a fraction of a second.
                engine.applier.workers = UI_APPLY_WORKERS
                break
            except Exception as e:
                # A GitOpsError is one clear line already; anything else is a bug, said
                # as its type and message: either way the backend keeps trying.
                text = str(e) if isinstance(e, GitOpsError) else f"unexpected {one_line(e)}"
                if not isinstance(e, GitOpsError):
                    log.debug("starting the backend failed", exc_info=True)
                target = self._set_status if self.service.reached_cluster else self._set_cluster
                prefix = "cluster" if target == self._set_cluster else "repo"
                self.ui_call(target, f"{prefix}: ✘ {text}  (retrying every {delay:.0f}s)")
                if text != said:
                    self.ui_call(self.notify, text, severity="error", timeout=15)
                    said = text
                self._stopping.wait(delay)
                delay = min(delay * 2, CONNECT_RETRY_MAX)
        else:
            return
        self.poller = Poller(self.service, self.fetch_interval, on_error=self._poll_error)
        self.poller.start()
        self.ready = True
        self._refresh_views(sorted(engine.apps))
        # The engine's caches are long-lived: keep the collector from walking them
        # again and again (a full collection of them stalled the UI for ~200 ms).
        gc.freeze()
        # Ages ("3m ago"), pause countdowns and leadership move without events.
        self.ui_call(self.set_interval, REPAINT_EVERY, self._repaint_all)

    def ui_call(self, fn, *args, **kwargs):
        return ui_call(self, fn, *args, **kwargs)

    def notify(self, message: str, *, title: str = "", markup: bool = False, **kwargs) -> None:
        # Messages quote Git, the API server and operators: their [brackets] are text,
        # their URLs may carry credentials, and their control characters never reach
        # the terminal.
        super().notify(clean(redact(message)), title=clean(title), markup=markup, **kwargs)

    def on_unmount(self) -> None:
        self._stopping.set()
        if self.poller is not None:
            # No join here: a fetch may hang, and the UI must close at once.
            self.poller.stopped.set()
            self.poller.wake.set()

    def _repaint_all(self) -> None:
        engine = self.service.engine
        with self._pending_lock:
            self._pending.update(self.rows)
            if engine is not None:
                self._pending.update(engine.apps)  # apps found since the last paint
            # With no app at all the status bar (fetch age, errors) must still move.
            self._paint_due = True
        self._schedule_flush()

    def _poll_error(self, message: str) -> None:
        # The status bar shows the error on every repaint; notify once per new error,
        # not on every failed fetch.
        if message != self.last_error:
            self.ui_call(self.notify, message, severity="error", timeout=10)
            self.ui_call(self._repaint_all)  # the status bar says it too, now
        self.last_error = message

    def _refresh_views(self, names: list[str]) -> None:
        engine = self.service.engine
        if engine is None:
            return
        views = []
        for name in names:
            if name in engine.apps:
                views.append(engine.view(name))
        head = self.service.head()
        subjects = {v.app.name: self._subject(v.state.last_synced_revision) for v in views}
        self.ui_call(self._paint, views, subjects, head, sorted(engine.apps))

    def _subject(self, sha: str) -> str:
        if not sha:
            return ""
        try:
            return self.service.repo.commit_subject(sha)
        except Exception:
            return ""

    @worker("views")
    def refresh_views(self, names: list[str]) -> None:
        background_priority()
        try:
            self._refresh_views(names)
        finally:
            self.ui_call(self._views_done)

    def _views_done(self) -> None:
        self._views_busy = False
        if self._pending or self._paint_due:
            self._schedule_flush()

    def _changed_from_thread(self, app: str) -> None:
        """Called on reconciler and watch threads for every change: a sync of 2,000
        objects makes thousands. They become one message, then one repaint at a time."""
        with self._pending_lock:
            self._pending.add(app)
            if self._message_in_flight:
                return
            self._message_in_flight = True
        self.post_message(AppChanged(app))

    @on(AppChanged)
    def _app_changed(self, message: AppChanged) -> None:
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_timer:
            self._flush_timer = True
            self.set_timer(REPAINT_COALESCE, self._flush_pending)

    def _flush_pending(self) -> None:
        self._flush_timer = False
        if self._views_busy:
            return  # the running view worker flushes again when it is done
        with self._pending_lock:
            names, self._pending = sorted(self._pending), set()
            due, self._paint_due = self._paint_due, False
            self._message_in_flight = False
        if names or due:
            self._views_busy = True
            self.refresh_views(names)

    # ---- painting (event loop only) ----------------------------------------------------
    # One-line widgets: a new text never changes the layout, so skip the relayout.
    def _set_cluster(self, text: str) -> None:
        if text != self._cluster_shown:
            self._cluster_shown = text
            self.query_one("#cluster", Static).update(clean(text), layout=False)

    def _watch_text(self) -> str:
        """The live view is only as fresh as its watches: say when they fail."""
        engine = self.service.engine
        errors = engine.cache.errors() if engine else {}
        if not errors:
            return ""
        kinds = f"{len(errors)} kinds" if len(errors) > 1 else next(iter(errors))
        return (
            f"  │ ✘ watch of {kinds} failing for {engine.cache.failing_for():.0f}s: "
            f"{next(iter(errors.values()))} (view may be stale)"
        )

    def _set_status(self, text: str) -> None:
        if text != self._status_text:  # most repaints leave it as it was: no redraw then
            self._status_text = text
            self.query_one("#statusbar", Static).update(clean(text), layout=False)

    def _paint(self, views: list, subjects: dict, head, all_names: list[str]) -> None:
        for v in views:
            self.rows[v.app.name] = Row(v, subjects.get(v.app.name, ""))
        for gone in set(self.rows) - set(all_names):
            del self.rows[gone]
        changed = {v.app.name for v in views}
        self._fill_apps(changed)
        engine = self.service.engine
        role = "leader" if engine and engine.is_leader else "follower"
        if engine and not engine.is_leader and engine.leader.info.holder:
            role += f" (leader: {engine.leader.info.holder.split(' ')[0]})"
        if self.read_only:
            role = "read-only"
        if self._cluster_text:
            self._set_cluster(self._cluster_text + self._watch_text())
        # What goes stale or wrong first; the repository's path, which can be long, last.
        self._set_status(
            f"reconciler: {role}{self._discovery_text()}{self._fetch_text()}"
            f"  │ {head.branch}@{head.short} {head.subject[:40]}"
            f"  │ repo: {self.service.settings.shown_repo}"
        )
        if self.selected_name() in changed:
            self._fill_resources()
        for screen in self.screen_stack:  # an open diff follows the cluster live
            if isinstance(screen, DiffScreen) and screen.app_name in changed:
                screen.update_diffs(self.rows[screen.app_name].view.diffs)

    def _discovery_text(self) -> str:
        errors = self.poller.discovery_errors if self.poller else []
        if not errors:
            return ""
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        return f"  │ ✘ not discovered: {errors[0]}{more}"

    def _fetch_text(self) -> str:
        """Last fetch age, a stale marker while a fetch hangs, and its last error."""
        poller = self.poller
        if poller is None:
            return ""
        t = self.clock()
        if poller.last_fetch_error:
            return f"  │ ✘ fetch: {poller.last_fetch_error[:60]}"
        self.last_error = ""  # recovered: the next failure is news again
        if poller.fetch_started_at and t - poller.fetch_started_at > STALE_FETCH:
            return f"  │ ⟳ fetching for {t - poller.fetch_started_at:.0f}s (view may be stale)"
        if poller.last_fetch_at:
            return f"  │ fetched {ago_seconds(t - poller.last_fetch_at)}"
        return ""

    def _visible(self) -> list[str]:
        names = sorted(self.rows)
        if self.filter_text:
            f = self.filter_text.lower()
            names = [
                n
                for n in names
                if f in n.lower()
                or f in (self.rows[n].view.app.namespace or "").lower()
                or f in str(self.rows[n].view.sync_status).lower()
            ]
        if self.sort_column:
            names.sort(key=lambda n: self._sort_key(n), reverse=self.sort_reverse)
        return names

    def _sort_key(self, name: str):
        v = self.rows[name].view
        return {
            "NAME": name,
            "DESTINATION": v.app.namespace or "",
            "SYNC": v.sync_status,
            "HEALTH": int(v.health.status),
            "SELF-HEAL": bool(v.state.pause),
            "REVISION": v.state.last_synced_revision,
            "LAST SYNC": v.state.last_synced_at,
        }.get(self.sort_column or "NAME", name)

    def _cells(self, name: str) -> tuple:
        row = self.rows[name]
        v = row.view
        rev = v.state.last_synced_revision
        # A broken app's row says why, where its revision would be (the detail pane and
        # `i` show the whole line, and its last synced revision).
        revision = f"{rev[:7]} {row.subject}" if rev else "-"
        if v.error:
            revision = Text(f"✘ {' '.join(v.error.split())}", style="red")
        return (
            name,
            v.app.namespace or "-",
            sync_text(v.sync_status),
            health_text(str(v.health.status)),
            heal_text(v.state.pause, v.app.self_heal),
            revision,
            ago(v.state.last_synced_at, dt.datetime.fromtimestamp(self.clock(), dt.UTC)),
        )

    def _fill_apps(self, changed: set[str] | None = None) -> None:
        table = self.query_one("#apps", RowTable)
        order = self._visible()
        if changed is not None and order == self.order:
            # Same rows in the same order: redraw only the apps that changed, which
            # keeps a repaint cheap while the reconciler is busy.
            for name in changed.intersection(order):
                table.update_row(name, self._cells(name))
            return
        self.order = order
        table.set_rows((name, self._cells(name)) for name in order)  # the cursor keeps its app

    def selected_name(self) -> str | None:
        table = self.query_one("#apps", RowTable)
        if not self.order or not 0 <= table.cursor_row < len(self.order):
            return None
        return self.order[table.cursor_row]

    def selected(self) -> Row | None:
        name = self.selected_name()
        return self.rows.get(name) if name else None

    def _fill_resources(self) -> None:
        if not self.is_running:
            return  # a highlight still queued while the app closes
        table = self.query_one("#resources", RowTable)
        row = self.selected()
        if row is None:
            self._shown = None
            table.clear()
            self._set_detail([])
            return
        v = row.view
        self._shown = (v.app.name, v.diffs)
        engine = self.service.engine
        rows = []
        for d in v.diffs:
            live = engine.cache.get(d.ref) if engine else None
            health = object_health(live) if str(d.status) != "Extra" else None
            cells = (
                d.ref.kind,
                d.ref.namespace or "-",
                d.ref.name,
                sync_text(str(d.status)),
                health_text(str(health.status)) if health else "-",
            )
            rows.append((f"{v.app.name}/{d.ref}", cells))
        table.set_rows(rows)  # the cursor stays on its object while the app repaints
        # Most pressing first: the pane shows DETAIL_ROWS lines, `i` shows them all.
        lines = [f"health: {v.health}"]
        if v.error:
            lines.append(f"✘ {v.error}")
        if v.state.pause:
            p = v.state.pause
            left = time_left(p, engine.clock.now()) if engine else ""
            lines.append(f"⏸ paused by {p.by} until {p.until[:16]} ({left}): {p.reason}")
        if v.state.suspended:
            lines.append("⏸ auto-sync suspended")
        lines += [f"⚠ {w}" for w in v.app.notes]
        source = f"source: {v.app.source} → {v.app.namespace or '-'}"
        if rev := v.state.last_synced_revision:  # the columns a narrow screen leaves out
            synced = ago(v.state.last_synced_at, dt.datetime.fromtimestamp(self.clock(), dt.UTC))
            source += f"  synced: {rev[:7]} {row.subject}, {synced}"
        lines.append(source)
        self._set_detail(lines)

    def _set_detail(self, lines: list[str]) -> None:
        # The pane keeps one height (DETAIL_ROWS): a relayout of the screen costs tens of
        # ms under load, and the panes would jump as the cursor moves between apps.
        detail = self.query_one("#app-detail", Static)
        width = detail.content_size.width or self.size.width - 2  # before the first layout
        # Cleaned before they are cut: a placeholder takes a cell, a control none.
        text = fit_rows([clean(line) for line in lines], width, DETAIL_ROWS)
        if text != self._detail_text:
            self._detail_text = text
            detail.update(text, layout=False)

    def on_resize(self) -> None:
        # The detail pane's text is cut to its width: refit it once the new layout is in.
        self.call_after_refresh(self._fill_resources)

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        if event.table.id == "apps":
            self._resources_due = time.monotonic() + RESOURCES_SETTLE
            if not self._resources_timer:
                self._resources_timer = True
                self.set_timer(RESOURCES_SETTLE, self._resources_settled)

    def _resources_settled(self) -> None:
        wait = self._resources_due - time.monotonic()
        if wait > 0.005:
            self.set_timer(wait, self._resources_settled)
            return
        self._resources_timer = False
        self._fill_resources()

    def on_row_table_header_selected(self, event: RowTable.HeaderSelected) -> None:
        if event.table.id == "apps":
            self._sort_by(event.column)

    def _sort_by(self, column: str) -> None:
        # The same column again flips the order.
        self.sort_reverse = not self.sort_reverse if self.sort_column == column else False
        self.sort_column = column
        self.query_one("#apps", RowTable).mark_sorted(column, self.sort_reverse)
        self._fill_apps()

    def action_sort(self) -> None:
        current = APP_COLUMNS.index(self.sort_column or "NAME")
        column = APP_COLUMNS[(current + 1) % len(APP_COLUMNS)]
        self._sort_by(column)
        self.notify(f"sorted by {column}", timeout=2)

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        if event.table.id == "resources":
            self._open_diff(event.cursor_row)

    # ---- actions ----------------------------------------------------------------------
    def _guard(self, action: str) -> Row | None:
        if self.read_only and action in MUTATING:
            self.notify(
                f"read-only mode: '{action}' is disabled (started with --read-only)",
                severity="warning",
            )
            return None
        row = self.selected()
        if row is None:
            self.notify("no application selected" if self.ready else "still loading…")
        return row

    def action_sync(self) -> None:
        row = self._guard("sync")
        if row is None:
            return
        v = row.view
        changing = [d for d in v.diffs if str(d.status) in ("OutOfSync", "Missing")]
        extra = [d for d in v.diffs if str(d.status) == "Extra"]
        lines = [f"{v.app.name} at {v.revision[:8]}", ""]
        lines += [f"  apply  {d.status}: {d.ref}" for d in changing] or ["  nothing to apply"]
        if extra:
            verb = "prune" if v.app.prune else "keep (prune is off)"
            lines += ["", *[f"  {verb}  {d.ref}" for d in extra]]

        def done(yes: bool | None) -> None:
            if yes:
                self.do_sync(v.app.name)

        self.push_screen(
            Confirm(f"Sync {v.app.name}?", "\n".join(lines), "Sync", id="sync-modal"), done
        )

    @worker("actions")
    def do_sync(self, name: str) -> None:
        engine = self.service.engine
        try:
            if engine is not None and not engine.is_leader and engine.leader.info.holder:
                engine.submit(engine.request, name, "sync").result()
                self.ui_call(self.notify, f"{name}: sync requested from the leader")
                return
            report = self.service.sync(name)
        except GitOpsError as e:
            self.ui_call(self.notify, f"{name}: {e}", severity="error", timeout=10)
            return
        if report.ok:
            msg = f"{name}: synced {len(report.applied)} object(s), pruned {len(report.pruned)}"
            self.ui_call(self.notify, msg)
        else:
            self.ui_call(
                self.notify, f"{name}: {'; '.join(report.errors)}", severity="error", timeout=15
            )

    def action_pause(self) -> None:
        row = self._guard("pause")
        if row is None:
            return
        name = row.view.app.name
        if row.view.state.pause:
            self.do_resume(name)
            return

        def done(req) -> None:
            if req is not None:
                self.do_pause(name, req.reason, req.duration)

        self.push_screen(PauseModal(name), done)

    @worker("actions")
    def do_pause(self, name: str, reason: str, duration: str) -> None:
        from gitops_tui.cli import parse_duration

        try:
            self.service.pause(name, reason, parse_duration(duration))
        except GitOpsError as e:
            self.ui_call(self.notify, f"{name}: {e}", severity="error")
            return
        self.ui_call(self.notify, f"{name}: selfHeal paused for {duration}")

    @worker("actions")
    def do_resume(self, name: str) -> None:
        try:
            self.service.resume(name)
        except GitOpsError as e:
            self.ui_call(self.notify, f"{name}: {e}", severity="error")
            return
        self.ui_call(self.notify, f"{name}: selfHeal resumed")

    def action_suspend(self) -> None:
        row = self._guard("suspend")
        if row is not None:
            self.do_suspend(row.view.app.name, not row.view.state.suspended)

    @worker("actions")
    def do_suspend(self, name: str, suspended: bool) -> None:
        engine = self.service.engine
        if engine is None:
            return
        engine.submit(engine.suspend, name, suspended).result()
        word = "suspended" if suspended else "resumed"
        self.ui_call(self.notify, f"{name}: auto-sync {word}")

    def action_diff(self) -> None:
        table = self.query_one("#resources", RowTable)
        if self.focused is table:
            self._open_diff(table.cursor_row)  # the highlighted resource
            return
        row = self.selected()
        if row is None:
            return
        # The first resource that differs.
        diffs = row.view.diffs
        index = next((i for i, d in enumerate(diffs) if str(d.status) != "Synced"), 0)
        self.push_screen(DiffScreen(row.view.app.name, diffs, index))

    def _open_diff(self, index: int) -> None:
        if self._shown is not None:
            name, diffs = self._shown
            self.push_screen(DiffScreen(name, diffs, max(index, 0)))

    def action_history(self) -> None:
        row = self.selected()
        if row is not None:
            self.push_screen(HistoryScreen(self.service, row.view.app.name, self.read_only))

    def action_details(self) -> None:
        row = self.selected()
        if row is not None:
            engine = self.service.engine
            self.push_screen(DetailsScreen(row.view, engine.clock.now() if engine else None))

    def action_revert(self) -> None:
        self.notify("open the history (h), select a commit, then press R")

    def action_refresh(self) -> None:
        self.fetch_now()
        self.notify("fetching…")

    def fetch_now(self) -> None:
        if self.poller is not None:
            self.poller.fetch_now()

    def action_edit_secret(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("no application selected" if self.ready else "still loading…")
            return
        # The highlighted resource when it is a SealedSecret, else the app's only one.
        table = self.query_one("#resources", RowTable)
        name, highlighted = row.view.app.name, None
        if self.focused is table and self._shown is not None:
            name, diffs = self._shown
            if 0 <= table.cursor_row < len(diffs):
                ref = diffs[table.cursor_row].ref
                highlighted = (ref.kind, ref.name)
        self.open_secret(name, highlighted)

    @worker("actions")
    def open_secret(self, name: str, highlighted: tuple[str, str] | None) -> None:
        try:
            files = self.service.sealed_secrets(self.service.app(name))
            file = pick(files, highlighted)
            if file is None:
                what = "no SealedSecret" if not files else "several SealedSecrets"
                hint = "" if not files else " (highlight one in the resources pane)"
                self.ui_call(self.notify, f"{name}: {what}{hint}", severity="warning")
                return
            edit = self.service.open_secret(file)
        except GitOpsError as e:
            self.ui_call(self.notify, f"{name}: {e}", severity="error", timeout=10)
            return
        self.ui_call(push_once, self, SecretScreen(self.service, edit, self.read_only))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._fill_apps()
        self._fill_resources()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one("#apps", RowTable).focus()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.query_one("#apps", RowTable).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_cursor_down(self) -> None:
        if isinstance(self.focused, RowTable):
            self.focused.action_cursor_down()

    def action_cursor_up(self) -> None:
        if isinstance(self.focused, RowTable):
            self.focused.action_cursor_up()

    def _allowed(self, action: str, screen: Screen) -> bool:
        """The app's keys work on every screen (s or p from a diff), but not under a
        dialog, and those that open a screen only from the main one: pressing d on a
        diff (or s on the sync dialog) opened a second one and closed the UI."""
        if action not in APP_ACTIONS:
            return True
        if isinstance(screen, ModalScreen):
            return False
        return action not in MAIN_SCREEN_ONLY or screen is self.screen_stack[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._allowed(action, self.screen)

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        for k in KEYS:
            if (
                k.places == ("apps",)
                and not k.widget
                and k.action not in ("cursor_down", "cursor_up", "quit")
                and self._allowed(k.action, screen)
            ):
                yield SystemCommand(
                    # Parentheses: the palette reads its titles as markup, "[/]" broke it.
                    f"{k.description} ({label(k.key)})",
                    f"key {label(k.key)}"
                    + (" (changes the cluster or repo)" if k.mutating else ""),
                    getattr(self, f"action_{k.action}"),
                )

    async def action_quit(self) -> None:
        # on_unmount tells the poller to stop; joining it here could freeze the UI for
        # as long as a slow fetch takes.
        self.exit()
