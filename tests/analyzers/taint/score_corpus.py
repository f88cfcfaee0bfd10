"""Score the taint engine (and Bandit, side by side) on the labelled SAST corpus.

Each case file starts with ``# label: vulnerable cwe=89`` or ``# label: safe cwe=89``.
A case counts as flagged when a finding of that category's rule is reported in
its file. Per category: TPR = flagged vulnerable / vulnerable, FPR = flagged safe /
safe; the score is TPR - FPR, averaged over the categories (the metric the OWASP
Benchmark uses).

    .venv/bin/python tests/analyzers/taint/score_corpus.py [--no-bandit] [--misses] [--only _hw_]
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from stackaudit.analyzers.base import RepoContext, SourceFile
from stackaudit.analyzers.taint.analyzer import TaintAnalyzer
from stackaudit.analyzers.taint.rules import TAINT_RULES
from stackaudit.config.schema import Config

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
LABEL = re.compile(r"^# label: (vulnerable|safe) cwe=(\d+)", re.MULTILINE)

# Bandit test ids -> the corpus category they speak to (tests for other problems map to none).
BANDIT_CATEGORY: Mapping[str, int] = {
    "B608": 89,
    "B610": 89,
    "B611": 89,
    "B602": 78,
    "B603": 78,
    "B604": 78,
    "B605": 78,
    "B606": 78,
    "B607": 78,
    "B609": 78,
    "B102": 94,
    "B307": 94,
    "B701": 79,
    "B702": 79,
    "B703": 79,
    "B704": 79,
    "B308": 79,
    "B310": 918,
    "B313": 611,
    "B314": 611,
    "B315": 611,
    "B316": 611,
    "B317": 611,
    "B318": 611,
    "B319": 611,
    "B320": 611,
    "B301": 502,
    "B302": 502,
    "B506": 502,
}


@dataclass(frozen=True, slots=True)
class Case:
    path: str
    vulnerable: bool
    cwe: int


@dataclass(frozen=True, slots=True)
class CategoryScore:
    cwe: int
    vulnerable: int
    safe: int
    true_positives: int
    false_positives: int

    @property
    def tpr(self) -> float:
        return self.true_positives / self.vulnerable if self.vulnerable else 0.0

    @property
    def fpr(self) -> float:
        return self.false_positives / self.safe if self.safe else 0.0

    @property
    def score(self) -> float:
        return self.tpr - self.fpr


def load_cases(corpus: Path = CORPUS) -> list[Case]:
    cases = []
    for path in sorted(corpus.glob("*.py")):
        match = LABEL.search(path.read_text(encoding="utf-8")[:300])
        if match:
            cases.append(Case(path.name, match.group(1) == "vulnerable", int(match.group(2))))
    return cases


def taint_flags(corpus: Path = CORPUS) -> set[tuple[str, int]]:
    """(file, cwe) pairs the taint analyzer flags, through its public RepoAnalyzer interface."""
    files = tuple(
        SourceFile(p.relative_to(corpus).as_posix(), p, p.stat().st_size, "python")
        for p in sorted(corpus.rglob("*.py"))
    )
    result = TaintAnalyzer().analyze_repo(RepoContext(corpus, files, Config(), is_git=False))
    by_rule = {rule.id: cwe for cwe, rule in TAINT_RULES.items()}
    return {(f.location.path, by_rule[f.rule_id]) for f in result.findings if f.rule_id in by_rule}


def bandit_flags(corpus: Path = CORPUS) -> set[tuple[str, int]] | None:
    exe = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which("bandit")
    if exe is None:
        return None
    proc = subprocess.run(
        [exe, "-r", ".", "-f", "json", "-q"],
        cwd=corpus,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    data = json.loads(proc.stdout or "{}")
    flags = set()
    for item in data.get("results", []):
        category = BANDIT_CATEGORY.get(item["test_id"])
        if category is not None:
            flags.add((Path(item["filename"]).as_posix().removeprefix("./"), category))
    return flags


def score(cases: Iterable[Case], flags: set[tuple[str, int]]) -> dict[int, CategoryScore]:
    totals: dict[int, list[int]] = {}
    for case in cases:
        row = totals.setdefault(case.cwe, [0, 0, 0, 0])
        hit = (case.path, case.cwe) in flags
        if case.vulnerable:
            row[0] += 1
            row[2] += hit
        else:
            row[1] += 1
            row[3] += hit
    return {cwe: CategoryScore(cwe, *row) for cwe, row in sorted(totals.items())}


def average(scores: Mapping[int, CategoryScore]) -> float:
    return sum(s.score for s in scores.values()) / len(scores) if scores else 0.0


def report(ours: Mapping[int, CategoryScore], bandit: Mapping[int, CategoryScore] | None) -> str:
    names = {cwe: rule.id for cwe, rule in TAINT_RULES.items()}
    head = f"{'category':<34}{'cases':>6}{'TPR':>7}{'FPR':>7}{'TPR-FPR':>9}"
    head += f"{'bandit TPR':>12}{'FPR':>7}{'TPR-FPR':>9}" if bandit is not None else ""
    lines = [head]
    for cwe, s in ours.items():
        label = f"{names[cwe]} ({cwe})"
        line = f"{label:<34}{s.vulnerable + s.safe:>6}{s.tpr:>7.2f}{s.fpr:>7.2f}{s.score:>9.2f}"
        if bandit is not None:
            b = bandit[cwe]
            line += f"{b.tpr:>12.2f}{b.fpr:>7.2f}{b.score:>9.2f}"
        lines.append(line)
    tail = (
        f"{'average':<34}{sum(s.vulnerable + s.safe for s in ours.values()):>6}{'':>14}{average(ours):>9.2f}"
    )
    if bandit is not None:
        tail += f"{'':>19}{average(bandit):>9.2f}"
    lines.append(tail)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    cases = load_cases()
    if "--only" in argv:  # e.g. --only _hw_ : the hand-written cases alone
        pattern = argv[argv.index("--only") + 1]
        cases = [case for case in cases if pattern in case.path]
    ours = score(cases, taint_flags())
    bandit_set = None if "--no-bandit" in argv else bandit_flags()
    bandit = score(cases, bandit_set) if bandit_set is not None else None
    print(report(ours, bandit))
    if "--misses" in argv:
        flags = taint_flags()
        for case in cases:
            if ((case.path, case.cwe) in flags) != case.vulnerable:
                print("MISS" if case.vulnerable else "FALSE POSITIVE", case.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
