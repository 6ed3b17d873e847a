"""Sealed secrets against the real Bitnami controller and kubeseal v0.40.0.

The controller runs as a local process on the local control plane (see
gitops_tui/localcluster/sealedsecrets.py); its cert is fetched the way kubeseal does,
through the API server's service proxy.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import io
import logging
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from kubernetes import client

from gitops_tui.cli import main
from gitops_tui.cluster.request import call
from gitops_tui.config import cache_dir
from gitops_tui.git.repo import GitRepo
from gitops_tui.git.revert import Identity, PushRejected
from gitops_tui.secrets.cert import CertError, Controller, cache_path, cert_from_cluster
from gitops_tui.secrets.commit import FileChanged, blob_id, commit_sealed_secret
from gitops_tui.secrets.keys import keys_from_cluster
from gitops_tui.secrets.sealedsecret import (
    CLUSTER_WIDE_ANNOTATION,
    NAMESPACE_WIDE_ANNOTATION,
    SealedSecret,
)
from tests.support import Repo, Running, git, poll, unavailable

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEADLINE = 30.0
REVIEWER = Identity("Rita Reviewer", "rita@example.com")


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("GITOPS_TUI_CACHE", str(tmp_path / "cache"))

    def run(*argv: str, stdin: bytes | None = None) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main([str(a) for a in argv])
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return run


def one_line_error(r: Result, *fragments: str) -> None:
    assert r.code == 1, (r.out, r.err)
    assert r.err.startswith("error: ") and r.err.count("\n") == 1, r.err
    assert "Traceback" not in r.err
    for fragment in fragments:
        assert fragment in r.err, r.err


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def create_sealed_secret(api, doc: dict) -> None:
    ns = doc["metadata"]["namespace"]
    call(api, "POST", f"/apis/bitnami.com/v1alpha1/namespaces/{ns}/sealedsecrets", body=doc)


def wait_secret(api, namespace: str, name: str) -> dict[str, str]:
    core = client.CoreV1Api(api)

    def read():
        try:
            secret = core.read_namespaced_secret(name, namespace)
        except client.ApiException as e:
            if e.status == 404:
                return None
            raise
        return {k: base64.b64decode(v).decode() for k, v in (secret.data or {}).items()}

    return poll(read, f"the controller's Secret {namespace}/{name}", DEADLINE)


def moved(doc: dict, namespace: str, name: str) -> dict:
    """The same SealedSecret under another namespace and name (ciphertexts untouched)."""
    doc = yaml.safe_load(yaml.safe_dump(doc))
    for meta in (doc["metadata"], doc["spec"]["template"]["metadata"]):
        meta["namespace"], meta["name"] = namespace, name
    return doc


def controller_pem(running: Running, tmp_path: Path) -> Path:
    path = tmp_path / "controller-cert.pem"
    path.write_bytes(cert_from_cluster_or_url(running).pem)
    return path


def cert_from_cluster_or_url(running: Running):
    from gitops_tui.secrets.cert import cert_from_url

    if running.proxy_error:
        return cert_from_url(running.controller.cert_url)
    return cert_from_cluster(running.controller.api)


def private_key_pem(running: Running, tmp_path: Path) -> Path:
    """The controller's private key, exported as an operator backs it up."""
    (secret,) = running.controller.key_secrets()
    path = tmp_path / "controller-key.pem"
    path.write_bytes(base64.b64decode(secret["data"]["tls.key"]))
    return path


