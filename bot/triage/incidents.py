"""Use cases on incidents: report, merge duplicates, correct the kind, acknowledge, change status, notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session

from bot.clock import format_jst
from bot.ports import Actor, Notification, Outcome, ReportInput
from bot.triage import classifier_intake as intake
from bot.triage import command_hints, core, earlier, followups, lifecycle, replays, short_input, url_correction
from bot.triage.actors import require_as
from bot.triage.classify import Classification
from bot.triage.core import (
    CoreDeps,
    InvalidRequest,
    add_reporter,
    build_view,
    incident_ref,
    load_incident,
    record,
    reporter_ids,
    reporter_roles,
    reporter_rows,
    touch,
    transaction,
)
from bot.triage.coreported import reported_too
from bot.triage.flareup import flareup_notice, same_post_outcome
from bot.triage.followup_choice import asked as news_or_new
from bot.triage.notice import first_notice, rate_limited
from bot.triage.notices_sent import CO_REPORTED, REPORTED_AGAIN, on_record
from bot.triage.privacy_cues import exposes_personal_data
from bot.triage.report_messages import message_data
from bot.triage.restriction import co_reporters_told, merge_restricted, restrict, restricted_by_report
from bot.triage.sanitize import storable, storable_or_none, storable_report
from bot.triage.severity import default_severity
from bot.triage.status_told import told_of_change
from bot.triage.steps import StepRunner
from bot.triage.urls import first_url, platform_of, source_key
from storage.models import Escalation, Incident, IncidentReporter, IntakeKey

MAX_TEXT = 40_000
ADD_KEY = insert(IntakeKey.__table__)  # these: built once, executed with parameters (no per-call construction)
ADD_INCIDENT = insert(Incident.__table__)
SEEN_KEY = select(IntakeKey.incident_id).where(IntakeKey.key == bindparam("key"))
OPEN_WITH_KEY = select(Incident.__table__).where(Incident.open_source_key == bindparam("key")).with_for_update()


class IncidentDesk:
    """Creates incidents from reports and moves them through their lifecycle."""

    def __init__(self, deps: CoreDeps, steps: StepRunner) -> None:
        self.deps = deps
        self.steps = steps

    # -- helpers -----------------------------------------------------------------------------------------
    def _claim_key(self, session: Session, key: str | None, incident_id: int | None) -> dict[str, str]:
        """Claim a delivery key; returns it as event data, so a redelivery finds what its report led to."""
        if not key:
            return {}
        session.flush()  # then a Core INSERT (no ORM unit of work): a duplicate key fails this transaction
        session.connection().execute(ADD_KEY, {"key": key[:200], "incident_id": incident_id,
                                               "created_at": self.deps.clock.now()})
        return {replays.KEY: key[:200]}

    # -- report ------------------------------------------------------------------------------------------
    def report(self, report: ReportInput, *, learned: str | None = None,
               within: Callable[[Connection, Outcome], object] | None = None) -> Outcome:
        """Turn a report into a new incident, merge it into the open one about the same post, or ask the poster.
        What each classifier outcome leads to, for channel posts and explicit intent: bot/triage/classifier_intake.py.
        learned: store the text as a labelled example of this origin (an answer to AskIfReport).
        within: called with the outcome (an incident's) inside its transaction: the caller's rows commit with it."""
        report = storable_report(report)  # lone surrogates and NULs cannot be stored (bot/triage/sanitize.py)
        text = report.text[:MAX_TEXT]
        kind = report.kind_hint
        confidence, result = 1.0, None
        if (question := news_or_new(self.deps, report, text)) is not None:  # news on their open one?
            return question
        if kind is None:
            result = self.deps.classifier.classify(text)
            kind, confidence = result.kind, result.confidence
            pictured = intake.files_only(text, report.attachments)  # a screenshot: its few words cannot tell
            action = intake.intake_action(result, explicit=report.explicit, files_only=pictured)
            if action == "ignore":
                return Outcome(incident=None, messages=(self.deps.catalog.t("report.not_a_report"),))
            if action == "ask" and (kind := intake.open_post_kind(self.deps, report, text)) is None:  # open post: joins
                return intake.ask_outcome(self.deps, result, every_kind=report.explicit or pictured,
                                          by_act=report.by_act)
        elif learned is not None:
            result = self.deps.classifier.classify(text)  # what the classifier thought, kept with the label
            if learned == intake.MISSED_REPORT and result.outcome == "unsure":
                learned = intake.EXPLICIT_UNSURE
        if kind == "none":
            return Outcome(incident=None, messages=(self.deps.catalog.t("report.not_a_report"),))
        if kind not in self.deps.library.kinds():
            raise InvalidRequest(self.deps.catalog.t("error.unknown_kind", kind=kind,
                                                     known=self.deps.catalog.labels("kind", self.deps.library.kinds())))
        url = report.source_url or first_url(text)
        key = source_key(url)
        def work(session: Session) -> Outcome:
            outcome = self._report_in(session, report, text, kind, confidence, url, key, result, learned)
            if within is not None and outcome.incident is not None:
                within(session.connection(), outcome)
            return outcome
        return transaction(self.deps, work)

    def answer(self, report: ReportInput, kind: str | None) -> Outcome:
        """The poster's answer to an AskIfReport without incident: a kind reports it, None is 「報告ではない」."""
        if kind is not None:
            origin = intake.MISSED_REPORT if report.explicit else intake.CONFIRMED
            return self.report(replace(report, kind_hint=kind, explicit=True), learned=origin)
        return intake.decline(self.deps, (kept := storable_report(report)), kept.text[:MAX_TEXT])

    def _report_in(self, session: Session, report: ReportInput, text: str, kind: str, confidence: float,
                   url: str | None, key: str | None, result: Classification | None, learned: str | None) -> Outcome:
        now = self.deps.clock.now()
        actor = report.reporter
        # Outsiders (guests, other organisations) may not report: refused (and recorded) before anything is read.
        self.deps.access.require("report", actor.user_id, None, restricted=self.deps.library.playbook(kind).restricted)
        if report.idempotency_key:
            seen = session.connection().execute(SEEN_KEY, {"key": report.idempotency_key[:200]}).first()
            if seen is not None:  # a redelivery: what the first one led to, so the ledger finishes its posts
                return replays.repeated_report(self.deps, self.steps, session, seen[0], report)
        before = earlier.Before()
        if key:
            row = session.connection().execute(OPEN_WITH_KEY, {"key": key}).first()  # Core: most find none
            if row is not None:
                existing = core.attach(session, row)
                # A leak's report restricts the incident before it merges (the creation rule's twin): no role taken.
                told = restricted_by_report(session, self.deps, existing, kind, text, actor, report.idempotency_key)
                if learned is not None:
                    intake.store_example(session, self.deps, text=text, kind=kind, source=learned,
                                         actor=actor.user_id, result=result, incident_id=existing.id,
                                         restricted=existing.restricted or self.deps.library.playbook(kind).restricted)
                merged = self._merge_report(session, existing, report, now)
                return merge_restricted(self.deps, self.steps, session, existing, merged, told)  # told None: merged
            if (before := earlier.about_post(session, key)).resolved is not None and not report.force_new:
                return self._same_as_resolved(session, before.resolved, report, now)
        elif not report.force_new and (named := followups.named_open(session, text)) is not None:
            return followups.followed_up(self.deps, self.steps, session, named, report, text, now, self._claim_key)
        if self.deps.rate_limit.exceeded(session, actor.user_id, now):
            return rate_limited(session, self.deps, actor, now)
        # Ended is final: a new incident, linked to the one that covered the post (bot/triage/earlier.py).
        linked, history = earlier.linked(self.deps, session, before.latest if report.force_new else before.ended)
        playbook = self.deps.library.playbook(kind)
        values = dict(
            kind=kind, status=lifecycle.REPORTED, severity=default_severity(kind), profile=self.deps.profile.id,
            restricted=playbook.restricted or exposes_personal_data(text), text=text, source_url=url,
            open_source_key=key, platform=report.platform or platform_of(url), department=report.department,
            reporter_id=actor.user_id,
            reporter_name=actor.display_name, classifier_confidence=confidence, created_at=now, updated_at=now,
            conversation_platform=report.conversation.platform if report.conversation else None,
            conversation_channel=report.conversation.channel if report.conversation else None,
            conversation_thread=report.conversation.thread if report.conversation else None,
        )
        # A Core INSERT (the ORM's unit of work costs more); the object is not attached: nothing below changes it.
        connection = session.connection()
        incident = Incident(id=connection.execute(ADD_INCIDENT, values).inserted_primary_key[0], **values)
        add_reporter(session, incident.id, actor, now, granted=True)
        keyed = self._claim_key(session, report.idempotency_key, incident.id)
        events = [  # appended with the first notice's, in this order, by one INSERT (notice.first_notice)
            core.event(self.deps, incident.id, "reported", actor.user_id, new=lifecycle.REPORTED,
                       platform=actor.platform, restricted=incident.restricted, source_url=url, **keyed, **linked),
            core.event(self.deps, incident.id, "classified", "bot", new=kind, confidence=round(confidence, 3),
                       hinted=report.kind_hint is not None)]
        if learned is not None:  # the example's event comes after these
            core.record_all(session, events)
            events = []
            intake.store_example(session, self.deps, text=text, kind=kind, source=learned, actor=actor.user_id,
                                 result=result, incident_id=incident.id, restricted=incident.restricted)
        notifications, deferred = first_notice(self.deps, session, incident, now, events)
        notifications = earlier.noted(notifications, history)
        view = build_view(self.deps, incident, [actor.user_id], actor.user_id)
        # A new incident: its reporters and (no) step progress are known without asking the database.
        step = self.steps.current_view(session, incident, actor.user_id, reporters=[actor.user_id], states={})
        cat = self.deps.catalog
        messages = [intake.created(cat, view, confidence, chosen=report.kind_hint is not None)]
        messages += [history] if history else []
        if incident.restricted:
            messages.append(cat.t("report.restricted" if playbook.restricted else "report.restricted_personal"))
        if deferred:
            messages.append(deferred)
        return Outcome(incident=view, step=step, notifications=notifications, created=True,
                       messages=tuple(messages))

    def _add_reporter(self, session: Session, incident: Incident, report: ReportInput, now: datetime
                      ) -> tuple[dict[str, bool], bool, bool, dict[str, str]]:
        """The reporter joins the incident: (reporters before -> role, added, granted, delivery key as event data)."""
        actor, rows = report.reporter, reporter_roles(session, incident.id)
        keyed = self._claim_key(session, report.idempotency_key, incident.id) | message_data(report)
        added = actor.user_id not in rows
        granted = rows[actor.user_id] if not added else not incident.restricted  # roles are granted, never taken
        if added:
            add_reporter(session, incident.id, actor, now, granted=granted)
        return rows, added, granted, keyed

    def _same_as_resolved(self, session: Session, incident: Incident, report: ReportInput, now: datetime) -> Outcome:
        """A report of a post whose incident is resolved: linked to it, PR told, nothing opened until a choice."""
        actor = report.reporter
        _, added, granted, keyed = self._add_reporter(session, incident, report, now)
        # Same payload as merged_report, so the state check replays who became a reporter and with which role.
        record(session, self.deps, incident.id, "reported_again", actor.user_id, reporter=actor.user_id,
               platform=actor.platform, granted=granted, added=added, **keyed)
        reporters = tuple(reporter_ids(session, incident.id))
        view = build_view(self.deps, incident, list(reporters), actor.user_id)
        note = flareup_notice(self.deps, view, actor)
        told = on_record(session, self.deps, incident, [note] if note else [], REPORTED_AGAIN)
        return same_post_outcome(self.deps, view, actor.platform, notifications=tuple(told),
                                 reporter=actor.user_id, reporters=reporters)

    def _merge_report(self, session: Session, incident: Incident, report: ReportInput, now: datetime) -> Outcome:
        """A report of a post an open incident already covers; on a restricted incident it gives no role."""
        actor, (rows, added, granted, keyed) = report.reporter, self._add_reporter(session, incident, report, now)
        record(session, self.deps, incident.id, "merged_report", actor.user_id, reporter=actor.user_id,
               platform=actor.platform, granted=granted, added=added, **keyed)
        touch(session, incident, now)
        known = [user for user, role in rows.items() if role] + ([actor.user_id] if added and granted else [])
        view, cat, count = build_view(self.deps, incident, known, actor.user_id), self.deps.catalog, len(rows) + added
        if granted or view.details_visible:  # PR's notice names the reporters anew (walk s17 #11)
            told = reported_too(session, self.deps, incident, actor.display_name, count) if added else ()
            return Outcome(incident=view, merged=True, notifications=told,
                           messages=(cat.t("report.merged", ref=view.ref, count=count),))
        # The PR section decides whether this colleague gets the reporter role.
        notices = co_reporters_told(session, self.deps, incident, view.ref, view.kind_label,
                                    [(actor.user_id, actor.display_name, actor.platform)] if added else [], CO_REPORTED)
        return Outcome(incident=view, merged=True, notifications=notices,
                       messages=(cat.t("report.merged_pending", ref=view.ref),))

    # -- kind, acknowledgement, status --------------------------------------------------------------------
    def correct_kind(self, incident_id: int, kind: str, actor: Actor) -> Outcome:
        """Switch the incident to another playbook (kind: its id or name, any width); restriction never loosens."""
        kinds, cat = self.deps.library.kinds(), self.deps.catalog
        kind = short_input.kind_value(kind, kinds, {k: [cat.label("kind", k)] for k in kinds})
        if kind not in self.deps.library.kinds():
            raise InvalidRequest(self.deps.catalog.t("error.unknown_kind", kind=kind,
                                                     known=self.deps.catalog.labels("kind", self.deps.library.kinds())))

        def work(session: Session) -> Outcome:
            incident = load_incident(session, incident_id, lock=True)
            reporters = reporter_ids(session, incident_id)
            self._require(session, "correct_kind", actor, incident, reporters)
            self._require_open(incident)
            if incident.kind == kind:
                return Outcome(incident=build_view(self.deps, incident, reporters, actor.user_id), duplicate=True,
                               step=self.steps.current_view(session, incident, actor.user_id))
            old, incident.kind = incident.kind, kind
            incident.updated_at = self.deps.clock.now()
            record(session, self.deps, incident_id, "kind_corrected", actor.user_id, old=old, new=kind)
            # The matrix keeps kind corrections of a restricted incident to PR and security; a correction to a
            # restricted kind restricts it (and from then on the same rule holds).
            notices: tuple[Notification, ...] = ()
            if self.deps.library.playbook(kind).restricted and not incident.restricted:
                named = build_view(self.deps, incident, reporters, actor.user_id)
                notices = restrict(session, self.deps, incident, actor, named.ref, named.kind_label)
                reporters = reporter_ids(session, incident_id)
            intake.relabel(session, self.deps, incident, old, actor.user_id)
            said, _ = self.steps.reassess_severity(session, incident, actor.user_id)  # a leak starts at 高
            notices = notices or tuple(url_correction.kind_redrawn(session, self.deps, incident, old))  # or redacted
            view = build_view(self.deps, incident, reporters, actor.user_id)
            message = self.deps.catalog.t("correct.done", ref=view.ref, kind=view.kind_label)
            return Outcome(incident=view, step=self.steps.current_view(session, incident, actor.user_id),
                           messages=(message, *said), notifications=notices)  # PR's notice is redone

        return transaction(self.deps, work)

    def acknowledge(self, incident_id: int, actor: Actor) -> Outcome:
        """A PR officer takes the escalation; pending levels are cancelled. Refusals are logged."""

        def work(session: Session) -> Outcome:
            incident = load_incident(session, incident_id, lock=True)
            reporters = reporter_ids(session, incident_id)
            self._require(session, "acknowledge", actor, incident, reporters)
            cat = self.deps.catalog
            if incident.acknowledged_at is not None:  # clicked again: the recorded acknowledgement, nothing new
                return replays.acknowledged_outcome(
                    self.deps, incident, build_view(self.deps, incident, reporters, actor.user_id))
            if incident.status in lifecycle.ENDED_UNHEARD:  # a stale button or a carried reply: nothing to take
                self._require_open(incident)
            now = self.deps.clock.now()
            incident.acknowledged_at = now
            incident.acknowledged_by = actor.display_name or actor.user_id
            incident.updated_at = now
            record(session, self.deps, incident_id, "acknowledged", actor.user_id, new=actor.user_id, at=now,
                   name=incident.acknowledged_by)
            if incident.status == lifecycle.REPORTED:
                self._set_status(session, incident, lifecycle.ACKNOWLEDGED, actor.user_id)
            session.execute(update(Escalation).where(Escalation.incident_id == incident_id,
                                                     Escalation.status == "pending").values(status="cancelled"))
            view = build_view(self.deps, incident, reporters, actor.user_id)
            message = cat.t("ack.done", ref=view.ref, who=incident.acknowledged_by,
                            when=format_jst(now, cat.locale))
            return Outcome(incident=view, messages=(message,))

        return transaction(self.deps, work)

    def change_status(self, incident_id: int, target: str, actor: Actor, reason: str = "") -> Outcome:
        """Resolve, close, decline or reopen, as the transition table and the access matrix allow."""
        action = {lifecycle.RESOLVED: "resolve", lifecycle.CLOSED: "close", lifecycle.DECLINED: "decline",
                  lifecycle.RESPONDING: "reopen"}.get(target)
        if action is None:
            raise InvalidRequest(self.deps.catalog.t("error.bad_status", status=target))

        def work(session: Session) -> Outcome:
            incident = load_incident(session, incident_id, lock=True)
            reporters = reporter_ids(session, incident_id)
            self._require(session, action, actor, incident, reporters)
            if target == lifecycle.RESOLVED and incident.acknowledged_at is None:
                # Nobody in PR has taken it yet: ending it is for PR or security, never its reporter alone.
                self._require(session, "resolve_unacknowledged", actor, incident, reporters)
            instead = command_hints.instead(self.deps.catalog, incident.id, incident.status, target, reason,
                                            actor.platform)
            if instead:  # a move the words ask for that cannot be made as typed: what to do instead
                raise InvalidRequest(instead)
            old = incident.status
            self._set_status(session, incident, target, actor.user_id)  # checks the transition
            if reason.strip():  # free text, so a note: erased at retention, where status_changed is kept
                record(session, self.deps, incident.id, "note", actor.user_id, text=storable(reason), reason_for=target)
            view = build_view(self.deps, incident, reporters, actor.user_id)
            notes = told_of_change(session, self.deps, incident, view, actor, old=old, reason=reason)
            return Outcome(incident=view, messages=(self.deps.catalog.t(
                "status_change.done", ref=view.ref, status=view.status_label),), notifications=notes)

        return transaction(self.deps, work)

    def merge(self, source_id: int, target_id: int, actor: Actor) -> Outcome:
        """Fold one incident into another (PR decision); its reporters move along."""
        if source_id == target_id:
            raise InvalidRequest(self.deps.catalog.t("error.merge_self"))

        def work(session: Session) -> Outcome:
            first, second = sorted((source_id, target_id))  # lock in id order: no deadlock between mergers
            load_incident(session, first, lock=True)
            load_incident(session, second, lock=True)
            source = load_incident(session, source_id)
            target = load_incident(session, target_id)
            self._require(session, "merge", actor, source, reporter_ids(session, source_id))
            self._require_open(target)
            lifecycle.check_transition(source.status, lifecycle.MERGED)
            known = reporter_rows(session, target_id)
            now = self.deps.clock.now()
            moved: list[list[object]] = []
            for row in reporter_rows(session, source_id).values():
                if row.user_id not in known:
                    # A role held on an ordinary incident does not carry over into a restricted one.
                    granted = row.granted and (source.restricted or not target.restricted)
                    session.add(IncidentReporter(incident_id=target_id, user_id=row.user_id, name=row.name,
                                                 reported_at=row.reported_at, granted=granted))
                    moved.append([row.user_id, granted])
            source.merged_into_id = target_id
            self._set_status(session, source, lifecycle.MERGED, actor.user_id, into=target_id)
            record(session, self.deps, target_id, "merged", actor.user_id, new=source_id, source=source_id,
                   reporters=moved)
            target.updated_at = now
            view = build_view(self.deps, target, reporter_ids(session, target_id), actor.user_id)
            return Outcome(incident=view, messages=(self.deps.catalog.t(
                "merge.done", source=incident_ref(source_id), target=view.ref),))

        return transaction(self.deps, work)

    def add_note(self, incident_id: int, actor: Actor, text: str, *, key: str | None = None,
                 at: datetime | None = None, link: str | None = None) -> Outcome:
        """Add a note (or a captured chat message) to the timeline, once per key."""
        text, key, link = storable(text), storable_or_none(key), storable_or_none(link)

        def work(session: Session) -> Outcome:
            incident = load_incident(session, incident_id)
            reporters = reporter_ids(session, incident_id)
            self._require(session, "add_note", actor, incident, reporters)
            view = build_view(self.deps, incident, reporters, actor.user_id)
            if key and session.get(IntakeKey, key[:200]) is not None:
                return Outcome(incident=view, duplicate=True)
            self._claim_key(session, key, incident_id)
            record(session, self.deps, incident_id, "note", actor.user_id, at=at, text=text[:MAX_TEXT],
                   link=link, recorded_at=self.deps.clock.now().isoformat())
            return Outcome(incident=view, messages=(self.deps.catalog.t("note.added", ref=view.ref),))

        return transaction(self.deps, work)

    def record_delivery_error(self, incident_id: int, *, platform: str, action: str, error: str) -> None:
        """Put a chat platform's failure (e.g. channel_not_found) on the incident's timeline; no access check."""
        core.record_delivery_error(self.deps, incident_id, platform=platform, action=action, error=error)

    def _require(self, session: Session, action: str, actor: Actor, incident: Incident, reporters: list[str]) -> None:
        require_as(self.deps.access, session, action, actor, incident.id, restricted=incident.restricted,
                   reporters=reporters)

    def _require_open(self, incident: Incident) -> None:
        if not lifecycle.is_open(incident.status):
            raise InvalidRequest(self.deps.catalog.t("error.not_open", ref=incident_ref(incident.id),
                                                     status=self.deps.catalog.label("status", incident.status)))

    def _set_status(self, session: Session, incident: Incident, target: str, actor: str, **data: object) -> None:
        self.steps.set_status(session, incident, target, actor, **data)

