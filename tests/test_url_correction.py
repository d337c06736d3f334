"""A post URL corrected in step 1 becomes the incident's URL and dedup key (session 9 walk #11), recorded in the
step's transaction; a URL another open incident holds is not taken, and the reporter is told which one."""

from __future__ import annotations

from bot.ports import Actor, Outcome, ReportInput
from bot.triage.url_correction import REVISED
from bot.wiring import Runtime
from tests.conftest import STAFF
from tests.helpers import answers_for

REPORTED = "https://x.com/city_fake/status/100"
CORRECTED = "https://x.com/city_fake/status/200"
TEXT = "市の公式Xの投稿が炎上しています。批判が殺到しています {url}"


def _report(runtime: Runtime, url: str, key: str) -> Outcome:
    return runtime.triage.incidents.report(ReportInput(text=TEXT.format(url=url), reporter=Actor(STAFF, "職員 佐藤"),
                                                       idempotency_key=key))


def _answer_first_step(runtime: Runtime, incident_id: int, url: str) -> Outcome:
    step = runtime.triage.steps.current(incident_id, STAFF)
    assert step is not None and any(item.id == "post_url" for item in step.inputs)
    return runtime.triage.steps.complete(incident_id, step.step_id, Actor(STAFF, "職員 佐藤"),
                                         answers=answers_for(step, url))


def _url_changes(runtime: Runtime, incident_id: int) -> list[tuple[object, object]]:
    return [(e.old, e.new) for e in runtime.triage.queries.timeline(incident_id, None)
            if e.type == "details_changed" and e.data.get("field") == "source_url"]


def test_a_corrected_url_becomes_the_incidents_url_and_dedup_key(runtime: Runtime) -> None:
    first = _report(runtime, REPORTED, "u1").incident
    assert first is not None
    outcome = _answer_first_step(runtime, first.id, CORRECTED.replace("x.com", "twitter.com") + "?s=20")
    assert runtime.triage.queries.view(first.id, None).source_url.startswith("https://twitter.com/city_fake/status/200")
    assert f"{first.ref} の対象の投稿を、入力されたURL" in "\n".join(outcome.messages)
    assert _url_changes(runtime, first.id) == [(REPORTED, CORRECTED.replace("x.com", "twitter.com") + "?s=20")]
    # The corrected post is the one later reports are merged into; the mistaken one is free again.
    again = _report(runtime, CORRECTED, "u2")
    assert again.merged and again.incident is not None and again.incident.id == first.id
    other = _report(runtime, REPORTED, "u3")
    assert other.created and other.incident is not None and other.incident.id != first.id
    # The same post written otherwise (x.com / twitter.com, ?s=20) is no correction: nothing changes or is said.
    outcome = _answer_first_step(runtime, other.incident.id, REPORTED.replace("x.com", "twitter.com") + "?s=20")
    assert runtime.triage.queries.view(other.incident.id, None).source_url == REPORTED
    assert _url_changes(runtime, other.incident.id) == []
    assert "対象の投稿" not in "\n".join(outcome.messages)


def test_a_url_another_open_incident_holds_is_not_taken_and_the_reporter_is_told(runtime: Runtime) -> None:
    first = _report(runtime, REPORTED, "u1").incident
    held = _report(runtime, CORRECTED, "u2").incident
    assert first is not None and held is not None and held.id != first.id
    outcome = _answer_first_step(runtime, first.id, CORRECTED)
    said = "\n".join(outcome.messages)
    assert f"{held.ref} で対応中のため、{first.ref} の対象の投稿は変更していません（{REPORTED} のままです）" in said
    assert runtime.triage.queries.view(first.id, None).source_url == REPORTED
    assert runtime.triage.queries.view(held.id, None).source_url == CORRECTED
    assert _url_changes(runtime, first.id) == []
    assert outcome.step is not None  # the answer itself is kept and the steps go on


def test_the_notices_a_new_url_redraws_show_the_severity_the_same_answers_set_also_when_replayed(
        runtime: Runtime) -> None:
    """Session 13 #3: step 1 with another URL and 「大量に拡散」 redrew PR's notice with the old 重大度: 中. The
    click replayed after a crash (Steps.replay, revision_replayed) must redraw it the same way."""
    first = _report(runtime, REPORTED, "u1").incident
    assert first is not None and first.severity == "medium"
    step = runtime.triage.steps.current(first.id, STAFF)
    assert step is not None
    done = _answer_first_step(runtime, first.id, CORRECTED)
    assert runtime.triage.queries.view(first.id, None).severity == "high"
    replayed = runtime.triage.steps.replay(first.id, step.step_id, Actor(STAFF, "職員 佐藤"))
    for outcome in (done, replayed):
        [note] = [n for n in outcome.notifications if n.topic == REVISED]
        assert "重大度: 高" in note.title and CORRECTED in note.body
