"""Tenant isolation on a labelled corpus of small projects (Django, DRF, SQLAlchemy, Flask,
FastAPI), with a scorer printing precision, recall and F1. Each ``expect: RULE`` marker is a
finding the analyzer must make on that line; each ``safe:`` marker is a safe trap (a way of
scoping the analyzer must understand) where it must stay silent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from stackaudit.analyzers.base import RepoContext, SourceFile
from stackaudit.analyzers.registry import rule_index
from stackaudit.analyzers.tenant import TenantAnalyzer
from stackaudit.config.schema import Config
from stackaudit.model import NotAnalysedReason

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
EXPECT = re.compile(r"expect: (tenant\.[a-z-]+)")
SAFE = re.compile(r"# safe: ")
Key = tuple[str, str, int, str]


def _files(root: Path) -> tuple[SourceFile, ...]:
    kinds = {".py": "python", ".sql": "sql"}
    return tuple(
        SourceFile(p.relative_to(root).as_posix(), p, p.stat().st_size, kinds[p.suffix])
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in kinds
    )


def _config(root: Path) -> Config:
    declared = root / "tenant.json"
    return Config.model_validate(json.loads(declared.read_text())) if declared.exists() else Config()


def _run(root: Path, config: Config | None = None) -> set[Key]:
    ctx = RepoContext(root, _files(root), config or _config(root), is_git=False)
    result = TenantAnalyzer().analyze_repo(ctx)
    return {(root.name, f.location.path, f.location.line, f.rule_id) for f in result.findings}


def _marked(root: Path, pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
    return [
        (f.path, n, m.group(1) if m.groups() else "")
        for f in _files(root)
        for n, line in enumerate(f.abspath.read_text().splitlines(), 1)
        for m in pattern.finditer(line)
    ]


def test_corpus_precision_recall(capsys: pytest.CaptureFixture[str]) -> None:
    projects = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    want = {(p.name, path, n, rule) for p in projects for path, n, rule in _marked(p, EXPECT)}
    safe = sum(len(_marked(p, SAFE)) for p in projects)
    got = set().union(*(_run(p) for p in projects))
    tp, fp, fn = len(want & got), len(got - want), len(want - got)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    with capsys.disabled():
        print(
            f"\ntenant corpus: {len(projects)} projects, {len(want)} unsafe and {safe} safe-trap cases, "
            f"tp={tp} fp={fp} fn={fn} precision={precision:.2f} recall={recall:.2f} F1={f1:.2f}"
        )
    assert len(want) + safe >= 20 and safe >= len(want) - 2
    assert f1 >= 0.9
    assert not got - want, f"false positives: {sorted(got - want)}"
    assert not want - got, f"missed: {sorted(want - got)}"


@pytest.mark.parametrize(
    "rule",
    [
        "tenant.unscoped-query",
        "tenant.idor-fetch",
        "tenant.cache-key-without-tenant",
        "tenant.rate-limit-not-per-tenant",
    ],
)
def test_every_rule_has_positive_and_negative_cases(rule: str) -> None:
    projects = [p for p in CORPUS.iterdir() if p.is_dir()]
    positives = [m for p in projects for m in _marked(p, EXPECT) if m[2] == rule]
    assert len(positives) >= 2
    assert rule in rule_index().rules


def test_nothing_declared_nothing_inferred_is_off() -> None:
    """No tenants is the common case: off and silent; a declared key that matches no model is said."""
    root = CORPUS / "no_tenant"
    result = TenantAnalyzer().analyze_repo(RepoContext(root, _files(root), Config(), is_git=False))
    assert not result.findings and not result.reason and not result.notices
    declared = Config.model_validate({"tenant": {"key": "account_id"}})
    result = TenantAnalyzer().analyze_repo(RepoContext(root, _files(root), declared, is_git=False))
    assert not result.findings and "not checked: no tenant-scoped model" in result.reason


def test_inferred_key_is_said_and_scoped_models_are_named() -> None:
    root = CORPUS / "django_manager"
    result = TenantAnalyzer().analyze_repo(RepoContext(root, _files(root), Config(), is_git=False))
    assert "inferred" in result.reason and "Note" in result.reason
    assert "Contact (" not in result.reason  # scoped by its manager, not the whole model
    rls = CORPUS / "sqla_rls"
    result = TenantAnalyzer().analyze_repo(RepoContext(rls, _files(rls), Config(), is_git=False))
    assert "Order (row-level security" in result.reason


def test_declared_models_limit_the_check() -> None:
    """With ``[tenant] models`` only those are checked; without, every model with the key is."""
    root = CORPUS / "configured_key"
    declared = {k[3] for k in _run(root)}
    every = _run(root, Config.model_validate({"tenant": {"key": "organization_id"}}))
    assert declared == {"tenant.idor-fetch"}
    assert ("configured_key", "docs/views.py", 16, "tenant.unscoped-query") in every


def test_a_file_that_does_not_parse_is_recorded_and_the_rest_goes_on(tmp_path: Path) -> None:
    for part in ("shop",):
        (tmp_path / part).mkdir()
    source = CORPUS / "django_plain" / "shop"
    (tmp_path / "shop" / "models.py").write_text((source / "models.py").read_text())
    (tmp_path / "shop" / "views.py").write_text((source / "views.py").read_text())
    (tmp_path / "shop" / "broken.py").write_text("def oops(:\n")
    result = TenantAnalyzer().analyze_repo(RepoContext(tmp_path, _files(tmp_path), Config(), is_git=False))
    assert [n.path for n in result.not_analysed] == ["shop/broken.py"]
    assert result.not_analysed[0].reason is NotAnalysedReason.SYNTAX_ERROR
    assert any(f.rule_id == "tenant.idor-fetch" for f in result.findings)


def test_idor_findings_carry_a_confirmed_request_origin() -> None:
    root = CORPUS / "flask_app"
    result = TenantAnalyzer().analyze_repo(RepoContext(root, _files(root), Config(), is_git=False))
    idor = [f for f in result.findings if f.rule_id == "tenant.idor-fetch"]
    assert idor and dict(idor[0].properties)["origin"] == "confirmed"
    assert idor[0].endpoint is not None


def test_query_in_a_service_names_the_handler_and_the_calls() -> None:
    """A query two calls below a route: reported at the query, the route named, the calls traced."""
    root = CORPUS / "flask_services"
    result = TenantAnalyzer().analyze_repo(RepoContext(root, _files(root), Config(), is_git=False))
    by_line = {(f.location.path, f.location.line): f for f in result.findings}
    unscoped = by_line[("shop/repo.py", 7)]
    assert "request handler dashboard (GET /dashboard)" in unscoped.message
    assert "dashboard -> all_orders" in unscoped.message and unscoped.endpoint == "GET /dashboard"
    assert [(s.location.path, s.kind) for s in unscoped.trace] == [
        ("shop/routes.py", "step"),
        ("shop/service.py", "step"),
        ("shop/repo.py", "sink"),
    ]
    idor = by_line[("shop/repo.py", 15)]
    assert idor.rule_id == "tenant.idor-fetch" and dict(idor.properties)["origin"] == "confirmed"
    assert "order_id" in dict(idor.properties)["origin_reason"]


def test_a_helper_beyond_the_hop_limit_or_only_in_tasks_is_not_reported(tmp_path: Path) -> None:
    """Only request paths count: the same helper reached from a task alone is silent, and from a
    handler it is reported; a chain of calls longer than the hop bound is not followed."""
    models = (CORPUS / "django_plain" / "shop" / "models.py").read_text()
    helper = "from shop.models import Order\n\n\ndef h0():\n    return Order.objects.all()\n"
    chain = "".join(f"\n\ndef h{i}():\n    return h{i - 1}()\n" for i in range(1, 6))
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "models.py").write_text(models)
    (tmp_path / "shop" / "helpers.py").write_text(helper + chain)
    task = "from celery import shared_task\n\nfrom shop.helpers import h0\n\n\n@shared_task\ndef job():\n    h0()\n"
    (tmp_path / "shop" / "tasks.py").write_text(task)

    def run() -> list[str]:
        ctx = RepoContext(tmp_path, _files(tmp_path), Config(), is_git=False)
        return [f.message for f in TenantAnalyzer().analyze_repo(ctx).findings]

    assert run() == []
    view = "from shop.helpers import h{n}\n\n\ndef page(request):\n    return h{n}()\n"
    (tmp_path / "shop" / "views.py").write_text(view.format(n=5))
    assert run() == []  # page -> h5 -> h4 -> h3 -> h2 -> h1 -> h0: beyond the bound
    (tmp_path / "shop" / "views.py").write_text(view.format(n=4))
    assert run() == []  # five calls
    (tmp_path / "shop" / "views.py").write_text(view.format(n=3))
    assert len(run()) == 1  # four calls: the bound
    (tmp_path / "shop" / "views.py").write_text(view.format(n=2))
    assert [m.split(":")[0] for m in run()] == [
        "query on tenant-scoped Order with no tenant filter, on a request path"
    ]


@pytest.mark.parametrize(("call", "rules"), [("get(member_id, self)", []), ("get(member_id)", ["idor"])])
def test_a_tenant_model_method_passing_itself_is_scoped(tmp_path: Path, call: str, rules: list[str]) -> None:
    """ihatemoney's shape: ``Project`` is the tenant (key ``project_id``); its method
    ``Person.query.get(member_id, self)`` is scoped by the project it passes."""
    models = (
        "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\n"
        "class Project(db.Model):\n    id = db.Column(db.String, primary_key=True)\n\n"
        "    def remove_member(self, member_id):\n"
        f"        return Person.query.{call}\n\n\n"
        "class Person(db.Model):\n    project_id = db.Column(db.String, db.ForeignKey('project.id'))\n"
    )
    routes = (
        "from flask import Flask, g\n\nfrom web.models import Project\n\napp = Flask(__name__)\n\n\n"
        "@app.post('/members/<int:member_id>/delete')\ndef delete(member_id):\n"
        "    return Project.remove_member(g.project, member_id).id\n"
    )
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "models.py").write_text(models)
    (tmp_path / "web" / "routes.py").write_text(routes)
    config = Config.model_validate({"tenant": {"key": "project_id"}})
    result = TenantAnalyzer().analyze_repo(RepoContext(tmp_path, _files(tmp_path), config, is_git=False))
    assert [f.rule_id.split(".")[1].split("-")[0] for f in result.findings] == rules
