"""Weekly incident summary: build it from the database, render it from a Jinja2 template (ja first)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import JST, MONTHS_EN, WEEKDAYS_EN, WEEKDAYS_JA, format_day
from bot.i18n import Catalog
from bot.triage.escalation import EscalationPlan, OfficeCalendar
from bot.triage.summary_metrics import attention, week_metrics
from bot.triage.summary_model import AttentionItem, BadWeek, IsoWeek, Month, Period, WeeklySummary, parse_period
from bot.wareki import era_year, wareki_date

__all__ = ["BadWeek", "IsoWeek", "Month", "Raw", "WeeklySummary", "build_summary", "climb_name", "platform_label",
           "render_summary", "render_summary_sections", "summary_period"]

DEFAULT_STALE_HOURS = 72
DEFAULT_ATTENTION_LIMIT = 20
SECTION_LIMIT = 3000  # Slack: a section block's text
SECTION_MARK = "---8<---"
LABEL_MAX = 40
MONTH_NAMES_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")
KIND_ORDER = ("flaming", "impersonation", "misinformation", "leak", "account_takeover")


class Raw(str):
    """Text already in the target markup (e.g. a platform link): the escape function leaves it alone."""

    __slots__ = ()


def build_summary(sessions: sessionmaker[Session], week: Period, now: datetime, *,
                  stale_hours: int = DEFAULT_STALE_HOURS,
                  attention_limit: int = DEFAULT_ATTENTION_LIMIT,
                  calendar: OfficeCalendar | None = None, date_style: str = "gregorian",
                  climb_to: str = "") -> WeeklySummary:
    """Metrics for `week` (or a Month) and the one before, plus what still needs attention at `now`, in one read;
    `calendar`: the escalation's office hours, to count the time to acknowledge in them too; `date_style`: the
    profile's (wareki: the period is dated 令和8年…, as the city hall's documents are); `climb_to`: climb_name."""
    with sessions.begin() as session:
        current = week_metrics(session, week, calendar)
        previous = week_metrics(session, week.previous(), calendar)
        items, total, restricted = attention(session, now, timedelta(hours=stale_hours), attention_limit)
    seen = set(current.by_kind) | set(previous.by_kind)
    kinds = tuple(k for k in KIND_ORDER if k in seen) + tuple(sorted(seen - set(KIND_ORDER)))
    return WeeklySummary(week=str(week), generated_at=now, current=current, previous=previous,
                         attention=tuple(items), attention_total=total, attention_restricted=restricted,
                         stale_hours=stale_hours, kinds=kinds, date_style=date_style,
                         closed_days=_closed_weekdays(week, calendar), climb_to=climb_to)


def climb_name(plan: EscalationPlan) -> str:
    """Who an unacknowledged incident's climb tells besides the first recipients (所属長), in the municipality's
    words; "" when app.yaml sets no further level (then nothing ever climbs, there are only re-notices)."""
    return plan.levels[1].section_name if len(plan.levels) > 1 else ""


def _closed_weekdays(week: Period, calendar: OfficeCalendar | None) -> tuple[str, ...]:
    """The week's working weekdays the office was closed: they explain a slow acknowledgement (weekends do not)."""
    if calendar is None:
        return ()
    return tuple(day.isoformat() for day in week.days() if day.weekday() in calendar.weekdays
                 and calendar.closed_on(day))


# -- rendering -------------------------------------------------------------------------------------------
def _load_template(name: str) -> str:
    return resources.files("bot").joinpath("templates", name).read_text(encoding="utf-8")


def _environment(escape: Callable[[str], str]) -> Environment:
    def finalize(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Raw):
            return value
        return escape(str(value))

    # bandit B701: the output is chat text, not HTML; user-supplied values are escaped for the chat by `finalize`.
    env = Environment(loader=FunctionLoader(_load_template), undefined=StrictUndefined, autoescape=False,  # nosec B701
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, finalize=finalize)
    return env


def period_label(week: str, locale: str, date_style: str = "gregorian") -> str:
    """The week as dates, not its ISO number (2026-W49): 2026年11月30日（月）〜12月6日（日）, or 令和8年… when the
    profile dates in 和暦, the year again only when it changes; what a city hall's calendar shows (「12月第1週」
    reads differently for a week across months)."""
    period = parse_period(week)
    days = period.days()
    first, last = days[0], days[-1]
    if isinstance(period, Month):  # 令和8年11月 / November 2026: a month is named, not dated
        if locale == "en":
            return f"{MONTH_NAMES_EN[first.month - 1]} {first.year}"
        return wareki_date(first).removesuffix("1日") if date_style == "wareki" else f"{first.year}年{first.month}月"
    if locale == "en":
        return f"{format_day(first, locale)} – {format_day(last, locale)}"

    def full(day: date) -> str:
        return wareki_date(day, weekday=True) if date_style == "wareki" else format_day(day, locale)

    ends = f"{last.month}月{last.day}日（{WEEKDAYS_JA[last.weekday()]}）"
    same_year = era_year(last) == era_year(first) if date_style == "wareki" else last.year == first.year
    return f"{full(first)}〜{ends if same_year else full(last)}"


def summary_period(summary: WeeklySummary, locale: str) -> str:
    """The summary's week as period_label shows it, in the summary's date style."""
    return period_label(summary.week, locale, summary.date_style)


def _short_day(day: date, locale: str) -> str:
    """11月23日（月） / Mon 23 Nov."""
    if locale == "en":
        return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}"
    return f"{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"


def _jtime(value: datetime, locale: str) -> str:
    """A moment in Japan time with its weekday: 11月22日（日）23:50 / Sun 22 Nov 23:50."""
    local = value.astimezone(JST)
    if locale == "en":
        return f"{WEEKDAYS_EN[local.weekday()]} {local.day} {MONTHS_EN[local.month - 1]} {local:%H:%M}"
    return f"{local.month}月{local.day}日（{WEEKDAYS_JA[local.weekday()]}）{local:%H:%M}"


