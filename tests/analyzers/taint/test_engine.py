"""Taint engine behaviour on small real files: flows, precision, traces, context, summaries."""

from __future__ import annotations

from pathlib import Path

from stackaudit.config.sections.taint import TaintConfig
from stackaudit.model import CodeContext, Confidence, NotAnalysedReason
from tests.analyzers.taint.helpers import run_taint, write

FLASK = "from flask import Flask, request\nimport os, subprocess\napp = Flask(__name__)\n\n"


def _rules(root: Path, config: TaintConfig | None = None) -> list[tuple[str, int]]:
    return sorted((f.rule_id, f.location.line) for f in run_taint(root, config).findings)


def _handler(body: str) -> str:
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return (
        FLASK
        + '@app.route("/x")\ndef x():\n    v = request.args.get("v", "")\n'
        + lines
        + "\n    return 'ok'\n"
    )


def _one(tmp_path: Path, body: str) -> list[tuple[str, int]]:
    return _rules(write(tmp_path, {"app.py": _handler(body)}))


def test_direct_flow_has_trace_context_and_endpoint(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": _handler('cmd = "ping " + v\nos.system(cmd)')})
    (finding,) = run_taint(tmp_path).findings
    assert finding.rule_id == "sec.command-injection" and finding.cwe == (78,)
    assert finding.context is CodeContext.HANDLER and finding.endpoint == "GET /x"
    assert finding.confidence is Confidence.HIGH
    kinds = [step.kind for step in finding.trace]
    assert kinds[0] == "source" and kinds[-1] == "sink" and "step" in kinds
    assert finding.trace[0].location.line == 7 and finding.trace[-1].location.line == 9
    assert finding.snippet == "os.system(cmd)"


def test_constant_folding_decides_the_branch(tmp_path: Path) -> None:
    dead = _one(
        tmp_path,
        "x = 'safe' if 7 * 42 - 106 > 200 else 'x'\ny = 'safe' if 7 * 42 - 106 < 200 else v\nos.system(y)",
    )
    assert dead == []
    live = _one(tmp_path, "y = v if 7 * 42 - 106 < 200 else 'safe'\nos.system(y)")
    assert live == [("sec.command-injection", 9)]


def test_if_statement_with_constant_test_runs_one_branch(tmp_path: Path) -> None:
    assert _one(tmp_path, "if 3 > 5:\n    os.system(v)") == []
    assert _one(tmp_path, "if 5 > 3:\n    os.system(v)") == [("sec.command-injection", 9)]


def test_reassignment_kills_and_join_keeps(tmp_path: Path) -> None:
    assert _one(tmp_path, "a = v\na = 'ls'\nos.system(a)") == []
    assert _one(tmp_path, "a = 'ls'\nif len(v) > 3:\n    a = v\nos.system(a)") == [
        ("sec.command-injection", 11)
    ]


def test_dict_and_list_precision(tmp_path: Path) -> None:
    assert _one(tmp_path, "d = {'a': v, 'b': 'ls'}\nos.system(d['b'])") == []
    assert _one(tmp_path, "d = {'a': 'ls'}\nd['b'] = v\nos.system(d.get('b'))") == [
        ("sec.command-injection", 10)
    ]
    assert _one(tmp_path, "xs = ['ls', v]\nxs.pop()\nos.system(xs[-1])") == []
    assert _one(tmp_path, "xs = [v]\nxs[0] = 'ls'\nos.system(xs[0])") == []
    assert _one(tmp_path, "xs = []\nxs.append('ls')\nxs.append(v)\nos.system(xs[1])") == [
        ("sec.command-injection", 11)
    ]
    assert _one(tmp_path, "xs = ['a', v, 'b']\ndel xs[1]\nos.system(xs[1])") == []


def test_sanitizers_are_per_sink_class(tmp_path: Path) -> None:
    assert _one(tmp_path, "import shlex\nos.system('ls ' + shlex.quote(v))") == []
    # shlex.quote does nothing for HTML
    assert _rules(
        write(
            tmp_path,
            {
                "app.py": FLASK + "import shlex\n@app.route('/y')\ndef y():\n"
                "    return '<p>' + shlex.quote(request.args['q'])\n"
            },
        )
    ) == [("sec.xss", 8)]
    assert _one(tmp_path, "os.system('kill ' + str(int(v)))") == []


def test_allow_list_and_early_exit(tmp_path: Path) -> None:
    assert _one(tmp_path, "if v not in ('a', 'b'):\n    return 'no'\nos.system(v)") == []
    assert _one(tmp_path, "if v in ('a', 'b'):\n    os.system(v)") == []
    assert _one(tmp_path, "if v in ('a', 'b'):\n    pass\nos.system(v)") == [("sec.command-injection", 10)]


def test_subprocess_argument_lists(tmp_path: Path) -> None:
    assert _one(tmp_path, "subprocess.run(['ping', '-c', '1', v])") == []
    assert _one(tmp_path, "subprocess.run(['ping', v], shell=True)") == [("sec.command-injection", 8)]
    assert _one(tmp_path, "subprocess.run([v, '--help'])") == [("sec.command-injection", 8)]


def test_cross_module_summaries_through_imports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/db.py": "def run(cur, q):\n    cur.execute(q)\n\ndef build(x):\n    return 'SELECT ' + x\n",
            "pkg/util.py": "def constant(x):\n    return 'fixed'\n",
            "pkg/views.py": "from flask import request\nfrom pkg.db import run, build\nfrom . import util\n"
            "def view(cur):\n    q = build(request.args['q'])\n    run(cur, q)\n"
            "    run(cur, util.constant(request.args['q']))\n",
        },
    )
    findings = run_taint(tmp_path).findings
    assert [(f.rule_id, f.location.path, f.location.line) for f in findings] == [
        ("sec.sql-injection", "pkg/db.py", 2)
    ]
    notes = [step.note for step in findings[0].trace]
    assert "passed to build()" in notes and "passed to run()" in notes


