"""What a rendered step rests on: its guideline citations and the note saying how (general rule, general practice or
the municipality's own setting), so that nothing the guideline does not say is cited to it (ARCHITECTURE.md 10)."""

from __future__ import annotations

from typing import Any

from jinja2 import Template

from bot.triage.playbook_models import Playbook, Step
from bot.triage.profiles import Profile


def own_setting_basis(profile: Profile, locale: str) -> str:
    """The basis shown for a step the municipality set itself: no clause of its guideline is cited."""
    prefix = profile.guideline.citation_prefix_en if locale == "en" else profile.guideline.citation_prefix
    if locale == "en":
        return f"municipal setting (not a rule of the {prefix} guideline)"
    return f"自治体の運用設定（{prefix}のガイドラインの定めではありません）"


def _own_setting(profile: Profile, locale: str, custom: str | None) -> tuple[tuple[str, ...], str]:
    prefix = profile.guideline.citation_prefix_en if locale == "en" else profile.guideline.citation_prefix
    name = profile.name_for(locale)
    note = (f"This step is {name}'s own setting, not a rule of the {prefix} guideline." if locale == "en"
            else f"この手順は{name}の運用で定めたもの（自治体の運用設定）で、"
                 f"{prefix}のガイドラインの定めではありません。")
    if custom:
        note = f"{note}{' ' if locale == 'en' else ''}{custom}"
    return (own_setting_basis(profile, locale),), note


def _practice(profile: Profile, locale: str, citations: tuple[str, ...], custom: str | None
              ) -> tuple[tuple[str, ...], str]:
    prefix = profile.guideline.citation_prefix_en if locale == "en" else profile.guideline.citation_prefix
    note = (f"This step is general practice, not a rule of the {prefix} guideline." if locale == "en"
            else f"この手順は{prefix}のガイドラインの定めではなく、一般的な対応です。")
    if custom is not None:
        note = f"{note}{' ' if locale == 'en' else ''}{custom}"
    if not citations:  # say what the step rests on, without citing a clause it is not in
        citations = (f"general practice (not a rule of the {prefix} guideline)" if locale == "en"
                     else f"一般的な対応（{prefix}のガイドラインの定めではありません）",)
    return citations, note


def step_basis(playbook: Playbook, step: Step, profile: Profile, locale: str,
               notes: dict[str, dict[str, Template]], full: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """A step's citations and note for the profile; `notes` are the step's compiled custom notes by profile."""
    base = profile.base or profile.id
    if base in step.clauses:
        return tuple(profile.cite(k, locale) for k in step.clauses[base]), ""
    fallback = step.fallback[base]
    custom = notes[base][locale].render(full).strip() if base in notes else None
    if fallback.own:
        return _own_setting(profile, locale, custom)
    keys = fallback.clauses if fallback.clauses or fallback.practice else profile.general_rule.clauses
    citations = tuple(profile.cite(k, locale) for k in keys)
    if fallback.practice:
        return _practice(profile, locale, citations, custom)
    if custom is not None:
        return citations, custom
    topic = (fallback.topic or playbook.topic).get(locale)
    rule = profile.general_rule.get(locale)
    if locale == "en":
        rule_keys = ", ".join(profile.general_rule.clauses)
        return citations, (f"The {profile.guideline.citation_prefix_en} guideline has no rule on {topic}, so its "
                           f"general rule applies: {rule} (clauses {rule_keys}).")
    rule_keys = "、".join(profile.general_rule.clauses)
    return citations, (f"{profile.guideline.citation_prefix}のガイドラインには{topic}の定めがないため、"
                       f"一般原則（{rule}。根拠: {rule_keys}）に従います。")
