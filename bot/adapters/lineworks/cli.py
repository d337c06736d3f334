"""`incident-bot lineworks`: the callback endpoint on waitress, the delivery workers and the scheduler."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any, TextIO

from bot.wiring import Runtime

log = logging.getLogger("incident_bot.lineworks")


def start_scheduler(adapter: Any) -> Any:
    """Escalations, the weekly summary, the daily audit and resume, through this adapter; started."""
    from bot.adapters.lineworks.summary_post import audit_publisher, summary_publisher
    from bot.delivery.jobs import platform_scheduler

    scheduler = platform_scheduler(adapter.runtime, "lineworks", deliver=adapter.deliver_notification,
                                   publish_summary=summary_publisher(adapter), post_audit=audit_publisher(adapter),
                                   resume=adapter.resume)
    scheduler.start()
    return scheduler


def lineworks(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Serve LINE WORKS callbacks until SIGINT/SIGTERM; 2 when credentials or settings are wrong."""
    from bot.adapters.lineworks.app import (
        LineWorksConfigError,
        build_lineworks_app,
        lineworks_credentials,
        lineworks_settings,
    )
    from bot.adapters.lineworks.server import make_server
    from bot.delivery.jobs import serve_until_stopped

    try:
        adapter = build_lineworks_app(runtime, lineworks_settings(runtime), lineworks_credentials(os.environ))
    except (LineWorksConfigError, ValueError) as exc:
        stdout.write(f"{exc}\n")
        return 2
    # bandit B104: a server: listens on all interfaces unless --host says otherwise.
    host, port = str(getattr(args, "host", "0.0.0.0")), int(getattr(args, "port", 3979))  # nosec B104
    server = make_server(adapter.wsgi(), host, port)
    scheduler = start_scheduler(adapter)
    stdout.write(f"listening on http://{server.effective_host}:{server.effective_port}"
                 f"{adapter.settings.callback_path}\n")
    stdout.flush()

    def close() -> None:
        server.close()
        adapter.pacer.close()

    serve_until_stopped(scheduler, server.run, close)
    return 0
