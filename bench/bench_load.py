"""Open model (stackaudit load: k6 constant-arrival-rate, p95 from raw samples in HdrHistogram)
against the closed model (k6 constant-vus, the anchor) and k6's own summary p95, on a server
that freezes 200 ms every 2 s.  The truth is the server's own log (kernel arrival timestamps).

    .venv/bin/python bench/bench_load.py [--repeats 3] [--seconds 6] [--rate 200]

Prints each repeat, then medians and the ratio of each p95 to the design truth (~120 ms:
10 % of requests fall in a freeze and wait 0-200 ms).  The closed model's own server log
is low too: its few virtual users wait out each freeze, so few requests arrive during one
(coordinated omission) - only an open model measures what users arriving at random see.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "runtime"))

from servers import Behaviour, Server

from stackaudit.config.sections.runtime import LoadConfig
from stackaudit.runtime.load import k6, runner, slo
from stackaudit.runtime.load.model import Mode, StepSpec

CLOSED = """
import http from 'k6/http';
export const options = { vus: __VUS__, duration: '__SECS__s', discardResponseBodies: true,
  summaryTrendStats: ['p(95)'] };
export default function () { http.get('__URL__/'); }
"""


def _truth(server: Server) -> float:
    return float(np.percentile(np.asarray(server.latencies_ms), 95))


def open_model(work: Path, rate: float, seconds: float) -> tuple[float, float]:
    server = Server(Behaviour(kind="stall")).start()
    try:
        load = LoadConfig()
        plan = slo.build_plan(server.url, {}, load)
        report, _ = runner.run(
            runner.RunOptions(plan, Mode.CONSTANT, (StepSpec(0, rate, seconds),), load, work)
        )
        return report.steps[0].p95_ms, _truth(server)
    finally:
        server.stop()


def closed_model(work: Path, vus: int, seconds: float) -> tuple[float, float]:
    server = Server(Behaviour(kind="stall")).start()
    try:
        script = work / "closed.js"
        script.write_text(
            CLOSED.replace("__VUS__", str(vus))
            .replace("__SECS__", str(seconds))
            .replace("__URL__", server.url)
        )
        summary = work / "summary.json"
        subprocess.run(
            [str(k6.find_k6()), "run", "--quiet", "--summary-export", str(summary), str(script)],
            cwd=work,
            env=k6.environment(),
            check=True,
            capture_output=True,
            timeout=seconds + 60,
        )
        p95 = json.loads(summary.read_text())["metrics"]["http_req_duration"]["p(95)"]
        return float(p95), _truth(server)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()
    rows: dict[str, list[tuple[float, float]]] = {"open (stackaudit)": [], "closed (k6 constant-vus)": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            o = open_model(Path(tmp) / f"o{i}", args.rate, args.seconds)
            c = closed_model(Path(tmp), 5, args.seconds)
            rows["open (stackaudit)"].append(o)
            rows["closed (k6 constant-vus)"].append(c)
            print(
                f"repeat {i}: open p95 {o[0]:.1f} ms (server truth {o[1]:.1f}); "
                f"closed p95 {c[0]:.1f} ms (server truth {c[1]:.1f})"
            )
    for name, values in rows.items():
        p95 = statistics.median(v[0] for v in values)
        truth = statistics.median(v[1] for v in values)
        print(
            f"{name:28s} median p95 {p95:7.1f} ms; stall design truth ~120 ms; ratio to 120 ms "
            f"{p95 / 120:.2f}; own-server p95 {truth:.1f}"
        )


if __name__ == "__main__":
    main()