def kubeseal(running: Running, *args: str, stdin: bytes) -> bytes:
    env = {**os.environ, "KUBECONFIG": str(running.kubeconfig)}
    proc = subprocess.run(
        [str(running.binaries.kubeseal), *args], input=stdin, capture_output=True, env=env
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def self_signed(tmp_path: Path, name: str, not_before: dt.datetime, not_after: dt.datetime) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sealed-secret")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / name
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


# ---- the controller opens what we seal ------------------------------------------------
@pytest.mark.parametrize("scope", ["strict", "namespace-wide", "cluster-wide"])
def test_the_controller_unseals_what_gitops_tui_seals(
    scope: str, cli, sealed_secrets: Running, namespace: str, api_client
) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    # Cluster-wide values are sealed for anywhere: seal them for another namespace.
    sealed_ns = "somewhere-else" if scope == "cluster-wide" else namespace
    r = cli(
        "seal",
        "--namespace",
        sealed_ns,
        "--name",
        "db",
        "--from-literal",
        "user=app",
        "--from-literal",
        f"password={password}",
        "--scope",
        scope,
        *sealed_secrets.seal_from,
    )
    assert r.code == 0, r.err
    ss = SealedSecret.parse(r.out.encode(), "<stdout>")
    assert str(ss.scope) == scope and ss.keys == ["password", "user"]
    annotations = ss.doc["metadata"].get("annotations") or {}
    assert (
        annotations
        == {
            "strict": {},
            "namespace-wide": {NAMESPACE_WIDE_ANNOTATION: "true"},
            "cluster-wide": {CLUSTER_WIDE_ANNOTATION: "true"},
        }[scope]
    )
    assert password not in r.out

    # Where the scope allows it to move, it moves: another name, another namespace.
    name = {"strict": "db", "namespace-wide": "db-renamed", "cluster-wide": "db-anywhere"}[scope]
    create_sealed_secret(api_client, moved(ss.doc, namespace, name))
    assert wait_secret(api_client, namespace, name) == {"user": "app", "password": password}


def test_cert_through_the_service_proxy_and_its_cache(
    sealed_secrets: Running, api_client, tmp_path: Path, namespace: str
) -> None:
    if sealed_secrets.proxy_error:
        unavailable(f"no service proxy path: {sealed_secrets.proxy_error}")
    cert = cert_from_cluster(api_client, Controller(), cache=tmp_path)
    assert not cert.warnings and cert.not_after > dt.datetime.now(dt.UTC)
    # The cert is the newest private key's.
    assert keys_from_cluster(api_client)[0].fingerprint == cert.fingerprint
    cached = cache_path(tmp_path, api_client.configuration.host, Controller())
    assert cached.read_bytes() == cert.pem

    # A controller whose Service has no endpoints: the cached cert, with a warning.
    down = Controller("sealed-secrets-down", namespace)
    call(
        api_client,
        "POST",
        f"/api/v1/namespaces/{namespace}/services",
        body={
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": down.name},
            "spec": {"ports": [{"name": "http", "port": 8080}]},
        },
    )
    no_endpoints = f"the Service {namespace}/sealed-secrets-down has no endpoints"
    with pytest.raises(CertError, match=no_endpoints):
        cert_from_cluster(api_client, down, cache=tmp_path)
    seeded = cache_path(tmp_path, api_client.configuration.host, down)
    seeded.write_bytes(cert.pem)
    fallback = cert_from_cluster(api_client, down, cache=tmp_path)
    assert fallback.from_cache and fallback.fingerprint == cert.fingerprint
    assert "using the certificate cached" in fallback.warnings[-1]
    assert no_endpoints in fallback.warnings[-1]

    # Endpoints without a ready address: the API server answers 503.
    call(
        api_client,
        "POST",
        f"/api/v1/namespaces/{namespace}/endpoints",
        body={"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": down.name}},
    )
    with pytest.raises(CertError, match="answered HTTP 503"):
        cert_from_cluster(api_client, down, cache=tmp_path / "empty")


