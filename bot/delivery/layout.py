"""Which lines a step shows and in which order, as neutral parts every adapter maps to its own markup."""

# Slack, Teams and LINE WORKS each wrote "heading, instructions, 「※」 fallback note, 根拠, してはいけないこと" and
# "heading, status, 入力内容, drafts" again; the order and the words live here, the look stays in each adapter.

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.ports import StepView
from bot.presenting import answered

HEADING, TEXT, NOTE, CITE, WARN, STATUS, FACTS, DRAFT = (
    "heading", "text", "note", "cite", "warn", "status", "facts", "draft")
Words = Callable[..., str]  # the catalogue's t(key, **params)


@dataclass(frozen=True)
class Part:
    """One piece of a step: `kind` says how it reads; `items` the lines under it (don'ts, a draft's text)."""

    kind: str
    text: str
    items: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()  # (label, answer as shown) under FACTS

    def map(self, draw: dict[str, Callable[[Part], Any]]) -> Any:
        """The part in an adapter's markup (`draw` by kind)."""
        return draw[self.kind](self)


def heading(step: StepView, t: Words) -> str:
    """「【手順 2/5】title」."""
    return t("step.heading", index=step.index, total=step.total, title=step.title)


def pending(step: StepView, t: Words) -> list[Part]:
    """A pending step before its inputs: heading, instructions, the fallback note (no clause of the guideline),
    the cited clauses, then what not to do."""
    parts = [Part(HEADING, heading(step, t)), Part(TEXT, step.instructions)]
    if step.fallback_note:
        parts.append(Part(NOTE, t("step.fallback", note=step.fallback_note)))
    if step.citations:
        parts.append(Part(CITE, t("step.citations", citations=" / ".join(step.citations))))
    if step.donts:
        parts.append(Part(WARN, t("step.donts"), tuple(f"✕ {item}" for item in step.donts)))
    return parts


def answers(step: StepView, t: Words) -> list[Part]:
    """The answers given so far (none: no part)."""
    given = answered(step)
    return [Part(FACTS, t("step.answers"), facts=tuple((item.label, value) for item, value in given))] if given else []


def closed(step: StepView, who: str, when: str, t: Words) -> list[Part]:
    """A finished or skipped step: heading, who closed it and when, the answers."""
    key = "step.status_skipped" if step.status == "skipped" else "step.status_done"
    return [Part(HEADING, heading(step, t)), Part(STATUS, t(key, who=who, when=when)), *answers(step, t)]


def drafts(step: StepView, t: Words) -> list[Part]:
    """The step's drafts, each titled, its text as given (to copy)."""
    return [Part(DRAFT, t("step.draft", title=draft.title), (draft.text,)) for draft in step.drafts]


__all__ = ["Part", "HEADING", "TEXT", "NOTE", "CITE", "WARN", "STATUS", "FACTS", "DRAFT", "heading", "pending",
           "answers", "closed", "drafts"]
