"""`gitops-tui demo`: a local control plane, the sample repository, and the TUI on both."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from gitops_tui.config import Settings
from gitops_tui.demo import write_sample_repo
from gitops_tui.localcluster import LocalCluster, default_dir
from gitops_tui.text import echo


def prepare(workdir: Path, public_key=None) -> tuple[Path, Path]:
    """The sample repo as a bare 'remote' (reverts push there) and its work tree."""
    work = write_sample_repo(workdir / "gitops-work", public_key)
    origin = workdir / "gitops.git"
    if not origin.exists():
        subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(origin)], check=True)
    return work, origin


def sync_all(service) -> None:
    """Start synced, as a cluster that has run for a while would be: platform first
    (namespaces, the SealedSecret CRD), then the services."""
    service.start_engine(elect=True)
    names = sorted(a.name for a in service.apps().apps)
    for name in sorted(names, key=lambda n: n != "platform"):
        report = service.sync(name)
        state = "synced" if report.ok else "failed: " + "; ".join(report.errors)
        echo(f"  {name}: {state}", err=True)


def start_controller(cluster: LocalCluster, workdir: Path):
    """The real sealed-secrets controller, so that `e` seals for a controller that
    unseals; the demo goes on without it, saying why."""
    from gitops_tui.localcluster.build import BuildError, ensure_sealed_secrets
    from gitops_tui.localcluster.sealedsecrets import SealedSecretsController

    try:
        controller = SealedSecretsController(
            cluster.kubeconfig, workdir / "sealed-secrets", binaries=ensure_sealed_secrets()
        ).start()
    except (BuildError, RuntimeError, OSError) as e:
        echo(f"sealed-secrets controller not started: {e}", err=True)
        return None
    try:
        controller.expose()  # the API server's service proxy, as kubeseal uses
    except (RuntimeError, OSError) as e:
        echo(f"controller reachable at {controller.url} only: {e}", err=True)
    return controller


def run_demo(dir: Path | None = None) -> int:
    from gitops_tui.secrets.cert import open_cert
    from gitops_tui.service import Service
    from gitops_tui.tui.app import GitOpsApp

    workdir = Path(dir or tempfile.mkdtemp(prefix="gitops-tui-demo-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    cluster = LocalCluster.attach(default_dir().parent / "demo-cluster")
    started = not cluster.running()
    if started:
        cluster.down()  # whatever a killed earlier demo left half-running
        print("starting the local control plane…", file=sys.stderr)
        cluster = LocalCluster(cluster.dir).up()
    (workdir / "sealed-secrets").mkdir(exist_ok=True)
    controller = start_controller(cluster, workdir)
    cert = None
    if controller is not None:
        cert = None if controller.exposed else controller.cert_url
        public_key = open_cert(controller.cert_url).public_key
    _, origin = prepare(workdir, public_key if controller is not None else None)
    print(f"sample repository: {origin}\nkubeconfig: {cluster.kubeconfig}", file=sys.stderr)
    service = Service(
        Settings(
            repo=str(origin),
            kubeconfig=cluster.kubeconfig,
            cache=workdir / "cache",
            sealed_cert=cert,
        )
    )
    try:
        sync_all(service)
        GitOpsApp(service).run()
    finally:
        service.close()
        if controller is not None:
            controller.stop()
        if started:
            cluster.down()
    return 0
