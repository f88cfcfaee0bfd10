"""Labelled corpus for the ci-hardening checks: fixtures/corpus/<rule>/<pos|neg>/<case>/ is a
mini repository; in a ``pos`` case the rule must fire, in a ``neg`` case it must not.
The scorer prints TPR / FPR per rule."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from stackaudit.analyzers.base import RepoContext, SourceFile
from stackaudit.analyzers.ci.analyzer import CiHardeningAnalyzer
from stackaudit.analyzers.ci.rules import ALL_RULES
from stackaudit.config.schema import Config
from stackaudit.discovery.languages import language_of
from stackaudit.model import AnalyzerState

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
CASES = sorted(CORPUS.glob("*/*/*"))


def mini_repo(root: Path) -> RepoContext:
    rels = [(p, p.relative_to(root).as_posix()) for p in sorted(root.rglob("*")) if p.is_file()]
    files = tuple(SourceFile(rel, p, p.stat().st_size, language_of(rel)) for p, rel in rels)
    return RepoContext(root=root, files=files, config=Config(), is_git=False)


def rules_fired(case: Path) -> set[str]:
    result = CiHardeningAnalyzer().analyze_repo(mini_repo(case))
    assert result.state is AnalyzerState.OK
    assert not result.not_analysed, result.not_analysed
    return {f.rule_id for f in result.findings}


@pytest.mark.parametrize("case", CASES, ids=lambda p: "/".join(p.parts[-3:]))
def test_case(case: Path) -> None:
    rule = f"ci.{case.parent.parent.name}"
    fired = rule in rules_fired(case)
    assert fired is (case.parent.name == "pos")


def test_corpus_scores() -> None:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0})
    for case in CASES:
        rule, label = f"ci.{case.parent.parent.name}", case.parent.name
        fired = rule in rules_fired(case)
        key = {("pos", True): "tp", ("pos", False): "fn", ("neg", True): "fp", ("neg", False): "tn"}
        counts[rule][key[(label, fired)]] += 1
    for rule, c in sorted(counts.items()):
        tpr = c["tp"] / (c["tp"] + c["fn"])
        fpr = c["fp"] / (c["fp"] + c["tn"])
        print(f"{rule:36} pos={c['tp'] + c['fn']} neg={c['fp'] + c['tn']} TPR={tpr:.2f} FPR={fpr:.2f}")
        assert c["tp"] + c["fn"] >= 1 and c["fp"] + c["tn"] >= 1, f"{rule} needs both labels"
        assert tpr == 1.0 and fpr == 0.0
    covered = set(counts)
    expected = {r.id for r in ALL_RULES} - {"ci.unsigned-commits", "ci.branch-unprotected"}
    assert covered == expected  # every file-based rule has a labelled corpus
