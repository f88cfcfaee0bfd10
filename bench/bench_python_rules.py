"""python-rules benchmark: our AST rules over Django's source, against the parse floor and Bandit.

Measures, side by side in one run (medians of --repeat interleaved runs):
  floor    read + ast.parse every .py file (the least any AST-based analyzer can do)
  rules    PythonRulesAnalyzer.analyze on every file (read + parse + the one traversal)
  bandit   `bandit -r -q -f json` over the same tree (Bandit also parses every file)
and prints the ratios and the findings per rule.

    .venv/bin/python bench/bench_python_rules.py [--repeat 3] [--no-bandit] [--root DIR]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
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

from stackaudit.analyzers.base import FileInput, NotAnalysable, SourceFile
from stackaudit.analyzers.python.analyzer import PythonRulesAnalyzer
from stackaudit.config.schema import Config


def python_files(root: Path) -> list[SourceFile]:
    paths = sorted(p for p in root.rglob("*.py") if p.is_file() and not p.is_symlink())
    return [SourceFile(p.relative_to(root).as_posix(), p, p.stat().st_size, "python") for p in paths]


def floor(files: list[SourceFile]) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in files:
            with contextlib.suppress(SyntaxError):
                ast.parse(f.abspath.read_text(errors="replace"), filename=f.path)
    return time.perf_counter() - start


def rules(files: list[SourceFile], counts: Counter[str]) -> float:
    analyzer, config = PythonRulesAnalyzer(), Config()
    counts.clear()
    start = time.perf_counter()
    for f in files:
        try:
            result = analyzer.analyze(FileInput(f, f.abspath.read_text(errors="replace")), config)
        except NotAnalysable:
            continue
        counts.update(finding.rule_id for finding in result.findings)
    return time.perf_counter() - start


def bandit(root: Path) -> float | None:
    exe = shutil.which("bandit") or str(Path(sys.executable).parent / "bandit")
    if not Path(exe).exists():
        return None
    start = time.perf_counter()
    subprocess.run([exe, "-r", "-q", "-f", "json", str(root)], capture_output=True, check=False, timeout=900)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-bandit", action="store_true")
    parser.add_argument("--root", type=Path, default=None, help="tree to scan (default: Django 5.2 sdist)")
    args = parser.parse_args()
    root = args.root or django_source()
    files = python_files(root)
    print(f"corpus: {root} ({len(files)} .py files, {sum(f.size for f in files) / 1e6:.1f} MB)")
    times: dict[str, list[float]] = {"floor": [], "rules": [], "bandit": []}
    counts: Counter[str] = Counter()
    for _ in range(args.repeat):  # interleaved, so load drift hits every tool alike
        times["floor"].append(floor(files))
        times["rules"].append(rules(files, counts))
        if not args.no_bandit:
            took = bandit(root)
            if took is not None:
                times["bandit"].append(took)
    med = {name: statistics.median(values) for name, values in times.items() if values}
    for name, value in med.items():
        print(f"{name:8} median {value:7.2f} s  ({value / med['floor']:.2f}x floor)")
    if "bandit" in med:
        print(f"rules / bandit = {med['rules'] / med['bandit']:.3f}")
    print("findings per rule:", dict(sorted(counts.items())))


if __name__ == "__main__":
    main()
