"""DORA performance bands as data, one table per State of DevOps report year.

The bands move from year to year, so every result names the year it was classified with.
Sources (Google Cloud / DORA, "Accelerate State of DevOps Report"):

* 2023 report, table "Software delivery performance" (performance clusters):
  elite: on demand, lead time < 1 day, change failure rate 5 %, recovery < 1 hour;
  high: daily to weekly, 1 day to 1 week, 10 %, < 1 day;
  medium: weekly to monthly, 1 week to 1 month, 15 %, 1 day to 1 week;
  low: weekly to monthly, 1 week to 1 month, 64 %, 1 month to 6 months.
* 2024 report, same table:
  elite: on demand, < 1 day, 5 %, < 1 hour;
  high: daily to weekly, 1 day to 1 week, 20 %, < 1 day;
  medium: weekly to monthly, 1 week to 1 month, 10 %, < 1 day;
  low: monthly to every six months, 1 to 6 months, 40 %, 1 week to 1 month.

The reports publish clusters (a typical value or range per cluster), not cut-offs. We turn
each into a bound read best band first: a value gets the first band whose bound admits it,
and a value no band admits is low. Where a report is not monotonic (2024: medium's change
failure rate 10 % is below high's 20 %; medium's recovery "< 1 day" equals high's), the
later band is never reached for that metric; we keep the published numbers rather than
invent a monotonic table, and say so here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from stackaudit.governance.dora.model import Band

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
MONTH = timedelta(days=30)
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class BandTable:
    """One report year's bounds, best band first, each with the report's wording."""

    year: int
    # deployments per day at least this many (frequency: higher is better)
    frequency: tuple[tuple[Band, float, str], ...]
    # lead time (median) at most this long
    lead_time: tuple[tuple[Band, timedelta, str], ...]
    # change failure rate at most this share
    failure_rate: tuple[tuple[Band, float, str], ...]
    # failed-deployment recovery time (median) below this
    recovery: tuple[tuple[Band, timedelta, str], ...]


BAND_TABLES: dict[int, BandTable] = {
    2023: BandTable(
        year=2023,
        frequency=(
            (Band.ELITE, 1.0, "on demand (multiple deploys per day)"),  # 2023 report: "On demand"
            (Band.HIGH, 1 / 7, "between once per day and once per week"),
            (Band.MEDIUM, 1 / 30, "between once per week and once per month"),
            # 2023 low cluster: also "between once per week and once per month"; below it: low.
        ),
        lead_time=(
            (Band.ELITE, DAY, "less than one day"),
            (Band.HIGH, WEEK, "between one day and one week"),
            (Band.MEDIUM, MONTH, "between one week and one month"),
        ),
        failure_rate=(
            (Band.ELITE, 0.05, "5%"),
            (Band.HIGH, 0.10, "10%"),
            (Band.MEDIUM, 0.15, "15%"),
            (Band.LOW, 0.64, "64%"),
        ),
        recovery=(
            (Band.ELITE, HOUR, "less than one hour"),
            (Band.HIGH, DAY, "less than one day"),
            (Band.MEDIUM, WEEK, "between one day and one week"),
        ),
    ),
    2024: BandTable(
        year=2024,
        frequency=(
            (Band.ELITE, 1.0, "on demand (multiple deploys per day)"),
            (Band.HIGH, 1 / 7, "between once per day and once per week"),
            (Band.MEDIUM, 1 / 30, "between once per week and once per month"),
            (Band.LOW, 1 / 182, "between once per month and once every six months"),
        ),
        lead_time=(
            (Band.ELITE, DAY, "less than one day"),
            (Band.HIGH, WEEK, "between one day and one week"),
            (Band.MEDIUM, MONTH, "between one week and one month"),
            (Band.LOW, 6 * MONTH, "between one month and six months"),
        ),
        failure_rate=(
            (Band.ELITE, 0.05, "5%"),
            (Band.HIGH, 0.20, "20%"),
            (Band.MEDIUM, 0.10, "10%"),  # below high's 20 %: never reached (see module doc)
            (Band.LOW, 0.40, "40%"),
        ),
        recovery=(
            (Band.ELITE, HOUR, "less than one hour"),
            (Band.HIGH, DAY, "less than one day"),
            (Band.MEDIUM, DAY, "less than one day"),  # same as high in the 2024 report
            (Band.LOW, MONTH, "between one week and one month"),
        ),
    ),
}
DEFAULT_YEAR = 2024


def table(year: int) -> BandTable:
    """The band table of a report year; unknown years are a usage error naming the known ones."""
    try:
        return BAND_TABLES[year]
    except KeyError:
        known = ", ".join(str(y) for y in sorted(BAND_TABLES))
        raise ValueError(f"no DORA band table for {year} (known report years: {known})") from None


def frequency_band(tab: BandTable, per_day: float) -> Band:
    for band, floor, _ in tab.frequency:
        if per_day >= floor:
            return band
    return Band.LOW


def lead_time_band(tab: BandTable, median: timedelta) -> Band:
    for band, ceiling, _ in tab.lead_time:
        if median < ceiling:
            return band
    return Band.LOW


def failure_rate_band(tab: BandTable, rate: float) -> Band:
    for band, ceiling, _ in tab.failure_rate:
        if rate <= ceiling:
            return band
    return Band.LOW


def recovery_band(tab: BandTable, median: timedelta) -> Band:
    for band, ceiling, _ in tab.recovery:
        if median < ceiling:
            return band
    return Band.LOW
