#!/usr/bin/env python3
"""The terminal UI against a real local control plane, in one run: time to the first
frame and to data, and keypress-to-repaint latency while the reconciler is busy.

Starts its own etcd + kube-apiserver + kube-controller-manager in a temporary
directory, writes a Git repository of N apps x 20 objects (a work tree pushed to a bare
origin) and prints one JSON object on stdout; progress goes to stderr.

    .venv/bin/python benchmarks/tui.py [--quick] [--profile]

key_latency  The apps are unsynced when a headless GitOpsApp opens. Once the table shows
             every app, 20 presses with nothing else going on give the idle baseline.
             Then a sync of every app is queued on the engine (N x 20 objects created,
             then waves of commits changing every ConfigMap) and, while it runs, j/k
             are sent through the app's driver as a terminal's input thread sends them.
             Each press is timed from the key event leaving the driver until the first
             frame whose apps-table lines were rendered with the new cursor row in view
             (the frame is also encoded to terminal bytes, which the headless driver
             skips). Frames showing the cursor row scrolled out of view are counted.
             Meanwhile: UI methods and frames timed, event-loop lag (with the loop
             thread's stack during any stall over 0.5 s), GC pauses. Then 11 s with
             neither keys nor load. Runs first, so that its sync leaves the fleet synced.
first_frame  A fresh Service and GitOpsApp per run on the synced fleet, the cluster, the
             repository and its local clone shared (a warm restart): time to the first
             frame laying out the apps table, and to the first frame showing every app
             rendered (none Unknown) with the cluster connected, with a breakdown of
             the start. Median of 5 runs. Imports are timed apart.

--profile also runs cProfile on the event-loop thread during the key window (latencies
are then inflated by the profiler and flagged as such): the top functions by self time,
and the UI's and Textual's frame and table functions by cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import cProfile
import faulthandler
import functools
import gc
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# First, as in the gitops-tui command: importing the UI package sets Textual's frame rate.
import gitops_tui.tui  # noqa: E402

UI_FRAME_RATE = gitops_tui.tui.FRAME_RATE

import textual  # noqa: E402
from textual import constants as textual_constants  # noqa: E402
from textual import events  # noqa: E402
from textual._compositor import CompositorUpdate  # noqa: E402
from textual.css.query import NoMatches  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Static  # noqa: E402

from benchmarks.reconcile import (  # noqa: E402
    OBJECTS_PER_APP,
    BenchRepo,
    cluster_up,
    create_namespace,
    environment,
    git,
    group_objects,
    percentile,
    progress,
    r,
)
from gitops_tui.config import Settings  # noqa: E402
from gitops_tui.service import Service  # noqa: E402
from gitops_tui.tui.app import AppChanged, GitOpsApp  # noqa: E402
from gitops_tui.tui.widgets.rowtable import RowTable  # noqa: E402

T = TypeVar("T")

GOALS = {"first_frame_ms": 1000, "key_p95_ms": 50}
SIZE = (132, 38)  # the screenshots' terminal
FIRST_FRAME_RUNS = 5
PRESS_GAP = 0.03  # s between a repaint and the next key: a held key repeats ~30/s
PRESS_TIMEOUT = 2.0  # a press not shown by then counts as this long, and as a timeout
DATA_TIMEOUT = 180.0
MAX_WAVES = 4  # wave 1 creates, 3 commits change every ConfigMap
IDLE_PRESSES = 20  # before the load: the cost of a press itself
QUIET_S = 11.0  # after the load, no keys: covers two of the app's 5 s full repaints
BOUNCE = 40  # rows the cursor walks down and back up: scrolls the table both ways


@dataclass(frozen=True)
class Sizes:
    apps: int
    presses: int


FULL = Sizes(apps=100, presses=100)
QUICK = Sizes(apps=10, presses=20)


# ---- instrumentation of one app -------------------------------------------------------
@dataclass
class Timing:
    """Calls of one method and the time spent in them."""

    calls: int = 0
    total_s: float = 0.0
    max_s: float = 0.0
    durations: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.calls += 1
        self.total_s += seconds
        self.max_s = max(self.max_s, seconds)
        self.durations.append(seconds)


class Probe:
    """Wraps methods of one GitOpsApp instance (never the class): frames written,
    paints, view workers, AppChanged messages and their coalescing timers."""

    TIMED = ("_paint", "_fill_apps", "_fill_resources", "_refresh_views")

    def __init__(self, app: GitOpsApp) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.timings = {name: Timing() for name in self.TIMED}
        self.counts = {"frames": 0, "changes": 0, "app_changed": 0, "timers": 0, "flushes": 0}
        self.counts |= {"flushes_with_work": 0, "views_in_flight_max": 0}
        self.in_flight = 0
        self.frame_listeners: list[Callable[[float], None]] = []
        self.render_listeners: list[Callable[[RowTable], None]] = []
        self.encode_s = Timing()
        for name in self.TIMED:
            self._time(name)
        self._wrap_display()
        self._wrap_messages()
        self._wrap_views()

    def _time(self, name: str, key: str = "", target: Any = None) -> None:
        target = self.app if target is None else target
        original, timing = getattr(target, name), self.timings[key or name]

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                with self.lock:
                    timing.add(time.perf_counter() - start)

        setattr(target, name, timed_call)

    def _wrap_display(self) -> None:
        app, original = self.app, self.app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            if isinstance(renderable, CompositorUpdate):
                # What a terminal driver does with the frame and the headless one skips.
                start = time.perf_counter()
                renderable.render_segments(app.console)
                self.encode_s.add(time.perf_counter() - start)
            t = time.perf_counter()
            self.counts["frames"] += 1
            for listener in list(self.frame_listeners):
                listener(t)

        app._display = display  # type: ignore[method-assign]

    def _wrap_messages(self) -> None:
        app = self.app
        post, set_timer, flush = app.post_message, app.set_timer, app._flush_pending

        def post_message(message: Any) -> bool:
            if isinstance(message, AppChanged):
                with self.lock:
                    self.counts["app_changed"] += 1
            return post(message)

        def timer(*args: Any, **kwargs: Any) -> Any:
            self.counts["timers"] += 1
            return set_timer(*args, **kwargs)

        def flush_pending() -> None:
            self.counts["flushes"] += 1
            self.counts["flushes_with_work"] += bool(app._pending)
            flush()

        app.post_message = post_message  # type: ignore[method-assign]
        app.set_timer = timer  # type: ignore[method-assign]
        app._flush_pending = flush_pending  # type: ignore[method-assign]
        self._wrap_changes()

    def _wrap_changes(self) -> None:
        """Count the engine's change callbacks where the app gathers them before posting
        (with one AppChanged per change, app_changed counts them instead)."""
        changed = getattr(self.app, "_changed_from_thread", None)
        if changed is None:
            return

        def changed_from_thread(name: str) -> None:
            with self.lock:
                self.counts["changes"] += 1
            changed(name)

        self.app._changed_from_thread = changed_from_thread  # type: ignore[method-assign]

    def _wrap_views(self) -> None:
        app, original = self.app, self.app._refresh_views  # already timed

        def refresh_views(names: list[str]) -> None:
            with self.lock:
                self.in_flight += 1
                peak = max(self.counts["views_in_flight_max"], self.in_flight)
                self.counts["views_in_flight_max"] = peak
            try:
                original(names)
            finally:
                with self.lock:
                    self.in_flight -= 1

        app._refresh_views = refresh_views  # type: ignore[method-assign]

    def watch_screen(self, screen: Any) -> None:
        """Time the frames: a full layout (which includes its compositor refresh), and
        every compositor refresh (render of the dirty widgets)."""
        for name in ("_refresh_layout", "_compositor_refresh"):
            key = f"screen.{name}"
            self.timings[key] = Timing()
            self._time(name, key, screen)

    def watch_table(self, table: RowTable) -> None:
        """Learn which cursor row each render of the table's lines saw."""
        original = table.render_lines

        def render_lines(crop: Any) -> Any:
            for listener in list(self.render_listeners):
                listener(table)
            return original(crop)

        table.render_lines = render_lines  # type: ignore[method-assign]

    def snapshot(self) -> dict[str, float]:
        with self.lock:
            out: dict[str, float] = dict(self.counts)
            for name, t in self.timings.items():
                out[f"{name}_calls"] = t.calls
                out[f"{name}_s"] = t.total_s
            out["encode_s"] = self.encode_s.total_s
            return out


