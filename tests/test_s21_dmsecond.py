"""Walk s21 #5: a reporter's second top-level DM message, naming no incident and linking no post, opened a second
incident and paged PR again. With exactly one open incident of theirs (reported within 24 h) the reporter is asked
privately: a follow-up on it, or a new report (bot/delivery/followup_choice.py). Each test failed before the fix."""

from __future__ import annotations

from bot.clock import FixedClock
from bot.delivery import followup_choice
from bot.ports import Actor, ConversationRef, ReportInput
from bot.wiring import Runtime
from tests.conftest import STAFF

FAKE = "市長になりすましたXアカウントが出ています。公式マークに似せています https://x.com/fake_mayor_city/status/1"
FROZEN = "さっきのアカウント、凍結されたみたいです"
MORE = "追加で、別の投稿にも同じ書き込みがありました"
ANOTHER = "別のなりすましアカウントも出ています。市長になりすましたXアカウントです"
ME = Actor(STAFF, "山田 花子", "slack")


def _dm(runtime: Runtime, text: str, ts: str, private: bool = True):  # noqa: ANN202
    return runtime.triage.incidents.report(ReportInput(
        text=text, reporter=ME, idempotency_key=f"ev:{ts}", explicit=True, private=private,
        conversation=ConversationRef("slack", "D1", ts)))


def _incidents(runtime: Runtime) -> list[int]:
    return sorted(view.id for view in runtime.triage.queries.list(None, open_only=True))


def test_a_second_dm_without_url_asks_follow_up_or_new_and_opens_nothing(runtime: Runtime) -> None:
    first = _dm(runtime, FAKE, "1.0")
    assert first.created and first.incident is not None
    asked = _dm(runtime, FROZEN, "2.0")
    assert asked.incident is None and not asked.created and not asked.notifications
    choice = asked.followup_or_new
    assert choice is not None and choice.incident_id == first.incident.id
    assert "INC-0001 の続報として記録しますか、新しい報告ですか" in choice.question
    assert [b.label for b in followup_choice.buttons(choice)] == [
        "INC-0001 の続報として記録する", "新しい報告として受け付ける", "どちらでもない（記録しない）"]
    assert _incidents(runtime) == [first.incident.id]


def test_follow_up_is_recorded_on_the_incident_once(runtime: Runtime) -> None:
    first = _dm(runtime, FAKE, "1.0")
    assert first.incident is not None
    _dm(runtime, FROZEN, "2.0")
    done = followup_choice.answer(runtime.triage, ME, "slack", choice=followup_choice.FOLLOWUP,
                                  incident_id=first.incident.id, text=FROZEN, channel="D1", ts="2.0")
    assert done.followup and done.incident is not None and done.incident.id == first.incident.id
    again = followup_choice.answer(runtime.triage, ME, "slack", choice=followup_choice.NEW,
                                   incident_id=first.incident.id, text=FROZEN, channel="D1", ts="2.0")
    assert again.duplicate and _incidents(runtime) == [first.incident.id]  # the buttons work once
    timeline = runtime.triage.queries.timeline(first.incident.id, None)
    assert [e.data.get("text") for e in timeline if e.type == "followup"] == [FROZEN]


def test_new_report_opens_a_second_incident_once(runtime: Runtime) -> None:
    first = _dm(runtime, FAKE, "1.0")
    _dm(runtime, ANOTHER, "2.0")
    made = followup_choice.answer(runtime.triage, ME, "slack", choice=followup_choice.NEW,
                                  incident_id=first.incident.id, text=ANOTHER, channel="D1", ts="2.0")
    assert made.created and made.incident is not None and made.incident.id != first.incident.id
    again = followup_choice.answer(runtime.triage, ME, "slack", choice=followup_choice.NEW,
                                   incident_id=first.incident.id, text=ANOTHER, channel="D1", ts="2.0")
    assert again.duplicate and len(_incidents(runtime)) == 2


def test_unchanged_outside_a_dm_or_with_a_url(runtime: Runtime) -> None:
    _dm(runtime, FAKE, "1.0")
    assert _dm(runtime, MORE, "2.0", private=False).followup_or_new is None
    linked = _dm(runtime, "別のなりすましアカウントです https://x.com/fake_mayor_2/status/9", "3.0")
    assert linked.followup_or_new is None and linked.created


def test_unchanged_after_a_day_or_with_two_open(runtime: Runtime, clock: FixedClock) -> None:
    _dm(runtime, FAKE, "1.0")
    clock.advance(hours=25)
    later = _dm(runtime, "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています", "2.0")
    assert later.followup_or_new is None and later.created
    assert _dm(runtime, FROZEN, "3.0").followup_or_new is None  # two open now (the second under a day): not asked


def test_neither_records_nothing_and_a_thank_you_is_asked_too(runtime: Runtime) -> None:
    """「ありがとうございます」 was asked 「インシデントとして報告しますか？」 (with 報告ではない): now this question,
    whose third button records nothing."""
    first = _dm(runtime, FAKE, "1.0")
    assert first.incident is not None
    assert _dm(runtime, "ありがとうございます", "2.0").followup_or_new is not None
    said = followup_choice.answer(runtime.triage, ME, "slack", choice=followup_choice.NEITHER,
                                  incident_id=first.incident.id, text="ありがとうございます", channel="D1", ts="2.0")
    assert said.incident is None and "記録しませんでした" in said.messages[0]
    assert _incidents(runtime) == [first.incident.id]
    assert "followup" not in [e.type for e in runtime.triage.queries.timeline(first.incident.id, None)]
