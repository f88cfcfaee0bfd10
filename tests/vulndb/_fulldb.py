"""One import of the vulnerability snapshots per test session (both test folders reuse it).

``data`` is the ``vuln_data`` fixture: the full shared snapshots, or the repository's subset.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.vulndb.connect import open_engine
from stackaudit.vulndb.importer import ImportOptions, ImportReport, import_path


def full_db(tmp_path_factory: pytest.TempPathFactory, data: Path) -> tuple[str, list[ImportReport]]:
    folder = tmp_path_factory.getbasetemp() / "full-vulndb"
    url = f"sqlite:///{folder / 'store.db'}"
    marker = folder / "reports.txt"
    if marker.exists():
        return url, []
    folder.mkdir(exist_ok=True)
    engine = open_engine(url)
    reports = [
        import_path(engine, data / "osv-pypi" / "vulns"),
        import_path(engine, data / "kev" / "known_exploited_vulnerabilities.json"),
        import_path(engine, data / "epss" / "EPSS_CVE_data", ImportOptions(snapshot="2026-08-16")),
    ]
    engine.dispose()
    marker.write_text("\n".join(f"{r.source} {r.records}" for r in reports))
    return url, reports
