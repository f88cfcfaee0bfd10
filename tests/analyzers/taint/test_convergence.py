"""The engine converges: results do not depend on definition order, loops reach a fixed point,
real sources win the per-value cap, and closures, lambdas, callbacks and argument writes carry taint."""

from __future__ import annotations

import random
from pathlib import Path

from stackaudit.config.sections.taint import TaintConfig
from stackaudit.model import Finding
from tests.analyzers.taint.helpers import run_taint, write

HEAD = "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"


def _found(root: Path, config: TaintConfig | None = None) -> list[tuple[str, str, int]]:
    findings = run_taint(root, config).findings
    return sorted((f.rule_id, f.location.path, f.location.line) for f in findings if _confirmed(f))


def _confirmed(finding: Finding) -> bool:
    return ("origin", "confirmed") in finding.properties


def _sinks(root: Path) -> list[tuple[str, int]]:
    return sorted((f.rule_id, f.location.line) for f in run_taint(root).findings if _confirmed(f))


# ---- definition order ------------------------------------------------------------------------------
_CHAIN = {
    "f1": "def f1(x):\n    return f2(x)\n",
    "f2": "def f2(x):\n    return f3(x)\n",
    "f3": "def f3(x):\n    return f4(x)\n",
    "f4": "def f4(x):\n    f5(x)\n",
    "f5": "def f5(x):\n    os.system(x)\n",
    "deep": "@app.route('/deep')\ndef deep():\n    f1(request.args['a'])\n",  # 5 calls down: beyond 4
    "near": "@app.route('/near')\ndef near():\n    f4(request.args['b'])\n",  # 2 calls down: within 4
}


def _chain_module(order: list[str]) -> str:
    return HEAD + "".join(_CHAIN[name] for name in order)


def test_a_summary_computed_deep_in_a_chain_does_not_hide_a_shallow_flow(tmp_path: Path) -> None:
    # `deep` reaches f4 at depth 4 first; its summary must not be reused, cut, by `near`.
    order = ["f1", "f2", "f3", "f4", "f5", "deep", "near"]
    write(tmp_path, {"app.py": _chain_module(order)})
    found = run_taint(tmp_path).findings
    assert [(f.rule_id, f.location.line) for f in found] == [("sec.command-injection", 13)]
    assert "passed to f4()" in [step.note for step in found[0].trace]


def test_results_do_not_depend_on_definition_order(tmp_path: Path) -> None:
    names = list(_CHAIN)
    seen: set[tuple[tuple[str, str], ...]] = set()
    rng = random.Random(8)
    for _ in range(8):
        rng.shuffle(names)
        write(tmp_path, {"app.py": _chain_module(names)})
        found = run_taint(tmp_path).findings  # compared by the function the sink is in
        seen.add(tuple((f.rule_id, f.location.symbol or "") for f in found))
    assert seen == {(("sec.command-injection", "f5"),)}


