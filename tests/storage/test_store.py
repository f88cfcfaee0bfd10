"""Store behaviour, run identically on SQLite and PostgreSQL (fixture ``store_url``)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from stackaudit.model import Status
from stackaudit.storage import migrate
from stackaudit.storage.store import Store, StoreError

from .factories import (
    PROJECT,
    T0,
    assess,
    evidence,
    make_run,
    nplus,
    result,
    rich_result,
    sqli,
)

CORE_TABLES = {
    "runs",
    "run_analyzers",
    "run_not_analysed",
    "finding_bodies",
    "finding_spans",
    "fixed_findings",
    "history",
    "cache_entries",
    "evidence",
    "alembic_version",
}


def test_open_migrates_an_empty_database_to_head(store_url: str) -> None:
    with Store.open(store_url) as store:
        tables = set(sa.inspect(store.engine).get_table_names())
        with store.engine.connect() as conn:
            current = migrate.current_heads(conn)
    assert tables >= CORE_TABLES
    _, heads = migrate.known_heads()
    assert current == heads
    assert "0001_core" in migrate.known_heads()[0]


def test_reopen_is_idempotent_and_keeps_data(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.save_run(rich_result())
        store.cache_put_many({"k": b"v"})
    for _ in range(2):
        with Store.open(store_url) as store:
            assert [r.id for r in store.runs(PROJECT)] == [rich_result().run.id]
            assert store.cache_get_many(["k"]) == {"k": b"v"}


def test_rich_result_round_trips_exactly(store_url: str) -> None:
    original = rich_result()
    with Store.open(store_url) as store:
        store.save_run(original)
        loaded = store.load_result(original.run.id)
    assert loaded == original
    # the non-UTC offset and microseconds survive, and so do trace order and unicode
    assert loaded.findings[1].first_seen.utcoffset() == timedelta(hours=1)
    assert [s.kind for s in loaded.findings[0].finding.trace] == ["source", "step", "sink"]
    assert loaded.findings[1].finding.vulnerability is not None
    assert "ünïcode ✓" in loaded.findings[1].finding.vulnerability.summary
    assert loaded.findings[0].finding.fingerprint == original.findings[0].finding.fingerprint


def test_load_unknown_run_is_a_store_error(store_url: str) -> None:
    with Store.open(store_url) as store, pytest.raises(StoreError, match="no stored run 'nope'"):
        store.load_result("nope")


def test_a_run_is_stored_once_and_a_failed_save_leaves_nothing(store_url: str) -> None:
    first = rich_result()
    with Store.open(store_url) as store:
        store.save_run(first)
        before = store.history(PROJECT)
        again = replace(first, findings=(assess(sqli("other.py"), Status.NEW),))
        with pytest.raises(StoreError, match="already stored"):
            store.save_run(again)
        assert store.history(PROJECT) == before
        bad = assess(nplus("x.py"), Status.NEW, evidence=(object(),))  # fails after the run row is in
        broken = result(make_run("r-broken", T0 + timedelta(days=1)), (assess(sqli("y.py"), Status.NEW), bad))
        with pytest.raises(TypeError):
            store.save_run(broken)
        assert store.resolve_run(PROJECT, "r-broken") is None
        assert store.history(PROJECT) == before


def _run(store: Store, run_id: str, day: int, *findings: tuple[object, Status], fixed: tuple = ()) -> None:  # type: ignore[type-arg]
    started = T0 + timedelta(days=day)
    items = tuple(assess(f, status, first_seen=started) for f, status in findings)  # type: ignore[arg-type]
    store.save_run(result(make_run(run_id, started, commit=sha(day)), items, fixed=fixed))


def sha(day: int) -> str:
    return hashlib.sha1(str(day).encode()).hexdigest()


def test_history_follows_new_open_fixed_reopened(store_url: str) -> None:
    from stackaudit.model import FixedFinding

    a, b = sqli(), nplus()
    with Store.open(store_url) as store:
        _run(store, "run-1", 0, (a, Status.NEW))
        _run(store, "run-2", 1, (a, Status.OPEN), (b, Status.NEW))
        gone = FixedFinding(a.fingerprint, a.rule_id, a.location.path, T0)
        _run(store, "run-3", 2, (b, Status.OPEN), fixed=(gone,))
        fixed_state = store.history(PROJECT)[a.fingerprint]
        _run(store, "run-4", 3, (a, Status.REOPENED), (b, Status.OPEN))
        hist = store.history(PROJECT)
    assert fixed_state.status is Status.FIXED
    assert fixed_state.last_run == "run-2"
    assert fixed_state.last_seen == T0 + timedelta(days=1)
    ha, hb = hist[a.fingerprint], hist[b.fingerprint]
    assert (ha.status, ha.first_run, ha.first_seen, ha.last_run) == (Status.REOPENED, "run-1", T0, "run-4")
    assert ha.last_seen == T0 + timedelta(days=3)
    assert ha.last_seen.tzinfo is not None and ha.last_seen.utcoffset() == timedelta(0)
    assert (hb.status, hb.first_run, hb.rule_id, hb.path) == (
        Status.OPEN,
        "run-2",
        b.rule_id,
        "app/report.py",
    )


def test_suppressed_assessments_are_recorded_in_history(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.save_run(rich_result())
        hist = store.history(PROJECT)
    statuses = {e.rule_id: e.status for e in hist.values()}
    assert statuses["perf.n-plus-one"] is Status.SUPPRESSED
    assert statuses["sec.sql-injection"] is Status.NEW
    assert statuses["scale.no-timeout"] is Status.FIXED


def test_accepted_until_holds_until_it_expires(store_url: str) -> None:
    a = sqli()
    with Store.open(store_url) as store:
        _run(store, "run-1", 0, (a, Status.NEW))
        store.set_triage(
            PROJECT,
            a.fingerprint[:10],
            status=Status.ACCEPTED,
            until=(T0 + timedelta(days=5)).date(),
            by="alice",
            reason="behind WAF",
        )
        _run(store, "run-2", 5, (a, Status.OPEN))  # on the expiry day: still accepted
        kept = store.history(PROJECT)[a.fingerprint]
        _run(store, "run-3", 6, (a, Status.OPEN))  # the day after: back to open
        expired = store.history(PROJECT)[a.fingerprint]
    assert (kept.status, kept.accepted_by, kept.reason) == (Status.ACCEPTED, "alice", "behind WAF")
    assert kept.accepted_until == date(2026, 3, 6)
    assert expired.status is Status.OPEN
    assert expired.accepted_until == date(2026, 3, 6)  # the old decision stays on record


def test_triage_owner_survives_later_runs_and_errors_are_clear(store_url: str) -> None:
    a = sqli()
    with Store.open(store_url) as store:
        _run(store, "run-1", 0, (a, Status.NEW))
        store.set_triage(PROJECT, a.fingerprint, owner="@bob")
        store.save_run(
            result(
                make_run("run-2", T0 + timedelta(days=1)), (assess(a, Status.OPEN, owner="@codeowners-team"),)
            )
        )
        assert store.history(PROJECT)[a.fingerprint].owner == "@bob"
        store.set_triage(PROJECT, a.fingerprint, status=Status.OPEN)
        with pytest.raises(StoreError, match="no fingerprint"):
            store.set_triage(PROJECT, "0" * 32, owner="x")
        with pytest.raises(StoreError, match="no fingerprint"):
            store.set_triage("other-project", a.fingerprint, owner="x")
        with pytest.raises(StoreError, match="triage status"):
            store.set_triage(PROJECT, a.fingerprint, status=Status.NEW)


def test_cache_get_put_delete_many(store_url: str) -> None:
    items = {f"ruff:1:cfg:{i:05d}": bytes([i % 256]) * (i % 7) for i in range(1200)}
    items["binary"] = bytes(range(256)) + b"\x00not json"
    with Store.open(store_url) as store:
        assert store.cache_get_many(list(items)) == {}
        store.cache_put_many(items)
        store.cache_put_many({"binary": b"replaced"})
        got = store.cache_get_many([*items, "missing", "binary"])
        assert len(got) == len(items)
        assert got["binary"] == b"replaced"
        assert got["ruff:1:cfg:00013"] == bytes([13]) * 6
        assert store.cache_delete(["binary", "missing"]) == 1
        assert "binary" not in store.cache_get_many(["binary"])
        assert store.cache_prune(datetime.now(UTC) + timedelta(seconds=1)) == len(items) - 1


def test_evidence_by_project_and_since(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.add_evidence(
            [evidence(T0 + timedelta(hours=2), summary="later"), evidence(T0, summary="early")]
        )
        store.add_evidence([evidence(T0, project="billing")])
        everything = store.evidence(PROJECT)
        recent = store.evidence(PROJECT, since=T0 + timedelta(hours=1))
        billing = store.evidence("billing")
    assert [e.summary for e in everything] == ["early", "later"]
    assert everything[0] == evidence(T0, summary="early")
    assert [e.summary for e in recent] == ["later"]
    assert len(billing) == 1 and billing[0].project == "billing"
    assert all(e.recorded_at.tzinfo is not None for e in everything)


def test_runs_resolve_and_lookups(store_url: str) -> None:
    a, b = sqli(), nplus()
    with Store.open(store_url) as store:
        _run(store, "abcd1111", 0, (a, Status.NEW))
        _run(store, "abcd2222", 1, (a, Status.OPEN), (b, Status.NEW))
        _run(store, "ef003333", 2, (b, Status.OPEN), fixed=())
        store.save_run(result(make_run("abcd9999", T0, project="billing")))
        summaries = store.runs(PROJECT)
        assert [s.id for s in summaries] == ["ef003333", "abcd2222", "abcd1111"]
        assert (summaries[1].findings, summaries[1].new, summaries[1].commit) == (2, 1, sha(1))
        assert summaries[0].started_at == T0 + timedelta(days=2)
        assert [s.id for s in store.runs(PROJECT, limit=1)] == ["ef003333"]
        assert store.resolve_run(PROJECT, "latest") == "ef003333"
        assert store.resolve_run(PROJECT, "previous") == "abcd2222"
        assert store.resolve_run("billing", "previous") is None
        assert store.resolve_run(PROJECT, "abcd2") == "abcd2222"  # unique prefix
        assert store.resolve_run(PROJECT, "abcd") is None  # ambiguous
        assert store.resolve_run(PROJECT, "ef0") is None  # shorter than 4 characters
        assert store.resolve_run(PROJECT, "abcd9") is None  # another project's run
        assert store.resolve_run(PROJECT, "abcd%") is None  # LIKE wildcards are escaped
        assert store.run_fingerprints("abcd2222") == {a.fingerprint, b.fingerprint}
        assert store.run_fingerprints("nope") == set()
        _run(store, "ef004444", 3, (b, Status.OPEN))
        store.save_run(result(make_run("ef005555", T0 + timedelta(days=4), commit="aaaaaaa1" + "0" * 32)))
        store.save_run(result(make_run("ef006666", T0 + timedelta(days=5), commit="aaaaaaa2" + "0" * 32)))
        assert store.latest_run_for_commit(PROJECT, sha(1)) == "abcd2222"
        assert store.latest_run_for_commit(PROJECT, sha(2)[:7]) == "ef003333"  # short sha
        assert store.latest_run_for_commit(PROJECT, sha(2)[:6]) is None  # too short to be a prefix
        assert store.latest_run_for_commit(PROJECT, "aaaaaaa") is None  # two commits match
        assert store.latest_run_for_commit(PROJECT, "aaaaaaa2") == "ef006666"
        assert store.latest_run_for_commit(PROJECT, "deadbeef") is None


def test_run_fingerprints_include_suppressed(store_url: str) -> None:
    rich = rich_result()
    with Store.open(store_url) as store:
        store.save_run(rich)
        got = store.run_fingerprints(rich.run.id)
    expected = {a.finding.fingerprint for a in (*rich.findings, *rich.suppressed)}
    assert got == expected


def test_newer_schema_is_refused(store_url: str) -> None:
    with Store.open(store_url) as store, store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(StoreError, match="created by a newer stackaudit"):
        Store.open(store_url)


def test_large_runs_update_history_in_bulk(store_url: str) -> None:
    from stackaudit.model import FixedFinding

    many = [nplus(f"pkg/m{i}.py", f"for o in q{i}: o.c") for i in range(700)]
    with Store.open(store_url) as store:
        _run(store, "big-1", 0, *((f, Status.NEW) for f in many))
        gone = FixedFinding(many[0].fingerprint, many[0].rule_id, many[0].location.path, T0)
        _run(store, "big-2", 1, *((f, Status.OPEN) for f in many[1:]), fixed=(gone,))
        hist = store.history(PROJECT)
    assert len(hist) == 700
    assert hist[many[0].fingerprint].status is Status.FIXED
    assert hist[many[0].fingerprint].last_run == "big-1"
    assert {hist[f.fingerprint].status for f in many[1:]} == {Status.OPEN}
    assert {hist[f.fingerprint].first_run for f in many} == {"big-1"}
    assert {hist[f.fingerprint].last_run for f in many[1:]} == {"big-2"}


def test_in_memory_sqlite_works_for_quick_use() -> None:
    with Store.open("sqlite://") as store:
        store.save_run(rich_result())
        assert store.load_result(rich_result().run.id) == rich_result()


def test_projects_and_pruning_old_runs(store_url: str) -> None:
    a = sqli()
    with Store.open(store_url) as store:
        for day in range(4):
            _run(store, f"run-{day}", day, (a, Status.OPEN if day else Status.NEW))
        store.save_run(result(make_run("bill-1", T0 + timedelta(days=9), project="billing")))
        assert store.projects() == [
            ("billing", 1, T0 + timedelta(days=9)),
            (PROJECT, 4, T0 + timedelta(days=3)),
        ]
        assert store.prune_runs(PROJECT, keep=2) == 2
        assert [r.id for r in store.runs(PROJECT)] == ["run-3", "run-2"]
        assert store.run_fingerprints("run-0") == set()
        with pytest.raises(StoreError, match="no stored run"):
            store.load_result("run-1")
        assert store.load_result("run-3").run.id == "run-3"
        assert store.history(PROJECT)[a.fingerprint].first_run == "run-0"  # history is kept
        assert store.prune_runs(PROJECT, keep=5) == 0
        assert [r.id for r in store.runs("billing")] == ["bill-1"]


def test_long_free_text_fits(store_url: str) -> None:
    owners = " ".join(f"@org/team-{i:03d}" for i in range(40))  # CODEOWNERS lines can list many
    branch = "feature/" + "x" * 400
    a = sqli()
    with Store.open(store_url) as store:
        run = replace(make_run("long-1", commit="ab" * 32), branch=branch)
        store.save_run(result(run, (assess(a, Status.NEW, owner=owners),)))
        store.set_triage(PROJECT, a.fingerprint, by="x" * 300, reason="y" * 5000)
        entry = store.history(PROJECT)[a.fingerprint]
        assert (entry.owner, entry.accepted_by) == (owners, "x" * 300)
        assert store.runs(PROJECT)[0].branch == branch


def test_migrations_and_table_definitions_agree(store_url: str) -> None:
    """tables.py (used by queries) and versions/0001_core.py (the DDL) must not drift apart."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from stackaudit.storage.tables import metadata

    with Store.open(store_url) as store, store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    ours = [d for d in diffs if not (d[0] == "remove_table" and d[1].name.startswith("vuln_"))]
    ours = [d for d in ours if not (d[0] == "remove_index" and d[1].table.name.startswith("vuln_"))]
    assert ours == []


def test_an_acceptance_from_config_is_not_sticky(store_url: str) -> None:
    """The engine marks config-accepted findings ACCEPTED itself; when config stops, so does it."""
    a = sqli()
    with Store.open(store_url) as store:
        _run(store, "run-1", 0, (a, Status.ACCEPTED))
        assert store.history(PROJECT)[a.fingerprint].status is Status.ACCEPTED
        _run(store, "run-2", 1, (a, Status.OPEN))
        assert store.history(PROJECT)[a.fingerprint].status is Status.OPEN
        store.set_triage(PROJECT, a.fingerprint, status=Status.ACCEPTED, by="carol", reason="no expiry")
        _run(store, "run-3", 400, (a, Status.OPEN))
        assert store.history(PROJECT)[a.fingerprint].status is Status.ACCEPTED  # triage, no expiry
        store.set_triage(PROJECT, a.fingerprint, status=Status.OPEN)  # withdrawn
        _run(store, "run-4", 401, (a, Status.OPEN))
        entry = store.history(PROJECT)[a.fingerprint]
    assert (entry.status, entry.accepted_by, entry.accepted_until) == (Status.OPEN, None, None)
