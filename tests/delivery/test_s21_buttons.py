"""Which answer button every platform draws as the suggested one (bot/delivery/asking.py, flareup.py `buttons`):
the likeliest kind, never 「報告ではない」; reopening a resolved incident, never reporting anew."""

from __future__ import annotations

from bot.delivery import asking, flareup
from bot.ports import AskIfReport, KindChoice, ReopenOrNew

ASK = AskIfReport("インシデントとして報告しますか？",
                  (KindChoice("flaming", "炎上", 0.6), KindChoice("misinformation", "デマ", 0.3)), "報告ではない")


def test_the_likeliest_kind_is_suggested_and_declining_never_is() -> None:
    assert asking.buttons(ASK) == [("炎上", "flaming", True), ("デマ", "misinformation", False),
                                   ("報告ではない", asking.DECLINE, False)]
    only_decline = AskIfReport("インシデントとして報告しますか？", (), "報告ではない")
    assert asking.buttons(only_decline) == [("報告ではない", asking.DECLINE, False)]


def test_reopening_is_suggested_and_a_new_report_never_is() -> None:
    choice = ReopenOrNew(3, "同じ投稿です", "INC-0003 の対応を再開する", "新しい案件として報告する")
    assert flareup.buttons(choice) == [("INC-0003 の対応を再開する", flareup.REOPEN, True),
                                       ("新しい案件として報告する", flareup.NEW, False)]
    no_reopen = ReopenOrNew(3, "同じ投稿です", "INC-0003 の対応を再開する", "新しい案件として報告する",
                            may_reopen=False)
    assert flareup.buttons(no_reopen) == [("新しい案件として報告する", flareup.NEW, False)]
