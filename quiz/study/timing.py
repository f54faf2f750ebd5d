"""The learner's study day: it starts at 4 am in their own time zone (as in Anki), so a session
that runs past midnight still counts toward the evening it started in."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_START_HOUR = 4


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@functools.lru_cache(maxsize=64)
def day_bounds(*, now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The learner's current study day as [start, end) in UTC: 4 am to 4 am local time.
    Remembered for a few instants: one request asks for its `now` several times."""
    tz = zone(timezone)
    local = now.astimezone(tz)
    day = local.date() if local.hour >= DAY_START_HOUR else local.date() - timedelta(days=1)
    start = datetime.combine(day, time(DAY_START_HOUR), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(DAY_START_HOUR), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local calendar day starts (a DST gap at midnight moves it on)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_starts(*, first: date, days: int, tz: ZoneInfo) -> list[datetime]:
    """The UTC instants local days `first` … `first + days` start: `days` days' bounds."""
    return [local_midnight(first + timedelta(days=i), tz) for i in range(days + 1)]
