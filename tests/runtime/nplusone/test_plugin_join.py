"""The pytest plugin detects a runtime N+1, records it, and the next audit ranks the static finding higher."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SHOP = """
from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    total: Mapped[int]


def make_session() -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all([Order(id=i, total=i * 10) for i in range(40)])
        s.commit()
    return Session(engine)


def order_totals(session: Session) -> list[int]:
    ids = session.scalars(select(Order.id)).all()
    totals = []
    for oid in ids:
        order = session.get(Order, oid)
        totals.append(order.total)
    return totals
"""

TEST = """
from shop import make_session, order_totals


def test_totals():
    assert len(order_totals(make_session())) == 40
"""


def _audit(project: Path, db: Path, out: Path) -> dict:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "stackaudit",
            "audit",
            str(project),
            "--only",
            "python-rules",
            "--db",
            f"sqlite:///{db}",
            "-f",
            "json",
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
    return json.loads(out.read_text())


def _n_plus_one(report: dict) -> dict:
    matches = [
        f
        for f in report["findings"]
        if f["rule_id"] == "perf.n-plus-one" and f["location"]["path"] == "shop.py"
    ]
    assert len(matches) == 1, [f["rule_id"] for f in report["findings"]]
    return matches[0]


def test_runtime_evidence_raises_the_static_finding(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "shop.py").write_text(SHOP)
    (project / "test_shop.py").write_text(TEST)
    (project / "pytest.ini").write_text("[pytest]\n")
    db = tmp_path / "store.db"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--stackaudit-nplusone",
            f"--stackaudit-db=sqlite:///{db}",
            "--stackaudit-nplusone-min-ms=0",
            "test_shop.py",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "40 x SELECT" in proc.stdout and "shop.py" in proc.stdout

    without = _n_plus_one(_audit(project, tmp_path / "empty.db", tmp_path / "a.json"))
    with_evidence = _n_plus_one(_audit(project, db, tmp_path / "b.json"))
    line = SHOP.splitlines().index("        order = session.get(Order, oid)") + 1
    assert with_evidence["location"]["line"] == line
    assert with_evidence["evidence"] and with_evidence["evidence"][0]["kind"] == "nplusone"
    assert with_evidence["score"]["value"] > without["score"]["value"]
    assert any(
        "runtime evidence" in r and "40 identical queries" in r
        for r in with_evidence["score"]["likelihood"]["reasons"]
    )
