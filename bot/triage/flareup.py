"""A resolved incident's post reported again (a flare-up, 再燃): the reporter's choice and the notice to PR.

No guideline says anything about a flare-up, so the notice goes to the first notice's sections as general
practice and says so; it cites no clause."""

from __future__ import annotations

from dataclasses import replace

from bot.ports import Actor, IncidentView, Notification, Outcome, ReopenOrNew
from bot.triage.command_hints import how
from bot.triage.core import CoreDeps, section_notice

TOPIC = "reported_again"  # the notice's topic (Notification.topic), as the timeline event is called


def same_post_outcome(deps: CoreDeps, view: IncidentView, platform: str, *, duplicate: bool = False,
                      notifications: tuple[Notification, ...] = ()) -> Outcome:
    """Nothing opened: the reporter is asked to reopen the resolved incident or to report a new one."""
    cat = deps.catalog
    question = cat.t("report.same_as_resolved", ref=view.ref, status=view.status_label) + how(
        cat, "reopen", platform, ref=view.ref, id=view.id)  # how, in its platform's words, where buttons fail
    choice = ReopenOrNew(view.id, question, cat.t("report.reopen_choice", ref=view.ref), cat.t("report.new_choice"))
    return Outcome(incident=view, merged=True, same_as_resolved=True, duplicate=duplicate, messages=(question,),
                   notifications=notifications, reopen_or_new=choice)


def flareup_notice(deps: CoreDeps, view: IncidentView, actor: Actor) -> Notification | None:
    """What the first notice's sections are told: who reported the post again (no report text when restricted)."""
    cat = deps.catalog
    reporter = actor.display_name or actor.user_id
    if view.restricted:
        body = cat.t("flareup.body_restricted", reporter=reporter, user=actor.user_id, ref=view.ref)
    else:
        body = cat.t("flareup.body", reporter=reporter, user=actor.user_id, ref=view.ref,
                     url=view.source_url or "—")
    body += how(cat, "reopen", actor.platform, ref=view.ref, id=view.id) + "\n" + cat.t("flareup.basis")
    title = cat.t("flareup.title", ref=view.ref, kind=view.kind_label, status=view.status_label)
    note = section_notice(deps, view.id, TOPIC, title, body)
    first = deps.escalation.level(1)
    if note is None or first is None:
        return None
    # Mentioned and addressed like the first notice: a flare-up needs PR's decision, unlike a co-report's notice.
    return replace(note, mention=first.mention, audiences=first.sections or (first.section,))


__all__ = ["TOPIC", "flareup_notice", "same_post_outcome"]
