"""A follow-up on LINE WORKS (walk s17 #9): the PR room gets a 【続報】 message naming who sent it (a leak's without
its words), the incident's conversation reads it as news, and nobody is told 「同じ投稿について N 件の報告を
まとめました」."""

from __future__ import annotations

from tests.lineworks.harness import OTHER, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, text_of

IMPERSONATION = "市の公式アカウントを名乗るなりすましアカウントが見つかりました https://x.com/asahikawa_fak3"
LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです"
NEWS = "INC-0001 なりすましアカウント、凍結されました"
LEAK_NEWS = "INC-0001 の件、漏えいした写真の投稿は削除しました。スクリーンショットを撮った人がいるかもしれません"


def _everything(lw: LwEnv) -> str:
    return " ".join(text_of(c) for c in lw.to_room(PR_ROOM) + lw.to_room(REPORT_ROOM) + lw.to_user(STAFF)
                    + lw.to_user(OTHER))


def test_a_follow_up_reaches_pr_and_the_conversation_as_news(lw: LwEnv) -> None:
    lw.say(STAFF, IMPERSONATION, REPORT_ROOM)
    lw.say(OTHER, NEWS, REPORT_ROOM)
    assert len(lw.runtime.triage.queries.list(None)) == 1
    [news] = [text_of(c) for c in lw.to_room(PR_ROOM) if "【続報】INC-0001" in text_of(c)]
    assert "佐藤" in news and "凍結されました" in news, news
    assert "INC-0001 に続報があります（佐藤" in _everything(lw), _everything(lw)
    assert "件の報告をまとめました" not in _everything(lw)


def test_a_leaks_follow_up_reaches_pr_without_its_words(lw: LwEnv) -> None:
    lw.say(STAFF, LEAK, REPORT_ROOM)
    lw.say(OTHER, LEAK_NEWS, REPORT_ROOM)
    assert len(lw.runtime.triage.queries.list(None)) == 1
    [news] = [text_of(c) for c in lw.to_room(PR_ROOM) if "【続報】INC-0001" in text_of(c)]
    assert "佐藤" in news and "表示しません" in news, news
    assert "撮った人がいる" not in _everything(lw) and "【共同報告】" not in _everything(lw)