def window_timing(
    t: Timing, before: dict[str, float], after: dict[str, float], name: str
) -> dict[str, Any]:
    """Calls, total and max of one method between two snapshots."""
    durations = t.durations[int(before[f"{name}_calls"]) : int(after[f"{name}_calls"])]
    return {
        "calls": len(durations),
        "total_ms": r(sum(durations) * 1000, 1),
        "max_ms": r(max(durations, default=0.0) * 1000, 1),
        "durations": durations,
    }


def window_counts(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: r(after[k] - before[k], 4) for k in after if k != "views_in_flight_max"}


# ---- repository and services ----------------------------------------------------------
@dataclass
class Fleet:
    repo: BenchRepo
    apps: list[str]
    ns: str
    cache: Path
    kubeconfig: Path
    waves: list[str] = field(default_factory=list)  # commits made, not pushed yet


def write_fleet(tmp: Path, api: Any, kubeconfig: Path, sizes: Sizes) -> Fleet:
    ns = create_namespace(api, f"bench-tui-{uuid.uuid4().hex[:6]}")
    fleet = Fleet(
        BenchRepo(tmp / "repo"),
        [f"tui-{i:03d}" for i in range(sizes.apps)],
        ns,
        tmp / "cache",
        kubeconfig,
    )
    declared = [{"name": a, "path": f"apps/{a}", "namespace": ns} for a in fleet.apps]
    fleet.repo.write("gitops-tui.yaml", {"apps": declared})
    write_objects(fleet, wave=0)
    fleet.repo.commit("fleet")
    # Written now so that the load, later, only has to push them.
    for wave in range(1, MAX_WAVES):
        write_objects(fleet, wave)
        git(fleet.repo.work, "add", "-A")
        git(fleet.repo.work, "commit", "--quiet", "-m", f"wave {wave}")
        fleet.waves.append(git(fleet.repo.work, "rev-parse", "HEAD"))
    return fleet


def write_objects(fleet: Fleet, wave: int) -> None:
    """Every app's 20 objects; from wave 1 on, each ConfigMap carries the wave number."""
    for a in fleet.apps:
        objs = group_objects(a)
        if wave:
            for o in objs:
                if o["kind"] == "ConfigMap":
                    o["data"]["wave"] = str(wave)
        fleet.repo.write_objects(f"apps/{a}", objs)


def new_service(fleet: Fleet, control_namespace: str) -> Service:
    return Service(
        Settings(
            repo=str(fleet.repo.origin),
            kubeconfig=fleet.kubeconfig,
            control_namespace=control_namespace,
            cache=fleet.cache,
        )
    )


def stop_backend(app: GitOpsApp, service: Service) -> None:
    """Join the app's poller before closing: a poll still running after close() would
    start a new engine through service.refresh()."""
    if app.poller is not None:
        app.poller.stop()
    service.close()


