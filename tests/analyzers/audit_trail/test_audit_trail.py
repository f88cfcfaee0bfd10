"""Audit-trail coverage on positive and negative fixtures (expectations are inline markers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stackaudit.analyzers.audit_trail.analyzer import EventPolicy, _parse, analyze_module, audit_files
from stackaudit.analyzers.base import SourceFile
from stackaudit.config.schema import Config
from stackaudit.model import CodeContext

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"expect: (audit\.[a-z-]+)")
CONFIG = Config.model_validate({"privilege": {"audit_log_calls": ["track"]}})


def files(kind: str) -> list[Path]:
    return sorted((FIXTURES / kind).glob("*.py"))


def analyze(path: Path, text: str | None = None, config: Config = CONFIG) -> list:  # type: ignore[type-arg]
    text = path.read_text() if text is None else text
    return analyze_module(
        _parse(text, path.name), path.name, EventPolicy(tuple(config.privilege.audit_log_calls))
    )


@pytest.mark.parametrize("path", files("positive"), ids=lambda p: p.name)
def test_positive(path: Path) -> None:
    expected = {
        (n, m.group(1))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        for m in EXPECT.finditer(line)
    }
    found = {(f.location.line, f.rule_id) for f in analyze(path)}
    assert found == expected


@pytest.mark.parametrize("path", files("negative"), ids=lambda p: p.name)
def test_negative(path: Path) -> None:
    assert analyze(path) == []


def test_configured_audit_call_is_required_for_custom_api() -> None:
    path = FIXTURES / "negative" / "custom_audit.py"
    assert [f.rule_id for f in analyze(path, config=Config())] == ["audit.missing-audit-event"]


def test_finding_shape() -> None:
    findings = analyze(FIXTURES / "positive" / "flask_auth.py")
    login = next(f for f in findings if f.location.symbol == "login")
    assert login.endpoint == "POST /login" and login.context is CodeContext.HANDLER
    assert login.cwe == (778,) and login.prop("handler_kind") == "authentication"
    kinds = {f.prop("handler_kind") for f in findings + analyze(FIXTURES / "positive" / "admin_views.py")}
    assert kinds == {"authentication", "admin", "export"}


def test_event_policy() -> None:
    policy = EventPolicy(("metrics.audit_event",))
    for name in (
        "logger.info",
        "log.warning",
        "logging.info",
        "current_app.logger.error",
        "structlog.get_logger().info",
        "audit.record",
        "AuditLog.objects.create",
        "user_logged_in.send",
        "self.logger.info",
        "logging.getLogger().info",
        "metrics.audit_event",
    ):
        assert policy.is_event(name), name
    for name in ("print", "db.session.commit", "response.set_cookie", "blog.post", "catalog.info"):
        assert not policy.is_event(name), name


def _project(root: Path) -> list[SourceFile]:
    return [
        SourceFile(p.relative_to(root).as_posix(), p, p.stat().st_size, "python")
        for p in sorted(root.rglob("*.py"))
    ]


def test_syntax_error_is_recorded_and_the_rest_analysed(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def login(:\n")
    (tmp_path / "views.py").write_text((FIXTURES / "positive" / "flask_auth.py").read_text())
    findings, skipped = audit_files(_project(tmp_path), CONFIG)
    assert [s.path for s in skipped] == ["broken.py"] and findings


def test_events_recorded_through_imported_project_helpers() -> None:
    """A handler that logs through ``from app.audit import record`` (or ``audit_mod.record``,
    or a relative import) leaves a trail; one calling an imported helper that logs nothing does not."""
    findings, _ = audit_files(_project(FIXTURES / "project"), Config())
    flagged = {f.location.symbol for f in findings}
    assert flagged == {"login_silent", "delete_silent"}


def test_read_only_admin_and_auth_pages_need_no_event() -> None:
    text = """
from flask import Blueprint
bp = Blueprint("admin", __name__)

@bp.route("/admin/users")
@admin_required
def users_page():
    return render_template("users.html", users=User.query.all())

@bp.get("/login")
def login_form():
    return render_template("login.html")

@bp.route("/admin/users/<int:uid>/delete")
@admin_required
def delete_via_get(uid):
    db.session.delete(User.query.get(uid))
    db.session.commit()

@bp.route("/login", methods=["GET", "POST"])
def login():
    return do_login()
"""
    found = {f.location.symbol for f in analyze(FIXTURES / "inline.py", text)}
    assert found == {"delete_via_get", "login"}


def test_precision_recall_on_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    """Scorer over every handler in the fixtures: marked ones must be reported, the rest not."""
    tp = fp = fn = 0
    for kind in ("positive", "negative"):
        for path in files(kind):
            want = {n for n, line in enumerate(path.read_text().splitlines(), 1) if EXPECT.search(line)}
            found = {f.location.line for f in analyze(path)}
            tp, fp, fn = tp + len(found & want), fp + len(found - want), fn + len(want - found)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    with capsys.disabled():
        print(
            f"\naudit-trail fixtures: tp={tp} fp={fp} fn={fn} precision={precision:.2f} recall={recall:.2f}"
        )
    assert tp >= 15 and precision == 1.0 and recall == 1.0
