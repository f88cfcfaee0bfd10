"""Fixtures of the DAST tests: a self-signed certificate for the HTTPS twins."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tls_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(certificate, key) for 127.0.0.1, made by the openssl binary (Debian's openssl package)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is not installed: scripts/services.sh installs it")
        pytest.skip("openssl not installed: the HTTPS twins need a self-signed certificate")
    where: Path = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    name = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    files = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", *name, *files],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return str(cert), str(key)
