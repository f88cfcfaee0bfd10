"""Route and context detection (frameworks.py), and how findings carry symbol/context/endpoint."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from stackaudit.analyzers.base import FileInput, NotAnalysable, SourceFile
from stackaudit.analyzers.python.analyzer import PythonRulesAnalyzer
from stackaudit.analyzers.python.frameworks import (
    Route,
    Routers,
    implicit_route,
    is_views_module,
    path_context,
    route_from_decorators,
)
from stackaudit.analyzers.python.names import Imports
from stackaudit.config.schema import Config
from stackaudit.model import CodeContext, Finding


def _route(source: str) -> Route | None:
    """The route of the last function in ``source`` (imports and routers read in order)."""
    tree = ast.parse(textwrap.dedent(source))
    imports, routers = Imports(), Routers()
    route: Route | None = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            imports.add(stmt)
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            routers.observe(stmt.targets[0].id, stmt.value, imports)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            route = route_from_decorators(stmt.decorator_list, imports, routers)
    return route


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            'from flask import Flask\napp = Flask(__name__)\n@app.route("/orders")\ndef f(): ...',
            Route("flask", "GET", "/orders"),
        ),
        (
            'import flask\napp = flask.Flask(__name__)\n@app.route("/o", methods=["POST", "PUT"])\n'
            "def f(): ...",
            Route("flask", "POST", "/o"),
        ),
        (
            'from flask import Blueprint\nbp = Blueprint("b", __name__, url_prefix="/api/")\n'
            '@bp.get("/items")\ndef f(): ...',
            Route("flask", "GET", "/api/items"),
        ),
        (
            'from fastapi import APIRouter\nr = APIRouter(prefix="/v1")\n@r.delete("/items/{i}")\n'
            "async def f(i): ...",
            Route("fastapi", "DELETE", "/v1/items/{i}"),
        ),
        (
            'from fastapi import FastAPI\napp = FastAPI()\n@app.api_route("/x", methods=["GET", "HEAD"])\n'
            "def f(): ...",
            Route("fastapi", "GET", "/x"),
        ),
        ('@unknown.get("/x")\ndef f(): ...', Route("web", "GET", "/x")),
        ("from celery import shared_task\n@shared_task\ndef f(): ...", Route("celery")),
        ("@app.task(bind=True)\ndef f(self): ...", Route("celery")),
        (
            'from rest_framework.decorators import api_view\n@api_view(["POST"])\ndef f(request): ...',
            Route("django", "POST"),
        ),
        (
            "from django.views.decorators.http import require_GET\n@require_GET\ndef f(request): ...",
            Route("django", "GET"),
        ),
        ("import functools\n@functools.cache\ndef f(): ...", None),
        ('@pytest.mark.parametrize("a", [1])\ndef f(a): ...', None),
    ],
)
def test_route_from_decorators(source: str, expected: Route | None) -> None:
    assert _route(source) == expected


def test_endpoint_text() -> None:
    assert Route("flask", "GET", "/orders").endpoint == "GET /orders"
    assert Route("flask", "GET", "").endpoint == "GET /"
    assert Route("django", "GET").endpoint is None
    assert Route("celery").serves_reads is False
    assert Route("flask", "POST", "/x").serves_reads is False


@pytest.mark.parametrize(
    ("path", "name", "view_class", "nested", "expected"),
    [
        ("shop/views.py", "order_list", False, False, Route("django")),
        ("shop/views/orders.py", "order_list", False, False, Route("django")),
        ("shop/services.py", "order_list", False, False, None),
        ("shop/views.py", "inner", False, True, None),
        ("shop/api.py", "get", True, False, Route("django", "GET")),
        ("shop/api.py", "list", True, False, Route("django", "GET")),
        ("shop/api.py", "helper", True, False, None),
    ],
)
def test_implicit_route(path: str, name: str, view_class: bool, nested: bool, expected: Route | None) -> None:
    node = ast.parse(f"def {name}(request): ...").body[0]
    assert isinstance(node, ast.FunctionDef)
    assert implicit_route(node, is_views_module(path), view_class, nested) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_orders.py", CodeContext.TEST),
        ("shop/test_orders.py", CodeContext.TEST),
        ("shop/orders_test.py", CodeContext.TEST),
        ("conftest.py", CodeContext.TEST),
        ("src/shop/tests/helpers.py", CodeContext.TEST),
        ("scripts/backfill.py", CodeContext.SCRIPT),
        ("manage.py", CodeContext.SCRIPT),
        ("shop/migrations/0001_initial.py", CodeContext.SCRIPT),
        ("shop/views.py", None),
        ("shop/testing_utils.py", None),
    ],
)
def test_path_context(path: str, expected: CodeContext | None) -> None:
    assert path_context(path) == expected


def _analyse(path: str, source: str) -> tuple[Finding, ...]:
    text = textwrap.dedent(source)
    file = SourceFile(path, Path(path), len(text), "python")
    return PythonRulesAnalyzer().analyze(FileInput(file, text), Config()).findings


HANDLERS = """
    import requests
    from flask import Blueprint

    bp = Blueprint("orders", __name__, url_prefix="/orders")

    @bp.get("/<int:oid>")
    def show(oid):
        return requests.get(f"https://crm/{oid}")

    def helper():
        return requests.get("https://crm/ping")

    class OrderView(View):
        def get(self, request):
            def inner():
                return requests.get("https://crm/inner")
            return inner()
"""


def test_findings_carry_symbol_context_and_endpoint() -> None:
    found = {f.location.symbol: f for f in _analyse("shop/handlers.py", HANDLERS)}
    assert found["show"].context is CodeContext.HANDLER
    assert found["show"].endpoint == "GET /orders/<int:oid>"
    assert found["helper"].context is CodeContext.LIBRARY
    assert found["helper"].endpoint is None
    assert found["OrderView.get.inner"].context is CodeContext.HANDLER
    assert found["show"].snippet == 'requests.get(f"https://crm/{oid}")'
    assert found["show"].location.column == 12


def test_context_from_path_wins() -> None:
    findings = _analyse("tests/test_handlers.py", HANDLERS)
    assert findings and {f.context for f in findings} == {CodeContext.TEST}


def test_a_cli_package_is_script_code() -> None:
    findings = _analyse("app/cli/commands/build.py", HANDLERS)
    assert findings and {f.context for f in findings} == {CodeContext.SCRIPT}
    assert {f.context for f in _analyse("app/client.py", HANDLERS)} != {CodeContext.SCRIPT}


def test_syntax_error_is_not_analysable() -> None:
    with pytest.raises(NotAnalysable):
        _analyse("broken.py", "def f(:\n")


def test_non_ascii_columns_and_snippet() -> None:
    findings = _analyse("x.py", 'import requests\nx = "é"; requests.get("https://ü")\n')
    assert findings[0].location.column == 10  # characters, not UTF-8 bytes (11)
    assert findings[0].snippet == 'requests.get("https://ü")'
