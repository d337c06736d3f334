"""A plan run after a core call tells the user who acted about its failures, on every platform the same way
(bot/delivery/delivering.py): each platform failure once, in words; a storage outage after the commit only logged."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from bot.delivery import plan
from bot.delivery.content import DeliveryError
from bot.delivery.delivering import deliver_telling
from bot.delivery.pacing import Pacer
from bot.delivery.refusals import Refusals
from bot.wiring import Runtime
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, make_runner, origin, report


def _pacer() -> Pacer:
    return Pacer(lambda channel: 0.0, workers=1, spawn=lambda run: run())  # each job runs as it is submitted


def _deliver(runtime: Runtime, port: FakePort, n: int, fails: Callable[[], None] | None = None) -> list[str]:
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=n), key=f"ev{n}")
    steps = plan.report(outcome, origin(ts=f"{n}.1"))
    if fails is not None:
        runner.run = lambda *args, **kwargs: fails()  # type: ignore[method-assign]
    said: list[str] = []
    refusals = Refusals(runtime.triage.catalog, "slack")
    assert deliver_telling(_pacer(), runner, refusals, steps, "report", lambda *texts: said.extend(texts))
    return said


def test_platform_failures_are_told_each_once(runtime: Runtime) -> None:
    port = FakePort()
    port.fail("post", DeliveryError("channel_not_found"), times=3)
    said = _deliver(runtime, port, 2141)
    assert len(said) == 1, said  # three posts refused, said once


def test_a_clean_delivery_says_nothing(runtime: Runtime) -> None:
    assert _deliver(runtime, FakePort(), 2142) == []


def test_a_storage_outage_after_the_commit_is_not_told(runtime: Runtime) -> None:
    def outage() -> None:
        raise OperationalError("SELECT 1", {}, Exception("down"))

    assert _deliver(runtime, FakePort(), 2143, outage) == []


def test_an_unexpected_failure_is_told_in_words(runtime: Runtime) -> None:
    def bug() -> None:
        raise RuntimeError("boom")

    [said] = _deliver(runtime, FakePort(), 2144, bug)
    assert "boom" not in said and "Traceback" not in said
