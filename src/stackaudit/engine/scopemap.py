"""The service map an audit attaches endpoints with, cached in the store between runs.

Every audit gives each Python finding its endpoint and ``auth`` level (scope/attach.py), which
needs the service map: a parse of every service file and a call graph (0.2 to 3.4 s on real
services). The answers it gives (scope/reach.py) are cached like a repository analyzer's result,
under a key made of the content hash of every file the map reads and of the map's own code: a
warm re-audit reads them back; an edit to any of those files, or to ``scope/``, rebuilds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from stackaudit.analyzers.pyparse import ParsedModules
from stackaudit.engine import cache
from stackaudit.scope.build import Scope, load_scope, service_paths
from stackaudit.scope.reach import CachedScope, code_version, decode_table, encode_table, table_of

NAME = "scope-map"


def scope_key(paths: Iterable[str], digests: Mapping[str, str]) -> str | None:
    """None when a file the map reads has no content hash (not read this run): no cache then."""
    pairs = []
    for path in paths:
        digest = digests.get(path)
        if digest is None:
            return None
        pairs.append((path, digest))
    return cache.repo_key(NAME, code_version(), "", pairs)


def audit_scope(
    root: Path,
    paths: Iterable[str],
    digests: Mapping[str, str],
    backend: cache.CacheBackend | None,
    parsed: ParsedModules | None = None,
) -> Scope | CachedScope:
    """The map's answers: from the cache, else built (and cached). Without a cache the built
    map answers itself. Raises RecursionError for a URL conf nested past Python's stack."""
    service = service_paths(paths)
    key = scope_key(service, digests) if backend is not None else None
    if backend is None or key is None:
        return load_scope(root, service, parsed)
    hit = cache.get_many(backend, [key]).get(key)
    table = decode_table(hit) if hit is not None else None
    if table is None:
        table = table_of(load_scope(root, service, parsed))
        backend.cache_put_many({key: encode_table(table)})
    return CachedScope(table)
