"""The reconcile loop: Git commit → rendered objects → diff against the live cache → apply.

One worker thread owns every mutation, fed by a queue: watch events (heal), new
commits (auto-sync), operator requests (sync, pause, resume) and a one-second tick
(pause expiry, follower requests). Watch handlers only enqueue, so a burst of events
never blocks an informer, and two heals of one object never race.

App state is watched too: the leader acts on what another process changed (a resume
heals the app, an unsuspend syncs it, a request is served) as the change arrives.
Pauses begin and end on the API server's clock, never on this machine's.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import logging
import os
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from kubernetes import client

from gitops_tui.apps.model import App
from gitops_tui.audit import AuditLog, AuditRecord
from gitops_tui.cluster.apply import Applier, ApplyError, apply_all, prune_order, track
from gitops_tui.cluster.cache import LiveCache
from gitops_tui.cluster.clock import ServerClock, clock_of
from gitops_tui.cluster.discovery import Discovery, UnknownKind
from gitops_tui.diff import ObjectDiff, diff_extra, diff_object
from gitops_tui.errors import GitOpsError, one_line, unexpected
from gitops_tui.health import Health, app_health, object_health
from gitops_tui.model import INSTALLATION_ANNOTATION, TRACKING_ANNOTATION, TRACKING_LABEL, ObjectRef
from gitops_tui.reconcile.leader import LeaderElector
from gitops_tui.reconcile.state import STATE_LABEL, AppState, Pause, StateStore, SyncResult
from gitops_tui.redact import redact

log = logging.getLogger(__name__)

DEFAULT_PAUSE = dt.timedelta(minutes=30)
FLAP_WINDOW = 60.0  # seconds
FLAP_LIMIT = 5  # heals of one object inside the window before we back off
MAX_PRUNE_SHARE = 0.5  # losing more than this share of an app's objects needs allowEmpty
TICK = 1.0
WATCH_RETRY = 15.0  # seconds between retries of kinds whose CRD is not served yet
OWN_WRITES_KEPT = 16  # per app: resourceVersions of our own state writes, not reacted to


class SyncRefused(GitOpsError):
    pass


@dataclass
class Desired:
    """What Git says for one app at one revision."""

    revision: str
    objects: dict[ObjectRef, dict]
    error: str = ""
    # Helm hooks the render set apart (render.helm.HelmHook): not applied yet.
    hooks: list = field(default_factory=list)


@dataclass
class AppView:
    """A snapshot of one app for the UI and the CLI: plain data, safe across threads."""

    app: App
    revision: str
    sync_status: str
    health: Health
    diffs: list[ObjectDiff]
    state: AppState
    error: str


@dataclass
class SyncReport:
    app: str
    revision: str
    applied: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    skipped_prune: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class _Flap:
    """Heals of one object: too many in a window means another controller fights us."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.blocked_until = 0.0
        self.strikes = 0

    def allow(self, t: float) -> tuple[bool, bool]:
        """(may heal now, just started backing off)."""
        if t < self.blocked_until:
            return False, False
        self.times = [x for x in self.times if t - x < FLAP_WINDOW]
        if len(self.times) >= FLAP_LIMIT:
            self.strikes += 1
            self.blocked_until = t + min(2**self.strikes * 5, 300)
            self.times.clear()
            return False, True
        self.times.append(t)
        return True, False


def _key(ref: ObjectRef) -> tuple[str, str, str, str]:
    # Versions differ between Git (apps/v1beta1...) and the cache; identity does not.
    return (ref.group, ref.kind, ref.namespace, ref.name)


