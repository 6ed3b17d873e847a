"""The real Bitnami sealed-secrets controller as a local process on the local control plane.

The controller only knows in-cluster configuration: it reads the API server from
KUBERNETES_SERVICE_HOST/PORT and its token and CA from the fixed path
/var/run/secrets/kubernetes.io/serviceaccount. The process is therefore started in a
mount namespace of its own where a private directory is bind-mounted over /run, so
that path exists for it alone and nothing on the machine is touched.

To make `kubeseal`'s way of fetching the certificate (the API server's service proxy)
work without a kubelet, a selectorless Service gets manual Endpoints at this machine's
non-loopback address; the API server only proxies to an address that a Pod reports
as its own, so a Pod object standing for the controller process carries that IP in
its status.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import ipaddress
import os
import signal
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from kubernetes import client, config

from gitops_tui.cluster.request import ClusterUnreachable, call, send
from gitops_tui.localcluster.build import (
    SEALED_SECRETS_VERSION,
    SealedSecretsBinaries,
    ensure_sealed_secrets,
)
from gitops_tui.localcluster.launch import ClusterError, _die_with_parent

KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key"
CRD_NAME = "sealedsecrets.bitnami.com"
DEFAULT_NAME = "sealed-secrets-controller"
DEFAULT_NAMESPACE = "kube-system"
SERVICE_PORT = 8080
READY_TIMEOUT = 90.0

# Linux constants for unshare(2) and mount(2).
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_BIND = 0x1000
_MS_REC = 0x4000
_MS_PRIVATE = 0x40000
_SIOCGIFADDR = 0x8915


def host_ipv4() -> str | None:
    """This machine's first non-loopback, non-link-local IPv4 address (None if none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, ifname in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(
                    s.fileno(), _SIOCGIFADDR, struct.pack("256s", ifname.encode()[:15])
                )
            except OSError:  # no IPv4 address on this interface
                continue
            ip = ipaddress.ip_address(socket.inet_ntoa(packed[20:24]))
            if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified):
                return str(ip)
    return None


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _fail_in_child(what: str) -> None:
    # stderr is already the log file here: the parent shows its tail.
    err = ctypes.get_errno()
    os.write(2, f"gitops-tui: cannot {what}: {os.strerror(err)} (errno {err})\n".encode())
    raise OSError(err, what)


def _private_run(run_dir: str, target: str):
    """A preexec_fn: a mount namespace of the child's own with `run_dir` over `target`."""
    uid, gid = os.getuid(), os.getgid()

    def setup() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNS) != 0:
            # Not root: a user namespace of our own may own a mount namespace.
            if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS) != 0:
                _fail_in_child("create a mount namespace (unshare)")
            for name, text in (
                ("setgroups", "deny"),
                ("uid_map", f"0 {uid} 1"),
                ("gid_map", f"0 {gid} 1"),
            ):
                with open(f"/proc/self/{name}", "w") as f:
                    f.write(text)
        # Mounts made here must not propagate back to the machine's namespace.
        if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
            _fail_in_child("make / a private mount")
        if libc.mount(run_dir.encode(), target.encode(), None, _MS_BIND, None) != 0:
            _fail_in_child(f"bind-mount {run_dir} over {target}")
        # Last: set once the credentials no longer change.
        _die_with_parent()

    return setup


