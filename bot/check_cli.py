"""`incident-bot check`: what is in use, and escalation levels a chat platform would leave unmentioned."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import takewhile
from pathlib import Path
from typing import Any, TextIO

from bot import identity
from bot.chat_sections import ChatSection, SectionError, mentioned_sections, read_section
from bot.check_mentions import acknowledging, slack_acknowledgers_refused
from bot.check_schedule import schedule
from bot.cli_errors import masked_url
from bot.config import ConfigError, Settings
from bot.i18n import Catalog
from bot.triage.escalation import EscalationPlan
from bot.triage.profiles import Profile, bare_name
from bot.wiring import Runtime

# The chat platforms whose app.yaml blocks share ChatSection's fields (Slack's is typed in bot/config.py).
PLATFORM_SECTIONS = ("teams", "lineworks")
PR_EXAMPLES = {"slack": "slack:U0123ABCD", "teams": "teams:<Entra ID object id>", "lineworks": "lineworks:<user id>"}
SLACK_MENTION = re.compile(r"[SUW][A-Z0-9_]+")  # what Slack's renderer turns into a ping (adapters/slack/text.py)


def _sections(settings: Settings) -> list[ChatSection]:
    """Every platform's block as the fields they share (each adapter validates the rest when it starts)."""
    try:
        return [read_section(settings, name, ChatSection) for name in PLATFORM_SECTIONS]
    except SectionError as exc:
        raise ConfigError(str(exc)) from None


def uses_chat_platform(settings: Settings) -> bool:
    """Whether app.yaml sets up Slack, Teams or LINE WORKS channels (then escalations must reach someone)."""
    slack = settings.file.slack
    return bool(slack.pr_channel or slack.report_channels) or any(s.in_use() for s in _sections(settings))


def mentioning_platform(settings: Settings) -> bool:
    """Whether Slack or Teams is set up: the platforms whose notices mention the people of a level (LINE WORKS posts
    every level to its PR talk room without a mention)."""
    slack = settings.file.slack
    sections = dict(zip(PLATFORM_SECTIONS, _sections(settings), strict=True))
    return bool(slack.pr_channel or slack.report_channels) or sections["teams"].in_use()


def pr_people(settings: Settings) -> Sequence[str]:
    """Everyone configured as a PR member (ids and Slack user groups) on any platform."""
    access, slack = settings.file.access, settings.file.slack
    return [*access.pr_members, *slack.pr_members, *slack.pr_user_groups,
            *(user for section in _sections(settings) for user in section.pr_members)]


def console_users_without_pr(settings: Settings) -> list[str]:
    """Without a chat platform, the console users when none of them is a PR member: nobody there may acknowledge
    or close (app.yaml's console.users replaces the shipped ones, console-pr among them)."""
    members = set(settings.file.access.pr_members)
    users = settings.file.console.users
    if uses_chat_platform(settings) or not members or any(_console_id(u.id) in members for u in users.values()):
        return []
    return list(users)


def _console_id(user_id: str) -> str:
    """A console user's id as the core stores it (as bot/adapters/console_input.qualified reads it)."""
    return user_id if identity.split(user_id)[0] else identity.qualify("console", user_id)


def unmentioned_sections(settings: Settings, plan: EscalationPlan, en: bool = False) -> list[str]:
    """Escalation levels whose section nobody is mentioned for (the first level and its re-notices: PR counts)."""
    pr = pr_people(settings)
    mentioned = frozenset().union(*(mentioned_sections(settings, name) for name in PLATFORM_SECTIONS))
    missing = []
    for index, level in enumerate(plan.levels):
        answered_by_pr = bool(pr) and index == 0
        if level.mention or level.section in mentioned or answered_by_pr:
            continue
        where = f"escalation level {level.level}" if en else f"第 {level.level} 段階"
        missing.append(f"{where}: {level.section_name} ({level.section})")
    return missing


