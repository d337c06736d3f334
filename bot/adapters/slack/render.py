"""Neutral outputs (StepView, Notification, messages) rendered as Block Kit, within Slack's limits."""

# Every piece of user or playbook text goes through `escape` before it reaches mrkdwn; only markup built here
# (mentions of configured ids, permalinks returned by Slack) is left unescaped.

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot.adapters.slack import blocks as kit
from bot.adapters.slack.text import (
    FALLBACK_TEXT_LIMIT,
    MESSAGE_BLOCK_LIMIT,
    MODAL_BLOCK_LIMIT,
    SECTION_LIMIT,
    escape,
    link,
    mention,
    split_text,
    truncate,
)
from bot.delivery import layout
from bot.delivery.flareup import FLAREUP_ACTION, REOPEN
from bot.i18n import Catalog
from bot.ports import IncidentView, InputSpec, Notification, StepView
from bot.presenting import StepRef, shown_value  # shared with the other adapters
from bot.records.service import MAX_REVIEW
from bot.triage.core import incident_ref

# Action and callback ids: the contract between rendered controls and listeners.
STEP_DONE = "step_done"
STEP_SKIP = "step_skip"
STEP_INPUT = "step_input"
KIND_SELECT = "kind_select"
ACKNOWLEDGE = "acknowledge"
RESOLVE = "incident_resolve"  # 対応完了にする on an acknowledged notice whose steps are done (controls.end)
STEP_SUBMIT = "step_submit"
REPORT_SHORTCUT = "report_incident"
REPORT_SUBMIT = "report_submit"
REVIEW_OPEN = "records_review"
REVIEW_SUBMIT = "records_review_submit"
CAUSE, PREVENTION = "cause", "prevention"  # the review modal's two fields
INPUT_ACTION = "value"
INPUT_BLOCK_PREFIX = "in:"
MODAL_TITLE_LIMIT = 24
METADATA_LIMIT = 3000
FORM_TEXT_LIMIT = 3000  # characters a plain_text_input holds (its max_length and initial_value)
OPTION_TEXT_LIMIT = 75
BUTTON_TEXT_LIMIT = 75
NOTIFICATION_BODY_SECTIONS = 4  # up to ~12,000 characters of report text in a PR message


@dataclass(frozen=True)
class Rendered:
    """A message ready for chat.postMessage/chat.update: notification text plus blocks."""

    text: str
    blocks: list[Block]

    def payload(self) -> dict[str, Any]:
        """Keyword arguments for the Web API call (blocks as dicts, validated by slack_sdk)."""
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def _section(text: str, block_id: str | None = None) -> Block:
    return kit.section(text, block_id)


def _sections(escaped: str, prefix: str | None = None) -> list[Block]:
    """Escaped text as as many sections as the 3000-character limit needs."""
    if not escaped.strip():
        return []
    chunks = split_text(escaped, SECTION_LIMIT)
    return [_section(chunk, f"{prefix}-{i}" if prefix else None) for i, chunk in enumerate(chunks)]


def _context(text: str, block_id: str | None = None) -> Block:
    return kit.context(truncate(text, SECTION_LIMIT), block_id)


def _code_sections(escaped: str) -> list[Block]:
    """Draft text inside code fences (copyable), split so each section stays under the limit."""
    safe = escaped.replace("```", "`\u200b``")
    return [_section(f"```{chunk}```") for chunk in split_text(safe, SECTION_LIMIT - 6)]


