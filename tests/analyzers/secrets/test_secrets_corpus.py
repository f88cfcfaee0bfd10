"""Accuracy on the labelled corpus (F1 >= 0.85), and detect-secrets side by side."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import secrets_scorer as scorer


def test_f1_on_labelled_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    labels = scorer.load_labels()
    preds = scorer.our_predictions()
    with capsys.disabled():
        print("\n" + scorer.report(labels, preds, "stackaudit secrets", detail=True))
    total = scorer.overall(labels, preds)
    assert len(labels) >= 60
    assert total.f1 >= 0.85, total.row("overall")


def test_corpus_has_hard_negatives() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in scorer.corpus_files())
    for marker in (
        "AKIAIOSFODNN7EXAMPLE",
        "sha512-",
        "data:image/png;base64,",
        "${",
        "{{",
        "changeme",
        "<your-",
        "os.environ",
        "test-password",
    ):
        assert marker in text, marker


def test_corpus_is_regenerated_identically(tmp_path: Path) -> None:
    import secrets_corpus_gen as make_corpus

    make_corpus.build(scorer.HERE / "corpus_templates", tmp_path)
    committed = scorer.corpus_files()
    assert sorted(p.relative_to(scorer.CORPUS) for p in committed) == sorted(
        p.relative_to(tmp_path)
        for p in tmp_path.rglob("*")
        if p.is_file() and p.name != "labels.json" and ".ruff_cache" not in p.parts
    )
    assert (tmp_path / "labels.json").read_text() == (scorer.CORPUS / "labels.json").read_text()


@pytest.mark.slow
def test_better_than_detect_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    exe = Path(sys.executable).parent / "detect-secrets"
    if not exe.exists() and shutil.which("detect-secrets") is None:
        pytest.skip("detect-secrets not installed")
    labels = scorer.load_labels()
    theirs = scorer.detect_secrets_predictions()
    assert theirs is not None
    ours = scorer.overall(labels, scorer.our_predictions())
    other = scorer.overall(labels, theirs)
    with capsys.disabled():
        print("\n" + other.row("detect-secrets") + "\n" + ours.row("stackaudit"))
    assert ours.f1 > other.f1
