"""The SealedSecret resource without a cluster: parsing, scopes, edits on the text."""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import json

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

from gitops_tui.secrets.crypto import Scope, UnsealError
from gitops_tui.secrets.keys import PrivateKey
from gitops_tui.secrets.sealedsecret import (
    CLUSTER_WIDE_ANNOTATION,
    NAMESPACE_WIDE_ANNOTATION,
    SealedSecret,
    SealedSecretFormatError,
    SealError,
    scope_of,
    seal,
    seal_value,
)

PLAIN = "unit-plaintext-5f1c"

FILE = """\
---
# Payment database credentials; rotate with `gitops-tui seal --merge-into`.
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: payment-db   # same name as the Secret
  namespace: shop-production
spec:
  encryptedData:
    # the application user
    DB_USER: {user}
    DB_PASSWORD: {password}  # rotated 2026-11
  template:
    metadata:
      name: payment-db
      namespace: shop-production
    type: Opaque
# end
"""


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def sealed_file(key) -> str:
    def ct(value: bytes) -> str:
        return seal_value(
            key.public_key(),
            value,
            namespace="shop-production",
            name="payment-db",
            scope=Scope.STRICT,
        )

    return FILE.format(user=ct(b"app"), password=ct(b"old-password"))


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line[:2] in ("- ", "+ ")
    ]


# ---- parsing ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("apiVersion: v1\nkind: [unclosed\n", 3, "not valid YAML"),
        ("a: 1\n  b: 2\n", 2, "not valid YAML"),
        ("- just\n- a list\n", 1, "not a Kubernetes object"),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
            2,
            "is a ConfigMap (v1), not a SealedSecret (bitnami.com/v1alpha1)",
        ),
        (
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {}\nspec: {}\n",
            3,
            "metadata.name is missing",
        ),
        (
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: x\n",
            1,
            "spec is missing",
        ),
        (
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: x\n"
            "spec:\n  data: AgBxyz\n",
            6,
            "deprecated spec.data",
        ),
        (
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: x\n"
            "spec:\n  encryptedData:\n    a: AgA\n    b:\n      nested: 1\n",
            9,
            "spec.encryptedData.b is not a string",
        ),
        (
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: x\n"
            "spec:\n  encryptedData:\n    a: AgA\n    a: AgB\n",
            8,
            "the key a twice",
        ),
        (
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: x\n"
            "spec:\n  encryptedData: {}\n---\nkind: ConfigMap\n",
            8,
            "holds 2 YAML documents",
        ),
    ],
)
def test_parse_errors_name_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(SealedSecretFormatError) as err:
        SealedSecret.parse(text.encode(), "env/prod/db.yaml")
    assert err.value.line == line, str(err.value)
    assert str(err.value).startswith(f"env/prod/db.yaml:{line}: ")
    assert message in str(err.value)


def test_parse_errors_without_a_line() -> None:
    with pytest.raises(SealedSecretFormatError, match=r"^x\.yaml: is empty"):
        SealedSecret.parse(b"# only a comment\n", "x.yaml")
    with pytest.raises(SealedSecretFormatError, match=r"^x\.yaml: not UTF-8"):
        SealedSecret.parse(b"\xff\xfe\x00garbage", "x.yaml")


def test_a_yaml_error_never_quotes_the_text() -> None:
    text = f"apiVersion: v1\nkind: Secret\nstringData:\n  password: {PLAIN}: [\n"
    with pytest.raises(SealedSecretFormatError) as err:
        SealedSecret.parse(text.encode(), "secret.yaml")
    assert PLAIN not in str(err.value)


def test_reads_name_keys_template(sealed_file: str) -> None:
    ss = SealedSecret.parse(sealed_file.encode(), "db.yaml")
    assert (ss.name, ss.namespace, ss.ref) == (
        "payment-db",
        "shop-production",
        "shop-production/payment-db",
    )
    assert ss.keys == ["DB_USER", "DB_PASSWORD"]
    assert ss.scope is Scope.STRICT
    t = ss.template
    assert (t.type, t.metadata["name"], t.data_templates) == ("Opaque", "payment-db", ())
    assert ss.serialize() == sealed_file.encode()  # untouched: byte-identical