class Engine:
    def __init__(
        self,
        api: client.ApiClient,
        *,
        render: Callable[[App, str], Desired],
        control_namespace: str,
        audit: AuditLog,
        who: str,
        on_change: Callable[[str], None] | None = None,
        max_prune_share: float = MAX_PRUNE_SHARE,
    ) -> None:
        self.api = api
        self.render = render
        self.discovery = Discovery(api)
        self.applier = Applier(api, self.discovery)
        self.cache = LiveCache(api, self.discovery)
        # App state lives in one namespace: watching only it needs no cluster-wide rights.
        self.state_cache = LiveCache(
            api, self.discovery, selector=STATE_LABEL, namespace=control_namespace
        )
        self.store = StateStore(api, control_namespace)
        self.control_namespace = control_namespace
        self.audit = audit
        self.who = who
        self.on_change = on_change or (lambda app: None)
        self.max_prune_share = max_prune_share
        # Each process is its own candidate, even when one operator runs two.
        instance = f"{who.split(' ')[0]}#{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.leader = LeaderElector(api, control_namespace, instance)
        self.apps: dict[str, App] = {}
        self.desired: dict[str, Desired] = {}
        self.states: dict[str, AppState] = {}
        self._flaps: dict[tuple, _Flap] = {}
        self._unwatched: dict[str, set[tuple[str, str]]] = {}
        # Per app: ref -> (desired, live, diff) of the last comparison. The renderer and
        # the watch cache hand out new dicts on every change, so the same two objects
        # mean the same diff: a view of a busy fleet recompares only what moved.
        self._diffs: dict[str, dict[ObjectRef, tuple[dict, dict | None, ObjectDiff, tuple]]] = {}
        self._next_watch_retry = 0.0
        # The app states as the reconciler thread last acted on them (watch order), and
        # the versions it wrote itself: a change another process made is acted on once.
        self._seen: dict[str, AppState] = {}
        self._own: dict[str, deque[str]] = {}
        self._leading = False
        # Set by the poller: fetch and auto-sync now (a new leader, an unsuspend).
        self.request_fetch: Callable[[], None] = lambda: None
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cache.subscribe(self._on_live_event)
        self.state_cache.subscribe(self._on_state_event)

    # ---- lifecycle --------------------------------------------------------------
    def start(self, *, elect: bool = True) -> None:
        self.store.ensure_namespace()
        self.state_cache.watch("v1", "ConfigMap")
        if elect:
            self.leader.start()
        self._thread = threading.Thread(target=self._loop, name="reconciler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(("stop",))
        if self._thread:
            self._thread.join(timeout=10)
        self.leader.stop()
        self.cache.close()
        self.state_cache.close()

    @property
    def is_leader(self) -> bool:
        return self.leader.is_leader

    @property
    def clock(self) -> ServerClock:
        """The API server's clock: every pause is set and checked on it."""
        return clock_of(self.api)

    def submit(self, fn: Callable, *args, **kwargs) -> concurrent.futures.Future:
        """Run fn on the reconciler thread (the one writer); the Future has its result."""
        fut: concurrent.futures.Future = concurrent.futures.Future()
        self._queue.put(("call", fut, fn, args, kwargs))
        return fut

    def _loop(self) -> None:
        # The tick runs every second even while the queue is busy (a storm of watch
        # events must not hold back the end of a pause or a follower's request).
        next_tick = time.monotonic() + TICK
        while not self._stop.is_set():
            items = []
            try:
                items.append(self._queue.get(timeout=max(next_tick - time.monotonic(), 0)))
            except queue.Empty:
                pass
            if time.monotonic() >= next_tick:
                items.append(("tick",))
                next_tick = time.monotonic() + self._tick_in()
            for item in items:
                try:
                    self._check_lead()
                    self._handle(item)
                except Exception as e:
                    # One line, never a traceback on the operator's screen (--debug logs it).
                    log.warning("reconciler step %s failed: %s", item[0], one_line(e))
                    log.debug("reconciler step %s failed", item[0], exc_info=True)

    def _tick_in(self) -> float:
        """Seconds to the next tick: TICK, or just past the end of a pause that ends
        sooner, so that its drift is healed as the pause ends, not up to a tick later."""
        if not self.is_leader:
            return TICK
        now = self.clock.precise()
        ends = [
            (dt.datetime.fromisoformat(s.pause.until) - now).total_seconds()
            for s in list(self.states.values())
            if s.pause
        ]
        soonest = min((e for e in ends if e > 0), default=TICK)
        return min(TICK, soonest + 0.005)

    def _check_lead(self) -> None:
        """On becoming the leader: heal what drifted while another led (or nobody did),
        and have the poller fetch and auto-sync (finishing what a dead leader began)."""
        leading = self.is_leader
        if leading and not self._leading:
            log.info("leading as %s", self.leader.identity)
            for app in sorted(self.apps):
                state, desired = self.state(app), self.desired.get(app)
                # Only drift from what was synced: a commit not synced yet is auto-sync's.
                if desired and not state.pause and state.last_synced_revision == desired.revision:
                    self.heal_all(app)
            self.request_fetch()
        self._leading = leading

    def _handle(self, item: tuple) -> None:
        match item[0]:
            case "heal":
                if self.is_leader:
                    self.heal(item[1], item[2])
            case "state":
                self._state_changed(item[1], item[2])
            case "call":
                _, fut, fn, args, kwargs = item
                if fut.set_running_or_notify_cancel():
                    try:
                        fut.set_result(fn(*args, **kwargs))
                    except BaseException as e:
                        fut.set_exception(e)
            case "tick":
                if self._unwatched and time.monotonic() >= self._next_watch_retry:
                    self._next_watch_retry = time.monotonic() + WATCH_RETRY
                    for app in list(self._unwatched):
                        self._ensure_watches(app)
                        self.on_change(app)
                if self.is_leader:
                    self._expire_pauses()
                    self._serve_requests()

    # ---- desired state -------------------------------------------------------
    def set_apps(self, apps: list[App]) -> None:
        self.apps = {a.name: a for a in apps}

    def load(self, app: str, revision: str) -> Desired:
        """Render the app at revision and watch every kind it needs (list once)."""
        try:
            desired = self.render(self.apps[app], revision)
        except Exception as e:  # the render is the app's: its error, not the engine's
            desired = Desired(revision, {}, str(unexpected(e, self.apps[app].path or ".")))
        self.desired[app] = desired
        self._ensure_watches(app)
        return desired

    def _ensure_watches(self, app: str) -> None:
        """Watch every kind the app needs; a kind whose CRD is not served yet (another
        app installs it) is retried after syncs and on a slow tick."""
        desired = self.desired.get(app)
        kinds = (
            {(o["apiVersion"], o["kind"]) for o in desired.objects.values()} if desired else set()
        )
        kinds |= {tuple(k) for k in self.state(app).kinds}
        pending = set()
        for api_version, kind in sorted(kinds):
            if self.cache.watching(api_version, kind):
                continue
            try:
                self.cache.watch(api_version, kind)
            except UnknownKind:
                pending.add((api_version, kind))  # sync reports it on the object
            except GitOpsError as e:
                log.warning("watching %s %s: %s", api_version, kind, e)
                pending.add((api_version, kind))
        if pending:
            self._unwatched[app] = pending
        else:
            self._unwatched.pop(app, None)

    def state(self, app: str) -> AppState:
        return self.states.get(app) or AppState(app)

    # ---- reading: no API request ------------------------------------------------
    def _tracked_live(self, app: str) -> list[dict]:
        out = []
        for live in self.cache.objects(app):
            annotations = live["metadata"].get("annotations") or {}
            # The annotation must name this very object: a copied label is not ownership.
            if annotations.get(TRACKING_ANNOTATION) != ObjectRef.of(live).tracking_id(app):
                continue
            # Another installation's app of the same name; none named: applied before
            # installations were recorded, ours until our next sync names us.
            if annotations.get(INSTALLATION_ANNOTATION, self.control_namespace) != (
                self.control_namespace
            ):
                continue
            out.append(live)
        return out

    def _extra(self, app: str, desired: Desired) -> list[dict]:
        keys = {_key(r) for r in desired.objects}
        return [o for o in self._tracked_live(app) if _key(ObjectRef.of(o)) not in keys]

    def diff(self, app: str) -> list[ObjectDiff]:
        desired = self.desired.get(app)
        if desired is None:
            return []
        before, memo = self._diffs.get(app, {}), {}
        declared = self.apps.get(app)
        out = []
        for ref, obj in desired.objects.items():
            live = self.cache.get(ref)
            ignore = ignored_paths(declared, ref)
            last = before.get(ref)
            if last is not None and last[0] is obj and last[1] is live and last[3] == ignore:
                d = last[2]
            else:
                d = diff_object(obj, live, ignore=ignore)
            memo[ref] = (obj, live, d, ignore)
            out.append(d)
        self._diffs[app] = memo  # only the refs Git still has
        out += [diff_extra(live) for live in self._extra(app, desired)]
        return out

    def view(self, app: str) -> AppView:
        desired = self.desired.get(app)
        state = self.state(app)
        try:
            diffs, failed = self.diff(app), ""
        except Exception as e:  # one app's view never takes the others' down
            diffs, failed = [], str(unexpected(e, f"diff of {app}"))
        sync = "Synced" if all(d.status == "Synced" for d in diffs) else "OutOfSync"
        error = state.error
        if desired is None or desired.error:
            sync = "Unknown"
            error = desired.error if desired else "not rendered yet"
        elif failed:
            sync, error = "Unknown", failed
        health = app_health(
            (str(d.ref), object_health(self.cache.get(d.ref))) for d in diffs if d.status != "Extra"
        )
        return AppView(
            self.apps[app],
            desired.revision if desired else "",
            sync,
            health,
            diffs,
            state,
            error,
        )

    # ---- sync and prune ---------------------------------------------------------
    def sync(
        self, app: str, *, prune: bool | None = None, dry_run: bool = False, trigger: str = "manual"
    ) -> SyncReport:
        a = self.apps[app]
        desired = self.desired.get(app)
        if desired is None:
            raise SyncRefused(f"{app}: not rendered yet")
        if desired.error:
            raise SyncRefused(f"{app}: render failed, nothing applied: {desired.error}")
        report = SyncReport(app, desired.revision, dry_run=dry_run)
        objs = [track(o, app, self.control_namespace) for o in desired.objects.values()]
        try:
            if a.create_namespace and a.namespace and not dry_run:
                # Created for the app but never tracked: prune must not delete a namespace.
                ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": a.namespace}}
                self.applier.create_if_missing(ns)
            if dry_run:
                for o in objs:
                    self.applier.apply(o, dry_run=True)
            else:
                apply_all(self.applier, objs)
            report.applied = [str(ObjectRef.of(o)) for o in objs]
        except ApplyError as e:
            report.errors.append(str(e))
        if trigger != "manual" and not dry_run and not self.is_leader and not report.errors:
            # The Lease ran out while we applied: the next leader syncs, and prunes, again.
            report.errors.append(f"{app}: no longer the leader; prune left to the next one")
        # Any apply error stops the prune: a half-applied app must not lose objects too.
        extra = self._extra(app, desired) if not report.errors else []
        if extra:
            prune = a.prune if prune is None else prune
            refused = self._prune_guard(a, desired, extra)
            if not prune or refused:
                report.skipped_prune = [str(ObjectRef.of(o)) for o in extra]
                if prune and refused:
                    report.errors.append(refused)
            else:
                for ref in prune_order(ObjectRef.of(o) for o in extra):
                    try:
                        if not dry_run:
                            self.applier.delete(ref)
                        report.pruned.append(str(ref))
                    except ApplyError as e:
                        report.errors.append(str(e))
                        break
        if not dry_run:
            self._ensure_watches(app)  # its CRDs may have just been installed
            if any(o["kind"] == "CustomResourceDefinition" for o in desired.objects.values()):
                for other in list(self._unwatched):  # apps waiting for these CRDs
                    self._ensure_watches(other)
                    self.on_change(other)
            kinds = sorted({(o["apiVersion"], o["kind"]) for o in desired.objects.values()})
            self._record(app, report, trigger, [list(k) for k in kinds])
        return report

    def _prune_guard(self, a: App, desired: Desired, extra: list[dict]) -> str:
        if a.allow_empty:
            return ""
        live = len(self._tracked_live(a.name))
        if not desired.objects:
            return f"render of {a.name} is empty: prune of {live} object(s) refused (allowEmpty is off)"
        if live and len(extra) / live > self.max_prune_share:
            return (
                f"render of {a.name} drops {len(extra)} of {live} objects "
                f"(more than {self.max_prune_share:.0%}): prune refused (allowEmpty is off)"
            )
        return ""

    def _record(self, app: str, report: SyncReport, trigger: str, kinds: list[list[str]]) -> None:
        if report.ok:
            msg = f"{trigger} sync: {len(report.applied)} applied, {len(report.pruned)} pruned"
        else:
            msg = f"{trigger} sync failed: {'; '.join(report.errors)}"
        result = SyncResult(
            self.clock.now().isoformat(), report.revision, report.ok, msg,
            len(report.applied), len(report.pruned), trigger,
        )  # fmt: skip

        def change(s: AppState) -> None:
            s.record(result)
            s.kinds = sorted({*map(tuple, s.kinds), *map(tuple, kinds)})  # type: ignore[arg-type]
            s.kinds = [list(k) for k in s.kinds]

        self._audit("sync", app, msg, report.revision, report.applied + report.pruned, report.ok)
        self._write_state(app, change)

    def _write_state(self, app: str, change: Callable[[AppState], None]) -> AppState | None:
        try:
            state = self.store.update(app, change)
        except GitOpsError as e:
            log.warning("%s", e)
            return None
        self._own.setdefault(app, deque(maxlen=OWN_WRITES_KEPT)).append(state.resource_version)
        # The watch may have brought a newer version already (another writer).
        if not newer(self.state(app).resource_version, state.resource_version):
            self.states[app] = state
        self.on_change(app)
        return state

    def _audit(self, action, app, message, revision="", objects=(), ok=True) -> None:
        rec = AuditRecord(action, app, self.who, message, revision, list(objects), ok)
        self.audit.append(rec)
        self.store.event(rec)

    # ---- pause, resume, suspend -----------------------------------------------
    def pause(
        self, app: str, reason: str, duration: dt.timedelta = DEFAULT_PAUSE, who: str = ""
    ) -> AppState | None:
        who = who or self.who
        t = self.clock.now()  # the server's: another operator's clock may be off
        # Kept in the cluster and shown to all: a link pasted with its token loses it.
        pause = Pause(redact(reason), who, t.isoformat(), (t + duration).isoformat())

        def change(s: AppState) -> None:
            s.pause = pause

        self._audit("pause", app, f"selfHeal paused until {pause.until}: {pause.reason}")
        return self._write_state(app, change)

    def resume(self, app: str, *, action: str = "resume", who: str = "") -> AppState | None:
        def change(s: AppState) -> None:
            s.pause = None

        state = self._write_state(app, change)
        msg = "selfHeal resumed" if action == "resume" else "pause expired; selfHeal resumed"
        rec = AuditRecord(action, app, who or self.who, msg)
        self.audit.append(rec)
        self.store.event(rec)
        self.heal_all(app)
        return state

    def suspend(self, app: str, suspended: bool) -> AppState | None:
        def change(s: AppState) -> None:
            s.suspended = suspended

        self._audit(
            "suspend" if suspended else "unsuspend",
            app,
            f"auto-sync {'suspended' if suspended else 'resumed'}",
        )
        state = self._write_state(app, change)
        if state is not None and not suspended and self.is_leader:
            self._unsuspended(app)
        return state

    def _unsuspended(self, app: str) -> None:
        # Commits that came while suspended are synced now; the poller also fetches,
        # in case the branch moved since its last fetch.
        self.auto_sync(app)
        self.request_fetch()

    def auto_sync(self, app: str) -> SyncReport | None:
        """Sync the app if it is automated, not suspended and out of sync; while selfHeal
        is paused, only for a new commit (its drift is the operator's until resumed)."""
        a, state, desired = self.apps.get(app), self.state(app), self.desired.get(app)
        if a is None or not a.auto_sync or state.suspended:
            return None
        if state.pause and desired and not self._git_changed(app, desired, state):
            return None
        if self.view(app).sync_status != "OutOfSync":
            return None
        try:
            return self.sync(app, trigger="auto")
        except GitOpsError as e:
            self._audit("sync", app, str(e), ok=False)
            return None

    def _git_changed(self, app: str, desired: Desired, state: AppState) -> bool:
        """Whether Git changed the app since its last sync (not only the branch head)."""
        if desired.revision == state.last_synced_revision:
            return False
        if not state.last_synced_revision:
            return True
        a = self.apps[app]
        paths = a.source_paths  # the render at the old revision must not change them
        try:
            before = self.render(a, state.last_synced_revision)
        except (GitOpsError, KeyError, ValueError):  # gone from the branch: a force push
            return True
        finally:
            a.source_paths = paths
        return bool(before.error) or before.objects != desired.objects

    def _state_changed(self, app: str, state: AppState | None) -> None:
        """An app's state as the watch delivered it: the leader acts on what another
        process changed. Our own writes were acted on as they were made."""
        before = self._seen.pop(app, None)
        if state is None:
            return
        self._seen[app] = state
        if not self.is_leader or app not in self.apps:
            return  # a new leader heals and syncs everything anyway
        if state.resource_version in self._own.get(app, ()):
            return
        if before is not None and before.pause and not state.pause:
            log.info("%s: selfHeal resumed elsewhere; healing", app)
            self.heal_all(app)
        if before is not None and before.suspended and not state.suspended:
            log.info("%s: auto-sync resumed elsewhere", app)
            self._unsuspended(app)
        if state.requests:
            self._serve_requests([app])

    def _expire_pauses(self) -> None:
        t = self.clock.now()
        for app, state in list(self.states.items()):
            if state.pause and state.pause.expired(t):
                self.resume(app, action="expire", who="gitops-tui (pause TTL)")

    def _serve_requests(self, apps: list[str] | None = None) -> None:
        """Follower requests left in state objects: the leader carries them out."""
        for app in list(self.states) if apps is None else apps:
            state = self.states.get(app)
            if state is None or not state.requests or app not in self.apps:
                continue
            requests = list(state.requests)

            def clear(s: AppState, done=requests) -> None:
                s.requests = [r for r in s.requests if r not in done]

            self._write_state(app, clear)
            for req in requests:
                if req.get("action") == "sync":
                    try:
                        self.sync(
                            app, prune=req.get("prune"), trigger=f"requested by {req.get('by')}"
                        )
                    except GitOpsError as e:
                        self._audit("sync", app, str(e), ok=False)
                    except Exception as e:
                        self._audit("sync", app, str(unexpected(e, app)), ok=False)

    def request(self, app: str, action: str, **extra) -> None:
        """From a follower: leave the request in the app's state for the leader."""
        req = {"action": action, "by": self.who, "at": self.clock.now().isoformat(), **extra}

        def change(s: AppState) -> None:
            s.requests.append(req)

        self._write_state(app, change)

    # ---- selfHeal ---------------------------------------------------------------
    def _on_live_event(self, kind: str, obj: dict) -> None:
        app = (obj["metadata"].get("labels") or {}).get(TRACKING_LABEL)
        if app in self.apps:
            self._queue.put(("heal", app, ObjectRef.of(obj)))
            # Every reader shows the change, healed or not (paused, follower).
            self.on_change(app)

    def _on_state_event(self, kind: str, obj: dict) -> None:
        if obj["metadata"].get("namespace") != self.control_namespace:
            return
        state = AppState.from_configmap(obj)
        if kind == "DELETED":
            self.states.pop(state.app, None)
        elif not newer(self.state(state.app).resource_version, state.resource_version):
            self.states[state.app] = state
        self.on_change(state.app)
        # Acting on it is the reconciler thread's job, in the order the watch saw.
        self._queue.put(("state", state.app, None if kind == "DELETED" else state))

    def heal_all(self, app: str) -> None:
        desired = self.desired.get(app)
        if desired:
            for ref in desired.objects:
                self._queue.put(("heal", app, ref))

    def heal(self, app: str, ref: ObjectRef) -> bool:
        """Re-apply one drifted object, unless the app does not heal or is paused."""
        a, desired = self.apps.get(app), self.desired.get(app)
        if a is None or desired is None or not a.self_heal or self.state(app).pause:
            return False
        match = [r for r in desired.objects if _key(r) == _key(ref)]
        if not match:
            return False  # an extra object: prune is a sync's decision, not a heal's
        obj = desired.objects[match[0]]
        # Drift only in ignored fields (an HPA's replicas) is not healed: no fight.
        d = diff_object(obj, self.cache.get(match[0]), ignore=ignored_paths(a, match[0]))
        if d.status == "Synced":
            return False
        allowed, started = self._flaps.setdefault(_key(ref), _Flap()).allow(time.monotonic())
        if not allowed:
            if started:
                who = ", ".join(m.manager for m in d.drifted_by) or "another writer"
                self._audit(
                    "flapping", app, f"{ref} keeps drifting ({who}); heal backs off", ok=False
                )
            return False
        try:
            self.applier.apply(track(obj, app, self.control_namespace), force=True)
        except ApplyError as e:
            self._audit(
                "heal", app, f"heal of {ref} failed: {e}", desired.revision, [str(ref)], False
            )
            return False
        who = ", ".join(m.manager for m in d.drifted_by)
        msg = f"healed {ref}" + (f" (drifted by {who})" if who else "")
        self._audit("heal", app, msg, desired.revision, [str(ref)])
        self.on_change(app)
        return True


def newer(a: str, b: str) -> bool:
    """Whether resourceVersion a is newer than b. They compare as integers since
    Kubernetes 1.35 (KEP-5504); anything else is taken as not newer."""
    return a.isdigit() and b.isdigit() and int(a) > int(b)


def ignored_paths(app: App | None, ref: ObjectRef) -> tuple:
    """The app's ignoreDifferences paths for one object."""
    if app is None or not app.ignore_differences:
        return ()
    return app.ignored_paths(ref.group, ref.kind, ref.namespace or "", ref.name)
