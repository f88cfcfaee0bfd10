"""False-failure and detection rates of the performance regression gate on real runs.

Two loopback servers run as their own processes: the baseline answers in 20 ms, the
regressed one in 24 ms (+20 % service time).  k6 drives each one in a single process with
many consecutive short constant-rate steps (each step is one "repeat": its own p95 from its
raw samples), like ``stackaudit load --rate R --repeats N`` does with one process per
repeat, minus the start-up cost.

- **identical pairs**: consecutive blocks of ``--repeats`` steps of the SAME server, each
  block the current of the one before it and the baseline of the one after, as a CI gate
  compares each build with the previous one: drift between runs is included (the pairs share
  blocks, so they are not independent draws);
- **+20 % pairs**: a block of the baseline server against a block of the regressed server.

With ``--interleaved`` the baseline and current repeats alternate (A B A B ..., one k6
process, each step aimed at one server): each repeat of the current carries its start time
next to its baseline partner, so the gate compares them pair by pair; identical pairs are
two processes of the same 20 ms server.

Each pair goes through ``regression.compare`` (the gate) and, for comparison, through the
previous rule (fail when the change is over 5 % and the CI's lower end is above 1).

    PYTHONPATH=src .venv/bin/python bench/bench_gate.py [--pairs 50] [--regressed 20]
        [--repeats 5] [--seconds 1] [--rate 100]                        # sequential, ~10 min here
    PYTHONPATH=src .venv/bin/python bench/bench_gate.py --interleaved   # ~5 min here (sliding windows)

Prints every pair's change and CI, then the rates.  k6 steps last at least 1 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from stackaudit.config.sections.runtime import LoadConfig, RegressionConfig
from stackaudit.runtime.load import k6, script, slo
from stackaudit.runtime.load.model import StepSpec
from stackaudit.runtime.load.samples import latency, merge_files
from stackaudit.runtime.regression import MetricVerdict, Outcome, PerfSample, compare

SERVERS_PY = Path(__file__).resolve().parent.parent / "tests" / "runtime" / "servers.py"


@dataclass(frozen=True)
class Tally:
    gate: dict[Outcome, int]
    old_fail: int
    total: int


def _spawn(service_ms: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVERS_PY), "fixed", "--service-ms", str(service_ms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{proc.stdout.readline().strip()}"


def series(work: Path, url: str, count: int, rate: float, seconds: float) -> list[float]:
    """p95 (ms) of each of ``count`` consecutive steps, one k6 process."""
    plan = slo.build_plan(url, {}, LoadConfig())
    steps = [StepSpec(i, rate, seconds) for i in range(count)]
    work.mkdir(parents=True, exist_ok=True)
    path = work / "series.js"
    path.write_text(script.render(plan, steps), encoding="utf-8")
    job = k6.K6Job(k6.find_k6(), path, work / "raw.json", work, count * seconds + 120)
    (outcome,) = k6.run_jobs([job])
    if not outcome.ok:
        raise SystemExit(f"k6 failed: {outcome.problem()}")
    samples = merge_files([job.raw_out])
    job.raw_out.unlink()
    return [latency(samples.hists.get((str(i), "all"))).p95_ms for i in range(count)]


ALTERNATING = """
import http from 'k6/http';
export const options = __OPTIONS__;
export function a() { http.get(__A__, { tags: { ep: '0' } }); }
export function b() { http.get(__B__, { tags: { ep: '0' } }); }
"""


def alternating(work: Path, urls: tuple[str, str], cycles: int, rate: float, seconds: float) -> list[float]:
    """p95 and start of steps that alternate between two servers: a0 b0 a1 b1 ...  One k6
    process; the gate's interleaved mode sees the steps as back-to-back pairs."""
    import json

    scenarios = {}
    for i in range(2 * cycles):
        scenarios[f"step_{i}"] = {
            "executor": "constant-arrival-rate",
            "rate": int(rate),
            "timeUnit": "1s",
            "duration": f"{seconds:g}s",
            "startTime": f"{i * seconds:g}s",
            # k6 initialises every scenario's VUs before the first starts: keep them few
            "preAllocatedVUs": max(2, int(rate * 0.05)),
            "maxVUs": 100,
            "exec": "a" if i % 2 == 0 else "b",
            "tags": {"step": str(i)},
        }
    options = {"discardResponseBodies": True, "scenarios": scenarios, "systemTags": ["status", "scenario"]}
    work.mkdir(parents=True, exist_ok=True)
    path = work / "alternating.js"
    text = ALTERNATING.replace("__OPTIONS__", json.dumps(options))
    path.write_text(
        text.replace("__A__", json.dumps(urls[0] + "/")).replace("__B__", json.dumps(urls[1] + "/"))
    )
    job = k6.K6Job(k6.find_k6(), path, work / "raw.json", work, 2 * cycles * seconds + 120)
    (outcome,) = k6.run_jobs([job])
    if not outcome.ok:
        raise SystemExit(f"k6 failed: {outcome.problem()}")
    samples = merge_files([job.raw_out])
    job.raw_out.unlink()
    return [latency(samples.hists.get((str(i), "all"))).p95_ms for i in range(2 * cycles)]


