"""Least-privilege rules on positive and negative fixture files (expectations are inline markers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stackaudit.analyzers.base import FileInput, SourceFile
from stackaudit.analyzers.privilege import PrivilegeAnalyzer
from stackaudit.analyzers.privilege.patterns import is_read_only, is_superuser
from stackaudit.analyzers.privilege.rules import RULES
from stackaudit.config.schema import Config
from stackaudit.discovery.languages import language_of

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"expect: (priv\.[a-z-]+)")
CONFIG = Config.model_validate({"privilege": {"read_only_paths": ["analytics/**"]}})


def files(kind: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / kind).rglob("*") if p.is_file())


def scan(root: Path, path: Path, config: Config = CONFIG) -> set[tuple[int, str]]:
    rel = path.relative_to(root).as_posix()
    text = path.read_text()
    src = SourceFile(rel, path, len(text), language_of(rel))
    analyzer = PrivilegeAnalyzer()
    if not analyzer.applies_to(src):
        return set()
    return {(f.location.line, f.rule_id) for f in analyzer.analyze(FileInput(src, text), config).findings}


def expected(path: Path) -> set[tuple[int, str]]:
    return {
        (n, m.group(1))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        for m in EXPECT.finditer(line)
    }


@pytest.mark.parametrize("path", files("positive"), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_positive_fixture(path: Path) -> None:
    assert scan(FIXTURES / "positive", path) == expected(path)


@pytest.mark.parametrize("path", files("negative"), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_negative_fixture(path: Path) -> None:
    assert scan(FIXTURES / "negative", path) == set()


def test_every_rule_is_exercised() -> None:
    seen = {rule for p in files("positive") for _, rule in expected(p)}
    assert seen == {r.id for r in RULES}


def test_read_only_rule_needs_configured_paths() -> None:
    path = FIXTURES / "positive" / "analytics" / "report.py"
    assert scan(FIXTURES / "positive", path, Config()) == set()


def test_name_heuristics() -> None:
    assert is_superuser("postgres") and is_superuser("shop_admin") and is_superuser("SA")
    assert not is_superuser("shop_app") and not is_superuser("administrators_view_reader"[:5] + "x")
    assert is_read_only("analytics_ro") and is_read_only("REPLICA_DATABASE_URL") and is_read_only("read_only")
    assert not is_read_only("orders_rw") and not is_read_only("DATABASE_URL") and not is_read_only("robot")


def test_superuser_message_never_echoes_the_password() -> None:
    text = "DATABASE_URL=postgresql://postgres:Hunter2Secret@db/shop\n"
    src = SourceFile(".env", Path("/x"), len(text), "dotenv")
    findings = PrivilegeAnalyzer().analyze(FileInput(src, text), Config()).findings
    assert findings and all("Hunter2Secret" not in f.snippet + f.message for f in findings)


def test_precision_recall_on_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    """Scorer over every labelled fixture line (positive and negative trees)."""
    tp = fp = fn = 0
    for kind in ("positive", "negative"):
        for path in files(kind):
            found, want = scan(FIXTURES / kind, path), expected(path)
            tp, fp, fn = tp + len(found & want), fp + len(found - want), fn + len(want - found)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    with capsys.disabled():
        print(f"\nprivilege fixtures: tp={tp} fp={fp} fn={fn} precision={precision:.2f} recall={recall:.2f}")
    assert tp >= 20 and precision == 1.0 and recall == 1.0
