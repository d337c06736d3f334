"""What follows a report on every platform: the private question, the core's words for the reporter, nothing,
or the report's delivery plan. The adapter shows the question and the words its own way and runs the plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from bot.delivery import plan, typed_ack
from bot.delivery.commands import near
from bot.delivery.status_question import asked_about
from bot.ports import AskIfReport, Outcome, ReopenOrNew
from bot.triage.classifier_intake import intake_action
from bot.triage.classify import Classifier
from bot.triage.incidents import MAX_TEXT
from bot.triage.sanitize import storable

Source = Literal["personal", "channel", "mention"]


def report_source(*, personal: bool, report_channel: bool, top_level: bool, mentioned: bool,
                  in_incident_thread: Callable[[], bool]) -> Source | None:
    """Whether a person's message is a report, and how, on every platform: anything top-level in their personal
    chat with the bot; any post in a report channel outside an incident's thread; elsewhere only what mentions the
    bot outside an incident's thread. An incident's own thread is conversation."""
    if personal:
        return "personal" if top_level else None
    if report_channel:
        # A report made as a reply (under a colleague's question, or a post the classifier left alone) is read like
        # a new post rather than dropped; chatter there is left alone as it is at the top level.
        return "channel" if top_level or not in_incident_thread() else None
    if not mentioned or (not top_level and in_incident_thread()):
        return None
    return "mention"


@dataclass(frozen=True)
class AfterReport:
    """One of: `ask` (only the poster sees it), `words` (for the reporter only), `plan`; all empty: nothing.
    `choose` comes with a plan: the reporter's private reopen-or-new buttons, shown before the plan runs."""

    ask: AskIfReport | None = None
    words: tuple[str, ...] = ()
    plan: plan.Plan | None = None
    choose: ReopenOrNew | None = None


def after_report(outcome: Outcome, origin: plan.Origin, *, answer: bool, can_ask: bool = True,
                 name_of: Callable[[str], str] | None = None,
                 home_is_private: Callable[[int], bool] | None = None) -> AfterReport:
    """The question when the core asks whether this is a report; without an incident, the core's words when the
    message was meant for the bot (`answer`; chatter in report channels gets no reply); a redelivered report that
    made nothing new: nothing; otherwise the plan (a new incident's posts, or the merge's). `can_ask`: whether
    the platform can ask about this message (Slack needs the message's ts); a resolved incident's post reported
    again then gets the reopen-or-new buttons (flareup.py) in place of the plan's plain note. `name_of` (a user's
    name) and `home_is_private` (an incident's conversation is a private chat) are asked only when a merged report
    restricted the incident: its plan redacts and moves as a kind correction's does."""
    if outcome.incident is None:
        if outcome.ask is not None and can_ask:
            return AfterReport(ask=outcome.ask)
        return AfterReport(words=tuple(outcome.messages) if answer else ())
    if outcome.duplicate and not (outcome.created or outcome.merged):
        return AfterReport()
    view = outcome.incident
    if outcome.became_restricted and name_of is not None and home_is_private is not None:
        made = plan.report(outcome, origin, reporter_name=name_of(view.reporter_id),
                           home_is_private=home_is_private(view.id))
    else:
        made = plan.report(outcome, origin)
    if outcome.reopen_or_new is not None and can_ask:  # the buttons replace the plain note to the reporter
        kept = tuple(op for op in made.ops if not isinstance(op, plan.Tell))
        return AfterReport(plan=replace(made, ops=kept), choose=outcome.reopen_or_new)
    return AfterReport(plan=made)


def leaves_alone(classifier: Classifier, text: str) -> bool:
    """Whether a post in a report channel (no explicit intent, no kind given) leads to nothing at all: the core's
    intake ignores it as chatter, so nothing is stored, asked or said and the platform may be answered at once."""
    # The text as the core's report() classifies it (storable, clipped); tests/delivery/test_intake.py holds the
    # two to the same answer. A question about an incident's standing is answered (bot/delivery/typed.py).
    if asked_about(text) is not None or near(text) is not None:  # a command attempt (「INC-0001 終結」) is answered
        return False
    if typed_ack.number(text) is not None:  # PR's 「INC-0001 確認しました」 acknowledges (who typed it is read later)
        return False
    return intake_action(classifier.classify(storable(text)[:MAX_TEXT]), explicit=False) == "ignore"


__all__ = ["AfterReport", "Source", "after_report", "leaves_alone", "report_source"]
