"""Fast paths: the CLI imports no analyzer, SQLAlchemy, pydantic or Rich before a command runs.

Asserted on the import graph of a fresh interpreter, not on a timing (timings live in bench/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("stackaudit.analyzers", "stackaudit.engine", "stackaudit.storage", "sqlalchemy", "pydantic", "rich")


def _modules(code: str, *argv: str) -> list[str]:
    probe = f"import sys, json\nsys.argv = ['stackaudit', *{list(argv)!r}]\n{code}\n"
    probe += "print(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.startswith(HEAVY)]


def test_importing_the_cli_and_building_the_app_loads_nothing_heavy() -> None:
    modules = _modules("import stackaudit.cli as cli\ncli.build_app()")
    assert _heavy(modules) == []


def test_version_answers_before_importing_typer() -> None:
    modules = _modules("import stackaudit.cli as cli\ncli.main()", "--version")
    assert "typer" not in modules and _heavy(modules) == []


def test_explain_reads_the_rule_catalogue_without_importing_analyzers(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "XDG_CACHE_HOME": str(tmp_path)}
    first = subprocess.run(
        [sys.executable, "-m", "stackaudit", "explain", "scale.no-timeout"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert first.returncode == 0, first.stderr
    probe = (
        "import sys, json\nfrom stackaudit.commands import catalogue\n"
        "assert 'scale.no-timeout' in catalogue.rules()\nprint(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert [m for m in json.loads(done.stdout) if m.startswith(("stackaudit.analyzers", "sqlalchemy"))] == []


def test_explain_with_a_warm_catalogue_loads_no_pydantic_or_analyzer(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "XDG_CACHE_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "stackaudit", "explain", "scale.no-timeout"], env=env, check=True)
    probe = (
        "import sys, json\nsys.argv = ['stackaudit', 'explain', 'scale.no-timeout']\n"
        "import stackaudit.cli as cli\ncli.main()\nprint(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    modules = json.loads(done.stdout.splitlines()[-1])
    assert [m for m in modules if m.startswith(("pydantic", "sqlalchemy", "stackaudit.analyzers"))] == []


def test_the_catalogue_matches_the_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stackaudit.analyzers import registry
    from stackaudit.commands import catalogue

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = catalogue.rules()
    assert list(tmp_path.glob("stackaudit/rules-*.json"))
    cached = catalogue.rules()
    assert built == cached
    assert set(cached) == set(registry.rule_index().rules)


def test_cli_formats_match_the_reporters() -> None:
    from stackaudit.commands.common import REPORT_FORMATS
    from stackaudit.report import FORMATS

    assert REPORT_FORMATS == FORMATS