# ---- first frame ----------------------------------------------------------------------
class StartMarks:
    """Times of the first frames that show the layout, and then all the data."""

    def __init__(self, app: GitOpsApp, apps: int, t0: float) -> None:
        self.app, self.apps, self.t0 = app, apps, t0
        self.first_frame: float | None = None
        self.layout: float | None = None
        self.data: float | None = None
        self.data_seen = asyncio.Event()

    def on_frame(self, t: float) -> None:
        if self.first_frame is None:
            self.first_frame = t - self.t0
        if self.layout is None and self._table_laid_out():
            self.layout = t - self.t0
        if self.data is None and self._all_data():
            self.data = t - self.t0
            self.data_seen.set()

    def _table_laid_out(self) -> bool:
        tables = self.app.screen.query("#apps")
        return bool(tables) and tables.first().region.area > 0

    def _all_data(self) -> bool:
        if not self.app.ready:
            return False
        table = self.app.query_one("#apps", RowTable)
        cluster = str(self.app.query_one("#cluster", Static).render())
        connected = cluster.startswith("cluster: ") and "connecting" not in cluster
        if table.row_count != self.apps or not connected or "✘" in cluster:
            return False
        # Rows appear while the engine still renders, as Unknown: not the data yet.
        return not any("Unknown" in str(cell) for cell in table.get_column("SYNC"))


def wrap_backend_calls(service: Service, into: dict[str, float], t0: float) -> None:
    """Time the first call of the start_backend worker's two blocking steps, and of the
    poller's first refresh (fetch + re-render of every app): when each began after t0
    and how long it took."""
    for name in ("cluster", "start_engine", "refresh"):
        original = getattr(service, name)

        def timed_call(*args: Any, _orig: Callable = original, _name: str = name, **kw: Any):
            start = time.perf_counter()
            try:
                return _orig(*args, **kw)
            finally:
                if f"{_name}_s" not in into:
                    into[f"{_name}_s"] = time.perf_counter() - start
                    into[f"{_name}_began_s"] = start - t0

        setattr(service, name, timed_call)


async def drive(app: GitOpsApp, body: Callable[[Pilot], Awaitable[T]]) -> tuple[T, str]:
    """run_test() around body; then let queued messages land before shutdown. An error
    raised by the app while it shuts down, once body is done, is returned, not raised:
    a row highlight handled after the widgets are gone (see `exit_errors`)."""
    done, result = False, None
    try:
        async with app.run_test(size=SIZE) as pilot:
            result = await body(pilot)
            done = True
            await pilot.pause()
    except NoMatches as e:
        if not done:
            raise
        return result, f"NoMatches during shutdown: {e}"  # type: ignore[return-value]
    return result, ""  # type: ignore[return-value]


