"""Command line: wires config, storage and the core, then runs the chosen adapter or tool."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot import instance_lock, records_cli
from bot.cli_errors import database_problem, file_locale, is_network_error, masked_url, network_detail, say
from bot.cli_parser import build_parser
from bot.clock import FAKE_NOW_ENV, FileClock
from bot.config import ConfigError, Settings, load_config
from bot.paths import config_path, example_config
from bot.wiring import Runtime, build_runtime

log = logging.getLogger("incident_bot")


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
            stdout.write(_classified(classifier.classify(str(text))))
        return 0
    if args.text is None:
        stdout.write("classify: 判定する文章（TEXT）か --jsonl を指定してください / give TEXT or --jsonl\n")
        return 2
    stdout.write(_classified(classifier.classify(args.text)))
    return 0


def _classified(result: Any) -> str:
    """One JSON line: kind (none for chatter), confidence and outcome (report, unsure, chatter)."""
    return json.dumps({"kind": result.kind, "confidence": round(result.confidence, 3), "outcome": result.outcome},
                      ensure_ascii=False) + "\n"


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


SERVERS = ("serve", "socket", "teams", "lineworks")
RETRY_SECONDS = (5, 10, 30, 60)  # waits between reconnect attempts; the last repeats


@dataclass
class _State:
    """What the error messages need to know, filled in as start-up proceeds."""

    locale: str = "ja"
    database: str = ""


def run(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None,
        stderr: TextIO | None = None, *, sleep: Callable[[float], None] = time.sleep) -> int:
    """Entry point body; returns the exit code (testable without a subprocess). Failures a user can cause or
    meet end in one short message and exit code 2 (bot/cli_errors.py); tracebacks only with LOG_LEVEL=DEBUG."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    state = _State()
    try:
        return _dispatch(args, state, stdin, stdout, stderr, sleep)
    except KeyboardInterrupt:
        stderr.write("\n" + say("interrupted", state.locale) + "\n")
    except ConfigError as exc:
        stderr.write(say("config_error", state.locale, error=exc) + "\n")
    except SQLAlchemyError as exc:
        key = database_problem(exc)
        detail = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
        stderr.write(say(key, state.locale, url=masked_url(state.database), detail=masked_url(detail)) + "\n")
        _debug_traceback(stderr)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            stderr.write(say("port_in_use", state.locale, port=getattr(args, "port", "?")) + "\n")
        else:
            stderr.write(say("unexpected", state.locale, kind=f"{type(exc).__name__}: {exc}") + "\n")
        _debug_traceback(stderr)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one message, details in DEBUG
        log.debug("unexpected error", exc_info=True)
        stderr.write(say("unexpected", state.locale, kind=type(exc).__name__) + "\n")
        _debug_traceback(stderr)
    return 2


def _debug_traceback(stderr: TextIO) -> None:
    if os.environ.get("LOG_LEVEL", "").upper() == "DEBUG":
        stderr.write(traceback.format_exc())


def _dispatch(args: argparse.Namespace, state: _State, stdin: TextIO, stdout: TextIO, stderr: TextIO,
              sleep: Callable[[float], None]) -> int:
    command = args.command or "chat"
    if command == "classify" and not (args.evaluate or args.train or args.purge_examples):
        return _classify(args, stdin, stdout)
    if command == "init":
        return _init(args, stdout, stderr)
    if command == "teams" and args.action == "manifest":
        return _teams_manifest(args, stdout, stderr)
    path = config_path(getattr(args, "config", None))
    state.locale = file_locale(path)  # a file that names its locale is answered in it, even if it fails to load
    settings = load_config(path)
    state.locale, state.database = settings.file.locale, settings.database_url
    in_use = {"config": str(Path(settings.source).resolve()), "database": masked_url(settings.database_url)}
    for warning in settings.warnings:  # e.g. a user id read as Slack's although app.yaml named no platform
        if command in SERVERS:
            log.warning("%s", warning, extra={"event": "config.warning"})
        else:
            stderr.write(f"警告 / warning: {warning}\n")
    if command in SERVERS:  # servers: stdout starts with "listening on", stderr holds JSON log lines only
        log.info("startup.in_use config %s, database %s", in_use["config"], in_use["database"],
                 extra={"event": "startup.in_use", **in_use})
    elif command in ("chat", "migrate"):  # the chat keeps stdout for the conversation
        stream = stderr if command == "chat" else stdout
        stream.write(say("startup", state.locale, **in_use) + "\n")
        stream.flush()
    try:  # before migrating: a second server on one SQLite file would take over the first one's posts
        server_lock = instance_lock.take(settings.database_url) if command in SERVERS else None
    except instance_lock.InstanceBusy:
        stderr.write(say("db_second_server", state.locale, url=masked_url(settings.database_url)) + "\n")
        return 2
    try:
        return _run_command(command, settings, args, state, stdin, stdout, stderr, sleep)
    finally:
        instance_lock.release(server_lock)


