"""`incident-bot summary`: print any week's summary as text or JSON, write its chart, or post it to Slack or LINE
WORKS."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TextIO

from bot.delivery.content import DeliveryError
from bot.triage.summary import BadWeek, IsoWeek, Month, WeeklySummary, build_summary, climb_name, render_summary
from bot.wiring import Runtime

CLI_WORKER = "cli"


class Target(NamedTuple):
    """Where --post posts: the room, the platform's name, how to post there and what a failed post raises."""

    channel: str
    platform: str
    publish: Callable[[WeeklySummary, bytes | None], None]
    errors: tuple[type[Exception], ...]


def summary(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Run the summary command; 0 on success, 1 when posting fails, 2 for bad arguments or settings."""
    deps = runtime.triage.deps
    now = deps.clock.now()
    month = getattr(args, "month", None)
    if month is not None:
        return _month(runtime, args, month, stdout)
    try:
        week = IsoWeek.parse_week_or_day(args.week) if args.week else IsoWeek.last_full(now)
    except BadWeek as exc:
        stdout.write(f"summary: --week: 週は、その週の日付（例 2026-11-23）か ISO 週番号（例 2026-W47）で指定して"
                     f"ください（入力値: {args.week!r}）。\nsummary: --week: {exc}\n")
        return 2
    publish = None
    if args.post:  # settings are checked before anything is printed
        from bot.adapters.slack.summary_post import SummaryPostError

        try:
            publish = _publisher(runtime)
        except SummaryPostError as exc:
            stdout.write(f"summary: --post: {exc}\n")
            return 2
    result = build_summary(deps.sessions, week, now, calendar=deps.escalation.calendar,
                           date_style=deps.profile.date_style, climb_to=climb_name(deps.escalation))
    if _write(runtime, result, args, stdout):
        return 2
    if publish is not None:
        return _post(runtime, publish, week, stdout, quiet=args.format == "json")
    return 0


def _month(runtime: Runtime, args: argparse.Namespace, given: str, stdout: TextIO) -> int:
    """`summary --month [2026-11]`: the same figures for a month (default 先月), printed; posting stays weekly."""
    deps = runtime.triage.deps
    if args.week or args.post:
        stdout.write("summary: --month: --week と --month は同時に指定できません。また月次のまとめは表示だけで、"
                     "--post では投稿しません（投稿は毎週の週次まとめです）。/ --month cannot be combined with "
                     "--week or --post (only the weekly summary is posted).\n")
        return 2
    now = deps.clock.now()
    try:
        month = Month.parse(given) if given else Month.last_full(now)
    except BadWeek as exc:
        stdout.write(f"summary: --month: 月は 2026-11 のように 年-月 で指定してください（入力値: {given!r}。"
                     f"省略すると先月）。/ give a month such as 2026-11 (none: last month).\nsummary: --month: {exc}\n")
        return 2
    result = build_summary(deps.sessions, month, now, calendar=deps.escalation.calendar,
                           date_style=deps.profile.date_style, climb_to=climb_name(deps.escalation))
    return 2 if _write(runtime, result, args, stdout) else 0


def _write(runtime: Runtime, result: WeeklySummary, args: argparse.Namespace, stdout: TextIO) -> bool:
    """Print the summary as text or JSON and write its chart; True when the chart file could not be written."""
    deps = runtime.triage.deps
    if args.format == "json":
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(render_summary(result, deps.catalog))
    if args.chart:
        from bot.triage.summary_chart import render_chart

        try:
            Path(args.chart).write_bytes(render_chart(result, deps.catalog))
        except OSError as exc:
            stdout.write(f"summary: --chart: cannot write {args.chart}: {exc.strerror or exc}\n")
            return True
    return False


def _publisher(runtime: Runtime) -> Target:
    """Where --post posts and how: Slack's slack.summary_channel, else LINE WORKS' lineworks.summary_channel
    (Teams posts only from the running service, which holds its conversations); raises with what to set."""
    from bot.adapters.lineworks.summary_post import cli_publisher
    from bot.adapters.slack.summary_post import POST_ERRORS, SummaryPostError, build_client, post_weekly_summary

    channel = runtime.settings.file.slack.summary_channel
    if channel:
        client = build_client(runtime)
        return Target(channel, "Slack", lambda result, png: post_weekly_summary(runtime, result, png, client),
                      POST_ERRORS)
    from bot.adapters.lineworks.app import LineWorksConfigError

    try:
        lineworks = cli_publisher(runtime, os.environ)
    except LineWorksConfigError as exc:  # said as LINE WORKS words it
        raise SummaryPostError(str(exc)) from None
    if lineworks is not None:
        return Target(lineworks[0], "LINE WORKS", lineworks[1], (DeliveryError, OSError))
    raise SummaryPostError(_no_channel(runtime))


def _post(runtime: Runtime, target: Target, week: IsoWeek, stdout: TextIO, quiet: bool) -> int:
    """Post through the scheduler's once-per-week claim, so a hand post and the cron never both post."""
    from bot.triage.summary_job import job_done, job_key, run_weekly_summary

    deps = runtime.triage.deps
    if job_done(deps, job_key(week)):
        stdout.write(f"summary: --post: the {week} summary was already posted "
                     f"(job_runs key {job_key(week)}); nothing sent\n")
        return 1
    try:
        posted = run_weekly_summary(deps, target.publish, CLI_WORKER, week=week)
    except target.errors as exc:
        stdout.write(f"summary: --post: {target.platform} が投稿を受け付けなかったか、接続できませんでした / "
                     f"{target.platform} refused or could not be reached: {exc}\n")
        return 1
    if not posted:
        stdout.write(f"summary: --post: another instance is posting the {week} summary right now; "
                     "nothing sent\n")
        return 1
    if not quiet:
        stdout.write(f"summary: posted {week} to {target.channel}\n")
    return 0


def _no_channel(runtime: Runtime) -> str:
    """Why --post cannot post, in Japanese first: no Slack or LINE WORKS summary room; Teams posts on schedule."""
    from bot.chat_sections import ChatSection, SectionError, read_section
    from bot.clock import WEEKDAYS_JA
    from bot.config_values import WEEKDAYS

    try:
        teams = read_section(runtime.settings, "teams", ChatSection).summary_channel
    except SectionError:
        teams = None
    when = runtime.settings.file.summary
    text = ("--post は Slack の slack.summary_channel か LINE WORKS の lineworks.summary_channel に投稿しますが、"
            "どちらも app.yaml に設定されていません。/ --post posts to slack.summary_channel or "
            "lineworks.summary_channel: neither is set in app.yaml.")
    if teams:
        day = WEEKDAYS.index(when.day_of_week) if when.day_of_week in WEEKDAYS else None
        shown = f"{WEEKDAYS_JA[day]}曜" if day is not None else when.day_of_week
        text += (f"\nsummary: --post: teams.summary_channel には、動いている incident-bot teams が毎週 {shown} "
                 f"{when.time:%H:%M}（日本時間）に投稿します（app.yaml の summary:）。/ the running incident-bot "
                 f"teams posts to teams.summary_channel every {when.day_of_week} at {when.time:%H:%M} JST "
                 "(summary: in app.yaml).")
    return text
