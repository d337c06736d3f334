"""Sandboxed Jinja2 environment, date filters and the rendering context for playbooks and drafts.

User-provided strings (answers, report text, URLs) only ever enter templates as variables; template
sources come from the playbook files alone. A value not given yet renders as a placeholder such as
「（未入力: 訂正内容）」 and is falsy, so templates can test it with `{% if answers.x %}`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from jinja2 import StrictUndefined, meta, nodes, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from bot.clock import WEEKDAYS_EN, WEEKDAYS_JA
from bot.triage.profiles import Profile
from bot.wareki import wareki_date

JST = timezone(timedelta(hours=9), "JST")
# Names a template or `when` expression may use; anything else is a typo caught at load.
CONTEXT_NAMES = frozenset(
    {
        "incident",
        "profile",
        "sections",
        "answers",
        "chosen",
        "severity",
        "now",
        "locale",
        "municipality",
        "guideline_title",
        "report_to",
        "residents",
    }
)
INCIDENT_FIELDS: dict[str, tuple[str, str]] = {
    "ref": ("管理番号", "reference"),
    "kind": ("種別", "kind"),
    "kind_label": ("種別", "kind"),
    "severity": ("深刻度", "severity"),
    "severity_label": ("深刻度", "severity"),
    "source_url": ("投稿のURL", "post URL"),
    "platform": ("サービス名", "platform"),
    "department": ("担当課", "department"),
    "reported_at": ("報告日時", "reported at"),
    "reporter_name": ("報告者", "reporter"),
}


# Incident fields taken from an intake answer when the incident itself lacks them.
ANSWER_FALLBACKS = {"source_url": "post_url", "platform": "platform", "department": "department"}


class Missing(str):
    """A placeholder for a value not given yet: renders as its text, tests as false."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False


def missing(label: str, locale: str) -> Missing:
    """The placeholder for an unanswered field, e.g. 「（未入力: 訂正内容）」."""
    return Missing(f"(not provided: {label})" if locale == "en" else f"（未入力: {label}）")


def _present(value: Any) -> bool:
    return (
        value is not None
        and not isinstance(value, Missing)
        and not (isinstance(value, str) and not value.strip())
    )


class Answers:
    """Answers given so far by input id; a missing or empty answer reads as a Missing placeholder."""

    __slots__ = ("_labels", "_locale", "_values")

    def __init__(self, values: Mapping[str, Any], labels: Mapping[str, str], locale: str) -> None:
        self._values = {str(k): str(v) for k, v in values.items() if v is not None}
        self._labels = dict(labels)
        self._locale = locale

    def __getitem__(self, key: str) -> str:
        value = self._values.get(key)
        if _present(value):
            return value  # type: ignore[return-value]
        return missing(self._labels.get(key, key), self._locale)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _present(self._values.get(key))

    def __iter__(self) -> Any:
        return iter(self._values)


class ChosenLabels:
    """The localized label of each choice answer (answers.press == 'yes' → chosen.press == 'あり…')."""

    __slots__ = ("_answers", "_choices")

    def __init__(self, answers: Answers, choices: Mapping[str, Mapping[str, str]]) -> None:
        self._answers = answers
        self._choices = choices

    def __getitem__(self, key: str) -> str:
        value = self._answers[key]
        if not value:
            return value
        return self._choices.get(key, {}).get(value, value)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]


class IncidentFields:
    """The incident as templates see it; unset fields read as Missing placeholders."""

    __slots__ = ("_locale", "_values")

    def __init__(self, source: Any, locale: str, answers: Mapping[str, Any] | None = None) -> None:
        values: dict[str, Any] = {}
        for name in INCIDENT_FIELDS:
            if isinstance(source, Mapping):
                values[name] = source.get(name)
            else:
                values[name] = getattr(source, name, None)
        # The intake answers fill in what the report did not give, and correct it when the reporter changed it.
        for name, answer_id in ANSWER_FALLBACKS.items():
            if answers and _present(answers.get(answer_id)):
                values[name] = str(answers[answer_id])
        self._values = values
        self._locale = locale

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in INCIDENT_FIELDS:
            raise AttributeError(name)
        value = self._values.get(name)
        if _present(value):
            return value
        ja, en = INCIDENT_FIELDS[name]
        return missing(en if self._locale == "en" else ja, self._locale)

    def __getitem__(self, name: str) -> Any:
        try:
            return self.__getattr__(name)
        except AttributeError:
            raise KeyError(name) from None