async def first_frame_run(fleet: Fleet, control_namespace: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    service = new_service(fleet, control_namespace)
    app = GitOpsApp(service)
    constructed = time.perf_counter() - t0
    phases: dict[str, float] = {}
    wrap_backend_calls(service, phases, t0)
    probe = Probe(app)
    marks = StartMarks(app, len(fleet.apps), t0)
    probe.frame_listeners.append(marks.on_frame)
    full = FullPaint(app, len(fleet.apps), t0)

    async def body(pilot: Pilot) -> tuple[float, float]:
        ready = time.perf_counter() - t0
        await pilot.pause()
        paused = time.perf_counter() - t0
        await asyncio.wait_for(marks.data_seen.wait(), DATA_TIMEOUT)
        return ready, paused

    try:
        (ready, paused), exit_error = await drive(app, body)
    finally:
        await asyncio.to_thread(stop_backend, app, service)
    assert marks.first_frame is not None and marks.layout is not None and marks.data
    return {
        "construct_s": constructed,
        "run_test_ready_s": ready,
        "first_frame_s": marks.first_frame,
        "apps_table_frame_s": marks.layout,
        "pause_returned_s": paused,
        "data_ready_s": marks.data,
        "cluster_s": phases.get("cluster_s", 0.0),
        "start_engine_began_s": phases.get("start_engine_began_s", 0.0),
        "start_engine_s": phases.get("start_engine_s", 0.0),
        "poller_refresh_began_s": phases.get("refresh_began_s", 0.0),
        "poller_refresh_s": phases.get("refresh_s", 0.0),
        "paints_before_data": full.paints,
        **full.marks(marks.data),
        "frames_until_data": probe.counts["frames"],
        "exit_error": exit_error,
    }


class FullPaint:
    """View computations and paints of every app, in seconds after t0: the first paint
    shows every row while the engine still renders (status Unknown); the last one
    before the data frame shows the real statuses."""

    def __init__(self, app: GitOpsApp, apps: int, t0: float) -> None:
        self.apps, self.t0 = apps, t0
        self.paints = 0
        self.views: list[float] = []  # when a view worker for every app began
        self.painted: list[tuple[float, float, float]] = []  # (handed, began, took)
        views, paint, call = app._refresh_views, app._paint, app.call_from_thread

        def refresh_views(names: list[str]) -> None:
            if len(names) == self.apps:
                self.views.append(time.perf_counter() - t0)
            views(names)

        def painted(views: list, *args: Any, handed: float = 0.0) -> None:
            self.paints += 1
            start = time.perf_counter()
            paint(views, *args)
            if len(views) == self.apps:
                self.painted.append((handed, start - t0, time.perf_counter() - start))

        def call_from_thread(fn: Callable, *args: Any, **kwargs: Any) -> Any:
            if fn is painted and len(args[0]) == self.apps:
                # Views computed: the paint now waits for the event loop to run it.
                handed = time.perf_counter() - t0
                return call(functools.partial(painted, handed=handed), *args, **kwargs)
            return call(fn, *args, **kwargs)

        app._refresh_views = refresh_views  # type: ignore[method-assign]
        app._paint = painted  # type: ignore[method-assign]
        app.call_from_thread = call_from_thread  # type: ignore[method-assign]

    def marks(self, data_ready: float) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.painted:
            out["all_rows_first_paint_began_s"] = self.painted[0][1]
        paints = [p for p in self.painted if p[1] < data_ready and p[0]]
        if not paints:
            return out
        handed, began, took = paints[-1]
        views = [v for v in self.views if v <= handed]
        if views:
            out["data_views_began_s"] = views[-1]
            out["data_views_computed_s"] = handed - views[-1]
        out["data_paint_waited_for_loop_s"] = began - handed
        out["data_paint_s"] = took
        # The table's idle work (column widths) and the frame itself.
        out["data_paint_to_frame_s"] = data_ready - began - took
        return out


def prime_clone(fleet: Fleet) -> None:
    """Clone once into the shared cache, as any earlier run of the UI would have."""
    service = new_service(fleet, "bench-tui-prime")
    try:
        service.apps()
    finally:
        service.close()


async def bench_first_frame(fleet: Fleet) -> dict:
    control_namespace = f"bench-tui-ctl-{uuid.uuid4().hex[:6]}"
    runs = []
    for i in range(FIRST_FRAME_RUNS):
        runs.append(await first_frame_run(fleet, control_namespace))
        progress(
            f"first_frame: run {i + 1}: frame {runs[-1]['apps_table_frame_s'] * 1000:.0f} ms, "
            f"data {runs[-1]['data_ready_s'] * 1000:.0f} ms"
        )
    keys = sorted({k for run in runs for k in run if k != "exit_error"})
    med = {k: statistics.median(run[k] for run in runs if k in run) for k in keys}
    return {
        "runs": FIRST_FRAME_RUNS,
        "apps": len(fleet.apps),
        "objects_live": len(fleet.apps) * OBJECTS_PER_APP,
        "median_ms": r(med["apps_table_frame_s"] * 1000, 1),
        "runs_ms": [r(run["apps_table_frame_s"] * 1000, 1) for run in runs],
        "data_ready_median_ms": r(med["data_ready_s"] * 1000, 1),
        "data_ready_runs_ms": [r(run["data_ready_s"] * 1000, 1) for run in runs],
        "median_breakdown_ms": {k: r(v * 1000, 1) for k, v in med.items() if k.endswith("_s")},
        "frames_until_data_median": med["frames_until_data"],
        "paints_until_data_median": med["paints_before_data"],
        "exit_errors": [run["exit_error"] for run in runs if run["exit_error"]],
        "import_ms": import_ms(),
        "measured": "t0 just before Service(...) and GitOpsApp(...) are built, in a process "
        "that has imported them; first frame = first compositor frame handed to the "
        "driver in which #apps has a non-empty region (headers painted, rows empty); "
        "data ready = first frame with every app in #apps and none of them Unknown "
        "(rendered), app.ready and the cluster line connected. Also: run_test() ready callback, and `await pilot.pause()` "
        "returning after it.",
    }


def import_ms(runs: int = 3) -> list[float]:
    """What a fresh process pays before t0: importing the CLI and the UI."""
    code = (
        "import time; t = time.perf_counter(); import gitops_tui.cli, gitops_tui.tui.app; "
        "print(time.perf_counter() - t)"
    )
    out = []
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        out.append(r(float(proc.stdout) * 1000, 1))
    return out


# ---- load: syncs of every app ------------------------------------------------------------
class SyncLoad:
    """Keeps the reconciler syncing every app until stopped: wave 1 creates every
    object; each later wave pushes a prepared commit that changes every ConfigMap,
    reloads (queued behind the running wave) and syncs every app again."""

    def __init__(self, service: Service, fleet: Fleet) -> None:
        self.service, self.fleet = service, fleet
        self.stop = threading.Event()
        self.done: list[tuple[float, int, bool]] = []  # (when, objects applied, ok)
        self.synced: set[str] = set()
        self.waves = 0  # submitted
        self.error = ""
        self.ended_at: float | None = None
        self._futures: list[concurrent.futures.Future] = []
        self._thread = threading.Thread(target=self._run, name="bench-load", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        self.stop.set()
        for fut in self._futures:
            fut.cancel()  # queued syncs never start; the running one completes
        self._thread.join(timeout=120)

    def _run(self) -> None:
        try:
            self._submit_wave()
            for sha in self.fleet.waves:
                # Fetched now, reloaded once the running wave is through: no gap.
                git(self.fleet.repo.work, "push", "--quiet", "origin", f"{sha}:main")
                self.service.refresh(fetch=True)
                if self.stop.is_set():
                    return
                self._submit_wave()
            self._wait()
        except Exception as e:  # reported in the JSON; the key window goes on
            self.error = f"{type(e).__name__}: {e}"
        finally:
            self.ended_at = time.perf_counter()

    def _submit_wave(self) -> None:
        engine = self.service.engine
        assert engine is not None
        self.waves += 1
        self._futures = []
        for a in self.fleet.apps:
            fut = engine.submit(engine.sync, a)
            fut.add_done_callback(functools.partial(self._record, a))
            self._futures.append(fut)

    def _wait(self) -> None:
        pending = set(self._futures)
        while pending and not self.stop.is_set():
            _, pending = concurrent.futures.wait(pending, timeout=0.2)

    def _record(self, app: str, fut: concurrent.futures.Future) -> None:
        if fut.cancelled():
            return
        report = None if fut.exception() else fut.result()
        applied = len(report.applied) if report else 0
        self.done.append((time.perf_counter(), applied, bool(report and report.ok)))
        self.synced.add(app)

    def fill_gaps(self) -> None:
        """Sync the apps the stopped first wave never reached: later runs expect every
        object to exist."""
        engine = self.service.engine
        assert engine is not None
        for a in self.fleet.apps:
            if a not in self.synced:
                engine.submit(engine.sync, a).result()

    def objects_between(self, start: float, end: float) -> tuple[int, int, int]:
        """(objects applied, syncs finished, syncs failed) by syncs ending in the window."""
        inside = [d for d in self.done if start <= d[0] <= end]
        return sum(d[1] for d in inside), len(inside), sum(not d[2] for d in inside)


class EventCount:
    """Watch events on tracked objects, as the engine's cache delivers them."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self, kind: str, obj: dict) -> None:
        self.times.append(time.perf_counter())

    def between(self, start: float, end: float) -> int:
        return sum(start <= t <= end for t in list(self.times))


# ---- key latency --------------------------------------------------------------------------
@dataclass
class Press:
    key: str
    row: int
    total_s: float  # key event sent -> frame showing the new cursor row in view
    drawn_s: float  # key event sent -> frame drawn with the new cursor row, in view or not
    queued_s: float  # key event sent -> the app's cursor action starts
    timed_out: bool
    sent_at: float  # perf_counter() when the key event was sent
    scrolled: bool = False  # the table scrolled to show the new row (every line redrawn)


class KeyTimer:
    """Sends one key through the driver and waits for the frame that shows its effect."""

    def __init__(self, app: GitOpsApp, table: RowTable, probe: Probe) -> None:
        self.app, self.table = app, table
        self.target: int | None = None
        self.rendered = self.rendered_anywhere = False
        self.action_at = self.drawn_at = self.frame_at = 0.0
        self.shown = asyncio.Event()
        probe.render_listeners.append(self._on_render)
        probe.frame_listeners.append(self._on_frame)
        for action in ("action_cursor_down", "action_cursor_up"):
            self._wrap_action(action)

    def _wrap_action(self, name: str) -> None:
        original = getattr(self.app, name)

        def action() -> None:
            if self.target is not None and not self.action_at:
                self.action_at = time.perf_counter()
            original()

        setattr(self.app, name, action)

    def _on_render(self, table: RowTable) -> None:
        if self.target is None or table.cursor_row != self.target:
            return
        self.rendered_anywhere = True
        # A render at the new row while a repaint has scrolled it out of view shows nothing.
        if cursor_shown(table):
            self.rendered = True

    def _on_frame(self, t: float) -> None:
        if self.target is None:
            return
        if self.rendered_anywhere and not self.drawn_at:
            self.drawn_at = t
        if self.rendered and not self.shown.is_set():
            self.frame_at = t
            self.shown.set()

    async def press(self, key: str, row: int) -> Press:
        self.target, self.rendered, self.rendered_anywhere = row, False, False
        self.action_at = self.drawn_at = 0.0
        self.shown.clear()
        driver = self.app._driver
        assert driver is not None
        event = events.Key(key, key)
        event.set_sender(self.app)
        top = round(self.table.scroll_y)
        start = time.perf_counter()
        driver.send_message(event)
        try:
            await asyncio.wait_for(self.shown.wait(), PRESS_TIMEOUT)
            timed_out = False
        except TimeoutError:
            timed_out = True
            self.frame_at = start + PRESS_TIMEOUT
        self.target = None
        drawn = (self.drawn_at or self.frame_at) - start
        queued = (self.action_at or self.frame_at) - start
        scrolled = round(self.table.scroll_y) != top
        return Press(key, row, self.frame_at - start, drawn, queued, timed_out, start, scrolled)


class CursorOnScreen:
    """Frames in which the apps table's cursor row lies outside the rows shown: the
    view jumped away from the selection (a repaint rebuilt the table)."""

    def __init__(self, table: RowTable, probe: Probe) -> None:
        self.table = table
        self.frames = self.off = 0
        self.examples: list[str] = []
        probe.frame_listeners.append(self._on_frame)

    def _on_frame(self, t: float) -> None:
        table = self.table
        self.frames += 1
        if not cursor_shown(table):
            self.off += 1
            if len(self.examples) < 5:
                top, rows = shown_rows(table)
                self.examples.append(
                    f"cursor row {table.cursor_row}, rows {top}..{top + rows - 1} shown"
                )


def shown_rows(table: RowTable) -> tuple[int, int]:
    """(first row in view, rows in view) of a table with one-line rows."""
    return round(table.scroll_y), table.scrollable_content_region.height - table.header_height


def cursor_shown(table: RowTable) -> bool:
    top, rows = shown_rows(table)
    return rows <= 0 or top <= table.cursor_row < top + rows


def press_plan(rows: int, presses: int, start: int) -> list[tuple[str, int]]:
    """j down to the bounce row, k back up, and so on: (key, cursor row expected)."""
    span = max(1, min(rows - 1, BOUNCE))
    plan, row, step = [], start, 1
    for _ in range(presses):
        if not 0 <= row + step <= span:
            step = -step
        row += step
        plan.append(("j" if step > 0 else "k", row))
    return plan


class ThreadLag:
    """The same lateness for a plain thread: it needs only the GIL, not the loop, so
    lag seen here and on the loop alike is the GIL held elsewhere (C code, other threads)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval, self.out = interval, []
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-lag", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            start = time.perf_counter()
            if self.stop.wait(self.interval):
                return
            self.out.append(time.perf_counter() - start - self.interval)

    def finish(self) -> list[float]:
        self.stop.set()
        self._thread.join()
        return self.out


class LoopLag:
    """How late the event loop wakes a sleeping task: time it was busy elsewhere."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self.at: list[float] = []
        self.last_tick = time.perf_counter()
        self.stop = asyncio.Event()

    async def run(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.last_tick = time.perf_counter()
            self.lags.append(self.last_tick - start - self.interval)
            self.at.append(start)


class StallWatch:
    """When the event loop has not ticked for `threshold` s, its thread's stack, as
    faulthandler prints it: where a long stall is spent (the first few stalls)."""

    def __init__(self, lag: LoopLag, threshold: float = 0.5, keep: int = 3) -> None:
        self.lag, self.threshold, self.keep = lag, threshold, keep
        self.loop_thread = threading.get_ident()
        self.stacks: list[dict[str, Any]] = []
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-stalls", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        dumped_for = 0.0
        while not self.stop.wait(0.05) and len(self.stacks) < self.keep:
            tick = self.lag.last_tick
            if time.perf_counter() - tick > self.threshold and tick != dumped_for:
                dumped_for = tick
                self.stacks.append({"stalled_s": r(time.perf_counter() - tick, 2)})
                self.stacks[-1]["stack"] = self._loop_stack()

    def _loop_stack(self, depth: int = 14) -> list[str]:
        with tempfile.TemporaryFile(mode="w+") as f:
            faulthandler.dump_traceback(f, all_threads=True)
            f.seek(0)
            blocks = f.read().split("\n\n")
        mine = next((b for b in blocks if f"0x{self.loop_thread:016x}" in b), "")
        frames = [line.strip() for line in mine.splitlines()[1:]]
        return [short_path(line) for line in frames[:depth]]

    def finish(self) -> list[dict[str, Any]]:
        self.stop.set()
        self._thread.join()
        return self.stacks


def short_path(line: str) -> str:
    """A faulthandler frame line, its path cut after site-packages/ or the project."""
    for cut in ("site-packages/", f"{ROOT}/"):
        if cut in line:
            start = line.find('"') + 1
            line = line[:start] + line[line.find(cut) + len(cut) :]
    return line


class GcPauses:
    """Cyclic garbage collections while installed: they stop every thread, the event
    loop's included."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, seconds)
        self._start = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._start))

    def finish(self) -> dict[str, Any]:
        gc.callbacks.remove(self._on_gc)
        return {
            f"gen{g}": {
                "count": len(d := [s for gen, s in self.pauses if gen == g]),
                "total_ms": r(sum(d) * 1000, 1),
                "max_ms": r(max(d, default=0.0) * 1000, 1),
            }
            for g in (0, 1, 2)
        }


