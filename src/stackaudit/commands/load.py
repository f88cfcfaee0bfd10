"""``stackaudit load``: SLO load tests on k6 (step, soak, constant), ``load merge`` of raw
outputs from several k6 processes or hosts, and ``load script`` for running them there.

Wiring only: options -> config -> plan -> runtime.load -> report / evidence -> exit code.
Exit codes: 0 every SLO holds, 1 an SLO fails, 2 usage / config / k6 missing,
3 partial results (target down, k6 crashed, PID gone): the report is still written.
Heavy imports (scipy, kneed, hdrh) happen inside the commands, not at CLI start-up.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from stackaudit.config.schema import Config
    from stackaudit.config.sections.runtime import LoadConfig
    from stackaudit.runtime.load.cpu import Probe
    from stackaudit.runtime.load.model import LoadReport, Mode, StepSpec
    from stackaudit.runtime.load.runner import RunOptions

# An incomplete run (k6 crashed, target down, cut short) measured nothing: an error, exit 2,
# like every other command (0 ok, 1 findings, 2 errors).
EXIT_OK, EXIT_SLO, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 2

TargetOpt = Annotated[str | None, typer.Option("--target", help="Base URL of the service to load.")]
StepOpt = Annotated[bool, typer.Option("--step", help="Step load: raise the rate until an SLO breaks.")]
SoakOpt = Annotated[bool, typer.Option("--soak", help="Soak: hold one rate and look for drift.")]
FromOpt = Annotated[float | None, typer.Option("--from", help="First step's arrival rate (req/s).")]
ToOpt = Annotated[float | None, typer.Option("--to", help="Last step's arrival rate (req/s).")]
StepsOpt = Annotated[int | None, typer.Option("--steps", help="Number of steps.")]
StepSecOpt = Annotated[float | None, typer.Option("--step-seconds", help="Seconds per step.")]
RateOpt = Annotated[float | None, typer.Option("--rate", help="Fixed arrival rate (soak / constant).")]
DurationOpt = Annotated[float | None, typer.Option("--duration", help="Seconds at --rate.")]
RepeatsOpt = Annotated[int, typer.Option("--repeats", help="Constant runs: repeat N times (gate).")]
PidOpt = Annotated[int | None, typer.Option("--pid", help="Target PID: CPU per step, RSS trend.")]
CgroupOpt = Annotated[Path | None, typer.Option("--cgroup", help="Target cgroup v2 directory.")]
CoresOpt = Annotated[
    float | None,
    typer.Option(
        "--cores", help="CPU cores of the target, for utilisation (default: the cgroup's cpu.max, else 1)."
    ),
]
SegOpt = Annotated[int, typer.Option("--segments", help="Local k6 processes (execution segments).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="stackaudit.toml or pyproject.toml.")]
DbOpt = Annotated[str | None, typer.Option("--db", help="Store URL for the SLO evidence.")]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Do not store SLO verdicts as evidence.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="terminal or json.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")]
RawOpt = Annotated[Path | None, typer.Option("--raw-dir", help="Keep k6 scripts and raw samples here.")]
PlanOpt = Annotated[Path, typer.Option("--plan", help="plan.json written beside the script.")]
FilesArg = Annotated[list[Path], typer.Argument(help="k6 raw outputs (--out json=FILE), .gz ok.")]


@dataclass(frozen=True, slots=True)
class Shape:
    """The run's shape from the command line (None = from the [load] config)."""

    step: bool = False
    soak: bool = False
    from_rps: float | None = None
    to_rps: float | None = None
    steps: int | None = None
    step_seconds: float | None = None
    rate: float | None = None
    duration: float | None = None
    repeats: int = 1


