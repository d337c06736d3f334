"""The serve loop every platform's server runs (bot/delivery/jobs.py serve_until_stopped): whatever ends the run,
the server is closed and the scheduler stopped, in that order; Ctrl-C (or SIGTERM) is a normal end."""

from __future__ import annotations

import pytest

from bot.delivery.jobs import serve_until_stopped


class Scheduler:
    def __init__(self, done: list[str]) -> None:
        self.done = done

    def shutdown(self, wait: bool = True) -> None:
        self.done.append(f"shutdown wait={wait}")


def _interrupted() -> None:
    raise KeyboardInterrupt


def _broken() -> None:
    raise RuntimeError("socket mode refused")


def test_ctrl_c_ends_the_run_then_the_server_closes_and_the_scheduler_stops() -> None:
    done: list[str] = []
    serve_until_stopped(Scheduler(done), _interrupted, lambda: done.append("close"))  # type: ignore[arg-type]
    assert done == ["close", "shutdown wait=False"]


def test_an_error_is_raised_after_the_server_closed_and_the_scheduler_stopped() -> None:
    done: list[str] = []
    with pytest.raises(RuntimeError, match="socket mode refused"):
        serve_until_stopped(Scheduler(done), _broken, lambda: done.append("close"))  # type: ignore[arg-type]
    assert done == ["close", "shutdown wait=False"]
