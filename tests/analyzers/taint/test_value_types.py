"""Values that cannot carry injected text: enumerate's counter in a comprehension, parameters a
framework validates into ints (``Optional[int]``, ``int | None``, ``Annotated[int, ...]``,
``Literal``), and a value whose quotes are doubled for a SQL literal. Each beside the real flow,
which stays reported."""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

FASTAPI = (
    "from typing import Annotated, Literal, Optional\n"
    "import sqlite3\n"
    "from fastapi import FastAPI, Query\n"
    "from sqlalchemy import text\n"
    "app = FastAPI()\n"
    "db = sqlite3.connect('x.db')\n"
)


def _sql_lines(root: Path) -> set[int]:
    return {f.location.line for f in run_taint(root).findings if f.rule_id == "sec.sql-injection"}


def test_enumerate_index_in_a_comprehension_is_a_counter(tmp_path: Path) -> None:
    body = (
        "@app.get('/s')\n"
        "def s(q: str):\n"
        "    words = q.split()\n"
        "    parts = [text(f'tag = :t{i}') for i, w in enumerate(words)]\n"  # line 10: safe
        "    bad = [text(f'tag = {w}') for i, w in enumerate(words)]\n"  # line 11: the word itself
        "    return parts, bad\n"
    )
    assert _sql_lines(write(tmp_path, {"app.py": FASTAPI + body})) == {11}


def test_parameters_validated_into_ints_are_not_text(tmp_path: Path) -> None:
    body = (
        "@app.get('/a')\n"
        "def a(page: Optional[int] = 1, size: int | None = None, n: Annotated[int, Query()] = 3,\n"
        "      order: Literal['asc', 'desc'] = 'asc', ids: list[int] = Query([]), name: str = ''):\n"
        "    db.execute(f'SELECT * FROM t LIMIT {size} OFFSET {page} * {n} ORDER BY x {order}')\n"  # 10: safe
        "    db.execute(f'SELECT * FROM t WHERE id IN ({ids})')\n"  # 11: safe
        "    db.execute(f'SELECT * FROM t WHERE name = {name}')\n"  # 12: the text parameter
        "    return []\n"
    )
    assert _sql_lines(write(tmp_path, {"app.py": FASTAPI + body})) == {12}


def test_quotes_doubled_for_a_sql_literal(tmp_path: Path) -> None:
    body = (
        "@app.get('/t')\n"
        "def t(path: str):\n"
        '    db.execute("ATTACH DATABASE \'{}\' AS other".format(path.replace("\'", "\'\'")))\n'  # 9: safe
        "    db.execute(\"ATTACH DATABASE '{}' AS other\".format(path.replace('\"', '')))\n"  # 10: not
        "    return []\n"
    )
    assert _sql_lines(write(tmp_path, {"app.py": FASTAPI + body})) == {10}


def test_sql_expression_operators_bind_their_argument(tmp_path: Path) -> None:
    body = (
        "from models import File, session, visible_files\n"
        "@app.get('/f')\n"
        "def f(q: str):\n"
        "    cond = File.filename.ilike(f'%{q}%')\n"
        "    stmt = visible_files(session).filter(cond)\n"  # a statement the analysis cannot see built
        "    session.execute(stmt)\n"  # line 12: bound, safe
        "    session.execute(text(f\"SELECT * FROM file WHERE name LIKE '%{q}%'\"))\n"  # line 13: text
        "    return []\n"
    )
    assert _sql_lines(write(tmp_path, {"app.py": FASTAPI + body})) == {13}


