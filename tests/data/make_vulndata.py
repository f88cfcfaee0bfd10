"""Rebuild ``tests/data/vulndata/`` from the full shared snapshots (run by hand, not by the tests).

The subset holds what the tests read, in the same layout as ``shared/data``: the PyPA
advisories of the packages the SCA fixtures pin, one advisory of the snapshot's newest
date (so the snapshot date is the same), and the KEV and EPSS rows of their CVEs.

    python tests/data/make_vulndata.py /path/to/shared/data
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

PACKAGES = ("django", "requests", "pyyaml", "pillow", "jinja2", "flask")
NEWEST = ("ironic/PYSEC-2026-3471.yaml",)  # published 2026-07-23: the snapshot's date
OUT = Path(__file__).resolve().parent / "vulndata"
_CVE = re.compile(r"CVE-\d{4}-\d+")


def main(shared: Path) -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    vulns = OUT / "osv-pypi" / "vulns"
    cves: set[str] = set()
    files = [p for name in PACKAGES for p in sorted((shared / "osv-pypi" / "vulns" / name).glob("*.yaml"))]
    files += [shared / "osv-pypi" / "vulns" / rel for rel in NEWEST]
    for path in files:
        target = vulns / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        cves.update(_CVE.findall(path.read_text("utf-8")))
    shutil.copyfile(shared / "osv-pypi" / "LICENSE", OUT / "osv-pypi" / "LICENSE")
    kev_dir = OUT / "kev"
    kev_dir.mkdir()
    catalog = json.loads((shared / "kev" / "known_exploited_vulnerabilities.json").read_text("utf-8"))
    catalog["vulnerabilities"] = [v for v in catalog["vulnerabilities"] if v["cveID"] in cves]
    catalog["count"] = len(catalog["vulnerabilities"])
    (kev_dir / "known_exploited_vulnerabilities.json").write_text(
        json.dumps(catalog, indent=2) + "\n", "utf-8"
    )
    for name in ("LICENSE", "known_exploited_vulnerabilities_schema.json"):
        shutil.copyfile(shared / "kev" / name, kev_dir / name)
    epss_dir = OUT / "epss" / "EPSS_CVE_data"
    epss_dir.mkdir(parents=True)
    for path in sorted((shared / "epss" / "EPSS_CVE_data").glob("*.csv")):
        rows = [line for line in path.read_text("utf-8").splitlines() if line.split(";", 1)[0] in cves]
        if rows:
            (epss_dir / path.name).write_text("\n".join(rows) + "\n", "utf-8")
    print(f"{len(files)} advisories, {len(catalog['vulnerabilities'])} KEV entries, {len(cves)} CVEs")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
