"""Presentation rules every chat adapter shares: no platform imports, no I/O of its own.

The Slack adapter grew these inside `bot/adapters/slack/` (handlers.py, render.py, delivery.py); the
Teams adapter needs the same rules, so they live here where both can use them:

* what a failure of a core call is called in front of the user (`failure_text`),
* what a step control carries (`StepRef`) and what a core validation message means per field
  (`field_errors`),
* how answers are shown back (`answered`),
* the words of the contents every platform shows as plain text (`plain_words`), and the classifier's
  chances under the 「報告しますか？」 question (`chances`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.delivery import content as c
from bot.i18n import Catalog
from bot.ports import AskIfReport, InputSpec, StepView
from bot.triage import lifecycle
from bot.triage.access import MATRIX, PermissionDenied
from bot.triage.core import IncidentNotFound, InvalidRequest, incident_ref
from bot.triage.lifecycle import IllegalTransition

# Texts that ask for help instead of being a report.
HELP_WORDS = frozenset({"", "help", "ヘルプ", "使い方", "?", "？"})


def is_help(text: str) -> bool:
    """Whether a message asks for help rather than reporting something."""
    return text.strip().lower() in HELP_WORDS


@dataclass(frozen=True)
class StepRef:
    """What a step control carries: which incident, which playbook (kind) and which step."""

    incident_id: int
    kind: str
    step_id: str

    def encode(self) -> str:
        return f"{self.incident_id}|{self.kind}|{self.step_id}"

    @classmethod
    def decode(cls, value: str) -> StepRef:
        """Parse an encoded ref; ValueError when it is not one."""
        incident, kind, step = str(value).split("|", 2)
        return cls(int(incident), kind, step)


def plain_words(content: c.Content, catalog: Catalog) -> tuple[str, ...] | None:
    """The texts of a content every platform shows as plain messages (None: the platform draws it its own way)."""
    t = catalog.t
    if isinstance(content, c.Texts):
        return content.texts
    if isinstance(content, c.MergedCount):
        key = "delivery.merged_count_one" if content.count == 1 else "delivery.merged_count"  # en: 1 report
        return (t(key, ref=content.view.ref, count=content.count),)
    if isinstance(content, c.ControlsWithdrawn):  # an ended incident's control: the step it showed, and why not
        view, step = content.view, content.step
        restricted = view.restricted and view.status in lifecycle.OPEN_STATUSES  # open: a correction restricted it
        key = "step.withdrawn" if step else "step.kind_restricted" if restricted else "step.kind_withdrawn"
        said = t(key, ref=view.ref, status=view.status_label)
        return (step.title, said) if step else (said,)
    if isinstance(content, c.PrivateLine):
        return (t("delivery.private_line"),)
    if isinstance(content, c.PrivacyAdvice):
        key = "delivery.privacy_advice" if content.own else "delivery.privacy_advice_others"
        key += "_merged" if content.merged else ""
        return (t(key, ref=content.view.ref),)
    return None


def reopened_words(content: c.ReopenWithdrawn) -> str:
    """What a flare-up notice says in place of its reopen control once reopened: the 【再開】 title, who and when."""
    return "\n".join([content.note.title, *content.note.body.splitlines()[:1]])


def shorten(text: str | None, limit: int, marker: str = "…") -> str:
    """Text cut to at most `limit` characters, marked when cut (every platform's message limits)."""
    text = text or ""
    return text if len(text) <= limit else text[: max(limit - len(marker), 0)] + marker


def chances(ask: AskIfReport, escape: Callable[[str], str] = lambda text: text) -> str:
    """The likely kinds with the classifier's chances, 「炎上 62%　なりすまし 21%」 (kinds with none left out)."""
    return "　".join(f"{escape(choice.label)} {choice.probability:.0%}" for choice in ask.choices
                    if choice.probability > 0)


def failure_text(exc: BaseException, catalog: Catalog, incident_id: int | None = None) -> str | None:
    """A core refusal or storage failure in the user's words; None for anything unexpected (log it)."""
    from sqlalchemy.exc import SQLAlchemyError

    t, label = catalog.t, catalog.label
    if isinstance(exc, PermissionDenied):
        if exc.action in ("reopen", "correct_kind"):  # who may, from the matrix's column that refused it
            key = "reopen" if exc.action == "reopen" else "correct"
            return t(f"{key}.denied_restricted" if exc.restricted else f"{key}.denied")
        if exc.action == "acknowledge":
            return t("ack.denied")
        who = who_may(catalog, exc.action, restricted=exc.restricted)
        action = label("records.action", exc.action)
        if exc.restricted and "reporter" in MATRIX.get(exc.action, ((), ()))[1]:  # "reporter": one granted the role
            return t("error.denied") + t("error.denied_restricted_who", action=action)
        return t("error.denied") + (t("error.denied_who", action=action, who=who) if who else "")
    if isinstance(exc, InvalidRequest):  # StorageUnavailable included: already localised
        return str(exc)
    if isinstance(exc, IllegalTransition):
        if exc.same_status:
            return t("error.already_status", ref=incident_ref(incident_id or 0), status=label("status", exc.current))
        said = t("error.illegal_transition", ref=incident_ref(incident_id or 0),
                 current=label("status", exc.current), target=label("status", exc.target))
        if exc.target == lifecycle.CLOSED and exc.current in lifecycle.OPEN_STATUSES:  # what to do first
            said += t("error.close_after_resolve", resolved=label("status", lifecycle.RESOLVED))
        return said
    if isinstance(exc, IncidentNotFound):
        return t("error.not_found", ref=incident_ref(exc.incident_id))
    if isinstance(exc, SQLAlchemyError):
        return t("error.storage")
    return None


def who_may(catalog: Catalog, action: str, *, restricted: bool) -> str:
    """Who may do an action, in the profile's role words, from the access matrix's column (「広報担当または情報
    セキュリティ担当」); empty when any colleague may (the refused one is an outsider: nobody to name)."""
    allowed = MATRIX.get(action, (frozenset(), frozenset()))[1 if restricted else 0]
    if not allowed or "staff" in allowed:
        return ""
    words = [catalog.t(f"who_may.{role}") for role in ("pr", "security", "reporter") if role in allowed]
    head = catalog.t("who_may.separator").join(words[:-1])
    return head + catalog.t("who_may.last_separator") + words[-1] if head else words[-1]


def field_errors(message: str, inputs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The core's validation message split onto input fields by their labels (input id -> lines).

    `inputs` are (input id, label) in display order; a line naming no field goes to the first one.
    """
    errors: dict[str, str] = {}
    for line in (line for line in message.splitlines() if line.strip()):
        target = next((key for key, label in inputs if label and f"「{label}」" in line), None)
        target = target or next((key for key, label in inputs if label and label in line), None)
        target = target or (inputs[0][0] if inputs else "")
        errors[target] = f"{errors[target]}\n{line}" if target in errors else line
    return errors


def answer_label(item: InputSpec, value: str) -> str:
    """An answer as shown to people: a choice's label, else the value itself."""
    return dict(item.choices).get(value, value)


def answered(step: StepView) -> list[tuple[InputSpec, str]]:
    """The step's inputs that have an answer, in order, with the answer as shown to people."""
    return [(item, answer_label(item, step.answers[item.id]))
            for item in step.inputs if step.answers.get(item.id)]


def shown_value(step: StepView, item: InputSpec) -> str:
    """What an input opens with on every platform: the answer given, else what the report already told (the step
    says 「入力済み」; completing the step confirms it)."""
    return step.answers.get(item.id) or item.value


__all__ = ["HELP_WORDS", "StepRef", "is_help", "plain_words", "reopened_words", "shorten", "chances", "failure_text",
           "who_may", "field_errors", "answer_label", "answered", "shown_value"]
