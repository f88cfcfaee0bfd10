"""Outputs at scale: every report format for a generated 50,000-finding result.

Prints, per format: the time to write it (median of --repeat runs), its size, its
gzipped size, and what the consumer's limit is (GitHub: SARIF <= 25,000 results per
run and <= 10 MB gzipped; a PR comment <= 65,536 characters); the time headless
Chromium (Playwright driving /usr/bin/chromium) takes to open the HTML and draw its
first page (median of --repeat loads); and the peak memory (max RSS) of a fresh
process that builds the result and writes all four formats, next to the same process
building the result only (the floor: the result itself).

    .venv/bin/python bench/bench_outputs.py [--size 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import sys, resource
sys.path.insert(0, {root!r})
from tests.report.big import big_result
from tests.report.sample import RULES
from stackaudit.report import write
result = big_result({size})
if {write_all}:
    for fmt, suffix in (("json", "json"), ("sarif", "sarif"), ("markdown", "md"), ("html", "html")):
        with open({out!r} + "/child." + suffix, "w", encoding="utf-8") as handle:
            write(result, fmt, RULES, handle)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mb(size: int, out: Path, write_all: bool) -> float:
    code = CHILD.format(root=str(ROOT), size=size, write_all=write_all, out=str(out))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env()
    )
    return int(proc.stdout.strip().splitlines()[-1]) / 1024


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def write_formats(size: int, out: Path, repeat: int) -> dict[str, Path]:
    from stackaudit.report import write
    from tests.report.big import big_result
    from tests.report.sample import RULES

    result = big_result(size)
    paths = {}
    print(f"{len(result.findings)} findings; median of {repeat} writes")
    for fmt, suffix in (("json", "json"), ("sarif", "sarif"), ("markdown", "md"), ("html", "html")):
        path = out / f"report.{suffix}"
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            with path.open("w", encoding="utf-8") as handle:
                write(result, fmt, RULES, handle)
            times.append(time.perf_counter() - start)
        data = path.read_bytes()
        packed = len(gzip.compress(data, 6))
        print(
            f"  {fmt:8s} {statistics.median(times):6.2f} s  {len(data) / 1e6:7.2f} MB  "
            f"gzipped {packed / 1e6:6.2f} MB  {len(data.decode('utf-8')):>11,} characters"
        )
        paths[fmt] = path
    return paths


def sarif_facts(path: Path) -> None:
    doc = json.loads(path.read_text("utf-8"))
    counts = [len(run["results"]) for run in doc["runs"]]
    cut = doc["runs"][0].get("properties", {}).get("stackaudit/cut")
    print(f"  SARIF: {len(counts)} runs, results per run {counts} (GitHub: <= 25,000 and <= 20 runs)")
    if cut:
        print(f"         cut: {cut['resultsCut']} of {cut['resultsTotal']} ({'; '.join(cut['reasons'])})")


def chromium_open(path: Path, repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for _ in range(repeat):
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_selector("body[data-ready='1']", state="attached", timeout=120_000)
            times.append(time.perf_counter() - start)
            page.close()
        browser.close()
    print(
        f"  HTML in headless Chromium: ready (first page drawn) in {statistics.median(times):.2f} s median "
        f"({', '.join(f'{t:.2f}' for t in times)}); target < 3 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        paths = write_formats(args.size, out, args.repeat)
        sarif_facts(paths["sarif"])
        chromium_open(paths["html"], args.repeat)
        floor = peak_rss_mb(args.size, out, write_all=False)
        peak = peak_rss_mb(args.size, out, write_all=True)
        print(
            f"  peak memory (max RSS): result only {floor:.0f} MB; result + all four formats {peak:.0f} MB "
            "(target <= 500 MB)"
        )


if __name__ == "__main__":
    main()
