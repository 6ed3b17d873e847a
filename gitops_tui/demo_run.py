"""`gitops-tui demo`: a local control plane, the sample repository, and the TUI on both."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from gitops_tui.config import Settings
from gitops_tui.demo import write_sample_repo
from gitops_tui.localcluster import LocalCluster, default_dir


def prepare(workdir: Path) -> tuple[Path, Path]:
    """The sample repo as a bare 'remote' (reverts push there) and its work tree."""
    work = write_sample_repo(workdir / "gitops-work")
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
        print(f"  {name}: {state}", file=sys.stderr)


def run_demo(dir: Path | None = None) -> int:
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
    _, origin = prepare(workdir)
    print(f"sample repository: {origin}\nkubeconfig: {cluster.kubeconfig}", file=sys.stderr)
    service = Service(
        Settings(repo=str(origin), kubeconfig=cluster.kubeconfig, cache=workdir / "cache")
    )
    try:
        sync_all(service)
        GitOpsApp(service).run()
    finally:
        service.close()
        if started:
            cluster.down()
    return 0
