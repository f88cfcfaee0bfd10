"""Result cache keys and payloads.

A file's entry is keyed by its path, content hash, language, the names and
versions of the analyzers that apply, and the config hash; a repo analyzer's
entry by its name, version, the config hash and every input file's content hash.
Payloads are JSON through the store's fast codec (same output as ``model.codec``).
A payload that fails to decode is a miss (and is replaced), never a crash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from stackaudit.analyzers.base import RepoResult
from stackaudit.engine.worker import FileOutcome
from stackaudit.storage.fastcodec import from_payload, to_payload

CACHE_FORMAT = "2"  # 2: outcomes carry SafetyProofs


class CacheBackend(Protocol):
    def cache_get_many(self, keys: Sequence[str]) -> dict[str, bytes]: ...

    def cache_put_many(self, items: Mapping[str, bytes]) -> None: ...


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join((CACHE_FORMAT, *parts)).encode("utf-8", "surrogatepass")).hexdigest()


def file_key(path: str, digest: str, language: str, signature: str) -> str:
    return _key("file", path, digest, language, signature)


def repo_key(name: str, version: str, config_hash: str, inputs: Iterable[tuple[str, str]]) -> str:
    material = hashlib.sha256()
    for path, digest in sorted(inputs):
        material.update(f"{path}\x00{digest}\n".encode("utf-8", "surrogatepass"))
    return _key("repo", name, version, config_hash, material.hexdigest())


def carry_key(project: str, analyzer: str) -> str:
    """The one entry per project holding an analyzer's whole-program result of the latest
    stored run, which ``--changed-since`` carries (engine/carry.py); replaced by every run."""
    return _key("carry", project, analyzer)


def encode_outcome(outcome: FileOutcome) -> bytes:
    return to_payload(outcome)


def decode_outcome(payload: bytes) -> FileOutcome | None:
    return from_payload(FileOutcome, payload)


def encode_repo(result: RepoResult) -> bytes:
    return to_payload(result)


def decode_repo(payload: bytes) -> RepoResult | None:
    return from_payload(RepoResult, payload)


def get_many(backend: CacheBackend | None, keys: Sequence[str], chunk: int = 500) -> dict[str, bytes]:
    if backend is None or not keys:
        return {}
    found: dict[str, bytes] = {}
    for start in range(0, len(keys), chunk):
        found.update(backend.cache_get_many(keys[start : start + chunk]))
    return found
