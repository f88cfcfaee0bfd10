"""Files that need a newer Python than the one stackaudit runs on are reported at the top, with the remedy."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from stackaudit.config.schema import Config
from stackaudit.discovery.pyversion import newer_python_notice, required_minor
from stackaudit.engine.pipeline import AuditOptions, run_audit

T_STRING = 'def greet(name):\n    return t"hello {name}"\n'
EXCEPT_314 = "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n"

needs_older = pytest.mark.skipif(sys.version_info >= (3, 14), reason="3.14 parses this syntax")


def test_requires_python_gives_the_version(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.14,<4"\n')
    assert required_minor(tmp_path) == 14
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert required_minor(tmp_path) is None


@needs_older
@pytest.mark.parametrize("source", [T_STRING, EXCEPT_314])
def test_a_newer_syntax_file_leads_the_report_with_the_remedy(tmp_path: Path, source: str) -> None:
    (tmp_path / "new.py").write_text(source)
    (tmp_path / "old.py").write_text("x = 1\n")
    options = AuditOptions(root=tmp_path, config=Config(), db_url=str(tmp_path / "h.db"), jobs=1)
    result = run_audit(options)
    first = result.run.notices[0]
    assert first.startswith("Read first: 1 Python files were NOT analysed: they need Python 3.14 syntax")
    assert "new.py" in first and "Run stackaudit on Python 3.14" in first
    assert any(n.path == "new.py" for n in result.run.not_analysed)  # still listed in the footer too


def test_a_plain_syntax_error_is_not_blamed_on_the_python_version(tmp_path: Path) -> None:
    from stackaudit.model import NotAnalysed, NotAnalysedReason

    (tmp_path / "broken.py").write_text("def f(:\n    x = 't'\n")
    broken = [NotAnalysed("broken.py", NotAnalysedReason.SYNTAX_ERROR, "line 1: invalid syntax")]
    assert newer_python_notice(tmp_path, broken) is None
