"""Taint benchmark: the `taint` analyzer over Django's source, against the parse floor and Bandit.

Measures, side by side in one run (medians of --repeat runs, interleaved):
  floor   read + ast.parse every .py file (the least any AST-based analyzer can do)
  taint   TaintAnalyzer.analyze_repo over the same files (parse + index + taint + API rules)
  bandit  `bandit -r -q -f json` over the same tree (Bandit also parses every file)
and prints the ratios, the number of findings and the files analysed partially.
Times are CPU seconds (user+sys of this process, or of the bandit child), which stay
comparable when other work shares the machine; wall-clock medians are printed beside them.

    .venv/bin/python bench/bench_taint.py [--repeat 3] [--no-bandit]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import resource
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import django_source

from stackaudit.analyzers.base import RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.taint import TaintAnalyzer
from stackaudit.config.schema import Config


def python_files(root: Path) -> tuple[SourceFile, ...]:
    paths = sorted(p for p in root.rglob("*.py") if p.is_file() and not p.is_symlink())
    return tuple(SourceFile(p.relative_to(root).as_posix(), p, p.stat().st_size, "python") for p in paths)


Timing = tuple[float, float]  # (cpu seconds, wall seconds)


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def parse_floor(files: tuple[SourceFile, ...]) -> Timing:
    cpu, started = _cpu_self(), time.perf_counter()
    for file in files:
        text = file.abspath.read_text(encoding="utf-8", errors="replace")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.suppress(SyntaxError):
                ast.parse(text)
    return _cpu_self() - cpu, time.perf_counter() - started


def run_taint(root: Path, files: tuple[SourceFile, ...]) -> tuple[Timing, RepoResult]:
    cpu, started = _cpu_self(), time.perf_counter()
    result = TaintAnalyzer().analyze_repo(RepoContext(root, files, Config(), is_git=False))
    return (_cpu_self() - cpu, time.perf_counter() - started), result


def run_bandit(root: Path) -> Timing | None:
    exe = shutil.which("bandit", path=str(Path(sys.executable).parent))
    if exe is None:
        return None
    cpu, started = _cpu_children(), time.perf_counter()
    subprocess.run(
        [exe, "-r", ".", "-q", "-f", "json", "-o", "/dev/null"],
        cwd=root,
        check=False,
        capture_output=True,
        timeout=1800,
    )
    return _cpu_children() - cpu, time.perf_counter() - started


def _line(name: str, runs: list[Timing], floor: Timing) -> str:
    cpu = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    return (
        f"{name:<8} cpu median {cpu:7.2f} s ({cpu / floor[0]:5.2f}x floor)   wall median {wall:7.2f} s   "
        f"cpu runs {[round(r[0], 2) for r in runs]}"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-bandit", action="store_true")
    args = parser.parse_args()
    root = django_source()
    files = python_files(root)
    floors: list[Timing] = []
    taints: list[Timing] = []
    bandits: list[Timing] = []
    result: RepoResult | None = None
    for _ in range(args.repeat):
        floors.append(parse_floor(files))
        timing, result = run_taint(root, files)
        taints.append(timing)
        took = None if args.no_bandit else run_bandit(root)
        if took is not None:
            bandits.append(took)
    assert result is not None
    floor = (statistics.median(r[0] for r in floors), statistics.median(r[1] for r in floors))
    print(
        f"corpus: {root.name}, {len(files)} Python files, {sum(f.size for f in files) / 1e6:.1f} MB, "
        f"median of {args.repeat}"
    )
    print(_line("floor", floors, floor))
    print(_line("taint", taints, floor))
    if bandits:
        print(_line("bandit", bandits, floor))
        ratio = statistics.median(r[0] for r in taints) / statistics.median(r[0] for r in bandits)
        print(f"taint / bandit (cpu): {ratio:.2f}")
    rules = Counter(f.rule_id for f in result.findings)
    print(f"findings: {len(result.findings)} {dict(sorted(rules.items()))}")
    partial = [n for n in result.not_analysed if n.reason.value == "partial"]
    print(f"not analysed: {len(result.not_analysed)} (partial: {len(partial)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
