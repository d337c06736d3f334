"""Start-up and `incident-bot check` checks that span config, profile and playbooks."""

from __future__ import annotations

from collections.abc import Sequence

from bot.adapters.teams.settings import TeamsSettings
from bot.config import ConfigError, Settings
from bot.triage.classify import KINDS
from bot.triage.escalation import EscalationPlan
from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile


def check_kinds(settings: Settings, library: PlaybookLibrary, profile: Profile) -> None:
    """Every kind the classifier can return needs a playbook with steps for the active profile (else a real
    report would find no playbook and create no incident)."""
    base = profile.base or profile.id
    where = ", ".join(str(p) for p in (settings.playbooks_dir, settings.extra_playbooks_dir) if p is not None)
    problems = []
    for kind in KINDS:
        if kind not in library.kinds():
            problems.append(f"{kind}: プレイブック {kind}.yaml がありません / no playbook {kind}.yaml")
        elif not any(step.applies_to(base) for step in library.playbook(kind).steps):
            problems.append(f"{kind}: プロファイル {profile.id} 向けの手順がありません / "
                            f"no step applies to profile {profile.id}")
    if problems:
        raise ConfigError("\n".join(f"{settings.source}: {line}" for line in problems)
                          + f"\n(探した場所 / looked in: {where})")


def _teams(settings: Settings) -> TeamsSettings:
    """The Teams section as its adapter reads it (config itself knows no adapter)."""
    try:
        return TeamsSettings.model_validate(settings.file.teams)
    except ValueError as exc:
        raise ConfigError(f"{settings.source}: teams: {exc}") from None


def uses_chat_platform(settings: Settings) -> bool:
    """Whether app.yaml sets up Slack or Teams channels (then escalations must reach someone)."""
    slack, teams = settings.file.slack, _teams(settings)
    return bool(slack.pr_channel or slack.report_channels or teams.pr_channel or teams.report_channels)


def unmentioned_sections(settings: Settings, plan: EscalationPlan) -> list[str]:
    """Escalation levels whose section nobody is mentioned for (first level and its re-notice: the PR members count)."""
    access, slack, teams = settings.file.access, settings.file.slack, _teams(settings)
    pr_people: Sequence[str] = [*access.pr_members, *slack.pr_members, *slack.pr_user_groups, *teams.pr_members]
    missing = []
    for index, level in enumerate(plan.levels):
        answered_by_pr = bool(pr_people) and (index == 0 or level.origin == "renotice")
        if level.mention or level.section in teams.mentions or answered_by_pr:
            continue
        missing.append(f"escalation level {level.level}: {level.section_name} ({level.section})")
    return missing