def crd_manifest() -> dict[str, Any]:
    """The CRD from the sealed-secrets module's Helm chart; the sample repo's otherwise."""
    try:
        gomodcache = subprocess.run(
            ["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
        chart = (
            Path(gomodcache)
            / f"github.com/bitnami/sealed-secrets@{SEALED_SECRETS_VERSION}"
            / "helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml"
        )
        return yaml.safe_load(chart.read_text())
    except (OSError, subprocess.SubprocessError, yaml.YAMLError):
        from gitops_tui.demo import SEALED_SECRET_CRD

        return yaml.safe_load(SEALED_SECRET_CRD)


def _exists(e: client.ApiException) -> bool:
    return e.status == 409


@dataclass
class SealedSecretsController:
    """One controller process for the cluster behind `kubeconfig`."""

    kubeconfig: Path
    workdir: Path
    namespace: str = DEFAULT_NAMESPACE
    name: str = DEFAULT_NAME
    binaries: SealedSecretsBinaries | None = None
    host: str = ""
    port: int = 0
    proc: subprocess.Popen | None = field(default=None, repr=False)
    exposed: bool = False
    _api: client.ApiClient | None = field(default=None, repr=False)

    # ---- addresses ------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def cert_url(self) -> str:
        return f"{self.url}/v1/cert.pem"

    @property
    def log(self) -> Path:
        return self.workdir / "controller.log"

    @property
    def api(self) -> client.ApiClient:
        if self._api is None:
            self._api = config.new_client_from_config(config_file=str(self.kubeconfig))
        return self._api

    # ---- lifecycle ------------------------------------------------------------------
    def start(self, timeout: float = READY_TIMEOUT) -> SealedSecretsController:
        """Install the CRD, start the controller, wait for its key and its cert."""
        deadline = time.monotonic() + timeout
        bins = self.binaries or ensure_sealed_secrets()
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self.install_crd(deadline)
            token = self._service_account()
        except (client.ApiException, ClusterUnreachable) as e:
            what = f"HTTP {e.status} {e.reason}" if isinstance(e, client.ApiException) else e
            raise ClusterError(f"cannot prepare the cluster for the controller: {what}") from None
        run_dir = self._write_in_cluster_files(token)
        # A non-loopback address, so that the API server may proxy to it (see expose()).
        self.host = host_ipv4() or "127.0.0.1"
        self.port = _free_port(self.host)
        server = urlsplit(self.api.configuration.host)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "KUBERNETES_SERVICE_HOST": server.hostname or "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": str(server.port or 443),
            # Where the controller keeps its keys (it would read it from the pod).
            "POD_NAMESPACE": self.namespace,
        }
        log = open(self.log, "ab")  # noqa: SIM115 - the child owns it
        try:
            self.proc = subprocess.Popen(
                [
                    str(bins.controller),
                    f"--listen-addr={self.host}:{self.port}",
                    f"--listen-metrics-addr=127.0.0.1:{_free_port('127.0.0.1')}",
                    # No rotation during a test run: one key, predictable.
                    "--key-renew-period=0",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
                preexec_fn=_private_run(str(run_dir), os.path.realpath("/var/run")),
            )
        except subprocess.SubprocessError as e:
            raise ClusterError(
                f"cannot start the sealed-secrets controller ({e}); {self._tail()}"
            ) from None
        finally:
            log.close()
        try:
            self._wait_ready(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace: float = 10.0) -> None:
        """Stop the controller's process group (SIGTERM, then SIGKILL)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(wait)
                break
        if self._api is not None:
            self._api.close()
            self._api = None

    def __enter__(self) -> SealedSecretsController:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- cluster objects ------------------------------------------------------------
    def install_crd(self, deadline: float) -> None:
        try:
            call(
                self.api,
                "POST",
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                body=crd_manifest(),
            )
        except client.ApiException as e:
            if not _exists(e):
                raise ClusterError(f"cannot create the SealedSecret CRD: HTTP {e.status}") from None
        path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{CRD_NAME}"
        while time.monotonic() < deadline:
            crd = call(self.api, "GET", path)
            conds = (crd.get("status") or {}).get("conditions") or []
            if any(c["type"] == "Established" and c["status"] == "True" for c in conds):
                return
            time.sleep(0.1)  # a poll interval, bounded by the deadline
        raise ClusterError(f"the CRD {CRD_NAME} was not established before the deadline")

    def _create(self, path: str, body: dict) -> None:
        try:
            call(self.api, "POST", path, body=body)
        except client.ApiException as e:
            if not _exists(e):
                raise ClusterError(
                    f"cannot create {body['kind']} {body['metadata']['name']}: "
                    f"HTTP {e.status} {e.reason}"
                ) from None

    def _service_account(self) -> str:
        """A service account with its RBAC, and a token for it (TokenRequest API)."""
        ns = self.namespace
        self._create(
            "/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
        )
        self._create(
            f"/api/v1/namespaces/{ns}/serviceaccounts",
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": self.name}},
        )
        # A throwaway cluster: cluster-admin instead of the chart's narrower roles.
        self._create(
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": f"gitops-tui-local-{ns}-{self.name}"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "cluster-admin",
                },
                "subjects": [{"kind": "ServiceAccount", "name": self.name, "namespace": ns}],
            },
        )
        answer = call(
            self.api,
            "POST",
            f"/api/v1/namespaces/{ns}/serviceaccounts/{self.name}/token",
            body={
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenRequest",
                "spec": {"expirationSeconds": 24 * 3600},
            },
        )
        return answer["status"]["token"]

    def _write_in_cluster_files(self, token: str) -> Path:
        """The directory that the controller sees as /run (so /var/run/secrets/...)."""
        run_dir = self.workdir / "run"
        sa = run_dir / "secrets" / "kubernetes.io" / "serviceaccount"
        sa.mkdir(parents=True, exist_ok=True)
        (sa / "token").write_text(token)
        (sa / "token").chmod(0o600)
        (sa / "namespace").write_text(self.namespace)
        ca = self.api.configuration.ssl_ca_cert
        if not ca:
            raise ClusterError(f"{self.kubeconfig} names no certificate authority file")
        (sa / "ca.crt").write_bytes(Path(ca).read_bytes())
        return run_dir

    def key_secrets(self) -> list[dict]:
        path = f"/api/v1/namespaces/{self.namespace}/secrets"
        return call(self.api, "GET", path, query=[("labelSelector", KEY_LABEL)])["items"]

    def _wait_ready(self, deadline: float) -> None:
        last = "no answer yet"
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise ClusterError(
                    f"the sealed-secrets controller exited with code {self.proc.returncode}; "
                    f"{self._tail()}"
                )
            try:
                with urllib.request.urlopen(self.cert_url, timeout=2) as resp:
                    if resp.status == 200 and b"CERTIFICATE" in resp.read():
                        if self.key_secrets():
                            return
                        last = "cert served, key Secret not listed yet"
            except urllib.error.HTTPError as e:
                last = f"HTTP {e.code}"
            except OSError as e:
                last = str(e)
            time.sleep(0.1)  # a poll interval, bounded by the deadline
        raise ClusterError(
            f"the sealed-secrets controller was not ready at {self.cert_url} before the "
            f"deadline ({last}); {self._tail()}"
        )

    def _tail(self, lines: int = 15) -> str:
        try:
            text = "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            text = ""
        return f"log {self.log}:\n{text}"

    # ---- the service proxy ----------------------------------------------------------
    def expose(self, timeout: float = 30.0) -> None:
        """A Service `name` in `namespace` that the API server proxies to this process.

        Raises ClusterError when the controller listens on loopback only: the API
        server refuses loopback endpoint addresses.
        """
        if ipaddress.ip_address(self.host).is_loopback:
            raise ClusterError(
                "no non-loopback IPv4 address on this machine: the API server cannot "
                "proxy to a loopback endpoint, fetch the cert from the controller URL"
            )
        try:
            self._expose()
        except client.ApiException as e:
            raise ClusterError(
                f"cannot set up the service proxy path: HTTP {e.status} {e.reason}"
            ) from None
        self._wait_proxied(time.monotonic() + timeout)
        self.exposed = True

    def _expose(self) -> None:
        ns, name = self.namespace, self.name
        pod = f"{name}-local"
        self._create(
            f"/api/v1/namespaces/{ns}/services",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "labels": {"app.kubernetes.io/name": name}},
                "spec": {"ports": [{"name": "http", "port": SERVICE_PORT, "protocol": "TCP"}]},
            },
        )
        self._create(
            f"/api/v1/namespaces/{ns}/pods",
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": pod, "labels": {"app.kubernetes.io/name": name}},
                "spec": {
                    "serviceAccountName": name,
                    "automountServiceAccountToken": False,
                    "containers": [
                        {
                            "name": "controller",
                            "image": f"docker.io/bitnami/sealed-secrets-controller:{SEALED_SECRETS_VERSION}",
                        }
                    ],
                },
            },
        )
        # What a kubelet would report for the pod: the address the process listens on.
        call(
            self.api,
            "PATCH",
            f"/api/v1/namespaces/{ns}/pods/{pod}/status",
            body={"status": {"podIP": self.host, "podIPs": [{"ip": self.host}]}},
            content_type="application/merge-patch+json",
        )
        endpoints = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": name},
            "subsets": [
                {
                    "addresses": [
                        {
                            "ip": self.host,
                            "targetRef": {"kind": "Pod", "namespace": ns, "name": pod},
                        }
                    ],
                    "ports": [{"name": "http", "port": self.port, "protocol": "TCP"}],
                }
            ],
        }
        try:
            call(self.api, "POST", f"/api/v1/namespaces/{ns}/endpoints", body=endpoints)
        except client.ApiException as e:
            if not _exists(e):
                raise ClusterError(
                    f"cannot create Endpoints {ns}/{name}: HTTP {e.status}"
                ) from None
            # Left by an earlier run: point it at this process.
            call(
                self.api,
                "PATCH",
                f"/api/v1/namespaces/{ns}/endpoints/{name}",
                body={"subsets": endpoints["subsets"]},
                content_type="application/merge-patch+json",
            )

    @property
    def proxy_path(self) -> str:
        return (
            f"/api/v1/namespaces/{self.namespace}/services/http:{self.name}:http/proxy/v1/cert.pem"
        )

    def _wait_proxied(self, deadline: float) -> None:
        last = "no answer yet"
        while time.monotonic() < deadline:
            resp = send(self.api, "GET", self.proxy_path)
            body = resp.read()
            if resp.status == 200 and b"CERTIFICATE" in body:
                return
            last = f"HTTP {resp.status}: {body[:200].decode(errors='replace')}"
            time.sleep(0.1)  # a poll interval, bounded by the deadline
        raise ClusterError(f"the API server does not proxy to the controller ({last})")

    def unexpose(self) -> None:
        """Delete the Service, Endpoints and stand-in Pod (best effort)."""
        ns, name = self.namespace, self.name
        for path in (
            f"/api/v1/namespaces/{ns}/services/{name}",
            f"/api/v1/namespaces/{ns}/endpoints/{name}",
            f"/api/v1/namespaces/{ns}/pods/{name}-local",
        ):
            with contextlib.suppress(client.ApiException):
                call(self.api, "DELETE", path)
        self.exposed = False
