"""The accuracy goal on our labelled corpus: average TPR-FPR >= 0.7, no category below 0.4."""

from __future__ import annotations

from collections import Counter

from tests.analyzers.taint.score_corpus import average, load_cases, report, score, taint_flags


def test_corpus_shape() -> None:
    cases = load_cases()
    per_category = Counter(case.cwe for case in cases)
    assert len(per_category) == 13
    assert min(per_category.values()) >= 20
    safe = sum(not case.vulnerable for case in cases)
    assert 0.4 <= safe / len(cases) <= 0.6  # about half are traps


def test_taint_engine_meets_the_goal() -> None:
    scores = score(load_cases(), taint_flags())
    print("\n" + report(scores, None))
    assert average(scores) >= 0.7
    worst = min(scores.values(), key=lambda s: s.score)
    assert worst.score >= 0.4, f"CWE-{worst.cwe} scores {worst.score:.2f}"


def test_scorer_counts_rates() -> None:
    from tests.analyzers.taint.score_corpus import Case

    cases = [Case("a.py", True, 89), Case("b.py", True, 89), Case("c.py", False, 89), Case("d.py", False, 89)]
    result = score(cases, {("a.py", 89), ("c.py", 89), ("b.py", 78)})[89]
    assert (result.tpr, result.fpr, result.score) == (0.5, 0.5, 0.0)
