"""`db import` of the KEV folder as CISA ships it (catalog + schema) imports the catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from stackaudit.storage.store import Store
from stackaudit.vulndb.importer import import_path


def test_kev_folder_imports_the_catalog(tmp_path: Path, vuln_data: Path) -> None:
    folder = tmp_path / "kev"
    folder.mkdir()
    catalog = vuln_data / "kev" / "known_exploited_vulnerabilities.json"
    shutil.copy(catalog, folder / catalog.name)
    shutil.copy(vuln_data / "kev" / "known_exploited_vulnerabilities_schema.json", folder)
    with Store.open(f"sqlite:///{tmp_path / 'v.db'}") as store:
        report = import_path(store.engine, folder)
    assert report.kind == "kev"
    assert report.records == len(json.loads(catalog.read_text("utf-8"))["vulnerabilities"])
    assert report.rejected == ()
