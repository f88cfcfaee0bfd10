"""The review record: written at the top of the output, read back whatever the repository's
names hold, and a journey's hash that follows the code its handlers reach (and nothing else)."""

from __future__ import annotations

from pathlib import Path

from stackaudit.threat.journeys import Journey, endpoints_of
from stackaudit.threat.review import JourneyRecord, Review, header, parse, reached_code
from tests.scope.helpers import write_app

APP = """
from flask import Flask
from .helpers import total

app = Flask(__name__)


@app.post("/pay")
def pay():
    return str(total())


@app.get("/about")
def about():
    return "about"
"""
HELPERS = """
def total():
    return 42


def unrelated():
    return 0
"""


def _hash(root: Path, app: str = APP, helpers: str = HELPERS) -> tuple[str, tuple[tuple[str, str], ...]]:
    scope = write_app(root, {"svc/__init__.py": "", "svc/main.py": app, "svc/helpers.py": helpers})
    eps = endpoints_of(Journey("checkout", ("POST /pay",)), scope.service_map().endpoints)
    assert [e.label for e in eps] == ["POST /pay"]
    return reached_code(scope, eps)


def test_hash_follows_reached_code_only(tmp_path: Path) -> None:
    base, files = _hash(tmp_path / "a")
    assert [p for p, _ in files] == ["svc/helpers.py", "svc/main.py"]
    assert _hash(tmp_path / "b")[0] == base
    # an edit in a function the journey does not reach: same hash
    assert _hash(tmp_path / "c", helpers=HELPERS.replace("return 0", "return 1"))[0] == base
    assert _hash(tmp_path / "d", app=APP.replace('"about"', '"about us"'))[0] == base
    # an edit in a reached helper: the journey's hash and that file's hash change
    changed, changed_files = _hash(tmp_path / "e", helpers=HELPERS.replace("return 42", "return 43"))
    assert changed != base
    assert dict(changed_files)["svc/main.py"] == dict(files)["svc/main.py"]
    assert dict(changed_files)["svc/helpers.py"] != dict(files)["svc/helpers.py"]


def test_header_round_trips_hostile_names() -> None:
    hostile = "evil/--><script>alert(1)</script>&.py"
    review = Review("2026-12-08", {"check-->out <b>": JourneyRecord("abc", ((hostile, "123"),))})
    line = header(review)
    assert line.startswith("<!-- ") and line.endswith(" -->")
    inner = line[4:-3]
    assert "--" not in inner and "<" not in inner and ">" not in inner
    assert parse(f"# title\n{line}\nrest") == review


def test_parse_refuses_damaged_or_missing_records() -> None:
    assert parse("# no record here\n") is None
    assert parse("<!-- stackaudit:threat-review {not json} -->") is None
    assert (
        parse('<!-- stackaudit:threat-review {"schema": "other/v9", "date": "x", "journeys": {}} -->') is None
    )
    assert parse('{"review": {"schema": "stackaudit.threat-review/v1", "date": 5}}') is None
    assert parse("{not json") is None
