"""状況 INC-0002 (or a question in staff's words) on every platform: the incident's standing in the asker's words
and, for one who may carry out its current step, that step's card posted in their own private chat (once per
person and step: ledger.copy_purpose), so they can continue it. A restricted incident's standing is said only to
those allowed, only in a private conversation. The adapter says and delivers what this returns."""

from __future__ import annotations

from collections.abc import Callable

from bot.clock import format_jst
from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.content import Place
from bot.delivery.ledger import copy_purpose, step_purpose
from bot.ports import Actor
from bot.triage.service import Triage
from bot.triage.standing import Standing


def asked(triage: Triage, actor: Actor, incident_id: int, *, private: bool,
          home_is_private: Callable[[int], bool]) -> tuple[tuple[str, ...], plan.Plan | None]:
    """The words for the asker and the plan posting the current step's card to them (None: nothing to post).
    Raises the core's refusal (recorded) or IncidentNotFound for the caller's refusal words."""
    def here(key: str, **params: object) -> str:  # a place, in the asker's platform's words (LINE WORKS: 1:1 トーク)
        return triage.catalog.platform_word(key, actor.platform, **params)

    if not private and (seen := triage.queries.view(incident_id, None)).restricted:  # not a word of it in public
        return (here("standing.private_only", ref=seen.ref),), None
    standing = triage.standing.standing(incident_id, actor)
    said, step, view = words(triage, standing), standing.current, standing.view
    if step is None or not standing.can_act:
        return said, None
    if actor.user_id == view.reporter_id and (view.restricted or home_is_private(view.id)):
        return said + (here("standing.card_home", index=step.index),), None  # the card is in their own chat already
    card = plan.Post(view.id, copy_purpose(step_purpose(view.kind, step.step_id), actor.user_id),
                     Place(actor.user_id), c.Step(view, step))
    return (said + (here("standing.card_sent", index=step.index, title=step.title),),
            plan.Plan(view.id, (card,), view.severity, actor.user_id))


def words(triage: Triage, standing: Standing) -> tuple[str, ...]:
    """The standing as one message: the incident, its current step, the steps done, notices and acknowledgement."""
    t, locale, view = triage.catalog.t, triage.catalog.locale, standing.view
    lines = [t("standing.title", ref=view.ref, kind=view.kind_label),
             t("standing.state", status=view.status_label, severity=view.severity_label)]
    step = standing.current
    if step is not None:
        lines.append(t("standing.current", index=step.index, total=step.total, title=step.title))
    else:
        lines.append(t("standing.no_current", status=view.status_label))
    lines.append(t("standing.done_head") if standing.done else t("standing.done_none"))
    lines += [t("standing.done", index=done.index, title=done.title, how=t(f"standing.how_{done.status}"),
                by=done.by, at=format_jst(done.at, locale)) for done in standing.done]
    lines += [t("standing.notified", sections=sections, at=format_jst(at, locale))
              for sections, at in standing.notified] or [t("standing.notified_none")]
    if standing.unreached is not None:  # the notice listed above was refused (walk s21 #5)
        lines.append(t("standing.unreached", sections=standing.unreached[0],
                       at=format_jst(standing.unreached[1], locale)))
    acked = standing.acknowledged
    lines.append(t("standing.acked", by=acked[0], at=format_jst(acked[1], locale)) if acked
                 else t("standing.not_acked"))
    return ("\n".join(lines),)


__all__ = ["asked", "words"]
