"""Fuzz the governance parsers (deploy logs, incident files, PR bodies, GitHub events, changed code).

Same campaign as tests/fuzz: mutated real seeds, derandomised in the suite; bad input may only
end as the parser's own error, never as a crash.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from stackaudit.governance.checklist import ITEMS, pr_template, satisfied_by
from stackaudit.governance.dora.inputs import read_deploy_log, read_incidents
from stackaudit.governance.dora.model import DoraInputError
from stackaudit.governance.prcheck import check
from stackaudit.governance.prsource import PrInputError, from_event
from tests.fuzz.mutate import inputs
from tests.fuzz.targets import HANG_SECONDS, Target

EXAMPLES = int(os.environ.get("STACKAUDIT_FUZZ_EXAMPLES", "40"))
NOW = datetime(2026, 1, 1, tzinfo=UTC)
DEPLOYS = (
    "id,time,commit,environment,status\n"
    "d1,2025-03-01T12:00:00Z,0a1b2c3d4e,production,success\n"
    "d2,2025-03-02T06:00:00+02:00,0a1b2c3d4f,staging,failed\n",
    json.dumps([{"id": "d1", "time": "2025-03-01", "commit": "abc1234", "environment": "p", "status": "ok"}]),
)
INCIDENTS = (
    "id,opened,resolved,deployment\nI1,2025-03-02T08:00:00Z,2025-03-02T10:00:00Z,d1\nI2,2025-03-03,,v1.2\n",
    json.dumps({"incidents": [{"id": "I1", "opened": "2025-03-02", "resolved": None, "deployment": "d1"}]}),
)
EVENT = json.dumps(
    {"pull_request": {"body": pr_template(), "base": {"sha": "a" * 40}, "head": {"sha": "b" * 40}}}
)
PYTHON = (
    'import os, jwt\nfrom flask import Flask\napp = Flask(__name__)\nKEY = os.environ["API_TOKEN"]\n\n'
    '@app.route("/orders")\ndef orders():\n    return jwt.encode({}, KEY)\n'
)


def _file(workdir: Path, text: str, suffix: str) -> Path:
    path = workdir / f"input{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def _pr_body(text: str, _: Path) -> object:
    for item in ITEMS:
        satisfied_by(text, item)
    return check(text, ["app/views.py", "migrations/0001.py", "requirements.txt"], lambda _p: PYTHON)


def _changed_code(text: str, _: Path) -> object:
    return check("", ["app/auth/views.py", "app/urls.py"], lambda _p: text)


TARGETS = (
    Target(
        "dora-deploy-csv",
        DEPLOYS[:1],
        lambda t, w: read_deploy_log(_file(w, t, ".csv"), NOW, None),
        (DoraInputError,),
    ),
    Target(
        "dora-deploy-json",
        DEPLOYS[1:],
        lambda t, w: read_deploy_log(_file(w, t, ".json"), NOW, None),
        (DoraInputError,),
    ),
    Target(
        "dora-incidents", INCIDENTS, lambda t, w: read_incidents(_file(w, t, ".csv"), NOW), (DoraInputError,)
    ),
    Target("pr-body", (pr_template(), pr_template().replace("[ ]", "[x]")), _pr_body),
    Target("pr-event", (EVENT,), lambda t, w: from_event(_file(w, t, ".json")), (PrInputError,)),
    Target("pr-changed-python", (PYTHON,), _changed_code),
)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_governance_parser_survives_hostile_input(target: Target) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)

        @settings(
            max_examples=EXAMPLES,
            derandomize=EXAMPLES <= 1000,
            database=None,
            deadline=timedelta(seconds=HANG_SECONDS),
            suppress_health_check=list(HealthCheck),
        )
        @given(text=inputs(target.seeds))
        def run(text: str) -> None:
            with contextlib.suppress(*target.allowed):
                target.call(text, workdir)

        run()
