"""Core benchmark: a full `stackaudit audit` of Django's source against its anchors.

Measures, side by side in one run (medians of --repeat runs):
  floor  read every file and ast.parse every .py (one process)
  cold   `stackaudit audit` with a fresh store (nothing cached)
  warm   the same audit again, nothing changed
  bandit `bandit -r` over the same tree
and prints the ratios plus the cold audit's peak memory (max RSS of the process tree).

    .venv/bin/python bench/bench_core.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import django_source

BIN = Path(sys.executable).parent


def parse_floor(root: Path) -> float:
    started = time.perf_counter()
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if path.suffix == ".py":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    with contextlib.suppress(SyntaxError):
                        ast.parse(data)
    return time.perf_counter() - started


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - started, proc.returncode, proc.stdout[-2000:] + proc.stderr[-2000:]


def peak_children_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = django_source()
    files = sum(1 for p in source.rglob("*.py"))
    print(f"corpus: {source.name} ({files} .py files)")
    rows: dict[str, list[float]] = {"floor": [], "cold": [], "warm": [], "bandit": []}
    counts: dict[str, int] = {}
    peak_mb = 0.0
    for i in range(args.repeat):
        rows["floor"].append(parse_floor(source))
        with tempfile.TemporaryDirectory() as tmp:
            db = f"sqlite:///{tmp}/bench.db"
            out = Path(tmp) / "r.json"
            cmd = [
                str(BIN / "stackaudit"),
                "audit",
                str(source),
                "--db",
                db,
                "-f",
                "json",
                "-o",
                str(out),
                "--fail-on",
                "none",
            ]
            before = peak_children_rss_mb()
            seconds, code, tail = timed(cmd, Path(tmp))
            peak_mb = max(peak_mb, peak_children_rss_mb(), before)
            if code != 0:
                sys.exit(f"audit failed ({code}): {tail}")
            rows["cold"].append(seconds)
            report = json.loads(out.read_text())
            counts["findings"] = len(report["findings"])
            counts["not_analysed"] = len(report["run"]["not_analysed"])
            seconds, code, tail = timed(cmd, Path(tmp))
            rows["warm"].append(seconds)
            shutil.rmtree(Path(source) / ".stackaudit", ignore_errors=True)
        if shutil.which("bandit", path=str(BIN)):
            seconds, _, _ = timed(
                [str(BIN / "bandit"), "-r", "-q", "-f", "json", "-o", "/dev/null", str(source)], source
            )
            rows["bandit"].append(seconds)
        print(f"run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in rows.items() if v))
    med = {k: statistics.median(v) for k, v in rows.items() if v}
    print()
    print(f"{'measure':<8} {'median s':>9} {'x floor':>8}")
    for name, value in med.items():
        print(f"{name:<8} {value:>9.2f} {value / med['floor']:>8.2f}")
    print()
    print(f"cold audit / parse floor : {med['cold'] / med['floor']:.2f}x   (target <= 3x)")
    if "bandit" in med:
        print(f"cold audit / bandit      : {med['cold'] / med['bandit']:.2f}x   (target <= 0.25x)")
    print(f"warm / cold              : {med['warm'] / med['cold']:.2f}    (target <= 0.10)")
    print(f"peak RSS (largest process): {peak_mb:.0f} MB   (target <= 500 MB)")
    print(f"findings {counts.get('findings')}, not analysed {counts.get('not_analysed')}")


if __name__ == "__main__":
    main()
