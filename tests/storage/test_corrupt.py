"""Bad database files: a clear StoreError naming the path, and the file left byte-for-byte as it was."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from stackaudit.storage.store import Store, StoreError, default_url

from .factories import rich_result


def _db_path(root: Path) -> Path:
    path = root / ".stackaudit" / "stackaudit.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _valid_db(root: Path) -> bytes:
    url = default_url(root)
    with Store.open(url) as store:
        store.save_run(rich_result())
    return _db_path(root).read_bytes()


def _random(root: Path) -> bytes:
    return os.urandom(8192)


def _text(root: Path) -> bytes:
    return b"# notes\nthis is not a database, just a text file at the db path\n"


def _truncated(root: Path) -> bytes:
    whole = _valid_db(root)
    return whole[: len(whole) // 2 + 100]


def _truncated_on_a_page(root: Path) -> bytes:
    whole = _valid_db(root)
    return whole[: 4096 * 2]


def _header_only(root: Path) -> bytes:
    return _valid_db(root)[:100]


def _garbage_pages(root: Path) -> bytes:
    whole = bytearray(_valid_db(root))
    whole[100:4096] = os.urandom(4096 - 100)  # sqlite_master's page after the header
    return bytes(whole)


CORRUPTIONS = {
    "random-bytes": _random,
    "text-file": _text,
    "truncated": _truncated,
    "truncated-on-page-boundary": _truncated_on_a_page,
    "header-only": _header_only,
    "garbage-schema-page": _garbage_pages,
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupt_file_is_refused_and_untouched(tmp_path: Path, kind: str) -> None:
    source = tmp_path / "source"
    source.mkdir()
    content = CORRUPTIONS[kind](source)
    target = tmp_path / "target"
    path = _db_path(target)
    path.write_bytes(content)
    stat_before = path.stat()
    with pytest.raises(StoreError) as caught:
        Store.open(default_url(target))
    message = str(caught.value)
    assert str(path) in message
    assert "untouched" in message or "not" in message
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == stat_before.st_mtime_ns
    assert sorted(p.name for p in path.parent.iterdir()) == ["stackaudit.db"]  # no -wal/-shm either


def test_directory_at_the_db_path(tmp_path: Path) -> None:
    path = _db_path(tmp_path)
    path.mkdir()
    with pytest.raises(StoreError, match="is a directory"):
        Store.open(default_url(tmp_path))


def test_foreign_sqlite_database_is_not_adopted(tmp_path: Path) -> None:
    path = _db_path(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    content = path.read_bytes()
    with pytest.raises(StoreError, match=r"did not create.*customers"):
        Store.open(default_url(tmp_path))
    assert path.read_bytes() == content


def test_empty_file_becomes_a_store(tmp_path: Path) -> None:
    path = _db_path(tmp_path)
    path.write_bytes(b"")
    with Store.open(default_url(tmp_path)) as store:
        store.save_run(rich_result())
        assert len(store.runs(rich_result().run.project)) == 1


def test_unusable_urls_are_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("::not a url::")
    with pytest.raises(StoreError, match="cannot use this database"):
        Store.open("nosuchdialect://x/y")
    with pytest.raises(StoreError, match=r"127\.0\.0\.1:1/x"):
        Store.open("postgresql+psycopg://u:secret@127.0.0.1:1/x")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u:hunter2secret@127.0.0.1:1/x",  # unreachable server
        "postgresql+psycopg://u:hunter2secret@127.0.0.1:notaport/x",  # unparsable URL
    ],
)
def test_password_never_appears_in_messages(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open(url)
    assert "hunter2secret" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


def test_vuln_tables_made_outside_the_chain_fail_clearly_and_keep_their_rows(tmp_path: Path) -> None:
    """vulndb now creates its tables through Store.open (0002_vulndb); a file from before that
    has vuln_* tables but no Alembic version: refused with a clear message, rows kept."""
    path = _db_path(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE vuln_source (name TEXT PRIMARY KEY)")
        conn.execute("INSERT INTO vuln_source VALUES ('osv:PyPI')")
    conn.close()
    with pytest.raises(StoreError, match="vuln_source") as caught:
        Store.open(default_url(tmp_path))
    assert str(path) in str(caught.value)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM vuln_source").fetchall() == [("osv:PyPI",)]
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'runs'").fetchone() == (0,)
    conn.close()


def test_foreign_tables_beside_ours_are_refused(tmp_path: Path) -> None:
    url = default_url(tmp_path)
    Store.open(url).close()
    path = _db_path(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    content = path.read_bytes()
    with pytest.raises(StoreError, match="invoices"):
        Store.open(url)
    assert path.read_bytes() == content


def test_a_missing_postgresql_driver_says_which_one_to_use() -> None:
    with pytest.raises(StoreError, match=r"postgresql\+psycopg://.*stackaudit\[postgres\]"):
        Store.open("postgresql+pg8000://u:p@127.0.0.1/db")