async def wait_until(fn: Callable[[], Any], what: str, timeout: float) -> Any:
    """Poll fn on the app's loop (which keeps running meanwhile) until truthy."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if result := fn():
            return result
        await asyncio.sleep(0.05)  # poll interval inside the deadline
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def all_rows(app: GitOpsApp, apps: int) -> bool:
    return app.ready and app.query_one("#apps", RowTable).row_count == apps


def ms_stats(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "p50_ms": r(percentile(ms, 0.5), 1),
        "p95_ms": r(percentile(ms, 0.95), 1),
        "max_ms": r(max(ms), 1),
        "mean_ms": r(statistics.fmean(ms), 1),
    }


def top_functions(
    profile: cProfile.Profile, sort: str, pattern: str = "", limit: int = 15
) -> list[str]:
    """The profile's top lines by `sort`, optionally only those matching `pattern`."""
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats(sort)
    stats.print_stats(*([pattern] if pattern else []), limit)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    return [" ".join(line.split()) for line in lines[start : start + limit + 1] if line.strip()]


def profile_summary(profile: cProfile.Profile) -> dict[str, list[str]]:
    # Cumulative time of the UI's own code and of Textual's frame and table code says
    # where the loop goes; self time says which leaves are hot.
    ui = r"gitops_tui/tui|textual/(screen|_compositor|widgets/_data_table|widgets/_static)"
    return {
        "by_tottime": top_functions(profile, "tottime"),
        "ui_by_cumtime": top_functions(profile, "cumulative", ui, 25),
    }


