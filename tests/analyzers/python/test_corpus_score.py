"""Precision/recall per rule over every labelled fixture (run with -s to see the table)."""

from __future__ import annotations

from tests.analyzers.python.corpus import holdout_files, score, table


def test_corpus_precision_recall() -> None:
    scores = score()
    print("\n" + table(scores))
    for rule, s in scores.items():
        assert s.tp > 0, f"{rule}: no true positive in the corpus"
        assert s.precision >= 0.9, f"{rule}: precision {s.precision:.2f}"
        assert s.recall >= 0.9, f"{rule}: recall {s.recall:.2f}"


def test_holdout_precision_recall() -> None:
    """The held-out corpus was not used for tuning: floors, not perfection."""
    scores = score(holdout_files())
    print("\n" + table(scores))
    tp = sum(s.tp for s in scores.values())
    fp = sum(s.fp for s in scores.values())
    fn = sum(s.fn for s in scores.values())
    assert tp >= 25
    assert tp / (tp + fp) >= 0.8
    assert tp / (tp + fn) >= 0.7