def test_rows_a_query_returns_are_stored_data_not_the_request(tmp_path: Path) -> None:
    body = (
        "from models import Function, session\n"
        "@app.get('/run')\n"
        "def run(ids: str, code: str):\n"
        "    result = session.execute(select(Function).filter(Function.id.in_(ids.split(','))))\n"
        "    for f in result.scalars().all():\n"
        "        exec(f.content)\n"  # line 12: stored code, second order
        "    exec(code)\n"  # line 13: the request's own bytes
        "    return []\n"
    )
    findings = run_taint(
        write(tmp_path, {"app.py": FASTAPI + "from sqlalchemy import select\n" + body})
    ).findings
    origins = {
        f.location.line: dict(f.properties)["origin"] for f in findings if f.rule_id == "sec.code-injection"
    }
    assert origins == {13: "unconfirmed", 14: "confirmed"}


PAGED = (
    "import json\n"
    "from flask import Flask, make_response, request\n"
    "from app.db import session, User\n"
    "app = Flask(__name__)\n"
    "@app.get('/users')\n"
    "def users():\n"
    "    query = session.query(User)\n"
    "    order = request.args.get('order', 'asc')\n"
    "    rows = query.order_by(order).offset(int(request.args['off'])).limit(20).all()\n"
    "    make_response(json.dumps({'rows': [r.name for r in rows]}))\n"  # 10: rows of the table
    "    query = query.filter(User.name.ilike('%' + request.args['q'] + '%'))\n"
    "    make_response(json.dumps([u.name for u in query.all()]))\n"  # 12: rows the search found
    "    return make_response(json.dumps({'order': order}))\n"  # 13: the input itself
)


def test_rows_of_an_ordered_and_paged_query_are_the_tables(tmp_path: Path) -> None:
    """calibre-web's user table: the request orders and pages the query, the rows are stored data."""
    found = {
        f.location.line
        for f in run_taint(write(tmp_path, {"app.py": PAGED})).findings
        if f.rule_id == "sec.xss"
    }
    assert found == {13}


BODY_MODEL = (
    "import os\n"
    "from typing import Optional\n"
    "from fastapi import FastAPI\n"
    "from pydantic import BaseModel\n"
    "app = FastAPI()\n"
    "class FrameForm(BaseModel):\n"
    "    frame: int\n"
    "    keep: Optional[bool] = None\n"
    "    name: str\n"
    "@app.post('/frames')\n"
    "def frames(form: FrameForm):\n"
    "    os.system('extract --frame ' + str(form.frame))\n"  # 12: validated as an int
    "    os.system('extract --keep ' + str(form.keep))\n"  # 13: a bool or None
    "    os.system('extract --name ' + form.name)\n"  # 14: text
    "    return {}\n"
)


def test_typed_fields_of_a_validated_body_model_are_not_text(tmp_path: Path) -> None:
    """FastAPI validates a body model: its ``frame: int`` holds an int, its ``name: str`` text."""
    found = {f.location.line for f in run_taint(write(tmp_path, {"app.py": BODY_MODEL})).findings}
    assert found == {14}


VALIDATED = (
    "import os\n"
    "from flask import Flask, request\n"
    "from pydantic import BaseModel\n"
    "app = Flask(__name__)\n"
    "class FrameSchema(BaseModel):\n"
    "    frame_number: int\n"
    "    label: str\n"
    "def validate_request_body(schema):\n"
    "    payload = request.get_json(silent=True) or {}\n"
    "    return schema.model_validate(payload)\n"
    "def build(schema):\n"
    "    return schema(**(request.get_json() or {}))\n"
    "@app.put('/frames')\n"
    "def put():\n"
    "    body = validate_request_body(FrameSchema)\n"
    "    os.system('extract ' + str(body.frame_number))\n"  # 16: an int
    "    os.system('extract ' + body.label)\n"  # 17: text
    "    raw = build(FrameSchema)\n"
    "    os.system('extract ' + str(raw.frame_number))\n"  # 19: no validation seen
    "    return ''\n"
)


def test_a_model_a_helper_validates_the_request_into(tmp_path: Path) -> None:
    """zou's ``validate_request_body(Schema)`` returns ``Schema.model_validate(payload)``."""
    found = {f.location.line for f in run_taint(write(tmp_path, {"app.py": VALIDATED})).findings}
    assert found == {17, 19}
