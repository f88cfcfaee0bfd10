"""``audit --changed-since REF`` on a scripted git repository.

A flow from an unchanged route into a changed helper is still found; a finding of an unchanged,
unrelated file is carried from the stored run (not analysed again); a finding fixed in a changed
file is reported fixed; with no stored run the audit runs in full and says so.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from stackaudit.config.schema import Config
from stackaudit.engine import changed as changed_mod
from stackaudit.engine.baseline import BaselineError
from stackaudit.engine.pipeline import AuditOptions, run_audit
from stackaudit.model import AuditResult

ROUTES = """\
from flask import Flask, request

from app.helpers import run_report

app = Flask(__name__)


@app.route("/report")
def report():
    name = request.args.get("name", "")
    return run_report(name)
"""

SAFE_HELPER = """\
import subprocess


def run_report(name):
    return subprocess.run(["report", "--name", name], check=False)
"""

UNSAFE_HELPER = """\
import os


def run_report(name):
    return os.system("report --name " + name)
"""

LEGACY = """\
import os

from flask import Flask, request

legacy = Flask(__name__)


@legacy.route("/old")
def old():
    return os.system("echo " + request.args["x"])
"""

FIXME_BAD = """\
from flask import Flask, request

calc = Flask(__name__)


@calc.route("/calc")
def compute():
    return str(eval(request.args["expr"]))
"""

FIXME_GOOD = """\
import ast

from flask import Flask, request

calc = Flask(__name__)


@calc.route("/calc")
def compute():
    return str(ast.literal_eval(request.args["expr"]))
"""


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com"}
    env |= {"GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.com"}
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    files = {
        "app/__init__.py": "",
        "app/routes.py": ROUTES,
        "app/helpers.py": SAFE_HELPER,
        "app/legacy.py": LEGACY,
        "app/fixme.py": FIXME_BAD,
    }
    files |= {f"app/other{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(5)}
    _write(root, files)
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    return root


def _audit(root: Path, db: Path, changed_since: str | None = None) -> AuditResult:
    options = AuditOptions(
        root=root,
        config=Config(),
        db_url=str(db),
        jobs=1,
        only_analyzers=frozenset({"taint"}),
        changed_since=changed_since,
    )
    return run_audit(options)


def _sites(result: AuditResult, rule_prefix: str = "sec.") -> set[tuple[str, str]]:
    return {
        (a.finding.location.path, a.finding.rule_id)
        for a in result.findings
        if a.finding.rule_id.startswith(rule_prefix)
    }


def _branch_with_changes(root: Path) -> None:
    _git(root, "checkout", "-q", "-b", "feature")
    _write(root, {"app/helpers.py": UNSAFE_HELPER, "app/fixme.py": FIXME_GOOD})
    _git(root, "commit", "-qam", "change helper, fix calc")


def test_flow_into_changed_helper_is_found_and_the_rest_carried(repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    base = _audit(repo, db)
    before = _sites(base)
    assert ("app/legacy.py", "sec.command-injection") in before
    assert not any(path == "app/helpers.py" for path, _ in before)  # list-form subprocess: safe
    _branch_with_changes(repo)

    result = _audit(repo, db, changed_since="main")

    after = _sites(result)
    # the unchanged route's request value now reaches a shell in the changed helper
    helper = [a for a in result.findings if a.finding.location.path == "app/helpers.py"]
    assert [a.finding.rule_id for a in helper] == ["sec.command-injection"]
    assert helper[0].finding.prop("origin") == "confirmed"
    assert helper[0].finding.trace[0].location.path == "app/routes.py"
    # the unrelated file's finding is carried (same fingerprint), the fixed one reported fixed
    legacy_before = {
        a.finding.fingerprint for a in base.findings if a.finding.location.path == "app/legacy.py"
    }
    legacy_after = {
        a.finding.fingerprint for a in result.findings if a.finding.location.path == "app/legacy.py"
    }
    assert legacy_before and legacy_before <= legacy_after
    assert ("app/legacy.py", "sec.command-injection") in after
    assert ("app/fixme.py", "sec.code-injection") in before
    assert ("app/fixme.py", "sec.code-injection") not in after
    assert ("app/fixme.py", "sec.code-injection") in {(f.path, f.rule_id) for f in result.fixed}
    notice = next(n for n in result.run.notices if "--changed-since main" in n)
    assert f"carried from run {base.run.id[:12]}" in notice
    # the same findings as a full audit of the same tree
    full = _audit(repo, tmp_path / "full.db")
    assert _sites(full) == after


def test_legacy_is_outside_the_data_flow_closure(repo: Path) -> None:
    texts = {str(p.relative_to(repo)): p.read_text() for p in repo.rglob("*.py")}
    scope = changed_mod.closure(texts, {"app/helpers.py"})
    assert {"app/helpers.py", "app/routes.py"} <= scope.scope
    assert "app/legacy.py" not in scope.scope and "app/fixme.py" not in scope.scope
    assert scope.zone == {"app/helpers.py", "app/routes.py"}


def test_carried_findings_are_not_analysed_again(repo: Path, tmp_path: Path) -> None:
    """Proof of carrying: the stored run's taint finding stands although this run never read the file."""
    db = tmp_path / "h.db"
    _audit(repo, db)
    _branch_with_changes(repo)
    result = _audit(repo, db, changed_since="main")
    taint = next(r for r in result.run.analyzers if r.name == "taint")
    assert taint.state in ("ok", "partial")
    assert ("app/legacy.py", "sec.command-injection") in _sites(result)
    timings = dict(result.run.timings)
    assert "taint-closure" in timings


