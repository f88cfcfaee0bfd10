"""Labelled fixtures: ``# expect: CODE[,CODE]`` marks each line a wrapped engine must report."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_EXPECT = re.compile(r"#\s*expect:\s*([\w.-]+(?:\s*,\s*[\w.-]+)*)\s*$")


def expected(root: Path, patterns: Iterable[str], prefix: str) -> set[tuple[str, int, str]]:
    """(path, line, rule id) for every label under ``root``."""
    out: set[tuple[str, int, str]] = set()
    for pattern in patterns:
        for file in sorted(root.glob(pattern)):
            rel = file.relative_to(root).as_posix()
            for number, line in enumerate(file.read_text().splitlines(), start=1):
                match = _EXPECT.search(line)
                if match:
                    for code in match.group(1).split(","):
                        out.add((rel, number, prefix + code.strip()))
    return out


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def __str__(self) -> str:
        counts = f"TP={self.tp} FP={self.fp} FN={self.fn}"
        return f"{counts} precision={self.precision:.3f} recall={self.recall:.3f}"


def score(found: set[tuple[str, int, str]], truth: set[tuple[str, int, str]]) -> Score:
    return Score(tp=len(found & truth), fp=len(found - truth), fn=len(truth - found))
