"""The sealed-secrets hybrid encryption, byte-compatible with the controller.

A fresh 32-byte session key seals one value with AES-256-GCM (a zero nonce is safe
because the key is used once); the key itself is encrypted with RSA-OAEP-SHA256 under
the controller's public key, with the scope label as the OAEP label. Output:
2-byte big-endian length of the RSA ciphertext ‖ RSA ciphertext ‖ AES-GCM ciphertext.
"""

from __future__ import annotations

import os
import struct
from enum import StrEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gitops_tui.errors import GitOpsError

SESSION_KEY_BYTES = 32
NONCE = bytes(12)
# The controller makes 4096-bit keys; below 2048 bits RSA is breakable, and under 528
# bits OAEP-SHA256 cannot even hold the 32-byte session key.
MIN_KEY_BITS = 2048


class Scope(StrEnum):
    STRICT = "strict"
    NAMESPACE_WIDE = "namespace-wide"
    CLUSTER_WIDE = "cluster-wide"


class UnsealError(GitOpsError):
    pass


class WeakKeyError(GitOpsError):
    """A public key too short to seal with."""


def check_key(public_key: rsa.RSAPublicKey, source: str = "the sealing key") -> None:
    if public_key.key_size < MIN_KEY_BITS:
        raise WeakKeyError(
            f"{source} is a {public_key.key_size}-bit RSA key; sealing needs at least "
            f"{MIN_KEY_BITS} bits (the sealed-secrets controller makes 4096-bit keys)"
        )


def label(scope: Scope, namespace: str, name: str) -> bytes:
    """The OAEP label that binds a value to where it may be unsealed."""
    if scope is Scope.STRICT:
        return f"{namespace}/{name}".encode()
    if scope is Scope.NAMESPACE_WIDE:
        return namespace.encode()
    return b""


def _oaep(lbl: bytes) -> padding.OAEP:
    return padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=lbl or None
    )


def hybrid_encrypt(public_key: rsa.RSAPublicKey, plaintext: bytes, lbl: bytes) -> bytes:
    check_key(public_key)
    session_key = os.urandom(SESSION_KEY_BYTES)
    rsa_ct = public_key.encrypt(session_key, _oaep(lbl))
    return (
        struct.pack(">H", len(rsa_ct))
        + rsa_ct
        + AESGCM(session_key).encrypt(NONCE, plaintext, None)
    )


def hybrid_decrypt(private_key: rsa.RSAPrivateKey, ciphertext: bytes, lbl: bytes) -> bytes:
    if len(ciphertext) < 2:
        raise UnsealError("sealed value is too short")
    (rsa_len,) = struct.unpack(">H", ciphertext[:2])
    if len(ciphertext) < rsa_len + 2:
        raise UnsealError("sealed value is too short")
    try:
        session_key = private_key.decrypt(ciphertext[2 : rsa_len + 2], _oaep(lbl))
        return AESGCM(session_key).decrypt(NONCE, ciphertext[rsa_len + 2 :], None)
    except (ValueError, InvalidTag):
        # Wrong key, wrong scope label (namespace or name changed) or corrupted bytes.
        raise UnsealError("cannot decrypt: wrong key, wrong scope, or corrupted value") from None
