"""An outbound HTTP call returns the remote server's answer, not the arguments it sent.

A handler that forwards the request body to an upstream API and relays its answer does not echo
the request: the answer is of unknown origin. A URL the request chose makes the answer the
attacker's (their server answers), so it stays a confirmed flow, beside the SSRF at the call.
"""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

APP = (
    "import requests\n"
    "from flask import Flask, request, make_response\n"
    "app = Flask(__name__)\n"
    "API = 'https://store.example.com/v1'\n"
    "s = requests.Session()\n"
    "@app.post('/relay')\n"
    "def relay():\n"
    "    r = requests.post(API, data=request.get_data(), timeout=5)\n"
    "    a = s.post(API, json=request.get_json(), timeout=5)\n"
    "    p = requests.get(API + '/' + request.path, timeout=5)\n"
    "    return make_response(r.content + a.content + p.content)\n"  # 11: the store's answers
    "@app.get('/fetch')\n"
    "def fetch():\n"
    "    r = requests.get(request.args['u'], timeout=5)\n"  # 14: SSRF
    "    return make_response(r.text)\n"  # 15: the attacker's server answers
)


def test_an_upstream_answer_is_not_the_request_echoed(tmp_path: Path) -> None:
    findings = run_taint(write(tmp_path, {"app.py": APP})).findings
    confirmed = {(f.location.line, f.rule_id) for f in findings if f.prop("origin") == "confirmed"}
    assert confirmed == {(14, "sec.ssrf"), (15, "sec.xss")}
