"""Walking an incident's playbook: which step is next, answering it, rendering steps for a viewer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.ports import Actor, DraftView, Notification, Outcome, StepView
from bot.triage import lifecycle, step_count
from bot.triage.actors import acted_as, require_as
from bot.triage.core import (
    CoreDeps,
    InvalidRequest,
    WrongKind,
    all_answers,
    build_view,
    load_incident,
    open_key_free,
    record,
    render_context,
    reporter_ids,
    section_notice,
    step_states,
    transaction,
)
from bot.triage.drafts_shown import drafts_shown
from bot.triage.notice import first_notice_withheld, queue_when_due
from bot.triage.sanitize import DEPARTMENT_MAX, clip
from bot.triage.severity import assess
from bot.triage.step_inputs import field_problem as field_problem  # re-exported: console and its tests
from bot.triage.step_inputs import validated
from bot.triage.url_correction import follow_url, revision_replayed, told_after_answers
from bot.triage.urls import source_key
from storage.models import Escalation, Incident, StepState

SEVERITY_INPUTS = ("spread", "press", "personal_data")


class StepRunner:
    """Runs playbook steps against the database."""

    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    # -- reading -------------------------------------------------------------------------------------------
    def _applicable(self, incident: Incident, answers: dict[str, str]) -> list[str]:
        context = render_context(self.deps, incident, answers)
        steps = self.deps.library.applicable_steps(incident.kind, self.deps.profile, context)
        return [step.id for step in steps]

    def _progress(self, session: Session, incident: Incident) -> tuple[dict[str, StepState], dict[str, str]]:
        """Step progress of the incident's current kind, and what its former kinds' answers carry over (one read)."""
        rows = session.execute(select(StepState).where(StepState.incident_id == incident.id)).scalars().all()
        states = {row.step_id: row for row in rows if row.kind == incident.kind}
        earlier = sorted((row for row in rows if row.kind != incident.kind), key=lambda r: (r.updated_at, r.id or 0))
        if not earlier:
            return states, {}
        return states, self.deps.library.carried(incident.kind, self.deps.profile,
                                                 [(row.kind, row.answers or {}) for row in earlier])

    def _render(self, incident: Incident, step_id: str, ids: list[str], states: dict[str, StepState],
                answers: dict[str, str], context: dict[str, Any] | None = None,
                known: Mapping[str, str] | None = None) -> StepView:
        applicable, context = (ids, context) if context else (None, render_context(self.deps, incident, answers))
        rendered = self.deps.library.render_step(incident.kind, step_id, self.deps.profile, context,
                                                 self.deps.catalog.locale, known)
        state = states.get(step_id)
        shown = step_count.counted(self.deps.library, incident.kind, self.deps.profile, context, states, applicable)
        return StepView(
            incident_id=incident.id, step_id=step_id, index=shown.index(step_id) + 1 if step_id in ids else 0,
            total=len(shown), title=rendered.title, instructions=rendered.instructions,
            citations=tuple(rendered.citations), donts=tuple(rendered.donts),
            fallback_note=rendered.fallback_note or "", inputs=tuple(rendered.inputs),
            drafts=tuple(rendered.drafts), status=state.status if state else "pending",  # type: ignore[arg-type]
            answers={k: str(v) for k, v in (state.answers or {}).items()} if state else {},
            actor=rendered.actor, actor_label=rendered.actor_label,
        )

    def _may_see(self, session: Session, incident: Incident, viewer: str | None,
                 reporters: list[str] | None = None) -> bool:
        if viewer is None:
            return False
        if reporters is None:
            reporters = reporter_ids(session, incident.id)
        return self.deps.access.allows("view_details", viewer, restricted=incident.restricted, reporters=reporters)

    def current_view(self, session: Session, incident: Incident, viewer: str | None, *,
                     reporters: list[str] | None = None, states: dict[str, StepState] | None = None,
                     known: Mapping[str, str] | None = None) -> StepView | None:
        """The first applicable step not yet done or skipped, rendered; None when finished or hidden. `reporters`,
        `states` and `known` (carried-over answers): what the caller already holds (read when states is not given;
        a new incident passes states={} and has nothing carried over)."""
        if not lifecycle.is_open(incident.status) or not self._may_see(session, incident, viewer, reporters):
            return None
        if states is None:
            states, known = self._progress(session, incident)
        answers = all_answers(states)
        context = render_context(self.deps, incident, answers)
        ids = [step.id for step in self.deps.library.applicable_steps(incident.kind, self.deps.profile, context)]
        for step_id in ids:
            if step_id not in states or states[step_id].status == "pending":
                return self._render(incident, step_id, ids, states, answers, context, known)
        return None

    def _views_in(self, incident: Incident, states: dict[str, StepState]) -> list[StepView]:
        answers = all_answers(states)
        ids = self._applicable(incident, answers)
        return [self._render(incident, step_id, ids, states, answers) for step_id in ids]

    def views(self, incident_id: int, viewer: str) -> list[StepView]:
        """Every applicable step with its status, for a viewer allowed to see the incident."""
        with self.deps.sessions.begin() as session:
            incident = load_incident(session, incident_id)
            reporters = reporter_ids(session, incident_id)
            self.deps.access.require("view_details", viewer, incident_id, restricted=incident.restricted,
                                     reporters=reporters)
            states, known = self._progress(session, incident)
            answers = all_answers(states)
            ids = self._applicable(incident, answers)
            return [self._render(incident, step_id, ids, states, answers, known=known) for step_id in ids]

    def drafts(self, incident_id: int, viewer: str) -> list[DraftView]:
        """Every draft the incident's steps offer, rendered with all the answers given (the last step's wins)."""
        views = self.views(incident_id, viewer)
        by_id = {draft.id: draft for view in views for draft in view.drafts}
        return list(by_id.values())

    def current(self, incident_id: int, viewer: str) -> StepView | None:
        """The step the incident is waiting on."""
        with self.deps.sessions.begin() as session:
            return self.current_view(session, load_incident(session, incident_id), viewer)

    # -- writing -------------------------------------------------------------------------------------------
    def complete(self, incident_id: int, step_id: str, actor: Actor, *, skip: bool = False,
                 answers: Mapping[str, str] | None = None, expected_kind: str | None = None) -> Outcome:
        """Mark a step done (with its answers) or skipped, then move to the next one or resolve.

        expected_kind: the playbook the answering user saw; a step of a playbook the incident has left (kind
        corrected meanwhile) is refused inside the same transaction.
        """
        return transaction(self.deps, lambda session: self._complete(session, incident_id, step_id, actor, skip,
                                                                     dict(answers or {}), expected_kind))

    def _complete(self, session: Session, incident_id: int, step_id: str, actor: Actor, skip: bool,
                  answers: dict[str, str], expected_kind: str | None) -> Outcome:
        incident = load_incident(session, incident_id, lock=True)
        reporters = reporter_ids(session, incident_id)
        require_as(self.deps.access, session, "answer_step", actor, incident_id, restricted=incident.restricted,
                   reporters=reporters)
        cat = self.deps.catalog
        self._same_kind(incident, expected_kind)
        states, carried = self._progress(session, incident)
        given = all_answers(states)
        ids = self._applicable(incident, given)
        if step_id not in ids:
            raise InvalidRequest(cat.t("step.unknown", step=step_id))
        wanted = "skipped" if skip else "done"
        state = states.get(step_id)
        if state is not None and state.status != "pending":
            # A double click, a redelivery, or a stale card's other button (walk s21 #1): the step stays as finished.
            view = build_view(self.deps, incident, reporters, actor.user_id)
            return Outcome(incident=view, duplicate=True, step=self.current_view(session, incident, actor.user_id))
        if not lifecycle.is_open(incident.status):
            raise InvalidRequest(cat.t("error.not_open", ref=f"INC-{incident.id:04d}",
                                       status=cat.label("status", incident.status)))
        spec = self._render(incident, step_id, ids, states, given, known=carried).inputs
        # Prefilled (from the report, or carried over from the former kind): completing the step confirms them;
        # skipping it does not, so the record never shows them as entered.
        known = {} if skip else {item.id: item.value for item in spec if item.value}
        clean = validated(self.deps.catalog, spec, {**known, **answers}, skip)
        now = self.deps.clock.now()
        if state is None:
            state = StepState(incident_id=incident_id, kind=incident.kind, step_id=step_id, status=wanted,
                              answers=clean, actor=actor.user_id, updated_at=now)
            session.add(state)
        else:
            state.status, state.answers, state.actor, state.updated_at = wanted, clean, actor.user_id, now
        states[step_id] = state
        record(session, self.deps, incident_id, "step_skipped" if skip else "step_completed", actor.user_id,
               new=wanted, step=step_id, answers=clean)
        from bot.triage.restriction import restricted_by_answer  # here: restriction imports StepRunner

        # Restricted before the answers are applied: a URL or severity notice is drawn for a restricted incident.
        told = restricted_by_answer(session, self.deps, incident, actor, step_id, clean) if not skip else None
        if told is not None:
            reporters = reporter_ids(session, incident_id)  # co-reporters who lost the role by it
        session.flush()
        messages, notices = self._apply_answers(session, incident, clean, actor.user_id)
        notices = [*(told or ()), *notices]
        queued = queue_when_due(self.deps, session, incident, all_answers(states))  # e.g. 旭川市 7(3)イ 悪質な場合
        if queued:
            messages.insert(0, queued)
        if incident.status in (lifecycle.REPORTED, lifecycle.ACKNOWLEDGED):
            self.set_status(session, incident, lifecycle.RESPONDING, actor.user_id)
        incident.updated_at = now
        given = all_answers(states)
        ids = self._applicable(incident, given)
        completed = self._render(incident, step_id, ids, states, given)
        following = self.current_view(session, incident, actor.user_id)
        finished = following is None and all(i in states and states[i].status != "pending" for i in ids)
        if finished:
            blockers = self._resolve_blockers(incident, states, ids, actor.user_id, reporters)
            if not blockers:
                self.set_status(session, incident, lifecycle.RESOLVED, actor.user_id, reason="all_steps")
            messages += drafts_shown(cat, self._views_in(incident, states))  # every draft, with all the answers
            messages.append(self._finish_message(incident, blockers))  # last: what state the incident is in
        view = build_view(self.deps, incident, reporters, actor.user_id)
        return Outcome(incident=view, step=following, completed_step=completed, finished=finished,
                       messages=tuple(messages), notifications=tuple(notices), became_restricted=told is not None)

    def _resolve_blockers(self, incident: Incident, states: dict[str, StepState], ids: list[str], actor: str,
                          reporters: list[str]) -> list[str]:
        """Why finishing the last step does not end the incident here (empty: it does)."""
        cat, access = self.deps.catalog, self.deps.access
        blockers = []
        if not access.allows("resolve", actor, restricted=incident.restricted, reporters=reporters):
            blockers.append(cat.t("step.needs_role"))
        elif incident.acknowledged_at is None and not access.allows(
                "resolve_unacknowledged", actor, restricted=incident.restricted, reporters=reporters):
            blockers.append(cat.t("step.needs_ack"))
        playbook, base = self.deps.library.playbook(incident.kind), self.deps.profile.base or self.deps.profile.id
        skipped = [playbook.step(i).label(cat.locale, base) for i in ids
                   if i in states and states[i].status == "skipped"
                   and any(item.required for item in playbook.step(i).inputs)]
        if skipped:
            blockers.append(cat.t("step.skipped_required", steps=cat.t("step.list_separator").join(skipped)))
        if blockers:  # who ends it, and where they find the control; who, once (the first reason may name them)
            key = "step.ender_offered" if incident.acknowledged_at else "step.ender_after_ack"
            named = "_named" if blockers[0] in (cat.t("step.needs_role"), cat.t("step.needs_ack")) else ""
            blockers.append(cat.t(key + named))
        return blockers

    def _finish_message(self, incident: Incident, blockers: list[str]) -> str:
        cat, ref = self.deps.catalog, f"INC-{incident.id:04d}"
        if not blockers:
            return cat.t("step.all_done", ref=ref)
        return cat.t("step.all_done_open", ref=ref, reasons=cat.t("step.sentence_separator").join(blockers))

    def _same_kind(self, incident: Incident, expected_kind: str | None) -> None:
        """Refuse a control of the playbook the incident has left (the kind was corrected after it was shown)."""
        if expected_kind is not None and expected_kind != incident.kind:
            cat = self.deps.catalog
            raise WrongKind(cat.t("step.wrong_kind", kind=cat.label("kind", incident.kind)))

    def input_view(self, incident_id: int, step_id: str, actor: Actor, expected_kind: str | None = None) -> StepView:
        """The step whose inputs a user is about to fill in (a modal); a refusal is recorded on the timeline."""

        def work(session: Session) -> StepView:
            incident = load_incident(session, incident_id)
            require_as(self.deps.access, session, "answer_step", actor, incident_id, restricted=incident.restricted,
                       reporters=reporter_ids(session, incident_id))
            self._same_kind(incident, expected_kind)
            states, known = self._progress(session, incident)
            answers = all_answers(states)
            ids = self._applicable(incident, answers)
            if step_id not in ids:
                raise InvalidRequest(self.deps.catalog.t("step.unknown", step=step_id))
            return self._render(incident, step_id, ids, states, answers, known=known)

        return transaction(self.deps, work)

    def replay(self, incident_id: int, step_id: str, actor: Actor) -> Outcome:
        """After a duplicate completion (a click again after a crash): the step as it was completed (and by whom,
        when), the step now waiting, when the playbook is done, its closing message, and the notices its URL correction
        redrew, rebuilt so an adapter can finish the posts the first attempt may not have made. Nothing is written."""
        with self.deps.sessions.begin() as session:
            incident = load_incident(session, incident_id)
            reporters = reporter_ids(session, incident_id)
            self.deps.access.require("answer_step", actor.user_id, incident_id, restricted=incident.restricted,
                                     reporters=reporters)
            states = step_states(session, incident)
            given = all_answers(states)
            ids = self._applicable(incident, given)
            state = states.get(step_id)
            completed = (self._render(incident, step_id, ids, states, given)
                         if step_id in ids and state is not None and state.status != "pending" else None)
            following = self.current_view(session, incident, actor.user_id)
            finished = (completed is not None and following is None
                        and all(i in states and states[i].status != "pending" for i in ids))
            blockers = ([] if not finished or incident.status == lifecycle.RESOLVED else
                        self._resolve_blockers(incident, states, ids, actor.user_id, reporters))
            messages = (self._finish_message(incident, blockers),) if finished else ()
            by = (acted_as(session, incident, state.actor), state.updated_at) if completed and state else None
            return Outcome(incident=build_view(self.deps, incident, reporters, actor.user_id), step=following,
                           completed_step=completed, completed_by=by, finished=finished, duplicate=True,
                           messages=messages, notifications=tuple(revision_replayed(session, self.deps, incident,
                                                                                    step_id)))

    def _apply_answers(self, session: Session, incident: Incident, answers: dict[str, str],
                       actor: str) -> tuple[list[str], list[Notification]]:
        """Answers that describe the incident itself update it (URL, platform, severity); returns what the chat
        and the PR section are told about it."""
        url, old_url = answers.get("post_url"), incident.source_url
        # Followed first as always (the timeline order replays were built on); its notices drawn with the new severity.
        told, notices = follow_url(session, self.deps, incident, url, actor) if url else ([], [])
        if answers.get("platform") and answers["platform"] != incident.platform:
            record(session, self.deps, incident.id, "details_changed", actor, old=incident.platform,
                   new=answers["platform"], field="platform")
            incident.platform = answers["platform"]
        if answers.get("department"):  # the step's own event records it; the report's sender and 所管課別 read it
            incident.department = clip(answers["department"], DEPARTMENT_MAX)
        messages, changed = (self.reassess_severity(session, incident, actor)
                             if any(key in answers for key in SEVERITY_INPUTS) else ([], []))
        return told + messages, told_after_answers(session, self.deps, incident, old_url, bool(notices), changed)

    def reassess_severity(self, session: Session, incident: Incident,
                          actor: str) -> tuple[list[str], list[Notification]]:
        """Severity from the incident's kind and every answer so far; a change is recorded and told."""
        severity = assess(incident.kind, all_answers(step_states(session, incident)))
        return self._severity_changed(session, incident, severity, actor) if severity != incident.severity else ([], [])

    def _severity_changed(self, session: Session, incident: Incident, severity: str,
                          actor: str) -> tuple[list[str], list[Notification]]:
        """Record the new severity; critical and unacknowledged: the next level is due now, office hours or not."""
        old, now, cat = incident.severity, self.deps.clock.now(), self.deps.catalog
        incident.severity = severity
        advanced = 0
        if severity == "critical" and incident.acknowledged_at is None:
            advanced = session.execute(update(Escalation).where(
                Escalation.incident_id == incident.id, Escalation.status == "pending", Escalation.due_at > now,
            ).values(due_at=now)).rowcount or 0
        record(session, self.deps, incident.id, "severity_changed", actor, old=old, new=severity,
               escalations_due_now=advanced)
        ref, labels = f"INC-{incident.id:04d}", {k: cat.label("severity", k) for k in (old, severity)}
        messages = [cat.t("severity_change.changed", ref=ref, old=labels[old], new=labels[severity])]
        if advanced:
            messages.append(cat.t("severity_change.critical_now"))
        if first_notice_withheld(self.deps, session, incident):  # a severity notice would tell them anyway
            return messages, []
        note = section_notice(self.deps, incident.id, "severity_changed",
                              cat.t("severity_change.title", ref=ref, kind=cat.label("kind", incident.kind),
                                    old=labels[old], new=labels[severity]),
                              cat.t("severity_change.body_now" if advanced else "severity_change.body", ref=ref))
        return messages, [note] if note else []

    def set_status(self, session: Session, incident: Incident, target: str, actor: str, **data: object) -> None:
        """Move along the transition table and record it; the open-URL key is released when closing."""
        lifecycle.check_transition(incident.status, target)
        old = incident.status
        now = self.deps.clock.now()
        incident.status = target
        incident.updated_at = now
        if target == lifecycle.RESOLVED:
            incident.resolved_at = now
        elif target == lifecycle.CLOSED:
            incident.closed_at = now
        elif target == lifecycle.RESPONDING and old == lifecycle.RESOLVED:
            incident.resolved_at = None
            key = source_key(incident.source_url)
            incident.open_source_key = key if open_key_free(session, key) else None
        if not lifecycle.is_open(target):
            incident.open_source_key = None
        session.flush()
        record(session, self.deps, incident.id, "status_changed", actor, old=old, new=target, **data)