@dataclass(frozen=True, slots=True)
class Sink:
    fmt: str = "terminal"
    output: Path | None = None
    db: str | None = None
    store: bool = True


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _config(path: Path | None) -> Config:
    from stackaudit.config.loader import ConfigError, load_config

    try:
        return load_config(Path.cwd(), path)
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def plan_shape(shape: Shape, load: LoadConfig) -> tuple[Mode, tuple[StepSpec, ...]]:
    """(mode, steps) from the options and the [load] section; PlanError when impossible."""
    from stackaudit.runtime.load.model import Mode, PlanError, StepSpec
    from stackaudit.runtime.load.slo import step_ladder

    if shape.step and shape.soak:
        raise PlanError("--step and --soak exclude each other")
    if shape.repeats < 1 or (shape.rate is not None and shape.rate <= 0):
        raise PlanError("--rate must be > 0 and --repeats >= 1")
    if shape.duration is not None and shape.duration <= 0:
        raise PlanError("--duration must be > 0")
    if shape.soak:
        rate, secs = shape.rate or load.soak_rps, shape.duration or load.soak_seconds
        return Mode.SOAK, (StepSpec(0, rate, secs),)
    if shape.rate is not None and not shape.step:
        secs = shape.duration or load.step_seconds
        return Mode.CONSTANT, tuple(StepSpec(i, shape.rate, secs) for i in range(shape.repeats))
    ladder = step_ladder(
        shape.from_rps or load.from_rps,
        shape.to_rps or load.to_rps,
        shape.steps or load.steps,
        shape.step_seconds or load.step_seconds,
    )
    return Mode.STEP, ladder


def emit(report: LoadReport, sink: Sink) -> None:
    from rich.console import Console

    from stackaudit.runtime.load import report as rep

    if sink.fmt == "json":
        text = rep.to_json(report)
        if sink.output is None:
            typer.echo(text, nl=False)
        else:
            sink.output.write_text(text, encoding="utf-8")
        return
    if sink.output is None:
        rep.render(report, Console())
    else:
        with sink.output.open("w", encoding="utf-8") as handle:
            rep.render(report, Console(file=handle, width=140, color_system=None))


def outcome(report: LoadReport) -> int:
    if report.partial or report.incomplete is not None:
        return EXIT_PARTIAL
    return EXIT_SLO if any(not v.passed for v in report.verdicts) else EXIT_OK


def store(report: LoadReport, sink: Sink) -> None:
    """SLO verdicts as Evidence in the store (default: .stackaudit/stackaudit.db here)."""
    from stackaudit.runtime.load.store import save_evidence
    from stackaudit.runtime.load.verdicts import incomplete_evidence, to_evidence
    from stackaudit.storage.base import StoreError
    from stackaudit.storage.project import project_key
    from stackaudit.storage.store import default_url

    if not sink.store or not (report.verdicts or report.incomplete):
        return
    root = Path.cwd()
    if report.incomplete is not None:
        items = [incomplete_evidence(report.incomplete, report.target, project_key(root))]
    else:
        items = to_evidence(report.verdicts, report.target, project_key(root))
    try:
        save_evidence(sink.db or default_url(root), items)
    except StoreError as exc:
        typer.echo(f"warning: SLO verdicts not stored: {exc}", err=True)


def _probe(pid: int | None, cgroup: Path | None) -> Probe | None:
    from stackaudit.runtime.load.cpu import CgroupProbe, ProcessProbe

    if pid is not None and cgroup is not None:
        raise _fail("--pid and --cgroup exclude each other")
    if pid is not None:
        if not Path(f"/proc/{pid}/stat").is_file():
            raise _fail(f"--pid {pid}: no such process")
        return ProcessProbe(pid)
    if cgroup is not None:
        if not (cgroup / "cpu.stat").is_file():
            raise _fail(f"--cgroup {cgroup}: no cpu.stat there (a cgroup v2 directory is needed)")
        return CgroupProbe(cgroup)
    return None


def _quota(probe: Probe | None) -> float | None:
    from stackaudit.runtime.load.cpu import CgroupProbe

    return probe.cores() if isinstance(probe, CgroupProbe) else None


def _finish(report: LoadReport, sink: Sink) -> None:
    emit(report, sink)
    store(report, sink)
    raise typer.Exit(outcome(report))


def _execute(opts: RunOptions, raw_dir: Path | None, sink: Sink) -> None:
    from stackaudit.runtime.load.model import LoadError
    from stackaudit.runtime.load.runner import run

    try:
        report, _ = run(opts)
    except LoadError as exc:
        raise _fail(str(exc)) from None
    finally:
        if raw_dir is None:
            shutil.rmtree(opts.workdir, ignore_errors=True)
    _finish(report, sink)