def test_call_depth_is_configurable(tmp_path: Path) -> None:
    chain = "def f3(x):\n    import os\n    os.system(x)\n"
    chain += "def f2(x):\n    f3(x)\ndef f1(x):\n    f2(x)\n"
    write(tmp_path, {"app.py": _handler("f1(v)") + chain})
    assert _rules(tmp_path, TaintConfig(max_call_depth=4)) == [("sec.command-injection", 12)]
    (cut,) = run_taint(
        tmp_path, TaintConfig(max_call_depth=1)
    ).findings  # the flow is cut: f3's own parameter
    assert ("origin", "unconfirmed") in cut.properties and cut.confidence is Confidence.LOW


def test_env_and_cli_sources(tmp_path: Path) -> None:
    write(
        tmp_path, {"job.py": "import os, sys\nos.system(os.environ['CMD'])\nos.system('ls ' + sys.argv[1])\n"}
    )
    env, cli = run_taint(tmp_path).findings
    assert env.confidence is Confidence.LOW and cli.confidence is Confidence.LOW  # local input, not remote
    assert cli.context is CodeContext.SCRIPT
    assert ("origin", "unconfirmed") in env.properties and ("origin", "unconfirmed") in cli.properties
    reasons = dict(env.properties)["origin_reason"], dict(cli.properties)["origin_reason"]
    assert "environment variable" in reasons[0] and "local command-line program" in reasons[1]


def test_fastapi_typed_parameters(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "api.py": "import os\nfrom fastapi import FastAPI, Depends\napp = FastAPI()\n"
            "@app.get('/a/{n}')\ndef a(n: int, name: str, dep=Depends(object)):\n"
            "    os.system(str(n))\n    os.system(str(dep))\n    os.system(name)\n"
        },
    )
    assert _rules(tmp_path) == [("sec.command-injection", 8)]


def test_extra_sources_sinks_and_sanitizers_from_config(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": "from myapp.io import get_param, run_query, scrub\n"
            "run_query(get_param('a'))\nrun_query(scrub(get_param('b')))\n"
        },
    )
    config = TaintConfig(
        extra_sources=["myapp.io.get_param"],
        extra_sinks=["myapp.io.run_query:89"],
        extra_sanitizers=["myapp.io.scrub"],
    )
    assert _rules(tmp_path, config) == [("sec.sql-injection", 2)]
    assert _rules(tmp_path) == []


def test_bad_files_are_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    write(tmp_path, {"broken.py": "def f(:\n", "app.py": _handler("os.system(v)")})
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    result = run_taint(tmp_path)
    reasons = {n.path: n.reason for n in result.not_analysed}
    assert reasons == {
        "broken.py": NotAnalysedReason.SYNTAX_ERROR,
        "latin.py": NotAnalysedReason.DECODE_ERROR,
    }
    assert [f.rule_id for f in result.findings] == ["sec.command-injection"]


def test_django_views_and_helpers(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shop/views.py": "import os\nfrom django.http import HttpResponse\n"
            "def detail(request, slug):\n    os.system(slug)\n    return HttpResponse('ok')\n",
            "shop/auth.py": "import os\ndef login(request, user):\n    os.system(user)\n",
            "shop/middleware.py": "class M:\n    def process_response(self, request, response):\n"
            "        response.headers['X-A'] = response.status_code\n        return response\n",
            "shop/pages.py": "import os\nfrom django.http import HttpResponse\n"
            "def page(request, name):\n    os.system(name)\n    return HttpResponse(t.render({'n': name}))\n",
        },
    )
    found = run_taint(tmp_path).findings
    assert [(f.rule_id, f.location.path) for f in found if ("origin", "confirmed") in f.properties] == [
        ("sec.command-injection", "shop/pages.py"),
        ("sec.command-injection", "shop/views.py"),
    ]
    # a helper that takes the request along is not a view: its parameter is of unknown origin
    (helper,) = [f for f in found if f.location.path == "shop/auth.py"]
    assert dict(helper.properties)["origin"] == "unconfirmed"
    assert dict(helper.properties)["origin_reason"] == (
        "the command comes from parameter `user` of `login()`, which has no caller in the repository"
    )