def first_recipients_unmentioned(settings: Settings, plan: EscalationPlan, profile: Profile,
                                 cat: Catalog) -> list[str]:
    """Sections the first notice names (first_report_to, told at once) that Slack or Teams mentions nobody of: the
    notice says their name and pings nobody of them (相馬市: 情報管理者 named, only the 課長 mentioned)."""
    if not plan.levels or len(plan.levels[0].sections) < 2:
        return []
    first = plan.levels[0]
    excused = {first.sections[0]} if pr_people(settings) else set()  # PR reads its channel (unmentioned_sections)
    own = profile.id in settings.file.custom_profiles
    where = f"custom_profiles.{profile.id}.first_report_to" if own else f"profiles/{profile.id}.yaml: first_report_to"
    found = []
    slack = settings.file.slack
    # Slack's first notice pings the mention of each leading level bound to first_report_to (bot/wiring.py); a
    # user group (S…) may hold every section's people, so it is taken to.
    grouped = any(identity.split(part)[1].startswith("S") for part in (first.mention or "").split())
    if (slack.pr_channel or slack.report_channels) and not grouped:
        bound = takewhile(lambda level: level.section in first.sections, settings.file.escalation.levels)
        pinged = {level.section for level in bound if level.mention}
        found += [(key, "slack") for key in first.sections if key not in pinged | excused]
    teams = _sections(settings)[0]
    if teams.in_use():
        mentioned = mentioned_sections(settings, "teams")
        found += [(key, "teams") for key in first.sections if key not in mentioned | excused]
    return [f"{where}: " + cat.t("check.first_unmentioned", id=key, platform=cat.t(f"check.platform_{platform}"),
                                 section=profile.section_name(key, cat.locale))
            + cat.t(f"check.first_unmentioned_{platform}", id=key) for key, platform in found]


def unused_mentions(settings: Settings, plan: EscalationPlan, profile: Profile, en: bool = False) -> list[str]:
    """Platform mentions (`teams.mentions.<section>`) for a section no notice goes to, which mention nobody."""
    # e.g. pr_section copied from the Teams guide for 筑後市, whose notices go to pr_head (総務広報課長).
    told = list(dict.fromkeys(s for level in plan.levels for s in (level.sections or (level.section,))))
    locale = "en" if en else "ja"
    where = ", ".join(f"{key} ({profile.section_name(key, locale)})" for key in told)
    found = []
    for name in PLATFORM_SECTIONS:
        for key in sorted(mentioned_sections(settings, name) - set(told)):
            found.append(f"{name}.mentions.{key}: " + (
                f"warning: no notice goes to this section, so nobody is mentioned from it; notices go to: {where}"
                if en else f"注意: この部署あての通知はないため、このメンションは使われません。通知の宛先: {where}"))
    return found


def mentioned_acknowledgers_refused(settings: Settings, profile: Profile, en: bool = False) -> list[str]:
    """People a Teams notice mentions for the section that acknowledges it (the profile's acknowledger: 筑後市
    総務広報課長) who are no PR member: the card's 「確認しました（総務広報課長）」 refuses the very person it names."""
    if profile.acknowledger is None or not _sections(settings)[0].in_use():
        return []
    keys = acknowledging(profile)
    pr = {identity.split(user.strip())[1] for user in pr_people(settings)}
    mentions: Any = (settings.file.teams or {}).get("mentions")
    found = []
    for key in keys:
        listed = (mentions if isinstance(mentions, dict) else {}).get(key) or []
        for index, person in enumerate(listed if isinstance(listed, list) else [listed]):
            person_id = identity.split(str(person.get("id", "")).strip())[1] if isinstance(person, dict) else ""
            if not person_id or person.get("type") == "tag" or person_id in pr:
                continue
            who = f"{person.get('name', '')} ({person_id})"
            found.append(f"teams.mentions.{key}[{index}]: " + (
                f"warning: {who} is mentioned as the {profile.acknowledger.en} but is no PR member "
                "(access.pr_members, teams.pr_members), so the notice's acknowledge button refuses them; add the id "
                "to teams.pr_members if they acknowledge" if en else
                f"注意: {who} は{profile.acknowledger.ja}としてメンションされますが、確認できる職員"
                "（access.pr_members・teams.pr_members）にいないため、通知の「確認しました」を押すと断られます。"
                "確認する人なら、その ID を teams.pr_members に加えてください。"))
    return found


