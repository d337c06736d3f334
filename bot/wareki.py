"""Japanese era (和暦) dates, e.g. 令和8年11月18日, for documents city halls file."""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import WEEKDAYS_JA

# (first day shown in the era, era name, the era's first year); newest first. Japan took the Gregorian calendar
# on Meiji 6-01-01 (1873); earlier dates are shown in 西暦 rather than converted to the old calendar.
ERAS: tuple[tuple[date, str, int], ...] = (
    (date(2019, 5, 1), "令和", 2019),
    (date(1989, 1, 8), "平成", 1989),
    (date(1926, 12, 25), "昭和", 1926),
    (date(1912, 7, 30), "大正", 1912),
    (date(1873, 1, 1), "明治", 1868),
)


def era_year(day: date) -> tuple[str, int] | None:
    """The era name and year of a date (None before 1873)."""
    for start, name, first_year in ERAS:
        if day >= start:
            return name, day.year - first_year + 1
    return None


def wareki_date(day: date | datetime, *, weekday: bool = False) -> str:
    """A date in 和暦, e.g. 令和8年11月18日 or 令和元年5月1日（水）."""
    plain = day.date() if isinstance(day, datetime) else day
    found = era_year(plain)
    if found is None:
        text = f"{plain.year}年{plain.month}月{plain.day}日"
    else:
        name, year = found
        text = f"{name}{'元' if year == 1 else year}年{plain.month}月{plain.day}日"
    return f"{text}（{WEEKDAYS_JA[plain.weekday()]}）" if weekday else text
