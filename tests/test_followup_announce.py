"""A follow-up (「INC-0001 の件、凍結されました」) is news about an incident, not a second report of its post (walk s17
#9): its own hash-chained event, rendered as 続報 in the records, erased at retention, announced to PR as a 続報
(without its words for a leak), and counted as no merged report; its poster takes no reporter role by it. PR's
notice names the colleagues who reported the same post, bounded (walk s17 #11)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.adapters.console import ConsoleChat
from bot.clock import FixedClock
from bot.config import ConsoleSettings, ConsoleUser
from bot.ports import Actor, ConversationRef, ReportInput
from bot.records.model import load_record
from bot.records.sentences import Describer
from bot.records.service import RecordsDesk
from bot.triage.core import reporter_roles
from bot.triage.report_messages import joined_by_message
from bot.triage.retention import RetentionPolicy, run_retention
from bot.triage.state_check import check_state
from bot.wiring import Runtime
from storage.timeline import verify_chain
from tests.conftest import OTHER, PR, STAFF

FIRST = Actor(STAFF, "山田 花子", "slack")
SECOND = Actor(OTHER, "田中 一郎", "slack")
PR_ACTOR = Actor(PR, "広報 太郎", "slack")
IMPERSONATION = "市長になりすましたXアカウントが出ています。公式マークに似せています https://x.com/fake_mayor_city/status/1"
LEAK = "住民の氏名と住所が写った写真を市の公式Instagramに誤って投稿してしまいました。個人情報の漏えいです"
NEWS = "INC-0001 の件、アカウントは凍結されました"
LEAK_NEWS = "INC-0001 の件、投稿は削除しました。スクリーンショットを撮った人がいるかもしれません"


def _report(runtime: Runtime, text: str, who: Actor, key: str, ts: str = ""):  # noqa: ANN202
    where = ConversationRef("slack", "C_REPORT", ts) if ts else None
    return runtime.triage.incidents.report(ReportInput(text, who, idempotency_key=key, explicit=True,
                                                       conversation=where))


def _events(runtime: Runtime, incident_id: int, type_: str) -> list:  # noqa: ANN401
    return [e for e in runtime.triage.queries.timeline(incident_id, None) if e.type == type_]


def test_a_follow_up_is_its_own_event_not_a_merged_report(runtime: Runtime) -> None:
    first = _report(runtime, IMPERSONATION, FIRST, "first")
    assert first.incident is not None
    outcome = _report(runtime, NEWS, SECOND, "news", "2.0")
    assert outcome.incident is not None and outcome.incident.id == first.incident.id and not outcome.created
    iid = first.incident.id
    assert _events(runtime, iid, "merged_report") == [] and _events(runtime, iid, "note") == []
    [event] = _events(runtime, iid, "followup")
    assert event.actor == OTHER and event.data["text"] == NEWS
    with runtime.triage.deps.sessions() as session:
        # News about the incident is not a report of its post: no reporter role taken by it (see followups.py).
        assert reporter_roles(session, iid) == {STAFF: True}
        assert check_state(session) == [] and verify_chain(session).ok
        assert joined_by_message(session, "slack", "C_REPORT", "2.0") == iid  # an edit of it is a note there
    assert runtime.triage.queries.count_events(iid, "merged_report") == 0
    assert "新しい案件は作成していません" in outcome.messages[0] and "同じ投稿" not in " ".join(outcome.messages)


def test_pr_is_told_of_a_follow_up_as_such_with_who_and_what(runtime: Runtime) -> None:
    _report(runtime, IMPERSONATION, FIRST, "first")
    outcome = _report(runtime, NEWS, SECOND, "news")
    [note] = [n for n in outcome.notifications if n.topic == "followup"]
    assert note.title.startswith("【続報】INC-0001") and "田中 一郎" in note.title, note.title
    # The words without the number the title already says (walk s22 #8): 「INC-0001 の件、」 is not quoted again.
    assert "続報: アカウントは凍結されました" in note.body and not note.acknowledgeable and note.level == 1
    assert "同じ投稿" not in note.title + note.body
    [here] = [n for n in outcome.notifications if n.topic == "followup_here"]  # the incident's conversation
    assert here.title == "INC-0001 に続報があります（田中 一郎 さん）: アカウントは凍結されました", here.title
    sent = _events(runtime, 1, "notice_resent")
    assert [e.data.get("reason") for e in sent] == ["followup"]  # on record, as every section message


def test_a_leaks_follow_up_reaches_pr_without_its_words_and_gives_no_role(runtime: Runtime) -> None:
    first = _report(runtime, LEAK, FIRST, "leak")
    assert first.incident is not None and first.incident.restricted
    outcome = _report(runtime, LEAK_NEWS, SECOND, "news")
    assert outcome.incident is not None and outcome.incident.id == first.incident.id
    assert [n.topic for n in outcome.notifications] == ["followup"]  # no 共同報告, no line in a conversation
    [note] = outcome.notifications
    assert "【続報】INC-0001" in note.title and "田中 一郎" in note.title
    assert "スクリーンショット" not in note.title + note.body and "表示しません" in note.body
    assert "同じ投稿" not in " ".join(outcome.messages) and "権限を付与した後" not in " ".join(outcome.messages)
    with runtime.triage.deps.sessions() as session:
        assert reporter_roles(session, first.incident.id) == {STAFF: True}
        assert check_state(session) == []
    assert "スクリーンショット" not in str(runtime.triage.queries.timeline(first.incident.id, OTHER))


def test_a_redelivered_follow_up_is_recorded_and_announced_once(runtime: Runtime) -> None:
    _report(runtime, IMPERSONATION, FIRST, "first")
    _report(runtime, NEWS, SECOND, "news")
    again = _report(runtime, NEWS, SECOND, "news")
    assert again.duplicate and again.incident is not None and again.merged
    assert "新しい案件は作成していません" in again.messages[0] and "同じ投稿" not in again.messages[0]
    assert len(_events(runtime, 1, "followup")) == 1 and len(_events(runtime, 1, "notice_resent")) == 1


def test_the_records_render_a_follow_up_as_news_with_who_and_when(runtime: Runtime) -> None:
    triage = runtime.triage
    _report(runtime, IMPERSONATION, FIRST, "first")
    _report(runtime, NEWS, SECOND, "news")
    record = load_record(triage.deps, 1, PR)
    [line] = [line for line in Describer.for_deps(triage.deps, names=record.names).describe(record.entries)
              if line.type == "followup"]
    assert line.event == "続報" and "田中 一郎" in line.text and NEWS in line.text, line
    assert "年" in line.sentence and ":" in line.when  # the date and time (Asia/Tokyo), as every line


def test_a_leaks_report_does_not_copy_a_follow_ups_words(runtime: Runtime) -> None:
    _report(runtime, LEAK, FIRST, "leak")
    _report(runtime, LEAK_NEWS, SECOND, "news")
    report = RecordsDesk(runtime.triage.deps).report_file(1, None, "md").content.decode()
    assert "スクリーンショット" not in report and "田中 一郎" in report and "続報" in report


def test_retention_erases_a_follow_ups_words(runtime: Runtime, clock: FixedClock) -> None:
    triage = runtime.triage
    _report(runtime, IMPERSONATION, FIRST, "first")
    _report(runtime, NEWS, SECOND, "news")
    for target in ("resolved", "closed"):
        triage.incidents.change_status(1, target, PR_ACTOR)
    run_retention(triage.deps, RetentionPolicy(default_days=30), clock.now() + timedelta(days=31))
    [event] = _events(runtime, 1, "followup")
    assert event.data == {} and NEWS not in str(triage.queries.timeline(1, None))
    with triage.deps.sessions() as session:
        assert check_state(session) == [] and verify_chain(session).ok


def test_the_console_says_pr_was_told_of_a_follow_up(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = ConsoleChat(runtime_factory(sqlite_url, profile="urausu").triage, ConsoleSettings(users={
        "staff": ConsoleUser(id=STAFF, name="担当 山田"), "other": ConsoleUser(id=OTHER, name="同僚 田中")},
        default_user="staff"))
    chat.handle("町の公式Xが炎上しています。除雪が遅いと批判が殺到 https://x.com/town/status/1")
    chat.handle("/as other")
    said = chat.handle("/report INC-0001 の件、引用リポストも増えてきました")
    assert "INC-0001 の続報として記録し" in said and "同じ投稿" not in said, said
    assert "に通知しました: 【続報】INC-0001（炎上）に続報があります（同僚 田中 さん）" in said, said


def test_pr_s_notice_names_the_reporters_of_the_same_post_bounded(runtime: Runtime) -> None:
    """Walk s17 #11: PR's notice kept 「報告者: 山田 花子」 alone after five colleagues reported the same post."""
    _report(runtime, IMPERSONATION, FIRST, "first")
    colleagues = ["佐藤 一郎", "鈴木 次郎", "高橋 三郎", "伊藤 四郎", "渡辺 五郎"]
    outcomes = [_report(runtime, f"この投稿もなりすましです {IMPERSONATION.split()[-1]}",
                        Actor(f"slack:U_C{n}", name, "slack"), f"co{n}") for n, name in enumerate(colleagues)]
    [first_redraw] = [n for n in outcomes[0].notifications if n.topic == "notice_revised"]
    assert "報告者: 山田 花子、佐藤 一郎" in first_redraw.body and "ほか" not in first_redraw.body
    assert "同じ投稿について佐藤 一郎 さんからも報告がありました" in first_redraw.body, first_redraw.body
    [last] = [n for n in outcomes[-1].notifications if n.topic == "notice_revised"]
    assert "報告者: 山田 花子、佐藤 一郎、鈴木 次郎 ほか 3 名" in last.body, last.body
    assert last.acknowledgeable  # still PR's to acknowledge
    assert _events(runtime, 1, "notice_resent") == []  # drawn in place: no message sent (merged_report records it)


def test_an_acknowledged_notice_is_not_redrawn_by_a_further_report(runtime: Runtime) -> None:
    first = _report(runtime, IMPERSONATION, FIRST, "first")
    assert first.incident is not None
    runtime.triage.incidents.acknowledge(first.incident.id, PR_ACTOR)
    merged = _report(runtime, f"この投稿もなりすましです {IMPERSONATION.split()[-1]}", SECOND, "co")
    assert merged.merged and merged.notifications == ()
