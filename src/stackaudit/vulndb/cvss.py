"""CVSS base scores computed from vector strings (v3.0, v3.1, v4.0) with the ``cvss`` library."""

from __future__ import annotations

from collections.abc import Iterable

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError


def base_score(vector: str) -> float | None:
    """The base score of one vector, or None when it is not a CVSS v3/v4 vector."""
    try:
        if vector.startswith("CVSS:3."):
            return float(CVSS3(vector).base_score)
        if vector.startswith("CVSS:4."):
            return float(CVSS4(vector).base_score)
    except (CVSSError, ValueError, KeyError):
        return None
    return None


def best_vector(vectors: Iterable[str]) -> tuple[str | None, float | None]:
    """The highest-scoring vector among several (an advisory may carry v3 and v4)."""
    best: tuple[str | None, float | None] = (None, None)
    for vector in vectors:
        score = base_score(vector)
        if score is not None and (best[1] is None or score > best[1]):
            best = (vector, score)
    return best
