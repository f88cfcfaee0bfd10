"""Precision/recall per rule over every labelled fixture (run with -s to see the table)."""

from __future__ import annotations

from tests.analyzers.python.corpus import score, table


def test_corpus_precision_recall() -> None:
    scores = score()
    print("\n" + table(scores))
    for rule, s in scores.items():
        assert s.tp > 0, f"{rule}: no true positive in the corpus"
        assert s.precision >= 0.9, f"{rule}: precision {s.precision:.2f}"
        assert s.recall >= 0.9, f"{rule}: recall {s.recall:.2f}"