def test_config_validation_names_the_bad_entry() -> None:
    import pytest
    from pydantic import ValidationError

    from stackaudit.analyzers.taint.rules import TAINT_RULES
    from stackaudit.config.sections.taint import TAINT_CWES

    assert frozenset(TAINT_RULES) == TAINT_CWES
    with pytest.raises(ValidationError, match=r"myapp\.db\.run:12"):
        TaintConfig(extra_sinks=["myapp.db.run:12"])
    with pytest.raises(ValidationError, match=r"expected dotted\.name:CWE"):
        TaintConfig(extra_sinks=["myapp.db.run"])
    with pytest.raises(ValidationError, match="not a dotted name"):
        TaintConfig(extra_sources=["my app"])
    assert TaintConfig(extra_sanitizers=["a.b:79,113", "c.d"]).extra_sanitizers == ["a.b:79,113", "c.d"]


def test_sanitizer_limited_to_some_sink_classes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": FLASK + "from myapp import clean_html\n@app.route('/z')\ndef z():\n"
            "    v = clean_html(request.args['v'])\n    os.system(v)\n    return v\n"
        },
    )
    assert _rules(tmp_path, TaintConfig(extra_sanitizers=["myapp.clean_html:79"])) == [
        ("sec.command-injection", 9)
    ]


def test_routes_inside_an_app_factory(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "factory.py": "import os\nfrom flask import Flask, request\n\ndef create_app():\n"
            "    app = Flask(__name__)\n\n    @app.route('/run')\n    def run():\n"
            "        os.system(request.args['c'])\n        return 'ok'\n    return app\n"
        },
    )
    (finding,) = run_taint(tmp_path).findings
    assert (finding.rule_id, finding.location.line, finding.endpoint) == (
        "sec.command-injection",
        9,
        "GET /run",
    )


def test_redirect_to_a_site_relative_path(tmp_path: Path) -> None:
    head = FLASK + "from flask import redirect\n@app.route('/n')\ndef n():\n    t = request.args['next']\n"
    only_slash = head + "    if not t.startswith('/'):\n        t = '/'\n    return redirect(t)\n"
    assert _rules(write(tmp_path, {"app.py": only_slash})) == [("sec.open-redirect", 11)]  # "//evil" passes
    both = (
        head
        + "    if not t.startswith('/') or t.startswith(('//', '/\\\\')):\n        t = '/'\n    return redirect(t)\n"
    )
    assert _rules(write(tmp_path, {"app.py": both})) == []


def test_database_rows_and_selected_values_are_not_input(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": _handler("u = User.query.filter_by(name=v).first()\nos.system(u.home)")})
    (row,) = run_taint(tmp_path).findings  # second order: kept, unconfirmed, never as request input
    assert dict(row.properties)["origin"] == "unconfirmed" and row.confidence is Confidence.LOW
    assert "database row" in dict(row.properties)["origin_reason"]
    assert (
        _one(tmp_path, "cmds = {'a': 'ls', 'b': 'df'}\nos.system(cmds.get(v, 'ls'))\nos.system(cmds[v])")
        == []
    )
    assert _one(tmp_path, "opts = {}\nos.system(opts.get('x', v))") == [("sec.command-injection", 9)]


def test_state_at_continue_and_break_flows_on(tmp_path: Path) -> None:
    body = "cmd = 'ls'\nfor part in v.split():\n    if part == 'x':\n        cmd = part + v\n        continue\nos.system(cmd)"
    assert _one(tmp_path, body) == [("sec.command-injection", 13)]
    body = "cmd = 'ls'\nwhile len(v) > 1:\n    cmd = v\n    break\nos.system(cmd)"
    assert _one(tmp_path, body) == [("sec.command-injection", 12)]


def test_a_comprehension_variable_step_has_its_line(tmp_path: Path) -> None:
    """The trace showed ``helper.py:0 [uniq] assigned to inp``: a comprehension's variable was
    located at the comprehension node, which has no line."""
    app = (
        "import os\n"
        "from flask import Flask, request\n"
        "app = Flask(__name__)\n"
        "@app.get('/x')\n"
        "def x():\n"
        "    names = [n.strip() for n in request.args.getlist('n')]\n"
        "    os.system('echo ' + names[0])\n"
        "    return ''\n"
    )
    (tmp_path / "app.py").write_text(app)
    (finding,) = [f for f in run_taint(tmp_path).findings if f.rule_id == "sec.command-injection"]
    assert all(step.location.line >= 1 for step in finding.trace), finding.trace
