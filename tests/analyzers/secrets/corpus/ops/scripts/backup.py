#!/usr/bin/env python3
"""Nightly backup to the exports storage account."""
import hashlib
import os
import subprocess

from azure.storage.blob import BlobServiceClient

CONN = os.environ.get("EXPORTS_CONNECTION_STRING")
FALLBACK_KEY = "5Tv9GiLBNw4XliSx+8wNJ+ZZwqryfO/x1kWx3dhSXCzN4lx+ikwdVUdtIwqGhLqEoCO2SPuYV43nfgcjleIW4B=="
CHECKSUM = "3339771ab2b91ef6164a416b1565d5b318d06d7b3c732c6529d3f9bc5e5a3aa1"
PG_DSN = "host=db.internal port=5432 dbname=shop user=backup password=gmfxwBnsw0ucV*3ORqV"


def dump() -> bytes:
    return subprocess.run(["pg_dump", PG_DSN], capture_output=True, check=True, timeout=3600).stdout


def upload(data: bytes) -> None:
    service = BlobServiceClient.from_connection_string(CONN)
    digest = hashlib.sha256(data).hexdigest()
    service.get_blob_client("backups", f"shop-{digest}.sql").upload_blob(data)