class CpuUse:
    """CPU seconds of this process's threads (grouped by name) and of the whole machine
    over the window: whether a slow press waited for the CPU or for our own threads."""

    def __init__(self) -> None:
        self.tick = os.sysconf("SC_CLK_TCK")
        self.threads, self.machine, self.t0 = self._threads(), self._machine(), time.monotonic()

    def _threads(self) -> dict[int, float]:
        out = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the thread ended
            out[int(tid)] = (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
        return out

    def _machine(self) -> tuple[float, float]:
        values = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values) / self.tick, idle / self.tick

    def finish(self) -> dict[str, Any]:
        wall = time.monotonic() - self.t0
        names = {t.native_id: t.name for t in threading.enumerate()}
        main = threading.main_thread().native_id
        by_name: dict[str, float] = {}
        for tid, cpu in self._threads().items():
            used = cpu - self.threads.get(tid, 0.0)
            name = "event loop" if tid == main else names.get(tid, "ended or foreign")
            name = name.split(" (")[0].rstrip("0123456789-_")  # Thread-12 (fn) -> Thread
            by_name[name] = by_name.get(name, 0.0) + used
        total, idle = self._machine()
        cpus = os.cpu_count() or 1
        busy = 1 - (idle - self.machine[1]) / max(total - self.machine[0], 1e-9)
        return {
            "wall_s": r(wall, 2),
            "machine_busy_share": r(busy, 2),
            "this_process_cpu_s": r(sum(by_name.values()), 2),
            "others_cpu_s": r(busy * wall * cpus - sum(by_name.values()), 2),
            "threads_cpu_s": {k: r(v, 2) for k, v in sorted(by_name.items(), key=lambda x: -x[1])},
        }


class Monitors:
    """Everything watching the event loop during the key window."""

    def __init__(self, prof: bool) -> None:
        self.cpu = CpuUse()
        self.lag = LoopLag()
        self.lag_task = asyncio.create_task(self.lag.run())
        self.stalls = StallWatch(self.lag)
        self.thread_lag = ThreadLag()
        self.gc = GcPauses()
        self.profile = cProfile.Profile() if prof else None
        if self.profile:
            self.profile.enable()

    async def finish(self) -> dict[str, Any]:
        if self.profile:
            self.profile.disable()
        self.lag.stop.set()
        await self.lag_task
        worst = sorted(zip(self.lag.lags, self.lag.at, strict=True), reverse=True)[:3]
        return {
            "lag": self.lag.lags,
            "worst_stalls": worst,
            "stall_stacks": self.stalls.finish(),
            "gil_lag": self.thread_lag.finish(),
            "gc": self.gc.finish(),
            "cpu": self.cpu.finish(),
            "profile": profile_summary(self.profile) if self.profile else None,
        }


def stall(lag: float, at: float, start: float, presses: list[Press]) -> dict[str, Any]:
    """One event-loop stall: when, and whether a press was waiting through it (presses
    are sent one after another, so a stall between two presses delays no sample)."""
    waiting = any(p.sent_at <= at + lag and at <= p.sent_at + p.total_s for p in presses)
    return {"ms": r(lag * 1000, 1), "at_s": r(at - start, 2), "during_a_press": waiting}


