"""The steps counted in 【手順 n/N】: those that apply, and those that may yet apply once inputs still to come are
answered, so that N only ever shrinks as the reporter answers (it no longer grows under their feet)."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile

# `answers.x` or `answers['x']` in a step's `when`: the inputs its condition reads.
ANSWER_REF = re.compile(r"""answers\s*(?:\.\s*(\w+)|\[\s*['"](\w+)['"]\s*\])""")
MAX_TRIALS = 256  # a condition reading many open choices is counted as possible, not enumerated
UNANSWERED = None  # an optional input may be left blank: its absence is one of the outcomes tried


def counted(library: PlaybookLibrary, kind: str, profile: Profile, context: Mapping[str, Any],
            states: Mapping[str, Any], applicable: Collection[str] | None = None) -> list[str]:
    """Ids of the steps that apply, or may yet apply: a condition reading an input of a step not yet done or
    skipped (`states`: step id → its StepState row) is tried with each of that input's choices, and with none.
    `applicable`: the ids library.applicable_steps gave for this very context, when the caller holds them."""
    settled = {step_id for step_id, row in states.items() if row.status != "pending"}
    locale = str(context.get("locale") or "ja")
    # The caller's applicable_steps already evaluated every `when` in this context: not built or evaluated again.
    full = library.context(kind, profile, context, locale) if applicable is None else {}
    base = profile.base or profile.id
    steps = [step for step in library.playbook(kind).steps if step.applies_to(base)]
    open_inputs = {item.id: [choice.value for choice in item.choices]
                   for step in steps if step.id not in settled for item in step.inputs}
    answers = {key: value for key, value in (context.get("answers") or {}).items() if value not in (None, "")}

    def holds_with(tried: dict[str, Any]) -> bool:
        return bool(when(**library.context(kind, profile, {**context, "answers": tried}, locale)))

    ids = []
    for step in steps:
        when = library.step_templates(kind, step.id).when
        holds = when is None or (step.id in applicable if applicable is not None else bool(when(**full)))
        if holds or _may_hold(holds_with, step.when or "", answers, open_inputs):
            ids.append(step.id)
    return ids


def _may_hold(holds_with: Callable[[dict[str, Any]], bool], source: str, answers: dict[str, Any],
              open_inputs: Mapping[str, list[str]]) -> bool:
    """Whether some answers to the open inputs the condition reads would make it hold."""
    read = {a or b for a, b in ANSWER_REF.findall(source)}
    pending = [name for name in sorted(read) if name in open_inputs and name not in answers]
    if not pending:
        return False
    if any(not open_inputs[name] for name in pending):
        return True  # free text: anything may be written
    options = [[*open_inputs[name], UNANSWERED] for name in pending]
    if math.prod(len(values) for values in options) > MAX_TRIALS:
        return True
    for trial in itertools.product(*options):
        tried = answers | {name: value for name, value in zip(pending, trial, strict=True) if value is not None}
        if holds_with(tried):
            return True
    return False
