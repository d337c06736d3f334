"""Neutral outputs (StepView, Notification, messages) rendered as Adaptive Cards 1.5 for Teams."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from bot.adapters.teams.mentions import mention_entity, mention_line
from bot.adapters.teams.settings import TeamsMention
from bot.adapters.teams.text import md_escape
from bot.clock import format_jst
from bot.delivery import content as c
from bot.delivery import layout
from bot.delivery.flareup import FLAREUP_ACTION, REOPEN
from bot.i18n import Catalog
from bot.ports import InputSpec, Notification, StepView
from bot.presenting import StepRef, field_errors, reopened_words, shorten, shown_value
from bot.triage.core import incident_ref
from bot.triage.lifecycle import RESOLVED

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

# Verbs: the contract between rendered controls and the handlers.
STEP_DONE = "step_done"
STEP_SKIP = "step_skip"
KIND_SELECT = "kind_select"
ACKNOWLEDGE = "acknowledge"
RESOLVE = "resolve"  # the control that ends an incident whose steps are done (bot/delivery/controls.py end)
INPUT_PREFIX = "in_"  # card input ids: in_<playbook input id> (never clashes with the data keys)
KIND_INPUT = "kind"

TEXT_LIMIT = 3000  # characters of user text (report, answers) shown in one card
ANSWER_LIMIT = 500
CARD_BYTES_LIMIT = 26_000  # Teams refuses messages over about 28 KB


def text_block(text: str, **style: Any) -> dict[str, Any]:
    """A wrapping TextBlock; `text` must already be escaped (or be markup built here)."""
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def lines(text: str, **style: Any) -> list[dict[str, Any]]:
    """Plain text as escaped TextBlocks, one per line, so line breaks survive every Teams client."""
    blocks: list[dict[str, Any]] = []
    gap = False
    for line in text.strip("\n").split("\n"):
        if not line.strip():
            gap = True
            continue
        block = text_block(md_escape(line), **style)
        block["spacing"] = "Medium" if gap else "None"
        blocks.append(block)
        gap = False
    if blocks:
        blocks[0]["spacing"] = style.get("spacing", "Default")
    return blocks


def action(title: str, verb: str, data: dict[str, Any], *, style: str | None = None,
           inputs: bool = True) -> dict[str, Any]:
    """Action.Execute with an Action.Submit fallback carrying the same data (`verb` included for Submit)."""
    payload = {"verb": verb, **data}
    associated = "auto" if inputs else "none"
    submit: dict[str, Any] = {"type": "Action.Submit", "title": title, "data": payload,
                              "associatedInputs": associated}
    execute: dict[str, Any] = {"type": "Action.Execute", "title": title, "verb": verb, "data": payload,
                               "associatedInputs": associated, "fallback": submit}
    if style:
        execute["style"] = submit["style"] = style
    return execute


def card(body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] = (),
         mentions: Sequence[TeamsMention] = ()) -> dict[str, Any]:
    """An Adaptive Card 1.5 (full width in Teams), with mention entities for `<at>` tags built here."""
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
                               "msteams": {"width": "Full"}}
    if actions:
        content["actions"] = list(actions)
    if mentions:
        content["msteams"]["entities"] = [mention_entity(m) for m in mentions]
    return content


def card_size(content: dict[str, Any]) -> int:
    return len(json.dumps(content, ensure_ascii=False).encode("utf-8"))


class CardRenderer:
    """Builds Adaptive Cards from the core's neutral outputs in the configured locale."""

    def __init__(self, catalog: Catalog, kinds: Sequence[str]) -> None:
        self.catalog = catalog
        self.kinds = list(kinds)

    def t(self, key: str, **params: Any) -> str:
        return self.catalog.t(key, **params)

    # -- plain messages ------------------------------------------------------------------------------------
    def messages(self, texts: Iterable[str]) -> dict[str, Any]:
        """Localised core messages, one after another."""
        body: list[dict[str, Any]] = []
        for text in texts:
            if text:
                body += lines(shorten(text, TEXT_LIMIT))
        return card(body or [text_block(" ")])

    def intro(self, texts: Iterable[str], incident_id: int, kind: str) -> dict[str, Any]:
        """The first reply: what was received, and the kind correction choice."""
        body = self.messages(texts)["body"]
        body.append(text_block(md_escape(self.t("teams.intro.kind_label")), isSubtle=True, spacing="Medium"))
        body.append(self.kind_choice(KIND_INPUT, self.t("teams.intro.kind_input"), value=kind))
        return card(body, [action(self.t("teams.intro.kind_submit"), KIND_SELECT, {"incident": incident_id})])

    def kind_choice(self, input_id: str, label: str, **given: str) -> dict[str, Any]:
        """A compact choice of the incident kinds (by their labels)."""
        return {"type": "Input.ChoiceSet", "id": input_id, "style": "compact", **given, "label": label,
                "choices": [{"title": self.catalog.label("kind", k), "value": k} for k in self.kinds]}

    # -- steps -----------------------------------------------------------------------------------------------
    def _parts(self, parts: list[layout.Part]) -> list[dict[str, Any]]:
        """Neutral step parts (bot/delivery/layout.py) as TextBlocks, a FactSet and draft containers."""
        def said(text: str, **style: Any) -> dict[str, Any]:
            return text_block(md_escape(text), **style)
        draw: dict[str, Any] = {
            layout.HEADING: lambda p: [said(p.text, weight="Bolder", size="Medium")],
            layout.TEXT: lambda p: lines(p.text),
            layout.NOTE: lambda p: lines(p.text, isSubtle=True),
            layout.CITE: lambda p: [said(p.text, isSubtle=True, size="Small")],
            layout.WARN: lambda p: [said(p.text, weight="Bolder", color="Attention", spacing="Medium"),
                                    *(said(item, color="Attention", spacing="None") for item in p.items)],
            layout.STATUS: lambda p: [said(p.text, color="Good", spacing="None")],
            layout.FACTS: lambda p: [said(p.text, weight="Bolder", spacing="Medium"), {"type": "FactSet", "facts": [
                {"title": md_escape(label), "value": md_escape(shorten(value, ANSWER_LIMIT))}
                for label, value in p.facts]}],
            layout.DRAFT: lambda p: [{"type": "Container", "style": "emphasis", "items": [
                said(p.text, weight="Bolder"), *lines(p.items[0].strip(), fontType="Monospace")], "spacing": "Medium"}]}
        return [block for part in parts for block in part.map(draw)]

    def _input(self, item: InputSpec, current: str | None) -> list[dict[str, Any]]:
        field: dict[str, Any] = {"id": INPUT_PREFIX + item.id, "label": item.label,
                                 "isRequired": item.required}
        if item.required:
            field["errorMessage"] = self.t("input.required", field=item.label)
        if item.type == "choice":
            field.update({"type": "Input.ChoiceSet", "style": "compact",
                          "choices": [{"title": label, "value": value} for value, label in item.choices]})
            if current in {value for value, _ in item.choices}:
                field["value"] = current
        else:
            field.update({"type": "Input.Text", "maxLength": 3000,
                          "isMultiline": item.type in ("textarea", "screenshot_note")})
            if item.type == "url":
                field["style"] = "Url"
            if item.type == "platform":
                field["placeholder"] = self.t("teams.step.platform_placeholder")
            if current:
                field["value"] = shorten(current, 3000)
        blocks = [field]
        if item.help:
            blocks.append(text_block(md_escape(item.help), isSubtle=True, size="Small", spacing="None"))
        return blocks

    def _fitted(self, body: list[dict[str, Any]], drafts: list[dict[str, Any]],
                actions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
        """The card with its drafts, or a note in their place when they make it too big for one Teams message."""
        content = card(body + drafts, actions)
        if card_size(content) > CARD_BYTES_LIMIT:  # drafts are the bulk; they are in the timeline export too
            content = card(body + [text_block(md_escape(self.t("teams.truncated")), isSubtle=True)], actions)
        return content

    def step(self, step: StepView, kind: str, *, error: str | None = None,
             values: dict[str, str] | None = None) -> dict[str, Any]:
        """A pending step: instructions, clauses, don'ts, inputs in the card, drafts, and its actions."""
        body = self._parts(layout.pending(step, self.t))
        current = {**{item.id: shown_value(step, item) for item in step.inputs}, **(values or {})}
        errors = field_errors(error, [(item.id, item.label) for item in step.inputs]) if error else {}
        if error and not step.inputs:
            errors = {"": error}
        for item in step.inputs:
            body += self._input(item, current.get(item.id))
            if item.id in errors:  # the core's refusal, under the field it is about
                body += lines(errors.pop(item.id), color="Attention", spacing="None")
        drafts = self._parts(layout.drafts(step, self.t))
        for rest in errors.values():
            body += lines(rest, color="Attention", weight="Bolder")
        data = {"ref": StepRef(step.incident_id, kind, step.step_id).encode()}
        done_title = self.t("teams.step.submit" if step.inputs else "teams.step.done")
        actions = [action(done_title, STEP_DONE, data, style="positive"),
                   action(self.t("teams.step.skip"), STEP_SKIP, data, inputs=False)]
        return self._fitted(body, drafts, actions)

    def step_closed(self, step: StepView, who: str, when: str) -> dict[str, Any]:
        """A finished step, updated in place: its status, who and when, the answers and final drafts."""
        return self._fitted(self._parts(layout.closed(step, who, when, self.t)),
                            self._parts(layout.drafts(step, self.t)))

    def step_superseded(self, step: StepView) -> dict[str, Any]:
        """A pending step of the playbook the incident no longer follows (kind corrected)."""
        return card([text_block(md_escape(step.title), isSubtle=True, weight="Bolder"),
                     text_block(md_escape(self.t("step.superseded")), isSubtle=True, spacing="None")])

    # -- notifications ---------------------------------------------------------------------------------------
    def thread_link(self, thread_url: str | None) -> list[dict[str, Any]]:
        """The button that opens the incident's thread (none without a link)."""
        if thread_url:
            return [{"type": "Action.OpenUrl", "title": self.t("teams.pr.open_thread"), "url": thread_url}]
        return []

    def notification(self, note: Notification, thread_url: str | None, people: Sequence[TeamsMention] = (), *,
                     private: bool = False, reopen: bool = False) -> dict[str, Any]:
        """A PR or escalation card: mentions, title, body (already free of restricted details), acknowledge;
        `private`: the conversation is the reporter's personal chat (said, never linked); `reopen`: a flare-up's
        reopen button, the reporter's own reopen-or-new verb (the core decides who may)."""
        body: list[dict[str, Any]] = []
        if people:
            body.append(text_block(mention_line(people)))
        body.append(text_block(md_escape(note.title), weight="Bolder", size="Medium"))
        body += lines(shorten(note.body, TEXT_LIMIT))
        if not thread_url:
            where = self.t("teams.pr.in_chat" if private else "teams.pr.no_link")
            body.append(text_block(md_escape(where), isSubtle=True, size="Small"))
        actions = []
        if note.acknowledgeable:
            actions.append(action(self.t("notify.acknowledge"), ACKNOWLEDGE,
                                  {"incident": note.incident_id, "level": note.level}, style="positive"))
        if reopen:
            actions.append(action(self.t("report.reopen_choice", ref=incident_ref(note.incident_id)), FLAREUP_ACTION,
                                  {"incident": note.incident_id, "k": REOPEN}, style="positive", inputs=False))
        actions += self.thread_link(thread_url)
        return card(body, actions, people)

    def reopen_withdrawn(self, content: c.ReopenWithdrawn, thread_url: str | None) -> dict[str, Any]:
        """A flare-up card once the incident was reopened: drawn from the incident (the connector cannot read a
        posted card back), who reopened it in place of the reopen button."""
        view = content.view
        title = self.t("flareup.title", ref=view.ref, kind=view.kind_label,
                       status=self.catalog.label("status", RESOLVED))  # what it was when reported again
        body = [text_block(md_escape(title), weight="Bolder", size="Medium"),
                *lines(reopened_words(content), color="Good")]
        return card(body, self.thread_link(thread_url))

    def notification_after(self, content: c.NoticeAcknowledged | c.NoticeRedacted | c.NoticeEnded,
                           thread_url: str | None, title: str | None = None) -> dict[str, Any]:
        """A notification drawn again after it changed (acknowledged, restricted, ended by a command): the
        connector cannot read a posted card back, so it is drawn from the incident, without the report's text;
        `title`: the card's own when it is not the first notice's (a re-notice's)."""
        view, acknowledged = content.view, None
        if isinstance(content, c.NoticeAcknowledged):
            acknowledged = self.t("notify.acknowledged", who=content.by, when=content.when)
        elif view.acknowledged_at is not None:
            acknowledged = self.t("notify.acknowledged", who=view.acknowledged_by or "",
                                  when=format_jst(view.acknowledged_at, self.catalog.locale))
        title = title or self.t("notify.title", ref=view.ref, kind=view.kind_label, severity=view.severity_label)
        body = [text_block(md_escape(title), weight="Bolder", size="Medium")]
        if view.restricted:  # "withdrawn" only where the card showed the text before: a leak's never did
            key = "teams.pr.restricted_now" if isinstance(content, c.NoticeRedacted) else "teams.pr.restricted_kept"
            body.append(text_block(md_escape(self.t(key)), isSubtle=True))
        elif thread_url:
            body.append(text_block(md_escape(self.t("teams.pr.text_in_thread")), isSubtle=True))
        else:  # reported in a personal chat PR cannot open: the report stays on the card
            body += lines(shorten(self.t("teams.pr.report_text", text=view.text or "—"), TEXT_LIMIT))
            body.append(text_block(md_escape(self.t("teams.pr.in_chat")), isSubtle=True, size="Small"))
        actions = []
        if acknowledged:
            body.append(text_block(md_escape(acknowledged), color="Good", weight="Bolder"))
            if isinstance(content, c.NoticeAcknowledged) and content.note:  # the end offer, or that it ended
                body.append(text_block(md_escape(content.note), isSubtle=not content.end))
            if isinstance(content, c.NoticeAcknowledged) and content.end:
                actions.append(action(self.t("end.control"), RESOLVE, {"incident": view.id}, style="positive"))
        elif not isinstance(content, c.NoticeEnded):
            actions.append(action(self.t("notify.acknowledge"), ACKNOWLEDGE,
                                  {"incident": view.id, "level": 1}, style="positive"))
        if isinstance(content, c.NoticeEnded):  # no control is left to press; the end is said last
            body.append(text_block(md_escape(content.text), weight="Bolder"))
        return card(body, actions + self.thread_link(thread_url))


__all__ = ["CardRenderer", "STEP_DONE", "STEP_SKIP", "KIND_SELECT", "ACKNOWLEDGE", "RESOLVE", "INPUT_PREFIX",
           "KIND_INPUT", "card", "text_block", "lines", "action", "md_escape"]
