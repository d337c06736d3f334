"""Neutral outputs (StepView, Notification, messages) rendered as LINE WORKS message content.

LINE WORKS has no threads, no in-place edits and postback buttons only in Quick Reply (≤ 13), Carousel,
Image Carousel and Rich Menu; Button/List templates carry message actions only. So a step is a
Flexible Template card (with altText) followed by its drafts as plain text, and its controls are quick
replies on the last message: one per input (a guided text prompt follows), then done and skip. A step
that changes is announced by a new message. Every content returned fits the documented limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.adapters.lineworks import postback as pb
from bot.delivery import layout
from bot.delivery.flareup import REOPEN
from bot.delivery.flareup import choices as flareup_choices
from bot.delivery.followup_choice import buttons as followup_buttons
from bot.delivery.refusals import Refusals
from bot.i18n import Catalog
from bot.ports import AskIfReport, IncidentView, InputSpec, Notification, ReopenOrNew, StepView
from bot.presenting import answer_label, chances, field_errors, shorten, shown_value
from bot.triage.core import incident_ref
from bot.triage.flareup import REOPENED
from bot.triage.flareup import TOPIC as FLAREUP_TOPIC

TEXT_LIMIT = 2000  # content.text
ALT_TEXT_LIMIT = 400  # flex altText
QUICK_REPLY_LIMIT = 13
LABEL_LIMIT = 20  # action label
DISPLAY_TEXT_LIMIT = 300  # postback displayText, required in quick replies
CARD_TEXT_LIMIT = 1200  # one text component of a card; the card stays small and readable on a phone
# A notice's body in its card, the rest as text after it: a bubble's JSON may be 30 KB, six bytes a kanji as sent.
NOTICE_CARD_BODY = 2000
ANSWER_LIMIT = 300
QUOTE_LIMIT = 500  # the room message a 1:1 question is about, as Teams' question card clips it
ERROR_COLOR, MUTED_COLOR, GOOD_COLOR = "#D32F2F", "#757575", "#2E7D32"

Content = dict[str, Any]
OWN = "lineworks"  # the catalogue section holding the adapter's own wording


def load_texts(locale: str) -> dict[str, str]:
    """The adapter's own wording for a locale (bot/locales/lineworks.<locale>.yaml), as flat dotted keys
    without the "lineworks." prefix ("step.done")."""
    path = Path(__file__).resolve().parents[2] / "locales" / f"lineworks.{locale}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    flat: dict[str, str] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                flat[f"{prefix}{key}"] = str(value)

    walk(data[OWN], "")
    return flat


def chunks(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Text split into pieces of at most `limit` characters, at a line break when one is near the end."""
    rest = text.strip("\n")
    pieces: list[str] = []
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:  # no useful line break: cut hard rather than send a short piece
            pieces.append(rest[:limit])
            rest = rest[limit:]
        else:
            pieces.append(rest[:cut])
            rest = rest[cut + 1:]
    if rest.strip():
        pieces.append(rest)
    return [piece for piece in pieces if piece.strip()] or [" "]


def text(body: str) -> Content:
    """A text message (already within the limit)."""
    return {"type": "text", "text": shorten(body, TEXT_LIMIT) or " "}


def quick_action(label: str, data: str, shown: str) -> dict[str, Any]:
    """One quick-reply button that posts back `data` and shows `shown` as the member's message."""
    return {"action": {"type": "postback", "label": _label(label), "data": data,
                       "displayText": shorten(shown, DISPLAY_TEXT_LIMIT)}}


def _label(text: str) -> str:
    """A quick reply's label within LINE WORKS' limit; English loses whole words only (「Type and extent of…」)."""
    if len(text) <= LABEL_LIMIT:
        return text
    head = text[:LABEL_LIMIT - 1]
    if text.isascii() and " " in head.strip() and text[LABEL_LIMIT - 1] != " ":
        head = head[:head.rstrip().rindex(" ")]
    return head.rstrip() + "…"


def with_quick_reply(content: Content, items: Sequence[dict[str, Any]]) -> Content:
    """The content with quick replies (at most 13; callers order them by importance)."""
    if not items:
        return content
    return {**content, "quickReply": {"items": list(items)[:QUICK_REPLY_LIMIT]}}


