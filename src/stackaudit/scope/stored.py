"""The service map of a stored run, kept in the store's cache table under the run's id.

The map is derived from the run's code, so it is a cache in the strict sense: a store pruned of
it, or written by an older stackaudit, simply has none, and the dashboard says so. Keeping it
there needs no new table (no migration) and never grows the runs table that lists read.
"""

from __future__ import annotations

import gzip
import json

from stackaudit.model.codec import decode, to_primitive
from stackaudit.scope.model import ServiceMap

_PREFIX = "service-map/v1:"


def map_key(run_id: str) -> str:
    return f"{_PREFIX}{run_id}"


def encode_map(smap: ServiceMap) -> bytes:
    return gzip.compress(json.dumps(to_primitive(smap), separators=(",", ":")).encode(), mtime=0)


def decode_map(payload: bytes) -> ServiceMap | None:
    """None for anything unreadable (a torn write, another format): treated as no map."""
    try:
        return decode(ServiceMap, json.loads(gzip.decompress(payload)))
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError):
        return None
