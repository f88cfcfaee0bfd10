"""Migration safety on a labelled corpus of Django, Alembic and SQL migrations (about half of
them safe traps), with a scorer that prints precision, recall and F1. Expectations are inline
``expect: RULE`` markers on the line the finding must point at."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from stackaudit.analyzers.base import RepoContext, SourceFile
from stackaudit.analyzers.migrations import MigrationsAnalyzer
from stackaudit.analyzers.migrations.sql import parse
from stackaudit.config.schema import Config
from stackaudit.model import NotAnalysedReason

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
EXPECT = re.compile(r"expect: (migration\.[a-z-]+)")
ALL = Config.model_validate({"migrations": {"check_all": True}})


def _files(root: Path) -> tuple[SourceFile, ...]:
    return tuple(
        SourceFile(
            p.relative_to(root).as_posix(), p, p.stat().st_size, "sql" if p.suffix == ".sql" else "python"
        )
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in (".py", ".sql")
    )


def _expected(root: Path) -> set[tuple[str, int, str]]:
    return {
        (f.path, n, m.group(1))
        for f in _files(root)
        for n, line in enumerate(f.abspath.read_text().splitlines(), 1)
        for m in EXPECT.finditer(line)
    }


def _found(root: Path, config: Config = ALL) -> set[tuple[str, int, str]]:
    result = MigrationsAnalyzer().analyze_repo(RepoContext(root, _files(root), config, is_git=False))
    return {(f.location.path, f.location.line, f.rule_id) for f in result.findings}


def test_corpus_precision_recall(capsys: pytest.CaptureFixture[str]) -> None:
    want, got = _expected(CORPUS), _found(CORPUS)
    tp, fp, fn = len(want & got), len(got - want), len(want - got)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    migrations = len(_files(CORPUS))
    with capsys.disabled():
        print(
            f"\nmigrations corpus: {migrations} migrations, tp={tp} fp={fp} fn={fn} "
            f"precision={precision:.2f} recall={recall:.2f} F1={f1:.2f}"
        )
    assert migrations >= 60
    assert not got - want, f"false positives: {sorted(got - want)}"
    assert not want - got, f"missed: {sorted(want - got)}"


def test_only_the_newest_migration_of_each_chain_by_default(tmp_path: Path) -> None:
    """Applied migrations are history: without check_all only the newest of each app is read."""
    app = tmp_path / "shop" / "migrations"
    app.mkdir(parents=True)
    src = CORPUS / "django" / "shop" / "migrations"
    shutil.copy(src / "0001_add_not_null.py", app / "0001_add_not_null.py")
    shutil.copy(src / "0003_remove_field.py", app / "0002_remove_field.py")
    result = MigrationsAnalyzer().analyze_repo(
        RepoContext(tmp_path, _files(tmp_path), Config(), is_git=False)
    )
    assert [(f.location.path, f.rule_id) for f in result.findings] == [
        ("shop/migrations/0002_remove_field.py", "migration.drop-column")
    ]
    assert any("newest 1 of 2" in n for n in result.notices)


def test_broken_migration_is_not_analysed_and_the_rest_goes_on(tmp_path: Path) -> None:
    app = tmp_path / "shop" / "migrations"
    app.mkdir(parents=True)
    (app / "0001_broken.py").write_text("class Migration(migrations.Migration:\n")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "V1__bad.sql").write_text("ALTER TABLE x ADD COLUMN;;; garbage(\nDROP TABLE y;\n")
    result = MigrationsAnalyzer().analyze_repo(RepoContext(tmp_path, _files(tmp_path), ALL, is_git=False))
    reasons = {(n.path, n.reason) for n in result.not_analysed}
    assert ("shop/migrations/0001_broken.py", NotAnalysedReason.SYNTAX_ERROR) in reasons
    assert ("db/V1__bad.sql", NotAnalysedReason.PARTIAL) in reasons


def test_squawk_output_parser_keeps_rollout_rules_only() -> None:
    recorded = (
        '[{"file":"a.sql","line":2,"column":0,"level":"Warning","message":"m","help":null,'
        '"rule_name":"ban-drop-column","column_end":1,"line_end":2},'
        '{"file":"a.sql","line":0,"column":0,"level":"Warning","message":"m","help":null,'
        '"rule_name":"prefer-bigint-over-int","column_end":1,"line_end":0},'
        '{"file":"a.sql","line":4,"column":0,"level":"Error","message":"x","help":null,'
        '"rule_name":"syntax-error","column_end":1,"line_end":4}]'
    )
    result = parse(recorded)
    assert [(i.rule.id, i.line) for i in result.issues] == [("migration.drop-column", 3)]
    assert result.syntax_errors == 1
