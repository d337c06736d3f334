"""A report-like message naming one open incident and no post (「INC-0001 のなりすましアカウント、凍結されました」) is
a follow-up on that incident: recorded there as a 続報 (its poster takes no role by it:
tests/test_followup_announce.py); before, it opened a second incident and paged PR again."""

from __future__ import annotations

import pytest

from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from tests.conftest import OTHER, STAFF

IMPERSONATION = "市長になりすましたXアカウントが出ています。公式マークに似せています https://x.com/fake_mayor_city/status/1"
LEAK = "住民の氏名と住所が写った写真を市の公式Instagramに誤って投稿してしまいました。個人情報の漏えいです"


def _report(runtime: Runtime, text: str, who: str = STAFF, key: str = "", **extra: object):  # noqa: ANN202
    return runtime.triage.incidents.report(ReportInput(text=text, reporter=Actor(who, who.split(":")[1]),
                                                       idempotency_key=key or text[:40], **extra))  # type: ignore


@pytest.mark.parametrize("text", [
    "INC-0001 なりすましアカウント、凍結されました",
    "inc-1 のなりすまし、X社に通報済みです。アカウントはまだ残っています",
    "ＩＮＣ－０００１のなりすましアカウントがフォロワーにDMを送っているようです",
])
def test_a_follow_up_naming_an_open_incident_is_recorded_there(runtime: Runtime, text: str) -> None:
    first = _report(runtime, IMPERSONATION, key="first")
    assert first.created and first.incident is not None
    outcome = _report(runtime, text, who=OTHER)
    assert outcome.incident is not None and outcome.incident.id == first.incident.id and not outcome.created
    assert outcome.merged and outcome.followup  # PR is not paged again: told of a 続報, nothing to acknowledge
    assert [(n.topic, n.acknowledgeable) for n in outcome.notifications] == [("followup", False),
                                                                              ("followup_here", False)]
    assert "INC-0001" in outcome.messages[0] and "新しい案件は作成していません" in outcome.messages[0]
    timeline = runtime.triage.queries.timeline(first.incident.id, None)
    assert [e.data.get("text") for e in timeline if e.type == "followup"] == [text]
    assert [e.type for e in timeline].count("merged_report") == 0


@pytest.mark.parametrize("text", [
    "INC-0001 と同じ手口のなりすましが別のアカウントで出ています https://x.com/fake_mayor_2/status/7",  # another post
    "INC-0001 と INC-0002 のなりすまし、同じ人物の可能性があります。市長になりすましたアカウントです",  # two incidents
    "INC-0009 のなりすましアカウントが出ています。市長になりすましています",  # no such incident
])
def test_a_report_naming_no_single_open_incident_without_a_post_is_not_a_follow_up(runtime: Runtime,
                                                                                 text: str) -> None:
    _report(runtime, IMPERSONATION, key="first")
    _report(runtime, "市の公式Xが乗っ取られました。身に覚えのない投稿が出ています", key="second")
    outcome = _report(runtime, text, who=OTHER)
    assert outcome.incident is None or outcome.incident.id not in (1, 2) or outcome.ask is not None


def test_a_follow_up_on_a_closed_incident_is_a_report_again(runtime: Runtime) -> None:
    first = _report(runtime, IMPERSONATION, key="first")
    assert first.incident is not None
    runtime.triage.incidents.change_status(first.incident.id, "declined", Actor("slack:U_PR", "広報"), reason="誤報")
    outcome = _report(runtime, "INC-0001 のなりすましアカウントが、また市長を名乗って投稿しています", who=OTHER)
    assert outcome.incident is None or outcome.incident.id != first.incident.id


def test_a_follow_up_on_a_leak_keeps_its_details_from_a_colleague_without_the_role(runtime: Runtime) -> None:
    first = _report(runtime, LEAK, key="leak")
    assert first.incident is not None and first.incident.restricted
    outcome = _report(runtime, "INC-0001 の件、投稿は削除しました。スクリーンショットを撮った人がいるかもしれません",
                      who=OTHER, explicit=True)
    assert outcome.incident is not None and outcome.incident.id == first.incident.id and outcome.merged
    assert not outcome.incident.details_visible and "公開の場にも通知にも表示しません" in " ".join(outcome.messages)
    assert "INC-0001 の続報として記録し" in outcome.messages[0] and "同じ投稿" not in outcome.messages[0]
    assert [n.topic for n in outcome.notifications] == ["followup"]  # a 続報, no co-report asking for a role


def test_new_reports_a_follow_up_as_its_own_incident(runtime: Runtime) -> None:
    _report(runtime, IMPERSONATION, key="first")
    outcome = _report(runtime, "INC-0001 とは別に、副市長になりすましたアカウントも見つかりました", who=OTHER,
                      force_new=True, kind_hint="impersonation", explicit=True)
    assert outcome.created and outcome.incident is not None and outcome.incident.id == 2
