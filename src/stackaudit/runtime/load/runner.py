"""Run a load test: one k6 process (or N segment processes) per step, stop at the first
SLO breach, read the target's CPU around each step, and build the LoadReport."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from stackaudit.config.sections.runtime import LoadConfig, SLOConfig
from stackaudit.runtime.load import analysis, k6, planfile, script, verdicts
from stackaudit.runtime.load.cpu import Probe, Reading, Sampler, TargetGone
from stackaudit.runtime.load.model import LoadPlan, LoadReport, Mode, StepResult, StepSpec
from stackaudit.runtime.load.samples import SampleSet, latency, merge_files

K6_GRACE_S = 30.0
GZIP_ABOVE_REQUESTS = 100_000


@dataclass(frozen=True, slots=True)
class RunOptions:
    plan: LoadPlan
    mode: Mode
    steps: tuple[StepSpec, ...]
    load: LoadConfig
    workdir: Path
    slos: Mapping[str, SLOConfig] = field(default_factory=dict)
    k6_binary: Path | None = None
    probe: Probe | None = None
    cores: float = 1.0
    segments: int = 1


def preflight(target: str, timeout_s: float = 3.0) -> str | None:
    """A clear message when nothing listens at the target; None when a TCP connect works."""
    parts = urlsplit(target)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout_s):
            return None
    except OSError as exc:
        return f"target {parts.hostname}:{port} is not reachable ({exc.strerror or exc})"


def _read(probe: Probe | None) -> tuple[Reading | None, str | None]:
    if probe is None:
        return None, None
    try:
        return probe.read(), None
    except TargetGone as exc:
        return None, str(exc)


def _run_step(opts: RunOptions, binary: Path, spec: StepSpec) -> tuple[SampleSet, analysis.StepContext]:
    path = opts.workdir / f"step_{spec.index}.js"
    path.write_text(script.render(opts.plan, [spec]), encoding="utf-8")
    cuts = k6.segments(opts.segments) if opts.segments > 1 else [(None, None)]
    timeout = spec.seconds + opts.plan.timeout_s + K6_GRACE_S
    # k6 writes ~12 JSON lines per request: gzip (k6 does it for a .gz name) for long runs
    expected = spec.rate * spec.seconds * opts.plan.requests_per_iteration()
    suffix = ".json.gz" if expected > GZIP_ABOVE_REQUESTS else ".json"
    jobs = [
        k6.K6Job(
            binary, path, opts.workdir / f"step_{spec.index}.seg{i}{suffix}", opts.workdir, timeout, seg, seq
        )
        for i, (seg, seq) in enumerate(cuts)
    ]
    before, gone_before = _read(opts.probe)
    outcomes = k6.run_jobs(jobs)
    after, gone_after = _read(opts.probe)
    samples = merge_files([j.raw_out for j in jobs], opts.load.soak_window_seconds)
    problems = [p for p in (o.problem() for o in outcomes) if p]
    problems += [g for g in (gone_before, gone_after) if g]
    for code, count in samples.error_codes.most_common(3):
        problems.append(f"{count} request(s) failed: {k6.describe_error_code(code)}")
    dropped = samples.dropped[str(spec.index)]
    if dropped:
        problems.append(
            f"{dropped} iteration(s) dropped: k6 had no free VU (raise load.max_vus "
            f"or lower the rate); the offered rate was not fully sent"
        )
    if samples.bad_lines:
        problems.append(f"{samples.bad_lines} unreadable line(s) in k6's raw output")
    cpu = after.cpu_seconds - before.cpu_seconds if before and after else None
    partial = any(not o.ok for o in outcomes) or bool(gone_before or gone_after)
    return samples, analysis.StepContext(spec, cpu, opts.cores, tuple(problems), partial)


def run(opts: RunOptions) -> tuple[LoadReport, SampleSet]:
    """Run every step (stopping early on a breach in step mode) and analyse the samples."""
    binary = k6.find_k6(str(opts.k6_binary) if opts.k6_binary else None)
    opts.workdir.mkdir(parents=True, exist_ok=True)
    plan_doc = planfile.PlanFile(opts.plan, opts.mode, opts.steps, opts.slos)
    (opts.workdir / "plan.json").write_text(planfile.dump(plan_doc), encoding="utf-8")
    down = preflight(opts.plan.target)
    total = SampleSet(window_s=opts.load.soak_window_seconds)
    if down is not None:
        return _report(opts, total, [], None, [down], partial=True), total
    sampler = Sampler(opts.probe) if opts.probe is not None and opts.mode is Mode.SOAK else None
    if sampler is not None:
        sampler.start()
    results: list[StepResult] = []
    stopped: str | None = None
    for spec in opts.steps:
        samples, ctx = _run_step(opts, binary, spec)
        total.merge(samples)
        result = analysis.step_result(opts.plan, samples, ctx)
        results.append(result)
        breaches = verdicts.step_breaches(opts.plan, opts.slos, samples, result)
        if ctx.partial or (opts.mode is Mode.STEP and breaches and opts.load.stop_on_breach):
            why = "; ".join(breaches or list(ctx.problems)[:1])
            stopped = f"step {spec.index} at {result.offered_rps:g} req/s: {why}"
            break
    if sampler is not None:
        sampler.stop()
    problems = [p for r in results for p in r.problems]
    if sampler is not None and sampler.gone:
        problems.append(sampler.gone)
    partial = any(r.partial for r in results) or bool(sampler and sampler.gone)
    if stopped and partial:
        problems.insert(0, f"stopped: {stopped}")
    report = _report(opts, total, results, sampler, problems, partial, stopped)
    return report, total


def _report(
    opts: RunOptions,
    total: SampleSet,
    results: list[StepResult],
    sampler: Sampler | None,
    problems: list[str],
    partial: bool,
    stopped: str | None = None,
) -> LoadReport:
    steps = analysis.flag_nonlinear(results, opts.load.utilisation_knee)
    knee = analysis.find_knee(steps) if opts.mode is Mode.STEP else None
    rss = [(r.at, r.rss_bytes) for r in sampler.readings if r.rss_bytes is not None] if sampler else []
    trends = analysis.soak_trends(total, rss) if opts.mode is Mode.SOAK else ()
    cpu = [s.cpu_seconds for s in steps if s.cpu_seconds is not None]
    cost = analysis.cost(
        sum(cpu) if cpu else None,
        sum(s.requests for s in steps),
        opts.load.cpu_second_price,
        opts.load.currency,
    )
    repeats: dict[str, tuple[float, ...]] = {}
    if opts.mode is Mode.CONSTANT:
        for i, endpoint in enumerate(opts.plan.endpoints):
            repeats[endpoint.name] = tuple(
                latency(total.hists.get((str(s.index), f"ep:{i}"))).p95_ms for s in steps
            )
        repeats["all"] = tuple(s.p95_ms for s in steps)
    return LoadReport(
        mode=opts.mode,
        target=opts.plan.target,
        steps=steps,
        verdicts=verdicts.verdicts(opts.plan, opts.slos, total, steps, opts.mode),
        knee_rps=knee,
        trends=trends,
        cost=cost,
        repeats_p95_ms=repeats,
        segments=opts.segments,
        partial=partial,
        problems=tuple(dict.fromkeys(problems)),
        stopped_early=stopped,
    )


def analyse_merged(pf: planfile.PlanFile, samples: SampleSet, load: LoadConfig, files: int) -> LoadReport:
    """The report of raw outputs merged from several k6 processes or hosts (no CPU data)."""
    opts = RunOptions(pf.plan, pf.mode, pf.steps, load, Path("."), slos=pf.slos, segments=files)
    ran = [s for s in pf.steps if str(s.index) in samples.steps()]
    results = [analysis.step_result(pf.plan, samples, analysis.StepContext(s)) for s in ran]
    problems = [
        f"{count} request(s) failed: {k6.describe_error_code(code)}"
        for code, count in samples.error_codes.most_common(3)
    ]
    missing = [s.index for s in pf.steps if s not in ran]
    if missing:
        problems.append(f"no samples for step(s) {', '.join(map(str, missing))}")
    return _report(opts, samples, results, None, problems, partial=bool(missing))
