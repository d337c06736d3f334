"""Running a typed command on every chat platform (commands.py read it): the core call, the words for the sender
(the outcome's or a refusal's), the plan to deliver and the offers that no longer stand. The adapter renders and
sends what this returns; it decides nothing. A kind correction (種別) is planned as the kind button's is
(controls.correct_kind)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import format_jst
from bot.delivery import controls, plan, status
from bot.delivery.commands import Command, id_like, usage, user_id
from bot.delivery.refusals import Refusals
from bot.ports import Actor, Outcome, StepView
from bot.presenting import failure_text
from bot.triage.core import StorageUnavailable, incident_ref
from bot.triage.service import Triage
from bot.triage.short_input import kind_value

# A typed user as the core's user id; None: the platform cannot tell who it is (Teams: a name typed, no @mention).
Person = Callable[[str], str | None]
ID = "id:"  # grantee(): what follows is a user id, not words


@dataclass(frozen=True)
class Platform:
    """What a command needs from the platform: its refusal words, a user's display name (a kind correction's plan
    names the reporter), whether an incident's conversation already lives privately, what is typed before the
    words (「/incident 」, for usage messages) and whether the command was sent privately."""

    refusals: Refusals
    name_of: Callable[[str], str]
    home_is_private: Callable[[int], bool]
    prefix: str = ""
    private: bool = True  # the command came in a private conversation (a restricted incident's status is said there)


@dataclass(frozen=True)
class Ran:
    """What a command did: words for the sender, the plan to run (`None`: nothing), the incident whose flare-up
    offers no longer stand (a reopen), the refusal behind `said` (the adapter may say it where the platform
    reaches the refused), and the delivery's name for logs and failure words."""

    said: tuple[str, ...]
    plan: plan.Plan | None = None
    drop_offers: int | None = None
    refused: BaseException | None = None
    action: str = "status_notice"


def run(triage: Triage, actor: Actor, command: Command, platform: Platform, person: Person | None = None) -> Ran:
    """close / decline / grant / reopen / kind / status: the core decides who may (a refusal becomes words,
    recorded by the core); a storage failure or a bug is raised for the adapter's own handling (told, logged,
    answered 5xx)."""
    assert command.incident_id is not None and command.action != "new"
    refusals = platform.refusals
    try:
        if command.action == "status":  # 状況 INC-0002: words, and the current step's card for one who may act
            said, posts = status.asked(triage, actor, command.incident_id, private=platform.private,
                                       home_is_private=platform.home_is_private)
            return Ran(said, posts, action="status")
        if command.action == "kind":
            return corrected(triage, actor, command.incident_id, command.kind, platform)
        if command.action == "resolve":  # 対応完了 INC-0001: as the notice's end control (closing review, records)
            return resolved(triage, actor, command.incident_id, platform)
        if command.action == "acknowledge":  # 「INC-0001 確認しました」 typed by PR: as the notice's button
            return acknowledged(triage, actor, command.incident_id)
        if command.action == "grant":
            user = grantee(triage, actor, command, person)
            if not user.startswith(ID):  # no one person: why, and whom the name could mean
                return Ran((user or not_a_person(refusals, command),))
            user = user.removeprefix(ID)
            outcome = command.run(triage, actor, lambda _: user, named(platform, user))
        else:
            outcome = command.run(triage, actor)
    except (StorageUnavailable, SQLAlchemyError):
        raise
    except Exception as exc:
        if failure_text(exc, refusals.catalog, command.incident_id) is None:
            raise  # a bug: the adapter logs its traceback and says so in plain words
        return Ran((refusals.words(exc, f"command_{command.action}", command.incident_id),), refused=exc)
    return told(outcome, actor, command, controls.open_steps(triage, outcome.incident))


def grantee(triage: Triage, actor: Actor, command: Command, person: Person | None) -> str:
    """ID + the user id a typed grantee means: the platform's reading (an @mention picked, an id), else the one
    reporter of the incident named so (「鈴木 次郎」, spaces ignored); else the words saying whom it could mean, or ""
    for nobody. A name is never taken for an id (the role would go to nobody); one who may not grant is refused
    before any name is looked up."""
    assert command.incident_id is not None
    typed = command.user
    user = (person or (lambda typed: user_id(actor, typed)))(typed)
    if user is not None and (id_like(typed) or user != user_id(actor, typed)):
        return ID + user
    exact, found = triage.roles.reporters_named(command.incident_id, actor, typed)
    if exact and len(found) == 1:
        return ID + found[0][0]
    if not found:
        return ""
    catalog = triage.catalog
    each = [catalog.t("commands.grant_person", name=name, user=user) for user, name in found]
    people = ("、" if catalog.locale == "ja" else "; ").join(each)
    return catalog.t("commands.grant_which", typed=typed, people=people, ref=incident_ref(command.incident_id),
                     example=found[0][0])


