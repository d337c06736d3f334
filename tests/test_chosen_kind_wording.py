"""A kind the reporter chose (the answer to 「どの種別として報告しますか？」, the form's kind, 新規 with a kind) is said
to be theirs: LINE WORKS walk s15 #7 read 「ボット（自動処理）が…判定しました（確からしさ 100%）」 and 「自動判定の確度
100%」 for a kind the classifier gave 0 %, in the receipt, the timeline, the xlsx and the docx."""

from __future__ import annotations

from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.wiring import Runtime
from tests.conftest import STAFF


def test_a_chosen_kind_is_the_reporters_in_the_receipt_and_the_records(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.answer(ReportInput(
        text="ちょっと気になる投稿があります", reporter=Actor(STAFF, "山田 花子"), explicit=True,
        idempotency_key="chosen-1"), "misinformation")
    assert outcome.incident is not None
    assert "自動判定" not in outcome.messages[0] and "報告者が選んだ種別" in outcome.messages[0]
    text = RecordsDesk(runtime.triage.deps).timeline_file(outcome.incident.id, None, "md").content.decode("utf-8")
    assert "確からしさ" not in text and "報告者が種別を「デマ・事実と反する投稿」と選びました" in text


def test_a_classified_kind_still_says_how_sure_the_bot_was(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(
        text="市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/5",
        reporter=Actor(STAFF, "山田 花子"), idempotency_key="classified-1"))
    assert outcome.incident is not None and "自動判定の確度" in outcome.messages[0]
    text = RecordsDesk(runtime.triage.deps).timeline_file(outcome.incident.id, None, "md").content.decode("utf-8")
    assert "と判定しました（確からしさ" in text
