"""What the core does with a classification, and the labelled examples staff answers leave behind.

| outcome | report channel (explicit=False)  | explicit by place (DM, mention,    | explicit by act (slash command,  |
|         |                                  | 1:1 chat, console line)            | message action, /report, 新規)   |
|---------|----------------------------------|------------------------------------|----------------------------------|
| report  | open the incident                | open the incident                  | open the incident                |
| unsure  | AskIfReport to the poster only:  | AskIfReport: every kind, likely    | AskIfReport: every kind, likely  |
|         | three likely kinds + 報告ではない | first, + 報告ではない              | first; no 報告ではない           |
| chatter | nothing (no reply in a channel)  | as unsure: never dropped           | as unsure: never dropped         |
| chatter, files with < 30 characters of text | AskIfReport with every kind (a screenshot alone) | as above |

Nothing is opened, and no section notified, under a kind nobody chose: a kind answered opens and notifies exactly
as a confident report. Explicit intent that links a post an open incident is about merges unasked
(`open_post_kind`). By place and by act differ only in 「報告ではない」: a DM or mention may be a question or half a
thought, while a report command or action says "this is a report" (its forms have no such button either).

Examples (storage.models.ClassifierExample) are stored in the same transaction as what caused them, with a
``classifier_example`` timeline event that holds no text. Those tied to an incident are erased with it
(erase_examples, called by bot/triage/retention.py); leak examples always have an incident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.i18n import Catalog
from bot.ports import AskIfReport, IncidentView, KindChoice, Outcome, ReportInput
from bot.triage import followups, lifecycle
from bot.triage.classify import NONE, Classification
from bot.triage.core import CoreDeps, record, transaction
from bot.triage.urls import first_url, source_key
from storage.models import ClassifierExample, Incident, IntakeKey

IntakeAction = Literal["open", "ask", "ignore"]
EXAMPLE_EVENT = "classifier_example"
# Why an example was stored: the label's origin.
NOT_A_REPORT = "not_a_report"  # 「報告ではない」 to an AskIfReport
CONFIRMED = "confirmed"  # a kind chosen in answer to an AskIfReport in a report channel
MISSED_REPORT = "missed_report"  # an explicit report the classifier took for chatter (kind chosen by the poster)
EXPLICIT_UNSURE = "explicit_unsure"  # an explicit report the classifier was unsure about (kind chosen by the poster)
KIND_CORRECTION = "kind_correction"  # the kind of an incident corrected
ASK_CHOICES = 3
FILES_ONLY_MAX_TEXT = 30  # characters (spaces aside) below which posted files speak louder than the words


def intake_action(result: Classification, *, explicit: bool, files_only: bool = False) -> IntakeAction:
    """The core's decision for a classified message (see the module table); never "ignore" for explicit intent,
    nor for files posted with too little text to judge (`files_only`)."""
    if result.outcome == "report":
        return "open"
    return "ask" if explicit or files_only or result.outcome == "unsure" else "ignore"


def open_post_kind(deps: CoreDeps, report: ReportInput, text: str) -> str | None:
    """The kind of the open incident about the post an explicit message links (or, linking none, the one open
    incident it names: a follow-up, bot/triage/followups.py), else None: asking would change nothing there (any
    kind answered merges it; a restricted one's co-report gets no role). In a report channel only the named case: a
    half-sure 「INC-0001 なりすましアカウント、凍結されました」 is news on it (no role), never a question."""
    key = source_key(report.source_url or first_url(text))
    if not report.explicit and key:  # a linked post joins by its own report's judgement (a co-report takes a role)
        return None
    if not key and (report.force_new or len(named := followups.named_incidents(text)) != 1):
        return None
    with deps.sessions.begin() as session:
        if key:
            return session.execute(select(Incident.kind).where(Incident.open_source_key == key)).scalar()
        incident = session.get(Incident, named.pop())
        return incident.kind if incident is not None and lifecycle.is_open(incident.status) else None


def created(catalog: Catalog, view: IncidentView, confidence: float, *, chosen: bool) -> str:
    """The receipt of a new incident: the classifier's confidence, or that the reporter chose the kind (no score)."""
    fix = catalog.t("report.fix_kind_restricted" if view.restricted else "report.fix_kind")  # who may correct it
    if chosen:
        return catalog.t("report.created_chosen", ref=view.ref, kind=view.kind_label, fix=fix)
    return catalog.t("report.created", ref=view.ref, kind=view.kind_label, confidence=f"{confidence:.0%}", fix=fix)


def files_only(text: str, attachments: int) -> bool:
    """Whether a message is mostly its files (a screenshot posted with 「これ」 or nothing): the text alone cannot
    say whether it is a report, so the poster is asked rather than left alone."""
    return attachments > 0 and len("".join(text.split())) < FILES_ONLY_MAX_TEXT


def ask_if_report(deps: CoreDeps, result: Classification, *, every_kind: bool = False,
                  by_act: bool = False) -> AskIfReport:
    """The private question: likely kinds first (every kind for explicit intent or files); 「報告ではない」 unless
    the message was a report made by act."""
    known = deps.library.kinds()
    probability = {kind: p for kind, p in result.candidates}
    ranked = [kind for kind, _ in result.candidates if kind in known]
    ranked += [kind for kind in known if kind not in ranked]
    if not every_kind:
        ranked = ranked[:ASK_CHOICES]
    cat = deps.catalog
    choices = tuple(KindChoice(kind, cat.label("kind", kind), probability.get(kind, 0.0)) for kind in ranked)
    if by_act:
        return AskIfReport(cat.t("report.ask_which_kind"), choices, None)
    return AskIfReport(cat.t("report.ask"), choices, cat.t("report.decline"))


def ask_outcome(deps: CoreDeps, result: Classification, *, every_kind: bool, by_act: bool = False) -> Outcome:
    """The question before anything is opened; messages hold it as plain text for adapters that cannot ask yet."""
    ask = ask_if_report(deps, result, every_kind=every_kind, by_act=by_act)
    kinds = "・".join(choice.label for choice in ask.choices)
    fallback = "report.ask_kind_fallback" if by_act else "report.ask_fallback"
    return Outcome(incident=None, ask=ask, messages=(deps.catalog.t(fallback, kinds=kinds),))


def store_example(session: Session, deps: CoreDeps, *, text: str, kind: str, source: str, actor: str,
                  result: Classification | None, incident_id: int | None, restricted: bool) -> None:
    """Keep one labelled message, with a timeline event that records the label but not the text."""
    now = deps.clock.now()
    session.add(ClassifierExample(
        text=text, kind=kind, source=source, predicted_kind=result.kind if result else NONE,
        predicted_outcome=result.outcome if result else "report", confidence=result.confidence if result else 0.0,
        incident_id=incident_id, restricted=restricted, actor=actor, created_at=now, updated_at=now))
    record(session, deps, incident_id, EXAMPLE_EVENT, actor, new=kind, source=source,
           predicted=result.kind if result else None)


def decline(deps: CoreDeps, report: ReportInput, text: str) -> Outcome:
    """「報告ではない」: keep the message as a chatter example (once per delivery key) and thank the poster."""
    result = deps.classifier.classify(text)

    def work(session: Session) -> Outcome:
        actor = report.reporter.user_id
        deps.access.require("report", actor, None, restricted=False)
        if report.idempotency_key:
            key = report.idempotency_key[:200]
            if session.get(IntakeKey, key) is not None:
                return Outcome(incident=None, duplicate=True)
            session.add(IntakeKey(key=key, incident_id=None, created_at=deps.clock.now()))
        store_example(session, deps, text=text, kind=NONE, source=NOT_A_REPORT, actor=actor, result=result,
                      incident_id=None, restricted=False)
        return Outcome(incident=None, messages=(deps.catalog.t("report.declined"),))

    return transaction(deps, work)


def relabel(session: Session, deps: CoreDeps, incident: Incident, old_kind: str, actor: str) -> None:
    """A kind correction: relabel the incident's examples, or keep its text as a new example."""
    rows = session.execute(select(ClassifierExample).where(ClassifierExample.incident_id == incident.id,
                                                            ClassifierExample.erased_at.is_(None))).scalars().all()
    if rows:
        for row in rows:
            row.kind, row.source, row.restricted = incident.kind, KIND_CORRECTION, incident.restricted
            row.updated_at = deps.clock.now()
        record(session, deps, incident.id, EXAMPLE_EVENT, actor, new=incident.kind, source=KIND_CORRECTION,
               predicted=old_kind)
        return
    if incident.text is None or incident.erased_at is not None:
        return
    guess = Classification(old_kind, incident.classifier_confidence, (), "report")
    store_example(session, deps, text=incident.text, kind=incident.kind, source=KIND_CORRECTION, actor=actor,
                  result=guess, incident_id=incident.id, restricted=incident.restricted)


def erase_examples(session: Session, incident_id: int, now: datetime) -> int:
    """Blank the text of every example of an incident (retention erasure); how many were erased."""
    result = session.execute(update(ClassifierExample).where(
        ClassifierExample.incident_id == incident_id, ClassifierExample.text.is_not(None)
    ).values(text=None, erased_at=now, updated_at=now))
    return int(getattr(result, "rowcount", 0) or 0)
