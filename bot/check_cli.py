"""`incident-bot check`: what is in use, and escalation levels a chat platform would leave unmentioned."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

from bot.adapters.lineworks.settings import LineWorksSettings
from bot.adapters.teams.settings import TeamsSettings
from bot.cli_errors import masked_url
from bot.config import ConfigError, Settings
from bot.triage.escalation import EscalationPlan
from bot.wiring import Runtime

T = TypeVar("T", TeamsSettings, LineWorksSettings)


def _section(settings: Settings, name: str, model: type[T]) -> T:
    """A platform's section as its adapter reads it (config itself knows no adapter)."""
    try:
        return model.model_validate(getattr(settings.file, name))
    except ValueError as exc:
        raise ConfigError(f"{settings.source}: {name}: {exc}") from None


def _teams(settings: Settings) -> TeamsSettings:
    return _section(settings, "teams", TeamsSettings)


def _lineworks(settings: Settings) -> LineWorksSettings:
    return _section(settings, "lineworks", LineWorksSettings)


def uses_chat_platform(settings: Settings) -> bool:
    """Whether app.yaml sets up Slack, Teams or LINE WORKS channels (then escalations must reach someone)."""
    slack, teams, works = settings.file.slack, _teams(settings), _lineworks(settings)
    return bool(slack.pr_channel or slack.report_channels or teams.pr_channel or teams.report_channels
                or works.pr_channel or works.report_channels)


def unmentioned_sections(settings: Settings, plan: EscalationPlan) -> list[str]:
    """Escalation levels whose section nobody is mentioned for (first level and its re-notice: the PR members count)."""
    access, slack, teams = settings.file.access, settings.file.slack, _teams(settings)
    pr_people: Sequence[str] = [*access.pr_members, *slack.pr_members, *slack.pr_user_groups, *teams.pr_members,
                                *_lineworks(settings).pr_members]
    missing = []
    for index, level in enumerate(plan.levels):
        answered_by_pr = bool(pr_people) and (index == 0 or level.origin == "renotice")
        if level.mention or level.section in teams.mentions or answered_by_pr:
            continue
        missing.append(f"escalation level {level.level}: {level.section_name} ({level.section})")
    return missing


def check(runtime: Runtime, args: Any, stdout: TextIO) -> int:
    """Report what is in use; fail (2) when an escalation level of a chat platform would mention nobody."""
    settings, deps = runtime.settings, runtime.triage.deps
    en = settings.file.locale == "en"
    missing = unmentioned_sections(settings, deps.escalation)
    if missing and uses_chat_platform(settings):
        for line in missing:
            stdout.write(f"{settings.source}: {line}: " + (
                "nobody to mention; set escalation.levels[].mention (or teams.mentions, or the PR members for "
                "the first level)\n" if en else
                "通知先がいません。escalation.levels[].mention（Teams は teams.mentions、第 1 段階は広報担当の"
                "メンバーでも可）を設定してください\n"))
        return 2
    layers = [str(settings.playbooks_dir)] + ([str(settings.extra_playbooks_dir)] if settings.extra_playbooks_dir
                                             else [])
    stdout.write(f"OK: {Path(settings.source).resolve()}; profile {deps.profile.id}; "
                 f"playbooks {', '.join(runtime.library.kinds())}; profiles {', '.join(sorted(runtime.profiles))}\n"
                 f"playbooks_dir: {' + '.join(layers)}\ndatabase: {masked_url(settings.database_url)}\n")
    if missing:
        stdout.write(("note: no Slack/Teams channels configured; escalation levels without a mention: "
                      if en else "注意: Slack・Teams のチャンネルが未設定です。通知先のないエスカレーション段階: ")
                     + "; ".join(missing) + "\n")
    return 0
