"""The controller's public certificate, the key every value is sealed with.

From the cluster it is fetched the way kubeseal does: the port name of the Service
`<controller-name>` in `<controller-namespace>`, then the API server's service proxy
GET /api/v1/namespaces/{ns}/services/http:{name}:{port}/proxy/v1/cert.pem. It may
also come from a PEM file or an http(s) URL. A fetched cert is cached on disk (it is
public) per cluster server and controller, and used when the controller cannot be
reached, with a warning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from kubernetes import client

from gitops_tui.cluster.request import ClusterUnreachable, call, send
from gitops_tui.errors import GitOpsError
from gitops_tui.secrets.crypto import WeakKeyError, check_key
from gitops_tui.secrets.keys import DEFAULT_CONTROLLER_NAMESPACE, fingerprint

DEFAULT_CONTROLLER_NAME = "sealed-secrets-controller"
EXPIRY_WARNING = dt.timedelta(days=30)
FETCH_TIMEOUT = 10.0


class CertError(GitOpsError):
    """The sealing certificate is missing, unreadable or expired."""


class NoController(CertError):
    """No sealed-secrets controller Service where we looked."""


@dataclass(frozen=True)
class Controller:
    name: str = DEFAULT_CONTROLLER_NAME
    namespace: str = DEFAULT_CONTROLLER_NAMESPACE

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ControllerCert:
    pem: bytes = field(repr=False)
    source: str
    not_after: dt.datetime
    fingerprint: str  # of the public key, as kubeseal prints it
    from_cache: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.pem)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        key = self.certificate.public_key()
        assert isinstance(key, rsa.RSAPublicKey)  # checked by parse_cert
        return key


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def parse_cert(
    pem: bytes, source: str, now: dt.datetime | None = None, from_cache: bool = False
) -> ControllerCert:
    """Check a PEM certificate: RSA, not expired; a warning when it expires soon."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise CertError(f"{source} is not a PEM certificate") from None
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise CertError(f"the certificate from {source} has no RSA public key")
    try:
        check_key(key, f"the certificate from {source}")
    except WeakKeyError as e:
        raise CertError(str(e)) from None
    not_after = cert.not_valid_after_utc
    not_before = cert.not_valid_before_utc
    now = _now(now)
    if not_after <= now:
        raise CertError(
            f"the sealing certificate from {source} expired on {not_after:%Y-%m-%d %H:%M} UTC; "
            "fetch the controller's current certificate"
        )
    warnings: list[str] = []
    if not_before > now:
        # Sealing still works; a certificate from the future means a clock is off,
        # here or where it was made.
        warnings.append(
            f"the sealing certificate from {source} is not valid until "
            f"{not_before:%Y-%m-%d %H:%M} UTC (is a clock wrong?)"
        )
    if not_after - now < EXPIRY_WARNING:
        days = (not_after - now).days
        warnings.append(
            f"the sealing certificate from {source} expires on {not_after:%Y-%m-%d} "
            f"(in {days} day{'s' if days != 1 else ''})"
        )
    return ControllerCert(
        pem=pem,
        source=source,
        not_after=not_after,
        fingerprint=fingerprint(key),
        from_cache=from_cache,
        warnings=tuple(warnings),
    )


def cert_from_file(path: str | Path, now: dt.datetime | None = None) -> ControllerCert:
    path = Path(path)
    try:
        pem = path.read_bytes()
    except OSError as e:
        raise CertError(f"cannot read the certificate {path}: {e.strerror}") from None
    return parse_cert(pem, str(path), now)


