"""Playbooks: every link points at a rule, command and evidence kind that exist."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from stackaudit.analyzers import registry
from stackaudit.cli import build_app
from stackaudit.governance.playbooks import BY_NAME, PLAYBOOKS, get, playbook_for
from stackaudit.model.enums import Category


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "stackaudit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_four_playbooks() -> None:
    assert set(BY_NAME) == {"api-latency", "queue-backlog", "auth-anomalies", "cold-starts"}
    assert get("API latency") is get("api_latency") is BY_NAME["api-latency"]
    with pytest.raises(KeyError, match="known: api-latency"):
        get("disk-full")


def test_every_rule_link_exists_in_the_registry() -> None:
    rules = registry.rule_index().rules
    for pb in PLAYBOOKS:
        assert pb.rules, pb.name
        assert pb.rules <= set(rules), (pb.name, sorted(pb.rules - set(rules)))


def test_every_command_link_parses_with_the_real_cli() -> None:
    """Each command's options are accepted by the real command (parsed, not run)."""
    group = typer.main.get_command(build_app())
    for pb in PLAYBOOKS:
        for step in pb.steps:
            for line in step.commands:
                argv = shlex.split(line)
                assert argv[0] == "stackaudit"
                cmd = group.commands[argv[1]]  # type: ignore[attr-defined]
                ctx = cmd.make_context(argv[1], argv[2:], resilient_parsing=True)
                unknown = [a for a in argv[2:] if a.startswith("--") and a.split("=")[0] not in _opts(cmd)]
                assert not unknown, (pb.name, line, unknown)
                assert ctx is not None


def _opts(cmd: object) -> set[str]:
    return {o for p in cmd.params for o in p.opts}  # type: ignore[attr-defined]


def test_every_playbook_names_commands_and_evidence() -> None:
    for pb in PLAYBOOKS:
        assert any(s.commands for s in pb.steps) and any(s.evidence for s in pb.steps), pb.name


def test_findings_link_to_the_playbook_of_their_category() -> None:
    rules = registry.rule_index().rules

    def name(rule: str) -> str | None:
        pb = playbook_for(rule, rules[rule].category)
        return None if pb is None else pb.name

    assert name("perf.n-plus-one") == "api-latency"
    assert name("scale.unbounded-queue") == "queue-backlog"
    assert name("scale.retry-without-backoff") == "queue-backlog"
    assert name("secret.aws-access-key") == "auth-anomalies"  # every secret rule
    assert name("priv.excessive-grant") == "auth-anomalies"
    assert name("ci.docker-base-unpinned") == "cold-starts"
    assert name("sec.sql-injection") is None  # injection is not an auth anomaly: no playbook fits
    assert playbook_for("ruff.PERF401", Category.PERFORMANCE) is BY_NAME["api-latency"]
    for rid, meta in rules.items():  # every performance and scalability rule has one
        if meta.category in (Category.PERFORMANCE, Category.SCALABILITY):
            assert playbook_for(rid, meta.category) is not None, rid


def test_explain_playbook(tmp_path: Path) -> None:
    proc = _cli("explain", "playbook:api-latency", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "API latency spike" in proc.stdout
    assert "run: stackaudit profile --pid PID --duration 30" in proc.stdout
    assert "perf.n-plus-one" in proc.stdout and "evidence: nplusone" in proc.stdout
    proc = _cli("explain", "playbook:nope", cwd=tmp_path)
    assert proc.returncode == 2 and "known: api-latency, queue-backlog" in proc.stderr
    assert _cli("explain", "perf.n-plus-one", cwd=tmp_path).returncode == 0  # rules still explained
