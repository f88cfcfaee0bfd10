"""Labels as facts: one JSON object per line in ``labels/<app>.jsonl``.

Each entry: ``rule``, ``path``, ``code`` (the finding's snippet, or its message when it has
none), ``verdict`` (true | false | debatable) and ``reason`` (one line, written after reading the
code around the finding). The key is (rule, path, normalised code), never the line.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import LABELS_DIR, RANDOM_N, SAMPLE_SEED, TOP_N, finding_key, label_key

VERDICTS = ("true", "false", "debatable")


@dataclass(frozen=True, slots=True)
class Label:
    rule: str
    path: str
    code: str
    verdict: str
    reason: str

    @property
    def key(self) -> tuple[str, str, str]:
        return label_key(self.rule, self.path, self.code)


def parse_labels(lines: list[str], origin: str = "<labels>") -> dict[tuple[str, str, str], Label]:
    """Parse JSONL label lines; a bad line or verdict is an error naming the file and line."""
    labels: dict[tuple[str, str, str], Label] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            raw = json.loads(line)
            label = Label(
                str(raw["rule"]), str(raw["path"]), str(raw["code"]), str(raw["verdict"]), str(raw["reason"])
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{origin}:{number}: not a label ({exc})") from exc
        if label.verdict not in VERDICTS:
            raise ValueError(f"{origin}:{number}: verdict {label.verdict!r} is not one of {VERDICTS}")
        labels[label.key] = label
    return labels


def load_labels(app: str, directory: Path = LABELS_DIR) -> dict[tuple[str, str, str], Label]:
    path = directory / f"{app}.jsonl"
    if not path.exists():
        return {}
    return parse_labels(path.read_text(encoding="utf-8").splitlines(), str(path))


def sample(findings: list[dict[str, Any]], top_n: int = TOP_N, random_n: int = RANDOM_N,
           seed: int = SAMPLE_SEED) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """The findings to label: the top ``top_n`` by score, and ``random_n`` drawn from the rest.

    ``findings`` must be ordered by score, highest first. Keys already in the top are not drawn
    again (two occurrences of the same code share one label).
    """
    top = findings[:top_n]
    seen = {finding_key(f) for f in top}
    rest: list[dict[str, Any]] = []
    for finding in findings[top_n:]:
        key = finding_key(finding)
        if key not in seen:
            seen.add(key)
            rest.append(finding)
    drawn = random.Random(seed).sample(rest, min(random_n, len(rest)))
    return top, drawn
