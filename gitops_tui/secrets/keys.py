"""The controller's private keys, for unsealing: from the cluster or from a backup file.

Key material is never logged, never put in a message and never written anywhere:
errors name a Secret or a file, nothing more.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from kubernetes import client

from gitops_tui.cluster.request import call
from gitops_tui.errors import GitOpsError

KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key"
LEGACY_KEY_NAME = "sealed-secrets-key"  # read by the controller too, label or not
DEFAULT_CONTROLLER_NAMESPACE = "kube-system"
_PEM_KEY = re.compile(
    rb"-----BEGIN (?:RSA )?PRIVATE KEY-----.+?-----END (?:RSA )?PRIVATE KEY-----", re.DOTALL
)


class PrivateKeyError(GitOpsError):
    """No usable private key (the message names where we looked, never the material)."""


def fingerprint(public_key: rsa.RSAPublicKey) -> str:
    """SHA-256 of the DER public key, hex: kubeseal's PublicKeyFingerprint."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


@dataclass(frozen=True)
class PrivateKey:
    name: str  # the Secret's name, or the file (and block) it came from
    key: rsa.RSAPrivateKey = field(repr=False, compare=False)
    created: dt.datetime | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key.public_key())


def _load_pem(pem: bytes) -> rsa.RSAPrivateKey | None:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, rsa.RSAPrivateKey) else None


def _created(meta: dict[str, Any]) -> dt.datetime | None:
    stamp = meta.get("creationTimestamp")
    if not isinstance(stamp, str):
        return None
    try:
        return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _from_secret(secret: dict[str, Any]) -> PrivateKey | None:
    meta = secret.get("metadata") or {}
    data = secret.get("data") or {}
    try:
        pem = base64.b64decode(data.get("tls.key") or "", validate=True)
    except (binascii.Error, ValueError, TypeError):
        return None
    key = _load_pem(pem) if pem else None
    if key is None:
        return None
    return PrivateKey(meta.get("name") or "(unnamed Secret)", key, _created(meta))


def newest_first(keys: list[PrivateKey]) -> list[PrivateKey]:
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(keys, key=lambda k: k.created or epoch, reverse=True)


def keys_from_cluster(
    api: client.ApiClient, namespace: str = DEFAULT_CONTROLLER_NAMESPACE
) -> list[PrivateKey]:
    """The controller's keys (Secrets labelled sealed-secrets-key), newest first."""
    server = api.configuration.host
    base = f"/api/v1/namespaces/{namespace}/secrets"
    try:
        items = call(api, "GET", base, query=[("labelSelector", KEY_LABEL)])["items"]
        try:
            items.append(call(api, "GET", f"{base}/{LEGACY_KEY_NAME}"))
        except client.ApiException as e:
            if e.status != 404:
                raise
    except client.ApiException as e:
        # Only the status: an error body is no place to look for key material anyway.
        raise PrivateKeyError(
            f"cannot read the sealing keys (Secrets in {namespace}) on {server}: "
            f"HTTP {e.status} {e.reason}; pass a key file with --key"
        ) from None
    keys, unreadable = [], []
    for item in items:
        key = _from_secret(item)
        if key is None:
            unreadable.append((item.get("metadata") or {}).get("name", "?"))
        elif key.name not in {k.name for k in keys}:
            keys.append(key)
    if not keys:
        hint = f" ({', '.join(unreadable)} hold no RSA tls.key)" if unreadable else ""
        raise PrivateKeyError(
            f"no sealed-secrets private keys in namespace {namespace} on {server}{hint}: "
            f"Secrets labelled {KEY_LABEL}; is the controller elsewhere (--controller-namespace)?"
        )
    return newest_first(keys)


def keys_from_file(path: str | Path) -> list[PrivateKey]:
    """PEM private keys, or a backup of the key Secrets (a Secret, a List, YAML or JSON),
    as `kubeseal --recovery-private-key` accepts."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise PrivateKeyError(f"cannot read the key file {path}: {e.strerror}") from None
    blocks = _PEM_KEY.findall(data)
    if blocks:
        keys = [_load_pem(b) for b in blocks]
        if any(k is None for k in keys):
            raise PrivateKeyError(f"{path}: a PEM block is not an unencrypted RSA private key")
        many = len(keys) > 1
        return [
            PrivateKey(f"{path.name}#{i + 1}" if many else path.name, k)
            for i, k in enumerate(keys)
            if k is not None
        ]
    try:
        docs = [d for d in yaml.safe_load_all(data) if d is not None]
    except yaml.YAMLError:
        docs = []
    secrets: list[dict] = []
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind", "").endswith("List"):
            secrets += [i for i in doc.get("items") or [] if isinstance(i, dict)]
        elif isinstance(doc, dict):
            secrets.append(doc)
    keys = [k for k in (_from_secret(s) for s in secrets) if k is not None]
    if not keys:
        # Never the parser's message: it could quote the file's content.
        raise PrivateKeyError(
            f"{path}: neither a PEM RSA private key nor a Secret backup with tls.key"
        )
    return newest_first(keys)


def keys_from_files(paths: list[str | Path]) -> list[PrivateKey]:
    keys: list[PrivateKey] = []
    for p in paths:
        keys += keys_from_file(p)
    return keys