async def quiet_lag(seconds: float) -> dict[str, Any]:
    """Event-loop lag with no key and no load: what the UI does on its own."""
    lag = LoopLag()
    task = asyncio.create_task(lag.run())
    stalls = StallWatch(lag)
    await asyncio.sleep(seconds)  # the measurement window itself
    lag.stop.set()
    await task
    return {"seconds": seconds, **ms_stats(lag.lags), "stall_stacks": stalls.finish()}


async def run_presses(timer: KeyTimer, plan: list[tuple[str, int]], label: str) -> list[Press]:
    presses = []
    for i, (key, row) in enumerate(plan):
        presses.append(await timer.press(key, row))
        if (i + 1) % 20 == 0:
            last = [p.total_s * 1000 for p in presses[-20:]]
            progress(f"{label}: {i + 1}/{len(plan)} presses, last 20 max {max(last):.0f} ms")
        await asyncio.sleep(PRESS_GAP)  # input pacing, not a wait for state
    return presses


async def flood_started(probe: Probe, load: SyncLoad) -> None:
    """Start the load and return once the engine's change notifications arrive."""

    def changes() -> int:
        return probe.counts["changes"] or probe.counts["app_changed"]

    base = changes()
    load.start()
    await wait_until(lambda: changes() > base + 20, "change notifications", 60)


async def key_window(
    app: GitOpsApp, probe: Probe, load: SyncLoad, events_seen: EventCount, sizes: Sizes, prof: bool
) -> dict:
    table = app.query_one("#apps", RowTable)
    timer = KeyTimer(app, table, probe)
    probe.watch_table(table)
    probe.watch_screen(app.screen)
    on_screen = CursorOnScreen(table, probe)
    rows = len(load.fleet.apps)
    idle = await run_presses(timer, press_plan(rows, IDLE_PRESSES, table.cursor_row), "idle")
    idle_off = on_screen.off
    plan = press_plan(rows, sizes.presses, table.cursor_row)
    await flood_started(probe, load)
    monitors = Monitors(prof)
    off_before = on_screen.off
    before, start = probe.snapshot(), time.perf_counter()
    presses = await run_presses(timer, plan, "key_latency")
    end, after = time.perf_counter(), probe.snapshot()
    timings = {n: window_timing(t, before, after, n) for n, t in probe.timings.items()}
    watched = await monitors.finish()
    watched["worst_stalls"] = [
        stall(lag, at, start, presses) for lag, at in watched["worst_stalls"]
    ]
    rows_ok = table.cursor_row == plan[-1][1]
    load_ran_out = load.ended_at is not None and load.ended_at < end
    await asyncio.to_thread(load.finish)
    objects, syncs, failed = load.objects_between(start, end)
    await asyncio.to_thread(load.fill_gaps)
    progress(f"key_latency: {QUIET_S:.0f} s without keys or load")
    quiet = await quiet_lag(QUIET_S)
    return {
        **watched,
        "idle": idle,
        "quiet": quiet,
        "presses": presses,
        "window_s": end - start,
        "counts": window_counts(before, after),
        "views_in_flight_max": after["views_in_flight_max"],
        "timings": {
            n: {k: v for k, v in t.items() if k != "durations"} for n, t in timings.items()
        },
        "objects_synced": objects,
        "load_ran_out": load_ran_out,
        "syncs_finished": syncs,
        "syncs_failed": failed,
        "watch_events": events_seen.between(start, end),
        "cursor_where_expected": rows_ok,
        "cursor_off_screen": {
            "frames_idle": idle_off,
            "frames_in_window": on_screen.off - off_before,
            "examples": on_screen.examples,
        },
        "paint_durations": timings["_paint"]["durations"],
    }


async def bench_keys(fleet: Fleet, sizes: Sizes, prof: bool) -> dict:
    service = new_service(fleet, f"bench-tui-ctl-{uuid.uuid4().hex[:6]}")
    app = GitOpsApp(service)
    probe = Probe(app)
    load = SyncLoad(service, fleet)
    events_seen = EventCount()

    async def body(pilot: Pilot) -> dict:
        await wait_until(lambda: all_rows(app, len(fleet.apps)), "every app", DATA_TIMEOUT)
        await pilot.pause()
        assert service.engine is not None
        service.engine.cache.subscribe(events_seen)
        progress(f"key_latency: {len(fleet.apps)} apps on screen; syncing while pressing")
        return await key_window(app, probe, load, events_seen, sizes, prof)

    try:
        w, exit_error = await drive(app, body)
    finally:
        load.finish()
        await asyncio.to_thread(stop_backend, app, service)
    w["exit_error"] = exit_error
    return key_result(w, fleet, load, prof)


def scroll_stats(presses: list[Press]) -> dict[str, Any]:
    return {"presses": len(presses), **(ms_stats([p.total_s for p in presses]) if presses else {})}