def paired_blocks(
    values: list[float], repeats: int, seconds: float, count: int
) -> list[tuple[PerfSample, PerfSample]]:
    """Alternating steps -> ``count`` (baseline, current) samples of ``repeats`` pairs each,
    with the steps' start offsets so the gate pairs them.  Windows slide by one pair (like the
    sequential chain, consecutive comparisons share runs: not independent draws)."""
    out = []
    for k in range(count):
        chunk = range(2 * k, 2 * (k + repeats))
        base = [(i * seconds, values[i]) for i in chunk if i % 2 == 0]
        cur = [(i * seconds, values[i]) for i in chunk if i % 2 == 1]
        out.append(
            (
                PerfSample("b", tuple(v for _, v in base), started_at=tuple(t for t, _ in base)),
                PerfSample("c", tuple(v for _, v in cur), started_at=tuple(t for t, _ in cur)),
            )
        )
    return out


def _old_rule_fails(m: MetricVerdict, threshold: float) -> bool:
    return bool(m.change > threshold and m.ci_low > 1)


def judge(pairs: list[tuple[PerfSample, PerfSample]], label: str, cfg: RegressionConfig) -> Tally:
    counts = dict.fromkeys(Outcome, 0)
    old = 0
    for i, (base, cur) in enumerate(pairs):
        verdict = compare(base, cur, cfg)
        m = verdict.metrics[0]
        counts[verdict.outcome] += 1
        old += _old_rule_fails(m, cfg.p95_threshold)
        print(
            f"{label} {i:2d}: change {m.change:+6.1%}  CI {m.ci_low:.3f}..{m.ci_high:.3f}  "
            f"p={m.p_value:.3g}  gate {verdict.outcome.label:12s} old rule "
            f"{'FAIL' if _old_rule_fails(m, cfg.p95_threshold) else '-'}"
        )
    return Tally(counts, old, len(pairs))


def _blocks(values: list[float], size: int) -> list[list[float]]:
    return [values[i : i + size] for i in range(0, len(values) - size + 1, size)]


def _unpaired(blocks: list[tuple[list[float], list[float]]]) -> list[tuple[PerfSample, PerfSample]]:
    return [(PerfSample("b", tuple(b)), PerfSample("c", tuple(c))) for b, c in blocks]


def _interleaved(args: argparse.Namespace) -> tuple[list[tuple[PerfSample, PerfSample]], ...]:
    procs = [_spawn(20.0), _spawn(20.0), _spawn(24.0)]
    (_, a), (_, a2), (_, b) = procs
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cycles = args.pairs + args.repeats - 1  # windows slide by one pair
            same = alternating(Path(tmp) / "a", (a, a2), cycles, args.rate, args.seconds)
            cycles = args.regressed + args.repeats - 1
            slow = alternating(Path(tmp) / "b", (a, b), cycles, args.rate, args.seconds)
    finally:
        _stop([p for p, _ in procs])
    print(f"[gate-bench series] identical {same}\n[gate-bench series] regressed {slow}")
    return (
        paired_blocks(same, args.repeats, args.seconds, args.pairs),
        paired_blocks(slow, args.repeats, args.seconds, args.regressed),
    )


def _stop(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interleaved", action="store_true")
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--regressed", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=100.0)
    args = parser.parse_args()
    cfg = RegressionConfig()
    if args.interleaved:
        identical, regressed = _interleaved(args)
        _summary(judge(identical, "identical", cfg), judge(regressed, "+20 %    ", cfg), "interleaved")
        return
    base_proc, base_url = _spawn(20.0)
    slow_proc, slow_url = _spawn(24.0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            same = series(Path(tmp) / "a", base_url, (args.pairs + 1) * args.repeats, args.rate, args.seconds)
            slow = series(Path(tmp) / "b", slow_url, args.regressed * args.repeats, args.rate, args.seconds)
    finally:
        _stop([base_proc, slow_proc])
    blocks = _blocks(same, args.repeats)
    identical = _unpaired([(blocks[i], blocks[i + 1]) for i in range(args.pairs)])
    regressed = _unpaired([(blocks[i % len(blocks)], b) for i, b in enumerate(_blocks(slow, args.repeats))])
    _summary(judge(identical, "identical", cfg), judge(regressed, "+20 %    ", cfg), "sequential")


def _summary(a: Tally, b: Tally, mode: str) -> None:
    print(
        f"[gate-bench {mode}] identical pairs: {a.gate[Outcome.FAIL]}/{a.total} fail "
        f"({a.gate[Outcome.FAIL] / a.total:.0%}), {a.gate[Outcome.INCONCLUSIVE]} inconclusive, "
        f"{a.gate[Outcome.PASS]} pass; previous rule: {a.old_fail}/{a.total} fail"
    )
    print(
        f"[gate-bench {mode}] +20 % pairs: {b.gate[Outcome.FAIL]}/{b.total} fail "
        f"({b.gate[Outcome.FAIL] / b.total:.0%}), {b.gate[Outcome.INCONCLUSIVE]} inconclusive, "
        f"{b.gate[Outcome.PASS]} pass; previous rule: {b.old_fail}/{b.total} fail"
    )


if __name__ == "__main__":
    main()
