#!/usr/bin/env python3
"""The reconciler against a real local control plane, in one run: heal latency, the
cost of a no-op reconcile, our diff and sync versus kubectl's.

Starts its own etcd + kube-apiserver + kube-controller-manager in a temporary
directory, writes Git repositories (a work tree pushed to a bare origin) and prints
one JSON object on stdout; progress goes to stderr.

    .venv/bin/python benchmarks/reconcile.py [--quick]

heal   drift (kubectl scale by another field manager) -> healed latency, one drift
       per Deployment so that the flap guard never backs off.
noop   N apps x 20 objects synced, then view() of every app (diff against the
       watch-fed cache) with every API request counted.
diff   engine.diff() versus `kubectl diff --server-side` on 200 objects, 20 drifted.
sync   engine sync versus `kubectl apply --server-side` of 200 objects into two
       fresh namespaces.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kubernetes import client, config  # noqa: E402
from kubernetes.watch.watch import iter_resp_lines  # noqa: E402

from gitops_tui.cluster.request import count_requests, send  # noqa: E402
from gitops_tui.config import Settings  # noqa: E402
from gitops_tui.localcluster import LocalCluster  # noqa: E402
from gitops_tui.reconcile.engine import FLAP_LIMIT, Engine  # noqa: E402
from gitops_tui.service import Service  # noqa: E402

GOALS = {"heal_p95_ms": 1000, "noop_requests": 0, "diff_ratio_min": 10}
OBJECTS_PER_APP = 20
GIT_REPLICAS, DRIFT_REPLICAS = 1, 3
HEAL_DEADLINE = 10.0
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "HOME": "/nonexistent",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}
START = time.monotonic()


@dataclass(frozen=True)
class Sizes:
    drifts: int
    apps: int
    cycles: int
    diff_apps: int = 10  # 10 apps x 20 objects: the 200 objects of the diff section
    diff_runs: int = 10
    kubectl_runs: int = 3
    sync_objects: int = 200
    sync_runs: int = 3


FULL = Sizes(drifts=50, apps=100, cycles=5)
QUICK = Sizes(drifts=10, apps=10, cycles=3, diff_runs=5)


# ---- helpers ----------------------------------------------------------------------
def progress(message: str) -> None:
    print(f"[{time.monotonic() - START:7.1f}s] {message}", file=sys.stderr, flush=True)


def wait_for(fn: Callable[[], Any], what: str, timeout: float, interval: float = 0.05) -> Any:
    """Poll fn until it returns something truthy, or fail after the deadline."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if result := fn():
            return result
        time.sleep(interval)  # poll interval inside the deadline
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    s = sorted(values)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def r(x: float, digits: int = 4) -> float:
    return round(x, digits)


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


# ---- manifests ----------------------------------------------------------------------
def deployment(name: str, replicas: int = GIT_REPLICAS) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "registry.example.com/web:1.0"}]},
            },
        },
    }


def config_map(name: str, i: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"index": str(i)}},
        "data": {"mode": "fast", "index": str(i), "settings.ini": f"[main]\nid={name}\n"},
    }


def secret(name: str) -> dict:
    token = base64.b64encode(f"token-of-{name}".encode()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "type": "Opaque",
        "data": {"token": token},
    }


def service_account(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}}


def group_objects(prefix: str) -> list[dict]:
    """20 objects: 16 ConfigMaps, 2 Secrets, a ServiceAccount and a Deployment."""
    objs = [config_map(f"{prefix}-cm-{j:02d}", j) for j in range(OBJECTS_PER_APP - 4)]
    objs += [secret(f"{prefix}-secret-{j}") for j in range(2)]
    objs += [service_account(f"{prefix}-sa"), deployment(f"{prefix}-web")]
    return objs


class BenchRepo:
    """A work tree pushing to a bare origin that the service clones."""

    def __init__(self, root: Path) -> None:
        self.work, self.origin = root / "work", root / "origin.git"
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(self.origin))
        git(root, "init", "--quiet", "--initial-branch=main", str(self.work))
        git(self.work, "remote", "add", "origin", str(self.origin))

    def write(self, path: str, obj: dict) -> None:
        p = self.work / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(yaml.safe_dump(obj, sort_keys=False))

    def write_objects(self, directory: str, objs: list[dict]) -> None:
        for o in objs:
            self.write(f"{directory}/{o['kind'].lower()}-{o['metadata']['name']}.yaml", o)

    def commit(self, message: str) -> None:
        git(self.work, "add", "-A")
        git(self.work, "commit", "--quiet", "-m", message)
        git(self.work, "push", "--quiet", "origin", "main")