def test_a_file_edited_after_the_stored_run_is_analysed_again(repo: Path, tmp_path: Path) -> None:
    """Not in the ref's diff (uncommitted, on main itself), yet its content differs from the stored run's."""
    db = tmp_path / "h.db"
    _audit(repo, db)
    _write(repo, {"app/helpers.py": UNSAFE_HELPER})
    _git(repo, "commit", "-qam", "direct to main")
    result = _audit(repo, db, changed_since="HEAD")  # nothing changed since HEAD...
    assert ("app/helpers.py", "sec.command-injection") in _sites(result)  # ...but since the stored run


def test_without_a_stored_run_the_audit_runs_in_full(repo: Path, tmp_path: Path) -> None:
    _branch_with_changes(repo)
    result = _audit(repo, tmp_path / "empty.db", changed_since="main")
    assert any("audited in full (no stored run" in n for n in result.run.notices)
    assert ("app/legacy.py", "sec.command-injection") in _sites(result)


def test_subdirectory_paths_are_relative_to_the_audited_root(repo: Path) -> None:
    _branch_with_changes(repo)
    (repo / "app" / "new.py").write_text("x = 1\n")
    assert changed_mod.changed_paths(repo / "app", "main") == {"helpers.py", "fixme.py", "new.py"}
    assert changed_mod.changed_paths(repo, "main") == {"app/helpers.py", "app/fixme.py", "app/new.py"}


def test_a_bad_ref_is_a_clear_error(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="not a git ref"):
        _audit(repo, tmp_path / "h.db", changed_since="no-such-branch")


def test_import_scan_resolves_relative_and_parenthesised_imports() -> None:
    texts = {
        "pkg/__init__.py": "from .core import (\n    a,  # the a\n    b,\n)\n",
        "pkg/core.py": "from . import util\nimport pkg.deep.mod as m\n",
        "pkg/util.py": "",
        "pkg/deep/__init__.py": "",
        "pkg/deep/mod.py": "from ..util import x\n",
    }
    graph = changed_mod.import_graph(texts)
    assert graph["pkg/__init__.py"] == {"pkg/core.py"}
    assert graph["pkg/core.py"] == {"pkg/util.py", "pkg/deep/mod.py", "pkg/__init__.py"}
    assert graph["pkg/deep/mod.py"] == {"pkg/util.py"}


def test_cli_gate_changed_since_from_a_subdirectory(tmp_path: Path) -> None:
    """A monorepo: the project is ``services/web``; the gate fails on the new flow only."""
    import json

    from typer.testing import CliRunner

    from stackaudit.cli import build_app

    top = tmp_path / "mono"
    web = top / "services" / "web"
    web.mkdir(parents=True)
    _git(top, "init", "-q", "-b", "main")
    _write(web, {"app/__init__.py": "", "app/routes.py": ROUTES, "app/helpers.py": SAFE_HELPER})
    _write(web, {"app/legacy.py": LEGACY})
    _write(top, {"services/other/x.py": "y = 1\n"})
    _git(top, "add", ".")
    _git(top, "commit", "-qm", "base")
    db, out = f"sqlite:///{tmp_path / 'h.db'}", tmp_path / "r.json"
    common = ["--only", "taint", "--db", db, "-f", "json", "-o", str(out), "--fail-on", "high"]
    first = CliRunner().invoke(build_app(), ["audit", str(web), *common])
    assert first.exit_code == 1, first.output  # legacy.py's command injection
    _git(top, "checkout", "-q", "-b", "feature")
    _write(web, {"app/helpers.py": UNSAFE_HELPER})
    _git(top, "commit", "-qam", "unsafe helper")
    args = ["gate", str(web), "--baseline", "main", "--changed-since", "main", *common]
    gated = CliRunner().invoke(build_app(), args)
    report = json.loads(out.read_text())
    assert gated.exit_code == 1, gated.output
    by_fp = {f["fingerprint"]: (f["location"]["path"], f["rule_id"]) for f in report["findings"]}
    assert report["gate"]["new_findings"] == 1  # the flow into the changed helper, nothing else
    assert ("app/helpers.py", "sec.command-injection") in by_fp.values()
    assert ("app/legacy.py", "sec.command-injection") in by_fp.values()  # carried, not new
    assert any("carried from run" in n for n in report["run"]["notices"])


def test_a_changed_template_is_followed_from_the_views_that_name_it() -> None:
    texts = {
        "app/views.py": 'from flask import render_template\n\n\ndef page():\n    return render_template("page.html")\n',
        "app/urls.py": "from app.views import page\n",
        "app/other.py": "x = 1\n",
    }
    scope = changed_mod.closure(texts, {"app/templates/page.html"})
    assert scope.scope == {"app/views.py", "app/urls.py"}
    assert {"app/templates/page.html", "app/views.py", "app/urls.py"} <= scope.zone