class Renderer:
    """Builds Block Kit from the core's neutral outputs in the configured locale."""

    def __init__(self, catalog: Catalog, kinds: Sequence[str]) -> None:
        self.catalog = catalog
        self.kinds = list(kinds)
        self._controls: dict[tuple[Any, ...], kit.Built] = {}  # built once: the same for every incident

    def t(self, key: str, **params: Any) -> str:
        return self.catalog.t(key, **params)

    def _kind_options(self) -> list[Option]:
        return [Option(value=k, text=truncate(self.catalog.label("kind", k), OPTION_TEXT_LIMIT)) for k in self.kinds]

    # -- budget ----------------------------------------------------------------------------------------
    def fit(self, content: list[Block], tail: list[Block] | None = None,
            limit: int = MESSAGE_BLOCK_LIMIT) -> list[Block]:
        """Content blocks cut to the block budget (with a note saying so), followed by the tail (buttons)."""
        tail = tail or []
        room = limit - len(tail)
        if len(content) > room:
            content = content[: room - 1] + [_context(escape(self.t("slack.truncated")), "truncated")]
        return content + tail

    # -- plain messages ----------------------------------------------------------------------------------
    def messages(self, texts: Iterable[str], prefix: str = "") -> Rendered:
        """Localised core messages (escaped), one after another; `prefix` is markup (e.g. a mention)."""
        joined = "\n".join(escape(text) for text in texts if text)
        body = f"{prefix} {joined}".strip() if prefix else joined
        return Rendered(truncate(body, FALLBACK_TEXT_LIMIT), self.fit(_sections(body)))

    def markup(self, text: str) -> Rendered:
        """Text that is already Slack markup (escaped user text plus links or mentions built here)."""
        return Rendered(truncate(text, FALLBACK_TEXT_LIMIT), self.fit(_sections(text)))

    def intro(self, texts: Iterable[str], incident_id: int, kind: str) -> Rendered:
        """The first reply in a report thread: what was received, and the kind correction control."""
        message = self.messages(texts)
        template = self._controls.get(("kind", kind))
        if template is None:
            options = self._kind_options()
            initial = next((o for o in options if o.value == kind), None)
            select = StaticSelectElement(action_id=KIND_SELECT, options=options, initial_option=initial,
                                         placeholder=PlainTextObject(text=self.t("slack.intro.kind_placeholder")))
            template = self._controls[("kind", kind)] = kit.Built(
                ActionsBlock(elements=[select], block_id="kind|0").to_dict())
        control = [_context(escape(self.t("slack.intro.kind_label"))),
                   kit.with_values(template, f"kind|{incident_id}")]
        return Rendered(message.text, self.fit(list(message.blocks), control))

    def anchor(self, ref: str, kind_label: str, reporter: str) -> Rendered:
        """The parent message of a thread opened for a slash command or shortcut report."""
        return self.messages([self.t("slack.anchor", ref=ref, kind=kind_label, reporter=reporter)])

    # -- steps ---------------------------------------------------------------------------------------------
    def _parts(self, parts: list[layout.Part]) -> list[Block]:
        """Neutral step parts (bot/delivery/layout.py) as sections and context lines."""
        def bold(text: str) -> str:
            return "*" + escape(text) + "*"
        draw: dict[str, Any] = {
            layout.HEADING: lambda p: [_section(bold(p.text), "heading")],
            layout.TEXT: lambda p: _sections(escape(p.text.strip())),
            layout.NOTE: lambda p: _sections(escape(p.text)),
            layout.CITE: lambda p: [_context(escape(p.text))],
            layout.WARN: lambda p: _sections("\n".join(map(escape, [p.text, *p.items]))),
            layout.FACTS: lambda p: _sections("\n".join([bold(p.text), *(f"• {escape(label)}: {escape(value)}"
                                                                         for label, value in p.facts)])),
            layout.DRAFT: lambda p: [_section(bold(p.text)), *_code_sections(escape(p.items[0].strip()))]}
        return [block for part in parts for block in part.map(draw)]

    def step(self, step: StepView, kind: str) -> Rendered:
        """A pending step: instructions, clauses, don'ts, inputs, drafts, and its buttons."""
        blocks = self._parts(layout.pending(step, self.t))
        if step.inputs:
            required = self.t("slack.step.required_mark")
            lines = [escape(self.t("step.inputs"))]
            lines += [f"• {escape(item.label)}{escape(required) if item.required else ''}" for item in step.inputs]
            blocks += _sections("\n".join(lines))
        blocks += self._parts(layout.drafts(step, self.t))
        value = StepRef(step.incident_id, kind, step.step_id).encode()
        actions = self._step_buttons(bool(step.inputs), any(item.required for item in step.inputs), value,
                                     f"step|{step.step_id}")
        text = truncate(escape(layout.heading(step, self.t)), FALLBACK_TEXT_LIMIT)
        return Rendered(text, self.fit(blocks, [actions]))

    def _step_buttons(self, inputs: bool, required: bool, value: str, block_id: str) -> Block:
        """A step's buttons (input, done, skip as its inputs allow), each carrying the step's reference."""
        template = self._controls.get(("step", inputs, required))
        if template is None:
            buttons: list[ButtonElement] = []
            if inputs:
                buttons.append(ButtonElement(text=self.t("slack.step.input"), action_id=STEP_INPUT, value="0",
                                             style="primary"))
            if not required:
                buttons.append(ButtonElement(text=self.t("slack.step.done"), action_id=STEP_DONE, value="0",
                                             style=None if inputs else "primary"))
            buttons.append(ButtonElement(text=self.t("slack.step.skip"), action_id=STEP_SKIP, value="0"))
            template = self._controls[("step", inputs, required)] = kit.Built(
                ActionsBlock(elements=buttons, block_id="step|0").to_dict())
        return kit.with_values(template, block_id, [value] * len(template.built["elements"]))

    def step_closed(self, step: StepView, who: str, when: str) -> Rendered:
        """A finished step, updated in place: its status, who and when, the answers and final drafts."""
        head, status, *rest = layout.closed(step, who, when, self.t)
        blocks = [_section(f"*{escape(head.text)}*\n{escape(status.text)}", "heading")]
        blocks += self._parts([*rest, *layout.drafts(step, self.t)])
        return Rendered(truncate(f"{escape(head.text)} {escape(status.text)}", FALLBACK_TEXT_LIMIT), self.fit(blocks))

    def step_superseded(self, step: StepView) -> Rendered:
        """A pending step of the playbook the incident no longer follows (kind corrected)."""
        body = f"~{escape(step.title)}~\n{escape(self.t('step.superseded'))}"
        return Rendered(truncate(body, FALLBACK_TEXT_LIMIT), [_section(truncate(body, SECTION_LIMIT), "heading")])

    # -- notifications -------------------------------------------------------------------------------------
    def notification(self, note: Notification, thread_url: str | None, *, private: bool = False,
                     reopen: int | None = None) -> Rendered:
        """A PR or escalation message: mention, title, body (already free of restricted details), link, button;
        `reopen`: the flare-up's reopen button for that incident (the reporter's own reopen-or-new button)."""
        ping = mention(note.mention)
        title = f"*{escape(note.title)}*"
        blocks: list[Block] = [_section(f"{ping} {title}".strip(), "title")]
        text = note.body.removesuffix(note.renotice).rstrip("\n") if note.renotice else note.body
        body = _sections(escape(text), "body")
        if len(body) > NOTIFICATION_BODY_SECTIONS:  # a wall of text helps nobody: the rest is in the thread
            body = body[:NOTIFICATION_BODY_SECTIONS] + [_context(escape(self.t("slack.truncated")), "body-cut")]
        blocks += body + ([_section(escape(note.renotice), "renotice")] if note.renotice else [])
        where = link(thread_url, self.t("slack.thread_link")) if thread_url else None
        said = escape(self.t("slack.pr.in_dm" if private else "slack.pr.no_thread"))
        blocks.append(_context(self.t("slack.pr.thread", link=where) if where else said, "thread"))
        tail: list[Block] = []
        if note.acknowledgeable:
            template = self._controls.get(("ack",))
            if template is None:
                template = self._controls[("ack",)] = kit.Built(ActionsBlock(block_id="ack", elements=[
                    ButtonElement(text=truncate(self.t("notify.acknowledge"), BUTTON_TEXT_LIMIT),
                                  action_id=ACKNOWLEDGE, value="0", style="primary")]).to_dict())
            tail.append(kit.with_values(template, "ack", [str(note.incident_id)]))
        if reopen is not None:
            tail.append(ActionsBlock(block_id="reopen", elements=[ButtonElement(
                text=truncate(self.t("report.reopen_choice", ref=incident_ref(reopen)), BUTTON_TEXT_LIMIT),
                action_id=f"{FLAREUP_ACTION}:{REOPEN}", value=json.dumps({"i": reopen, "k": REOPEN}),
                style="primary")]))
        text = truncate(f"{ping} {escape(note.title)}".strip(), FALLBACK_TEXT_LIMIT)
        return Rendered(text, self.fit(blocks, tail))

    def acknowledged(self, blocks: list[dict[str, Any]], who: str, when: str, *, note: str = "",
                     end: int | None = None) -> list[dict[str, Any]]:
        """A posted notification's blocks with the button replaced by who acknowledged and when; `note` below it
        and, with `end` (an incident id), the button that ends the incident."""
        kept = [b for b in blocks if b.get("block_id") not in ("ack", "acked", "end-note", "end", "renotice")]
        done = [_context(escape(self.t("notify.acknowledged", who=who, when=when)), "acked").to_dict()]
        if note:
            done.append(_context(escape(note), "end-note").to_dict())
        if end is not None:
            done.append(ActionsBlock(block_id="end", elements=[ButtonElement(
                text=truncate(self.t("end.control"), BUTTON_TEXT_LIMIT), action_id=RESOLVE, value=str(end),
                style="primary")]).to_dict())
        return kept[: MESSAGE_BLOCK_LIMIT - len(done)] + done

    def redacted(self, blocks: list[dict[str, Any]], body: str, title: str) -> list[dict[str, Any]]:
        """A posted notification's blocks with the body replaced (the incident became restricted) and the title
        the corrected kind's (`title`, as the other redrawn notices have it), its mention kept."""
        out: list[dict[str, Any]] = []
        replaced = False
        for block in blocks:
            if block.get("block_id") in ("end", "end-note", "redacted"):  # see content.NoticeRedacted; said once
                continue
            if block.get("block_id") == "title":
                ping = str(block.get("text", {}).get("text", "")).split("*", 1)[0].strip()
                out.append(_section(f"{ping} *{escape(title)}*".strip(), "title").to_dict())
                continue
            if str(block.get("block_id", "")).startswith("body"):
                if not replaced:
                    out += [b.to_dict() for b in _sections(escape(body), "body")]
                    out.append(_context(escape(self.t("slack.pr.restricted_now")), "redacted").to_dict())
                    replaced = True
                continue
            out.append(block)
        return out

    # -- modals --------------------------------------------------------------------------------------------
    def _input_block(self, item: InputSpec, current: str | None) -> InputBlock:
        element: Any
        if item.type == "choice":
            options = [Option(value=value, text=truncate(label, OPTION_TEXT_LIMIT)) for value, label in item.choices]
            initial = next((o for o in options if o.value == current), None)
            element = StaticSelectElement(action_id=INPUT_ACTION, options=options, initial_option=initial,
                                          placeholder=PlainTextObject(text=self.t("slack.modal.choose")))
        elif item.type == "url":
            element = UrlInputElement(action_id=INPUT_ACTION, initial_value=current or None)
        else:
            multiline = item.type in ("textarea", "screenshot_note")
            placeholder = self.t("slack.modal.platform_placeholder") if item.type == "platform" else None
            element = PlainTextInputElement(action_id=INPUT_ACTION, multiline=multiline, max_length=3000,
                                            initial_value=truncate(current, 3000) if current else None,
                                            placeholder=PlainTextObject(text=placeholder) if placeholder else None)
        return InputBlock(block_id=INPUT_BLOCK_PREFIX + item.id, label=truncate(item.label, 2000), element=element,
                          optional=not item.required, hint=truncate(item.help, 2000) if item.help else None)

    def _modal(self, callback_id: str, title: str, submit: str, metadata: dict[str, Any],
               blocks: list[Block]) -> View:
        return View(type="modal", callback_id=callback_id, title=truncate(self.t(title), MODAL_TITLE_LIMIT),
                    submit=truncate(self.t(submit), MODAL_TITLE_LIMIT),
                    close=truncate(self.t("slack.modal.cancel"), MODAL_TITLE_LIMIT),
                    private_metadata=encode_metadata(metadata), blocks=blocks)

    def step_modal(self, step: StepView, metadata: dict[str, Any]) -> View:
        """The modal asking for a step's inputs; submitting it completes the step."""
        blocks: list[Block] = [_section("*" + escape(layout.heading(step, self.t)) + "*")]
        blocks += [self._input_block(item, shown_value(step, item)) for item in step.inputs]
        return self._modal(STEP_SUBMIT, "slack.modal.step_title", "slack.modal.submit", metadata,
                           self.fit(blocks, limit=MODAL_BLOCK_LIMIT))

    def report_modal(self, text: str, permalink: str | None, metadata: dict[str, Any], asked: str = "") -> View:
        """The confirm modal of the message shortcut (and of a slash report whose kind is asked: `asked`, the
        question with the likely kinds): the message text pre-filled, the kind optional."""
        blocks: list[Block] = [_section(f"*{escape(asked)}*")] if asked else []
        if permalink:
            blocks.append(_context(self.t("slack.modal.report_source",
                                          link=link(permalink, self.t("slack.thread_link")))))
        if len(text) > FORM_TEXT_LIMIT:  # the field would cut it: shown in part, reported whole (kept by the caller)
            blocks.append(_section(f"*{escape(self.t('slack.modal.report_text'))}*\n{escape(truncate(text, 600))}"))
            blocks.append(_context(escape(self.t("slack.modal.report_text_long", count=f"{len(text):,}"))))
        else:
            text_input = PlainTextInputElement(action_id=INPUT_ACTION, multiline=True, max_length=FORM_TEXT_LIMIT,
                                               initial_value=text or None)
            blocks.append(InputBlock(block_id="report_text", label=self.t("slack.modal.report_text"),
                                     hint=self.t("slack.modal.report_text_hint"), element=text_input))
        blocks.append(InputBlock(block_id="report_kind", label=self.t("slack.modal.report_kind"), optional=True,
                                 element=StaticSelectElement(action_id=INPUT_ACTION, options=self._kind_options(),
                                                             placeholder=PlainTextObject(
                                                                 text=self.t("slack.modal.choose")))))
        return self._modal(REPORT_SUBMIT, "slack.modal.report_title", "slack.modal.report_submit", metadata, blocks)

    def review_invite(self, view: IncidentView) -> Rendered:
        """The invitation posted in the incident's conversation when it ends, with the button opening the review."""
        text = escape(self.t("records.review.invite", ref=view.ref, status=view.status_label))
        button = ButtonElement(text=truncate(self.t("records.review.button"), BUTTON_TEXT_LIMIT),
                               action_id=REVIEW_OPEN, value=str(view.id))
        return Rendered(text, [_section(text), ActionsBlock(elements=[button])])

    def review_modal(self, ref: str, metadata: dict[str, Any]) -> View:
        """The closing review: two optional fields, 原因 and 再発防止策."""
        def field(block_id: str, label: str) -> InputBlock:
            return InputBlock(block_id=block_id, label=self.t(label), optional=True,
                              element=PlainTextInputElement(action_id=INPUT_ACTION, multiline=True,
                                                            max_length=MAX_REVIEW))

        hint = _context(escape(f"{ref}　{self.t('records.review.modal_hint')}"))
        return self._modal(REVIEW_SUBMIT, "records.review.modal_title", "records.review.submit", metadata,
                           [hint, field(CAUSE, "records.review.cause_label"),
                            field(PREVENTION, "records.review.prevention_label")])