# ---- scope --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("annotations", "scope"),
    [
        (None, Scope.STRICT),
        ({NAMESPACE_WIDE_ANNOTATION: "true"}, Scope.NAMESPACE_WIDE),
        ({CLUSTER_WIDE_ANNOTATION: "true"}, Scope.CLUSTER_WIDE),
        # The controller: cluster-wide wins; only the exact string "true" counts.
        ({NAMESPACE_WIDE_ANNOTATION: "true", CLUSTER_WIDE_ANNOTATION: "true"}, Scope.CLUSTER_WIDE),
        ({CLUSTER_WIDE_ANNOTATION: "false"}, Scope.STRICT),
        ({CLUSTER_WIDE_ANNOTATION: "True"}, Scope.STRICT),
    ],
)
def test_scope_from_annotations(annotations, scope: Scope) -> None:
    assert scope_of(annotations) is scope
    doc = {
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": {"name": "x", "namespace": "ns", "annotations": annotations},
        "spec": {"encryptedData": {}},
    }
    assert SealedSecret.parse(yaml.safe_dump(doc), "x.yaml").scope is scope


def test_scope_is_the_sealed_secrets_own_and_a_mismatch_is_a_warning() -> None:
    doc = {
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": {"name": "x", "namespace": "ns"},
        "spec": {
            "encryptedData": {},
            "template": {"metadata": {"annotations": {CLUSTER_WIDE_ANNOTATION: "true"}}},
        },
    }
    ss = SealedSecret.parse(yaml.safe_dump(doc), "x.yaml")
    assert ss.scope is Scope.STRICT
    assert any("the controller uses the latter" in w for w in ss.warnings)


def test_an_unquoted_true_annotation_is_an_error() -> None:
    text = (
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: x\n"
        f"  annotations:\n    {CLUSTER_WIDE_ANNOTATION}: true\nspec:\n  encryptedData: {{}}\n"
    )
    with pytest.raises(SealedSecretFormatError, match="must be a string"):
        SealedSecret.parse(text, "x.yaml")


@pytest.mark.parametrize("scope", list(Scope))
def test_seal_writes_scope_annotations_and_unseals(key, scope: Scope) -> None:
    ss = seal(
        {"b": b"2", "a": PLAIN.encode()},
        namespace="ns",
        name="db",
        scope=scope,
        public_key=key.public_key(),
    )
    again = SealedSecret.parse(ss.serialize(), "new.yaml")
    assert again.scope is scope
    assert again.keys == ["a", "b"]  # sorted, as kubeseal writes them
    annotations = again.doc["metadata"].get("annotations", {})
    template_annotations = again.template.metadata.get("annotations", {})
    assert annotations == template_annotations
    assert (NAMESPACE_WIDE_ANNOTATION in annotations) is (scope is Scope.NAMESPACE_WIDE)
    assert (CLUSTER_WIDE_ANNOTATION in annotations) is (scope is Scope.CLUSTER_WIDE)
    assert again.unseal([PrivateKey("k", key)]) == {"a": PLAIN.encode(), "b": b"2"}
    assert PLAIN.encode() not in ss.serialize()


def test_a_cluster_wide_secret_needs_no_namespace_others_do(key) -> None:
    ss = seal(
        {"a": b"1"},
        namespace=None,
        name="db",
        scope=Scope.CLUSTER_WIDE,
        public_key=key.public_key(),
    )
    assert "namespace" not in ss.doc["metadata"]
    with pytest.raises(SealError, match="needs a namespace"):
        seal(
            {"a": b"1"}, namespace=None, name="db", scope=Scope.STRICT, public_key=key.public_key()
        )


