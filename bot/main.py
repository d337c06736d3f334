"""Command line: wires config, storage and the core, then runs the chosen adapter or tool."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from bot import records_cli
from bot.clock import FAKE_NOW_ENV, FileClock
from bot.config import ConfigError, load_config
from bot.wiring import Runtime, build_runtime

log = logging.getLogger("incident_bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="incident-bot", description="SNS incident response bot")
    parser.add_argument("--config", default="app.yaml", help="path to app.yaml (default: ./app.yaml)")
    sub = parser.add_subparsers(dest="command")
    chat = sub.add_parser("chat", help="console chat on the local database (the default)")
    chat.add_argument("--no-prompt", action="store_true", help="do not print a prompt (for piping)")
    classify = sub.add_parser("classify", help="classify report text")
    classify.add_argument("text", nargs="?", help="text to classify")
    classify.add_argument("--jsonl", action="store_true", help="read one text per stdin line, write JSON lines")
    timeline = sub.add_parser("timeline", help="export an incident's timeline, or 'verify' the whole chain")
    timeline.add_argument("target", help="incident number (e.g. 12 or INC-0012) or 'verify'")
    timeline.add_argument("--format", choices=("md", "csv", "json", "xlsx"), default="md")
    timeline.add_argument("--output", metavar="FILE", help="write to FILE (xlsx: default INC-0012-timeline.xlsx)")
    timeline.add_argument("--as", dest="as_user", metavar="USER_ID",
                          help="export as this chat user may (PR and security officers only); default: operator")
    timeline.add_argument("--expect", metavar="SEQ:HASH",
                          help="with 'verify': also check the chain still holds a head posted earlier")
    incidents = sub.add_parser("incidents", help="list incidents")
    incidents.add_argument("--json", action="store_true", help="JSON output")
    incidents.add_argument("--open", action="store_true", help="only open incidents")
    incidents.add_argument("--format", choices=("text", "xlsx"), default="text")
    incidents.add_argument("--output", metavar="FILE", help="with xlsx: file to write (default: incidents-DATE.xlsx)")
    incidents.add_argument("--as", dest="as_user", metavar="USER_ID", help="with xlsx: list as this chat user may")
    records_cli.add_report_parser(sub)
    serve = sub.add_parser("serve", help="Slack app over HTTP (POST /slack/events) with the scheduler")
    serve.add_argument("--port", type=int, default=3000)
    # bandit B104: default of --host for the server commands.
    serve.add_argument("--host", default="0.0.0.0")  # nosec B104
    sub.add_parser("socket", help="Slack app in Socket Mode with the scheduler")
    teams = sub.add_parser("teams", help="Microsoft Teams app (Microsoft 365 Agents SDK) with the scheduler")
    teams.add_argument("--port", type=int, default=3978)
    # bandit B104: default of --host for the server commands.
    teams.add_argument("--host", default="0.0.0.0")  # nosec B104
    manifest = sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument("--url", help="request URL for HTTP mode, e.g. https://bot.example.jp/slack/events "
                                        "(default: Socket Mode)")
    summary = sub.add_parser("summary", help="print or post a weekly incident summary")
    summary.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: last week)")
    summary.add_argument("--format", choices=("text", "json"), default="text")
    summary.add_argument("--chart", help="write the chart PNG to this path")
    summary.add_argument("--post", action="store_true", help="post it to slack.summary_channel")
    retention = sub.add_parser("retention", help="erase personal data of incidents past their retention period")
    retention.add_argument("--dry-run", action="store_true", help="only list what is due; erase nothing")
    retention.add_argument("--json", action="store_true", help="JSON output")
    sub.add_parser("check", help="validate app.yaml, profiles and playbooks, then exit")
    sub.add_parser("migrate", help="bring the database schema up to date")
    return parser


def _classify(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bot.triage.classify import Classifier

    classifier = Classifier()
    if args.jsonl:
        for line in stdin:
            line = line.rstrip("\n")
            try:
                obj = json.loads(line) if line.startswith("{") else None
            except json.JSONDecodeError:
                obj = None
            text = obj.get("text", "") if isinstance(obj, dict) else line
            result = classifier.classify(str(text))
            stdout.write(json.dumps({"kind": result.kind, "confidence": round(result.confidence, 3)},
                                    ensure_ascii=False) + "\n")
        return 0
    if args.text is None:
        stdout.write("classify: give TEXT or --jsonl\n")
        return 2
    result = classifier.classify(args.text)
    stdout.write(json.dumps({"kind": result.kind, "confidence": round(result.confidence, 3)},
                            ensure_ascii=False) + "\n")
    return 0


def _timeline(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    if args.target == "verify":
        # The whole chain plus every erased incident, in one snapshot (bot/retention_cli.py).
        return _adapter_command("bot.retention_cli", "verify", runtime, args, stdout)
    return records_cli.timeline(runtime, args, stdout)  # readable exports and .xlsx (bot/records/)


def _incidents(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    from bot.clock import format_jst, to_jst

    if args.format == "xlsx":
        return records_cli.incidents(runtime, args, stdout)
    views = runtime.triage.queries.list(None, open_only=args.open, limit=10_000)
    if args.json:
        stdout.write(json.dumps([{
            "id": v.id, "ref": v.ref, "kind": v.kind, "status": v.status, "severity": v.severity,
            "restricted": v.restricted, "reporters": list(v.reporters), "source_url": v.source_url,
            "platform": v.platform, "created_at": to_jst(v.created_at).isoformat(),
            "acknowledged_at": to_jst(v.acknowledged_at).isoformat() if v.acknowledged_at else None,
            "resolved_at": to_jst(v.resolved_at).isoformat() if v.resolved_at else None,
        } for v in views], ensure_ascii=False, indent=2) + "\n")
        return 0
    locale = runtime.triage.catalog.locale
    for v in views:
        stdout.write(f"{v.ref}\t{v.status_label}\t{v.kind_label}\t{v.severity_label}\t"
                     f"{format_jst(v.created_at, locale)}\n")
    return 0


def run(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Entry point body; returns the exit code (testable without a subprocess)."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    command = args.command or "chat"
    if command == "classify":
        return _classify(args, stdin, stdout)
    try:
        settings = load_config(args.config)
        runtime = build_runtime(settings, clock=_test_clock())
    except ConfigError as exc:
        stderr.write(f"設定エラー / configuration error:\n{exc}\n")
        return 2
    try:
        commands: dict[str, Callable[[], int]] = {
            "chat": lambda: _chat(runtime, args, stdin, stdout),
            "timeline": lambda: _timeline(runtime, args, stdout),
            "incidents": lambda: _incidents(runtime, args, stdout),
            "report": lambda: records_cli.report(runtime, args, stdout),
            "check": lambda: _check(runtime, stdout),
            "migrate": lambda: 0,
            "serve": lambda: _adapter_command("bot.adapters.slack.cli", "serve", runtime, args, stdout),
            "socket": lambda: _adapter_command("bot.adapters.slack.cli", "socket", runtime, args, stdout),
            "manifest": lambda: _adapter_command("bot.adapters.slack.cli", "manifest", runtime, args, stdout),
            "teams": lambda: _adapter_command("bot.adapters.teams.cli", "teams", runtime, args, stdout),
            "summary": lambda: _adapter_command("bot.summary_cli", "summary", runtime, args, stdout),
            "retention": lambda: _adapter_command("bot.retention_cli", "retention", runtime, args, stdout),
        }
        return commands[command]()
    finally:
        runtime.close()


def _test_clock() -> FileClock | None:
    """The test-only clock (bot.clock.FileClock) when INCIDENT_BOT_FAKE_NOW_FILE is set, else None (real time)."""
    path = os.environ.get(FAKE_NOW_ENV)
    if not path:
        return None
    try:
        clock = FileClock(path)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    log.warning("%s is set: time is read from %s (tests only; never set it in production)", FAKE_NOW_ENV, path)
    return clock


def _adapter_command(module: str, name: str, runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Run a command implemented next to its adapter (imported only when used: the core stays platform-free)."""
    import importlib

    return int(getattr(importlib.import_module(module), name)(runtime, args, stdout))


def _check(runtime: Runtime, stdout: TextIO) -> int:
    kinds = ", ".join(runtime.library.kinds())
    profile = runtime.triage.deps.profile
    stdout.write(f"OK: {runtime.settings.source}; profile {profile.id}; playbooks {kinds}; "
                 f"profiles {', '.join(sorted(runtime.profiles))}\n")
    return 0


def _chat(runtime: Runtime, args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bot.adapters.console import ConsoleChat

    chat = ConsoleChat(runtime.triage, runtime.settings.file.console)
    chat.run(stdin, stdout, prompt=not getattr(args, "no_prompt", False) and stdin.isatty())
    return 0


def main() -> None:
    """Console script entry point."""
    from bot.logging_setup import setup_logging

    setup_logging()  # JSON lines on stderr, tokens and the signing secret masked (bot/logging_setup.py)
    sys.exit(run())
