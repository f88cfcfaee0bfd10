"""Origins and proofs at sink sites: confirmed, unconfirmed with a reason, or proven safe."""

from __future__ import annotations

from pathlib import Path

from stackaudit.model import Confidence, Finding
from tests.analyzers.taint.helpers import run_taint, write

HEAD = "import os, pickle, shlex, subprocess, sys, yaml\nfrom flask import Flask, request\napp = Flask(__name__)\n"
ROUTE = "@app.route('/x')\ndef x():\n    v = request.args['v']\n"


def _route(body: str) -> dict[str, str]:
    return {"app.py": HEAD + ROUTE + "".join("    " + line + "\n" for line in body.strip().splitlines())}


def _props(finding: Finding) -> dict[str, str]:
    return dict(finding.properties)


def _proofs(root: Path) -> list[tuple[str, int, tuple[int, ...], str]]:
    return [(p.path, p.line, p.cwe, p.reason) for p in run_taint(root).proofs]


def test_a_request_flow_is_confirmed(tmp_path: Path) -> None:
    write(tmp_path, _route("os.system(v)"))
    (finding,) = run_taint(tmp_path).findings
    assert _props(finding)["origin"] == "confirmed" and finding.confidence is Confidence.HIGH
    assert (
        _props(finding)["origin_reason"]
        == "the command comes from request.args (user input), a request source"
    )


def test_a_parameter_with_no_caller_is_an_unconfirmed_origin(tmp_path: Path) -> None:
    write(tmp_path, {"jobs.py": "import os\n\ndef run(cmd):\n    os.system(cmd)\n"})
    (finding,) = run_taint(tmp_path).findings
    assert finding.rule_id == "sec.command-injection" and finding.confidence is Confidence.LOW
    assert _props(finding)["origin"] == "unconfirmed"
    assert _props(finding)["origin_reason"] == (
        "the command comes from parameter `cmd` of `run()`, which has no caller in the repository"
    )


def test_a_parameter_whose_callers_pass_no_traced_source_says_so(tmp_path: Path) -> None:
    code = "import os\n\ndef run(cmd):\n    os.system(cmd)\n\ndef main(x):\n    run(x)\n\nmain(input)\n"
    write(tmp_path, {"jobs.py": code})
    reasons = {f.location.line: _props(f)["origin_reason"] for f in run_taint(tmp_path).findings}
    assert (
        reasons[4] == "the command comes from parameter `cmd` of `run()`; no caller passes it a traced source"
    )


def test_a_database_row_is_a_second_order_origin(tmp_path: Path) -> None:
    body = "row = db.session.query(Job).filter_by(id=v).first()\nsubprocess.call('tar czf ' + row.path, shell=True)"
    write(tmp_path, _route(body))
    (finding,) = run_taint(tmp_path).findings
    assert _props(finding)["origin"] == "unconfirmed" and "database row" in _props(finding)["origin_reason"]


def test_a_database_row_in_html_is_not_reported(tmp_path: Path) -> None:
    write(tmp_path, _route("row = Job.query.filter_by(id=v).first()\nreturn '<b>' + row.name"))
    assert run_taint(tmp_path).findings == ()


def test_a_local_script_argument_is_local_input(tmp_path: Path) -> None:
    write(tmp_path, {"tool.py": "import os, sys\nos.system('convert ' + sys.argv[1])\n"})
    (finding,) = run_taint(tmp_path).findings
    assert _props(finding)["origin"] == "unconfirmed" and finding.confidence is Confidence.LOW
    assert "not remote" in _props(finding)["origin_reason"]


def test_an_untraceable_call_result_in_a_shell_is_unconfirmed(tmp_path: Path) -> None:
    write(tmp_path, _route("import config\nos.system(config.command())"))
    (finding,) = run_taint(tmp_path).findings
    assert _props(finding)["origin"] == "unconfirmed"
    assert "config.command()" in _props(finding)["origin_reason"]


def test_constants_sanitisers_and_safe_loaders_are_proven(tmp_path: Path) -> None:
    body = (
        "os.system('ls -l')\n"
        "os.system('ls ' + shlex.quote(v))\n"
        "yaml.load(v, Loader=yaml.SafeLoader)\n"
        "subprocess.run(['ls', v])\n"
    )
    write(tmp_path, _route(body))
    assert run_taint(tmp_path).findings == ()
    assert _proofs(tmp_path) == [
        ("app.py", 7, (78,), "the command is a constant"),
        ("app.py", 8, (78,), "the command passes a sanitiser or validation for CWE-78"),
        ("app.py", 9, (502,), "yaml.load with a safe Loader"),
        ("app.py", 10, (78,), "the command is a constant"),
    ]


def test_no_proof_where_any_evaluation_was_unsafe(tmp_path: Path) -> None:
    body = "def run(c):\n    os.system(c)\nrun('ls')\nrun(v)\nos.system(str(len(v)))"
    write(tmp_path, _route(body))
    assert _proofs(tmp_path) == []  # the closure's sink saw a request flow once; str(len(v)) is not a proof
    assert [(f.location.line, _props(f)["origin"]) for f in run_taint(tmp_path).findings] == [
        (8, "confirmed")
    ]


def test_no_proof_for_a_value_of_unknown_origin(tmp_path: Path) -> None:
    write(tmp_path, {"jobs.py": "import pickle\n\ndef load(blob):\n    return pickle.loads(blob)\n"})
    result = run_taint(tmp_path)
    assert result.proofs == () and [f.rule_id for f in result.findings] == ["sec.unsafe-deserialization"]


def test_second_hand_origins_are_not_reported_for_paths_urls_and_html(tmp_path: Path) -> None:
    body = "import uuid, tempfile\nopen(tempfile.gettempdir() + '/x')\nreturn '<b>' + str(uuid.uuid4())"
    write(tmp_path, _route(body))
    assert run_taint(tmp_path).findings == ()


def test_a_file_the_request_chose_holds_data_at_rest_not_input(tmp_path: Path) -> None:
    """The request picks WHICH file (path traversal, confirmed, at ``open``); the bytes served are
    the file's: XSS from them is unconfirmed, not "route parameter reaches the response"."""
    write(
        tmp_path,
        _route(
            "with open(os.path.join('/srv/assets', v), 'rb') as fh:\n"
            "    data = fh.read()\n"
            "from flask import make_response\n"
            "return make_response(data)"
        ),
    )
    by_rule = {f.rule_id: _props(f) for f in run_taint(tmp_path).findings}
    assert by_rule["sec.path-traversal"]["origin"] == "confirmed"
    assert by_rule["sec.xss"]["origin"] == "unconfirmed" and by_rule["sec.xss"]["source_kind"] == "file"


def test_stat_of_a_requested_name_is_not_path_traversal(tmp_path: Path) -> None:
    """``os.stat`` reads a size and a time (a cache-busting token), never the file's bytes."""
    write(tmp_path, _route("st = os.stat(os.path.join('/srv/static', v))\nreturn str(st.st_size)"))
    assert [f.rule_id for f in run_taint(tmp_path).findings if f.rule_id == "sec.path-traversal"] == []
