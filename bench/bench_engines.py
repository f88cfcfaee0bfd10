"""Wrapped engines and ci-hardening: our wrappers against the bare tools, side by side.

Measures in one run, medians of --repeat runs (ruff/zizmor caches disabled so every run
does the full work):
  ruff-bare    the exact ruff command line the wrapper builds, output discarded
  ruff-ours    RuffAnalyzer.analyze_repo (same ruff run + JSON parse, mapping, snippets)
  bandit       `bandit -r -f json` over the same files (the anchor ruff's S rules re-implement)
  zizmor-bare  the exact zizmor command line over N copies of the fixture workflows
  zizmor-ours  ZizmorAnalyzer.analyze_repo over the same copies (+ YAML precheck, mapping)
  ci-ours      CiHardeningAnalyzer.analyze_repo over the Django tree (no anchor tool)

    .venv/bin/python bench/bench_engines.py [--repeat 5] [--workflows 60]
"""

from __future__ import annotations

import argparse
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

from stackaudit.analyzers.base import RepoContext, SourceFile
from stackaudit.analyzers.ci.analyzer import CiHardeningAnalyzer
from stackaudit.analyzers.external import _run, ruff, zizmor
from stackaudit.config.schema import Config
from stackaudit.discovery.languages import language_of

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "analyzers" / "external" / "fixtures"


def context(root: Path) -> RepoContext:
    rels = [(p, p.relative_to(root).as_posix()) for p in sorted(root.rglob("*")) if p.is_file()]
    files = tuple(SourceFile(rel, p, p.stat().st_size, language_of(rel)) for p, rel in rels)
    return RepoContext(root=root, files=files, config=Config(), is_git=False, cache_dir=None)


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, last = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), last


def bare(argvs: list[list[str]], cwd: Path) -> int:
    for argv in argvs:
        subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    return len(argvs)


def workflows_tree(tmp: Path, copies: int) -> Path:
    root = tmp / "wf"
    (root / ".github" / "workflows").mkdir(parents=True)
    sources = sorted((FIXTURES / "zizmor_project" / ".github" / "workflows").glob("*.yml"))
    for i in range(copies):
        src = sources[i % len(sources)]
        shutil.copy(src, root / ".github" / "workflows" / f"{i:03d}-{src.name}")
    return root


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workflows", type=int, default=60)
    parser.add_argument("--no-bandit", action="store_true", help="skip the (slow) bandit anchor")
    args = parser.parse_args()
    tree = django_source()
    ctx = context(tree)
    py = [f.path for f in ctx.files if f.language == "python"]
    ruff_bin, zizmor_bin = _run.locate("ruff"), _run.locate("zizmor")
    bandit_bin = str(Path(sys.executable).parent / "bandit")
    ruff_argvs = [ruff.command(ruff_bin, None, batch) for batch in _run.batches(py)]

    results: dict[str, float] = {}
    runs = {"bandit": max(1, args.repeat // 2)}
    bare_times, ours_times = [], []
    for _ in range(args.repeat):  # interleaved, so drift in machine load hits both alike
        bare_times.append(median_time(lambda: bare(ruff_argvs, tree), 1)[0])
        seconds, out = median_time(lambda: ruff.RuffAnalyzer().analyze_repo(ctx), 1)
        ours_times.append(seconds)
    results["ruff-bare"], results["ruff-ours"] = statistics.median(bare_times), statistics.median(ours_times)
    ruff_findings = len(out.findings)  # type: ignore[attr-defined]
    tops = sorted({p.split("/")[0] for p in py})
    bandit_argv = [bandit_bin, "-q", "-f", "json", "-o", "/dev/null", "-r", *tops]
    if not args.no_bandit:
        results["bandit"], _ = median_time(lambda: bare([bandit_argv], tree), runs["bandit"])
    results["ci-ours"], ci = median_time(lambda: CiHardeningAnalyzer().analyze_repo(ctx), args.repeat)

    with tempfile.TemporaryDirectory() as tmp:
        wf = workflows_tree(Path(tmp), args.workflows)
        wctx = context(wf)
        wf_files = [f.path for f in wctx.files]
        z_argv = [zizmor.command(zizmor_bin, wf_files)]
        results["zizmor-bare"], _ = median_time(lambda: bare(z_argv, wf), args.repeat)
        analyzer = zizmor.ZizmorAnalyzer()
        results["zizmor-ours"], zout = median_time(lambda: analyzer.analyze_repo(wctx), args.repeat)

    print(f"corpus: {tree.name}: {len(ctx.files)} files, {len(py)} Python; {args.workflows} workflows")
    print(
        f"ruff findings {ruff_findings}; zizmor findings {len(zout.findings)}; "  # type: ignore[attr-defined]
        f"ci findings {len(ci.findings)}"
    )  # type: ignore[attr-defined]
    for name, seconds in results.items():
        print(f"  {name:12} {seconds * 1000:9.1f} ms (median of {runs.get(name, args.repeat)})")
    print(f"  ruff wrapper overhead   x{results['ruff-ours'] / results['ruff-bare']:.2f} of bare ruff")
    if "bandit" in results:
        print(f"  ruff-ours vs bandit     x{results['bandit'] / results['ruff-ours']:.1f} faster")
    print(f"  zizmor wrapper overhead x{results['zizmor-ours'] / results['zizmor-bare']:.2f} of bare zizmor")


if __name__ == "__main__":
    main()
