"""Start-up trial: render every step and draft for every profile with sample contexts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateError

from bot.triage.playbook_models import Playbook, PlaybookError
from bot.triage.profiles import LOCALES, Profile
from bot.triage.templating import sample_context
from bot.triage.validation_text import both

if TYPE_CHECKING:
    from bot.triage.playbook import PlaybookLibrary


def sample_answer_sets(playbook: Playbook) -> list[dict[str, str]]:
    """No answers at all, then every input answered (first choice, or sample text with template syntax)."""
    filled: dict[str, str] = {}
    for item in playbook.inputs():
        if item.type == "choice":
            filled[item.id] = item.choices[0].value
        elif item.type == "url":
            filled[item.id] = "https://example.jp/{{ 7*7 }}"
        else:
            filled[item.id] = "サンプル {{ 7*7 }} {% raw %}"
    return [{}, filled]


def try_render_all(
    library: PlaybookLibrary, sources: Mapping[str, str], profiles: Mapping[str, Profile]
) -> None:
    """Raise PlaybookError naming file and field when any step, note or draft fails to render."""
    for kind in library.kinds():
        playbook = library.playbook(kind)
        for answers in sample_answer_sets(playbook):
            for profile in profiles.values():
                for locale in LOCALES:
                    context = sample_context(kind, playbook.title(locale), answers) | {"locale": locale}
                    _try_profile(library, playbook, sources[kind], profile, context, locale)


def _try_profile(
    library: PlaybookLibrary,
    playbook: Playbook,
    source: str,
    profile: Profile,
    context: dict[str, Any],
    locale: str,
) -> None:
    base = profile.base or profile.id
    try:
        library.applicable_steps(playbook.kind, profile, context)
    except (TemplateError, TypeError, ValueError, AttributeError) as exc:
        index = _failing_when(library, playbook, profile, context)
        raise PlaybookError(
            f"{source}: steps[{index}].when: cannot evaluate for profile {profile.id!r}: {exc}"
        ) from None
    for index, step in enumerate(playbook.steps):
        if not step.applies_to(base):
            continue
        try:
            library.render_step(playbook.kind, step.id, profile, context, locale)
        except (TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            field = _failing_field(library, playbook, step.id, profile, context, locale)
            raise PlaybookError(both(f"{source}: steps[{index}].{field}: {_unrendered(exc, profile)}",
                                     f"{source}: steps[{index}].{field}: cannot render for profile "
                                     f"{profile.id!r} ({locale}): {type(exc).__name__}: {exc}")) from None


def _unrendered(exc: Exception, profile: Profile) -> str:
    """Why a step's text cannot be shown for a profile, in Japanese: most often a copied step naming a section
    (sections.pr_head, 筑後市's) or an actor the new profile does not have."""
    missing = re.search(r"has no attribute '([^']+)'", str(exc))
    if missing is None:
        return (f"プロファイル {profile.id} 用に文面を表示できません（{type(exc).__name__}: {exc}）。"
                "テンプレートを確認してください。")
    return (f"文面の「{missing.group(1)}」は、プロファイル {profile.id} にない名前です（{profile.id} の部署: "
            f"{', '.join(profile.sections)}、実施者: {', '.join(profile.actors)}）。ほかの自治体の文面を写した"
            f"部分を、この自治体の部署・実施者の名前で書き直してください（README「自治体プロファイル」）。")


def _failing_when(
    library: PlaybookLibrary, playbook: Playbook, profile: Profile, context: dict[str, Any]
) -> int:
    full = library.context(playbook.kind, profile, context, str(context.get("locale", "ja")))
    for index, step in enumerate(playbook.steps):
        when = library.step_templates(playbook.kind, step.id).when
        if when is None:
            continue
        try:
            bool(when(**full))
        except Exception:  # noqa: BLE001 - locating the failure only
            return index
    return 0


def _failing_field(
    library: PlaybookLibrary,
    playbook: Playbook,
    step_id: str,
    profile: Profile,
    context: dict[str, Any],
    locale: str,
) -> str:
    """Which template of a step fails: instructions, a dont, the fallback note or a draft file."""
    full = library.context(playbook.kind, profile, context, locale)
    compiled = library.step_templates(playbook.kind, step_id)
    step = playbook.step(step_id)
    candidates: list[tuple[str, Any]] = [(f"instructions.{locale}", compiled.instructions[locale])]
    candidates += [(f"donts[{j}].{locale}", t[locale]) for j, t in enumerate(compiled.donts)]
    candidates += [(f"fallback.{pid}.note.{locale}", t[locale]) for pid, t in compiled.notes.items()]
    for label, template in candidates:
        try:
            template.render(full)
        except Exception:  # noqa: BLE001 - locating the failure only
            return label
    for j, draft_id in enumerate(step.drafts):
        draft = library.draft_template(draft_id)
        try:
            draft.templates[locale].render(full)
        except Exception:  # noqa: BLE001 - locating the failure only
            return f"drafts[{j}] ({draft.sources[locale]})"
    return "(step)"
