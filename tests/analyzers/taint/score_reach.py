"""Score the taint analyzer on the "reach" fixtures: real-code idioms, one case per directory.

Each case is a small repository under ``fixtures/reach/<case>/`` (Python modules, templates,
helper packages). Its files carry label lines::

    # label: vulnerable rule=sec.xss group=template
    # label: safe rule=sec.tls-verify-disabled group=sink

A case is flagged for a rule when the analyzer, run on that directory alone, reports a
finding of that rule anywhere in it. Per rule and per group the scorer prints precision
(flagged vulnerable / all flagged) and recall (flagged vulnerable / vulnerable).
``taint.json`` in a case holds ``[tool.stackaudit.taint]`` settings for it.

    .venv/bin/python tests/analyzers/taint/score_reach.py [--misses] [--holdout]
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from stackaudit.analyzers.base import RepoContext, SourceFile
from stackaudit.analyzers.taint.analyzer import TaintAnalyzer
from stackaudit.config.schema import Config
from stackaudit.config.sections.taint import TaintConfig
from stackaudit.model import Finding

REACH = Path(__file__).parent / "fixtures" / "reach"
HOLDOUT = Path(__file__).parent / "fixtures" / "reach_holdout"  # written blind, scored once
LABEL = re.compile(r"(?:#|\{#)\s*label: (vulnerable|safe) rule=([\w.-]+) group=(\w+)")
_LANGUAGES = {".py": "python", ".html": "html", ".txt": "text", ".jinja2": "html", ".j2": "html"}


@dataclass(frozen=True, slots=True)
class Label:
    case: str
    rule: str
    group: str
    vulnerable: bool


@dataclass(frozen=True, slots=True)
class Rates:
    vulnerable: int
    flagged_vulnerable: int
    flagged_safe: int

    @property
    def precision(self) -> float:
        flagged = self.flagged_vulnerable + self.flagged_safe
        return self.flagged_vulnerable / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        return self.flagged_vulnerable / self.vulnerable if self.vulnerable else 1.0


def load_labels(root: Path = REACH) -> list[Label]:
    labels = []
    for case in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(case.rglob("*")):
            if path.is_file() and path.suffix in _LANGUAGES:
                for match in LABEL.finditer(path.read_text(encoding="utf-8")):
                    labels.append(
                        Label(case.name, match.group(2), match.group(3), match.group(1) == "vulnerable")
                    )
    return labels


def run_case(case: Path) -> tuple[Finding, ...]:
    files = tuple(
        SourceFile(p.relative_to(case).as_posix(), p, p.stat().st_size, _LANGUAGES[p.suffix])
        for p in sorted(case.rglob("*"))
        if p.is_file() and p.suffix in _LANGUAGES
    )
    settings = case / "taint.json"
    try:
        taint = TaintConfig(**json.loads(settings.read_text())) if settings.exists() else TaintConfig()
    except ValueError as exc:  # a setting this version does not know: score the case as unflagged
        print(f"{case.name}: settings rejected ({type(exc).__name__})", file=sys.stderr)
        return ()
    result = TaintAnalyzer().analyze_repo(RepoContext(case, files, Config(taint=taint), is_git=False))
    return result.findings


def flags(labels: Iterable[Label], root: Path = REACH) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for case in sorted({label.case for label in labels}):
        out |= {(case, f.rule_id) for f in run_case(root / case)}
    return out


def rates(labels: Iterable[Label], flagged: set[tuple[str, str]], key: str) -> dict[str, Rates]:
    rows: dict[str, list[int]] = {}
    for label in labels:
        row = rows.setdefault(getattr(label, key), [0, 0, 0])
        hit = (label.case, label.rule) in flagged
        row[0] += label.vulnerable
        row[1] += hit and label.vulnerable
        row[2] += hit and not label.vulnerable
    return {name: Rates(*row) for name, row in sorted(rows.items())}


def report(labels: list[Label], flagged: set[tuple[str, str]]) -> str:
    lines = [f"{'':<34}{'labels':>7}{'vuln':>6}{'precision':>11}{'recall':>8}"]
    for key in ("group", "rule"):
        lines.append(f"-- per {key}")
        counts: Mapping[str, int] = {}
        counts = {
            n: sum(1 for lb in labels if getattr(lb, key) == n) for n in {getattr(lb, key) for lb in labels}
        }
        for name, r in rates(labels, flagged, key).items():
            lines.append(f"{name:<34}{counts[name]:>7}{r.vulnerable:>6}{r.precision:>11.2f}{r.recall:>8.2f}")
    total = rates([Label(lb.case, lb.rule, "all", lb.vulnerable) for lb in labels], flagged, "group")["all"]
    lines.append(
        f"{'all':<34}{len(labels):>7}{total.vulnerable:>6}{total.precision:>11.2f}{total.recall:>8.2f}"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    root = HOLDOUT if "--holdout" in argv else REACH
    labels = load_labels(root)
    flagged = flags(labels, root)
    print(report(labels, flagged))
    if "--misses" in argv:
        for label in labels:
            if ((label.case, label.rule) in flagged) != label.vulnerable:
                print("MISS" if label.vulnerable else "FALSE POSITIVE", label.case, label.rule)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
