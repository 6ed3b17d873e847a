"""Operators as separate processes: `gitops-tui reconcile` daemons and CLI commands,
each with its own cache and audit log, on one control namespace of the real cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from kubernetes import client

from gitops_tui.audit import AuditLog, AuditRecord
from gitops_tui.config import Settings
from gitops_tui.reconcile.leader import LEASE_NAME
from gitops_tui.service import Service
from tests.support import Repo

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Daemon:
    proc: subprocess.Popen
    log: Path
    audit_log: AuditLog

    @property
    def pid(self) -> int:
        return self.proc.pid

    def audit(self, app: str | None = None) -> list[AuditRecord]:
        return self.audit_log.records(app)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no release of the Lease, no cleanup at all
        self.proc.wait(10)


@dataclass
class Operators:
    """Processes and in-process services sharing one repository and control namespace."""

    repo: Repo
    kubeconfig: Path
    api: client.ApiClient
    root: Path
    control: str = field(default_factory=lambda: f"ctl-{uuid.uuid4().hex[:8]}")
    daemons: list[Daemon] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)

    def _env(self, name: str) -> dict[str, str]:
        return dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            GITOPS_TUI_CACHE=str(self.root / f"cache-{name}"),
            PYTHONUNBUFFERED="1",
        )

    def _common(self, kubeconfig: Path | None = None) -> list[str]:
        return [
            "--repo", str(self.repo.origin),
            "--kubeconfig", str(kubeconfig or self.kubeconfig),
            "--namespace", self.control,
        ]  # fmt: skip

    def cli(self, *argv: str, name: str = "cli") -> subprocess.CompletedProcess:
        """One `gitops-tui` command in a process of its own."""
        cmd = [sys.executable, "-m", "gitops_tui.cli", *argv, *self._common()]
        return subprocess.run(
            cmd, env=self._env(name), capture_output=True, text=True, timeout=120, cwd=ROOT
        )

    def cli_start(self, *argv: str, name: str = "cli") -> subprocess.Popen:
        cmd = [sys.executable, "-m", "gitops_tui.cli", *argv, *self._common()]
        return subprocess.Popen(
            cmd, env=self._env(name), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
        )

    def daemon(
        self, name: str = "daemon", interval: float = 600, kubeconfig: Path | None = None
    ) -> Daemon:
        """`gitops-tui reconcile`: a long fetch interval, so that nothing it does comes
        from a periodic full cycle."""
        log = self.root / f"{name}.log"
        cmd = [sys.executable, "-m", "gitops_tui.cli", "reconcile", "--interval", str(interval)]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*cmd, *self._common(kubeconfig)],
                env=self._env(name),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        daemon = Daemon(proc, log, AuditLog(self.root / f"cache-{name}" / "audit.jsonl"))
        self.daemons.append(daemon)
        return daemon

    def service(self, name: str, kubeconfig: Path | None = None) -> Service:
        svc = Service(
            Settings(
                repo=str(self.repo.origin),
                kubeconfig=kubeconfig or self.kubeconfig,
                control_namespace=self.control,
                cache=self.root / f"cache-{name}",
            )
        )
        self.services.append(svc)
        return svc

    def holder(self) -> str:
        try:
            lease = client.CoordinationV1Api(self.api).read_namespaced_lease(
                LEASE_NAME, self.control
            )
        except client.ApiException:
            return ""
        return lease.spec.holder_identity or ""

    def wait_leading(self, daemon: Daemon, deadline: float = 30.0) -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if f"#{daemon.pid}-" in self.holder():
                return
            if daemon.proc.poll() is not None:
                pytest.fail(f"the daemon exited ({daemon.proc.returncode}): {daemon.output()}")
            time.sleep(0.05)
        pytest.fail(f"the daemon did not lead within {deadline}s: {daemon.output()}")

    def close(self) -> None:
        for svc in self.services:
            svc.close()
        for daemon in self.daemons:
            daemon.stop()


@pytest.fixture
def operators(repo: Repo, kubeconfig: Path, api_client, tmp_path: Path):
    ops = Operators(repo, kubeconfig, api_client, tmp_path)
    yield ops
    ops.close()
