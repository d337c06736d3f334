"""A report that reads as a leak, merged into an open ordinary incident of the same post (session 17 Slack walk
#8): a vague report of the post came first, so the leak report joined an unrestricted incident unnoticed."""

from __future__ import annotations

from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from tests.conftest import OTHER, STAFF
from tests.helpers import POST_URL

FIRST = Actor(STAFF, "田中 由美", "test")
SECOND = Actor(OTHER, "佐々木 恵", "test")
VAGUE = f"市の公式アカウントになりすましたアカウントの投稿です {POST_URL}"
LEAK = f"住民の名簿を誤って添付したまま投稿してしまいました。山田太郎 090-1234-5678 が見えています {POST_URL}"


def test_a_leak_report_merged_into_an_ordinary_incident_asks_pr_to_check_the_kind(runtime: Runtime) -> None:
    """Before: merged with 「…にまとめました」 only; PR was told nothing, the reporter not advised to delete."""
    first = runtime.triage.incidents.report(ReportInput(VAGUE, FIRST))
    assert first.incident is not None and not first.incident.restricted
    second = runtime.triage.incidents.report(ReportInput(LEAK, SECOND))
    assert second.merged and second.incident is not None and second.incident.id == first.incident.id
    [note] = second.notifications
    assert "情報漏えいのおそれ" in note.title and not note.acknowledgeable
    assert "佐々木 恵" in note.body and "種別を「情報漏えい」に訂正" in note.body
    assert "090" not in note.body and "山田" not in note.body  # nothing of her text reaches PR
    said = " ".join(second.messages)
    assert "種別の確認を依頼しました" in said and "削除してください" in said
    types = [e.type for e in runtime.triage.queries.timeline(first.incident.id, None)]
    assert types[-1] == "notice_resent"  # on record, in the merge's transaction


def test_an_ordinary_co_report_asks_nothing_more(runtime: Runtime) -> None:
    runtime.triage.incidents.report(ReportInput(VAGUE, FIRST))
    second = runtime.triage.incidents.report(ReportInput(f"これもなりすましです {POST_URL}", SECOND))
    assert second.merged and not second.notifications
    assert not any("種別の確認" in m for m in second.messages)
