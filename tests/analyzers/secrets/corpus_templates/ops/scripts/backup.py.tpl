#!/usr/bin/env python3
"""Nightly backup to the exports storage account."""
import hashlib
import os
import subprocess

from azure.storage.blob import BlobServiceClient

CONN = os.environ.get("EXPORTS_CONNECTION_STRING")
FALLBACK_KEY = "⟦azure⟧"
CHECKSUM = "⟪sha256⟫"
PG_DSN = "host=db.internal port=5432 dbname=shop user=backup password=⟦password⟧"


def dump() -> bytes:
    return subprocess.run(["pg_dump", PG_DSN], capture_output=True, check=True, timeout=3600).stdout


def upload(data: bytes) -> None:
    service = BlobServiceClient.from_connection_string(CONN)
    digest = hashlib.sha256(data).hexdigest()
    service.get_blob_client("backups", f"shop-{digest}.sql").upload_blob(data)
