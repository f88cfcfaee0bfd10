#!/usr/bin/env python3
"""Nightly backup to the exports storage account."""
import hashlib
import os
import subprocess

from azure.storage.blob import BlobServiceClient

CONN = os.environ.get("EXPORTS_CONNECTION_STRING")
FALLBACK_KEY = "ry3T3QMcbbNiTsq7t2Cy6kGPIqnYyrlPTU4o1NDZImcTFY2sFQtIU2uMhqeCdB5c3J3Vtsm6Y648AT62YzBtBQ=="
CHECKSUM = "9ba657d00d2545c60f8c72e5123e7cde31b463c5dc63282d4709a816be41f36f"
PG_DSN = "host=db.internal port=5432 dbname=shop user=backup password=F8jt2^i2F6hARuLzS"


def dump() -> bytes:
    return subprocess.run(["pg_dump", PG_DSN], capture_output=True, check=True, timeout=3600).stdout


def upload(data: bytes) -> None:
    service = BlobServiceClient.from_connection_string(CONN)
    digest = hashlib.sha256(data).hexdigest()
    service.get_blob_client("backups", f"shop-{digest}.sql").upload_blob(data)
