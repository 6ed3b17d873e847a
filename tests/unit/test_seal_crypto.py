"""The hybrid format, checked by taking it apart by hand."""

import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gitops_tui.secrets.crypto import Scope, UnsealError, hybrid_decrypt, hybrid_encrypt, label


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_labels_per_scope():
    assert label(Scope.STRICT, "prod", "db") == b"prod/db"
    assert label(Scope.NAMESPACE_WIDE, "prod", "db") == b"prod"
    assert label(Scope.CLUSTER_WIDE, "prod", "db") == b""


def test_layout_is_length_rsa_then_gcm(key):
    sealed = hybrid_encrypt(key.public_key(), b"s3cr3t", b"prod/db")
    (n,) = struct.unpack(">H", sealed[:2])
    assert n == 256  # a 2048-bit modulus
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), b"prod/db")
    session = key.decrypt(sealed[2 : 2 + n], oaep)
    assert len(session) == 32
    assert AESGCM(session).decrypt(bytes(12), sealed[2 + n :], None) == b"s3cr3t"


def test_round_trip_and_scope_binding(key):
    sealed = hybrid_encrypt(key.public_key(), b"value", b"prod/db")
    assert hybrid_decrypt(key, sealed, b"prod/db") == b"value"
    with pytest.raises(UnsealError, match="wrong scope"):
        hybrid_decrypt(key, sealed, b"prod/other")
    corrupted = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(UnsealError):
        hybrid_decrypt(key, corrupted, b"prod/db")
    with pytest.raises(UnsealError, match="too short"):
        hybrid_decrypt(key, b"\x01", b"")
