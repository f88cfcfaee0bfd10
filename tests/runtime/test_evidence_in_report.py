"""Evidence that shows up: every stored profile, load verdict, metric band and runtime N+1
appears in the next audit's report, in its own section of every format; joined to the
static finding at its place when there is one, standing as its own ``runtime.*`` finding
when there is none; passes and incomplete runs listed, never findings.

The evidence is written by the producers' own code (hot_evidence, load verdicts, metrics
readings, the N+1 detector) into a real store; the audit is the real CLI in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, Draft202012Validator

from stackaudit.model import Evidence
from stackaudit.report import json_v1
from stackaudit.runtime.load.model import Verdict
from stackaudit.runtime.load.verdicts import incomplete_evidence
from stackaudit.runtime.load.verdicts import to_evidence as load_evidence
from stackaudit.runtime.metrics.bands import Verdict as Band
from stackaudit.runtime.metrics.report import to_evidence as metrics_evidence
from stackaudit.runtime.metrics.window import MetricsReport, Reading
from stackaudit.runtime.nplusone.capture import CallSite
from stackaudit.runtime.nplusone.detect import NPlusOne
from stackaudit.runtime.nplusone.evidence import to_evidence as nplusone_evidence
from stackaudit.runtime.profile.evidence import hot_evidence
from stackaudit.runtime.profile.hot import HotFunction
from stackaudit.storage.store import Store, project_key

pytestmark = pytest.mark.slow

VIEWS = """\
import json


def orders(rows):
    return json.dumps(sorted(rows))


def label(order):
    return order.customer.name  # a lazy load: the loop that repeats it is elsewhere


def totals(db, ids):
    result = []
    for oid in ids:
        result.append(db.query(Order).get(oid))
    return result