# ---- edits on the text ----------------------------------------------------------------
def test_changing_one_value_changes_only_its_scalar(key, sealed_file: str) -> None:
    ss = SealedSecret.parse(sealed_file.encode(), "db.yaml")
    before = ss.encrypted_data
    assert ss.set_values({"DB_PASSWORD": PLAIN.encode()}, key.public_key()) == ["DB_PASSWORD"]
    after = ss.encrypted_data
    assert after["DB_USER"] == before["DB_USER"]  # byte-identical
    assert after["DB_PASSWORD"] != before["DB_PASSWORD"]
    text = ss.serialize().decode()
    assert ss.text_preserved
    # One line differs, and it keeps its trailing comment.
    assert changed_lines(sealed_file, text) == [
        f"-     DB_PASSWORD: {before['DB_PASSWORD']}  # rotated 2026-11",
        f"+     DB_PASSWORD: {after['DB_PASSWORD']}  # rotated 2026-11",
    ]
    opened = SealedSecret.parse(text, "db.yaml").unseal([PrivateKey("k", key)])
    assert opened == {"DB_USER": b"app", "DB_PASSWORD": PLAIN.encode()}


def test_a_new_key_is_one_more_line_in_the_block(key, sealed_file: str) -> None:
    ss = SealedSecret.parse(sealed_file.encode(), "db.yaml")
    ss.set_values({"DB_HOST": b"db.internal"}, key.public_key())
    text = ss.serialize().decode()
    diff = changed_lines(sealed_file, text)
    assert diff == [f"+     DB_HOST: {ss.encrypted_data['DB_HOST']}"]
    lines = text.splitlines()
    assert lines.index(f"    DB_HOST: {ss.encrypted_data['DB_HOST']}") == (
        next(i for i, line in enumerate(lines) if line.startswith("    DB_PASSWORD:")) + 1
    )


def test_remove_and_rename_edit_lines_and_keep_ciphertexts(key, sealed_file: str) -> None:
    ss = SealedSecret.parse(sealed_file.encode(), "db.yaml")
    cts = ss.encrypted_data
    ss.rename_key("DB_USER", "USERNAME")
    ss.remove_keys(["DB_PASSWORD"])
    text = ss.serialize().decode()
    assert ss.text_preserved
    assert sorted(changed_lines(sealed_file, text)) == [
        f"+     USERNAME: {cts['DB_USER']}",
        f"-     DB_PASSWORD: {cts['DB_PASSWORD']}  # rotated 2026-11",
        f"-     DB_USER: {cts['DB_USER']}",
    ]
    # The label binds namespace and name, not the key: a renamed value still opens.
    assert SealedSecret.parse(text, "db.yaml").unseal([PrivateKey("k", key)]) == {
        "USERNAME": b"app"
    }
    with pytest.raises(SealError, match="has no key NOPE"):
        ss.remove_keys(["NOPE"])
    ss.set_values({"X": b"1"}, key.public_key())
    with pytest.raises(SealError, match="already has a key USERNAME"):
        ss.rename_key("X", "USERNAME")
    with pytest.raises(SealError, match="invalid key name"):
        ss.set_values({"bad key": b"1"}, key.public_key())


def test_removing_the_last_key_falls_back_to_a_dump(key, sealed_file: str) -> None:
    ss = SealedSecret.parse(sealed_file.encode(), "db.yaml")
    ss.remove_keys(["DB_USER", "DB_PASSWORD"])
    assert not ss.text_preserved
    again = SealedSecret.parse(ss.serialize(), "db.yaml")
    assert again.doc == ss.doc and again.keys == []


