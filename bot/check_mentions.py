"""`incident-bot check`'s words about the people notices ping: who is pinged to acknowledge but may not."""

from __future__ import annotations

from bot.config import Settings
from bot.triage.profiles import Profile, bare_name


def acknowledging(profile: Profile) -> list[str]:
    """The sections the profile's acknowledger names (浦臼町 総務課: pr_section)."""
    if profile.acknowledger is None:
        return []
    named = {bare_name(profile.acknowledger.ja), bare_name(profile.acknowledger.en)}
    return [key for key in profile.sections if key in named
            or {bare_name(profile.section_name(key, locale)) for locale in ("ja", "en")} & named]


def slack_acknowledgers_refused(settings: Settings, profile: Profile, pr: set[str], en: bool = False) -> list[str]:
    """Slack users a level pings for the section that acknowledges who are no PR member: the notice's acknowledge
    button refuses the very person it pings (a user group cannot be looked into here)."""
    slack = settings.file.slack
    if profile.acknowledger is None or not (slack.pr_channel or slack.report_channels):
        return []
    keys = acknowledging(profile)
    return [f"escalation.levels[{index}].mention: " + (
        f"warning: {person} is mentioned as the {profile.acknowledger.en} but is no PR member (access.pr_members, "
        f"slack.pr_members), so the notice's acknowledge button refuses them; add slack:{person} to "
        f"access.pr_members if they acknowledge, or correct the mention" if en else
        f"注意: {person} は{profile.acknowledger.ja}としてメンションされますが、確認できる職員（access.pr_members・"
        f"slack.pr_members）にいないため、通知の「確認しました」を押すと断られます。確認する人なら access.pr_members "
        f"に slack:{person} を加え、別の人の ID なら mention を直してください。")
        for index, level in enumerate(settings.file.escalation.levels) if level.section in keys
        for person in (level.mention or "").split() if person[:1] in "UW" and person not in pr]
