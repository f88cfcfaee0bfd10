"""Shared fixtures: real servers started by scripts/services.sh (see .ci/run), and data paths.

Outside CI a missing server skips its tests; under CI (CI=true) it is an error,
so a broken install step can never turn into a silently green run. The data the
tests need is in the repository (``tests/data``, see its README); the full shared
snapshots beside the checkout, when present, only widen what runs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# STACKAUDIT_SHARED_DATA=/nonexistent runs the suite as a fresh clone without ../shared would.
SHARED_DATA = Path(os.environ.get("STACKAUDIT_SHARED_DATA") or REPO.parent / "shared" / "data")
TEST_DATA = REPO / "tests" / "data"


def _require(env: str, what: str) -> str:
    value = os.environ.get(env, "")
    if not value:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what}: {env} is not set; .ci/run must start it (scripts/services.sh)")
        pytest.skip(f'{what} not available: run  eval "$(scripts/services.sh)"')
    return value


@pytest.fixture(scope="session")
def pg_url() -> str:
    return _require("STACKAUDIT_TEST_PG_URL", "PostgreSQL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _require("STACKAUDIT_TEST_REDIS_URL", "Redis")


@pytest.fixture(scope="session")
def chromium() -> str:
    path = os.environ.get("STACKAUDIT_TEST_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        return _require("STACKAUDIT_TEST_CHROMIUM", "chromium")
    return path


@pytest.fixture(autouse=True, scope="session")
def _private_vulndb(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's vulnerability store or caches (~/.local/share, ~/.cache)."""
    os.environ["STACKAUDIT_VULNDB"] = str(tmp_path_factory.mktemp("vulndb") / "vulndb.db")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))  # the rule catalogue


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data missing at {SHARED_DATA}")
        pytest.skip("shared data not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sarif_schema() -> Path:
    """The SARIF 2.1.0 JSON Schema, kept in the repository."""
    return TEST_DATA / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="session")
def vuln_data() -> Path:
    """OSV/KEV/EPSS in the shared layout: the full snapshots when present, else the repository's subset."""
    return SHARED_DATA if SHARED_DATA.is_dir() else TEST_DATA / "vulndata"


# Tests that measure real time (load tests against real servers, metrics windows, starting
# servers) must not share the two cores with another worker: they are marked ``timing`` and
# scripts/test.sh runs them on their own after the parallel part.
TIMING_PATHS = (
    "tests/runtime/load/",
    "tests/runtime/metrics/",
    "tests/runtime/test_regression.py",
    "tests/test_services_script.py",
    "tests/fleet/test_cluster.py",  # a LocalCluster of 2 worker processes, one killed on purpose
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).resolve().parent.parent
    for item in items:
        rel = Path(str(item.fspath)).resolve().relative_to(root).as_posix()
        if rel.startswith(TIMING_PATHS):
            item.add_marker(pytest.mark.timing)