def test_change_scope_needs_every_value_or_the_private_key(key, sealed_file: str) -> None:
    ss = SealedSecret.parse(sealed_file.encode(), "db.yaml")
    with pytest.raises(SealError, match="give the values of DB_USER, DB_PASSWORD"):
        ss.change_scope(Scope.NAMESPACE_WIDE, key.public_key())
    with pytest.raises(SealError, match="give the values of DB_PASSWORD"):
        ss.change_scope(Scope.NAMESPACE_WIDE, key.public_key(), values={"DB_USER": b"app"})
    assert ss.serialize() == sealed_file.encode()  # a refused change changes nothing

    ss.change_scope(Scope.NAMESPACE_WIDE, key.public_key(), private_keys=[PrivateKey("k", key)])
    text = ss.serialize().decode()
    assert ss.text_preserved and "# the application user" in text and "# end" in text
    again = SealedSecret.parse(text, "db.yaml")
    assert again.scope is Scope.NAMESPACE_WIDE
    assert again.template.metadata["annotations"] == {NAMESPACE_WIDE_ANNOTATION: "true"}
    assert f'{NAMESPACE_WIDE_ANNOTATION}: "true"' in text
    # Namespace-wide: the same values open under another name in the namespace.
    again.doc["metadata"]["name"] = "renamed"
    assert again.unseal([PrivateKey("k", key)]) == {
        "DB_USER": b"app",
        "DB_PASSWORD": b"old-password",
    }

    ss.change_scope(Scope.STRICT, key.public_key(), values={"DB_USER": b"u", "DB_PASSWORD": b"p"})
    back = ss.serialize().decode()
    assert "annotations" not in back  # the emptied mappings go, as they came
    assert SealedSecret.parse(back, "db.yaml").scope is Scope.STRICT
    assert len(changed_lines(sealed_file, back)) == 4  # just the two values, old and new


def test_flow_style_falls_back_to_a_full_dump(key) -> None:
    ct = seal_value(key.public_key(), b"v", namespace="ns", name="x", scope=Scope.STRICT)
    text = (
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n"
        "metadata: {name: x, namespace: ns}\n"
        f"spec: {{encryptedData: {{a: {ct}}}, template: {{type: Opaque}}}}\n"
    )
    ss = SealedSecret.parse(text, "x.yaml")
    ss.set_values({"a": b"changed"}, key.public_key())
    assert ss.text_preserved  # replacing a flow scalar is safe
    ss.set_values({"b": b"new"}, key.public_key())
    assert not ss.text_preserved  # appending to a flow mapping is not
    again = SealedSecret.parse(ss.serialize(), "x.yaml")
    assert again.doc == ss.doc
    assert again.unseal([PrivateKey("k", key)]) == {"a": b"changed", "b": b"new"}


def test_json_stays_json(key) -> None:
    doc = {
        "kind": "SealedSecret",
        "apiVersion": "bitnami.com/v1alpha1",
        "metadata": {"name": "x", "namespace": "ns"},
        "spec": {"encryptedData": {"a": "AgA="}, "template": {"type": "Opaque"}},
    }
    ss = SealedSecret.parse(json.dumps(doc, indent=2), "x.json")
    ss.set_values({"b": b"1"}, key.public_key())
    out = json.loads(ss.serialize())
    assert list(out) == list(doc)  # key order kept
    assert out["spec"]["encryptedData"]["a"] == "AgA="


def test_block_scalars_and_crlf(key) -> None:
    ct = seal_value(key.public_key(), b"v", namespace="ns", name="x", scope=Scope.STRICT)
    text = (
        "apiVersion: bitnami.com/v1alpha1\r\nkind: SealedSecret\r\nmetadata:\r\n"
        "  name: x\r\n  namespace: ns\r\nspec:\r\n  encryptedData:\r\n"
        f"    a: |\r\n      {ct}\r\n    b: {ct}\r\n"
    )
    ss = SealedSecret.parse(text, "x.yaml")
    ss.set_values({"c": b"3"}, key.public_key())
    out = ss.serialize().decode()
    assert ss.text_preserved and out.count("\r\n") == out.count("\n")
    ss.set_values({"a": b"1"}, key.public_key())  # a block scalar: not edited in place
    assert not ss.text_preserved
    assert SealedSecret.parse(ss.serialize(), "x.yaml").doc == ss.doc