def encode_metadata(data: dict[str, Any]) -> str:
    """private_metadata as compact JSON; optional long fields are dropped to stay within 3000 characters."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(text) > METADATA_LIMIT:
        slim = {k: v for k, v in data.items() if k != "p"}  # the permalink is the only optional field
        text = json.dumps(slim, ensure_ascii=False, separators=(",", ":"))
    if len(text) > METADATA_LIMIT:
        raise ValueError("private_metadata too long")
    return text


def decode_metadata(text: str | None) -> dict[str, Any]:
    """private_metadata back to a dict (empty when missing or not ours)."""
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def submitted_values(state: dict[str, Any]) -> dict[str, str]:
    """Answers from a view_submission's state, keyed by input id (empty inputs left out)."""
    answers: dict[str, str] = {}
    for block_id, actions in (state.get("values") or {}).items():
        if not block_id.startswith(INPUT_BLOCK_PREFIX):
            continue
        field = actions.get(INPUT_ACTION) or {}
        value = field.get("value")
        if value is None and field.get("selected_option"):
            value = field["selected_option"].get("value")
        if value not in (None, ""):
            answers[block_id[len(INPUT_BLOCK_PREFIX):]] = str(value)
    return answers


__all__ = ["Rendered", "Renderer", "StepRef", "encode_metadata", "decode_metadata", "submitted_values"]
