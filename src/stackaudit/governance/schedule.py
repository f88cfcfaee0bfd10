"""The quarterly mini-audit as a cron line and as a GitHub Actions ``schedule:`` workflow.

Both run an audit (stored as a run) and then ``stackaudit report --compare-to``. On a
machine that keeps its store, cron compares to the date a quarter ago; a GitHub runner
starts empty, so the workflow compares to the git commit of that date instead (a REF is
audited from ``git archive``). ``--compare-to`` itself belongs to ``report``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

QUARTERLY_CRON = "0 6 1 1,4,7,10 *"  # 06:00 UTC on the first day of each quarter
_FIELD_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?$")


@dataclass(frozen=True, slots=True)
class ScheduleOptions:
    path: str = "."
    cron: str = QUARTERLY_CRON
    months: int = 3
    tags: str | None = None  # DORA over the quarter from annotated tags, when given
    action: str = "stackaudit/stackaudit"
    rev: str = "v1"


def validate_cron(expr: str) -> None:
    """Five numeric cron fields (lists, ranges, steps); raises ValueError naming the bad field."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields, got {len(fields)}: {expr!r}")
    names = ("minute", "hour", "day of month", "month", "day of week")
    for value, (low, high), name in zip(fields, _FIELD_RANGES, names, strict=True):
        for part in value.split(","):
            if not _FIELD.match(part):
                raise ValueError(f"cron {name} field {value!r} is not numeric")
            numbers = [int(n) for n in re.findall(r"\d+", part.split("/")[0])]
            if any(not low <= n <= high for n in numbers):
                raise ValueError(f"cron {name} field {value!r} is outside {low}-{high}")


def report_command(compare_to: str) -> str:
    """The quarterly report as it will be run (``compare_to`` is already shell-quoted)."""
    return (
        f"stackaudit report latest --root . --compare-to {compare_to} "
        "--format markdown --output quarterly.md --format html --output quarterly.html"
    )


def _dora_command(opts: ScheduleOptions, since: str) -> str | None:
    if opts.tags is None:
        return None
    return (
        f"stackaudit dora . --tags {shlex.quote(opts.tags)} --since {since} "
        "--format markdown --output dora-quarter.md"
    )


def cron_line(opts: ScheduleOptions) -> str:
    """One crontab line; ``%`` is escaped because cron turns it into a newline."""
    since = f"\"$(date -u -d '{opts.months} months ago' +\\%F)\""
    steps = [
        f"cd {shlex.quote(opts.path)}",
        "stackaudit audit . --fail-on none --format json --output stackaudit.json",
        report_command(since),
    ]
    dora = _dora_command(opts, since)
    if dora:
        steps.append(dora)
    return f"{opts.cron} " + " && ".join(steps)


def workflow(opts: ScheduleOptions) -> str:
    """A GitHub Actions workflow running the quarterly mini-audit on ``opts.cron``."""
    since_ref = f'"$(git rev-list -1 --before="{opts.months} months ago" HEAD)"'
    since_date = f"\"$(date -u -d '{opts.months} months ago' +%F)\""
    run = [
        f"base={since_ref}",
        'if [ -z "$base" ]; then base="$(git rev-list --max-parents=0 HEAD | tail -n 1)"; fi',
        report_command('"$base"'),
    ]
    dora = _dora_command(opts, since_date)
    if dora:
        run.append(dora)
    run.append('cat quarterly.md >> "$GITHUB_STEP_SUMMARY"')
    artifacts = ["quarterly.md", "quarterly.html"]
    if dora:
        run.append('cat dora-quarter.md >> "$GITHUB_STEP_SUMMARY"')
        artifacts.append("dora-quarter.md")
    body = "\n".join(f"          {line}" for line in run)
    paths = "\n".join(f"            {name}" for name in artifacts)
    return f"""# stackaudit quarterly mini-audit, printed by `stackaudit schedule`.
# Save as .github/workflows/stackaudit-quarterly.yml. The runner starts with an empty store,
# so the report compares to the commit of {opts.months} months ago (audited from git archive);
# set STACKAUDIT_DB to a PostgreSQL URL secret to keep the history between runs instead.
name: stackaudit quarterly

on:
  schedule:
    - cron: "{opts.cron}"
  workflow_dispatch:

permissions: {{}}

jobs:
  quarterly:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
          persist-credentials: false

      - name: Audit now
        uses: {opts.action}@{opts.rev}
        with:
          fail-on: none
          upload-sarif: "false"

      - name: Compare with a quarter ago
        run: |
{body}

      - uses: actions/upload-artifact@v4
        with:
          name: stackaudit-quarterly
          path: |
{paths}
"""