def _run_command(command: str, settings: Settings, args: argparse.Namespace, state: _State, stdin: TextIO,
                 stdout: TextIO, stderr: TextIO, sleep: Callable[[float], None]) -> int:
    runtime = build_runtime(settings, clock=_test_clock())
    try:
        commands: dict[str, Callable[[], int]] = {
            "chat": lambda: _chat(runtime, args, stdin, stdout),
            "timeline": lambda: _timeline(runtime, args, stdout),
            "incidents": lambda: _incidents(runtime, args, stdout),
            "report": lambda: records_cli.report(runtime, args, stdout),
            "check": lambda: _check(runtime, args, stdout),
            "migrate": lambda: 0,
            "classify": lambda: _adapter_command("bot.triage.classifier_examples", "cli", runtime, args, stdout),
            "serve": lambda: _adapter_command("bot.adapters.slack.cli", "serve", runtime, args, stdout),
            "socket": lambda: _adapter_command("bot.adapters.slack.cli", "socket", runtime, args, stdout),
            "manifest": lambda: _adapter_command("bot.adapters.slack.cli", "manifest", runtime, args, stdout),
            "teams": lambda: _adapter_command("bot.adapters.teams.cli", "teams", runtime, args, stdout),
            "lineworks": lambda: _adapter_command("bot.adapters.lineworks.cli", "lineworks", runtime, args, stdout),
            "summary": lambda: _adapter_command("bot.summary_cli", "summary", runtime, args, stdout),
            "retention": lambda: _adapter_command("bot.retention_cli", "retention", runtime, args, stdout),
        }
        attempt = 0
        while True:
            try:
                return commands[command]()
            except Exception as exc:
                if command not in SERVERS or not is_network_error(exc):
                    raise
                seconds = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                service = {"teams": "Microsoft Teams", "lineworks": "LINE WORKS"}.get(command, "Slack")
                stderr.write(say("network_retry", state.locale, service=service, detail=network_detail(exc),
                                 seconds=seconds) + "\n")
                stderr.flush()
                sleep(seconds)
                attempt += 1
    finally:
        runtime.close()


def _check(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """`incident-bot check`; a Teams or LINE WORKS block is validated by its adapter's own model first, as the
    adapter does when it starts (bot.check_cli reads only the fields every platform shares)."""
    from bot.adapters.lineworks.settings import LineWorksSettings
    from bot.adapters.teams.settings import TeamsSettings
    from bot.chat_sections import SectionError, read_section

    settings = runtime.settings
    for name, model in (("teams", TeamsSettings), ("lineworks", LineWorksSettings)):
        if getattr(settings.file, name):
            try:
                read_section(settings, name, model)
            except SectionError as exc:
                raise ConfigError(str(exc)) from None
    return _adapter_command("bot.check_cli", "check", runtime, args, stdout)


def _init(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Write the commented example app.yaml (refuses to overwrite without --force)."""
    path = Path(args.path) if args.path else config_path(getattr(args, "config", None))
    if path.exists() and not args.force:
        stderr.write(say("init_exists", "ja", path=path.resolve()) + "\n")
        return 2
    try:
        path.write_text(example_config(), encoding="utf-8")
    except OSError as exc:
        stderr.write(say("init_failed", "ja", path=path.resolve(), detail=exc.strerror or exc) + "\n")
        return 2
    stdout.write(say("init_written", "ja", path=path.resolve()) + "\n")
    return 0


def _teams_manifest(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """`incident-bot teams manifest`: the Teams app package (bot/adapters/teams/manifest.py)."""
    from bot.adapters.teams.manifest import package
    from bot.i18n import Catalog

    app_id = args.app_id or os.environ.get("TEAMS_APP_ID")
    if not app_id:
        stderr.write("--app-id（または環境変数 TEAMS_APP_ID）に Entra アプリの ID を指定してください / "
                     "give the Entra app id with --app-id or TEAMS_APP_ID\n")
        return 2
    Path(args.out).write_bytes(package(app_id, Catalog.load(args.locale), developer=args.developer,
                                       website=args.website, privacy=args.privacy, terms=args.terms,
                                       version=args.version))
    stdout.write(f"{args.out}: manifest.json, color.png, outline.png\n")
    return 0


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


def _chat(runtime: Runtime, args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bot.adapters.console import ConsoleChat

    chat = ConsoleChat(runtime.triage, runtime.settings.file.console)
    # Line editing and history only on a real terminal; pipes and transcript tests read plain lines.
    interactive = stdin is sys.stdin and stdout is sys.stdout and stdin.isatty() and stdout.isatty()
    chat.run(stdin, stdout, prompt=not getattr(args, "no_prompt", False) and stdin.isatty(), interactive=interactive)
    return 0


def main() -> None:
    """Console script entry point."""
    from bot.logging_setup import setup_logging

    command = build_parser().parse_args(sys.argv[1:]).command or "chat"
    # JSON lines, secrets masked (bot/logging_setup.py); in the console chat never between the chat lines.
    setup_logging(console=command == "chat")
    sys.exit(run())
