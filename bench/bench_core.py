"""Core benchmark: a full `stackaudit audit` of Django's source against its anchors.

Measures, side by side in one run (medians of --repeat runs):
  floor  read every file and ast.parse every .py (one process)
  cold   `stackaudit audit` with a fresh store (nothing cached)
  warm   the same audit again, nothing changed
  bandit `bandit -r` over the same tree
and prints the ratios plus the cold audit's peak memory (max RSS of the process tree), and the
seconds each analyzer took in the cold audit (its report's ``run.analyzers``: measured where it
ran, a worker process or a thread, so a worker's busy core, not wall time of the whole run).
``--busy both`` measures everything twice: on a quiet machine, then with another CPU-bound job
running (a ``python -c "while 1: pass"`` process for the whole measurement), as on a shared
CI runner. ``--source`` audits another unpacked tree (e.g. /work/cache/apps/Django-5.1.4).

    .venv/bin/python bench/bench_core.py [--repeat 3] [--busy no|yes|both] [--source DIR]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
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


CPU: dict[str, list[float]] = {}  # CPU seconds (user + sys) of each measure, beside its wall time
ANALYZERS: dict[str, list[float]] = {}  # each analyzer's seconds in the cold audits


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, name: str = "") -> tuple[float, int, str]:
    started, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if name:
        CPU.setdefault(name, []).append(_children_cpu() - cpu)
    return time.perf_counter() - started, proc.returncode, proc.stdout[-2000:] + proc.stderr[-2000:]


# The cold audit runs under this wrapper, which reports the largest RSS among the audit's own
# processes (RUSAGE_CHILDREN here would also count every earlier child: Bandit's, the warm run's).
PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "sys.stderr.write(f'\\npeak_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n')\n"
    "sys.exit(code)\n"
)


def peak_mb_of(tail: str) -> float:
    found = re.findall(r"peak_kb=(\d+)", tail)
    return int(found[-1]) / 1024 if found else float("nan")


@contextlib.contextmanager
def cpu_hog(on: bool) -> Iterator[None]:
    """Another CPU-bound job for the whole block (or nothing)."""
    if not on:
        yield
        return
    hog = subprocess.Popen([sys.executable, "-c", "while 1: pass"])
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--busy", choices=("no", "yes", "both"), default="no")
    parser.add_argument("--source", type=Path, default=None, help="an unpacked source tree")
    args = parser.parse_args()
    source = args.source.resolve() if args.source else django_source()
    files = sum(1 for p in source.rglob("*.py"))
    print(f"corpus: {source.name} ({files} .py files)")
    for busy in {"no": (False,), "yes": (True,), "both": (False, True)}[args.busy]:
        print(f"\n== {'with another CPU-bound job running' if busy else 'quiet'} ==")
        with cpu_hog(busy):
            measure(source, args.repeat)


def measure(source: Path, repeat: int) -> None:
    rows: dict[str, list[float]] = {"floor": [], "cold": [], "warm": [], "bandit": []}
    counts: dict[str, int] = {}
    peak_mb = 0.0
    for i in range(repeat):
        cpu = time.process_time()
        rows["floor"].append(parse_floor(source))
        CPU.setdefault("floor", []).append(time.process_time() - cpu)
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
            seconds, code, tail = timed([sys.executable, "-c", PEAK_WRAPPER, *cmd], Path(tmp), "cold")
            peak_mb = max(peak_mb, peak_mb_of(tail))
            if code != 0:
                sys.exit(f"audit failed ({code}): {tail}")
            rows["cold"].append(seconds)
            report = json.loads(out.read_text())
            for analyzer in report["run"]["analyzers"]:
                ANALYZERS.setdefault(analyzer["name"], []).append(analyzer["duration_s"])
            counts["findings"] = len(report["findings"])
            counts["not_analysed"] = len(report["run"]["not_analysed"])
            seconds, code, tail = timed(cmd, Path(tmp), "warm")
            rows["warm"].append(seconds)
            shutil.rmtree(Path(source) / ".stackaudit", ignore_errors=True)
        if shutil.which("bandit", path=str(BIN)):
            seconds, _, _ = timed(
                [str(BIN / "bandit"), "-r", "-q", "-f", "json", "-o", "/dev/null", str(source)],
                source,
                "bandit",
            )
            rows["bandit"].append(seconds)
        print(f"run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in rows.items() if v))
    med = {k: statistics.median(v) for k, v in rows.items() if v}
    cpu = {k: statistics.median(v) for k, v in CPU.items() if v}
    CPU.clear()
    print()
    print(f"{'measure':<8} {'median s':>9} {'x floor':>8} {'cpu s':>8} {'cpu x floor':>12}")
    for name, value in med.items():
        used = cpu.get(name, float("nan"))
        print(
            f"{name:<8} {value:>9.2f} {value / med['floor']:>8.2f} {used:>8.2f} {used / cpu['floor']:>12.2f}"
        )
    print()
    print(f"cold audit / parse floor : {med['cold'] / med['floor']:.2f}x   (target <= 3x)")
    if "bandit" in med:
        print(f"cold audit / bandit      : {med['cold'] / med['bandit']:.2f}x   (target <= 0.25x)")
    print(f"warm / cold              : {med['warm'] / med['cold']:.2f}    (target <= 0.10)")
    print(f"peak RSS (largest process): {peak_mb:.0f} MB   (target <= 500 MB)")
    print(f"findings {counts.get('findings')}, not analysed {counts.get('not_analysed')}")
    seconds = {name: statistics.median(v) for name, v in ANALYZERS.items() if statistics.median(v) >= 0.05}
    ANALYZERS.clear()
    print(
        "cold audit, seconds per analyzer (median): "
        + ", ".join(f"{name} {value:.1f}" for name, value in sorted(seconds.items(), key=lambda kv: -kv[1]))
    )


if __name__ == "__main__":
    main()
