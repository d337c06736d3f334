"""One readable sentence per timeline event: who did what, from what to what, when (Asia/Tokyo, with the date)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.clock import WEEKDAYS_EN, WEEKDAYS_JA, to_jst
from bot.i18n import Catalog
from bot.triage.access import AccessPolicy
from bot.triage.playbook import PlaybookLibrary
from bot.triage.playbook_sources import own_setting_basis
from bot.triage.profiles import Profile
from bot.triage.queries import TimelineEntry
from bot.triage.summary import platform_label
from bot.wareki import wareki_date

if TYPE_CHECKING:
    from bot.triage.core import CoreDeps

AUTOMATIC_ACTORS = {"bot": "records.actor.bot", "retention": "records.actor.retention"}
# Events whose sentence template exists; any other type gets the neutral fallback sentence.
KNOWN_TYPES = frozenset({
    "reported", "classified", "merged_report", "kind_corrected", "restricted", "step_completed", "step_skipped",
    "severity_changed", "details_changed", "status_changed", "notified", "acknowledged", "escalated",
    "delivery_failed", "notify_failed", "access_denied", "note", "merged", "erased", "review_recorded",
    "role_granted", "reported_again", "notice_resent", "classifier_example", "notice_deferred", "notice_queued",
    "followup",
})
# Section messages whose clauses are the notice's: the notice itself, escalated or drawn again (kind or URL changed).
NOTICES = ("notified", "escalated")
REDRAWN = ("kind_corrected", "url_changed")
# Events that always carry a payload: an empty one on an erased incident means retention removed it.
PAYLOAD_TYPES = KNOWN_TYPES - {"acknowledged", "merged_report", "reported_again", "notice_deferred"}


@dataclass(frozen=True)
class Line:
    """One event, readable: the sentence and the plain columns of the CSV and Excel exports."""

    seq: int
    type: str
    at: datetime
    when: str  # the date and time as shown in the sentence
    event: str  # the event's label, e.g. 状態の変更
    actor: str
    text: str  # the sentence without the time
    old: str
    new: str
    clauses: str
    sentence: str  # the whole sentence: the time, then the text
    step_id: str | None = None
    kind: str | None = None  # the incident's kind when the event happened
    erased: bool = False  # the payload was erased after the retention period
    reason: str = ""  # why a further notice was sent (notice_resent), in words


def format_when(value: datetime, locale: str, calendar: str = "western") -> str:
    """A date and time in Asia/Tokyo with its weekday (whether it was a Sunday night is part of the record):
    令和8年12月6日（日）20:00, 2026年12月6日（日）20:00 or Sun 2026-12-06 20:00 JST."""
    local = to_jst(value)
    if locale != "ja":
        return f"{WEEKDAYS_EN[local.weekday()]} {local:%Y-%m-%d %H:%M} JST"
    day = wareki_date(local) if calendar == "wareki" else f"{local.year}年{local.month}月{local.day}日"
    return f"{day}（{WEEKDAYS_JA[local.weekday()]}）{local:%H:%M}"


def default_calendar(locale: str, date_style: str = "wareki") -> str:
    """和暦 for Japanese documents of a profile dated in 和暦 (every built-in profile), else 西暦; 西暦 in English."""
    return "wareki" if locale == "ja" and date_style == "wareki" else "western"


def mark_suspect(lines: Sequence[Line], suspect: Collection[int], catalog: Catalog) -> list[Line]:
    """The lines with the rows the chain no longer vouches for marked at the start of their text (rows show no seq)."""
    mark = catalog.t("records.tampered_row")
    return [replace(line, text=mark + line.text, sentence=mark + line.sentence) if line.seq in suspect else line
            for line in lines]


def step_sources(library: PlaybookLibrary, profile: Profile, catalog: Catalog, kind: str,
                 step_id: str) -> tuple[str, tuple[str, ...]]:
    """A step's title and its guideline citations for the profile (general rule labelled as such)."""
    locale = catalog.locale
    try:
        step = library.playbook(kind).step(step_id)
    except KeyError:
        return step_id, ()
    base = profile.base or profile.id
    if base in step.clauses:
        return step.label(locale, base), tuple(profile.cite(k, locale) for k in step.clauses[base])
    fallback = step.fallback.get(base)
    if fallback is not None and fallback.own:  # as the chat says (bot/triage/playbook_sources.py)
        return step.label(locale, base), (own_setting_basis(profile, locale),)
    if fallback is not None and fallback.clauses:
        return step.label(locale, base), tuple(profile.cite(k, locale) for k in fallback.clauses)
    if fallback is not None and fallback.practice:  # as the chat says: no clause of the guideline is its basis
        guideline = profile.guideline
        prefix = guideline.citation_prefix_en if locale == "en" else guideline.citation_prefix
        return step.label(locale, base), (catalog.t("records.general_practice", prefix=prefix),)
    return step.label(locale, base), tuple(catalog.t("records.general_rule", citation=profile.cite(k, locale))
                                     for k in profile.general_rule.clauses)