def told(outcome: Outcome, actor: Actor, command: Command, open_steps: tuple[StepView, ...] = ()) -> Ran:
    """A status change or a grant done: its words to the sender, its notices (a reopen tells PR; an end withdraws
    the controls of the conversation, `open_steps` the steps still pending), and a reopened incident's flare-up
    offers dropped."""
    notices = plan.notices(outcome, actor.user_id, open_steps)
    return Ran(tuple(outcome.messages), notices if notices.incident_id is not None else None,
               drop_offers=command.incident_id if command.action == "reopen" else None)


def corrected(triage: Triage, actor: Actor, incident_id: int, typed: str, platform: Platform) -> Ran:
    """種別 INC-0001 情報漏えい: the kind button's use case and plan (redaction, a move to a private conversation,
    notices); an unknown kind word gets the usage with the kinds. The sender is told unless the plan tells them
    in their own private chat (the reporter of an incident living there)."""
    kinds, catalog = triage.deps.library.kinds(), platform.refusals.catalog
    kind = kind_value(typed, kinds, {k: [catalog.label("kind", k)] for k in kinds})  # as the core reads it
    if kind not in kinds:
        return Ran((usage(catalog.t, platform.prefix, "kind", kinds).text,))
    private = platform.home_is_private(incident_id)
    after, before = controls.correct_kind(triage, incident_id, kind, actor, platform.name_of,
                                          home_is_private=private)
    view = after.outcome.incident
    if view is None or not after.outcome.messages:  # already that kind: said so (a restricted one re-redacted)
        said = catalog.t("commands.kind_same", ref=before.ref, kind=catalog.label("kind", kind))
        return Ran((said,), after.plan if after.plan is not None and after.plan.ops else None, action="kind_select")
    at_home = actor.user_id == view.reporter_id and (view.restricted or private)
    if at_home:
        return Ran((), after.plan, action="kind_select")
    # Told elsewhere: the steps go to the incident's conversation, not to the sender's chat (LINE WORKS walk F).
    where = catalog.platform_word("place.reporter_chat" if view.restricted or private else "place.thread",
                                  platform.refusals.platform)
    said = catalog.t("correct.done_elsewhere", ref=view.ref, kind=view.kind_label, where=where)
    return Ran((said, *after.outcome.messages[1:]), after.plan, action="kind_select")


def resolved(triage: Triage, actor: Actor, incident_id: int, platform: Platform) -> Ran:
    """対応完了 typed: the end control's use case and plan (the core decides who may, a bystander is refused and
    recorded); its words to the sender."""
    catalog = triage.catalog
    after = controls.end(triage, incident_id, actor, lambda at: format_jst(at or triage.deps.clock.now(),
                                                                            catalog.locale),
                         platform.refusals.platform)
    return Ran(tuple(after.outcome.messages), after.plan, action="incident_resolve")


def acknowledged(triage: Triage, actor: Actor, incident_id: int) -> Ran:
    """A typed acknowledgement: the button's use case and plan (the notices' controls replaced, reporters told)."""
    after = controls.acknowledge(triage, incident_id, actor,
                                 lambda at: format_jst(at or triage.deps.clock.now(), triage.catalog.locale))
    return Ran(tuple(after.outcome.messages), after.plan, action="acknowledge")


def named(platform: Platform, user: str) -> str:
    """The grantee as the platform names them; "" when it knows no more than their id."""
    name = platform.name_of(user)
    return "" if not name or name in (user, user.partition(":")[2]) else name


def not_a_person(refusals: Refusals, command: Command) -> str:
    """Why nothing was granted to a typed name: the platform's own words (`<platform>.grant_who`) when it has them."""
    catalog, key = refusals.catalog, f"{refusals.platform}.grant_who"
    key = key if key in catalog.keys() else "commands.grant_who"
    return catalog.t(key, typed=command.user, ref=incident_ref(command.incident_id or 0))


__all__ = ["Person", "Platform", "Ran", "acknowledged", "corrected", "grantee", "not_a_person", "resolved", "run",
           "told"]
