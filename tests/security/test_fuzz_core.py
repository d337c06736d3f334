"""Hostile input straight at the core (no adapter in front): reports, step answers, notes, kind corrections
and the classifier. Whatever comes in, the core either does the work or refuses with one of its own exceptions
(told to the user in plain words by every adapter); it never raises anything else, stores what it was given
(made storable: lone surrogates and NULs replaced), logs none of it, and the timeline's hash chain still
verifies afterwards. Runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.clock import JST, FixedClock
from bot.ports import Actor, ConversationRef, ReportInput
from bot.triage.access import PermissionDenied
from bot.triage.classify import KINDS, NONE, Classifier
from bot.triage.core import IncidentNotFound, InvalidRequest
from bot.triage.lifecycle import IllegalTransition
from bot.triage.sanitize import storable
from bot.wiring import Runtime, build_runtime
from storage.db import make_engine
from storage.timeline import verify_chain
from tests.conftest import make_settings
from tests.helpers import answers_for
from tests.security.conftest import OUTSIDER as SLACK_OUTSIDER
from tests.security.conftest import PR as SLACK_PR
from tests.security.conftest import REPORTER as SLACK_REPORTER
from tests.security.conftest import SECURITY as SLACK_SECURITY
from tests.security.conftest import STAFF as SLACK_STAFF
from tests.security.conftest import LogCapture, record_text
from tests.security.payloads import CANARY, any_char, hostile_text, odd_text

CLASSIFIER = Classifier()  # loading its term tables takes ~40 ms: once
REFUSALS = (InvalidRequest, PermissionDenied, IncidentNotFound, IllegalTransition)
EXAMPLES = 250
FUZZ: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "print_blob": False,
    "suppress_health_check": list(HealthCheck),
}
# The core sees the ids the Slack adapter hands it: namespaced (issue 13).
REPORTER, STAFF, PR, SECURITY, OUTSIDER = (f"slack:{user}" for user in (
    SLACK_REPORTER, SLACK_STAFF, SLACK_PR, SLACK_SECURITY, SLACK_OUTSIDER))
ACTORS = st.sampled_from((REPORTER, STAFF, PR, SECURITY, OUTSIDER))
NAMES = st.one_of(st.just(""), odd_text, hostile_text(report_share=-1).map(lambda t: t[:300]))
KIND_HINTS = st.one_of(
    st.none(), st.sampled_from((*KINDS, "none", "", "LEAK", "leak ", "../leak", "{{ kind }}")), odd_text
)
URLS = st.one_of(
    st.none(),
    st.sampled_from(
        (
            "https://x.com/a/status/1",
            "https://x.com/a/status/1?utm_source=z",
            "javascript:alert(1)",
            "http://[::1",
            "https://" + "a" * 5000 + ".jp/",
            "https://x.com/" + "\ud800",
            "https://ex\u2100ample.com/p",
        )
    ),
    odd_text,
)
SHORT = st.one_of(st.none(), odd_text, st.text(any_char, min_size=100, max_size=300))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, log_capture: LogCapture
) -> Iterator[Runtime]:
    """One runtime per database for the module (PR and security members as in tests/conftest.py)."""
    clock = FixedClock(datetime(2026, 11, 18, 10, 0, tzinfo=JST))
    if request.param == "sqlite":
        url, cleanup = f"sqlite:///{tmp_path_factory.mktemp('core-fuzz') / 'core.db'}", None
    else:
        base = os.environ["TEST_DATABASE_URL"]
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = make_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"

        def cleanup() -> None:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()

    settings_ = make_settings(url)
    runtime = build_runtime(settings_, clock=clock)
    # An outsider as adapters recognise them (bot/adapters/slack/outsiders.py).
    deps = runtime.triage.deps
    from dataclasses import replace

    from bot.triage.service import Triage

    runtime.triage = Triage(replace(deps, access=deps.access.with_outsiders([OUTSIDER])))
    yield runtime
    with runtime.triage.deps.sessions.begin() as session:
        report = verify_chain(session)
    assert report.ok, report.problems[:3]
    runtime.close()
    if cleanup:
        cleanup()


def _no_leak(log: LogCapture, mark: int) -> None:
    leaked = [record_text(r)[:200] for r in log.since(mark) if CANARY in record_text(r)]
    assert not leaked, leaked[0]


@settings(max_examples=EXAMPLES, **FUZZ)
@given(
    text_=hostile_text(),
    who=ACTORS,
    name=NAMES,
    kind=KIND_HINTS,
    url=URLS,
    platform=SHORT,
    department=SHORT,
    key=st.one_of(st.none(), odd_text, st.text(any_char, min_size=190, max_size=400)),
    channel=SHORT,
    thread=SHORT,
)
def test_reports(
    core: Runtime,
    log_capture: LogCapture,
    text_: str,
    who: str,
    name: str,
    kind: str | None,
    url: str | None,
    platform: str | None,
    department: str | None,
    key: str | None,
    channel: str | None,
    thread: str | None,
) -> None:
    mark = log_capture.mark()
    conversation = ConversationRef("slack", channel, thread) if channel else None
    report = ReportInput(
        text=text_,
        reporter=Actor(who, name, "slack"),
        source_url=url,
        platform=platform,
        department=department,
        kind_hint=kind,
        idempotency_key=key,
        conversation=conversation,
    )
    try:
        outcome = core.triage.incidents.report(report)
    except REFUSALS:
        assert who == OUTSIDER or kind is not None, "a plain staff report was refused"
        _no_leak(log_capture, mark)
        return
    assert who != OUTSIDER or outcome.incident is None, "an outsider's report was taken"
    _no_leak(log_capture, mark)
    if outcome.incident is not None and outcome.created and not outcome.duplicate:  # a repeat: the first report's
        stored = core.triage.queries.view(outcome.incident.id, None)
        assert stored.text == storable(text_)[:40_000]


OPEN_REPORTS = (
    "市の公式Xの投稿が炎上しています。批判が殺到 https://x.com/core/status/{n}",
    "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿しました。情報漏えいです {n}",
)


def _report_open(core: Runtime, which: int, n: int) -> int:
    text_ = OPEN_REPORTS[which].format(n=n)
    outcome = core.triage.incidents.report(ReportInput(text=text_, reporter=Actor(REPORTER, "山田", "slack")))
    assert outcome.incident is not None
    return outcome.incident.id


@pytest.fixture(scope="module")
def open_incidents(core: Runtime) -> list[int]:
    """An ordinary and a restricted incident; test_step_answers replaces one when its playbook is finished."""
    return [_report_open(core, 0, 0), _report_open(core, 1, 0)]


ANSWER_KEYS = st.one_of(
    st.sampled_from(
        ("post_url", "platform", "spread", "press", "personal_data", "summary", "note", "correction")
    ),
    odd_text,
)
ANSWER_VALUES = st.one_of(
    hostile_text(report_share=-1),
    odd_text,
    st.sampled_from(("large", "small", "no", "yes", "https://x.com/a/status/9", "x" * 70)),
)


@settings(max_examples=EXAMPLES, **FUZZ)
@given(
    which=st.integers(0, 1),
    who=st.one_of(st.just(REPORTER), ACTORS),
    skip=st.integers(0, 4).map(lambda n: n == 0),
    data=st.data(),
    valid_first=st.integers(0, 3).map(bool),
    step=st.one_of(st.none(), st.none(), odd_text),
    expected=st.one_of(st.none(), st.none(), KIND_HINTS),
)
def test_step_answers(
    core: Runtime,
    log_capture: LogCapture,
    open_incidents: list[int],
    which: int,
    who: str,
    skip: bool,
    data: st.DataObject,
    valid_first: bool,
    step: str | None,
    expected: str | None,
) -> None:
    """Answers to the step the incident waits on: often valid ones with a few replaced by hostile values
    (so steps really complete, and what they store is hostile), sometimes only hostile ones."""
    current = core.triage.steps.current(open_incidents[which], REPORTER)
    if current is None:  # the playbook is finished: a new incident of the same kind
        open_incidents[which] = _report_open(core, which, len(core.triage.queries.list(None, limit=100_000)))
        current = core.triage.steps.current(open_incidents[which], REPORTER)
        assert current is not None
    incident_id = open_incidents[which]
    free = [
        item.id for item in current.inputs if item.type in ("text", "textarea", "platform", "screenshot_note")
    ]
    targets = st.sampled_from(free) if free else ANSWER_KEYS  # choices and URLs are refused unless valid
    hostile = data.draw(
        st.dictionaries(st.one_of(targets, targets, targets, ANSWER_KEYS), ANSWER_VALUES, max_size=3)
    )
    answers = {**(answers_for(current) if valid_first else {}), **hostile}
    step_id = step if step is not None else current.step_id
    mark = log_capture.mark()
    try:
        core.triage.steps.complete(
            incident_id,
            step_id or "",
            Actor(who, "x", "slack"),
            skip=skip,
            answers=answers,
            expected_kind=expected,
        )
    except REFUSALS:
        pass
    _no_leak(log_capture, mark)


@settings(max_examples=40, **FUZZ)
@given(
    which=st.integers(0, 1), length=st.integers(1, 5000), filler=st.sampled_from(("p", "炎", "\U0001f525"))
)
def test_long_free_text_answers_fit_their_columns(
    core: Runtime, which: int, length: int, filler: str
) -> None:
    """The first step's answers at any length: stored, or refused as too long; PostgreSQL never refuses them
    (the platform answer is copied into a VARCHAR(60) column)."""
    incident_id = _report_open(core, which, 10_000 + length)
    step = core.triage.steps.current(incident_id, REPORTER)
    assert step is not None
    answers = answers_for(step)
    for item in step.inputs:
        if item.type in ("text", "textarea", "platform", "screenshot_note"):
            answers[item.id] = filler * length
    try:
        core.triage.steps.complete(
            incident_id, step.step_id, Actor(REPORTER, "山田", "slack"), answers=answers
        )
    except InvalidRequest:
        return
    stored = core.triage.queries.view(incident_id, None).platform
    assert stored is None or len(stored) <= 60


@settings(max_examples=EXAMPLES, **FUZZ)
@given(
    which=st.integers(0, 2),
    who=ACTORS,
    note=hostile_text(report_share=-1),
    key=st.one_of(st.none(), odd_text, st.text(any_char, min_size=190, max_size=400)),
    link=URLS,
    kind=KIND_HINTS,
)
def test_notes_and_kind_corrections(
    core: Runtime,
    log_capture: LogCapture,
    open_incidents: list[int],
    which: int,
    who: str,
    note: str,
    key: str | None,
    link: str | None,
    kind: str | None,
) -> None:
    incident_id = (*open_incidents, 10**9)[which]
    mark = log_capture.mark()
    try:
        core.triage.incidents.add_note(incident_id, Actor(who, "x", "slack"), note, key=key, link=link)
    except REFUSALS:
        pass
    try:
        core.triage.incidents.correct_kind(incident_id, kind or "", Actor(who, "x", "slack"))
    except REFUSALS:
        pass
    _no_leak(log_capture, mark)


@settings(max_examples=EXAMPLES * 4, **FUZZ)
@given(text_=st.one_of(hostile_text(), st.text(any_char, max_size=500)))
def test_classifier(text_: str) -> None:
    classifier = CLASSIFIER
    first = classifier.classify(text_)
    assert first.kind in (*KINDS, NONE) and 0.0 <= first.confidence <= 1.0
    assert classifier.classify(text_) == first  # deterministic


def test_everything_stored_is_readable_and_exportable(core: Runtime, open_incidents: list[int]) -> None:
    """Every incident the fuzz made can be viewed, listed and exported in every format, by anyone."""
    from bot.triage.export import FORMATS, export_timeline

    views = core.triage.queries.list(None, limit=100_000)
    assert views
    for view in views[:200]:
        entries = core.triage.queries.timeline(view.id, None)
        for fmt in FORMATS:
            assert export_timeline(view, entries, fmt, core.triage.catalog)
        for viewer in (STAFF, OUTSIDER):
            core.triage.queries.view(view.id, viewer)
