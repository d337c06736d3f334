"""The scheduler a chat platform's server runs, built the same way for every platform: escalations, the weekly
summary and the daily audit through that platform's adapter, and the resume of its unfinished reports."""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.delivery.resume import schedule_resume
from bot.scheduler import Deliver, build_scheduler
from bot.triage.audit import PostAudit
from bot.triage.summary_job import Publish

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.wiring import Runtime


def worker_id() -> str:
    """This process among the bot's instances (for the scheduler's database leases)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def platform_scheduler(runtime: Runtime, platform: str, *, deliver: Deliver, publish_summary: Publish,
                       post_audit: PostAudit, resume: Callable[[], object]) -> BackgroundScheduler:
    """The scheduler (not started) with the core's jobs posting through one platform, and its resume job."""
    scheduler = build_scheduler(runtime, deliver=deliver, publish_summary=publish_summary, worker_id=worker_id(),
                                post_audit=post_audit)
    schedule_resume(scheduler, resume, runtime.settings.file.escalation.tick_seconds, platform)
    return scheduler


def serve_until_stopped(scheduler: BackgroundScheduler, run: Callable[[], object], close: Callable[[], object]) -> None:
    """Run a platform's server until Ctrl-C or SIGTERM (read as Ctrl-C in the main thread), then close it and stop
    the scheduler, whatever ended the run (any other error propagates once that is done)."""
    if threading.current_thread() is threading.main_thread():
        def stop(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt
        signal.signal(signal.SIGTERM, stop)
    try:
        run()
    except KeyboardInterrupt:
        pass
    finally:
        close()
        scheduler.shutdown(wait=False)


__all__ = ["platform_scheduler", "serve_until_stopped", "worker_id"]