class Describer:
    """Turns timeline entries into Lines for one incident, profile and locale."""

    def __init__(self, catalog: Catalog, profile: Profile | None, library: PlaybookLibrary | None,
                 access: AccessPolicy | None, *, names: Mapping[str, str] | None = None,
                 calendar: str = "western", hidden: bool = False, withhold_text: bool = False) -> None:
        self.catalog = catalog
        self.profile = profile
        self.library = library
        self.access = access or AccessPolicy()
        self.names = dict(names or {})
        self.calendar = calendar
        # A viewer who may not see a restricted incident's details is shown no one: an id names a leak's
        # reporter as well as a name does.
        self.hidden = hidden
        # A leak's report: typed answers are as likely as its notes to hold what leaked (names, numbers).
        self.withhold_text = withhold_text

    @classmethod
    def for_deps(cls, deps: CoreDeps, *, names: Mapping[str, str] | None = None,
                 calendar: str | None = None, hidden: bool = False) -> Describer:
        """A describer with the running profile, playbooks and roles (dated as the profile dates by default)."""
        chosen = calendar or default_calendar(deps.catalog.locale, deps.profile.date_style)
        return cls(deps.catalog, deps.profile, deps.library, deps.access, names=names, calendar=chosen,
                   hidden=hidden)

    @classmethod
    def bare(cls, catalog: Catalog) -> Describer:
        """A describer without profile or playbooks: sections and steps are named by their ids."""
        return cls(catalog, None, None, None)

    def actor(self, user_id: str) -> str:
        """A person's name (or id) with their role, or the automatic actor's label."""
        cat = self.catalog
        if user_id in AUTOMATIC_ACTORS:
            return cat.t(AUTOMATIC_ACTORS[user_id])
        name = cat.t("records.actor.hidden") if self.hidden else self.names.get(user_id) or user_id
        roles = self.access.roles_of(user_id)
        role = ("records.actor.role_pr" if "pr" in roles else
                "records.actor.role_security" if "security" in roles else None)
        return cat.t("records.actor.with_role", name=name, role=cat.t(role)) if role else name

    def when(self, value: datetime) -> str:
        """A time as the sentences show it."""
        return format_when(value, self.catalog.locale, self.calendar)

    def describe(self, entries: Sequence[TimelineEntry]) -> list[Line]:
        """Every entry as a Line, in order."""
        erased_from = next((e.seq for e in entries if e.type == "erased"), None)
        kind = None
        lines = []
        again = 0  # reports of the post since the incident was last resolved (a flare-up's count)
        for entry in entries:
            if entry.type in ("classified", "kind_corrected") and isinstance(entry.new, str):
                kind = entry.new
            if entry.type == "status_changed" and entry.new == "resolved":
                again = 0
            again += entry.type == "reported_again"
            erased = (erased_from is not None and entry.seq < erased_from and entry.type in PAYLOAD_TYPES
                      and not entry.data and entry.new is None)
            lines.append(self._line(entry, kind, erased, again))
        return lines

    def _line(self, entry: TimelineEntry, kind: str | None, erased: bool, again: int = 0) -> Line:
        cat = self.catalog
        event = cat.label("event", entry.type)
        who = self.actor(entry.actor)
        when = self.when(entry.at)
        base = {"seq": entry.seq, "type": entry.type, "at": entry.at, "when": when, "event": event, "actor": who,
                "kind": kind}
        if entry.redacted or erased:
            text = cat.t("records.redacted" if entry.redacted else "records.erased", who=who, event=event)
            return Line(**base, text=text, old="", new="", clauses="", erased=erased,
                        sentence=cat.t("records.frame", when=when, text=text))
        old, new = self._value(entry, entry.old, kind), self._value(entry, entry.new, kind)
        params: dict[str, Any] = {k: _plain(v) for k, v in entry.data.items()}
        step_id = entry.data.get("step") if entry.type in ("step_completed", "step_skipped") else None
        clauses: tuple[str, ...] = ()
        if isinstance(step_id, str) and kind and self.library and self.profile:
            params["step"], clauses = step_sources(self.library, self.profile, cat, kind, step_id)
        elif isinstance(step_id, str):
            params["step"] = step_id
        if isinstance(step_id, str):
            answers = entry.data.get("answers")
            params["answers"] = self._answers(kind, step_id, answers) if isinstance(answers, dict) else ""
        reason = entry.data.get("reason") if entry.type == "notice_resent" else None
        if reason is not None:
            params["reason"] = cat.label("records.reason", str(reason))
        if (entry.type in NOTICES or reason in REDRAWN) and isinstance(entry.new, str) and self.profile:
            section = self.profile.sections.get(entry.new)
            cited = list(section.clauses) if section else []
            specific = True
            if kind and self.library and entry.new in self.profile.first_report_to:
                cited, specific = self.library.first_notice_basis(kind, self.profile)  # what the notice cited
            clauses = tuple(self.profile.cite(k, cat.locale) for k in cited)
            if not specific:  # clauses about other trouble: said so, as the notice said (旭川市 has none for leaks)
                joined = ("、" if cat.locale == "ja" else "; ").join(clauses)
                clauses = (cat.t("notify.other_trouble", basis=joined),)
            if self.profile.first_report_own and entry.new in self.profile.first_report_to:
                # app.yaml chose other first recipients than the guideline names: the notice said so, not a clause
                clauses = (cat.t("notify.own_setting"),)
        if entry.type == "notice_deferred" and kind:  # why nobody was told yet, as the reporter was told
            params.update(self._deferral(kind))
            clauses = tuple(params.pop("cited", ()))
        if entry.type == "classified" and isinstance(entry.data.get("confidence"), (int, float)):
            params["confidence"] = f"{float(entry.data['confidence']):.0%}"
        if entry.type == "details_changed":
            params["field"] = cat.label("records.field", str(entry.data.get("field", "")))
        if entry.type == "note" and isinstance(entry.data.get("reason_for"), str):  # why a status was chosen
            params["status"] = cat.label("status", entry.data["reason_for"])
        if entry.type == "reported" and isinstance(entry.data.get("earlier"), int):  # the post's ended incident
            params["earlier"] = self._earlier(entry.data)
        if entry.type == "reported_again":  # which incident flared up, and how many reports since it was resolved
            params.update(ref=f"INC-{entry.incident_id or 0:04d}", count=again)
        if entry.type == "access_denied":
            params["action"] = cat.label("records.action", str(entry.data.get("action", "")))
        params.update(who=who, old=old or "—", new=new or "—", event=event)
        if entry.type == "notice_deferred":
            new = str(params.get("recipients", ""))  # whom the notice waits for, where a notice names its party
        text = self._sentence(entry.type, params)
        return Line(**base, text=text, old=old, new=new, clauses=("、" if cat.locale == "ja" else "; ").join(clauses),
                    sentence=cat.t("records.frame", when=when, text=text),
                    step_id=step_id if isinstance(step_id, str) else None, reason=str(params.get("reason", "")))

    def _sentence(self, type_: str, params: dict[str, Any]) -> str:
        cat = self.catalog
        if type_ in KNOWN_TYPES:
            # A re-notice keeps its stage: its `level` only counts the notices sent (the summary counts by stage).
            key = "escalated_repeat" if type_ == "escalated" and params.get("repeat", "0") not in ("", "0") else type_
            key = "note_reason" if type_ == "note" and "status" in params else key
            key = "classified_chosen" if type_ == "classified" and params.get("hinted") == "True" else key
            key = "reported_earlier" if type_ == "reported" and "earlier" in params else key
            key = ("classifier_example_corrected" if type_ == "classifier_example"
                   and params.get("source") == "kind_correction" else key)
            try:
                return cat.t(f"records.sentence.{key}").format_map(_Defaults(params))
            except (KeyError, ValueError, IndexError):
                pass  # a malformed payload still yields the neutral sentence below
        return cat.t("records.fallback", who=params["who"], event=params["event"])

    def _deferral(self, kind: str) -> dict[str, Any]:
        """The guideline's condition on the first notice of this kind (旭川市 7(3)イ 悪質な場合) and its clauses."""
        if self.library is None or self.profile is None:
            return {}
        rule = self.library.first_notice(kind, self.profile)
        if rule is None:
            return {}
        locale = self.catalog.locale
        cited = [self.profile.cite(c, locale) for c in rule.clauses]
        return {"basis": ("、" if locale == "ja" else ", ").join(cited), "condition": rule.condition.get(locale),
                "recipients": self.profile.first_recipients(locale), "cited": cited}

    def _earlier(self, data: Mapping[str, Any]) -> str:
        """The ended incident a new one's post was handled under (bot/triage/earlier.py): its ref only when
        restricted."""
        cat, ref = self.catalog, f"INC-{int(data['earlier']):04d}"
        status, at = data.get("earlier_status"), data.get("earlier_at")
        if data.get("earlier_restricted") or not isinstance(status, str) or not isinstance(at, str):
            return cat.t("records.earlier.restricted", ref=ref)
        return cat.t("records.earlier.ended", ref=ref, status=cat.label("status", status),
                     when=self.when(datetime.fromisoformat(at)))

    def _value(self, entry: TimelineEntry, value: Any, kind: str | None) -> str:
        """An old/new value in words: labels for statuses, kinds, severities, sections and flags."""
        if value is None:
            return ""
        cat = self.catalog
        labels: dict[str, Callable[[Any], str]] = {
            "reported": lambda v: cat.label("status", str(v)),
            "status_changed": lambda v: cat.label("status", str(v)),
            "classified": lambda v: cat.label("kind", str(v)),
            "kind_corrected": lambda v: cat.label("kind", str(v)),
            "classifier_example": lambda v: cat.label("kind", str(v)),
            "severity_changed": lambda v: cat.label("severity", str(v)),
            "acknowledged": lambda v: self.actor(str(v)),
            "step_completed": lambda v: cat.label("step_status", str(v)),
            "step_skipped": lambda v: cat.label("step_status", str(v)),
            "merged": lambda v: f"INC-{int(v):04d}" if isinstance(v, int) else str(v),
            "role_granted": self._person,  # who was let into the incident: by name, with the id granted
        }
        if isinstance(value, bool):
            return cat.t("records.flag_yes" if value else "records.flag_no")
        if entry.type == "details_changed" and entry.data.get("field") == "platform":
            return platform_label(cat, str(value))
        if entry.type in (*NOTICES, "notice_resent", "notice_queued"):
            return self._recipients(entry, value)
        convert = labels.get(entry.type)
        return convert(value) if convert else _plain(value)

    def _answers(self, kind: str | None, step_id: str, answers: dict[str, Any]) -> str:
        """A step's answers in words, with the input labels and choice labels of the playbook."""
        if not answers:
            return ""
        cat = self.catalog
        labels: dict[str, str] = {}
        choices: dict[str, dict[str, str]] = {}
        kept: set[str] = set()  # inputs whose answer is never free text (choices, URLs, services)
        if self.library is not None and kind:
            try:
                for item in self.library.playbook(kind).step(step_id).inputs:
                    labels[item.id] = item.label.get(cat.locale)
                    choices[item.id] = {c.value: c.label.get(cat.locale) for c in item.choices}
                    if item.type in ("choice", "url", "platform"):
                        kept.add(item.id)
            except KeyError:
                pass  # a step of a playbook changed since: raw ids are still readable
        # The form's order (the playbook's inputs), not the stored one (keys sorted); inputs it no longer has last.
        order = {key: n for n, key in enumerate(labels)}
        withheld = cat.t("records.answer_not_copied")
        items = [cat.t("records.answer_item", label=labels.get(key, key),
                       value=withheld if self.withhold_text and key not in kept
                       else choices.get(key, {}).get(str(value), _plain(value)))
                 for key, value in sorted(answers.items(), key=lambda item: order.get(item[0], len(order)))]
        return cat.t("records.answers", items=cat.t("records.answer_separator").join(items))

    def _person(self, value: Any) -> str:
        """A user by name with their id (「鈴木 次郎（teams:…）」), or the id alone when no name is known."""
        name = self.actor(str(value))
        return name if name == str(value) else self.catalog.t("records.person", name=name, id=value)

    def _recipients(self, entry: TimelineEntry, value: Any) -> str:
        """Whom a notice went to: every section it named (浦臼町 5(3) 所属課局長及び総務課), not only the first."""
        keys = [str(value)]
        sections = entry.data.get("sections")
        first = list(self.profile.first_report_to) if self.profile else []
        if isinstance(sections, list) and sections:
            keys = [str(key) for key in sections]
        elif entry.type == "escalated" and entry.data.get("stage") == 1 and str(value) in first:
            keys = first  # a re-notice of the first notice goes to the same sections (its title names them all)
        names = [self._section(key) for key in keys]
        return " and the ".join(names) if self.catalog.locale == "en" else "及び".join(names)

    def _section(self, value: Any) -> str:
        section = self.profile.sections.get(str(value)) if self.profile else None
        return section.name_for(self.catalog.locale) if section else str(value)


class _Defaults(dict[str, Any]):
    """Placeholders a payload lacks read as a dash instead of failing."""

    def __missing__(self, key: str) -> str:
        return "—"


def _plain(value: Any) -> str:
    """A payload value as plain text (never JSON quoting)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "、".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)
