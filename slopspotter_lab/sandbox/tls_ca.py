"""The per-scan certificate authority that lets the sinkhole read HTTPS (docs/scan.md).

Made on the host for one scan, in the scan's job directory (so it is deleted with it): the CA
certificate (public, trusted inside the sandbox), its private key and one leaf key, both 0600 so
inside the sandbox only the root harness can read them (the package runs as an unprivileged user).
The harness mints one leaf certificate per server name with these (`harness/tlssink.py`); a CA
lives for one scan, so a key that leaked would open nothing else.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

# What the sandbox sees; a private CA of the kind a corporate laptop or a local dev proxy adds.
CA_NAME = "Local Development CA"
FILES = {"ca_cert": "ca.pem", "ca_key": "ca.key", "leaf_key": "leaf.key"}


def make_ca(dest: Path, days: int = 30) -> dict[str, str]:
    """Write ca.pem, ca.key and leaf.key into dest; return the file names by role."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as exc:  # pragma: no cover - a dependency of the docker/vm extras
        raise RuntimeError("TLS interception needs `cryptography`: pip install 'slopspotter-lab[docker]'") from exc
    dest.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Local Development")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    plain = serialization.NoEncryption()
    (dest / FILES["ca_cert"]).write_bytes(cert.public_bytes(pem))
    for role, k in (("ca_key", key), ("leaf_key", leaf)):
        path = dest / FILES[role]
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_bytes(k.private_bytes(pem, serialization.PrivateFormat.PKCS8, plain))
    return dict(FILES)


def protect(dest: Path) -> None:
    """Re-apply the modes after a blanket chmod of the job directory: keys 0600, cert 0644."""
    (dest / FILES["ca_cert"]).chmod(0o644)
    for role in ("ca_key", "leaf_key"):
        (dest / FILES[role]).chmod(0o600)
