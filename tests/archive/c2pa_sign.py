"""C2PA-signed files made at test time: a throwaway CA and signer made with ``cryptography``,
and c2pa-python's ``Builder`` to embed a manifest with a training-and-data-mining assertion."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SIGNER_NAME = "Test Newsroom Signer"
ISSUER_ORG = "TrainedOn Test CA"
TRAINING = {
    "cawg.ai_generative_training": {"use": "notAllowed"},
    "cawg.ai_training": {"use": "notAllowed"},
    "cawg.ai_inference": {"use": "allowed"},
    "cawg.data_mining": {"use": "constrained", "constraint_info": "ask rights@news.example"},
}


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ISSUER_ORG),
        ]
    )


def signer_credentials() -> tuple[bytes, bytes]:
    """(certificate chain PEM, private key PEM) of a leaf signed by a fresh root."""
    now = datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("TrainedOn Test Root"))
        .issuer_name(_name("TrainedOn Test Root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(SIGNER_NAME))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    chain = leaf.public_bytes(serialization.Encoding.PEM) + root.public_bytes(
        serialization.Encoding.PEM
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return chain, pem


def sign(asset: bytes, media_type: str, *, training: dict[str, Any] | None = None) -> bytes:
    """``asset`` with an embedded C2PA manifest (claim generator "TrainedOn tests 1")."""
    import c2pa

    chain, key = signer_credentials()
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None))
    assertions: list[dict[str, Any]] = [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/"
                        "digitalCapture",
                    }
                ]
            },
        }
    ]
    if training is not None:
        assertions.append({"label": "cawg.training-mining", "data": {"entries": training}})
    manifest = {
        "claim_generator_info": [{"name": "TrainedOn tests", "version": "1"}],
        "title": "signed asset",
        "assertions": assertions,
    }
    out = io.BytesIO()
    with c2pa.Builder(manifest) as builder:
        builder.sign(signer, media_type, io.BytesIO(asset), out)
    signer.close()
    return out.getvalue()


def changed_pixels(signed_png: bytes) -> bytes:
    """The signed PNG with one byte of its image data flipped (the hashes no longer match)."""
    at = signed_png.find(b"IDAT") + 10
    data = bytearray(signed_png)
    data[at] ^= 0x01
    return bytes(data)


def broken_manifest(signed_png: bytes) -> bytes:
    """The signed PNG with its manifest store's bytes scrambled (the JUMBF cannot be parsed)."""
    at = signed_png.find(b"jumb") + 200
    data = bytearray(signed_png)
    for i in range(at, at + 60):
        data[i] ^= 0xFF
    return bytes(data)
