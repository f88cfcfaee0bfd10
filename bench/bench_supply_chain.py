"""Supply-chain benchmark (issue 4): vulnerability DB import, a 500-dependency audit, SBOM speed,
and pip-audit side by side offline. Medians of REPEAT runs; ratios printed.

    .venv/bin/python bench/bench_supply_chain.py                    # uses this .venv for the SBOM
    .venv/bin/python bench/bench_supply_chain.py --env bench/data/venv150   # a 150-package venv

Anchors, run in the same process/run:
* import: the 10 s budget, and the bare cost of parsing the YAML files (CSafeLoader, one process);
* audit: the 1 s budget for a 500-dependency lock file, warm (the DB already imported);
* SBOM: ``cyclonedx-py environment`` on the same environment (needs ``cyclonedx-bom``, extra ``bench``);
* pip-audit: on the known-vulnerable requirements with the network cut (proxy to a closed port).
Data: /work/shared/data (PyPA advisory database, CC-BY-4.0, PyPA and contributors; CISA KEV; FIRST EPSS).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from stackaudit.analyzers.base import RepoContext, SourceFile
from stackaudit.analyzers.sca.analyzer import analyse
from stackaudit.config.schema import Config
from stackaudit.inventory.deps import environment_inventory
from stackaudit.inventory.sbom import SbomInput, cyclonedx_json
from stackaudit.vulndb.connect import open_engine
from stackaudit.vulndb.importer import ImportOptions, import_path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
VULNS = SHARED / "osv-pypi" / "vulns"
REPEAT = 3
VULNERABLE = "django==3.2.0\nrequests==2.19.0\npyyaml==5.3\npillow==9.0.0\njinja2==2.10\n"


def median_of(fn: Callable[[], object], repeat: int = REPEAT) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def bench_import(tmp: Path) -> dict[str, float]:
    def once() -> object:
        db = tmp / f"import-{time.perf_counter_ns()}.db"
        engine = open_engine(f"sqlite:///{db}")
        report = import_path(engine, VULNS)
        engine.dispose()
        return report

    def parse_only() -> object:
        return sum(1 for p in VULNS.rglob("*.yaml") if yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader))

    cpu_before = _cpu()
    ours, report = median_of(once)
    cpu = (_cpu() - cpu_before) / REPEAT
    floor, _ = median_of(parse_only, 1)
    print(
        f"import osv-pypi ({getattr(report, 'records', '?')} advisories): median {ours:.2f} s wall, "
        f"{cpu:.2f} s CPU (budget 10 s); anchor, naive yaml CSafeLoader parse in 1 process (no DB): "
        f"{floor:.2f} s -> ours {floor / ours:.2f}x its speed"
    )
    return {"import_s": ours, "import_cpu_s": cpu, "naive_yaml_parse_s": floor}


def make_lock(folder: Path, count: int = 500) -> Path:
    """A poetry.lock of ``count`` real (package, version) pairs taken from the snapshot's version lists."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for pkg_dir in sorted(VULNS.iterdir()):
        for advisory in sorted(pkg_dir.glob("*.yaml")):
            record = yaml.load(advisory.read_bytes(), Loader=yaml.CSafeLoader)
            versions = [v for a in record.get("affected", []) for v in a.get("versions") or []]
            if versions:
                entries.append((pkg_dir.name, str(versions[len(versions) // 2])))
                break
        if len(entries) == count:
            break
    body = "".join(f'[[package]]\nname = "{n}"\nversion = "{v}"\nfiles = []\n\n' for n, v in entries)
    (folder / "poetry.lock").write_text(body + '[metadata]\nlock-version = "2.0"\n')
    return folder


def bench_audit(db_url: str, tmp: Path) -> dict[str, float]:
    root = make_lock(tmp / "lock500")
    lock = root / "poetry.lock"
    ctx = RepoContext(
        root=root,
        files=(SourceFile("poetry.lock", lock, lock.stat().st_size, "toml"),),
        config=Config(),
        is_git=False,
        db_url=db_url,
    )
    analyse(ctx)  # warm: engine, migrations check, OS caches
    warm, result = median_of(lambda: analyse(ctx))
    findings = getattr(result, "findings", ())
    print(
        f"audit of a 500-dependency poetry.lock, warm: median {warm:.3f} s (budget 1 s, {1 / warm:.1f}x under), "
        f"{len(findings)} findings"
    )
    return {"audit_500_warm_s": warm, "audit_500_findings": float(len(findings))}


def bench_sbom(env: Path, tmp: Path) -> dict[str, float]:
    def ours() -> object:
        return cyclonedx_json(SbomInput("env", environment_inventory(env)))

    ours_s, doc = median_of(ours)
    count = len(json.loads(str(doc))["components"])
    out: dict[str, float] = {"sbom_components": float(count), "sbom_ours_s": ours_s}
    python = env / "bin" / "python"
    tool = shutil.which("cyclonedx-py", path=str(Path(sys.executable).parent))
    if tool is None:
        print(
            f"SBOM of {count} packages: ours {ours_s:.3f} s; cyclonedx-py not installed (pip install cyclonedx-bom)"
        )
        return out
    anchor_s, _ = median_of(
        lambda: subprocess.run(
            [tool, "environment", str(python), "-o", str(tmp / "cdx.json")],
            check=True,
            capture_output=True,
            timeout=300,
        )
    )
    out |= {"sbom_cyclonedx_py_s": anchor_s, "sbom_ratio": anchor_s / ours_s}
    print(
        f"SBOM of {count} packages: ours {ours_s:.3f} s, cyclonedx-py {anchor_s:.2f} s "
        f"-> {anchor_s / ours_s:.0f}x faster (target >= 10x, <= 1 s)"
    )
    return out


def bench_pip_audit(db_url: str, tmp: Path) -> None:
    req = tmp / "vuln" / "requirements.txt"
    req.parent.mkdir(exist_ok=True)
    req.write_text(VULNERABLE)
    tool = shutil.which("pip-audit", path=str(Path(sys.executable).parent))
    if tool is not None:
        env = {
            **os.environ,
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "PIP_NO_INDEX": "1",
        }
        start = time.perf_counter()
        proc = subprocess.run(
            [
                tool,
                "-r",
                str(req),
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--timeout",
                "5",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        took = time.perf_counter() - start
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        said = next(
            (ln for ln in reversed(lines) if "Error" in ln or "No known" in ln), lines[-1] if lines else ""
        )
        print(
            f"pip-audit offline: exit {proc.returncode} in {took:.1f} s, 0 vulnerabilities reported; "
            f"last words: {said.strip()[:160]}"
        )
    ctx = RepoContext(
        root=req.parent,
        files=(SourceFile("requirements.txt", req, req.stat().st_size, "text"),),
        config=Config(),
        is_git=False,
        db_url=db_url,
    )
    took, result = median_of(lambda: analyse(ctx))
    vulns = [f for f in getattr(result, "findings", ()) if f.rule_id == "sca.vulnerable-dependency"]
    kev = [f for f in vulns if f.vulnerability and f.vulnerability.kev]
    print(f"stackaudit offline: {len(vulns)} vulnerabilities ({len(kev)} known exploited) in {took:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", type=Path, default=REPO / ".venv", help="environment for the SBOM benchmark")
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "supply_chain.json")
    parser.add_argument(
        "--only",
        choices=("import", "audit", "sbom", "pip-audit"),
        action="append",
        help="run only these parts (repeatable)",
    )
    args = parser.parse_args()
    parts = set(args.only or ("import", "audit", "sbom", "pip-audit"))
    with tempfile.TemporaryDirectory(prefix="bench-sca-") as name:
        tmp = Path(name)
        results = bench_import(tmp) if "import" in parts else {}
        db_url = f"sqlite:///{tmp / 'full.db'}"
        engine = open_engine(db_url)
        import_path(engine, VULNS)
        import_path(engine, SHARED / "kev" / "known_exploited_vulnerabilities.json")
        import_path(engine, SHARED / "epss" / "EPSS_CVE_data", ImportOptions(snapshot="2026-08-16"))
        if "audit" in parts:
            results |= bench_audit(db_url, tmp)
        if "sbom" in parts:
            results |= bench_sbom(args.env, tmp)
        if "pip-audit" in parts:
            bench_pip_audit(db_url, tmp)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    results["load_average_1m"] = os.getloadavg()[0]
    args.json.write_text(json.dumps(results, indent=2))
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (2-core machine)")


if __name__ == "__main__":
    main()