def first_level_elsewhere(settings: Settings, profile: Profile, en: bool = False) -> str | None:
    """A first configured level that is no first recipient: an added level then, and the first notice unmentioned."""
    # e.g. section: pr_section copied from the Slack guide for 筑後市, which reports to pr_head (総務広報課長).
    levels = settings.file.escalation.levels
    if not levels or levels[0].section in profile.first_report_to:
        return None
    locale = "en" if en else "ja"
    first = ", ".join(f"{key} ({profile.section_name(key, locale)})" for key in profile.first_report_to)
    section = levels[0].section
    return "escalation.levels[0].section: " + (
        f"warning: {section} is not where the first notice goes ({first}); the first notice is sent without this "
        f"mention or wait, and {section} becomes an added level (the municipality's own setting). For the first "
        f"notice, write section: {profile.first_report_to[0]}" if en else
        f"注意: {section} は最初の通知の宛先（{first}）ではありません。"
        f"最初の通知はこのメンション・待ち時間なしで送られ、{section} はその後に加わる段階"
        f"（自治体の運用設定）になります。最初の通知のメンションは section: {profile.first_report_to[0]} で"
        "書いてください。")


def unused_first_waits(settings: Settings, profile: Profile, en: bool = False) -> list[str]:
    """Waits written on leading levels after the first that name another first recipient: told at once, unused."""
    # e.g. 浦臼町 5(3): 総務課 15 min then 所属課局長 45 min, meant as a chain; both are told at once, every 15 min.
    levels, first = settings.file.escalation.levels, profile.first_report_to
    lead = 0
    while lead < len(levels) and levels[lead].section in first:
        lead += 1
    locale = "en" if en else "ja"
    together = profile.first_recipients(locale)
    found = []
    for index in range(1, lead):
        level = levels[index]
        if "after_minutes" not in level.model_fields_set or level.after_minutes == levels[0].after_minutes:
            continue
        name = profile.section_name(level.section, locale)
        wait = levels[0].after_minutes
        found.append(f"escalation.levels[{index}].after_minutes: " + (
            f"warning: {level.section} ({name}) is told first, at once with the others ({together}), so this wait "
            f"({level.after_minutes} min) is not used; re-notices follow escalation.levels[0]'s {wait} min. A later "
            "level after the first notice must name a section the first notice does not go to" if en else
            f"注意: {level.section}（{name}）は最初の報告先の一つで、最初の通知で{together}に同時に通知します。"
            f"この待ち時間（{level.after_minutes} 分）は使われず、再通知の間隔は escalation.levels[0] の {wait} 分"
            "です。最初の通知の後に知らせる段階には、最初の通知の宛先でない部署を書いてください。"))
    return found


def repeated_levels(settings: Settings, profile: Profile, en: bool = False) -> list[str]:
    """Levels after the first notice naming a section an earlier level told: each is sent as a step up again."""
    first, seen, found = set(profile.first_report_to), {}, []
    for index, level in enumerate(settings.file.escalation.levels):
        if level.section in seen and level.section not in first:  # leading first recipients: unused_first_waits
            name = profile.section_name(level.section, "en" if en else "ja")
            found.append(f"escalation.levels[{index}].section: " + (
                f"warning: {level.section} ({name}) is told at escalation.levels[{seen[level.section]}] already and "
                "would be told again as a further level; the last level is re-notified anyway (renotice_limit)"
                if en else
                f"注意: {level.section}（{name}）は escalation.levels[{seen[level.section]}] でも通知先です。"
                f"同じ部署へもう一度「上位への通知」を送ることになります。最後の段階へは確認されるまで再通知"
                f"（renotice_limit）するため、同じ部署を二度書く必要はありません。"))
        seen.setdefault(level.section, index)
    return found