def format_minutes(minutes: float | None, locale: str) -> str:
    """A duration for people: 25分 / 1時間10分 / 2日3時間 (en: 25 min / 1 h 10 min / 2 d 3 h)."""
    if minutes is None:
        return "—"
    whole = round(minutes)
    if whole < 1:
        return "<1 min" if locale == "en" else "1分未満"
    days, rest = divmod(whole, 24 * 60)
    hours, mins = divmod(rest, 60)
    units = (" d", " h", " min") if locale == "en" else ("日", "時間", "分")
    # The two largest units that apply, dropping a trailing zero: 1日, 1日1時間, 1時間, 1時間18分, 25分.
    parts = [(days, units[0]), (hours, units[1])] if days else [(hours, units[1]), (mins, units[2])]
    if not parts[0][0]:
        parts = parts[1:]
    if len(parts) == 2 and not parts[1][0]:
        parts = parts[:1]
    return (" " if locale == "en" else "").join(f"{value}{unit}" for value, unit in parts)


def _delta(current: int, previous: int) -> str:
    diff = current - previous
    return f"+{diff}" if diff > 0 else ("±0" if diff == 0 else f"−{-diff}")


def platform_label(catalog: Catalog, value: str) -> str:
    """A platform's label whichever case it was stored in (a URL gives "X", a typed answer "x")."""
    key = value.casefold()
    label = catalog.label("summary.platform", key)
    return value if label == key else label  # an unknown service keeps the spelling it was given


def _short(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[:LABEL_MAX - 1] + "…"


def _context(summary: WeeklySummary, catalog: Catalog,
             link: Callable[[AttentionItem], str]) -> dict[str, Any]:
    locale = catalog.locale
    week = parse_period(summary.week)
    span = "month" if isinstance(week, Month) else "week"
    days = week.days()

    def label(group: str, value: str) -> str:
        if group == "department" and value == "unknown":  # nobody gave one: not a section nobody knows
            return catalog.t("summary.bucket.department_unknown")
        if group in ("platform", "department") and value in ("restricted", "unknown"):
            return catalog.t(f"summary.bucket.{value}")
        if group == "platform":
            return _short(platform_label(catalog, value))
        if group == "department":
            return _short(value)
        if group == "status_group":
            return catalog.t(f"summary.status_group.{value}")
        if group == "reason":
            return catalog.t(f"summary.reason.{value}", hours=summary.stale_hours)
        return catalog.label(group, value)

    def counts(mapping: dict[str, int], group: str, all: bool = False) -> str:
        parts = [f"{label(group, name)} {n}件" if locale == "ja" else f"{label(group, name)} {n}"
                 for name, n in mapping.items() if n or all]
        return ("、" if locale == "ja" else ", ").join(parts) or "—"

    def reasons(item: AttentionItem) -> str:
        return ("、" if locale == "ja" else ", ").join(label("reason", r) for r in item.reasons)

    return {
        "s": summary, "cur": summary.current, "prev": summary.previous, "week": week,
        "u": {word: catalog.t(f"summary.span.{span}.{word}") for word in ("title", "prev", "this", "that", "of")},
        "hours": catalog.t(f"summary.span.{span}.hours", first=_short_day(days[0], locale),
                           last=_short_day(days[-1], locale)),
        "period": summary_period(summary, locale),
        # The title has this week's dates; the period line names the week compared with.
        "previous_period": period_label(summary.previous.week, locale, summary.date_style),
        "counts": counts, "reasons": reasons,
        "label": label, "link": link, "delta": _delta,
        "jdate": lambda value: format_day(value, locale), "jtime": lambda value: _jtime(value, locale),
        "closed_days": ("、" if locale == "ja" else ", ").join(_short_day(date.fromisoformat(day), locale)
                                                                for day in summary.closed_days),
        "dur": lambda minutes: format_minutes(minutes, locale),
        "climb": (catalog.t("summary.climb.named", section=summary.climb_to) if summary.climb_to
                  else catalog.t("summary.climb.none")),
    }


def render_summary_sections(summary: WeeklySummary, catalog: Catalog, *,
                            escape: Callable[[str], str] = lambda text: text,
                            link: Callable[[AttentionItem], str] | None = None,
                            limit: int = SECTION_LIMIT) -> list[str]:
    """The summary as chunks of at most `limit` characters, split between sections, then between lines.

    `escape` is applied to every value put into the template (e.g. Slack's &, <, >); `link` turns an
    incident into a reference in the target markup (wrap it in Raw to keep it from being escaped).
    """
    env = _environment(escape)
    template = env.get_template(f"summary.{catalog.locale}.j2")
    text = template.render(_context(summary, catalog, link or (lambda item: item.ref)))
    sections = [part.strip("\n") for part in text.split(SECTION_MARK)]
    chunks: list[str] = []
    for section in (s for s in sections if s.strip()):
        if chunks and len(chunks[-1]) + 2 + len(section) <= limit:
            chunks[-1] += "\n\n" + section
            continue
        chunks.extend(_split_lines(section, limit))
    return chunks


def _split_lines(section: str, limit: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for line in section.split("\n"):
        while len(line) > limit:  # a single overlong line is cut hard
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def render_summary(summary: WeeklySummary, catalog: Catalog, *,
                   escape: Callable[[str], str] = lambda text: text,
                   link: Callable[[AttentionItem], str] | None = None) -> str:
    """The whole summary as one text (plain by default)."""
    return "\n\n".join(render_summary_sections(summary, catalog, escape=escape, link=link,
                                               limit=10**9)) + "\n"
