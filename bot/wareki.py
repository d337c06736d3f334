"""Japanese era (和暦) dates, e.g. 令和8年11月18日, for documents city halls file."""

from __future__ import annotations

from datetime import date, datetime

# (first day, era name); newest first. Dates before Meiji 6 (the Gregorian calendar) are shown in 西暦.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1873, 1, 1), "明治"),
)
WEEKDAYS_JA = "月火水木金土日"


def era_year(day: date) -> tuple[str, int] | None:
    """The era name and year of a date (None before 1873)."""
    for start, name in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
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
