"""Bad input: deep nesting, huge generated files, deep call chains. Bounded, never a crash."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from stackaudit.config.sections.taint import TaintConfig
from stackaudit.model import AnalyzerState, NotAnalysedReason
from tests.analyzers.taint.helpers import run_taint, write

HEAD = "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"


def _partial(result_paths: dict[str, NotAnalysedReason], name: str) -> bool:
    return result_paths.get(name) is NotAnalysedReason.PARTIAL


def test_deeply_nested_expression_is_cut_at_the_bound(tmp_path: Path) -> None:
    nested = "request.args['a']"
    for _ in range(150):
        nested = f"str({nested})"
    write(
        tmp_path,
        {
            "deep.py": HEAD + f"@app.route('/d')\ndef d():\n    os.system({nested})\n",
            "ok.py": HEAD + "@app.route('/o')\ndef o():\n    os.system(request.args['b'])\n",
        },
    )
    result = run_taint(tmp_path, TaintConfig(max_expression_depth=50))
    reasons = {n.path: n.reason for n in result.not_analysed}
    assert _partial(reasons, "deep.py") and "ok.py" not in reasons
    assert result.state is AnalyzerState.PARTIAL
    assert [f.location.path for f in result.findings] == ["ok.py"]
    # within the default bound the same flow is found
    full = run_taint(tmp_path)
    assert {f.location.path for f in full.findings} == {"deep.py", "ok.py"}


def test_expression_beyond_the_parser_limits(tmp_path: Path) -> None:
    chain = " + ".join(["request.args['a']"] * 60_000)
    write(
        tmp_path,
        {
            "chain.py": HEAD + f"@app.route('/c')\ndef c():\n    os.system({chain})\n",
            "parens.py": "x = " + "(" * 500 + "1" + ")" * 500 + "\n",
        },
    )
    result = run_taint(tmp_path)
    reasons = {n.path: n.reason for n in result.not_analysed}
    assert reasons["parens.py"] is NotAnalysedReason.SYNTAX_ERROR
    assert reasons["chain.py"] in (NotAnalysedReason.PARTIAL, NotAnalysedReason.SYNTAX_ERROR)


def _generated(functions: int) -> str:
    parts = [HEAD]
    for i in range(functions):
        parts.append(
            f"@app.route('/r{i}')\ndef handler_{i}():\n    value_{i} = request.args.get('p{i}', '')\n"
            f"    items = ['a', value_{i}, 'b']\n    items.pop(0)\n    safe = items[1]\n"
            f"    if len(value_{i}) > {i % 7}:\n        os.system('echo ' + safe)\n"
            f"    return 'ok'\n\n"
        )
    return "".join(parts)


@pytest.mark.slow
def test_two_megabyte_file_hits_the_time_bound(tmp_path: Path) -> None:
    text = _generated(9_000)
    assert len(text) > 2_000_000
    write(tmp_path, {"generated.py": text, "small.py": HEAD + "os.system(request.args['x'])\n"})
    started = time.monotonic()
    result = run_taint(tmp_path, TaintConfig(file_time_limit_s=0.2))
    elapsed = time.monotonic() - started
    reasons = {n.path: n for n in result.not_analysed}
    assert _partial({k: v.reason for k, v in reasons.items()}, "generated.py")
    assert "file_time_limit_s" in reasons["generated.py"].detail
    assert [f.location.path for f in result.findings] == ["small.py"]  # the run went on
    assert elapsed < 30  # parse + 0.2 s of analysis, not the whole file


def test_deep_and_recursive_call_graphs(tmp_path: Path) -> None:
    chain = "".join(f"def f{i}(x):\n    return f{i + 1}(x)\n" for i in range(400))
    chain += "def f400(x):\n    os.system(x)\n    return f0(x)\n"
    chain += "def ping(x):\n    return pong(x)\ndef pong(x):\n    return ping(x)\n"
    write(
        tmp_path,
        {
            "calls.py": HEAD + chain + "@app.route('/c')\ndef c():\n"
            "    ping(request.args['a'])\n    f0(request.args['a'])\n"
        },
    )
    bounded = run_taint(tmp_path)  # default depth 4: the sink 400 calls down is not reached
    assert bounded.findings == ()
    deep = run_taint(tmp_path, TaintConfig(max_call_depth=10_000))  # Python's stack gives out first
    reasons = {n.path: n.reason for n in deep.not_analysed}
    assert reasons.get("calls.py") in (None, NotAnalysedReason.PARTIAL)


def test_an_analyzer_bug_on_one_file_costs_only_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stackaudit.analyzers.taint import analyzer

    real = analyzer.check_module

    def flaky(mod, *rest):  # type: ignore[no-untyped-def]
        if mod.path == "bad.py":
            raise KeyError("simulated analyzer bug")
        return real(mod, *rest)

    monkeypatch.setattr(analyzer, "check_module", flaky)
    write(tmp_path, {"bad.py": "x = 1\n", "ok.py": HEAD + "os.system(request.args['b'])\n"})
    result = run_taint(tmp_path)
    assert [(n.path, n.reason) for n in result.not_analysed] == [("bad.py", NotAnalysedReason.ERROR)]
    assert result.state is AnalyzerState.PARTIAL
    assert [f.location.path for f in result.findings] == ["ok.py"]


def test_a_file_cut_by_the_time_bound_leaves_no_half_solved_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stackaudit.analyzers.taint import interp

    helper = "import os\ndef run(x):\n    os.system(x)\n"
    cut = (
        "from helper import run\nfrom flask import request\ndef mid(x):\n    run(x)\n    boom()\n"
        "def a():\n    mid(request.args['a'])\n"
    )
    other = "from a import mid\nfrom flask import request\ndef b():\n    mid(request.args['b'])\n"
    write(tmp_path, {"helper.py": helper, "a.py": cut, "b.py": other})
    real = interp.Interp.stmt
    fired: list[bool] = []

    def stmt(self, node):  # type: ignore[no-untyped-def]
        if not fired and self.mod.path == "a.py" and "boom" in ast.unparse(node):
            fired.append(True)  # the time bound runs out once, inside mid(), called from a()
            raise interp.BudgetExceeded
        return real(self, node)

    monkeypatch.setattr(interp.Interp, "stmt", stmt)
    result = run_taint(tmp_path)
    assert {n.path for n in result.not_analysed} == {"a.py"}
    (finding,) = [f for f in result.findings if ("origin", "confirmed") in f.properties]
    assert (finding.location.path, finding.location.line) == ("helper.py", 3)
    assert "passed to mid()" in [step.note for step in finding.trace]