def load_main(
    ctx: typer.Context,
    target: TargetOpt = None,
    step: StepOpt = False,
    soak: SoakOpt = False,
    from_rps: FromOpt = None,
    to_rps: ToOpt = None,
    steps: StepsOpt = None,
    step_seconds: StepSecOpt = None,
    rate: RateOpt = None,
    duration: DurationOpt = None,
    repeats: RepeatsOpt = 1,
    pid: PidOpt = None,
    cgroup: CgroupOpt = None,
    cores: CoresOpt = None,
    segments: SegOpt = 1,
    config: ConfigOpt = None,
    db: DbOpt = None,
    no_store: NoStoreOpt = False,
    fmt: FormatOpt = "terminal",
    output: OutputOpt = None,
    raw_dir: RawOpt = None,
) -> None:
    """Load the target with k6 (open model) and judge the SLOs: --step, --soak or --rate."""
    if ctx.invoked_subcommand is not None:
        return
    from stackaudit.runtime.load.model import PlanError
    from stackaudit.runtime.load.runner import RunOptions
    from stackaudit.runtime.load.slo import build_plan

    if target is None:
        raise _fail("--target URL is required")
    if fmt not in ("terminal", "json") or segments < 1 or (cores is not None and cores <= 0):
        raise _fail("--format is terminal or json; --segments >= 1; --cores > 0")
    cfg = _config(config)
    probe = _probe(pid, cgroup)
    shape = Shape(step, soak, from_rps, to_rps, steps, step_seconds, rate, duration, repeats)
    try:
        plan = build_plan(target, cfg.slo, cfg.load)
        mode, specs = plan_shape(shape, cfg.load)
    except PlanError as exc:
        raise _fail(str(exc)) from None
    workdir = (raw_dir or Path(tempfile.mkdtemp(prefix="stackaudit-load-"))).resolve()
    opts = RunOptions(
        plan,
        mode,
        specs,
        cfg.load,
        workdir,
        slos=cfg.slo,
        probe=probe,
        cores=cores or _quota(probe) or 1.0,
        segments=segments,
    )
    _execute(opts, raw_dir, Sink(fmt, output, db, not no_store))


def merge_cmd(
    files: FilesArg,
    plan: PlanOpt,
    config: ConfigOpt = None,
    db: DbOpt = None,
    no_store: NoStoreOpt = False,
    fmt: FormatOpt = "terminal",
    output: OutputOpt = None,
) -> None:
    """Merge raw k6 outputs of several segments / hosts exactly, then analyse them."""
    from stackaudit.runtime.load import planfile
    from stackaudit.runtime.load.model import PlanError
    from stackaudit.runtime.load.runner import analyse_merged
    from stackaudit.runtime.load.samples import merge_files

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise _fail(f"no such file: {', '.join(missing)}")
    try:
        pf = planfile.load(plan)
    except PlanError as exc:
        raise _fail(str(exc)) from None
    cfg = _config(config)
    samples = merge_files(list(files), cfg.load.soak_window_seconds)
    _finish(analyse_merged(pf, samples, cfg.load, len(files)), Sink(fmt, output, db, not no_store))


def script_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="The k6 script to write.")],
    target: TargetOpt = None,
    step: StepOpt = False,
    soak: SoakOpt = False,
    from_rps: FromOpt = None,
    to_rps: ToOpt = None,
    steps: StepsOpt = None,
    step_seconds: StepSecOpt = None,
    rate: RateOpt = None,
    duration: DurationOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write the k6 script of a whole run (steps as startTime offsets) and its plan.json,
    to run on several hosts with --execution-segment and merge with `load merge`."""
    from stackaudit.runtime.load import planfile, script
    from stackaudit.runtime.load.model import PlanError
    from stackaudit.runtime.load.slo import build_plan

    if target is None:
        raise _fail("--target URL is required")
    cfg = _config(config)
    try:
        plan = build_plan(target, cfg.slo, cfg.load)
        mode, specs = plan_shape(
            Shape(step, soak, from_rps, to_rps, steps, step_seconds, rate, duration), cfg.load
        )
    except PlanError as exc:
        raise _fail(str(exc)) from None
    output.write_text(script.render(plan, specs), encoding="utf-8")
    plan_path = output.with_name(output.stem + ".plan.json")
    plan_path.write_text(planfile.dump(planfile.PlanFile(plan, mode, specs, cfg.slo)), encoding="utf-8")
    typer.echo(f"wrote {output} and {plan_path}")


def register(app: typer.Typer) -> None:
    sub = typer.Typer(
        invoke_without_command=True,
        no_args_is_help=False,
        help="SLO load tests on k6: step, soak, knee, segments merge, cost per request.",
    )
    sub.callback()(load_main)
    sub.command("merge")(merge_cmd)
    sub.command("script")(script_cmd)
    app.add_typer(sub, name="load")
