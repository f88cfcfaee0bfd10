"""False-knee and knee-detection rates on loopback servers of known shape, over several step
ranges, with the knee rule (``runtime/load/knee.py``) beside the previous Kneedle-only rule on
the very same steps.

- **flat**: a route that always answers in 20 ms: any knee is false;
- **linear**: latency 10 ms + 0.1 ms per req/s of load: a slope, no knee: any knee is false;
- **saturating**: one worker, 10 ms per request (capacity 100 req/s): the knee must be
  within one step of 100 req/s.

    PYTHONPATH=src .venv/bin/python bench/bench_knee.py [--repeats 2] [--step-seconds 1.5]

Each run is a real ``stackaudit load --step`` ladder of 5 steps (k6, one process per step).
About 3 minutes with the defaults.  Prints every run, then the rates.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kneed import KneeLocator

from stackaudit.config.sections.runtime import LoadConfig
from stackaudit.runtime.load import runner, slo
from stackaudit.runtime.load.model import Mode, StepResult

SERVERS_PY = Path(__file__).resolve().parent.parent / "tests" / "runtime" / "servers.py"
CASES: tuple[tuple[str, tuple[str, ...], tuple[tuple[float, float], ...]], ...] = (
    ("flat", ("fixed", "--service-ms", "20"), ((50, 250), (20, 120), (100, 300), (10, 60))),
    ("linear", ("linear", "--service-ms", "10", "--per-rps-ms", "0.1"), ((50, 250), (100, 300))),
    ("saturating", ("capacity", "--service-ms", "10"), ((40, 160), (60, 140), (20, 180))),
)


@dataclass
class Tally:
    runs: int = 0
    new_right: int = 0
    old_right: int = 0


def old_knee(steps: tuple[StepResult, ...]) -> float | None:
    """The previous rule: Kneedle over every step, skipped only when all p95 are equal."""
    xs = [s.offered_rps for s in steps if s.requests > 0]
    ys = [s.p95_ms for s in steps if s.requests > 0]
    if len(xs) < 3 or max(ys) <= min(ys):
        return None
    found = KneeLocator(xs, ys, curve="convex", direction="increasing", online=True).knee
    return float(found) if found is not None else None


def _spawn(args: tuple[str, ...]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVERS_PY), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{proc.stdout.readline().strip()}"


def _right(kind: str, knee: float | None, gap: float) -> bool:
    if kind == "saturating":
        return knee is not None and abs(knee - 100) <= gap
    return knee is None


def one_run(
    work: Path, kind: str, args: tuple[str, ...], lo: float, hi: float, seconds: float
) -> tuple[bool, bool]:
    proc, url = _spawn(args)
    try:
        load = LoadConfig()
        plan = slo.build_plan(url, {}, load)
        ladder = slo.step_ladder(lo, hi, 5, seconds)
        report, _ = runner.run(runner.RunOptions(plan, Mode.STEP, ladder, load, work))
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)
    gap = (hi - lo) / 4
    old = old_knee(report.steps)
    rows = [(s.offered_rps, round(s.p95_ms, 1)) for s in report.steps]
    print(f"{kind:10s} {lo:g}->{hi:g}: {rows} knee {report.knee_rps} (previous rule {old})")
    return _right(kind, report.knee_rps, gap), _right(kind, old, gap)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--step-seconds", type=float, default=1.5)
    args = parser.parse_args()
    tallies = {kind: Tally() for kind, _, _ in CASES}
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        for _ in range(args.repeats):
            for kind, server, ranges in CASES:
                for lo, hi in ranges:
                    n += 1
                    new, old = one_run(Path(tmp) / str(n), kind, server, lo, hi, args.step_seconds)
                    t = tallies[kind]
                    t.runs, t.new_right, t.old_right = t.runs + 1, t.new_right + new, t.old_right + old
    for kind, t in tallies.items():
        what = "knee within one step of 100 req/s" if kind == "saturating" else "false knees"
        now = t.new_right if kind == "saturating" else t.runs - t.new_right
        before = t.old_right if kind == "saturating" else t.runs - t.old_right
        print(f"[knee-bench] {kind}: {what}: {now}/{t.runs} (previous rule {before}/{t.runs})")


if __name__ == "__main__":
    main()
