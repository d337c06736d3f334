"""Hostile and broken Slack requests against the real Bolt app (in process): nothing crashes, nothing leaks.

Every request goes through the same entry as `serve` (`adapter.gate.handle` → `app.dispatch(BoltRequest)`),
and its listeners are waited for. For each one:

* the answer is never a 5xx; a refusal (400/401/413) is logged once, by reason, and counted;
* no ERROR record and no traceback from the bot, Bolt or slack_sdk (Bolt logs and swallows listener
  exceptions, so this is where a crash would show);
* no log record holds the text that came in (the CANARY every generated text carries);
* what the bot sent to Slack holds no mention, channel ping or link markup it did not build itself, and
  no evaluated Jinja ("JX149JX2" where "JX1{{ 7*7 }}JX2" was sent).

Examples: 4,000 signed requests of every family + 1,500 badly signed ones in the default run, 12,000 more
signed ones with `-m slow` (each takes a few milliseconds: the default run stays well inside a minute with the
rest of tests/security); FUZZ_SCALE=10 multiplies all of them, e.g. for a nightly run.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import (
    FLAMING,
    LEAK,
    REPORT,
    REPORTER,
    SECRET,
    Bot,
    LogCapture,
    errors_in,
    record_text,
    seed_messages,
    sent_texts,
    unsafe_markup,
)
from tests.security.payloads import CANARY, JINJA_EVALUATED, Request, badly_signed_request, signed_request

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
SIGNED_EXAMPLES = max(1, int(4000 * SCALE))
SLOW_SIGNED_EXAMPLES = max(1, int(12000 * SCALE))  # -m slow: 12,000 more, other examples (another seed)
UNSIGNED_EXAMPLES = max(1, int(1500 * SCALE))
INLINE = True  # listeners run in the dispatching thread (tests/security/conftest.py: InlineExecutor)
FUZZ: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "print_blob": False,
    "suppress_health_check": list(HealthCheck),
}


@pytest.fixture(scope="module")
def seeded(bot: Bot) -> tuple[int, ...]:
    """Open incidents (an ordinary one, a restricted one) for the generated buttons and modals to act on."""
    bot.driver.post_message(REPORTER, FLAMING.format(n=1), REPORT)
    bot.driver.post_message(REPORTER, LEAK.format(n=2), REPORT)
    ids = tuple(bot.incident_ids())
    assert len(ids) == 2
    return ids


def send(bot: Bot, log: LogCapture, request: Request) -> tuple[int, list[logging.LogRecord]]:
    """One request through the gate into Bolt, listeners finished; checks what holds for every request."""
    if request.signed:
        seed_messages(bot.fake, request.payload)
    log_mark, call_mark = log.mark(), len(bot.fake.calls)
    response = bot.adapter.gate.handle(bot.adapter.app.dispatch, request.body, request.headers)
    bot.executor.drain()
    records = log.since(log_mark)
    assert response.status < 500, (response.status, response.body)
    assert response.status in (200, 400, 401, 404, 413), response.status
    errors = errors_in(records)
    assert not errors, errors[0]
    leaked = [record_text(r)[:300] for r in records if CANARY in record_text(r)]
    assert not leaked, leaked[0]
    refusals = [r for r in records if r.getMessage().startswith("slack.request_rejected")]
    assert len(refusals) == (1 if response.status in (400, 401, 413) else 0), [
        r.getMessage() for r in records
    ]
    calls = bot.calls_since(call_mark)
    unsafe = unsafe_markup(calls)
    assert not unsafe, unsafe[:5]
    mrkdwn, plain = sent_texts(calls)
    for text in mrkdwn + plain:
        assert not any(evaluated in text for evaluated in JINJA_EVALUATED), text[:300]
    return response.status, records


def _signed(bot: Bot, log: LogCapture, seeded: tuple[int, ...], data: st.DataObject) -> None:
    request = data.draw(signed_request(SECRET, seeded, bot.fake.url), label="request")
    status, _ = send(bot, log, request)
    assert status != 401, "a correctly signed request was refused as unsigned"


@settings(max_examples=SIGNED_EXAMPLES, **FUZZ)
@given(data=st.data())
def test_signed_hostile_requests_never_crash_or_leak(
    bot: Bot, log_capture: LogCapture, seeded: tuple[int, ...], data: st.DataObject
) -> None:
    _signed(bot, log_capture, seeded, data)


@pytest.mark.slow
@settings(max_examples=SLOW_SIGNED_EXAMPLES, **FUZZ)
@given(data=st.data())
def test_signed_hostile_requests_bulk(
    bot: Bot, log_capture: LogCapture, seeded: tuple[int, ...], data: st.DataObject
) -> None:
    """The same, three times as many (a different test name: derandomize draws other examples)."""
    _signed(bot, log_capture, seeded, data)


@settings(max_examples=UNSIGNED_EXAMPLES, **FUZZ)
@given(data=st.data())
def test_bad_signatures_and_stale_timestamps_are_refused_and_counted(
    bot: Bot, log_capture: LogCapture, data: st.DataObject
) -> None:
    request, reason = data.draw(badly_signed_request(SECRET), label="request")
    before = bot.adapter.metrics.snapshot()
    incidents = bot.incident_count()
    status, records = send(bot, log_capture, request)
    assert status == 401
    after = bot.adapter.metrics.snapshot()
    counts = after.get("incident_bot_slack_requests_rejected_total", {})
    was = before.get("incident_bot_slack_requests_rejected_total", {})
    assert counts.get(reason, 0) == was.get(reason, 0) + 1, (reason, was, counts)
    assert sum(counts.values()) == sum(was.values()) + 1
    [line] = [r.getMessage() for r in records if r.getMessage().startswith("slack.request_rejected")]
    assert f"reason={reason}" in line and "status=401" in line
    assert bot.incident_count() == incidents


def test_the_fuzzed_bot_still_works_and_its_timeline_verifies(bot: Bot, seeded: tuple[int, ...]) -> None:
    """After everything above, a plain report still goes through and the hash chain is intact."""
    from storage.timeline import verify_chain

    before = bot.incident_count()
    bot.driver.post_message(REPORTER, FLAMING.format(n=999_999), REPORT)
    assert bot.incident_count() == before + 1
    with bot.runtime.triage.deps.sessions.begin() as session:
        report = verify_chain(session)
    assert report.ok, report.problems[:3]
    rendered = bot.adapter.metrics.render()
    assert 'incident_bot_slack_requests_rejected_total{reason="bad_signature"}' in rendered
