"""The dashboard through Starlette's TestClient on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from stackaudit.storage.store import Store, default_url
from stackaudit.storage.tables import history, triage_log
from stackaudit.web.app import Settings, create_app
from tests.storage.factories import T0
from tests.web.conftest import PROJECT


def client(url: str, **kw: object) -> TestClient:
    return TestClient(create_app(Settings(url=url, allowed_hosts=("testserver",), **kw)))  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def fingerprints(html: str) -> list[str]:
    return re.findall(r'href="/finding/([0-9a-f]+)\?', html)


def test_every_page_answers_with_the_security_headers(seeded: tuple[str, list[str]]) -> None:
    url, ids = seeded
    c = client(url)
    pages = [
        "/",
        "/findings",
        "/runs",
        f"/runs/{ids[0]}",
        f"/runs/diff?a={ids[0]}&b={ids[2]}",
        "/owners",
        "/projects",
    ]
    for path in pages:
        r = c.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in r.text  # no script at all, inline or not
    overview = c.get("/").text
    assert "Top five risks" in overview and "sec.sql-injection" in overview
    assert "<svg" in overview and "0-30" in overview  # the charts and the aging buckets


def test_filters_select_exactly_the_matching_findings(seeded: tuple[str, list[str]]) -> None:
    url, ids = seeded
    c = client(url)
    total = lambda q: int(re.search(r'<span id="total">(\d+)</span>', c.get("/findings" + q).text).group(1))  # noqa: E731
    assert total("") == 32  # 31 sqli + 1 vuln; the fixed n+1 is not current
    assert total("?category=supply-chain") == 1
    assert total("?category=security") == 31
    assert total("?rule=sca") == 1 and total("?rule=sec.sql-injection") == 31
    assert total("?severity=critical") == 1 and total("?severity=high") == 32
    assert total("?owner=%40team") == 31 and total("?owner=(none)") == 1
    assert total("?path=v07") == 1
    since_t0 = (datetime.now(UTC) - T0).days  # the store's runs are at T0-200d, T0-100d and T0
    assert total(f"?min_age={since_t0 + 150}") == 1  # only the first sqli is 200 days older than T0
    assert total(f"?min_age={since_t0 + 50}") == 32
    assert total(f"?new_since={ids[1]}") == 0 and total(f"?new_since={ids[0]}") == 31
    assert total("?status=new") == 1 and total("?status=open") == 31
    bad = c.get("/findings?category=%3Cx%3E&min_age=abc")
    assert bad.status_code == 200 and "unknown category" in bad.text and "&lt;x&gt;" in bad.text


def test_keyset_pages_cover_every_finding_once_in_score_order(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    c = client(url)
    seen: list[str] = []
    page = c.get("/findings").text
    pages = 1
    while True:
        seen += fingerprints(page)
        nxt = re.search(r'href="([^"]+)" id="next-page"', page)
        if not nxt:
            break
        assert "after=" in nxt.group(1) and "offset" not in nxt.group(1)
        page = c.get(nxt.group(1).replace("&amp;", "&")).text
        pages += 1
    assert pages == 1 or len(seen) == len(set(seen))
    exported = json.loads(c.get("/findings.json").text)["findings"]
    assert [f["fingerprint"] for f in exported] == seen
    scores = [f["score"] for f in exported]
    assert scores == sorted(scores, reverse=True)


def test_small_pages_walk_the_whole_list(seeded: tuple[str, list[str]]) -> None:
    """PAGE is 50; with a page of 7 the cursor is exercised over several pages."""
    from stackaudit.web import queries

    url, _ = seeded
    with Store.open(url) as store, store.engine.connect() as conn:
        now = datetime.now(UTC)
        f, _ = queries.Filters.parse({})
        out: list[str] = []
        while True:
            rows, cursor = queries.page(conn, PROJECT, f, now, limit=7)
            out += [r.fingerprint for r in rows]
            if cursor is None:
                break
            f = queries.Filters.parse({"after": cursor})[0]
        everything = [r.fingerprint for r in queries.every(conn, PROJECT, queries.Filters(), now, chunk=1000)]
    assert len(out) == 32 and len(set(out)) == 32 and out == everything


def test_csv_and_json_exports_follow_the_filters(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    c = client(url)
    r = c.get("/findings.csv?category=security&path=v0")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 10 and {row["category"] for row in rows} == {"security"}
    data = c.get("/findings.json?category=supply-chain").json()
    assert data["project"] == PROJECT and [f["rule_id"] for f in data["findings"]] == [
        "sca.vulnerable-dependency"
    ]


def test_finding_page_and_triage_are_recorded_where_the_cli_sees_them(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    c = client(url)
    fp = fingerprints(c.get("/findings?rule=sca").text)[0]
    page = c.get(f"/finding/{fp}").text
    assert "werkzeug==2.3.7" in page and "Impact" in page and "Status over runs" in page
    token = csrf_of(page)
    form = {
        "csrf": token,
        "project": PROJECT,
        "action": "accept",
        "until": "2031-01-01",
        "by": "lead",
        "reason": "vendor fix",
    }
    r = c.post(f"/finding/{fp}/triage", data=form, follow_redirects=True)
    assert r.status_code == 200 and "accepted" in r.text and "vendor fix" in r.text
    r = c.post(
        f"/finding/{fp}/triage",
        data={"csrf": token, "project": PROJECT, "action": "owner", "owner": "@sec", "by": "lead"},
        follow_redirects=True,
    )
    assert "@sec" in r.text
    with Store.open(url) as store:
        entry = store.history(PROJECT)[fp]
        assert entry.status.value == "accepted" and entry.accepted_by == "lead" and entry.owner == "@sec"
        with store.engine.connect() as conn:
            log = conn.execute(sa.select(triage_log.c.by, triage_log.c.status, triage_log.c.owner)).all()
    assert [tuple(row) for row in log] == [("lead", "accepted", None), ("lead", None, "@sec")]
    r = c.post(
        f"/finding/{fp}/triage",
        data={"csrf": token, "project": PROJECT, "action": "reopen"},
        follow_redirects=True,
    )
    assert re.search(r'id="status"><span class="status status-open">', r.text)


def test_a_fixed_finding_keeps_its_page_and_links_its_playbook(seeded: tuple[str, list[str]]) -> None:
    from tests.storage.factories import nplus

    url, _ = seeded
    page = client(url).get(f"/finding/{nplus().fingerprint}").text
    assert "not in the latest run" in page and "API latency spike" in page and 'id="playbook"' in page
    assert page.count("<tr><td>") >= 2  # two periods: scored 28, then rescored
    steps = client(url).get("/playbooks/api-latency").text
    assert (
        "stackaudit profile --pid PID" in steps
        and "/findings?project=orders-service&amp;rule=perf.n-plus-one" in steps
    )


def test_triage_without_a_valid_csrf_token_changes_nothing(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    c = client(url)
    fp = fingerprints(c.get("/findings").text)[0]
    with Store.open(url) as store, store.engine.connect() as conn:
        before = conn.execute(sa.select(history)).all()
    form = {"project": PROJECT, "action": "owner", "owner": "@evil"}
    assert c.post(f"/finding/{fp}/triage", data=form).status_code == 403
    assert c.post(f"/finding/{fp}/triage", data={**form, "csrf": "0" * 64}).status_code == 403
    other = client(url)  # a token minted for another browser (cookie) does not fit this one
    stolen = csrf_of(other.get(f"/finding/{fp}").text)
    assert c.post(f"/finding/{fp}/triage", data={**form, "csrf": stolen}).status_code == 403
    accept = {
        "csrf": csrf_of(c.get(f"/finding/{fp}").text),
        "project": PROJECT,
        "action": "accept",
        "until": "2031-01-01",
    }
    assert c.post(f"/finding/{fp}/triage", data=accept).status_code == 400  # needs who and why
    with Store.open(url) as store, store.engine.connect() as conn:
        assert conn.execute(sa.select(history)).all() == before
        assert conn.execute(sa.select(sa.func.count()).select_from(triage_log)).scalar() == 0


def test_token_rules(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    with pytest.raises(ValueError, match="token"):
        create_app(Settings(url=url, host="0.0.0.0"))
    c = client(url, host="0.0.0.0", token="s3cret-token")
    r = c.get("/findings", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    fp = "0" * 32
    assert c.post(f"/finding/{fp}/triage", data={"action": "reopen"}).status_code == 403
    assert c.get("/findings", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert (
        c.get("/findings", headers={"Authorization": "Bearer wrong"}, follow_redirects=False).status_code
        == 303
    )
    login = c.get("/login").text
    bad = c.post("/login", data={"csrf": csrf_of(login), "token": "nope"})
    assert bad.status_code == 403
    good = c.post("/login", data={"csrf": csrf_of(login), "token": "s3cret-token"}, follow_redirects=False)
    assert good.status_code == 303 and "s3cret-token" not in good.headers.get("set-cookie", "")
    assert c.get("/findings").status_code == 200  # the session cookie now


def test_loopback_rejects_a_foreign_host_header(seeded: tuple[str, list[str]]) -> None:
    url, _ = seeded
    c = client(url)
    assert c.get("/", headers={"host": "evil.example"}).status_code == 400  # DNS rebinding


def test_bad_stores_start_and_say_so_writing_nothing(tmp_path: Path) -> None:
    missing = default_url(tmp_path / "none")
    r = client(missing).get("/")
    assert r.status_code == 503 and "no store at" in r.text
    assert not (tmp_path / "none").exists()
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    before = corrupt.read_bytes()
    r = client(str(corrupt)).get("/findings")
    assert r.status_code == 503 and "corrupt" in r.text.lower()
    assert corrupt.read_bytes() == before
    newer = default_url(tmp_path)
    Store.open(newer).close()
    engine = sa.create_engine(newer)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    db_file = tmp_path / ".stackaudit" / "stackaudit.db"
    size = db_file.stat().st_size
    r = client(newer).get("/")
    assert r.status_code == 503 and "newer stackaudit" in r.text
    assert db_file.stat().st_size == size
    empty = default_url(tmp_path / "empty")
    (tmp_path / "empty" / ".stackaudit").mkdir(parents=True)
    Store.open(empty).close()
    r = client(empty).get("/")
    assert r.status_code == 200 and "No runs yet" in r.text


def test_hostile_strings_are_escaped(store_url: str) -> None:
    from tests.web.conftest import HOSTILE, seed

    seed(store_url, hostile=True)
    c = client(store_url)
    fp = fingerprints(c.get("/findings?path=v01").text)[0]
    for path in ["/", "/findings", "/owners", f"/finding/{fp}", f"/findings?owner=%40team{HOSTILE}"]:
        text = c.get(path).text
        assert "<script>alert" not in text and '"onerror="' not in text, path
    assert "&lt;script&gt;" in c.get(f"/finding/{fp}").text
    exported = c.get("/findings.json")  # data, not a page: exact strings, served as an attachment
    assert (
        exported.headers["content-type"] == "application/json"
        and "attachment" in exported.headers["content-disposition"]
    )
    assert any(HOSTILE in (f["owner"] or "") for f in exported.json()["findings"])


def test_a_body_this_version_cannot_read_is_a_message_not_a_crash(seeded: tuple[str, list[str]]) -> None:
    from stackaudit.storage.tables import finding_bodies

    url, _ = seeded
    c = client(url)
    fp = fingerprints(c.get("/findings?rule=sca").text)[0]
    with Store.open(url) as store, store.engine.begin() as conn:
        b = finding_bodies.c
        conn.execute(
            finding_bodies.update().where(b.fingerprint == fp).values(data_json='{"first_seen": "soon"}')
        )
    r = c.get(f"/finding/{fp}")
    assert r.status_code == 500 and "cannot read" in r.text and "Traceback" not in r.text
    assert c.get("/findings").status_code == 200  # the list reads columns, not the body


def test_csv_cells_never_start_a_formula() -> None:
    from stackaudit.web.exports import _cell

    assert _cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [_cell(v) for v in ("+1", "-1", "@SUM(A1)", "\tx")] == ["'+1", "'-1", "'@SUM(A1)", "'\tx"]
    assert _cell("app/views.py") == "app/views.py" and _cell(None) == ""
