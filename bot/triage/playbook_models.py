"""Typed playbook data: one Playbook per incident kind, made of ordered Steps."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.triage.profiles import LocalText

InputType = Literal["url", "platform", "text", "textarea", "choice", "screenshot_note"]
ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Choice(_Model):
    """One option of a choice input."""

    value: str = Field(pattern=r"^[a-z0-9_]+$")
    label: LocalText
    # Choosing it says personal data is exposed: the incident is restricted at once (restriction.py). An input
    # asking about personal data marks each such choice true, or says false where none does (playbook_checks.py).
    restricts: bool | None = None

    def restricting(self, input_id: str) -> bool:
        """Whether choosing it restricts: marked so, or unmarked `personal_data: yes` (the shipped field's meaning
        before the marker existed, so a municipality's copy of an older playbook keeps restricting)."""
        return self.restricts if self.restricts is not None else (input_id, self.value) == ("personal_data", "yes")


class InputDef(_Model):
    """An input a step asks for; its answer is stored under `id`."""

    id: str = Field(pattern=ID_PATTERN)
    type: InputType
    label: LocalText
    required: bool = False
    choices: list[Choice] = Field(default_factory=list)
    help: LocalText | None = None


class Fallback(_Model):
    """Where a guideline is silent: the general-rule clauses applied instead and how to say so.

    practice: the step is general practice (一般的な対応), not the municipality's general rule; it cites only the
    clauses listed (maybe none) and says plainly that the guideline does not contain it.
    own: the step is the municipality's own setting (自治体の運用設定), not from its guideline: it cites no clause and
    is labelled as such wherever it is shown.
    """

    clauses: list[str] = Field(default_factory=list)  # empty: the profile's general_rule.clauses (unless practice)
    topic: LocalText | None = None  # what the guideline is silent on; default: the playbook's topic
    note: LocalText | None = None  # a full note (template) replacing the generated one
    practice: bool = False
    own: bool = False


class FirstNotice(_Model):
    """A guideline that tells its first recipients only in some cases (旭川市 7(3)イ: 悪質な場合には)."""

    when: str  # expression over the answers; the first notice goes out once it holds
    clauses: list[str] = Field(min_length=1)
    condition: LocalText  # the case, as the guideline says it (悪質な場合)


class Dont(_Model):
    """A "don't" rule from a guideline, shown with a step (templates, optionally per profile)."""

    ja: str
    en: str
    profiles: list[str] | None = None

    def get(self, locale: str) -> str:
        """The rule's template source in a locale."""
        return self.en if locale == "en" else self.ja


class Step(_Model):
    """One step of a playbook, with its sources in each profile's guideline."""

    id: str = Field(pattern=ID_PATTERN)
    title: LocalText
    # The title in a guideline's own words where they differ (いわき市 第7 2(2) 「訂正し」, the others 「修正し」).
    title_by_profile: dict[str, LocalText] = Field(default_factory=dict)
    instructions: LocalText
    clauses: dict[str, list[str]] = Field(default_factory=dict)
    fallback: dict[str, Fallback] = Field(default_factory=dict)
    profiles: list[str] | None = None
    when: str | None = None
    donts: list[Dont] = Field(default_factory=list)
    inputs: list[InputDef] = Field(default_factory=list)
    drafts: list[str] = Field(default_factory=list)
    # Who carries the step out: an actor key of the profile (reporter, account_manager, operator, head, pr),
    # one for every profile or per profile id. Shown on the step and offered to the authorisation rules.
    actor: str | dict[str, str] = "reporter"

    def actor_for(self, base_profile: str) -> str:
        """The actor key of this step for profiles built on a guideline."""
        return self.actor if isinstance(self.actor, str) else self.actor.get(base_profile, "reporter")

    def applies_to(self, base_profile: str) -> bool:
        """Whether the step is meant for profiles built on this guideline (ignoring `when`)."""
        return self.profiles is None or base_profile in self.profiles

    def label(self, locale: str, base_profile: str | None = None) -> str:
        """The step's title in a locale (untemplated), in the words of the profile's guideline when given."""
        own = self.title_by_profile.get(base_profile) if base_profile else None
        return (own or self.title).get(locale)


class Playbook(_Model):
    """The playbook of one incident kind."""

    kind: str = Field(pattern=ID_PATTERN)
    title_text: LocalText = Field(alias="title")
    topic: LocalText  # e.g. デマへの対応: what a silent guideline "has no rule on"
    restricted: bool = False
    first_notice: dict[str, FirstNotice] = Field(default_factory=dict)  # profile id → conditional first notice
    steps: list[Step] = Field(min_length=1)

    def title(self, locale: str) -> str:
        """The playbook's title in a locale."""
        return self.title_text.get(locale)

    def step(self, step_id: str) -> Step:
        """A step by id (KeyError when unknown)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"{self.kind}: unknown step {step_id!r}")

    def inputs(self) -> list[InputDef]:
        """Every input of every step, in order."""
        return [item for step in self.steps for item in step.inputs]


class PlaybookError(Exception):
    """An invalid playbook or draft; the message names the file and the field path."""