# ---- kubeseal and gitops-tui read each other ------------------------------------------
def test_kubeseal_output_is_read_by_gitops_tui_unseal(
    cli, sealed_secrets: Running, namespace: str, tmp_path: Path
) -> None:
    pem = controller_pem(sealed_secrets, tmp_path)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": namespace, "labels": {"team": "payments"}},
        "type": "Opaque",
        "data": {"password": b64("from-kubeseal")},
        "stringData": {"user": "app"},
    }
    sealed = kubeseal(
        sealed_secrets,
        "--cert",
        str(pem),
        "--format",
        "yaml",
        stdin=yaml.safe_dump(secret).encode(),
    )
    path = tmp_path / "db.yaml"
    path.write_bytes(sealed)

    expected = {"password": b64("from-kubeseal"), "user": b64("app")}
    r = cli("unseal", path, "--kubeconfig", sealed_secrets.kubeconfig)  # keys from the cluster
    assert r.code == 0, r.err
    out = yaml.safe_load(r.out)
    assert out["kind"] == "Secret" and out["data"] == expected
    assert out["metadata"]["labels"] == {"team": "payments"}
    keyfile = private_key_pem(sealed_secrets, tmp_path)
    r = cli("unseal", path, "--key", keyfile)  # a key backup, no cluster
    assert r.code == 0, r.err
    assert yaml.safe_load(r.out)["data"] == expected

    # kubeseal --raw: one value, merged into a file by hand.
    raw = kubeseal(
        sealed_secrets,
        "--raw",
        "--cert",
        str(pem),
        "--namespace",
        namespace,
        "--name",
        "db",
        stdin=b"raw-token",
    ).decode()
    doc = yaml.safe_load(sealed)
    doc["spec"]["encryptedData"]["token"] = raw
    path.write_text(yaml.safe_dump(doc))
    r = cli("unseal", path, "--key", keyfile, "-o", "json")
    assert r.code == 0, r.err
    assert yaml.safe_load(r.out)["data"]["token"] == b64("raw-token")


def test_kubeseal_recovery_unseal_reads_what_gitops_tui_seals(
    cli, sealed_secrets: Running, namespace: str, tmp_path: Path
) -> None:
    pem = controller_pem(sealed_secrets, tmp_path)
    keyfile = private_key_pem(sealed_secrets, tmp_path)
    r = cli(
        "seal",
        "-n",
        namespace,
        "--name",
        "db",
        "--from-literal",
        "user=app",
        "--scope",
        "namespace-wide",
        "--cert",
        pem,
    )
    assert r.code == 0, r.err
    opened = kubeseal(
        sealed_secrets,
        "--recovery-unseal",
        "--recovery-private-key",
        str(keyfile),
        stdin=r.out.encode(),
    )
    assert yaml.safe_load(opened)["data"] == {"user": b64("app")}

    r = cli("seal", "--raw", "-n", namespace, "--name", "db", "--cert", pem, stdin=b"raw-value")
    assert r.code == 0, r.err
    doc = yaml.safe_load(
        kubeseal(
            sealed_secrets,
            "--cert",
            str(pem),
            "--format",
            "yaml",
            stdin=yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": "db", "namespace": namespace},
                    "stringData": {"other": "x"},
                }
            ).encode(),
        )
    )
    doc["spec"]["encryptedData"]["raw"] = r.out.strip()
    opened = kubeseal(
        sealed_secrets,
        "--recovery-unseal",
        "--recovery-private-key",
        str(keyfile),
        stdin=yaml.safe_dump(doc).encode(),
    )
    assert yaml.safe_load(opened)["data"]["raw"] == b64("raw-value")


# ---- merge ------------------------------------------------------------------------------
def test_merge_changes_one_ciphertext_and_keeps_comments(
    cli, sealed_secrets: Running, namespace: str, tmp_path: Path, api_client
) -> None:
    r = cli(
        "seal",
        "-n",
        namespace,
        "--name",
        "db",
        "--from-literal",
        "user=app",
        "--from-literal",
        "password=old",
        *sealed_secrets.seal_from,
    )
    assert r.code == 0, r.err
    path = tmp_path / "db.yaml"
    text = "# Database credentials of the shop.\n" + r.out.replace(
        "  encryptedData:\n", "  encryptedData:\n    # rotated by the DBA team\n"
    )
    path.write_text(text)
    before = SealedSecret.parse(path.read_bytes(), str(path)).encrypted_data

    r = cli(
        "seal", "--merge-into", path, "--from-literal", "password=new", *sealed_secrets.seal_from
    )
    assert r.code == 0, r.err
    assert f"updated {path}: password" in r.err
    after_text = path.read_text()
    after = SealedSecret.parse(after_text, str(path)).encrypted_data
    assert after["user"] == before["user"]  # byte-identical
    assert after["password"] != before["password"]
    changed = [
        line
        for line in difflib.ndiff(text.splitlines(), after_text.splitlines())
        if line[:2] in ("- ", "+ ")
    ]
    assert changed == [
        f"-     password: {before['password']}",
        f"+     password: {after['password']}",
    ]

    # A new key, through --from-file: one more line.
    (tmp_path / "host").write_text("db.internal")
    r = cli(
        "seal",
        "--merge-into",
        path,
        "--from-file",
        f"host={tmp_path / 'host'}",
        *sealed_secrets.seal_from,
    )
    assert r.code == 0, r.err
    final = SealedSecret.parse(path.read_bytes(), str(path))
    assert final.keys == ["password", "user", "host"]
    assert "# rotated by the DBA team" in path.read_text()

    # The real controller agrees.
    create_sealed_secret(api_client, final.doc)
    assert wait_secret(api_client, namespace, "db") == {
        "user": "app",
        "password": "new",
        "host": "db.internal",
    }


