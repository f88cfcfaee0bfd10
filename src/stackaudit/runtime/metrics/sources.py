"""Snapshot readers, one per kind of source. Each returns plain numbers; counters
are turned into rates and ratios over the window by ``window.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

TIMEOUT_S = 5.0


class SourceError(Exception):
    """A source could not be read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    source: str  # "redis", "postgres", "prometheus <url>"
    values: dict[str, float]


def _driver(module: str, source: str, extra: str) -> object:
    """Import a source's driver; a missing one is a SourceError naming what to install,
    so the other sources' readings are kept."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise SourceError(f"{source}: the {module} driver is not installed: pip install '{extra}'") from None


def redis_snapshot(url: str, queues: Sequence[str]) -> Snapshot:
    _driver("redis", f"redis {_safe_url(url)}", "redis>=5")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
        info = client.info()
        values = {
            "keyspace_hits": float(info.get("keyspace_hits", 0)),
            "keyspace_misses": float(info.get("keyspace_misses", 0)),
            "connected_clients": float(info.get("connected_clients", 0)),
            "maxclients": float(client.config_get("maxclients").get("maxclients", 0) or 0),
            "used_memory": float(info.get("used_memory", 0)),
            "evicted_keys": float(info.get("evicted_keys", 0)),
        }
        # LLEN is itself a keyspace lookup: count our own hits and misses so the
        # window's ratio can leave them out (a missing list is a miss, a list a hit).
        own_hits = own_misses = 0
        for queue in queues:
            depth = float(client.llen(queue))
            values[f"queue:{queue}"] = depth
            own_hits, own_misses = (own_hits + 1, own_misses) if depth else (own_hits, own_misses + 1)
        values["own_hits"], values["own_misses"] = float(own_hits), float(own_misses)
        client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise SourceError(f"redis {_safe_url(url)}: {exc}") from None
    return Snapshot("redis", values)


_PG_QUERIES = {
    "blks_hit": "SELECT coalesce(sum(blks_hit), 0) FROM pg_stat_database",
    "blks_read": "SELECT coalesce(sum(blks_read), 0) FROM pg_stat_database",
    "xacts": "SELECT coalesce(sum(xact_commit + xact_rollback), 0) FROM pg_stat_database",
    "connections": "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'",
    "max_connections": "SELECT setting::float FROM pg_settings WHERE name = 'max_connections'",
    "waiting": "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
}


def postgres_snapshot(url: str) -> Snapshot:
    _driver("psycopg", f"postgres {_safe_url(url)}", "stackaudit[postgres]")
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(dsn, connect_timeout=int(TIMEOUT_S)) as conn, conn.cursor() as cur:
            values = {}
            for name, sql in _PG_QUERIES.items():
                cur.execute(sql)
                row = cur.fetchone()
                values[name] = float(row[0]) if row and row[0] is not None else 0.0
    except (psycopg.Error, OSError) as exc:
        raise SourceError(f"postgres {_safe_url(url)}: {str(exc).strip()}") from None
    return Snapshot("postgres", values)


def prometheus_snapshot(url: str) -> Snapshot:
    try:
        response = httpx.get(url, timeout=TIMEOUT_S, follow_redirects=False)
        response.raise_for_status()
        families = list(text_string_to_metric_families(response.text))
    except (httpx.HTTPError, ValueError) as exc:
        raise SourceError(f"prometheus {url}: {exc}") from None
    values: dict[str, float] = {}
    for family in families:
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}" if labels else sample.name] = float(sample.value)
    return Snapshot(f"prometheus {url}", values)


def _safe_url(url: str) -> str:
    """A URL without its password, for messages."""
    parsed = httpx.URL(url) if "://" in url else None
    if parsed is None or not parsed.password:
        return url
    return str(parsed.copy_with(password="***"))
