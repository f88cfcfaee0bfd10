from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.vulndb.importer import ImportReport
from tests.vulndb._fulldb import full_db


@pytest.fixture(scope="session")
def full_vulndb(tmp_path_factory: pytest.TempPathFactory, vuln_data: Path) -> tuple[str, list[ImportReport]]:
    return full_db(tmp_path_factory, vuln_data)
