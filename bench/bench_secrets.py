"""Secret-scan speed on Django's source: our scanner vs a plain regex floor vs detect-secrets.

* floor: one pass of 20 compiled regexes (the usual provider/keyword patterns) over every
  text file, nothing else (no validation, no filtering): the least any regex scanner does.
* stackaudit: ``Scanner.scan`` over the same files (prefilter, detectors, checksums, generic
  assignments, placeholder/hard-negative filters, redaction).
* detect-secrets: ``detect-secrets scan --all-files`` over the same tree (its own file walk).

Each is timed end to end over the same files including reading them (detect-secrets reads its
own), median of N runs, interleaved so machine noise hits all three alike. Prints ratios to the floor.

* ``--baseline REV``: the scanner as of a git revision (``git archive`` into a temporary
  directory) and the working tree's scanner, each timed inside its own subprocess over the same
  files, interleaved with the others: a before/after comparison on the same machine load.

Run: .venv/bin/python bench/bench_secrets.py [--repeat 3] [--no-detect-secrets] [--baseline REV]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import django_source

from stackaudit.analyzers.secrets.scanner import Scanner
from stackaudit.discovery.languages import language_of

FLOOR_PATTERNS = [
    r"AKIA[0-9A-Z]{16}",
    r"ASIA[0-9A-Z]{16}",
    r"gh[pousr]_[A-Za-z0-9]{36}",
    r"github_pat_[A-Za-z0-9_]{82}",
    r"npm_[A-Za-z0-9]{36}",
    r"xox[baprs]-[0-9A-Za-z-]{10,}",
    r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+",
    r"[sr]k_live_[0-9a-zA-Z]{24,}",
    r"AIza[0-9A-Za-z_-]{35}",
    r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",
    r"SK[0-9a-f]{32}",
    r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
    r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    r"AccountKey=[A-Za-z0-9+/]{86}==",
    r"[a-z][a-z0-9+.-]*://[^:@/\s]+:[^@/\s]+@[^\s/]+",
    r"(?i)(?:password|passwd|pwd)\s*[:=]\s*\S+",
    r"(?i)secret\s*[:=]\s*\S+",
    r"(?i)token\s*[:=]\s*\S+",
    r"(?i)api[_-]?key\s*[:=]\s*\S+",
]


def text_files(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if b"\x00" not in fh.read(8192):
                    out.append(path)
    return out


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace")


def run_floor(root: Path, files: list[Path]) -> int:
    patterns = [re.compile(p) for p in FLOOR_PATTERNS]
    hits = 0
    for path in files:
        text = read(path)
        for pattern in patterns:
            hits += len(pattern.findall(text))
    return hits


def run_ours(root: Path, files: list[Path]) -> int:
    scanner = Scanner()
    hits = 0
    for path in files:
        hits += len(scanner.scan(read(path), language_of(path.relative_to(root).as_posix())))
    return hits


def run_detect_secrets(root: Path, files: list[Path]) -> int:
    exe = Path(sys.executable).parent / "detect-secrets"
    proc = subprocess.run(
        [str(exe), "scan", "--all-files", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    return sum(len(v) for v in json.loads(proc.stdout)["results"].values())


_SUBPROCESS_SCAN = """
import sys, time
from pathlib import Path
from stackaudit.analyzers.secrets.scanner import Scanner
from stackaudit.discovery.languages import language_of
root = Path(sys.argv[1])
files = [Path(line) for line in sys.stdin.read().splitlines()]
start = time.perf_counter()
scanner = Scanner()
hits = 0
for path in files:
    text = path.read_bytes().decode("utf-8", "replace")
    hits += len(scanner.scan(text, language_of(path.relative_to(root).as_posix())))
print(time.perf_counter() - start, hits)
"""


def subprocess_runner(src: Path) -> Callable[[Path, list[Path]], tuple[float, int]]:
    """Time the scanner of the source tree ``src`` inside a fresh interpreter (startup excluded)."""

    def run(root: Path, files: list[Path]) -> tuple[float, int]:
        proc = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS_SCAN, str(root)],
            input="\n".join(str(p) for p in files),
            env={**os.environ, "PYTHONPATH": str(src)},
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, hits = proc.stdout.split()
        return float(seconds), int(hits)

    return run


def export_revision(rev: str) -> Path:
    """``git archive REV src`` into a temporary directory; returns its ``src``."""
    out = Path(tempfile.mkdtemp(prefix="bench-secrets-"))
    repo = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "archive", rev, "src"], cwd=repo, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out / "src"


Runner = Callable[[Path, list[Path]], int | tuple[float, int]]


def timed(fn: Runner, root: Path, files: list[Path]) -> tuple[float, int]:
    start = time.perf_counter()
    result = fn(root, files)
    if isinstance(result, tuple):
        return result  # timed inside the subprocess
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-detect-secrets", action="store_true")
    parser.add_argument("--baseline", metavar="REV", help="also time the scanner as of this git revision")
    args = parser.parse_args()
    root = django_source()
    files = text_files(root)
    size = sum(p.stat().st_size for p in files)
    print(f"corpus: {root.name}, {len(files)} text files, {size / 1e6:.1f} MB; median of {args.repeat} runs")
    runners: dict[str, Runner] = {
        "floor (20 regexes)": run_floor,
        "stackaudit secrets": run_ours,
    }
    if args.baseline:
        here = Path(__file__).resolve().parent.parent / "src"
        runners[f"stackaudit @ {args.baseline}"] = subprocess_runner(export_revision(args.baseline))
        runners["stackaudit @ worktree"] = subprocess_runner(here)
    has_ds = (Path(sys.executable).parent / "detect-secrets").exists() or shutil.which("detect-secrets")
    if has_ds and not args.no_detect_secrets:
        runners["detect-secrets"] = run_detect_secrets
    times: dict[str, list[float]] = {name: [] for name in runners}
    hits: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, fn in runners.items():  # interleaved: noise hits every tool alike
            seconds, hits[name] = timed(fn, root, files)
            times[name].append(seconds)
    floor = statistics.median(times["floor (20 regexes)"])
    results = {}
    for name in runners:
        median = statistics.median(times[name])
        results[name] = {
            "median_s": round(median, 3),
            "ratio_to_floor": round(median / floor, 2),
            "runs_s": [round(t, 3) for t in times[name]],
            "hits": hits[name],
        }
        print(
            f"{name:28s} median {median:7.2f} s   {median / floor:5.2f}x floor   "
            f"runs {', '.join(f'{t:.2f}' for t in times[name])}   hits {hits[name]}"
        )
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "secrets.json").write_text(
        json.dumps({"corpus": root.name, "files": len(files), **results}, indent=1)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
