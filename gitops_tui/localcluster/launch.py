"""Start and stop a real local control plane: etcd, kube-apiserver, kube-controller-manager.

Everything listens on loopback ports picked free at start. The state (ports, pids,
paths) is written to `state.json` in the cluster's directory, so that a later
`gitops-tui local-cluster down` in another process can stop what `up` started.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gitops_tui.localcluster import certs
from gitops_tui.localcluster.build import Binaries, ensure_binaries

CONTEXT = "gitops-tui-local"
READY_TIMEOUT = 60.0


class ClusterError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    # Linux only: the child is killed if the process that started it dies, so a
    # killed test run never leaves an API server behind. SIGKILL, not SIGTERM: with
    # etcd gone too, kube-apiserver's graceful shutdown can wait forever.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class State:
    dir: str
    etcd_port: int = 0
    etcd_peer_port: int = 0
    apiserver_port: int = 0
    pids: dict[str, int] = field(default_factory=dict)

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.apiserver_port}"


class LocalCluster:
    """One local control plane living in `dir` (certs, data, logs, kubeconfig)."""

    def __init__(self, dir: str | Path, binaries: Binaries | None = None) -> None:
        self.dir = Path(dir).resolve()
        self._binaries = binaries
        self.state = State(dir=str(self.dir))
        self._procs: dict[str, subprocess.Popen] = {}
        self._detached = False

    # paths -----------------------------------------------------------------
    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    @property
    def logs(self) -> Path:
        return self.dir / "logs"

    @property
    def server(self) -> str:
        return self.state.server

    @property
    def _state_file(self) -> Path:
        return self.dir / "state.json"

    @property
    def _certs(self) -> certs.CertPaths:
        return certs.CertPaths(self.dir / "pki")

    # lifecycle ---------------------------------------------------------------
    def up(self, detach: bool = False, timeout: float = READY_TIMEOUT) -> LocalCluster:
        """Start all three components and wait until the API server is ready."""
        if self.running():
            raise ClusterError(
                f"a local cluster already runs in {self.dir} (pids {self.state.pids})"
            )
        self._detached = detach
        bins = self._binaries or ensure_binaries()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        if not self._certs.admin_crt.exists():
            certs.generate(self._certs.dir)
        self.state.etcd_port, self.state.etcd_peer_port = free_port(), free_port()
        self.state.apiserver_port = free_port()
        deadline = time.monotonic() + timeout
        try:
            self._start_etcd(bins)
            self._wait(
                "etcd", f"http://127.0.0.1:{self.state.etcd_port}/health", deadline, tls=False
            )
            self.start_apiserver(bins, deadline)
            self._write_kubeconfig()
            self._start_controller_manager(bins)
        except BaseException:
            self.down()
            raise
        self._save()
        return self

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=None if self._detached else _die_with_parent,
        )
        log.close()
        self._procs[name] = proc
        self.state.pids[name] = proc.pid
        self._save()

    def _start_etcd(self, bins: Binaries) -> None:
        s = self.state
        self._spawn(
            "etcd",
            [
                str(bins.etcd),
                "--name=local",
                f"--data-dir={self.dir / 'etcd-data'}",
                f"--listen-client-urls=http://127.0.0.1:{s.etcd_port}",
                f"--advertise-client-urls=http://127.0.0.1:{s.etcd_port}",
                f"--listen-peer-urls=http://127.0.0.1:{s.etcd_peer_port}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{s.etcd_peer_port}",
                f"--initial-cluster=local=http://127.0.0.1:{s.etcd_peer_port}",
                # A throwaway cluster: speed over durability.
                "--unsafe-no-fsync",
                "--log-level=warn",
            ],
        )

    def start_apiserver(self, bins: Binaries | None = None, deadline: float | None = None) -> None:
        """Start (or restart) kube-apiserver on the same port, and wait for /readyz."""
        bins = bins or self._binaries or ensure_binaries()
        deadline = deadline or time.monotonic() + READY_TIMEOUT
        c = self._certs
        self._spawn(
            "kube-apiserver",
            [
                str(bins.kube_apiserver),
                f"--etcd-servers=http://127.0.0.1:{self.state.etcd_port}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={self.state.apiserver_port}",
                f"--cert-dir={self.dir / 'pki'}",
                f"--tls-cert-file={c.apiserver_crt}",
                f"--tls-private-key-file={c.apiserver_key}",
                f"--client-ca-file={c.client_ca_crt}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={c.sa_pub}",
                f"--service-account-signing-key-file={c.sa_key}",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--authorization-mode=RBAC",
                "--profiling=false",
            ],
        )
        self._wait("kube-apiserver", f"{self.server}/readyz", deadline, tls=True)

    def stop_apiserver(self) -> None:
        """Stop only kube-apiserver (to test how clients ride out an outage)."""
        self._stop("kube-apiserver")
        self._save()

    def stop_etcd(self) -> None:
        """Stop only etcd, its data kept (the API server then fails every request)."""
        self._stop("etcd")
        self._save()

    def start_etcd(self, deadline: float | None = None) -> None:
        """Start etcd again on its ports and data, and wait until it is healthy."""
        bins = self._binaries or ensure_binaries()
        deadline = deadline or time.monotonic() + READY_TIMEOUT
        self._start_etcd(bins)
        self._wait("etcd", f"http://127.0.0.1:{self.state.etcd_port}/health", deadline, tls=False)

    def _start_controller_manager(self, bins: Binaries) -> None:
        c = self._certs
        self._spawn(
            "kube-controller-manager",
            [
                str(bins.kube_controller_manager),
                f"--kubeconfig={self.kubeconfig}",
                f"--authentication-kubeconfig={self.kubeconfig}",
                f"--authorization-kubeconfig={self.kubeconfig}",
                "--bind-address=127.0.0.1",
                "--secure-port=0",
                "--leader-elect=false",
                f"--service-account-private-key-file={c.sa_key}",
                f"--root-ca-file={c.ca_crt}",
                "--profiling=false",
            ],
        )

    def _ssl_context(self) -> ssl.SSLContext:
        c = self._certs
        ctx = ssl.create_default_context(cafile=str(c.ca_crt))
        ctx.load_cert_chain(str(c.admin_crt), str(c.admin_key))
        return ctx

    def _wait(self, name: str, url: str, deadline: float, tls: bool) -> None:
        ctx = self._ssl_context() if tls else None
        last = "no answer yet"
        while time.monotonic() < deadline:
            proc = self._procs.get(name)
            if proc is not None and proc.poll() is not None:
                raise ClusterError(
                    f"{name} exited with code {proc.returncode} during startup; "
                    f"see {self.logs / (name + '.log')}:\n{self._tail(name)}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2, context=ctx) as resp:
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}"
            except urllib.error.HTTPError as e:
                last = f"HTTP {e.code}"
            except (OSError, urllib.error.URLError) as e:
                last = str(e)
            time.sleep(0.1)  # a poll interval, bounded by the deadline
        raise ClusterError(
            f"{name} was not ready at {url} before the deadline ({last}); "
            f"logs in {self.logs}:\n{self._tail(name)}"
        )

    def _tail(self, name: str, lines: int = 15) -> str:
        try:
            return "\n".join(
                (self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-lines:]
            )
        except OSError:
            return ""

    def _write_kubeconfig(self) -> None:
        c = self._certs
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": CONTEXT,
                    "cluster": {"server": self.server, "certificate-authority": str(c.ca_crt)},
                }
            ],
            "users": [
                {
                    "name": "admin",
                    "user": {
                        "client-certificate": str(c.admin_crt),
                        "client-key": str(c.admin_key),
                    },
                }
            ],
            "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": "admin"}}],
            "current-context": CONTEXT,
        }
        # JSON is valid YAML, and every kubeconfig reader accepts it.
        self.kubeconfig.write_text(json.dumps(config, indent=2))
        self.kubeconfig.chmod(0o600)

    def _save(self) -> None:
        self._state_file.write_text(json.dumps(asdict(self.state), indent=2))

    @classmethod
    def attach(cls, dir: str | Path) -> LocalCluster:
        """The cluster that an earlier `up` (maybe in another process) left in `dir`."""
        cluster = cls(dir)
        try:
            data = json.loads(cluster._state_file.read_text())
        except FileNotFoundError:
            return cluster
        cluster.state = State(**data)
        return cluster

    def running(self) -> bool:
        """Every component is alive (a half-dead cluster is not running: down() it)."""
        pids = self.state.pids.values()
        return bool(pids) and all(_alive(pid) for pid in pids)

    def _stop(self, name: str, grace: float = 10.0) -> None:
        pid = self.state.pids.pop(name, None)
        proc = self._procs.pop(name, None)
        if pid is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                # Each component leads its own process group: this also stops its children.
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if proc is not None:
                    if proc.poll() is not None:
                        return
                elif not _alive(pid):
                    return
                time.sleep(0.05)

    def down(self) -> None:
        """Stop every process this cluster started, newest first."""
        for name in ("kube-controller-manager", "kube-apiserver", "etcd"):
            self._stop(name)
        if self.dir.exists():
            self._save()

    def __enter__(self) -> LocalCluster:
        return self if self.running() else self.up()

    def __exit__(self, *exc) -> None:
        self.down()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie of ours still answers kill(0); reap it if it is our child.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def default_dir() -> Path:
    from gitops_tui.localcluster.build import cache_root

    return cache_root() / "local-cluster"
