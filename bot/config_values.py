"""app.yaml values read as people write them: clock times, holidays, weekdays, and Slack ids (not names)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from bot import identity

_SLACK_ID = re.compile(r"[A-Z0-9][A-Z0-9_]*")  # Slack ids are capital letters and digits (tests add _)


def slack_id(value: str) -> str:
    """A Slack channel, user or group id as written; a name (#…, @…) is refused."""
    # Events carry ids only: a channel name here would never match, and reports posted in that channel would be
    # taken for ordinary channel talk without a word. Another platform's prefix is left to config_ids to refuse.
    owner, rest = identity.split(value)
    if owner in (None, "slack") and not _SLACK_ID.fullmatch(rest):
        raise PydanticCustomError(
            "slack_id_format", "a Slack id (channel C…/G…, user U…/W…, user group S…: capital letters, digits) "
            "was expected; a channel or display name (#…, @…) never matches")
    return value


SlackId = Annotated[str, AfterValidator(slack_id)]


def clock_time(value: Any) -> Any:
    """A clock time as written: 9:00 and full-width ９：００ read as 09:00; a bare number is refused."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        return "0" + text if re.fullmatch(r"\d:\d\d(:\d\d)?", text) else text
    if isinstance(value, int | float) and not isinstance(value, bool):
        # pydantic would read 9 as nine seconds past midnight, UTC
        raise PydanticCustomError("clock_time", "write a time of day as HH:MM, e.g. 09:00")
    return value


ClockTime = Annotated[dt.time, BeforeValidator(clock_time)]


def holiday(value: Any) -> str:
    """A holiday as YYYY-MM-DD: YAML's own date (unquoted 2026-12-29), 2026/12/29 and full-width digits too."""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("/", "-")
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        year, month, day = (int(part) for part in text.split("-"))
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            pass  # 2026-02-30 and the like: the same message as any other mistake
    raise PydanticCustomError("holiday_format", "holiday '{day}' is not YYYY-MM-DD", {"day": value})


Holiday = Annotated[str, BeforeValidator(holiday)]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ENGLISH = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Every way app.yaml may name a day (lower-cased, NFKC): mon, monday, 月, 月曜, 月曜日 … -> mon.
_DAY_NAMES = {name: short for short, english, kanji in zip(WEEKDAYS, _ENGLISH, "月火水木金土日", strict=True)
              for name in (short, english, kanji, f"{kanji}曜", f"{kanji}曜日")}


def weekday(value: Any) -> Any:
    """A day of the week as mon…sun: 月・月曜・月曜日 and Monday/MON read too."""
    if not isinstance(value, str):
        return value
    return _DAY_NAMES.get(unicodedata.normalize("NFKC", value).strip().lower(), value)


def weekday_number(value: Any) -> Any:
    """An office weekday as 0 (Monday) … 6 (Sunday): 月・mon・Monday read too."""
    day = weekday(value)
    return WEEKDAYS.index(day) if isinstance(day, str) and day in WEEKDAYS else value


OfficeDay = Annotated[int, BeforeValidator(weekday_number)]
