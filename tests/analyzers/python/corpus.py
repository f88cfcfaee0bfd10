"""The labelled fixture corpus: files under fixtures/<rule>/{positive,negative}/ with
``# expect: RULE[, RULE]`` on every line where a finding is expected.

Used by the exact-match fixture tests and by the precision/recall scorer
(``python tests/analyzers/python/corpus.py`` prints the table).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from stackaudit.analyzers.base import FileInput, SourceFile
from stackaudit.analyzers.python.analyzer import PythonRulesAnalyzer
from stackaudit.config.schema import Config
from stackaudit.model import Finding

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HOLDOUT = FIXTURES / "holdout"
EXPECT = re.compile(r"#\s*expect:\s*([\w.,\s-]+?)\s*$")


@dataclass(frozen=True, slots=True)
class Case:
    rule: str  # the fixture folder
    polarity: str  # "positive" | "negative"
    path: Path

    @property
    def rel(self) -> str:
        return self.path.relative_to(FIXTURES).as_posix()


def cases() -> list[Case]:
    return [
        Case(path.parent.parent.name, path.parent.name, path)
        for path in sorted(FIXTURES.glob("*/*/*.py"))
        if path.parent.name in {"positive", "negative"}
    ]


def expected(path: Path) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            out.update((rule.strip(), number) for rule in match.group(1).split(",") if rule.strip())
    return out


def analyse(path: Path, rel: str | None = None) -> tuple[Finding, ...]:
    text = path.read_text()
    source = SourceFile(rel or path.name, path, len(text), "python")
    return PythonRulesAnalyzer().analyze(FileInput(source, text), Config()).findings


def actual(case: Case) -> set[tuple[str, int]]:
    return {(f.rule_id, f.location.line) for f in analyse(case.path, case.rel)}


@dataclass(frozen=True, slots=True)
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


def holdout_files() -> list[Path]:
    return sorted(HOLDOUT.glob("*.py"))


def score(files: list[Path] | None = None) -> dict[str, Score]:
    """Per rule: true positives, false positives (unexpected findings anywhere in the corpus,
    negatives included) and false negatives (expected lines without the finding).
    Default corpus: every fixture; pass ``holdout_files()`` for the held-out set."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    paths = [c.path for c in cases()] if files is None else files
    for path in paths:
        want = expected(path)
        rel = path.relative_to(path.parent.parent).as_posix()
        got = {(f.rule_id, f.location.line) for f in analyse(path, rel)}
        for rule, _ in got & want:
            tp[rule] += 1
        for rule, _ in got - want:
            fp[rule] += 1
        for rule, _ in want - got:
            fn[rule] += 1
    rules = sorted(set(tp) | set(fp) | set(fn) | {r.id for r in PythonRulesAnalyzer.rules})
    return {rule: Score(tp[rule], fp[rule], fn[rule]) for rule in rules}


def table(scores: dict[str, Score]) -> str:
    def row(name: str, s: Score) -> str:
        return f"{name:32} {s.tp:4} {s.fp:4} {s.fn:4} {s.precision:10.2f} {s.recall:8.2f}"

    lines = [f"{'rule':32} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}"]
    lines.extend(row(rule, s) for rule, s in scores.items())
    total = Score(*(sum(getattr(s, k) for s in scores.values()) for k in ("tp", "fp", "fn")))
    lines.append(row("all", total))
    return "\n".join(lines)


if __name__ == "__main__":
    print("fixtures (rules were developed against these)")
    print(table(score()))
    print("\nheld-out corpus (written after the rules, not tuned on)")
    print(table(score(holdout_files())))
    sys.exit(0)