def profile_unnamed(settings: Settings, profile: Profile, en: bool = False) -> str | None:
    """app.yaml without `profile:`: the default municipality runs, its sections told and its guideline cited."""
    if "profile" in settings.file.model_fields_set:
        return None
    locale = "en" if en else "ja"
    who = f"{profile.id} ({profile.name.get(locale)})" if en else f"{profile.id}（{profile.name.get(locale)}）"
    first = profile.first_recipients(locale)
    return "profile: " + (
        f"warning: app.yaml names no profile, so {who} runs: notices go to {first} citing its guideline. Unless "
        "you are that municipality, write profile: (asahikawa, urausu, iwaki, chikugo or a custom_profiles name)"
        if en else
        f"注意: app.yaml に profile がないため、{who}のプロファイルで動きます（通知先は{first}、根拠は"
        f"{profile.name.get(locale)}のガイドライン）。{profile.name.get(locale)}でなければ、profile: に自治体の"
        "プロファイル（asahikawa・urausu・iwaki・chikugo、または custom_profiles の名前）を書いてください。")


def acknowledger_unnotified(settings: Settings, profile: Profile, cat: Catalog) -> str | None:
    """The profile's acknowledger (and pr_role, the people of access.pr_members) when it is none of the sections
    the first notice goes to (first_report_to, all told at once): who must acknowledge is never told first."""
    # e.g. a custom profile extending 旭川市 with first_report_to: [department_head]: 広報広聴課 hears nothing.
    told = {bare_name(profile.section_name(key, locale)) for key in profile.first_report_to for locale in ("ja", "en")}
    told |= set(profile.first_report_to)  # `acknowledger: pr_section`, the section's key
    fields = [field for field, text in (("acknowledger", profile.acknowledger), ("pr_role", profile.pr_role))
              if text is not None and not {bare_name(text.ja), bare_name(text.en)} & told]
    if not fields:
        return None
    own = profile.id in settings.file.custom_profiles  # else a profile of playbooks_dir (profiles/<id>.yaml)
    where = f"custom_profiles.{profile.id}." if own else f"profiles/{profile.id}.yaml: "
    named = profile.acknowledger if "acknowledger" in fields else profile.pr_role
    assert named is not None
    return where + "・".join(fields) + ": " + cat.t(
        "check.acknowledger_unnotified", who=named.get(cat.locale), fields=", ".join(fields),
        first=profile.first_recipients(cat.locale), keys=", ".join(profile.first_report_to))


def unused_added_sections(settings: Settings, profile: Profile, profiles: Mapping[str, Profile]) -> list[str]:
    """Sections the selected custom profile adds that nothing uses: a misspelt pr_section kept the old name."""
    sections = (settings.file.custom_profiles.get(profile.id) or {}).get("sections")
    if not isinstance(sections, dict):
        return []
    # The profile it extends may be playbooks_dir's own (profiles/<id>.yaml), not a packaged one.
    builtin = profiles.get(profile.base or profile.id)
    known = builtin.sections if builtin is not None else {}
    used = set(profile.first_report_to) | {level.section for level in settings.file.escalation.levels}
    return [key for key in sections if key not in known and key not in used]


def channels_without_reports(settings: Settings) -> list[str]:
    """Platforms with a PR channel but no report channel: posts in the channel staff were told to use are ignored."""
    slack = settings.file.slack
    found = ["slack"] if slack.pr_channel and not slack.report_channels else []
    return found + [name for name, section in zip(PLATFORM_SECTIONS, _sections(settings), strict=True)
                    if section.pr_channel and not section.report_channels]


def platforms_without_pr(settings: Settings) -> list[str]:
    """Platforms in use where no PR member is theirs (e.g. only the init file's console:console-pr): there nobody
    may acknowledge, so every notice is re-sent to the limit."""
    if not pr_people(settings):
        return []  # check.no_pr_members says it for every platform
    shared = {identity.split(user)[0] for user in settings.file.access.pr_members}
    slack = settings.file.slack
    found = ["slack"] if ((slack.pr_channel or slack.report_channels) and "slack" not in shared
                          and not (slack.pr_members or slack.pr_user_groups)) else []
    return found + [name for name, section in zip(PLATFORM_SECTIONS, _sections(settings), strict=True)
                    if section.in_use() and name not in shared and not section.pr_members]


