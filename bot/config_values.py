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


_JA_TIME = re.compile(r"(午前|午後)?(\d{1,2})時(?:(\d{1,2})分|(半))?")


def clock_time(value: Any) -> Any:
    """A clock time as written: 9:00, full-width ９：００, 9時, 9時30分, 8時半 and 午後5時 read as HH:MM; a bare
    number is refused."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        spoken = _JA_TIME.fullmatch(text)
        if spoken:
            noon, hour, minute, half = spoken.groups()
            hour_number = int(hour) + (12 if noon == "午後" and int(hour) < 12 else 0)
            text = f"{hour_number}:{30 if half else int(minute or 0):02d}"
        return "0" + text if re.fullmatch(r"\d:\d\d(:\d\d)?", text) else text
    if isinstance(value, int | float) and not isinstance(value, bool):
        # pydantic would read 9 as nine seconds past midnight, UTC
        raise PydanticCustomError("clock_time", "write a time of day as HH:MM, e.g. 09:00")
    return value


ClockTime = Annotated[dt.time, BeforeValidator(clock_time)]


def holiday(value: Any) -> str:
    """A holiday as YYYY-MM-DD: YAML's own date (unquoted 2026-12-29), 2026/12/29, 2026年12月29日 and full-width
    digits too."""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("/", "-")
    text = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", r"\1-\2-\3", text)  # 2026年8月14日
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


def weekday_list(value: Any) -> Any:
    """Office days as one text: 月〜金 (a range) or 月、火、水 (a list) read as the list of days."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    span = re.fullmatch(r"(\S+?)\s*[〜~\-ー]\s*(\S+)", text)
    if span:
        first, last = (weekday_number(day) for day in span.groups())
        if isinstance(first, int) and isinstance(last, int) and first <= last:
            return list(range(first, last + 1))
    return [day for day in re.split(r"[、,・\s]+", text) if day]


OfficeDays = Annotated[list[OfficeDay], BeforeValidator(weekday_list)]


# Other units a field's number is written in, as many of the field's own unit (1時間 = 60 分): named in the refusal.
_OTHER_UNITS = {"分": {"時間": 60, "日": 24 * 60, "日間": 24 * 60}, "時間": {"日": 24, "日間": 24}}
_ENGLISH_UNITS = {"分": "minutes", "時間": "hours"}


def number(unit: str) -> Any:
    """A whole number as written: full-width ６０ and the field's own unit (30分 for minutes) read as 60 and 30;
    another unit (1時間 for minutes) is refused with the number to write rather than read in the wrong unit."""
    own = unit.split("|")[0]

    def read(value: Any) -> Any:
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
            found = re.fullmatch(rf"([+-]?\d+)\s*(?:{unit})?", text)
            if found:
                return int(found.group(1))
            other = re.fullmatch(r"(\d+)\s*(時間|日間|日)", text)
            if other and other.group(2) in _OTHER_UNITS.get(own, {}):
                meant = int(other.group(1)) * _OTHER_UNITS[own][other.group(2)]
                raise PydanticCustomError("other_unit", "write it in {unit_en} as a number: {written} is {meant}",
                                          {"unit": own, "unit_en": _ENGLISH_UNITS[own], "written": value,
                                           "meant": meant})
            if re.match(r"\d", text) and own in _OTHER_UNITS:
                raise PydanticCustomError("other_unit_plain", "write it in {unit_en} as a whole number",
                                          {"unit": own, "unit_en": _ENGLISH_UNITS[own]})
        return value

    return BeforeValidator(read)


Minutes = Annotated[int, number("分|分間")]
Seconds = Annotated[int, number("秒|秒間")]
Hours = Annotated[int, number("時間")]
Days = Annotated[int, number("日|日間")]
Times = Annotated[int, number("回")]
Items = Annotated[int, number("件")]
_YES = {"はい", "する", "有効", "true", "yes", "on"}
_NO = {"いいえ", "しない", "無効", "false", "no", "off"}


def flag(value: Any) -> Any:
    """A yes/no as written: はい・いいえ (and full-width ｔｒｕｅ) read as true and false."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lower()
        return True if text in _YES else False if text in _NO else value
    return value


Flag = Annotated[bool, BeforeValidator(flag)]
