"""`incident-bot summary`: print any week's summary as text or JSON, write its chart, or post it to Slack."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from bot.triage.summary import BadWeek, IsoWeek, WeeklySummary, build_summary, render_summary
from bot.wiring import Runtime

CLI_WORKER = "cli"


def summary(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Run the summary command; 0 on success, 1 when posting fails, 2 for bad arguments or settings."""
    deps = runtime.triage.deps
    now = deps.clock.now()
    try:
        week = IsoWeek.parse(args.week) if args.week else IsoWeek.last_full(now)
    except BadWeek as exc:
        stdout.write(f"summary: --week: 週は 2026-W47 のような ISO 週番号（年-W週）で指定してください"
                     f"（入力値: {args.week!r}）。\nsummary: --week: {exc}\n")
        return 2
    client = None
    if args.post:  # settings are checked before anything is printed
        from bot.adapters.slack.summary_post import SummaryPostError, build_client

        try:
            if not runtime.settings.file.slack.summary_channel:
                raise SummaryPostError(_no_slack_channel(runtime))
            client = build_client(runtime)
        except SummaryPostError as exc:
            stdout.write(f"summary: --post: {exc}\n")
            return 2
    result = build_summary(deps.sessions, week, now, calendar=deps.escalation.calendar)
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
            return 2
    if client is not None:
        return _post(runtime, client, week, stdout, quiet=args.format == "json")
    return 0


def _post(runtime: Runtime, client: Any, week: IsoWeek, stdout: TextIO, quiet: bool) -> int:
    """Post through the scheduler's once-per-week claim, so a hand post and the cron never both post."""
    from bot.adapters.slack.summary_post import POST_ERRORS, post_weekly_summary
    from bot.triage.summary_job import job_done, job_key, run_weekly_summary

    deps = runtime.triage.deps
    if job_done(deps, job_key(week)):
        stdout.write(f"summary: --post: the {week} summary was already posted "
                     f"(job_runs key {job_key(week)}); nothing sent\n")
        return 1

    def publish(result: WeeklySummary, png: bytes | None) -> None:
        post_weekly_summary(runtime, result, png, client)

    try:
        posted = run_weekly_summary(deps, publish, CLI_WORKER, week=week)
    except POST_ERRORS as exc:
        stdout.write(f"summary: --post: Slack refused or could not be reached: {exc}\n")
        return 1
    if not posted:
        stdout.write(f"summary: --post: another instance is posting the {week} summary right now; "
                     "nothing sent\n")
        return 1
    if not quiet:
        stdout.write(f"summary: posted {week} to {runtime.settings.file.slack.summary_channel}\n")
    return 0


def _no_slack_channel(runtime: Runtime) -> str:
    """Why --post cannot post, in Japanese first: it posts to Slack only; Teams and LINE WORKS post on schedule."""
    from bot.chat_sections import ChatSection, SectionError, read_section

    scheduled = []
    for name in ("teams", "lineworks"):
        try:
            channel = read_section(runtime.settings, name, ChatSection).summary_channel
        except SectionError:
            channel = None
        if channel:
            scheduled.append(f"{name}.summary_channel")
    when = runtime.settings.file.summary
    text = ("--post は Slack の slack.summary_channel に投稿しますが、app.yaml に設定されていません。"
            "/ --post posts to Slack: slack.summary_channel is not set in app.yaml.")
    if scheduled:
        text += (f"\nsummary: --post: {'・'.join(scheduled)} には、動いている incident-bot teams／lineworks が毎週 "
                 f"{when.day_of_week} {when.time:%H:%M}（日本時間）に投稿します（app.yaml の summary:）。"
                 f"/ the running incident-bot teams / lineworks posts to {', '.join(scheduled)} every "
                 f"{when.day_of_week} at {when.time:%H:%M} JST (summary: in app.yaml).")
    return text
