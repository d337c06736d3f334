"""Neutral delivery contents (bot/delivery/content.py) as Adaptive Cards, with the summary Teams notifications show."""

from __future__ import annotations

from typing import Any

from bot.adapters.teams.cards import INPUT_PREFIX, CardRenderer, action, card, lines, text_block
from bot.adapters.teams.connector import is_channel, is_personal
from bot.adapters.teams.mentions import section_mentions
from bot.adapters.teams.settings import TeamsSettings
from bot.adapters.teams.text import md_escape
from bot.delivery import content as c
from bot.delivery import layout
from bot.ports import IncidentView
from bot.presenting import plain_words
from bot.records.service import MAX_REVIEW

Card = tuple[dict[str, Any], str]
REVIEW_SUBMIT = "records_review"  # the closing review card's verb (records.py records it)
CAUSE, PREVENTION = "cause", "prevention"


def _texts(render: CardRenderer, *texts: str) -> Card:
    return render.messages(texts), " ".join(texts)


def rendered(render: CardRenderer, settings: TeamsSettings, content: c.Content, link: str | None = None) -> Card:
    """A card and its summary for a neutral content (`link`: the incident's thread)."""
    t, words = render.t, plain_words(content, render.catalog)
    if isinstance(content, c.PrivacyAdvice):  # Teams' words (チャネル); a group chat has no channel nor its admin
        group = content.public and not is_channel(content.public.channel) and not is_personal(content.public.channel)
        key = ("teams.privacy_group" if group else "teams.privacy_advice") + ("" if content.own else "_others")
        return _texts(render, t(key + ("_merged" if content.merged else ""), ref=content.view.ref))
    if words is not None:
        return _texts(render, *words)
    if isinstance(content, c.Anchor):
        return _texts(render, t("teams.anchor", ref=content.view.ref, kind=content.view.kind_label,
                                reporter=content.reporter_name))
    if isinstance(content, c.Anchored):
        return _texts(render, t("teams.anchored", ref=content.view.ref))
    if isinstance(content, c.Intro):
        return render.intro(content.texts, content.view.id, content.view.kind), " ".join(content.texts)
    if isinstance(content, c.Step):
        return render.step(content.step, content.view.kind), layout.heading(content.step, t)
    if isinstance(content, c.StepClosed):
        return render.step_closed(content.step, content.by, content.when), layout.heading(content.step, t)
    if isinstance(content, c.StepSuperseded):
        return render.step_superseded(content.step), content.step.title
    if isinstance(content, c.SectionNotice):
        note = content.note
        people = section_mentions(settings, note.audience, note.audiences)
        return (render.notification(note, content.link, people, private=content.private, reopen=content.reopen),
                note.title)
    if isinstance(content, c.Linked):
        if content.private and isinstance(content.content, c.Anchored):  # the reporter's own chat with the bot
            return _texts(render, t("teams.anchored_chat", ref=content.content.view.ref))
        inner, summary = rendered(render, settings, content.content)
        if content.private:  # someone else's personal chat: said in words, no link they could not open
            said = plain_words(content.content, render.catalog) or (summary,)
            inner = render.messages((*said, t("teams.merged_chat")))
        elif content.url:
            inner = dict(inner, actions=[*inner.get("actions", []), *render.thread_link(content.url)])
        return inner, summary
    if isinstance(content, (c.NoticeAcknowledged, c.NoticeRedacted, c.NoticeEnded)):
        return render.notification_after(content, link, content.title), content.view.ref
    if isinstance(content, c.ReopenWithdrawn):
        return render.reopen_withdrawn(content, link), content.view.ref
    if isinstance(content, c.ReviewInvite):
        view = content.view
        return review_card(render, view), t("records.review.invite", ref=view.ref, status=view.status_label)
    raise TypeError(f"no Teams rendering for {type(content).__name__}")


def review_card(render: CardRenderer, view: IncidentView) -> dict[str, Any]:
    """The invitation at an incident's end: two optional multi-line inputs and the button that records them."""
    t = render.t

    def field(name: str, label: str) -> dict[str, Any]:
        return {"type": "Input.Text", "id": INPUT_PREFIX + name, "label": t(label), "isMultiline": True,
                "isRequired": False, "maxLength": MAX_REVIEW}

    body = [*lines(t("records.review.invite", ref=view.ref, status=view.status_label)),
            text_block(md_escape(t("records.review.modal_hint")), isSubtle=True, size="Small"),
            field(CAUSE, "records.review.cause_label"), field(PREVENTION, "records.review.prevention_label")]
    return card(body, [action(t("records.review.submit"), REVIEW_SUBMIT, {"incident": view.id}, style="positive")])