@pytest.mark.parametrize(
    "edit",
    [
        lambda ss, pub: ss.set_values({"DB_USER": b"x"}, pub),
        lambda ss, pub: ss.set_values({"NEW_1": b"x", "NEW_2": b"y"}, pub),
        lambda ss, pub: ss.remove_keys(["DB_USER"]),
        lambda ss, pub: ss.rename_key("DB_PASSWORD", "PASS"),
        lambda ss, pub: ss.change_scope(
            Scope.CLUSTER_WIDE, pub, values={"DB_USER": b"u", "DB_PASSWORD": b"p"}
        ),
    ],
)
@pytest.mark.parametrize("indent", [2, 4])
def test_round_trips(key, edit, indent: int) -> None:
    """Every edit, on two indentation styles: what is written parses back to the object."""
    pub = key.public_key()
    ct = seal_value(pub, b"v", namespace="ns", name="x", scope=Scope.STRICT)
    pad = " " * indent
    text = (
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n"
        f"{pad}name: x\n{pad}namespace: ns\n{pad}labels:\n{pad}{pad}team: payments\n"
        f"spec:\n{pad}encryptedData:\n{pad}{pad}DB_USER: {ct}\n\n"
        f"{pad}{pad}# trailing comment\n{pad}{pad}DB_PASSWORD: '{ct}'\n"
        f"{pad}template:\n{pad}{pad}metadata:\n{pad}{pad}{pad}name: x\n"
    )
    ss = SealedSecret.parse(text, "x.yaml")
    edit(ss, pub)
    assert ss.text_preserved
    out = ss.serialize().decode()
    assert "# trailing comment" in out
    assert SealedSecret.parse(out, "x.yaml").doc == ss.doc


# ---- unsealing ------------------------------------------------------------------------
def test_unseal_names_key_secret_and_scope_never_the_value(key, other_key, sealed_file) -> None:
    ss = SealedSecret.parse(sealed_file.encode(), "db.yaml")
    with pytest.raises(UnsealError) as err:
        ss.unseal([PrivateKey("sealed-secrets-keyabcde", other_key)])
    assert str(err.value).startswith(
        "no private key opens DB_USER of shop-production/payment-db (scope strict): "
        "wrong scope or key"
    )
    assert "sealed-secrets-keyabcde" in str(err.value)

    # Several keys: the one that fits opens it, whichever is newest.
    now = dt.datetime.now(dt.UTC)
    keys = [
        PrivateKey("old", key, now - dt.timedelta(days=60)),
        PrivateKey("new", other_key, now),
    ]
    assert ss.unseal(keys)["DB_USER"] == b"app"

    ss.doc["metadata"]["namespace"] = "shop-staging"  # moved: the label no longer fits
    with pytest.raises(UnsealError, match="of shop-staging/payment-db"):
        ss.unseal([PrivateKey("k", key)])


def test_corrupted_values(key, sealed_file: str) -> None:
    ss = SealedSecret.parse(sealed_file.encode(), "db.yaml")
    blob = bytearray(base64.b64decode(ss.encrypted_data["DB_PASSWORD"]))
    blob[-3] ^= 0xFF
    ss.doc["spec"]["encryptedData"]["DB_PASSWORD"] = base64.b64encode(bytes(blob)).decode()
    with pytest.raises(UnsealError, match="no private key opens DB_PASSWORD"):
        ss.unseal([PrivateKey("k", key)])
    ss.doc["spec"]["encryptedData"]["DB_PASSWORD"] = "not*base64"
    with pytest.raises(UnsealError, match="DB_PASSWORD of .* is not valid base64"):
        ss.unseal([PrivateKey("k", key)])


def test_to_secret_is_what_kubectl_shows(key, sealed_file: str) -> None:
    ss = SealedSecret.parse(sealed_file.encode(), "db.yaml")
    secret = ss.to_secret(ss.unseal([PrivateKey("k", key)]))
    assert secret == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "payment-db", "namespace": "shop-production"},
        "type": "Opaque",
        "data": {
            "DB_USER": base64.b64encode(b"app").decode(),
            "DB_PASSWORD": base64.b64encode(b"old-password").decode(),
        },
    }