def cert_from_url(
    url: str, now: dt.datetime | None = None, timeout: float = FETCH_TIMEOUT
) -> ControllerCert:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return cert_from_file(parts.path, now)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            pem = resp.read()
    except urllib.error.HTTPError as e:
        raise CertError(f"cannot fetch the certificate from {url}: HTTP {e.code}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise CertError(f"cannot fetch the certificate from {url}: {reason}") from None
    return parse_cert(pem, url, now)


def is_url(spec: str) -> bool:
    return urlsplit(spec).scheme in ("http", "https", "file")


# ---- from the cluster -----------------------------------------------------------------
def cache_path(cache: Path, server: str, controller: Controller) -> Path:
    key = hashlib.sha256(f"{server}|{controller.namespace}|{controller.name}".encode())
    return cache / "sealed-secrets" / "certs" / f"{key.hexdigest()[:20]}.pem"


def _write_cache(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pem)
    os.replace(tmp, path)


def _from_cache(path: Path, why: str, now: dt.datetime | None) -> ControllerCert | None:
    try:
        pem = path.read_bytes()
        fetched = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    except OSError:
        return None
    try:
        cert = parse_cert(pem, f"the cache ({path})", now, from_cache=True)
    except CertError:
        return None  # an expired or damaged cache entry is no fallback
    note = f"using the certificate cached on {fetched:%Y-%m-%d %H:%M} UTC: {why}"
    return ControllerCert(
        pem=cert.pem,
        source=cert.source,
        not_after=cert.not_after,
        fingerprint=cert.fingerprint,
        from_cache=True,
        warnings=(*cert.warnings, note),
    )


def _api_status(body: bytes) -> dict | None:
    """The API server's own Status answer (not one relayed from the controller)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and doc.get("kind") == "Status" else None


def _status_message(body: bytes) -> str:
    status = _api_status(body)
    if status is not None:
        return str(status.get("message") or "")[:200]
    return body[:200].decode(errors="replace").strip()


def cert_from_cluster(
    api: client.ApiClient,
    controller: Controller = Controller(),
    cache: Path | None = None,
    now: dt.datetime | None = None,
    max_age: dt.timedelta | None = None,
) -> ControllerCert:
    """Fetch through the service proxy; with `max_age`, a fresh enough cached cert is
    used without asking the cluster. On an unreachable controller, the cached cert."""
    server = api.configuration.host
    cached_at = cache_path(cache, server, controller) if cache else None
    if cached_at and max_age is not None:
        try:
            age = _now(now) - dt.datetime.fromtimestamp(cached_at.stat().st_mtime, dt.UTC)
        except OSError:
            age = None
        if age is not None and age <= max_age:
            try:
                return parse_cert(cached_at.read_bytes(), f"the cache ({cached_at})", now, True)
            except (CertError, OSError):
                pass

    def fallback(why: str) -> ControllerCert:
        cached = _from_cache(cached_at, why, now) if cached_at else None
        if cached is None:
            raise CertError(f"cannot fetch the sealing certificate: {why}")
        return cached

    ns, name = controller.namespace, controller.name
    try:
        service = call(api, "GET", f"/api/v1/namespaces/{ns}/services/{name}")
    except ClusterUnreachable as e:
        return fallback(str(e))
    except client.ApiException as e:
        if e.status == 404:
            raise NoController(
                f"no sealed-secrets controller found: no Service {name} in namespace {ns} "
                f"on {server} (set --controller-name / --controller-namespace)"
            ) from None
        raise CertError(
            f"cannot read the Service {ns}/{name} on {server}: HTTP {e.status} {e.reason}"
        ) from None
    ports = (service.get("spec") or {}).get("ports") or []
    if not ports:
        raise NoController(f"the Service {ns}/{name} on {server} has no ports")
    # kubeseal proxies to the Service's first port, by name.
    port = ports[0].get("name") or ""
    path = f"/api/v1/namespaces/{ns}/services/http:{name}:{port}/proxy/v1/cert.pem"
    try:
        resp = send(api, "GET", path)
        body = resp.read()
    except ClusterUnreachable as e:
        return fallback(str(e))
    if resp.status != 200:
        why = f"the controller {ns}/{name} answered HTTP {resp.status}"
        if detail := _status_message(body):
            why += f": {detail}"
        # The API server's 404 here means the Service has no Endpoints: nothing runs.
        if resp.status == 404 and _api_status(body) is not None:
            why = f"the Service {ns}/{name} has no endpoints (is the controller running?)"
            return fallback(why)
        if resp.status >= 500:
            return fallback(why)
        raise CertError(f"cannot fetch the sealing certificate: {why}")
    cert = parse_cert(body, f"the controller {ns}/{name} on {server}", now)
    if cached_at:
        _write_cache(cached_at, body)
    return cert


def open_cert(
    spec: str | None,
    *,
    api: client.ApiClient | None = None,
    controller: Controller = Controller(),
    cache: Path | None = None,
    now: dt.datetime | None = None,
) -> ControllerCert:
    """`--cert` semantics: a URL or a PEM file when given, else the cluster's controller."""
    if spec:
        return cert_from_url(spec, now) if is_url(spec) else cert_from_file(spec, now)
    if api is None:
        raise CertError("no certificate given and no cluster to fetch it from")
    return cert_from_cluster(api, controller, cache, now)