"""


def _evidence(root: Path) -> list[Evidence]:
    project = project_key(root)
    views = root / "shop" / "views.py"
    hot = hot_evidence("GET /orders", [[HotFunction("orders", "shop/views.py", 5, 0.62)]], project, "test")
    breach = Verdict(
        "orders",
        "GET /orders",
        False,
        100,
        {"p95_ms": 517.0, "p99_ms": 600.0, "error_rate": 0.0},
        {"p95_ms": 150.0, "error_budget": 0.01},
        "orders: p95 517 ms against a 150 ms SLO at 100 req/s",
    )
    held = Verdict(
        "health",
        "GET /health",
        True,
        100,
        {"p95_ms": 3.0, "p99_ms": 4.0, "error_rate": 0.0},
        {"p95_ms": 50.0},
        "p95 3 ms within a 50 ms SLO, errors 0.0%, at 100 req/s",
    )
    window = MetricsReport(
        "peak", 60, 13, (Reading("redis", "cache hit ratio", 0.58, "ratio", Band.WASTEFUL, "below 70 %"),), ()
    )
    line = (
        VIEWS.splitlines().index(
            "    return order.customer.name  # a lazy load: the loop that repeats it is elsewhere"
        )
        + 1
    )
    loose = NPlusOne(
        "tests/test_names.py::test_names",
        "SELECT name FROM c WHERE id = ?",
        "fp1",
        60,
        13.2,
        CallSite(str(views), line, "label"),
        "SELECT id FROM c",
    )
    return [
        *hot,
        *load_evidence([breach, held], "http://127.0.0.1:8000", project),
        *metrics_evidence(window, project),
        nplusone_evidence(loose, root, project, "pytest --stackaudit-nplusone"),
        incomplete_evidence(
            "step 2 at 60 req/s: the target stopped answering", "http://127.0.0.1:8000", project
        ),
    ]


def _audit(root: Path, db: str, fmt: str, out: Path) -> str:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "stackaudit",
            "audit",
            str(root),
            "--only",
            "python-rules",
            "--db",
            db,
            "-f",
            fmt,
            "-o",
            str(out),
            "--fail-on",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return out.read_text()


def test_every_observation_shows_up_in_every_format(tmp_path: Path, shared_data: Path) -> None:
    root = tmp_path / "project"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "views.py").write_text(VIEWS)
    (root / "stackaudit.toml").write_text('[slo.orders]\nendpoint = "GET /orders"\np95_ms = 150\n')
    db = f"sqlite:///{tmp_path / 'store.db'}"
    stored = _evidence(root)
    with Store.open(db) as store:
        store.add_evidence(stored)

    doc = json.loads(_audit(root, db, "json", tmp_path / "r.json"))
    Draft202012Validator(json_v1.load_schema()).validate(doc)  # the versioned schema holds
    section = doc["runtime_evidence"]
    assert len(section) == len(stored) == 6
    rules = {f["rule_id"]: f for f in doc["findings"]}
    # no static finding at these places: each problem stands as its own finding
    assert rules["runtime.hot-function"]["location"]["path"] == "shop/views.py"
    assert rules["runtime.slo-breach"]["location"]["path"] == "stackaudit.toml"
    assert "517 ms" in rules["runtime.slo-breach"]["message"]
    assert rules["runtime.metric-band"]["evidence"][0]["kind"] == "metrics"
    assert rules["runtime.nplusone"]["evidence"][0]["data"]["count"] == 60
    for rule_id in ("runtime.hot-function", "runtime.slo-breach", "runtime.nplusone", "runtime.metric-band"):
        assert rules[rule_id]["evidence"], rule_id
    # passes and incomplete runs: in the section, never findings
    joined = {e["summary"][:30]: e["joined_to"] for e in section}
    assert any(s.startswith("incomplete load run") and j == [] for s, j in joined.items())
    assert any(s.startswith("p95 3 ms within") and j == [] for s, j in joined.items())
    assert all(j for s, j in joined.items() if not s.startswith(("incomplete", "p95 3 ms")))

    sarif = json.loads(_audit(root, db, "sarif", tmp_path / "r.sarif"))
    sarif_schema = json.loads((shared_data / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8"))
    Draft4Validator(sarif_schema).validate(sarif)
    runs = {r["tool"]["driver"]["name"]: r for r in sarif["runs"]}
    assert {r["ruleId"] for r in runs["stackaudit-runtime"]["results"]} >= {
        "runtime.hot-function",
        "runtime.slo-breach",
    }
    assert len(runs["stackaudit"]["properties"]["runtimeEvidence"]) == 6
    markdown = _audit(root, db, "markdown", tmp_path / "r.md")
    assert "Runtime evidence: 6 observation(s)" in markdown and "own finding runtime.slo-breach" in markdown
    html = _audit(root, db, "html", tmp_path / "r.html")
    assert '<section id="runtime">' in html and "incomplete run: not a measurement" in html
    text = _audit(root, db, "terminal", tmp_path / "r.txt")
    assert "Runtime evidence (6)" in text and "holds: no finding" in text


def test_observation_at_a_static_finding_joins_it_instead(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "views.py").write_text(VIEWS)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    line = VIEWS.splitlines().index("        result.append(db.query(Order).get(oid))") + 1
    found = NPlusOne(
        "t::t",
        "SELECT * FROM orders WHERE id = ?",
        "fp2",
        40,
        80.0,
        CallSite(str(root / "shop" / "views.py"), line, "totals"),
        "SELECT id FROM orders",
    )
    with Store.open(db) as store:
        store.add_evidence([nplusone_evidence(found, root, project_key(root), "test")])
    doc = json.loads(_audit(root, db, "json", tmp_path / "r.json"))
    static = [
        f for f in doc["findings"] if f["rule_id"] == "perf.n-plus-one" and f["location"]["line"] == line
    ]
    assert static and static[0]["evidence"], [f["rule_id"] for f in doc["findings"]]
    assert not any(f["rule_id"] == "runtime.nplusone" for f in doc["findings"])
    (entry,) = doc["runtime_evidence"]
    assert entry["joined_to"] == [f"perf.n-plus-one at shop/views.py:{line}"]