# ---- bad input: a clear error, nothing changed --------------------------------------------
@pytest.fixture
def sealed_file(cli, sealed_secrets: Running, namespace: str, tmp_path: Path) -> Path:
    r = cli(
        "seal",
        "-n",
        namespace,
        "--name",
        "db",
        "--from-literal",
        "user=app",
        "--from-literal",
        "password=secret",
        *sealed_secrets.seal_from,
    )
    assert r.code == 0, r.err
    path = tmp_path / "db.yaml"
    path.write_text(r.out)
    return path


def test_corrupted_ciphertext(cli, sealed_secrets: Running, sealed_file: Path, namespace) -> None:
    doc = yaml.safe_load(sealed_file.read_text())
    blob = bytearray(base64.b64decode(doc["spec"]["encryptedData"]["password"]))
    blob[len(blob) // 2] ^= 0x5A
    doc["spec"]["encryptedData"]["password"] = base64.b64encode(bytes(blob)).decode()
    sealed_file.write_text(yaml.safe_dump(doc))
    before = sealed_file.read_bytes()
    r = cli("unseal", sealed_file, "--kubeconfig", sealed_secrets.kubeconfig)
    one_line_error(r, f"no private key opens password of {namespace}/db (scope strict)")
    assert r.out == "" and sealed_file.read_bytes() == before

    doc["spec"]["encryptedData"]["password"] = "%%%not-base64%%%"
    sealed_file.write_text(yaml.safe_dump(doc))
    r = cli("unseal", sealed_file, "--kubeconfig", sealed_secrets.kubeconfig)
    one_line_error(r, f"password of {namespace}/db is not valid base64")


def test_wrong_scope_namespace_or_name_changed(
    cli, sealed_secrets: Running, sealed_file: Path, namespace: str, api_client, tmp_path
) -> None:
    doc = yaml.safe_load(sealed_file.read_text())
    for ns, name in (("another-namespace", "db"), (namespace, "db-renamed")):
        path = tmp_path / f"{ns}-{name}.yaml"
        path.write_text(yaml.safe_dump(moved(doc, ns, name)))
        r = cli("unseal", path, "--kubeconfig", sealed_secrets.kubeconfig)
        one_line_error(r, f"of {ns}/{name} (scope strict): wrong scope or key")

    # The controller refuses it too: no Secret, a Synced=False condition.
    create_sealed_secret(api_client, moved(doc, namespace, "db-renamed"))
    path = f"/apis/bitnami.com/v1alpha1/namespaces/{namespace}/sealedsecrets/db-renamed"

    def refused():
        conditions = (call(api_client, "GET", path).get("status") or {}).get("conditions") or []
        return next(
            (c for c in conditions if c["type"] == "Synced" and c["status"] == "False"), None
        )

    assert "no key could decrypt secret" in poll(refused, "the refusal", DEADLINE)["message"]
    with pytest.raises(client.ApiException) as err:
        client.CoreV1Api(api_client).read_namespaced_secret("db-renamed", namespace)
    assert err.value.status == 404


def test_missing_and_expired_cert(cli, sealed_file: Path, tmp_path: Path, namespace: str) -> None:
    before = sealed_file.read_bytes()
    merge = ("seal", "--merge-into", sealed_file, "--from-literal", "password=x")

    one_line_error(cli(*merge, "--cert", tmp_path / "missing.pem"), "cannot read the certificate")
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello\n")
    one_line_error(cli(*merge, "--cert", not_pem), "is not a PEM certificate")
    now = dt.datetime.now(dt.UTC)
    expired = self_signed(
        tmp_path, "expired.pem", now - dt.timedelta(days=400), now - dt.timedelta(days=1)
    )
    one_line_error(cli(*merge, "--cert", expired), "expired on")
    one_line_error(
        cli(*merge, "--cert", "http://127.0.0.1:9/v1/cert.pem"), "cannot fetch the certificate"
    )
    assert sealed_file.read_bytes() == before

    # Expiring soon: sealed, with a warning.
    soon = self_signed(
        tmp_path, "soon.pem", now - dt.timedelta(days=1), now + dt.timedelta(days=10)
    )
    r = cli("seal", "-n", namespace, "--name", "x", "--from-literal", "a=b", "--cert", soon)
    assert r.code == 0 and "warning: the sealing certificate" in r.err and "expires on" in r.err


def test_no_controller_found(cli, sealed_secrets: Running, sealed_file: Path, namespace) -> None:
    before = sealed_file.read_bytes()
    kc = ("--kubeconfig", sealed_secrets.kubeconfig)
    r = cli(
        "seal", "-n", namespace, "--name", "x", "--from-literal", "a=b", *kc,
        "--controller-name", "no-such-controller",
    )  # fmt: skip
    one_line_error(
        r,
        "no sealed-secrets controller found: no Service no-such-controller in namespace kube-system",
        "--controller-name",
    )
    r = cli(
        "seal", "--merge-into", sealed_file, "--from-literal", "password=x", *kc,
        "--controller-namespace", "sealed-secrets",
    )  # fmt: skip
    one_line_error(r, "no Service sealed-secrets-controller in namespace sealed-secrets")
    assert sealed_file.read_bytes() == before


def test_not_a_sealed_secret(cli, sealed_secrets: Running, tmp_path: Path) -> None:
    cm = tmp_path / "cm.yaml"
    cm.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n")
    before = cm.read_bytes()
    r = cli("unseal", cm, "--kubeconfig", sealed_secrets.kubeconfig)
    one_line_error(r, f"{cm}:2: is a ConfigMap (v1), not a SealedSecret (bitnami.com/v1alpha1)")
    r = cli("seal", "--merge-into", cm, "--from-literal", "a=b", *sealed_secrets.seal_from)
    one_line_error(r, f"{cm}:2: is a ConfigMap")
    assert cm.read_bytes() == before

    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec: [\n")
    one_line_error(cli("unseal", broken, "--key", cm), f"{broken}:4: not valid YAML")
    one_line_error(cli("unseal", tmp_path / "nope.yaml", "--key", cm), "cannot read")


# ---- plaintext hygiene -------------------------------------------------------------------
def test_plaintext_never_leaves_unseal_stdout(
    cli, sealed_secrets: Running, namespace: str, tmp_path: Path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    plain = f"hygiene-{uuid.uuid4().hex}"
    seal_from = sealed_secrets.seal_from
    kc = ("--kubeconfig", sealed_secrets.kubeconfig)
    path = tmp_path / "db.yaml"

    r = cli(
        "seal", "-n", namespace, "--name", "db", "--from-literal", f"password={plain}",
        "--from-literal", "user=app", *seal_from,
    )  # fmt: skip
    assert r.code == 0, r.err
    path.write_text(r.out)
    quiet = [r]
    quiet.append(cli("seal", "--merge-into", path, "--from-literal", f"token={plain}", *seal_from))
    quiet.append(
        cli("seal", "--raw", "-n", namespace, "--name", "db", *seal_from, stdin=plain.encode())
    )
    # Failures too: a literal without its KEY=, a mismatched merge, a value that cannot open.
    quiet.append(cli("seal", "-n", namespace, "--name", "db", "--from-literal", plain, *seal_from))
    quiet.append(
        cli(
            "seal",
            "--merge-into",
            path,
            "--name",
            "other",
            "--from-literal",
            f"k={plain}",
            *seal_from,
        )
    )
    moved_path = tmp_path / "moved.yaml"
    moved_path.write_text(
        yaml.safe_dump(moved(yaml.safe_load(path.read_text()), "elsewhere", "db"))
    )
    quiet.append(cli("unseal", moved_path, *kc))
    assert [r.code for r in quiet] == [0, 0, 0, 1, 1, 1]

    shown = cli("unseal", path, *kc)
    assert shown.code == 0, shown.err
    data = yaml.safe_load(shown.out)["data"]
    assert data["password"] == data["token"] == b64(plain)

    for r in quiet:
        assert plain not in r.out and plain not in r.err
    assert plain not in shown.out and plain not in shown.err  # only base64, only in data
    needles = (plain.encode(), b64(plain).encode())
    for root in (tmp_path, cache_dir()):
        for f in root.rglob("*"):
            if f.is_file():
                content = f.read_bytes()
                assert not any(n in content for n in needles), f
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r}"
        assert plain not in text and b64(plain) not in text


# ---- commit and push -----------------------------------------------------------------------
def test_commit_and_push_a_rotated_value(
    cli, sealed_secrets: Running, repo: Repo, tmp_path: Path, namespace: str, api_client
) -> None:
    r = cli(
        "seal", "-n", namespace, "--name", "db", "--from-literal", "user=app",
        "--from-literal", "password=old", *sealed_secrets.seal_from,
    )  # fmt: skip
    assert r.code == 0, r.err
    (repo.work / "shop" / "sealed-db.yaml").write_text("# database credentials\n" + r.out + "\n")
    repo.commit("shop: sealed database credentials")

    clone = GitRepo.open(str(repo.origin), tmp_path / "clones")
    path = "shop/sealed-db.yaml"
    opened_at = blob_id(clone, path)
    ss = SealedSecret.parse(clone.tree(clone.branch).read(path), path)
    public_key = cert_from_cluster_or_url(sealed_secrets).public_key
    ss.set_values({"password": b"new"}, public_key)
    sha = commit_sealed_secret(
        clone,
        path,
        ss.serialize(),
        namespace=ss.namespace,
        name=ss.name,
        keys=["password"],
        identity=REVIEWER,
        expected_blob=opened_at,
    )
    assert git(repo.origin, "rev-parse", "main") == sha
    assert git(repo.origin, "log", "-1", "--format=%s|%an") == (
        f"secrets: update {namespace}/db (keys: password)|Rita Reviewer"
    )
    pushed = git(repo.origin, "show", f"main:{path}")
    assert pushed.startswith("# database credentials\n")
    assert git(repo.origin, "diff", "--stat", "HEAD~1", "HEAD").count("|") == 1  # one file

    # Someone pushes first: the push is rejected, the clone shows their tip, no trace of ours.
    git(repo.work, "pull", "--quiet", "--rebase", "origin", "main")
    (repo.work / "README.md").write_text("shop\n")
    theirs = repo.commit("docs: readme")
    ss.set_values({"password": b"newer"}, public_key)
    with pytest.raises(PushRejected):
        commit_sealed_secret(
            clone, path, ss.serialize(), namespace=ss.namespace, name=ss.name,
            keys=["password"], identity=REVIEWER, expected_blob=blob_id(clone, path),
        )  # fmt: skip
    assert str(clone.pygit.references[f"refs/heads/{clone.branch}"].target) == theirs
    assert git(repo.origin, "rev-parse", "main") == theirs
    # An edit opened before another change to the same file is refused, not overwritten.
    with pytest.raises(FileChanged):
        commit_sealed_secret(
            clone, path, ss.serialize(), namespace=ss.namespace, name=ss.name,
            keys=["password"], identity=REVIEWER, expected_blob=opened_at,
        )  # fmt: skip
    sha = commit_sealed_secret(
        clone, path, ss.serialize(), namespace=ss.namespace, name=ss.name,
        keys=["password"], identity=REVIEWER, expected_blob=blob_id(clone, path),
    )  # fmt: skip
    assert git(repo.origin, "rev-parse", "main") == sha

    # What was pushed is what the controller opens.
    pushed_doc = SealedSecret.parse(git(repo.origin, "show", f"main:{path}"), path).doc
    create_sealed_secret(api_client, pushed_doc)
    assert wait_secret(api_client, namespace, "db") == {"user": "app", "password": "newer"}
