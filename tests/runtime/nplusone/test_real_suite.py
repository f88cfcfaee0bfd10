"""No false N+1 on a real test suite: django-filter's shipped tests (about 480 of them, its
REST framework tests and test_fields.py left out: DRF and pytz are not installed here) on the real PostgreSQL, with the
pytest plugin in test mode.  The suite issues thousands of statements (fixtures, INSERT
loops in setUp / setUpTestData, filters over small tables) and holds no N+1: the expected
number of detections is 0.

The sdist comes from /work/cache/apps (``pip download --no-deps --no-binary :all:
django-filter==26.2``, unpacked); the test skips when it is absent.  Django's own test-database
setup is done by a small conftest (no pytest-django needed): create the test database once,
run every test, drop it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
SUITE = Path(os.environ.get("STACKAUDIT_DJANGO_FILTER_SRC", "/work/cache/apps/django_filter-26.2"))

SETTINGS = """
import os

from tests.settings import *  # noqa: F403

INSTALLED_APPS = tuple(a for a in INSTALLED_APPS if "rest_framework" not in a)  # noqa: F405
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": "{name}", "USER": "{user}",
    "PASSWORD": "{password}", "HOST": "{host}", "PORT": {port},
    "TEST": {{"NAME": "test_sa_filter_" + str(os.getpid())}}}}}}
"""

CONFTEST = """
import django
import pytest

django.setup()


@pytest.fixture(scope="session", autouse=True)
def _django_test_database():
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    yield
    teardown_databases(old, verbosity=0)
"""


def test_django_filter_suite_has_no_false_n_plus_one(tmp_path: Path) -> None:
    admin = os.environ.get("STACKAUDIT_TEST_PG_ADMIN_URL")
    if not SUITE.is_dir() or not admin:
        pytest.skip(f"needs {SUITE} and STACKAUDIT_TEST_PG_ADMIN_URL")
    tree = tmp_path / "django-filter"
    shutil.copytree(SUITE, tree)
    u = urlsplit(admin.replace("postgresql+psycopg", "postgresql"))
    (tree / "sa_settings.py").write_text(
        SETTINGS.format(
            name=u.path.lstrip("/"), user=u.username, password=u.password or "", host=u.hostname, port=u.port
        )
    )
    (tree / "conftest.py").write_text(CONFTEST)
    (tree / "pytest.ini").write_text("[pytest]\n")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sa_settings",
        "PYTHONPATH": os.pathsep.join([str(tree), os.environ.get("PYTHONPATH", "")]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--stackaudit-nplusone",
            f"--stackaudit-db=sqlite:///{tmp_path / 'store.db'}",
            "--ignore=tests/rest_framework",
            "--ignore=tests/test_fields.py",  # imports pytz, not installed here
            "tests",
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    tail = proc.stdout[-3000:]
    summary = re.search(r"(\d+) passed", proc.stdout)
    captured = re.search(r"(\d+) SQL statement\(s\) captured in (\d+) test", proc.stdout)
    print(
        f"[nplusone-real-suite] {summary.group(0) if summary else 'no summary'}; "
        f"{captured.group(0) if captured else 'nothing captured'}; exit {proc.returncode}"
    )
    assert summary is not None and int(summary.group(1)) >= 300, tail + proc.stderr[-2000:]
    assert captured is not None and int(captured.group(1)) >= 1000, tail  # the capture saw the suite's SQL
    assert "no N+1 pattern" in proc.stdout, tail  # and found no N+1 in it: 0 false detections