def _line(body: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": shorten(body, CARD_TEXT_LIMIT) or " ", "wrap": True, **style}


def card(alt: str, header: str, lines: Sequence[dict[str, Any]]) -> Content:
    """A Flexible Template bubble: a bold header and wrapped text lines; `alt` shows in notifications."""
    body = [_line(header, weight="bold", size="md"), *lines]
    return {"type": "flex", "altText": shorten(alt, ALT_TEXT_LIMIT) or " ",
            "contents": {"type": "bubble", "body": {"type": "box", "layout": "vertical", "spacing": "sm",
                                                    "contents": body}}}


class Renderer:
    """Builds LINE WORKS message content from the core's neutral outputs in the configured locale."""

    def __init__(self, catalog: Catalog, kinds: Sequence[str]) -> None:
        self.catalog = catalog
        self.kinds = list(kinds)

    def t(self, key: str, **params: Any) -> str:
        """A message from the shared catalogue (bot/locales)."""
        return self.catalog.t(key, **params)

    def w(self, key: str, **params: Any) -> str:
        """A message from the adapter's own wording (bot/locales/lineworks.<locale>.yaml)."""
        return self.catalog.t(f"{OWN}.{key}", **params)

    # -- plain messages -------------------------------------------------------------------------------------
    def messages(self, texts: Iterable[str]) -> list[Content]:
        """Localised core messages as text messages (split at 2,000 characters)."""
        return [text(piece) for body in texts if body for piece in chunks(body)]

    def help(self) -> list[Content]:
        return self.messages([self.w("help") + "\n" + self.t("commands.list", prefix="")])

    def anchor(self, view: IncidentView, reporter_name: str) -> list[Content]:
        """The first message of an incident's home, the reporter's 1:1 chat (LINE WORKS has no threads)."""
        return self.messages([self.w("anchor", ref=view.ref, kind=view.kind_label, reporter=reporter_name)])

    def anchored(self, view: IncidentView) -> list[Content]:
        """Said in a report room: the report was received and is handled in the reporter's 1:1 chat."""
        return self.messages([self.w("anchored", ref=view.ref)])

    def intro(self, texts: Iterable[str], incident_id: int, kind: str) -> list[Content]:
        """What was received, with the kind correction as quick replies."""
        # One message, not one per line: every send counts against the per-minute limit.
        contents = self.messages(["\n".join([*(t for t in texts if t), self.w("intro.kind_label")])])
        items = []
        for other in self.kinds:
            label = self.catalog.label("kind", other)
            if other != kind:
                items.append(quick_action(label, pb.encode(pb.KIND, incident_id, other),
                                          self.w("intro.kind_shown", kind=label)))
        contents[-1] = with_quick_reply(contents[-1], items)
        return contents

    def about(self, text: str, attachments: int) -> str:
        """The message a question in the 1:1 chat is about, quoted (as Teams' question card shows it)."""
        if text.strip():
            return self.w("ask.quote", text=shorten(text.strip(), QUOTE_LIMIT))
        return self.w("ask.attachment") if attachments else ""

    def ask(self, ask: AskIfReport, token: str, note_to: Sequence[IncidentView] = (), about: str = "") -> list[Content]:
        """The private 「報告しますか？」 question: the likely kinds (with the classifier's chances), 「報告ではない」
        and, for a member amid their incidents (`note_to`), 「INC-0001 の記録に残す」, as quick replies posting
        back the remembered question's token."""
        items = [quick_action(self.w("ask.note", ref=view.ref), pb.encode(pb.NOTE, view.id, token),
                              self.w("ask.note_shown", ref=view.ref)) for view in note_to[:3]]
        items += [quick_action(choice.label, pb.encode(pb.ASK, token, choice.kind),
                               self.w("ask.shown", label=choice.label)) for choice in ask.choices]
        items = items[: QUICK_REPLY_LIMIT - 1]
        if ask.decline is not None:
            items.append(quick_action(ask.decline, pb.encode(pb.ASK, token, pb.DECLINE), self.w("ask.decline_shown")))
        contents = self.messages(["\n".join(part for part in (ask.question, about, chances(ask)) if part)])
        contents[-1] = with_quick_reply(contents[-1], items)
        return contents

    def flareup(self, choice: ReopenOrNew, token: str, about: str = "") -> list[Content]:
        """The reopen-or-new question (bot/delivery/flareup.py) with one quick reply per choice, posting back the
        incident and the remembered message's token."""
        items = [quick_action(label, pb.encode(pb.FLAREUP, choice.incident_id, token, picked), label)
                 for label, picked in flareup_choices(choice)]
        contents = self.messages(["\n".join(part for part in (choice.question, about) if part)])
        contents[-1] = with_quick_reply(contents[-1], items)
        return contents

    def followup(self, choice: ReopenOrNew, token: str) -> list[Content]:
        """The 続報 / 新しい報告 / どちらでもない question (bot/delivery/followup_choice.py) as quick replies posting
        back her incident, the remembered message's token and the choice."""
        items = [quick_action(button.label, pb.encode(pb.FOLLOWUP, choice.incident_id, token, button.value),
                              button.label) for button in followup_buttons(choice)]
        contents = self.messages([choice.question])
        contents[-1] = with_quick_reply(contents[-1], items)
        return contents

    def ask_gone(self) -> list[Content]:
        return self.messages([self.w("ask.gone")])

    def duplicate(self) -> list[Content]:
        """The notice for a button pressed again: the earlier press already counted."""
        return self.messages([self.w("duplicate")])

    # -- steps ----------------------------------------------------------------------------------------------
    def step(self, step: StepView, kind: str, *, error: str | None = None) -> list[Content]:
        """A pending step: a card (instructions, clauses, don'ts, answers so far, the core's refusal), its
        drafts as copyable text, and quick replies for inputs, done and skip on the last message."""
        draw: dict[str, Any] = {
            layout.TEXT: lambda p: [_line(p.text)],
            layout.NOTE: lambda p: [_line(p.text, color=MUTED_COLOR, size="sm")],
            layout.CITE: lambda p: [_line(p.text, color=MUTED_COLOR, size="xs")],
            layout.WARN: lambda p: [_line(p.text, weight="bold", color=ERROR_COLOR),
                                    *(_line(item, color=ERROR_COLOR, size="sm") for item in p.items)],
            layout.FACTS: lambda p: [_line(p.text, weight="bold"), *(_line(self.w(
                "step.answer_line", label=label, value=shorten(value, ANSWER_LIMIT)), size="sm")
                for label, value in p.facts)]}
        head, *parts = layout.pending(step, self.t)  # the heading is the card's header
        lines = [line for part in [*parts, *layout.answers(step, self.t)] for line in part.map(draw)]
        if error:
            for message in field_errors(error, [(i.id, i.label) for i in step.inputs]).values() or [error]:
                lines.append(_line(message, color=ERROR_COLOR, weight="bold"))
        lines.append(_line(self.w("step.guide"), color=MUTED_COLOR, size="xs"))
        room = QUICK_REPLY_LIMIT - 2
        if len(step.inputs) > room:
            lines.append(_line(self.w("step.more_inputs"), color=MUTED_COLOR, size="xs"))
        contents = [card(f"{head.text}\n{step.instructions}", head.text, lines)]
        for draft in layout.drafts(step, self.t):
            contents += self.messages([draft.text + "\n\n" + draft.items[0]])
        contents[-1] = with_quick_reply(contents[-1], self.step_controls(step, kind))
        return contents

    def step_controls(self, step: StepView, kind: str) -> list[dict[str, Any]]:
        """Quick replies of a pending step: its inputs (up to 11), then done and skip."""
        items = [quick_action(self.w("step.input", label=item.label),
                              pb.encode(pb.INPUT, step.incident_id, kind, step.step_id, item.id),
                              self.w("step.input_shown", label=item.label))
                 for item in step.inputs[: QUICK_REPLY_LIMIT - 2]]
        # The labels name the incident: carried under a later message (port.py), they may sit below another one's.
        ref = incident_ref(step.incident_id)
        items.append(quick_action(self.w("step.done", ref=ref),
                                  pb.encode(pb.DONE, step.incident_id, kind, step.step_id),
                                  self.w("step.done_shown", title=step.title)))
        items.append(quick_action(self.w("step.skip", ref=ref),
                                  pb.encode(pb.SKIP, step.incident_id, kind, step.step_id),
                                  self.w("step.skip_shown", title=step.title)))
        return items

    def input_prompt(self, step: StepView, kind: str, item: InputSpec, *, error: str | None = None) -> Content:
        """The guided prompt for one field: what to send, its help, the current answer, the core's refusal;
        choices (up to 12) and "stop" as quick replies."""
        # Named: the field's quick reply may have been carried under another incident's message (port._carried).
        ref = incident_ref(step.incident_id)
        if item.type == "choice":
            parts = [self.w("input.choose", label=item.label, ref=ref)]
        else:
            key = "input.prompt_required" if item.required else "input.prompt"
            parts = [self.w(key, label=item.label, ref=ref)]
        if item.type == "url":
            parts.append(self.w("input.url_hint"))
        elif item.type == "platform":
            parts.append(self.w("input.platform_hint"))
        if item.help:
            parts.append(item.help)
        current = shown_value(step, item)
        if current:
            parts.append(self.w("input.current", value=shorten(answer_label(item, current), ANSWER_LIMIT)))
        if error:
            parts.append(error)
        items: list[dict[str, Any]] = []
        if item.type == "choice":
            items = [quick_action(label, pb.encode(pb.CHOICE, step.incident_id, kind, step.step_id, item.id,
                                                   index), label)
                     for index, (_value, label) in enumerate(item.choices[: QUICK_REPLY_LIMIT - 1])]
        items.append(quick_action(self.w("input.cancel"), pb.encode(pb.CANCEL, step.incident_id),
                                  self.w("input.cancel_shown")))
        return with_quick_reply(text("\n".join(parts)), items)

    def step_closed(self, step: StepView, who: str, when: str) -> list[Content]:
        """A finished step, as a new message: status, who and when, and the answers."""
        key = "step.status_skipped" if step.status == "skipped" else "step.status_done"
        lines = [self.w(key, index=step.index, total=step.total, title=step.title, who=who, when=when)]
        for part in layout.answers(step, self.t):
            lines += [part.text, *(self.w("step.answer_line", label=label, value=shorten(value, ANSWER_LIMIT))
                                   for label, value in part.facts)]
        return self.messages(["\n".join(lines)])

    def step_superseded(self, step: StepView) -> list[Content]:
        return self.messages([self.w("step.superseded", title=step.title)])

    # -- notifications ----------------------------------------------------------------------------------------
    def notification(self, note: Notification) -> list[Content]:
        """A PR or escalation notice (body already free of restricted details), with the acknowledgement
        as a quick reply; who may acknowledge is the core's decision when the press arrives."""
        head, *rest = chunks(note.body, NOTICE_CARD_BODY)
        lines = [_line(piece) for piece in chunks(head, CARD_TEXT_LIMIT)]
        if rest:  # the rest follows as text: nothing of a long report is lost to the bubble's size
            lines.append(_line(self.w("pr.continued"), color=MUTED_COLOR, size="xs"))
        if note.topic not in (FLAREUP_TOPIC, REOPENED):  # a flare-up opens no steps; a reopen's go on as they were
            lines.append(_line(self.w("pr.in_chat"), color=MUTED_COLOR, size="xs"))
        if note.acknowledgeable and note.topic != FLAREUP_TOPIC:  # everyone in the room sees the control: whose it is
            # (the core refuses the rest); a restart carries no earlier buttons, so how to type it is said too
            lines.append(_line(self.w("pr.ack_who", ref=incident_ref(note.incident_id)), color=MUTED_COLOR, size="xs"))
        contents = [card(f"{note.title}\n{note.body}", note.title, lines), *self.messages(rest)]
        if note.topic == FLAREUP_TOPIC:  # PR reopens with a quick reply (or by typing 再開 INC-0001)
            label = self.t("report.reopen_choice", ref=incident_ref(note.incident_id))
            contents[-1] = with_quick_reply(contents[-1], [quick_action(
                label, pb.encode(pb.FLAREUP, note.incident_id, "pr", REOPEN), label)])
        elif note.acknowledgeable:
            # The label names the incident: a room's earlier notices keep their buttons beside later ones (port.py).
            label = self.w("pr.acknowledge", ref=incident_ref(note.incident_id))
            contents[-1] = with_quick_reply(contents[-1], [quick_action(
                label, pb.encode(pb.ACK, note.incident_id, note.level), self.w("pr.acknowledge_shown"))])
        return contents

    def acknowledged(self, view: IncidentView, who: str, when: str, offer: str = "") -> list[Content]:
        """The acknowledgement, as a new message in the notice's room (posts cannot be edited); `offer`: the
        incident's steps are done, with the control that ends it as a quick reply (the core decides who may)."""
        said = self.w("pr.acknowledged", ref=view.ref, who=who, when=when)
        if not offer:
            return self.messages([said])
        [content] = self.messages([f"{said}\n{offer}"])
        return [with_quick_reply(content, [quick_action(self.w("pr.end", ref=view.ref), pb.encode(pb.END, view.id),
                                                        self.w("pr.end_shown"))])]

    def ack_overflow(self, incidents: Sequence[int]) -> Content:
        """Said under a room's notices when their 「確認しました」 outnumber the quick replies LINE WORKS shows."""
        refs = [incident_ref(incident) for incident in sorted(incidents)]
        return text(self.w("pr.ack_overflow", refs="、".join(refs), first=refs[0]))

    def restricted_now(self, view: IncidentView) -> list[Content]:
        """A notice that an earlier notification's report text must not be spread (it cannot be retracted)."""
        return self.messages([self.w("pr.restricted_now", ref=view.ref)])

    def input_saved(self, item: InputSpec, incident_id: int) -> list[Content]:
        return self.messages([self.w("input.saved", label=item.label, ref=incident_ref(incident_id))])

    def input_cancelled(self) -> list[Content]:
        return self.messages([self.w("input.cancelled")])

    def bad_action(self) -> list[Content]:
        """A press whose data could not be used (tampered, or from a message of an old version)."""
        return self.messages([self.w("error.bad_action")])

    def failure(self, error: str) -> list[Content]:
        """A LINE WORKS refusal (its code) in the user's words, as Slack and Teams say theirs (lineworks.error.code)."""
        return self.messages([Refusals(self.catalog, OWN).api_text(error)])


__all__ = ["Renderer", "Content", "card", "text", "quick_action", "with_quick_reply", "chunks",
           "load_texts", "TEXT_LIMIT", "ALT_TEXT_LIMIT", "QUICK_REPLY_LIMIT", "LABEL_LIMIT", "DISPLAY_TEXT_LIMIT"]