def _as_jst(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.replace(tzinfo=JST) if value.tzinfo is None else value).astimezone(JST)
    return value


def _wants_wareki(ctx: Context) -> bool:
    profile = ctx.get("profile")
    return getattr(profile, "date_style", "gregorian") == "wareki"


@pass_context
def jdate(ctx: Context, value: Any) -> str:
    """A date as 令和8年11月20日 / 2026年11月20日 (ja, by the profile's date_style) or 2026-11-20 (en)."""
    value = _as_jst(value)
    if not isinstance(value, date):
        return str(value)
    if ctx.get("locale") == "en":
        return value.strftime("%Y-%m-%d")
    if _wants_wareki(ctx):
        return wareki_date(value)
    return f"{value.year}年{value.month}月{value.day}日"


@pass_context
def jdatetime(ctx: Context, value: Any) -> str:
    """A time with its weekday, as the records give it: 令和8年11月20日（金）14:05 or Fri 2026-11-20 14:05 JST."""
    value = _as_jst(value)
    if not isinstance(value, datetime):
        return jdate(ctx, value)
    if ctx.get("locale") == "en":
        return f"{WEEKDAYS_EN[value.weekday()]} {value:%Y-%m-%d %H:%M} JST"
    return f"{jdate(ctx, value)}（{WEEKDAYS_JA[value.weekday()]}）{value.hour:02d}:{value.minute:02d}"


def make_environment() -> SandboxedEnvironment:
    """A sandboxed, strict environment with the date filters; no loader, sources are passed in."""
    env = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["jdate"] = jdate
    env.filters["jdatetime"] = jdatetime
    return env


def undeclared_names(env: SandboxedEnvironment, source: str) -> set[str]:
    """Variables a template uses that no context key provides."""
    return set(meta.find_undeclared_variables(env.parse(source))) - CONTEXT_NAMES


def answer_ids_used(env: SandboxedEnvironment, source: str) -> set[str]:
    """Answer ids a template or expression reads as answers.x, answers['x'] or chosen.x."""
    used: set[str] = set()
    for node in env.parse(source).find_all((nodes.Getattr, nodes.Getitem)):
        target = node.node
        if not (isinstance(target, nodes.Name) and target.name in ("answers", "chosen")):
            continue
        if isinstance(node, nodes.Getattr):
            used.add(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            used.add(node.arg.value)
    return used


def expression_source(expression: str) -> str:
    """Wrap a `when` expression so the template parser can analyse it."""
    return "{{ (" + expression + ") }}"


def report_to(profile: Profile, locale: str) -> str:
    """The sections told first, joined: 所属課局長及び総務課 / the X and the Y."""
    return profile.first_recipients(locale)


def build_context(
    context: Mapping[str, Any],
    profile: Profile,
    locale: str,
    answer_labels: Mapping[str, str],
    choices: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """The full rendering context from what the core passes; see bot/triage/playbook.py for the keys."""
    raw_answers = context.get("answers") or {}
    incident = IncidentFields(context.get("incident") or {}, locale, raw_answers)
    severity = context.get("severity") or incident.severity
    now = context.get("now")
    answers = Answers(raw_answers, answer_labels, locale)
    return {
        "incident": incident,
        "profile": profile,
        "sections": profile.section_names(locale),
        "report_to": report_to(profile, locale),
        "answers": answers,
        "chosen": ChosenLabels(answers, choices),
        "severity": str(severity) if _present(severity) else severity,
        "now": _as_jst(now) if isinstance(now, datetime) else datetime.now(JST),
        "locale": locale,
        "municipality": profile.name_for(locale),
        "residents": profile.residents.get(locale),
        "guideline_title": profile.guideline.title,
    }


def sample_context(kind: str, kind_label: str, answers: Mapping[str, str]) -> dict[str, Any]:
    """A realistic context used to try-render every template at load time."""
    reported = datetime(2026, 11, 20, 14, 5, tzinfo=JST)
    return {
        "incident": {
            "ref": "INC-0000",
            "kind": kind,
            "kind_label": kind_label,
            "severity": "high",
            "severity_label": "高",
            "source_url": "https://x.com/example/status/1",
            "platform": "X",
            "department": "広報広聴課",
            "reported_at": reported,
            "reporter_name": "試験 太郎",
        },
        "answers": dict(answers),
        "severity": "high",
        "now": reported + timedelta(minutes=30),
    }


def labels_for(inputs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """An id → label map, the first label for an id winning."""
    labels: dict[str, str] = {}
    for key, label in inputs:
        labels.setdefault(key, label)
    return labels