def key_result(w: dict, fleet: Fleet, load: SyncLoad, prof: bool) -> dict:
    presses: list[Press] = w["presses"]
    ok = [p for p in presses if not p.timed_out]
    c = w["counts"]
    out = {
        "apps": len(fleet.apps),
        "objects": len(fleet.apps) * OBJECTS_PER_APP,
        "presses": len(presses),
        "keys": {"j": sum(p.key == "j" for p in presses), "k": sum(p.key == "k" for p in presses)},
        "timeouts": len(presses) - len(ok),
        **ms_stats([p.total_s for p in presses]),
        "drawn_in_view_or_not": ms_stats([p.drawn_s for p in presses]),
        "queued": ms_stats([p.queued_s for p in ok]) if ok else None,
        "by_scroll": {
            "scrolled": scroll_stats([p for p in presses if p.scrolled]),
            "in_place": scroll_stats([p for p in presses if not p.scrolled]),
        },
        "idle_baseline": {
            "presses": len(w["idle"]),
            "timeouts": sum(p.timed_out for p in w["idle"]),
            **ms_stats([p.total_s for p in w["idle"]]),
            "queued": ms_stats([p.queued_s for p in w["idle"]]),
        },
        "window_s": r(w["window_s"], 2),
        "after_load_no_keys_event_loop_lag": w["quiet"],
        "change_notifications": int(c["changes"] or c["app_changed"]),
        "app_changed_messages": int(c["app_changed"]),
        "repaints": int(c["_paint_calls"]),
        "repaint_ms": ms_stats(w["paint_durations"]) if w["paint_durations"] else None,
        "repaint_total_ms": r(c["_paint_s"] * 1000, 1),
        "fill_apps_calls": int(c["_fill_apps_calls"]),
        "fill_resources_calls": int(c["_fill_resources_calls"]),
        "view_workers": int(c["_refresh_views_calls"]),
        "view_workers_in_flight_max": int(w["views_in_flight_max"]),
        "coalescing_timers": int(c["timers"]),
        "flushes": int(c["flushes"]),
        "flushes_with_work": int(c["flushes_with_work"]),
        "frames": int(c["frames"]),
        "frame_encode_total_ms": r(c["encode_s"] * 1000, 1),
        "event_loop_lag": ms_stats(w["lag"]) if w["lag"] else None,
        "event_loop_worst_stalls": w["worst_stalls"],
        "event_loop_stall_stacks": w["stall_stacks"],
        "thread_lag": ms_stats(w["gil_lag"]) if w["gil_lag"] else None,
        "gc_pauses": w["gc"],
        "cpu_in_window": w["cpu"],
        "ui_methods": w["timings"],
        "objects_synced": w["objects_synced"],
        "syncs_finished": w["syncs_finished"],
        "syncs_failed": w["syncs_failed"],
        "watch_events": w["watch_events"],
        "sync_waves": load.waves,
        "load_ran_out_before_window_end": w["load_ran_out"],
        "load_error": load.error,
        "cursor_where_expected": w["cursor_where_expected"],
        "frames_cursor_off_screen": w["cursor_off_screen"],
        "profiled": prof,
        "exit_error": w["exit_error"],
        "measured": "per press: from driver.send_message(Key) (the path of a terminal's "
        "input thread) until the first frame handed to the driver after the #apps "
        "table rendered lines with cursor_row at the expected row and that row in "
        "view, including encoding "
        "the frame to terminal bytes; not the terminal's own write and display. "
        f"{PRESS_GAP * 1000:.0f} ms between a repaint and the next press. 'queued' is "
        "until the cursor action starts (time the key waited on a busy event loop); "
        "'drawn_in_view_or_not' until the first frame drawn with the new cursor row, "
        "even when a repaint had scrolled it out of view. A press not shown within "
        f"{PRESS_TIMEOUT:.0f} s counts as {PRESS_TIMEOUT:.0f} s and as a timeout. "
        "Counts are inside the key window only.",
    }
    if w["profile"]:
        out["profile_event_loop"] = w["profile"]
    return out


# ---- the run -----------------------------------------------------------------------------
def leftover_processes(marker: str) -> list[str]:
    """Processes whose command line names our temporary directory."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = (Path("/proc") / pid / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmd:
            out.append(f"{pid}: {cmd[:100]}")
    return out


def product_revision() -> dict[str, Any]:
    """The commit measured, and UI files that differ from it."""
    head = git(ROOT, "rev-parse", "--short", "HEAD")
    dirty = git(ROOT, "status", "--porcelain", "--", "gitops_tui").splitlines()
    return {
        "product_commit": head,
        "product_uncommitted": [line.split(maxsplit=1)[-1] for line in dirty],
    }


def verdict(result: dict) -> dict:
    return {
        "first_frame_ms": result["first_frame"]["median_ms"] < GOALS["first_frame_ms"],
        "key_p95_ms": result["key_latency"]["p95_ms"] < GOALS["key_p95_ms"],
    }


async def bench_all(tmp: Path, kubeconfig: Path, api: Any, sizes: Sizes, prof: bool) -> dict:
    fleet = write_fleet(tmp, api, kubeconfig, sizes)
    prime_clone(fleet)
    progress(f"fleet: {len(fleet.apps)} apps x {OBJECTS_PER_APP} objects in {fleet.ns}")
    keys = await bench_keys(fleet, sizes, prof)
    progress(f"key_latency: p50 {keys['p50_ms']} ms, p95 {keys['p95_ms']} ms")
    first = await bench_first_frame(fleet)
    return {"first_frame": first, "key_latency": keys}


def run(sizes: Sizes, quick: bool, prof: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as d:
        tmp = Path(d)
        progress("starting the local control plane")
        try:
            with cluster_up(tmp) as cluster:
                kubeconfig = cluster.local.kubeconfig
                result: dict[str, Any] = {
                    "mode": "quick" if quick else "full",
                    "env": {
                        **environment(kubeconfig),
                        "textual": textual.__version__,
                        "textual_max_fps": textual_constants.MAX_FPS,  # as set by the UI:
                        "ui_frame_rate": int(UI_FRAME_RATE),  # equal unless TEXTUAL_FPS set
                        "terminal": f"{SIZE[0]}x{SIZE[1]} headless",
                        "loadavg_at_start": [r(x, 2) for x in os.getloadavg()],
                        **product_revision(),
                    },
                }
                progress(f"control plane up at {cluster.local.server}")
                result.update(asyncio.run(bench_all(tmp, kubeconfig, cluster.api, sizes, prof)))
        finally:
            leftovers = leftover_processes(d)
        result["leftover_processes"] = leftovers
        result["env"]["loadavg_at_end"] = [r(x, 2) for x in os.getloadavg()]
        result["goals"] = GOALS
        result["met"] = verdict(result)
        return result


def main(argv: list[str] | None = None) -> int:
    faulthandler.enable()  # a crash in native code prints every thread's stack
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 apps x 20 objects, 20 presses")
    ap.add_argument("--profile", action="store_true", help="cProfile the key window's loop")
    args = ap.parse_args(argv)
    start = time.monotonic()
    result = run(QUICK if args.quick else FULL, args.quick, args.profile)
    result["total_s"] = r(time.monotonic() - start, 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
