"""The sealing certificate: short RSA keys are refused, a future notBefore is a warning.

Keys and certificates are generated with `cryptography`; sealing goes through the
real `gitops-tui seal` command with `--cert`.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from functools import cache
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from gitops_tui.cli import main
from gitops_tui.secrets.cert import CertError, parse_cert
from gitops_tui.secrets.crypto import Scope, WeakKeyError, hybrid_decrypt, hybrid_encrypt, label

NOW = dt.datetime.now(dt.UTC)


def _prime(bits: int) -> int:
    """A random prime (Miller-Rabin, 40 rounds)."""
    while True:
        n = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        d, r = n - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(40):
            x = pow(secrets.randbelow(n - 3) + 2, d, n)
            if x in (1, n - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, n)
                if x == n - 1:
                    break
            else:
                break
        else:
            return n


def _small_key(bits: int) -> rsa.RSAPrivateKey:
    """cryptography makes no key under 1024 bits; a 512-bit one from its numbers."""
    e = 65537
    while True:
        p, q = _prime(bits // 2), _prime(bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and (p * q).bit_length() == bits and phi % e:
            break
    d = pow(e, -1, phi)
    public = rsa.RSAPublicNumbers(e, p * q)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), rsa.rsa_crt_iqmp(p, q), public
    )
    return numbers.private_key()


@cache
def private_key(bits: int) -> rsa.RSAPrivateKey:
    if bits < 1024:
        return _small_key(bits)
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pem(bits: int, not_before: dt.datetime, not_after: dt.datetime) -> bytes:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sealed-secret")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key(bits).public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        # Signed with a sound key: only the key it carries is short.
        .sign(private_key(2048), hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def seal(capsys, cert: Path) -> tuple[int, str, str]:
    code = main(
        ["seal", "--cert", str(cert), "-n", "shop", "--name", "db", "--from-literal", "pw=s3cr3t"]
    )
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.mark.parametrize("bits", [512, 1024, 2047])
def test_a_short_key_is_refused_with_its_size_and_nothing_is_sealed(
    bits: int, tmp_path: Path, capsys
) -> None:
    cert = tmp_path / "weak.pem"
    cert.write_bytes(pem(bits, NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=365)))
    code, out, err = seal(capsys, cert)
    assert code == 1 and out == ""
    assert err == (
        f"error: the certificate from {cert} is a {bits}-bit RSA key; sealing needs at least "
        "2048 bits (the sealed-secrets controller makes 4096-bit keys)\n"
    )
    assert "s3cr3t" not in err


def test_hybrid_encrypt_itself_refuses_a_short_key() -> None:
    with pytest.raises(WeakKeyError, match="1024-bit RSA key"):
        hybrid_encrypt(private_key(1024).public_key(), b"value", b"shop/db")


def test_2048_bits_seal_and_a_future_not_before_is_a_warning(tmp_path: Path, capsys) -> None:
    start = NOW + dt.timedelta(days=2)
    cert = tmp_path / "future.pem"
    cert.write_bytes(pem(2048, start, NOW + dt.timedelta(days=365)))
    code, out, err = seal(capsys, cert)
    assert code == 0
    assert err == (
        f"warning: the sealing certificate from {cert} is not valid until "
        f"{start:%Y-%m-%d %H:%M} UTC (is a clock wrong?)\n"
    )
    sealed = base64.b64decode(yaml.safe_load(out)["spec"]["encryptedData"]["pw"])
    strict = label(Scope.STRICT, "shop", "db")
    assert hybrid_decrypt(private_key(2048), sealed, strict) == b"s3cr3t"


def test_a_cert_valid_now_has_no_warning() -> None:
    cert = parse_cert(pem(2048, NOW - dt.timedelta(hours=1), NOW + dt.timedelta(days=90)), "x")
    assert cert.warnings == ()
    with pytest.raises(CertError, match="512-bit"):
        parse_cert(pem(512, NOW - dt.timedelta(hours=1), NOW + dt.timedelta(days=90)), "x")
