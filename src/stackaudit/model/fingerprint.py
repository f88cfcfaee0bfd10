"""The one identity function for findings.

Identity is (rule, path, normalised matched code, occurrence index) and never the
line number: moving code up or down a file keeps its findings' identity, while a
new problem on a line that already had one gets a new identity because its
matched code (or its occurrence index) differs. Baselines, the history store and
SARIF ``partialFingerprints`` all use this function.
"""

from __future__ import annotations

import hashlib
import re

FINGERPRINT_VERSION = "v1"
_WS = re.compile(r"\s+")


def normalise_snippet(snippet: str) -> str:
    """Collapse all whitespace runs so re-indentation and re-wrapping keep identity."""
    return _WS.sub(" ", snippet).strip()


def fingerprint(rule_id: str, path: str, snippet: str, occurrence: int = 0) -> str:
    """Return the stable identity of a finding as 32 hex characters."""
    material = "\x00".join(
        (FINGERPRINT_VERSION, rule_id, path.replace("\\", "/"), normalise_snippet(snippet), str(occurrence))
    )
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]
