"""A DORA result with every figure chosen by hand, for the store and the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stackaudit.governance.dora.model import Band, DoraResult, Metrics

H = timedelta(hours=1)
D = timedelta(days=1)
MONTHS = ("2025-10", "2025-11", "2025-12", "2026-01")


def metrics(
    label: str,
    days: float,
    deployments: int,
    failed: int,
    lead: timedelta | None,
    recovery: timedelta | None,
    bands: tuple[Band | None, Band | None, Band | None, Band | None],
) -> Metrics:
    keys = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery_time")
    return Metrics(
        label=label,
        days=days,
        deployments=deployments,
        deploys_per_day=deployments / days,
        changes=deployments * 2,
        lead_time_median=lead,
        lead_time_p90=None if lead is None else lead * 3,
        failed_deployments=failed,
        change_failure_rate=None if not deployments else failed / deployments,
        recovery_median=recovery,
        unrecovered=0,
        bands=tuple(zip(keys, bands, strict=True)),
    )


def dora_result(source: str = "annotated git tags matching 'v*'") -> DoraResult:
    """Four months: 10, 8, 0 and 5 deployments; 1, 2, 0 and 1 of them failed."""
    e, h, m, lo = Band.ELITE, Band.HIGH, Band.MEDIUM, Band.LOW
    months = (
        metrics("2025-10", 31, 10, 1, 5 * H, 2 * H, (h, e, h, h)),
        metrics("2025-11", 30, 8, 2, 2 * D, 30 * H, (h, h, lo, m)),
        metrics("2025-12", 31, 0, 0, None, None, (lo, None, None, None)),
        metrics("2026-01", 31, 5, 1, 36 * H, 45 * timedelta(minutes=1), (m, h, lo, e)),
    )
    window = metrics("window", 123, 23, 4, 20 * H, 16 * H, (h, e, lo, h))
    return DoraResult(
        source=source,
        failure_source="git: reverts and hotfix commits (no incident file given)",
        band_year=2024,
        since=datetime(2025, 10, 1, tzinfo=UTC),
        until=datetime(2026, 2, 1, tzinfo=UTC),
        window=window,
        months=months,
        failures=(),
        notes=("the first deployment has no earlier one to delimit its changes",),
    )
