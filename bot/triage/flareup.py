"""A resolved incident's post reported again (a flare-up, 再燃): the reporter's choice and the notice to PR.

No guideline says anything about a flare-up, so the notice goes to the first notice's sections as general
practice and says so; it cites no clause."""

from __future__ import annotations

from dataclasses import replace

from bot.clock import format_jst
from bot.ports import Actor, IncidentView, Notification, Outcome, ReopenOrNew
from bot.triage.command_hints import how
from bot.triage.core import CoreDeps, section_notice

TOPIC = "reported_again"  # the notice's topic (Notification.topic), as the timeline event is called
REOPENED = "reopened"  # the topic of the notice that the incident was reopened
# The topic of what the incident's own conversation is told of a reopen (its thread, or for a restricted incident
# the reporter's private chat): posted there by the delivery plan, never to a section.
REOPENED_HERE = "reopened_here"
def same_post_outcome(deps: CoreDeps, view: IncidentView, platform: str, *, duplicate: bool = False,
                      notifications: tuple[Notification, ...] = (), reporter: str = "",
                      reporters: tuple[str, ...] = ()) -> Outcome:
    """Nothing opened: the reporter is asked to reopen the resolved incident (if they may) or to report a new one."""
    cat = deps.catalog
    may = deps.access.allows("reopen", reporter, restricted=view.restricted, reporters=reporters)
    if may:
        question = cat.t("report.same_as_resolved", ref=view.ref, status=view.status_label) + how(
            cat, "reopen", platform, ref=view.ref, id=view.id)  # how, in its platform's words, where buttons fail
    else:  # a button they would be refused on helps nobody: say who decides, and that they were told
        question = cat.t("report.same_as_resolved_told", ref=view.ref, status=view.status_label) + how(
            cat, "new", platform)  # where no button can be shown (Slack's slash command)
    choice = ReopenOrNew(view.id, question, cat.t("report.reopen_choice", ref=view.ref), cat.t("report.new_choice"),
                         may_reopen=may)
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
    return _to_first_sections(deps, section_notice(deps, view.id, TOPIC, title, body))


def reopened_notice(deps: CoreDeps, view: IncidentView, actor: Actor) -> tuple[Notification, ...]:
    """A resolved incident reopened: the first notice's sections are told who reopened it (nothing else did), and
    the incident's own conversation that it is running again (REOPENED_HERE)."""
    cat = deps.catalog
    said = cat.t("flareup.reopened_body", who=actor.display_name or actor.user_id, status=view.status_label,
                 when=format_jst(deps.clock.now(), cat.locale))
    title = cat.t("flareup.reopened_title", ref=view.ref, kind=view.kind_label)
    told = _to_first_sections(deps, section_notice(deps, view.id, REOPENED, title, said + "\n" + cat.t(
        "flareup.basis")))
    here = section_notice(deps, view.id, REOPENED_HERE, title, said + "\n" + cat.t("flareup.reopened_here"))
    return tuple(note for note in (told, here) if note)


def _to_first_sections(deps: CoreDeps, note: Notification | None) -> Notification | None:
    """Mentioned and addressed like the first notice: a flare-up needs PR's decision, unlike a co-report's notice."""
    first = deps.escalation.level(1)
    if note is None or first is None:
        return None
    return replace(note, mention=first.mention, audiences=first.sections or (first.section,))


__all__ = ["REOPENED", "REOPENED_HERE", "TOPIC", "flareup_notice", "reopened_notice",
           "same_post_outcome"]
