"""Run a load test: one k6 process (or N segment processes) per step, stop at the first
SLO breach, read the target's CPU around each step, and build the LoadReport."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from stackaudit.config.sections.runtime import LoadConfig, SLOConfig
from stackaudit.runtime.load import analysis, k6, knee, planfile, script, verdicts
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
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"target {target}: the port is not a number in 0-65535"
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout_s):
            return None
    except OSError as exc:
        return f"target {parts.netloc} is not reachable ({exc.strerror or exc})"


def _dropped_advice(dropped: int, peak_vus: int, max_vus: int) -> str:
    """Name the limit actually in force: the VU cap, or a load generator that fell behind."""
    if peak_vus and peak_vus < max_vus:
        return (
            f"{dropped} iteration(s) dropped while k6 used at most {peak_vus} of its {max_vus} VUs "
            f"(load.max_vus): the load generator itself fell behind (CPU-starved machine?); "
            f"the offered rate was not fully sent"
        )
    return (
        f"{dropped} iteration(s) dropped: all {max_vus} VUs (load.max_vus = {max_vus}) were busy "
        f"waiting on slow responses; raise load.max_vus or lower the rate; "
        f"the offered rate was not fully sent"
    )


def _incomplete(spec: StepSpec, samples: SampleSet, outcomes: list[k6.K6Outcome], target: str) -> str | None:
    """Why this step is not a measurement: k6 failed, the target died, or the run was cut short."""
    failed = [p for p in (o.problem() for o in outcomes) if p]
    if failed:
        return failed[0]
    down = preflight(target, timeout_s=2.0)
    if down is not None:
        return f"the target stopped answering during the step ({down})"
    step = str(spec.index)
    covered = samples.last_ts.get(step, 0.0) - samples.first_ts.get(step, 0.0)
    if samples.requests[(step, "all")] == 0:
        return "no request was recorded"
    if spec.seconds >= 2 and covered + 2 / max(spec.rate, 1e-9) < 0.7 * spec.seconds:
        return f"cut short: requests cover {covered:.1f} s of a {spec.seconds:g} s step"
    return None


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
        peak = samples.peak_vus.get(str(spec.index), 0)
        problems.append(_dropped_advice(dropped, peak, opts.plan.max_vus))
    if samples.bad_lines:
        problems.append(f"{samples.bad_lines} unreadable line(s) in k6's raw output")
    cpu = after.cpu_seconds - before.cpu_seconds if before and after else None
    why = _incomplete(spec, samples, outcomes, opts.plan.target) or gone_before or gone_after
    if why:
        problems.insert(0, f"incomplete: {why}")
    ctx = analysis.StepContext(spec, cpu, opts.cores, tuple(problems), bool(why), why or None)
    return samples, ctx


def run(opts: RunOptions) -> tuple[LoadReport, SampleSet]:
    """Run every step (stopping early on a breach in step mode) and analyse the samples."""
    binary = k6.find_k6(str(opts.k6_binary) if opts.k6_binary else None)
    # k6 runs with cwd=workdir: every path handed to it must be absolute
    opts = replace(opts, workdir=opts.workdir.resolve(), slos=opts.slos or default_slos(opts))
    opts.workdir.mkdir(parents=True, exist_ok=True)
    plan_doc = planfile.PlanFile(opts.plan, opts.mode, opts.steps, opts.slos)
    (opts.workdir / "plan.json").write_text(planfile.dump(plan_doc), encoding="utf-8")
    down = preflight(opts.plan.target)
    total = SampleSet(window_s=opts.load.soak_window_seconds)
    if down is not None:
        return _report(opts, total, [], None, [down], partial=True, incomplete=down), total
    sampler = Sampler(opts.probe) if opts.probe is not None and opts.mode is Mode.SOAK else None
    if sampler is not None:
        sampler.start()
    results: list[StepResult] = []
    stopped: str | None = None
    incomplete: str | None = None
    for spec in opts.steps:
        samples, ctx = _run_step(opts, binary, spec)
        total.merge(samples)
        result = analysis.step_result(opts.plan, samples, ctx)
        results.append(result)
        if ctx.incomplete:
            incomplete = f"step {spec.index} at {result.offered_rps:g} req/s: {ctx.incomplete}"
            break
        breaches = verdicts.step_breaches(opts.plan, opts.slos, samples, result)
        if opts.mode is Mode.STEP and breaches and opts.load.stop_on_breach:
            stopped = f"step {spec.index} at {result.offered_rps:g} req/s: {'; '.join(breaches)}"
            break
    if sampler is not None:
        sampler.stop()
    problems = [p for r in results for p in r.problems]
    if sampler is not None and sampler.gone:
        problems.append(sampler.gone)
    if sampler is not None and sampler.gone and incomplete is None:
        incomplete = f"the target process went away during the soak ({sampler.gone})"
    partial = incomplete is not None or any(r.partial for r in results)
    report = _report(opts, total, results, sampler, problems, partial, stopped, incomplete)
    return report, total


def default_slos(opts: RunOptions) -> dict[str, SLOConfig]:
    """Without any SLO, each flow still has an error budget (``load.default_error_budget``),
    so a run at a high error rate fails; a budget of 1 turns it off."""
    budget = opts.load.default_error_budget
    if budget >= 1:
        return {}
    return {
        f.name: SLOConfig(endpoint=opts.plan.endpoints[f.endpoints[0]].name, error_budget=budget)
        for f in opts.plan.flows
        if not f.is_journey
    }


def _report(
    opts: RunOptions,
    total: SampleSet,
    results: list[StepResult],
    sampler: Sampler | None,
    problems: list[str],
    partial: bool,
    stopped: str | None = None,
    incomplete: str | None = None,
) -> LoadReport:
    steps = analysis.flag_nonlinear(results, opts.load.utilisation_knee)
    if incomplete is not None:  # a failed run is not a measurement: no knee, verdict or cost
        problems = [f"incomplete run: {incomplete}", *problems]
        return LoadReport(
            mode=opts.mode,
            target=opts.plan.target,
            steps=steps,
            verdicts=(),
            knee_rps=None,
            segments=opts.segments,
            partial=True,
            problems=tuple(dict.fromkeys(problems)),
            incomplete=incomplete,
        )
    settings = knee.KneeSettings(
        opts.load.knee_min_rise, opts.load.knee_min_rise_ms, opts.load.utilisation_knee
    )
    found = knee.find(steps, settings) if opts.mode is Mode.STEP else None
    rss = [(r.at, r.rss_bytes) for r in sampler.readings if r.rss_bytes is not None] if sampler else []
    trends = analysis.soak_trends(total, rss) if opts.mode is Mode.SOAK else ()
    drift = verdicts.drift_verdicts(opts.plan, trends, opts.load, opts.steps[0].rate if opts.steps else 0.0)
    cpu = [s.cpu_seconds for s in steps if s.cpu_seconds is not None]
    cost = analysis.cost(
        sum(cpu) if cpu else None,
        sum(s.requests for s in steps),
        opts.load.cpu_second_price,
        opts.load.currency,
    )
    repeats: dict[str, tuple[float, ...]] = {}
    started: tuple[float, ...] = ()
    if opts.mode is Mode.CONSTANT:
        for i, endpoint in enumerate(opts.plan.endpoints):
            repeats[endpoint.name] = tuple(
                latency(total.hists.get((str(s.index), f"ep:{i}"))).p95_ms for s in steps
            )
        repeats["all"] = tuple(s.p95_ms for s in steps)
        started = tuple(round(total.first_ts.get(str(s.index), 0.0), 3) for s in steps)
    return LoadReport(
        mode=opts.mode,
        target=opts.plan.target,
        steps=steps,
        verdicts=verdicts.verdicts(opts.plan, opts.slos, total, steps, opts.mode) + drift,
        knee_rps=found.knee_rps if found else None,
        knee=found,
        trends=trends,
        cost=cost,
        repeats_p95_ms=repeats,
        repeats_started_at=started,
        segments=opts.segments,
        partial=partial,
        problems=tuple(dict.fromkeys(problems)),
        stopped_early=stopped,
    )


def analyse_merged(pf: planfile.PlanFile, samples: SampleSet, load: LoadConfig, files: int) -> LoadReport:
    """The report of raw outputs merged from several k6 processes or hosts (no CPU data)."""
    opts = RunOptions(pf.plan, pf.mode, pf.steps, load, Path("."), slos=pf.slos, segments=files)
    opts = replace(opts, slos=opts.slos or default_slos(opts))
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
