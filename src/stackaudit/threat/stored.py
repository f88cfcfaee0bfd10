"""The threat model of a stored run, kept in the store's cache table under the run's id, as the
service map is (``scope/stored.py``): derived data, so a missing entry only means "not shown"."""

from __future__ import annotations

import dataclasses
import gzip
import json

from stackaudit.model import AuditResult
from stackaudit.model.codec import decode, to_primitive
from stackaudit.storage.store import Store
from stackaudit.threat.model import ThreatModel

_PREFIX = "threat-model/v1:"


def threat_key(run_id: str) -> str:
    return f"{_PREFIX}{run_id}"


def encode_threats(model: ThreatModel) -> bytes:
    return gzip.compress(json.dumps(to_primitive(model), separators=(",", ":")).encode(), mtime=0)


def decode_threats(payload: bytes) -> ThreatModel | None:
    """None for anything unreadable (a torn write, another format): treated as none stored."""
    try:
        return decode(ThreatModel, json.loads(gzip.decompress(payload)))
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError):
        return None


def with_stored_drawings(store: Store, result: AuditResult) -> AuditResult:
    """A loaded run with the map and threat model kept beside it (``report`` renders them again)."""
    from stackaudit.scope.stored import decode_map, map_key

    run_id = result.run.id
    found = store.cache_get_many([map_key(run_id), threat_key(run_id)])
    smap = found.get(map_key(run_id))
    threats = found.get(threat_key(run_id))
    return dataclasses.replace(
        result,
        service_map=decode_map(smap) if smap is not None else None,
        threat_model=decode_threats(threats) if threats is not None else None,
    )
