"""Hostile input straight at the core (no adapter in front): reports, step answers, notes, kind corrections and
the classifier. Whatever comes in, the core either does the work or refuses with one of its own exceptions
(told to the user in plain words by every adapter); it never raises anything else, stores what it was given
(made storable: lone surrogates and NULs replaced), logs none of it, and the timeline's hash chain still
verifies afterwards. Runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from typing import Iterator

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
from tests.security.conftest import LogCapture, OUTSIDER, PR, REPORTER, SECURITY, STAFF, record_text
from tests.security.payloads import CANARY, any_char, hostile_text, odd_text

CLASSIFIER = Classifier()  # loading its term tables takes ~40 ms: once
REFUSALS = (InvalidRequest, PermissionDenied, IncidentNotFound, IllegalTransition)
EXAMPLES = 250
FUZZ = dict(deadline=None, derandomize=True, database=None, print_blob=False,
            suppress_health_check=list(HealthCheck))
ACTORS = st.sampled_from((REPORTER, STAFF, PR, SECURITY, OUTSIDER))
NAMES = st.one_of(st.just(""), odd_text, hostile_text(report_share=-1).map(lambda t: t[:300]))
KIND_HINTS = st.one_of(st.none(), st.sampled_from((*KINDS, "none", "", "LEAK", "leak ", "../leak", "{{ kind }}")),
                       odd_text)
URLS = st.one_of(st.none(), st.sampled_from(("https://x.com/a/status/1", "https://x.com/a/status/1?utm_source=z",
                                             "javascript:alert(1)", "http://[::1", "https://" + "a" * 5000 + ".jp/",
                                             "https://x.com/" + "\ud800", "https://ex\u2100ample.com/p")),
                 odd_text)
SHORT = st.one_of(st.none(), odd_text, st.text(any_char, min_size=100, max_size=300))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         log_capture: LogCapture) -> Iterator[Runtime]:
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
@given(text_=hostile_text(), who=ACTORS, name=NAMES, kind=KIND_HINTS, url=URLS, platform=SHORT, department=SHORT,
       key=st.one_of(st.none(), odd_text, st.text(any_char, min_size=190, max_size=400)), channel=SHORT,
       thread=SHORT)
def test_reports(core: Runtime, log_capture: LogCapture, text_: str, who: str, name: str, kind: str | None,
                 url: str | None, platform: str | None, department: str | None, key: str | None,
                 channel: str | None, thread: str | None) -> None:
    mark = log_capture.mark()
    conversation = ConversationRef("slack", channel, thread) if channel else None
    report = ReportInput(text=text_, reporter=Actor(who, name, "slack"), source_url=url, platform=platform,
                         department=department, kind_hint=kind, idempotency_key=key, conversation=conversation)
    try:
        outcome = core.triage.incidents.report(report)
    except REFUSALS:
        assert who == OUTSIDER or kind is not None, "a plain staff report was refused"
        _no_leak(log_capture, mark)
        return
    assert who != OUTSIDER or outcome.incident is None, "an outsider's report was taken"
    _no_leak(log_capture, mark)
    if outcome.incident is not None and outcome.created:
        stored = core.triage.queries.view(outcome.incident.id, None)
        assert stored.text == storable(text_)[:40_000]


@pytest.fixture(scope="module")
def open_incidents(core: Runtime) -> tuple[int, int]:
    made = []
    for text_ in ("市の公式Xの投稿が炎上しています。批判が殺到 https://x.com/core/status/1",
                  "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿しました。情報漏えいです"):
        outcome = core.triage.incidents.report(ReportInput(text=text_, reporter=Actor(REPORTER, "山田", "slack")))
        assert outcome.incident is not None
        made.append(outcome.incident.id)
    return made[0], made[1]


ANSWER_KEYS = st.one_of(st.sampled_from(("post_url", "platform", "spread", "press", "personal_data", "summary",
                                         "note", "correction")), odd_text)
ANSWER_VALUES = st.one_of(hostile_text(report_share=-1), odd_text,
                          st.sampled_from(("large", "small", "no", "yes", "https://x.com/a/status/9", "x" * 70)))


@settings(max_examples=EXAMPLES, **FUZZ)
@given(which=st.integers(0, 1), who=ACTORS, skip=st.booleans(),
       answers=st.dictionaries(ANSWER_KEYS, ANSWER_VALUES, max_size=4),
       step=st.one_of(st.none(), odd_text), expected=st.one_of(st.none(), KIND_HINTS))
def test_step_answers(core: Runtime, log_capture: LogCapture, open_incidents: tuple[int, int], which: int,
                      who: str, skip: bool, answers: dict[str, str], step: str | None,
                      expected: str | None) -> None:
    incident_id = open_incidents[which]
    current = core.triage.steps.current(incident_id, REPORTER)
    step_id = step if step is not None or current is None else current.step_id
    mark = log_capture.mark()
    try:
        core.triage.steps.complete(incident_id, step_id or "", Actor(who, "x", "slack"), skip=skip,
                                   answers=answers, expected_kind=expected)
    except REFUSALS:
        pass
    _no_leak(log_capture, mark)


@settings(max_examples=EXAMPLES, **FUZZ)
@given(which=st.integers(0, 2), who=ACTORS, note=hostile_text(report_share=-1),
       key=st.one_of(st.none(), odd_text, st.text(any_char, min_size=190, max_size=400)), link=URLS,
       kind=KIND_HINTS)
def test_notes_and_kind_corrections(core: Runtime, log_capture: LogCapture, open_incidents: tuple[int, int],
                                    which: int, who: str, note: str, key: str | None, link: str | None,
                                    kind: str | None) -> None:
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


def test_everything_stored_is_readable_and_exportable(core: Runtime, open_incidents: tuple[int, int]) -> None:
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