def restricted_in_report_channels(settings: Settings) -> list[str]:
    """Platforms whose restricted (leak) channel is one of their report channels, which every member of staff reads."""
    slack = settings.file.slack
    found = ["slack"] if slack.restricted_channel and slack.restricted_channel in slack.report_channels else []
    return found + [name for name, section in zip(PLATFORM_SECTIONS, _sections(settings), strict=True)
                    if section.restricted_channel and section.restricted_channel in section.report_channels]


def unpingable_mentions(settings: Settings) -> list[tuple[int, str]]:
    """Escalation mentions Slack would show as plain text (not U…/W…/S…) while Slack channels are set up."""
    slack = settings.file.slack
    if not (slack.pr_channel or slack.report_channels):
        return []
    # One by one, as the adapter mentions them (bot/adapters/slack/text.py): "U0AAA U0BBB" pings two people.
    return [(index, part) for index, level in enumerate(settings.file.escalation.levels)
            for part in (level.mention or "").split() if not SLACK_MENTION.fullmatch(identity.split(part)[1])]


def check(runtime: Runtime, args: Any, stdout: TextIO) -> int:
    """Report what is in use; fail (2) when an escalation level of a chat platform would mention nobody."""
    settings, deps = runtime.settings, runtime.triage.deps
    en, cat = settings.file.locale == "en", runtime.triage.catalog  # its {pr_role}: the profile's word (浦臼町: 総務課)
    missing = unmentioned_sections(settings, deps.escalation, en)
    if missing and mentioning_platform(settings):
        for line in missing:
            stdout.write(f"{settings.source}: {line}: {cat.t('check.nobody_to_mention')}\n")
        for line in unused_mentions(settings, deps.escalation, deps.profile, en):  # often the level's, mistyped
            stdout.write(f"{settings.source}: {line}\n")
        return 2
    layers = [cat.t("check.builtin_playbooks", path=settings.playbooks_dir)] + (  # not a setting: the package's
        [str(settings.extra_playbooks_dir)] if settings.extra_playbooks_dir else [])
    stdout.write(f"OK: {Path(settings.source).resolve()}; profile {deps.profile.id}; "
                 f"playbooks {', '.join(runtime.library.kinds())}; profiles {', '.join(sorted(runtime.profiles))}\n"
                 f"playbooks_dir: {' + '.join(layers)}\ndatabase: {masked_url(settings.database_url)}\n"
                 f"{settings.source}: {schedule(deps.escalation, en)}\n")
    if not pr_people(settings):  # then nobody may acknowledge, close or grant a role (bot/triage/access.py)
        stdout.write(f"{settings.source}: {cat.t('check.no_pr_members')}\n")
    if users := console_users_without_pr(settings):
        stdout.write(f"{settings.source}: console.users: " + cat.t(
            "check.console_without_pr", users=", ".join(users),
            members=", ".join(settings.file.access.pr_members)) + "\n")
    for index, mention in unpingable_mentions(settings):
        stdout.write(f"{settings.source}: escalation.levels[{index}].mention: " + (
            f"warning: {mention!r} is neither a Slack user (U…/W…) nor a user group (S…); Slack shows it as text and "
            "notifies nobody" + ("; separate people with spaces" if re.search("[,、，]", mention) else "") + "\n"
            if en else f"注意: {mention!r} は Slack のユーザー ID（U…・W…）でもユーザーグループ ID（S…）でも"
            "ありません。Slack では文字として表示されるだけで、誰にも通知されません。"
            + ("複数の人は半角スペースで区切って書きます。" if re.search("[,、，]", mention) else "") + "\n"))
    for name in channels_without_reports(settings):
        stdout.write(f"{settings.source}: {name}.report_channels: " + (
            "warning: empty, so posts in a channel are not taken as reports (only direct messages and mentions "
            "of the bot are); add the report channel's id\n" if en else
            "注意: 報告を受け付けるチャンネルがありません。チャンネルへの投稿は報告として受け付けず、ボットとの"
            "個人チャット（DM）とメンションだけが報告になります。報告用チャンネルの ID を書いてください。\n"))
    for name in platforms_without_pr(settings):
        stdout.write(f"{settings.source}: {name}.pr_members: "
                     + cat.t("check.platform_without_pr", platform=name, example=PR_EXAMPLES[name]) + "\n")
    for name in restricted_in_report_channels(settings):
        stdout.write(f"{settings.source}: {name}.restricted_channel: " + (
            "warning: it is also a report channel, which all staff read; leak notices and the daily verification "
            "go there. Give a private channel's id, or remove the line (leak notices then go to the PR channel)\n"
            if en else
            "注意: 報告チャンネル（report_channels）と同じです。情報漏えいの通知と日次の検証結果が、職員の全員が読む"
            "報告チャンネルに投稿されます。非公開チャンネルの ID を書くか、この行を削除してください"
            "（削除すると情報漏えいの通知は広報チャンネルに届きます）。\n"))
    for line in unused_mentions(settings, deps.escalation, deps.profile, en):
        stdout.write(f"{settings.source}: {line}\n")
    for line in first_recipients_unmentioned(settings, deps.escalation, deps.profile, cat):
        stdout.write(f"{settings.source}: {line}\n")
    pr = {identity.split(user.strip())[1] for user in pr_people(settings)}
    for line in mentioned_acknowledgers_refused(settings, deps.profile, en) + slack_acknowledgers_refused(
            settings, deps.profile, pr, en):
        stdout.write(f"{settings.source}: {line}\n")
    unnotified = acknowledger_unnotified(settings, deps.profile, cat)
    if unnotified:
        stdout.write(f"{settings.source}: {unnotified}\n")
    unnamed = profile_unnamed(settings, deps.profile, en)
    if unnamed:
        stdout.write(f"{settings.source}: {unnamed}\n")
    for line in unused_first_waits(settings, deps.profile, en) + repeated_levels(settings, deps.profile, en):
        stdout.write(f"{settings.source}: {line}\n")
    elsewhere = first_level_elsewhere(settings, deps.profile, en)
    if elsewhere:
        stdout.write(f"{settings.source}: {elsewhere}\n")
    for key in unused_added_sections(settings, deps.profile, runtime.profiles):
        known = ", ".join(sorted(set(deps.profile.sections) - {key}))
        stdout.write(f"{settings.source}: custom_profiles.{deps.profile.id}.sections.{key}: " + (
            f"warning: not a section of {deps.profile.base} and used by neither first_report_to nor "
            f"escalation.levels; to rename a section, use its key ({known})\n" if en else
            f"注意: {deps.profile.base} にない部署で、first_report_to にも escalation.levels にも使われていません。"
            f"部署名を変える場合は元の部署の名前（{known}）で書いてください。\n"))
    if missing and uses_chat_platform(settings):  # LINE WORKS alone: notices go to its room, mentioning nobody
        stdout.write(f"{settings.source}: lineworks.pr_channel: " + (
            "note: LINE WORKS notices mention nobody; every level is posted to the PR talk room (pr_channel). Make "
            f"sure these levels' people are members of that room: {'; '.join(missing)}\n" if en else
            "注意: LINE WORKS の通知は誰もメンションせず、どの段階も広報用トークルーム（pr_channel）に投稿します。"
            f"次の段階の通知先の職員がこのトークルームのメンバーであることを確認してください: {'、'.join(missing)}\n"))
    elif missing:
        stdout.write(("note: no Slack/Teams channels configured; escalation levels without a mention: "
                      if en else "注意: Slack・Teams のチャンネルが未設定です。通知先のないエスカレーション段階: ")
                     + "; ".join(missing) + "\n")
    return 0
