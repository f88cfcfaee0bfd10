"""The real-code scorer's logic on tiny synthetic runs (the real apps are not in CI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.realcode.common import cache_dir, finding_key, load_findings
from bench.realcode.labels import Label, parse_labels, sample
from bench.realcode.score import movement, overall, pooled_groups, precision, score_app


def finding(rule: str, path: str, code: str, score: float, *, line: int = 1, context: str = "handler",
            category: str = "security") -> dict[str, Any]:  # fmt: skip
    return {
        "rule_id": rule, "category": category, "context": context, "snippet": code, "message": f"{rule} msg",
        "location": {"path": path, "line": line}, "score": {"value": score},
    }  # fmt: skip


def labels(*rows: tuple[str, str, str, str]) -> dict[tuple[str, str, str], Label]:
    lines = [
        json.dumps({"rule": r, "path": p, "code": c, "verdict": v, "reason": "x"}) for r, p, c, v in rows
    ]
    return parse_labels(lines)


def test_precision_counts_debatable_as_half_and_strict_as_false() -> None:
    p = precision(["true", "false", "debatable", None])
    assert p.value == pytest.approx(0.5)  # (1 + 0 + 0.5) / 3
    assert p.strict == pytest.approx(1 / 3)
    assert (p.labelled, p.unlabelled, p.debatable) == (3, 1, 1)


def test_precision_of_nothing_labelled_is_none_not_zero() -> None:
    p = precision([None, None])
    assert p.value is None and p.unlabelled == 2


def test_label_matches_by_rule_path_and_normalised_code_never_the_line() -> None:
    moved = finding("sec.xss", "app/views.py", "return   HttpResponse(\n  x)", 90, line=40)
    lab = labels(("sec.xss", "app/views.py", "return HttpResponse( x)", "true"))
    assert finding_key(moved) in lab
    other_path = finding("sec.xss", "app/other.py", "return HttpResponse( x)", 90)
    assert finding_key(other_path) not in lab


def test_top_precision_follows_score_order_and_counts_unlabelled() -> None:
    findings = [finding("r.a", "a.py", f"code{i}", 100 - i) for i in range(25)]
    lab = labels(
        ("r.a", "a.py", "code0", "true"),
        ("r.a", "a.py", "code1", "false"),
        ("r.a", "a.py", "code2", "true"),
        ("r.a", "a.py", "code3", "debatable"),
        ("r.a", "a.py", "code22", "true"),  # labelled but outside the top 20
    )
    s = score_app("demo", "judge", findings, lab)
    assert s.top5.value == pytest.approx((1 + 0 + 1 + 0.5) / 4)
    assert s.top5.unlabelled == 1
    assert s.top20.labelled == 4 and s.top20.unlabelled == 16
    assert s.sampled.labelled == 5


def test_test_code_is_counted_by_context_or_by_path() -> None:
    findings = [
        finding("r", "pkg/views.py", "a", 9),
        finding("r", "pkg/tests/test_views.py", "b", 8),  # path says test, context does not
        finding("r", "pkg/helpers.py", "c", 7, context="test"),  # context says test
        finding("r", "pkg/conftest.py", "d", 6),
        finding("r", "pkg/testimony.py", "e", 5),  # not a test path
    ]
    s = score_app("demo", "build", findings, {})
    assert (s.test, s.test_by_context, s.prod) == (3, 1, 2)


def test_identical_code_in_one_file_shares_one_label_and_counts_once_per_rule() -> None:
    findings = [finding("ruff.BLE001", "a.py", "except Exception:", 40, line=n) for n in (3, 9, 17)]
    lab = labels(("ruff.BLE001", "a.py", "except Exception:", "false"))
    s = score_app("demo", "judge", findings, lab)
    assert s.by_rule["ruff.BLE001"].labelled == 1
    assert s.top5.labelled == 3  # positions in the ranking still count each finding


def test_security_precision_outside_tests_and_pooled_groups() -> None:
    findings = [
        finding("sec.a", "app.py", "x", 9),
        finding("sec.a", "tests/test_app.py", "y", 8),
        finding("perf.b", "app.py", "z", 7, category="performance"),
    ]
    lab = labels(("sec.a", "app.py", "x", "false"), ("sec.a", "tests/test_app.py", "y", "true"),
                 ("perf.b", "app.py", "z", "true"))  # fmt: skip
    s = score_app("demo", "judge", findings, lab)
    assert s.security_prod.value == 0.0 and s.security_prod.labelled == 1
    groups = pooled_groups([s], "category")
    assert groups["security"].value == pytest.approx(0.5)
    assert groups["performance"].value == 1.0


def test_overall_pools_by_labelled_count() -> None:
    a = score_app("a", "judge", [finding("r", "a.py", "x", 9)], labels(("r", "a.py", "x", "true")))
    b = score_app("b", "judge", [finding("r", "b.py", f"y{i}", 9 - i) for i in range(3)],
                  labels(*(("r", "b.py", f"y{i}", "false") for i in range(3))))  # fmt: skip
    assert overall([a, b])["top5"] == pytest.approx(1 / 4)


def test_sample_is_top_n_plus_a_seeded_draw_without_repeating_keys() -> None:
    findings = [finding("r", "a.py", f"c{i}", 100 - i) for i in range(60)]
    findings.insert(1, finding("r", "a.py", "c0", 99.5, line=99))  # same key as the first one
    top, drawn = sample(findings, top_n=5, random_n=10, seed=8)
    assert [f["snippet"] for f in top] == ["c0", "c0", "c1", "c2", "c3"]
    assert len(drawn) == 10
    assert not {finding_key(f) for f in drawn} & {finding_key(f) for f in top}
    assert sample(findings, top_n=5, random_n=10, seed=8)[1] == drawn  # reproducible
    assert sample(findings, top_n=5, random_n=10, seed=9)[1] != drawn


def test_bad_verdict_is_an_error_naming_the_line() -> None:
    with pytest.raises(ValueError, match=r"labels.jsonl:2: verdict 'maybe'"):
        parse_labels(["", json.dumps({"rule": "r", "path": "p", "code": "c", "verdict": "maybe", "reason": ""})],
                     "labels.jsonl")  # fmt: skip


def test_movement_lists_changed_new_and_dropped_apps() -> None:
    before = {"a": {"top5": 0.2, "findings": 10}, "gone": {"top5": 1.0}}
    now = {"a": {"top5": 0.6, "findings": 10}, "b": {"top5": None}}
    lines = movement(now, before)
    assert lines == ["a: top5 0.20 -> 0.60", "b: new in this run", "gone: no longer scored"]


def test_cache_dir_defaults_into_the_repo_and_follows_the_env_var(tmp_path: Path) -> None:
    assert cache_dir({}).parts[-2:] == (".cache", "realcode")
    assert cache_dir({"STACKAUDIT_REALCODE_CACHE": str(tmp_path)}) == tmp_path


def test_load_findings_orders_by_score(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    rows = [finding("r", "a.py", "low", 1), finding("r", "a.py", "high", 50)]
    report.write_text(json.dumps({"findings": rows}), encoding="utf-8")
    assert [f["snippet"] for f in load_findings(report)] == ["high", "low"]


def test_top20_false_by_rule_counts_false_labels_among_the_top_rows() -> None:
    from bench.realcode.score import top20_false_by_rule

    findings = [finding("noisy", "a.py", f"n{i}", 90 - i) for i in range(3)] + [
        finding("good", "a.py", "g", 10)
    ]
    lab = labels(
        ("noisy", "a.py", "n0", "false"), ("noisy", "a.py", "n1", "false"), ("good", "a.py", "g", "true")
    )
    s = score_app("demo", "judge", findings, lab)
    assert top20_false_by_rule([s]) == [("noisy", 2, 3), ("good", 0, 1)]
