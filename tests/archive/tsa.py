"""Local time-stamping authorities for tests: ``openssl ts -reply`` behind a tiny HTTP handler.

Each authority gets its own throwaway CA, made here with ``cryptography``
(so a test can also make an expired or unknown one), and answers RFC 3161
queries POSTed to ``/tsa`` on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.lib.servers import LocalServer, RequestHandler, serve

CONFIG = """
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.pem
certs = {dir}/tsa.pem
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass
class Authority:
    name: str
    root: x509.Certificate
    tsa_cert: x509.Certificate
    directory: Path
    server: LocalServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url_for("/tsa")

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


def make_authority(name: str, directory: Path, *, expired: bool = False) -> Authority:
    now = datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{name} Root CA"))
        .issuer_name(_name(f"{name} Root CA"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    start, end = (
        (now - timedelta(days=20), now - timedelta(days=10))
        if expired
        else (
            now - timedelta(days=1),
            now + timedelta(days=10),
        )
    )
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{name} Time-Stamping Unit"))
        .issuer_name(root.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tsa.pem").write_bytes(tsa_cert.public_bytes(serialization.Encoding.PEM))
    (directory / "tsa.key").write_bytes(_pem_key(tsa_key))
    (directory / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (directory / "serial").write_text("01\n")
    (directory / "tsa.cnf").write_text(CONFIG.format(dir=directory))
    return Authority(name, root, tsa_cert, directory)


def reply(authority: Authority, query: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as work:
        query_file, reply_file = Path(work) / "q.tsq", Path(work) / "r.tsr"
        query_file.write_bytes(query)
        subprocess.run(
            [
                "openssl", "ts", "-reply", "-config", str(authority.directory / "tsa.cnf"),
                "-queryfile", str(query_file), "-out", str(reply_file),
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )  # fmt: skip
        return reply_file.read_bytes()


@contextmanager
def serve_authority(authority: Authority) -> Iterator[Authority]:
    """The authority on 127.0.0.1: POST /tsa with a query, get the reply."""

    def route(handler: RequestHandler) -> None:
        query = handler.server.requests[-1].body  # read and recorded by the dispatcher
        if handler.command != "POST" or not query:
            handler.reply(405, "POST a timestamp query", content_type="text/plain")
            return
        handler.reply(200, reply(authority, query), content_type="application/timestamp-reply")

    with serve({"/tsa": route}) as server:
        authority.server = server
        yield authority
