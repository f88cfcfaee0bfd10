"""The service map's cached answers (scope/reach.py, engine/scopemap.py).

The cached table must answer exactly as the built map does, a warm audit must read it instead of
building the map again, and an edit to a file the map reads must rebuild it (so the finding's
endpoint follows the edit).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from stackaudit.config.loader import load_config
from stackaudit.engine import groups, scopemap
from stackaudit.engine.pipeline import AuditOptions, run_audit
from stackaudit.scope.attach import Attacher
from stackaudit.scope.build import load_scope
from stackaudit.scope.reach import CachedScope, decode_table, encode_table, table_of

REPO = Path(__file__).resolve().parents[2]
TREES = [
    REPO / "tests/scope/fixtures/djangoshop",
    REPO / "tests/scope/fixtures/fastshop",
    REPO / "examples/shop",
]


@pytest.mark.parametrize("root", TREES, ids=lambda p: p.name)
def test_cached_table_answers_as_the_built_map_on_every_line(root: Path) -> None:
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))
    scope = load_scope(root, paths)
    payload = encode_table(table_of(scope))
    table = decode_table(payload)
    assert table is not None and scope.endpoints
    built, cached = Attacher(scope), Attacher(CachedScope(table))
    compared = 0
    for path in paths:
        lines = (root / path).read_text(encoding="utf-8").count("\n") + 2
        for line in range(1, lines):
            assert cached.endpoints_at(path, line) == built.endpoints_at(path, line), (path, line)
            compared += 1
    assert compared > 100


APP = """
import requests
from flask import Flask
from .helpers import fetch

app = Flask(__name__)


@app.route("/orders")
def orders():
    return fetch()
"""
HELPERS = """
import requests


def fetch():
    return requests.get("https://api.example.com/orders").json()
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")


def _endpoint_of_no_timeout(root: Path, db: str, jobs: int) -> str | None:
    options = AuditOptions(root=root, config=load_config(root, None), db_url=db, jobs=jobs, record=False)
    result = run_audit(options)
    found = [a.finding for a in result.findings if a.finding.rule_id == "scale.no-timeout"]
    assert len(found) == 1, [a.finding.rule_id for a in result.findings]
    return found[0].endpoint


@pytest.mark.parametrize("jobs", [1, 2], ids=["in-process", "built-by-the-worker-holding-the-trees"])
def test_warm_audit_reads_the_map_from_the_cache_and_an_edit_rebuilds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    root = tmp_path / "svc"
    _write(root, {"svc/__init__.py": "", "svc/app.py": APP, "svc/helpers.py": HELPERS})
    db = f"sqlite:///{tmp_path}/store.db"
    log = tmp_path / "builds.log"
    real = scopemap.load_scope

    def counting(where: Path, *args: object, **kwargs: object) -> object:
        with log.open("a") as out:  # the pipeline's build, or a worker's
            out.write(f"{os.getpid()}\n")
        return real(where, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scopemap, "load_scope", counting)
    monkeypatch.setattr(groups, "load_scope", counting)

    def builds() -> int:
        return len(log.read_text().splitlines()) if log.exists() else 0

    assert _endpoint_of_no_timeout(root, db, jobs) == "GET /orders"
    assert builds() == 1
    built_here = log.read_text().split() == [str(os.getpid())]
    assert built_here == (jobs == 1), "with workers, the one holding the trees builds the map"
    assert _endpoint_of_no_timeout(root, db, jobs) == "GET /orders"
    assert builds() == 1, "the warm audit built the service map again"
    (root / "svc/app.py").write_text(textwrap.dedent(APP).replace("/orders", "/v2/orders"), encoding="utf-8")
    assert _endpoint_of_no_timeout(root, db, jobs) == "GET /v2/orders"
    assert builds() == 2, "an edited file did not rebuild the service map"


def test_a_stale_or_unreadable_entry_is_a_miss() -> None:
    assert decode_table(b"not json") is None
    assert decode_table(b'{"endpoints": [{"framework": 1}]}') is None
    digests = {"a.py": "1", "b.py": "2"}
    assert scopemap.scope_key(["a.py", "b.py"], digests) != scopemap.scope_key(
        ["a.py", "b.py"], {**digests, "b.py": "3"}
    )
    assert scopemap.scope_key(["a.py", "c.py"], digests) is None
