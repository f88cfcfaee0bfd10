"""The threat model of a stored run, kept in the store's cache table under the run's id, as the
service map is (``scope/stored.py``): derived data, so a missing entry only means "not shown"."""

from __future__ import annotations

import gzip
import json

from stackaudit.model.codec import decode, to_primitive
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
