"""`incident-bot teams`: the Teams app over HTTP (aiohttp, POST /api/messages) with the scheduler."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any, TextIO

from bot.wiring import Runtime

log = logging.getLogger("incident_bot.teams")


def teams(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Serve the Teams app until SIGINT/SIGTERM; 2 when the SDK is missing or credentials are incomplete."""
    try:
        from bot.adapters.teams.app import TeamsConfigError, build_teams_app, teams_settings
        from bot.adapters.teams.request_checks import loopback
    except ImportError as exc:
        stdout.write("Microsoft 365 Agents SDK が入っていません。pip install -e '.[teams]' を実行してください / "
                     "the Microsoft 365 Agents SDK is not installed: "
                     f"pip install -e '.[teams]' ({exc.name})\n")
        return 2
    try:
        bot = build_teams_app(runtime, teams_settings(runtime))
    except TeamsConfigError as exc:
        stdout.write(f"{exc}\n")
        return 2
    # bandit B104: a server: listens on all interfaces unless --host says otherwise.
    host, port = str(getattr(args, "host", "0.0.0.0")), int(getattr(args, "port", 3978))  # nosec B104
    if bot.credentials.anonymous and not loopback(host):  # hardening: no token, so nothing but this machine
        stdout.write(f"匿名モード（TEAMS_APP_ID 未設定）は、このマシンの中だけで待ち受けるときに限り起動できます。"
                     f"--host 127.0.0.1 を付けるか、TEAMS_APP_ID などを設定してください（--host {host} は使えません）/ "
                     f"anonymous mode (TEAMS_APP_ID not set) only binds to loopback: pass --host 127.0.0.1 or set "
                     f"TEAMS_APP_ID (refused: --host {host})\n")
        return 2
    if bot.credentials.anonymous:
        stdout.write("匿名モード（TEAMS_APP_ID 未設定）: "
                     "このマシンからの要求だけを受け付けます（Agents Playground 用）/ "
                     "anonymous mode (TEAMS_APP_ID not set): "
                     "local requests only, for the Agents Playground\n")
    try:
        asyncio.run(serve(bot, host, port, stdout))
    except KeyboardInterrupt:
        pass
    return 0


async def serve(bot: Any, host: str, port: int, stdout: TextIO, *, scheduler: bool = True,
                stop: asyncio.Event | None = None) -> None:
    """Run the aiohttp app and the scheduler (escalations, weekly summary) until `stop` or a signal."""
    from aiohttp import web

    from bot.adapters.teams.app import MESSAGES_PATH
    from bot.delivery.jobs import platform_scheduler

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            pass
    runner = web.AppRunner(bot.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    jobs = None
    if scheduler:
        from bot.adapters.teams.summary_post import audit_publisher  # parity: the daily audit to Teams

        jobs = platform_scheduler(bot.runtime, "teams", deliver=bot.deliver_notification,
                                  publish_summary=bot.publish_summary, post_audit=audit_publisher(bot),
                                  resume=bot.resume_reports)
        jobs.start()
    bound = runner.addresses[0] if runner.addresses else (host, port)
    stdout.write(f"listening on http://{bound[0]}:{bound[1]}{MESSAGES_PATH}\n")
    stdout.flush()
    try:
        await stop.wait()
    finally:
        if jobs is not None:
            await asyncio.to_thread(jobs.shutdown, wait=True)
        await runner.cleanup()
