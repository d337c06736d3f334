"""Playbook library: load and validate playbooks/*.yaml and drafts, select steps, render them.

Rendering context — what the core passes as `context` (every key optional; missing values render as
placeholders such as 「（未入力: 投稿のURL）」 instead of failing):

- ``incident``: mapping or object with ``ref`` ("INC-0012"), ``kind``, ``kind_label``, ``severity``,
  ``severity_label``, ``source_url``, ``platform``, ``department``, ``reported_at`` (aware datetime,
  Asia/Tokyo), ``reporter_name``. Empty strings and None count as "not given"; a missing
  ``source_url`` / ``platform`` is taken from the intake answers ``post_url`` / ``platform``.
- ``answers``: dict of every answer given so far (input id → str). Templates read ``answers.<id>``; an
  unanswered id renders as 「（未入力: <label>）」 and is false in ``{% if %}`` and ``when``.
- ``severity``: str (low | medium | high | critical); defaults to ``incident.severity``.
- ``now``: aware datetime (Asia/Tokyo); defaults to the current time.

The library adds, from the profile and locale it is given: ``profile`` (the Profile; ``profile.base`` is
the built-in guideline id, used for per-guideline wording), ``sections`` (section key → localized name),
``report_to`` (the sections told first, e.g. 所属課局長及び総務課), ``chosen`` (the localized label of each
choice answer, e.g. ``chosen.spread``), ``locale`` ("ja" | "en"), ``municipality`` (localized name) and
``guideline_title``. A ``sections`` passed by the core is ignored: it is rebuilt from the profile.
``residents`` (市民 / 町民). Filters: ``jdate`` (令和8年11月20日 with a wareki profile, else 2026年11月20日; 2026-11-20
in English) and ``jdatetime`` (令和8年11月20日 14:05 / 2026-11-20 14:05 JST). Templates run in a
SandboxedEnvironment with StrictUndefined; user-provided text is only ever a variable, never a template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment

from bot.ports import DraftView, InputSpec
from bot.triage.playbook_checks import (
    DraftTemplate,
    check_structure,
    compile_template,
    compile_when,
    load_draft,
    read_playbook,
)
from bot.triage.playbook_models import FirstNotice, InputDef, Playbook, PlaybookError, Step
from bot.triage.playbook_sources import step_basis
from bot.triage.playbook_trial import try_render_all
from bot.triage.profiles import LOCALES, Profile, display_path
from bot.triage.templating import build_context, labels_for, make_environment

__all__ = ["PlaybookError", "PlaybookLibrary", "RenderedStep", "load_library"]
KIND_ORDER = ("flaming", "impersonation", "misinformation", "leak", "account_takeover")


@dataclass(frozen=True)
class RenderedStep:
    """One step rendered for a profile and locale."""

    kind: str
    step_id: str
    title: str
    instructions: str
    citations: tuple[str, ...]
    donts: tuple[str, ...]
    fallback_note: str
    inputs: tuple[InputSpec, ...]
    drafts: tuple[DraftView, ...]
    actor: str = "reporter"  # the profile's actor key (reporter, account_manager, operator, head, pr)
    actor_label: str = ""  # its name in the profile (アカウント管理者)


@dataclass(frozen=True)
class StepTemplates:
    """Compiled templates of one step."""

    instructions: dict[str, Template]
    donts: tuple[dict[str, Template], ...]
    notes: dict[str, dict[str, Template]]  # profile id → locale → custom fallback note
    when: Any


# Inputs the report itself may already answer: input id → incident field.
PREFILL = {"post_url": "source_url", "platform": "platform", "department": "department"}


def _free_text(kind: str) -> str:
    return "text" if kind in ("text", "textarea") else kind


def answers_alike(old: InputDef, new: InputDef) -> bool:
    """Whether an answer to `old` answers `new` too: the same id, a compatible type (text and textarea alike) and,
    for a choice, the same options; anything else asks something different and is never carried over."""
    if old.id != new.id or _free_text(old.type) != _free_text(new.type):
        return False
    return new.type != "choice" or {c.value for c in old.choices} == {c.value for c in new.choices}


def _input_value(item_id: str, full: Mapping[str, Any], known: Mapping[str, str]) -> str:
    """An input's answer, else the answer to it under the playbook the incident left, else the report's value."""
    value = (full["answers"][item_id] if item_id in full["answers"] else "") or known.get(item_id, "")
    if not value and item_id in PREFILL:
        found = getattr(full["incident"], PREFILL[item_id])
        value = str(found) if found else ""
    return value


class PlaybookLibrary:
    """Validated playbooks and drafts with their compiled templates."""

    def __init__(
        self,
        playbooks: Mapping[str, Playbook],
        compiled: Mapping[tuple[str, str], StepTemplates],
        drafts: Mapping[str, DraftTemplate],
        notices: Mapping[tuple[str, str], Any] | None = None,
    ) -> None:
        self._playbooks = dict(playbooks)
        self._compiled = dict(compiled)
        self._drafts = dict(drafts)
        self._notices = dict(notices or {})  # (kind, profile id) → compiled first_notice.when
        # (kind, profile base, locale) → answer labels and choice labels: fixed once the playbooks are loaded.
        self._labels: dict[tuple[str, str, str], tuple[dict[str, str], dict[str, dict[str, str]]]] = {}
        self._inputs: dict[tuple[str, str], dict[str, InputDef]] = {}  # (kind, profile base) → inputs by id
        # (kind, step id, locale) → the step's inputs with no value: labels and choices are fixed once loaded.
        self._blanks: dict[tuple[str, str, str], tuple[InputSpec, ...]] = {}

    def first_notice(self, kind: str, profile: Profile) -> FirstNotice | None:
        """The condition a guideline puts on telling its first recipients of this kind, if any."""
        return self.playbook(kind).first_notice.get(profile.base or profile.id)

    def first_notice_basis(self, kind: str, profile: Profile) -> tuple[list[str], bool]:
        """The clauses naming the first recipients for this kind, and whether the guideline has one for it.

        The profile's first-report clauses that this kind's steps cite (旭川市 flaming: 7(1)エ); for a kind the
        guideline is silent on, all of them, said to be about other trouble (False)."""
        base = profile.base or profile.id
        rule = self.first_notice(kind, profile)
        if rule is not None:
            return list(rule.clauses), True
        cited = {c for s in self.playbook(kind).steps if s.applies_to(base) for c in s.clauses.get(base, [])}
        cited |= {c for s in self.playbook(kind).steps if base in s.fallback for c in s.fallback[base].clauses}
        own = [c for c in profile.first_report_clauses if c in cited]
        return (own, True) if own else (list(profile.first_report_clauses), False)

    def first_notice_holds(self, kind: str, profile: Profile, context: Mapping[str, Any]) -> bool:
        """Whether the first recipients are to be told now (always, unless the guideline sets a condition)."""
        base = profile.base or profile.id
        when = self._notices.get((kind, base))
        if when is None:
            return True
        locale = str(context.get("locale") or "ja")
        return bool(when(**self.context(kind, profile, context, locale)))

    def kinds(self) -> list[str]:
        """Incident kinds with a playbook, in the canonical order."""
        known = [k for k in KIND_ORDER if k in self._playbooks]
        return known + sorted(k for k in self._playbooks if k not in KIND_ORDER)

    def playbook(self, kind: str) -> Playbook:
        """The playbook of a kind (KeyError when unknown)."""
        try:
            return self._playbooks[kind]
        except KeyError:
            raise KeyError(f"unknown incident kind {kind!r} (known: {', '.join(self.kinds())})") from None

    def step_templates(self, kind: str, step_id: str) -> StepTemplates:
        """The compiled templates of a step (KeyError when unknown)."""
        return self._compiled[(kind, step_id)]

    def draft_template(self, draft_id: str) -> DraftTemplate:
        """The compiled draft templates of an id (KeyError when unknown)."""
        return self._drafts[draft_id]

    def draft_ids(self) -> list[str]:
        """Every draft id the playbooks use."""
        return sorted(self._drafts)

    def context(self, kind: str, profile: Profile, context: Mapping[str, Any], locale: str) -> dict[str, Any]:
        """The full rendering context for a playbook (adds profile, sections, locale, placeholders)."""
        base = profile.base or profile.id
        cached = self._labels.get((kind, base, locale))
        if cached is None:
            own = [i for step in self.playbook(kind).steps if step.applies_to(base) for i in step.inputs]
            inputs = own + [i for p in self._playbooks.values() for i in p.inputs()]
            labels = labels_for((i.id, i.label.get(locale)) for i in inputs)
            choices: dict[str, dict[str, str]] = {}
            for item in inputs:
                choices.setdefault(item.id, {c.value: c.label.get(locale) for c in item.choices})
            cached = self._labels[(kind, base, locale)] = (labels, choices)
        return build_context(context, profile, locale, *cached)

    def applicable_steps(self, kind: str, profile: Profile, context: Mapping[str, Any]) -> list[Step]:
        """Steps meant for the profile whose `when` holds in the context, in order."""
        locale = str(context.get("locale") or "ja")
        full = self.context(kind, profile, context, locale)
        base = profile.base or profile.id
        steps: list[Step] = []
        for step in self.playbook(kind).steps:
            if not step.applies_to(base):
                continue
            when = self._compiled[(kind, step.id)].when
            if when is None or bool(when(**full)):
                steps.append(step)
        return steps

    def carried(self, kind: str, profile: Profile, earlier: Iterable[tuple[str, Mapping[str, str]]]) -> dict[str, str]:
        """Answers given under other playbooks of an incident, (kind, answers) oldest first, that answer an input of
        this playbook (answers_alike): shown prefilled to be confirmed, never taken as answers on their own."""
        base = profile.base or profile.id

        def inputs(of: str) -> dict[str, InputDef]:  # fixed once the playbooks are loaded
            if (of, base) not in self._inputs:
                steps = [step for step in self.playbook(of).steps if step.applies_to(base)]
                self._inputs[(of, base)] = {i.id: i for step in steps for i in step.inputs}
            return self._inputs[(of, base)]

        here, found = inputs(kind), {}
        for old_kind, answers in earlier:
            if old_kind == kind or old_kind not in self._playbooks:
                continue
            there = inputs(old_kind)
            found.update({key: str(value) for key, value in answers.items()
                          if value and key in here and key in there and answers_alike(there[key], here[key])})
        return found

    def render_step(
        self, kind: str, step_id: str, profile: Profile, context: Mapping[str, Any], locale: str,
        known: Mapping[str, str] | None = None,
    ) -> RenderedStep:
        """A step rendered for the profile in a locale (ValueError when the step is not for the profile).

        known: values to show prefilled where no answer is given yet (carried over from the incident's former kind).
        """
        playbook = self.playbook(kind)
        step = playbook.step(step_id)
        base = profile.base or profile.id
        if not step.applies_to(base):
            raise ValueError(f"{kind}: step {step_id!r} does not apply to profile {profile.id!r}")
        full = self.context(kind, profile, context, locale)
        compiled = self._compiled[(kind, step.id)]
        donts = tuple(
            templates[locale].render(full).strip()
            for dont, templates in zip(step.donts, compiled.donts, strict=True)
            if dont.profiles is None or base in dont.profiles
        )
        citations, note = step_basis(playbook, step, profile, locale, compiled.notes, full)
        actor = step.actor_for(base)
        actor_label = profile.actor_name(actor, locale) if actor in profile.actors else actor
        who = f"Who: {actor_label}" if locale == "en" else f"実施者: {actor_label}"
        return RenderedStep(
            actor=actor,
            actor_label=actor_label,
            kind=kind,
            step_id=step.id,
            title=step.label(locale, base),
            instructions=f"{who}\n{compiled.instructions[locale].render(full).strip()}",
            citations=citations,
            donts=donts,
            fallback_note=note,
            inputs=self._inputs_of(kind, step, locale, full, known or {}),
            drafts=tuple(self._render_draft(d, full, locale) for d in step.drafts),
        )

    def _inputs_of(self, kind: str, step: Step, locale: str, full: Mapping[str, Any],
                   known: Mapping[str, str]) -> tuple[InputSpec, ...]:
        """A step's inputs with what is known of each; only the values are worked out per incident."""
        if (blanks := self._blanks.get((kind, step.id, locale))) is None:
            blanks = self._blanks[(kind, step.id, locale)] = tuple(InputSpec(
                i.id, i.label.get(locale), i.type, i.required,
                tuple((c.value, c.label.get(locale)) for c in i.choices), i.help.get(locale) if i.help else "")
                for i in step.inputs)
        return tuple(replace(blank, value=value) if (value := _input_value(blank.id, full, known)) else blank
                     for blank in blanks)

    def render_draft(
        self, kind: str, draft_id: str, profile: Profile, context: Mapping[str, Any], locale: str
    ) -> DraftView:
        """One draft rendered on its own (KeyError for an unknown draft id)."""
        return self._render_draft(draft_id, self.context(kind, profile, context, locale), locale)

    def _render_draft(self, draft_id: str, full: dict[str, Any], locale: str) -> DraftView:
        draft = self._drafts[draft_id]
        return DraftView(
            id=draft_id, title=draft.titles[locale], text=draft.templates[locale].render(full).strip() + "\n"
        )


def _compile_step(env: SandboxedEnvironment, step: Step, where: str, answer_ids: set[str]) -> StepTemplates:
    instructions = {
        loc: compile_template(env, step.instructions.get(loc), f"{where}.instructions.{loc}", answer_ids)
        for loc in LOCALES
    }
    donts = tuple(
        {loc: compile_template(env, d.get(loc), f"{where}.donts[{j}].{loc}", answer_ids) for loc in LOCALES}
        for j, d in enumerate(step.donts)
    )
    notes = {
        pid: {
            loc: compile_template(env, fb.note.get(loc), f"{where}.fallback.{pid}.note.{loc}", answer_ids)
            for loc in LOCALES
        }
        for pid, fb in step.fallback.items()
        if fb.note is not None
    }
    when = compile_when(env, step.when, f"{where}.when", answer_ids) if step.when else None
    return StepTemplates(instructions=instructions, donts=donts, notes=notes, when=when)


def load_library(directory: Path, profiles: Mapping[str, Profile], extra: Path | None = None) -> PlaybookLibrary:
    """Load, validate and try-render every playbook (<kind>.yaml) and draft (drafts/<id>.<locale>.j2); files in
    `extra` (app.yaml's playbooks_dir) add to or replace those of `directory` by name."""
    directory = Path(directory)
    builtins = {pid: p for pid, p in profiles.items() if (p.base or p.id) == p.id}
    for pid, profile in profiles.items():
        if (profile.base or profile.id) not in builtins:
            raise PlaybookError(
                f"profile {pid!r}: base: {profile.base!r} is not among the built-in profiles "
                f"passed to load_library ({', '.join(sorted(builtins))})"
            )
    by_name = {path.name: path for path in directory.glob("*.yaml")}
    by_name.update({path.name: path for path in (extra.glob("*.yaml") if extra else ())})
    files = [by_name[name] for name in sorted(by_name)]
    if not files:
        raise PlaybookError(f"{display_path(directory)}: no playbook files (*.yaml)")
    env = make_environment()
    playbooks: dict[str, Playbook] = {}
    sources: dict[str, str] = {}
    for path in files:
        playbook = read_playbook(path)
        check_structure(playbook, display_path(path), builtins)
        playbooks[playbook.kind] = playbook
        sources[playbook.kind] = display_path(path)
    all_ids = {i.id for p in playbooks.values() for i in p.inputs()}
    compiled: dict[tuple[str, str], StepTemplates] = {}
    drafts: dict[str, DraftTemplate] = {}
    notices: dict[tuple[str, str], Any] = {}
    for kind, playbook in playbooks.items():
        answer_ids = {i.id for i in playbook.inputs()}
        for pid, notice in playbook.first_notice.items():
            notices[(kind, pid)] = compile_when(env, notice.when, f"{sources[kind]}: first_notice.{pid}.when",
                                                answer_ids)
        for index, step in enumerate(playbook.steps):
            where = f"{sources[kind]}: steps[{index}]"
            compiled[(kind, step.id)] = _compile_step(env, step, where, answer_ids)
            for j, draft_id in enumerate(step.drafts):
                if draft_id not in drafts:
                    drafts_dir = directory / "drafts"
                    if extra is not None and any((extra / "drafts").glob(f"{draft_id}.*.j2")):
                        drafts_dir = extra / "drafts"
                    drafts[draft_id] = load_draft(
                        env, drafts_dir, draft_id, f"{where}.drafts[{j}]", all_ids
                    )
    library = PlaybookLibrary(playbooks, compiled, drafts, notices)
    try_render_all(library, sources, profiles)
    return library