def test_call_depth_still_bounds_sinks_far_down(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": _chain_module(["f1", "f2", "f3", "f4", "f5", "deep"])})
    (cut,) = run_taint(tmp_path).findings  # 5 calls down, default max_call_depth 4: not confirmed
    assert dict(cut.properties)["origin"] == "unconfirmed"
    assert _found(tmp_path, TaintConfig(max_call_depth=5)) == [("sec.command-injection", "app.py", 13)]


# ---- the per-value cap -----------------------------------------------------------------------------
def test_a_request_source_wins_the_cap_over_symbolic_parameters(tmp_path: Path) -> None:
    helper = "def run(a, b, c, d):\n    os.system(a + b + c + d + request.args['x'])\n"
    write(tmp_path, {"app.py": HEAD + helper})
    assert _sinks(tmp_path) == [("sec.command-injection", 5)]


def test_every_parameter_keeps_its_flow_past_the_cap(tmp_path: Path) -> None:
    helper = "def run(a, b, c, d, e):\n    os.system(a + b + c + d + e)\n"
    route = "@app.route('/r')\ndef r():\n    run('1', '2', '3', '4', request.args['x'])\n"
    write(tmp_path, {"app.py": HEAD + helper + route})
    assert _sinks(tmp_path) == [("sec.command-injection", 5)]


# ---- loops -----------------------------------------------------------------------------------------
_ROUTE = "@app.route('/x')\ndef x():\n    v = request.args['v']\n"


def _route(body: str) -> str:
    return HEAD + _ROUTE + "".join("    " + line + "\n" for line in body.strip().splitlines())


def test_a_three_hop_loop_carried_flow_is_found(tmp_path: Path) -> None:
    body = "a = b = c = 'x'\nfor _ in range(3):\n    c = b\n    b = a\n    a = v\nos.system(c)"
    write(tmp_path, {"app.py": _route(body)})
    assert _sinks(tmp_path) == [("sec.command-injection", 12)]


def test_a_five_hop_while_loop_converges(tmp_path: Path) -> None:
    body = (
        "a = b = c = d = e = 'x'\nn = 0\nwhile n < 10:\n    e = d\n    d = c\n    c = b\n    b = a\n"
        "    a = v\n    n += 1\nos.system(e)"
    )
    write(tmp_path, {"app.py": _route(body)})
    assert _sinks(tmp_path) == [("sec.command-injection", 16)]


def test_a_loop_that_only_cleans_stays_clean(tmp_path: Path) -> None:
    body = "a = 'x'\nfor _ in range(3):\n    a = 'ls'\nos.system(a)"
    write(tmp_path, {"app.py": _route(body)})
    assert _sinks(tmp_path) == []


def test_a_growing_list_in_a_loop_terminates(tmp_path: Path) -> None:
    body = "xs = []\nwhile True:\n    xs.append(v)\n    xs = xs + [v]\n    if len(xs) > 3:\n        break\nos.system(xs[0])"
    write(tmp_path, {"app.py": _route(body)})
    assert _sinks(tmp_path) == [("sec.command-injection", 13)]


# ---- closures, lambdas, callbacks, argument writes -----------------------------------------------------
def test_a_nested_function_sees_the_enclosing_taint(tmp_path: Path) -> None:
    body = "def inner():\n    os.system(v)\ninner()"
    write(tmp_path, {"app.py": _route(body)})
    assert _sinks(tmp_path) == [("sec.command-injection", 8)]


def test_a_nested_function_gets_its_arguments(tmp_path: Path) -> None:
    body = "def inner(cmd):\n    os.system(cmd)\ninner(v)\ninner('ls')"
    write(tmp_path, {"app.py": _route(body)})
    assert _sinks(tmp_path) == [("sec.command-injection", 8)]


def test_a_lambda_carries_taint(tmp_path: Path) -> None:
    body = "run = lambda cmd: os.system(cmd)\nrun(v)"
    write(tmp_path, {"app.py": _route(body)})
    assert _sinks(tmp_path) == [("sec.command-injection", 7)]
    write(tmp_path, {"app.py": _route("build = lambda: 'ls ' + v\nos.system(build())")})
    assert _sinks(tmp_path) == [("sec.command-injection", 8)]


def test_map_callbacks_receive_the_elements(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": _route("list(map(os.system, [v]))")})
    assert _sinks(tmp_path) == [("sec.command-injection", 7)]
    write(tmp_path, {"app.py": _route("list(map(lambda c: os.system('ls ' + c), v.split(',')))")})
    assert _sinks(tmp_path) == [("sec.command-injection", 7)]
    helper = "def run(cmd):\n    os.system(cmd)\n"
    write(tmp_path, {"app.py": HEAD + helper + _ROUTE + "    list(map(run, [v]))\n"})
    assert _sinks(tmp_path) == [("sec.command-injection", 5)]


def test_map_over_constants_is_clean(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": _route("list(map(os.system, ['ls', 'pwd']))")})
    assert _sinks(tmp_path) == []


def test_taint_written_into_an_argument_reaches_the_caller(tmp_path: Path) -> None:
    helper = "def fill(d, value):\n    d['k'] = value\n"
    write(
        tmp_path, {"app.py": HEAD + helper + _ROUTE + "    d = {}\n    fill(d, v)\n    os.system(d['k'])\n"}
    )
    assert _sinks(tmp_path) == [("sec.command-injection", 11)]
    helper = "def add(xs, value):\n    xs.append(value)\n"
    write(
        tmp_path, {"app.py": HEAD + helper + _ROUTE + "    xs = []\n    add(xs, v)\n    os.system(xs[0])\n"}
    )
    assert _sinks(tmp_path) == [("sec.command-injection", 11)]


def test_a_helper_that_writes_a_constant_does_not_taint_the_argument(tmp_path: Path) -> None:
    helper = "def fill(d, value):\n    d['k'] = 'ls'\n"
    write(
        tmp_path, {"app.py": HEAD + helper + _ROUTE + "    d = {}\n    fill(d, v)\n    os.system(d['k'])\n"}
    )
    assert _sinks(tmp_path) == []


def test_mutual_recursion_reaches_a_fixed_point(tmp_path: Path) -> None:
    code = (
        "def ping(x, n):\n    if n:\n        return pong(x, n - 1)\n    return 'ok'\n"
        "def pong(x, n):\n    if n:\n        return ping(x + '!', n - 1)\n    return x\n"
        "@app.route('/p')\ndef p():\n    os.system(ping(request.args['a'], 3))\n"
    )
    write(tmp_path, {"app.py": HEAD + code})
    assert _sinks(tmp_path) == [("sec.command-injection", 14)]


# ---- package re-exports ----------------------------------------------------------------------------
def test_names_re_exported_by_a_package_init_resolve_to_their_definitions(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models/__init__.py": "from .user import User\nfrom app.models.queries import run as run_query\n"
            "from .shell import *\n",
            "app/models/user.py": "import sqlite3\nclass User:\n    def find(self, name):\n"
            "        sqlite3.connect('x').execute('SELECT ' + name)\n",
            "app/models/queries.py": "import os\ndef run(q):\n    os.system(q)\n",
            "app/models/shell.py": "import subprocess\nfrom subprocess import call as sh\n",
            "app/views.py": "from flask import Flask, request\nfrom app.models import User, run_query, sh\n"
            "app = Flask(__name__)\n@app.route('/v')\ndef v():\n    run_query(request.args['q'])\n"
            "    User().find(request.args['n'])\n    sh(request.args['c'], shell=True)\n",
        },
    )
    assert _found(tmp_path) == [
        ("sec.command-injection", "app/models/queries.py", 3),
        ("sec.command-injection", "app/views.py", 8),
        ("sec.sql-injection", "app/models/user.py", 4),
    ]


def test_a_framework_audited_as_a_repository_keeps_the_names_the_tables_know(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "django/__init__.py": "",
            "django/http/__init__.py": "from django.http.response import HttpResponseRedirect\n",
            "django/http/response.py": "class HttpResponseRedirect:\n    pass\n",
            "app/views.py": "from django.http import HttpResponseRedirect\n\n"
            "def go(request):\n    return HttpResponseRedirect(request.GET['next'])\n",
        },
    )
    assert _found(tmp_path) == [("sec.open-redirect", "app/views.py", 4)]


def test_a_closure_that_fills_a_free_container_writes_back(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": _route("d = {}\ndef put():\n    d['k'] = v\nput()\nos.system(d['k'])")})
    assert _sinks(tmp_path) == [("sec.command-injection", 11)]
    write(tmp_path, {"app.py": _route("d = {}\ndef put():\n    d['k'] = 'ls'\nput()\nos.system(d['k'])")})
    assert _sinks(tmp_path) == []


def test_filter_keeps_the_elements_taint(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": _route("xs = list(filter(lambda s: s, v.split()))\nos.system(xs[0])")})
    assert _sinks(tmp_path) == [("sec.command-injection", 8)]
