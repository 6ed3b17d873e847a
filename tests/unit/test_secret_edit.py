"""An editing session of a SealedSecret: what changes, what stays byte-identical."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gitops_tui.errors import GitOpsError
from gitops_tui.secrets.crypto import Scope
from gitops_tui.secrets.edit import SecretEdit, SecretFile
from gitops_tui.secrets.keys import PrivateKey
from gitops_tui.secrets.sealedsecret import SealedSecret, seal

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE = [PrivateKey("sealed-secrets-key-1", KEY, dt.datetime.now(dt.UTC))]


def session(values: dict[str, bytes]) -> SecretEdit:
    ss = seal(values, namespace="shop", name="db", scope=Scope.STRICT, public_key=KEY.public_key())
    text = b"# kept\n" + ss.serialize()
    return SecretEdit(SecretFile("app/db.yaml", "db", "shop"), text, None)


def test_add_change_remove_rename_keep_untouched_ciphertexts() -> None:
    edit = session({"A": b"1", "B": b"2", "C": b"3"})
    before = edit.parsed().encrypted_data
    edit.set_value("B", b"two")
    edit.set_value("D", b"4")
    edit.remove("C")
    edit.rename("A", "ALPHA")
    assert edit.key_states() == [
        ("ALPHA", "renamed from A"),
        ("B", "changed"),
        ("C", "removed"),
        ("D", "new"),
    ]
    assert edit.changed_keys == ["A", "ALPHA", "B", "C", "D"]
    out = SealedSecret.parse(edit.render(KEY.public_key()), "app/db.yaml")
    assert out.encrypted_data["ALPHA"] == before["A"]  # a rename keeps the ciphertext
    assert out.unseal(PRIVATE) == {"ALPHA": b"1", "B": b"two", "D": b"4"}
    edit.clear()
    assert not edit.dirty and not edit.values


def test_scope_change_needs_every_value_or_the_private_keys() -> None:
    edit = session({"A": b"1", "B": b"2"})
    edit.set_scope(Scope.NAMESPACE_WIDE)
    assert edit.needs_private_keys and edit.changed_keys == ["A", "B"]
    with pytest.raises(GitOpsError, match="give the values of A, B or the controller's"):
        edit.render(KEY.public_key())
    out = SealedSecret.parse(edit.render(KEY.public_key(), PRIVATE), "app/db.yaml")
    assert out.scope is Scope.NAMESPACE_WIDE
    assert out.unseal(PRIVATE) == {"A": b"1", "B": b"2"}
    # Typing every value again needs no private key.
    edit = session({"A": b"1"})
    edit.set_scope(Scope.CLUSTER_WIDE)
    edit.set_value("A", b"one")
    assert not edit.needs_private_keys
    out = SealedSecret.parse(edit.render(KEY.public_key()), "app/db.yaml")
    assert out.scope is Scope.CLUSTER_WIDE and out.unseal(PRIVATE) == {"A": b"one"}


def test_bad_input_is_refused() -> None:
    edit = session({"A": b"1"})
    with pytest.raises(GitOpsError, match="invalid key name"):
        edit.set_value("no spaces", b"x")
    with pytest.raises(GitOpsError, match="A: the value is empty"):
        edit.set_value("A", b"")
    with pytest.raises(GitOpsError, match="A exists already"):
        edit.set_value("B", b"2")
        edit.rename("B", "A")