def make_service(repo: BenchRepo, kubeconfig: Path, cache: Path) -> Service:
    return Service(
        Settings(
            repo=str(repo.origin),
            kubeconfig=kubeconfig,
            control_namespace=f"bench-ctl-{uuid.uuid4().hex[:8]}",
            cache=cache,
        )
    )


def create_namespace(api: client.ApiClient, name: str) -> str:
    client.CoreV1Api(api).create_namespace({"metadata": {"name": name}})
    return name


def on_reconciler(engine: Engine, fn: Callable[[], Any]) -> Any:
    # The reconciler thread owns the engine's state; reads go through it as the loop's do.
    return engine.submit(fn).result()


# ---- heal ----------------------------------------------------------------------------
class DeploymentWatch:
    """Replicas of every Deployment in one namespace, as a raw watch delivers them."""

    def __init__(self, api: client.ApiClient, namespace: str) -> None:
        self.api, self.ns = api, namespace
        self.seen: dict[str, list[tuple[int, int, float]]] = {}  # name -> (rv, replicas, t)
        self.cond = threading.Condition()
        self._resp = None
        path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
        doc = json.loads(send(api, "GET", path).read())
        self._rv = doc["metadata"]["resourceVersion"]
        self._path = path
        self._thread = threading.Thread(target=self._run, name="bench-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        query = [("watch", "1"), ("resourceVersion", self._rv), ("timeoutSeconds", "1800")]
        rest = send(self.api, "GET", self._path, query=query, timeout=(5, 1900))
        self._resp = rest.response
        try:
            for line in iter_resp_lines(rest.response):
                if not line:
                    continue
                t = time.perf_counter()
                event = json.loads(line)
                obj = event["object"]
                if event["type"] not in ("ADDED", "MODIFIED"):
                    continue
                item = (
                    int(obj["metadata"]["resourceVersion"]),
                    obj["spec"].get("replicas", 1),
                    t,
                )
                with self.cond:
                    self.seen.setdefault(obj["metadata"]["name"], []).append(item)
                    self.cond.notify_all()
        except Exception:
            return  # closed by stop()

    def healed_at(self, name: str, after_rv: int, replicas: int, timeout: float) -> float | None:
        """When the watch saw `name` back at `replicas` in a version newer than after_rv."""

        def find() -> float | None:
            for rv, n, t in self.seen.get(name, []):
                if rv > after_rv and n == replicas:
                    return t
            return None

        with self.cond:
            self.cond.wait_for(lambda: find() is not None, timeout)
            return find()

    def stop(self) -> None:
        resp = self._resp
        if resp is not None:
            try:
                resp.shutdown()
                resp.close()
            except Exception:
                pass


def audited_heals(svc: Service, expected: int) -> list:
    """The heal records; the last one is written just after its apply, so wait for it."""

    def heals() -> list:
        return [x for x in svc.audit.records("heal") if x.action == "heal"]

    try:
        return wait_for(lambda: len(found := heals()) >= expected and found, "audit", 5)
    except TimeoutError:
        return heals()


def bench_heal(tmp: Path, kubeconfig: Path, api: client.ApiClient, sizes: Sizes) -> dict:
    ns = f"bench-heal-{uuid.uuid4().hex[:6]}"
    repo = BenchRepo(tmp / "heal-repo")
    names = [f"heal-{i:03d}" for i in range(sizes.drifts)]
    app = {"name": "heal", "path": "heal", "namespace": ns, "selfHeal": True}
    repo.write("gitops-tui.yaml", {"apps": [{**app, "prune": True, "createNamespace": True}]})
    repo.write_objects("heal", [deployment(n) for n in names])
    repo.commit("heal: deployments")
    svc = make_service(repo, kubeconfig, tmp / "cache-heal")
    watch = None
    try:
        progress(f"heal: syncing {len(names)} Deployments into {ns}")
        engine = svc.start_engine(elect=True)
        report = svc.sync("heal")
        if not report.ok:
            raise RuntimeError(f"heal sync failed: {report.errors}")
        wait_for(lambda: engine.is_leader, "leadership", 30)
        wait_for(
            lambda: on_reconciler(engine, lambda: engine.view("heal").sync_status == "Synced"),
            "the heal app to show Synced",
            60,
        )
        watch = DeploymentWatch(api, ns)
        apps = client.AppsV1Api(api)
        latencies, timeouts = [], 0
        for i, name in enumerate(names):
            start = time.perf_counter()  # from the moment the drifting request leaves
            scale = apps.patch_namespaced_deployment_scale(
                name, ns, {"spec": {"replicas": DRIFT_REPLICAS}}, field_manager="kubectl"
            )
            healed = watch.healed_at(
                name, int(scale.metadata.resource_version), GIT_REPLICAS, HEAL_DEADLINE
            )
            if healed is None:
                timeouts += 1
                latencies.append(HEAL_DEADLINE)
            else:
                latencies.append(healed - start)
            if (i + 1) % 10 == 0:
                progress(f"heal: {i + 1}/{len(names)} drifts, last {latencies[-1] * 1000:.0f} ms")
        heals = audited_heals(svc, len(names))
        flaps = [x for x in svc.audit.records("heal") if x.action == "flapping"]
        ms = [x * 1000 for x in latencies]
        return {
            "drifts": len(names),
            "deployments": len(names),
            "drifts_per_deployment": 1,
            "flap_limit": FLAP_LIMIT,
            "p50_ms": r(percentile(ms, 0.5), 1),
            "p95_ms": r(percentile(ms, 0.95), 1),
            "max_ms": r(max(ms), 1),
            "min_ms": r(min(ms), 1),
            "mean_ms": r(statistics.fmean(ms), 1),
            "timeouts": timeouts,
            "heals_audited": len(heals),
            "heals_naming_kubectl": sum("kubectl" in x.message for x in heals),
            "flap_backoffs": len(flaps),
            "measured": "from just before the scale request is sent until a raw watch "
            f"on the namespace delivers the Deployment at replicas={GIT_REPLICAS} again",
        }
    finally:
        if watch is not None:
            watch.stop()
        svc.close()


# ---- noop, diff, sync -------------------------------------------------------------------
@dataclass
class Fleet:
    repo: BenchRepo
    apps: list[str]
    ns: str
    ours_ns: str
    kubectl_ns: str


def write_fleet(tmp: Path, api: client.ApiClient, sizes: Sizes) -> Fleet:
    tag = uuid.uuid4().hex[:6]
    fleet = Fleet(
        BenchRepo(tmp / "fleet-repo"),
        [f"noop-{i:03d}" for i in range(sizes.apps)],
        create_namespace(api, f"bench-noop-{tag}"),
        create_namespace(api, f"bench-sync-ours-{tag}"),
        create_namespace(api, f"bench-sync-kubectl-{tag}"),
    )
    declared = [{"name": a, "path": f"apps/{a}", "namespace": fleet.ns} for a in fleet.apps]
    # Manifests carry no namespace: kubectl gets it from -n, the engine from the app.
    declared.append({"name": "sync-bench", "path": "sync", "namespace": fleet.ours_ns})
    fleet.repo.write("gitops-tui.yaml", {"apps": declared})
    for a in fleet.apps:
        fleet.repo.write_objects(f"apps/{a}", group_objects(a))
    groups = sizes.sync_objects // OBJECTS_PER_APP
    fleet.repo.write_objects("sync", [o for g in range(groups) for o in group_objects(f"s{g:02d}")])
    fleet.repo.commit("fleet")
    return fleet


class RequestLog:
    """Every request made through one ApiClient while installed: the counter of
    count_requests, and which thread sent what, as evidence when it is not zero."""

    def __init__(self, api: client.ApiClient) -> None:
        self.api = api
        self._saved = api.__dict__.get("call_api")
        self.counter = count_requests(api)
        self.requests: list[str] = []
        counted = api.call_api

        def traced(*args, **kwargs):
            method, url = (list(args) + [kwargs.get("method"), kwargs.get("url")])[:2]
            self.requests.append(f"{threading.current_thread().name}: {method} {url}")
            return counted(*args, **kwargs)

        api.call_api = traced  # type: ignore[method-assign]

    def remove(self) -> None:
        if self._saved is None:
            del self.api.call_api
        else:
            self.api.call_api = self._saved  # type: ignore[method-assign]


def sync_fleet(svc: Service, fleet: Fleet) -> dict:
    engine = svc.engine
    assert engine is not None
    start = time.perf_counter()
    failed = []
    for i, name in enumerate(fleet.apps):
        report = svc.sync(name)
        if not report.ok:
            failed.append(f"{name}: {report.errors[:2]}")
        if (i + 1) % 20 == 0:
            progress(f"noop: synced {i + 1}/{len(fleet.apps)} apps")
    synced = time.perf_counter() - start
    if failed:
        raise RuntimeError(f"sync failed: {failed[:3]}")

    def all_synced() -> bool:
        views = on_reconciler(engine, lambda: [engine.view(a) for a in fleet.apps])
        return all(v.sync_status == "Synced" for v in views)

    wait_for(all_synced, "every app to show Synced", 120, interval=0.2)
    return {
        "initial_sync_s": r(synced, 3),
        "initial_sync_objects_per_s": r(len(fleet.apps) * OBJECTS_PER_APP / synced, 1),
        "cache_shows_synced_after_s": r(time.perf_counter() - start, 3),
    }


def bench_noop(svc: Service, fleet: Fleet, sizes: Sizes) -> dict:
    engine = svc.engine
    assert engine is not None
    progress(f"noop: syncing {len(fleet.apps)} apps x {OBJECTS_PER_APP} objects")
    out = sync_fleet(svc, fleet)
    progress(f"noop: synced in {out['initial_sync_s']} s; timing {sizes.cycles} no-op cycles")

    def cycle() -> list[str]:
        return [engine.view(a).sync_status for a in fleet.apps]

    stats_before = dict(vars(engine.cache.stats))
    log = RequestLog(engine.api)
    times, statuses = [], []
    try:
        for _ in range(sizes.cycles):
            elapsed, statuses = timed(lambda: on_reconciler(engine, cycle))
            times.append(elapsed)
    finally:
        log.remove()
    out.update(
        {
            "apps": len(fleet.apps),
            "objects": len(fleet.apps) * OBJECTS_PER_APP,
            "cycle": "engine.view(app) for every app, on the reconciler thread",
            "cycles": len(times),
            "cycle_median_s": r(statistics.median(times)),
            "cycle_max_s": r(max(times)),
            "per_app_ms": r(statistics.median(times) / len(fleet.apps) * 1000, 3),
            "all_synced": all(s == "Synced" for s in statuses),
            "requests": log.counter.count,
            "requests_detail": log.requests[:20],
            "cache_stats_before": stats_before,
            "cache_stats_after": dict(vars(engine.cache.stats)),
            "engine_is_leader": engine.is_leader,
        }
    )
    return out


def kubectl(kubeconfig: Path, cache: Path, *args: str) -> list[str]:
    return ["kubectl", f"--kubeconfig={kubeconfig}", f"--cache-dir={cache}", *args]


@dataclass
class Run:
    wall_s: float
    cpu_s: float  # user + system time of the child: where kubectl's wall time goes
    stdout: str


def run_timed(cmd: list[str], ok: tuple[int, ...] = (0,)) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd[:6])}... exited {proc.returncode}: {proc.stderr[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(elapsed, cpu, proc.stdout)


def differing(kubectl_diff_output: str) -> int:
    """Objects in `kubectl diff` output: one `diff -u` header per object."""
    return sum(line.startswith("diff -u") for line in kubectl_diff_output.splitlines())


def drift(api: client.ApiClient, fleet: Fleet, apps: list[str]) -> int:
    """Per app: scale its Deployment and edit one ConfigMap, as two other managers."""
    core, apps_api = client.CoreV1Api(api), client.AppsV1Api(api)
    for a in apps:
        apps_api.patch_namespaced_deployment_scale(
            f"{a}-web", fleet.ns, {"spec": {"replicas": 2}}, field_manager="kubectl"
        )
        core.patch_namespaced_config_map(
            f"{a}-cm-00", fleet.ns, {"data": {"mode": "slow"}}, field_manager="kubectl-edit"
        )
    return 2 * len(apps)


def bench_diff(
    svc: Service, fleet: Fleet, api: client.ApiClient, kubeconfig: Path, tmp: Path, sizes: Sizes
) -> dict:
    engine = svc.engine
    assert engine is not None
    apps = fleet.apps[: sizes.diff_apps]
    drifted = drift(api, fleet, apps)

    def ours() -> list:
        return [d for a in apps for d in engine.diff(a)]

    def ours_cold() -> list:
        # As kubectl does it: every object compared afresh (the engine otherwise reuses
        # the diff of an object whose rendered and live dicts did not change) and the
        # unified text of each drifted object made.
        engine._diffs.clear()
        diffs = ours()
        for d in diffs:
            d.unified  # noqa: B018 (made on first read)
        return diffs

    def seen() -> bool:
        diffs = on_reconciler(engine, ours)
        return sum(str(d.status) == "OutOfSync" for d in diffs) == drifted

    wait_for(seen, f"the cache to show {drifted} drifted objects", 30, interval=0.02)
    progress(f"diff: {drifted} of {len(apps) * OBJECTS_PER_APP} objects drifted; timing")
    times = [timed(lambda: on_reconciler(engine, ours_cold))[0] for _ in range(sizes.diff_runs)]
    warm = [timed(lambda: on_reconciler(engine, ours))[0] for _ in range(sizes.diff_runs)]
    diffs = on_reconciler(engine, ours)
    files = [a for app in apps for a in ("-f", str(fleet.repo.work / "apps" / app))]
    # --force-conflicts: the drifted fields now belong to other managers; without it
    # kubectl's dry-run apply reports conflicts instead of a diff.
    cmd = kubectl(
        kubeconfig, tmp / "kube-cache", "diff", "--server-side", "--force-conflicts",
        "-n", fleet.ns, *files,
    )  # fmt: skip
    runs = [run_timed(cmd, ok=(0, 1)) for _ in range(sizes.kubectl_runs)]
    kube = [x.wall_s for x in runs]
    ours_s, kube_s = statistics.median(times), statistics.median(kube)
    return {
        "objects": len(diffs),
        "drifted": drifted,
        "ours_out_of_sync": sum(str(d.status) == "OutOfSync" for d in diffs),
        "kubectl_objects_differing": differing(runs[-1].stdout),
        "ours": "engine.diff(app) for the apps holding the objects, on the reconciler "
        "thread, every object compared afresh and each drifted object's unified text made",
        "ours_runs": len(times),
        "ours_median_s": r(ours_s, 5),
        "ours_unchanged_median_s": r(statistics.median(warm), 5),  # no object changed since
        # the last diff: what a repaint of the UI pays
        "kubectl": " ".join(cmd[3:6]) + " -n NS -f DIR...",
        "kubectl_runs_s": [r(t, 3) for t in kube],
        "kubectl_cpu_s": [r(x.cpu_s, 3) for x in runs],
        "kubectl_median_s": r(kube_s, 3),
        "ratio": r(kube_s / ours_s, 1),
    }


def bench_sync(svc: Service, fleet: Fleet, kubeconfig: Path, tmp: Path, sizes: Sizes) -> dict:
    ours = []
    for i in range(sizes.sync_runs):
        elapsed, report = timed(lambda: svc.sync("sync-bench"))
        if not report.ok:
            raise RuntimeError(f"sync-bench failed: {report.errors[:3]}")
        ours.append(elapsed)
        progress(f"sync: ours run {i + 1}: {elapsed:.2f} s ({len(report.applied)} objects)")
    cmd = kubectl(
        kubeconfig, tmp / "kube-cache", "apply", "--server-side", "--field-manager=kubectl-bench",
        "-n", fleet.kubectl_ns, "-f", str(fleet.repo.work / "sync"),
    )  # fmt: skip
    runs = []
    for i in range(sizes.sync_runs):
        runs.append(run_timed(cmd))
        progress(f"sync: kubectl run {i + 1}: {runs[-1].wall_s:.2f} s")
    # The same apply without kubectl's client-side schema validation (the server still
    # validates): shows how much of kubectl's time is its OpenAPI handling.
    lax = [run_timed([*cmd, "--validate=false"]) for _ in range(sizes.sync_runs)]
    kube = [x.wall_s for x in runs]
    ours_s, kube_s = statistics.median(ours), statistics.median(kube)
    return {
        "objects": len(report.applied),
        "namespaces": {"ours": fleet.ours_ns, "kubectl": fleet.kubectl_ns},
        "runs": "run 1 creates every object; runs 2 and later re-apply unchanged objects",
        "ours_runs_s": [r(t, 3) for t in ours],
        "kubectl_runs_s": [r(t, 3) for t in kube],
        "kubectl_cpu_s": [r(x.cpu_s, 3) for x in runs],
        "ours_median_s": r(ours_s, 3),
        "kubectl_median_s": r(kube_s, 3),
        "ours_first_s": r(ours[0], 3),
        "kubectl_first_s": r(kube[0], 3),
        "ratio": r(kube_s / ours_s, 2),
        "ratio_first_run": r(kube[0] / ours[0], 2),
        "kubectl": " ".join(cmd[3:6]) + " -n NS -f DIR",
        "kubectl_validate_false_runs_s": [r(x.wall_s, 3) for x in lax],
        "kubectl_validate_false_median_s": r(statistics.median(x.wall_s for x in lax), 3),
        "ratio_validate_false": r(statistics.median(x.wall_s for x in lax) / ours_s, 2),
    }


def bench_fleet(tmp: Path, kubeconfig: Path, api: client.ApiClient, sizes: Sizes) -> dict:
    fleet = write_fleet(tmp, api, sizes)
    # Not a leader: the lease renewals (a GET and a PUT every few seconds) are the
    # elector's, not the reconcile's, and must not be counted as no-op requests.
    svc = make_service(fleet.repo, kubeconfig, tmp / "cache-fleet")
    try:
        elapsed, _ = timed(lambda: svc.start_engine(elect=False))
        progress(f"fleet: engine started (render {len(fleet.apps) + 1} apps) in {elapsed:.2f} s")
        noop = bench_noop(svc, fleet, sizes)
        noop["engine_start_s"] = r(elapsed, 3)
        diff = bench_diff(svc, fleet, api, kubeconfig, tmp, sizes)
        progress(f"diff: ours {diff['ours_median_s']} s, kubectl {diff['kubectl_median_s']} s")
        sync = bench_sync(svc, fleet, kubeconfig, tmp, sizes)
        return {"noop": noop, "diff": diff, "sync": sync}
    finally:
        svc.close()


# ---- the run ---------------------------------------------------------------------------
def environment(kubeconfig: Path) -> dict:
    out = subprocess.run(
        ["kubectl", f"--kubeconfig={kubeconfig}", "version", "-o", "json"],
        capture_output=True,
        text=True,
    )
    try:
        v = json.loads(out.stdout)
        kube = {
            "kubectl": v["clientVersion"]["gitVersion"],
            "server": v.get("serverVersion", {}).get("gitVersion"),
        }
    except (ValueError, KeyError):
        kube = {"kubectl": out.stdout.strip() or out.stderr.strip()}
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **kube,
    }


def verdict(result: dict) -> dict:
    return {
        "heal_p95_ms": result["heal"]["p95_ms"] < GOALS["heal_p95_ms"],
        "noop_requests": result["noop"]["requests"] <= GOALS["noop_requests"],
        "diff_ratio_min": result["diff"]["ratio"] >= GOALS["diff_ratio_min"],
    }


@dataclass
class Cluster:
    local: LocalCluster
    api: client.ApiClient


@contextmanager
def cluster_up(tmp: Path) -> Iterator[Cluster]:
    local = LocalCluster(tmp / "cluster")
    try:
        local.up()
        api = config.new_client_from_config(config_file=str(local.kubeconfig))
        try:
            yield Cluster(local, api)
        finally:
            api.close()
    finally:
        local.down()


def run(sizes: Sizes, quick: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as d:
        tmp = Path(d)
        progress("starting the local control plane")
        with cluster_up(tmp) as cluster:
            kubeconfig = cluster.local.kubeconfig
            result: dict[str, Any] = {
                "mode": "quick" if quick else "full",
                "env": environment(kubeconfig),
            }
            progress(f"control plane up at {cluster.local.server}")
            result["heal"] = bench_heal(tmp, kubeconfig, cluster.api, sizes)
            progress(f"heal: p50 {result['heal']['p50_ms']} ms, p95 {result['heal']['p95_ms']} ms")
            result.update(bench_fleet(tmp, kubeconfig, cluster.api, sizes))
            result["goals"] = GOALS
            result["met"] = verdict(result)
            result["total_s"] = r(time.monotonic() - START, 1)
            return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 drifts, 10 apps / 200 objects")
    args = ap.parse_args(argv)
    result = run(QUICK if args.quick else FULL, args.quick)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
