"""Session 22 on LINE WORKS: a reporter's second 1:1 message without a URL while her incident is open is asked
続報 / 新しい報告 / どちらでもない (quick replies), as Slack's DM asks it (bot/delivery/followup_choice.py), instead
of opening a second incident and paging PR again. Each test was seen failing first."""

from __future__ import annotations

from bot.adapters.lineworks import postback as pb
from tests.lineworks.harness import PR_ROOM, STAFF, LwEnv, quick_data, text_of

FIRST = "市の公式Xになりすましアカウントがあります。市のロゴを使っています https://x.com/asahikawa_fake2/status/5"
NEWS = "さっきのなりすましアカウント、プロフィールに市の電話番号まで載せ始めました"


def _asked(lw: LwEnv, text: str = NEWS) -> dict:
    lw.say(STAFF, FIRST)
    before = len(lw.to_user(STAFF))
    lw.say(STAFF, text)
    [question] = lw.to_user(STAFF)[before:]
    return question


def _choice(question: dict, picked: str) -> str:
    [data] = [d for d in quick_data(question) if d.split("|")[-1] == picked]
    return data


def test_a_second_message_is_asked_news_or_new_and_nothing_is_opened_until_answered(lw: LwEnv) -> None:
    pr_before = None
    lw.say(STAFF, FIRST)
    pr_before = len(lw.to_room(PR_ROOM))
    before = len(lw.to_user(STAFF))
    lw.say(STAFF, NEWS)
    assert len(lw.runtime.triage.queries.list(None)) == 1
    assert len(lw.to_room(PR_ROOM)) == pr_before
    [question] = lw.to_user(STAFF)[before:]
    said = text_of(question)
    assert "INC-0001" in said and "続報" in said, said
    labels = [item["action"]["label"] for item in question["quickReply"]["items"]]
    assert len(labels) == 3 and "INC-0001" in labels[0] and "新しい報告" in labels[1] and "どちらでもない" in labels[2]


def test_followup_records_it_on_her_incident_once(lw: LwEnv) -> None:
    question = _asked(lw)
    followup = _choice(question, "followup")
    lw.press(STAFF, followup)
    lw.press(STAFF, followup)  # pressed again (or a replayed callback)
    [view] = lw.runtime.triage.queries.list(None)
    texts = [str(entry.data) for entry in lw.runtime.triage.queries.timeline(view.id, None)]
    assert sum("電話番号" in text for text in texts) == 1, texts


def test_new_report_opens_one_incident_with_the_message(lw: LwEnv) -> None:
    question = _asked(lw)
    new = _choice(question, "new")
    lw.press(STAFF, new)
    lw.press(STAFF, new)
    views = lw.runtime.triage.queries.list(None)
    assert len(views) == 2
    assert any("電話番号" in view.text for view in views)


def test_neither_records_nothing_and_says_so(lw: LwEnv) -> None:
    question = _asked(lw, "ありがとうございました。よろしくお願いします")
    before = len(lw.to_user(STAFF))
    lw.press(STAFF, _choice(question, "none"))
    [view] = lw.runtime.triage.queries.list(None)
    assert not any("ありがとう" in str(entry.data) for entry in lw.runtime.triage.queries.timeline(view.id, None))
    assert any("記録しませんでした" in text_of(content) for content in lw.to_user(STAFF)[before:])


def test_the_same_message_callback_again_asks_nothing_more(lw: LwEnv) -> None:
    lw.say(STAFF, FIRST)
    message = lw.message(STAFF, NEWS)
    lw.send(message)
    before = len(lw.to_user(STAFF))
    lw.send(message)
    assert lw.to_user(STAFF)[before:] == []
    assert len(lw.runtime.triage.queries.list(None)) == 1


def test_someone_elses_press_is_refused(lw: LwEnv) -> None:
    from tests.lineworks.harness import OTHER

    question = _asked(lw)
    lw.press(OTHER, _choice(question, "new"))
    assert len(lw.runtime.triage.queries.list(None)) == 1
    assert pb.decode(_choice(question, "new")).incident_id == 1


def test_the_question_is_answered_after_a_restart(lw_factory) -> None:
    """The asked message is kept in the database, not in the process: answered after a restart, nothing is lost."""
    first = lw_factory()
    question = _asked(first)
    first.stop()
    second = lw_factory(runtime=first.runtime)
    second.press(STAFF, _choice(question, "new"))
    views = second.runtime.triage.queries.list(None)
    assert len(views) == 2 and any("電話番号" in view.text for view in views)


def test_her_own_followup_is_not_echoed_back_but_a_colleagues_reaches_her(lw: LwEnv) -> None:
    """The incident's conversation is her 1:1 talk: 「INC-0001 に続報があります（山田 花子 さん）: …」 there only
    repeated her own words to her. A colleague's follow-up is still told to her there."""
    from tests.lineworks.harness import OTHER, REPORT_ROOM

    question = _asked(lw)
    before = len(lw.to_user(STAFF))
    lw.press(STAFF, _choice(question, "followup"))
    mine = [text_of(content) for content in lw.to_user(STAFF)[before:]]
    assert any("続報として記録し" in text for text in mine) and not any("続報があります" in t for t in mine), mine
    before = len(lw.to_user(STAFF))
    lw.say(OTHER, "INC-0001 の件、同じアカウントが別の投稿もしています", REPORT_ROOM)
    assert any("続報があります（佐藤 一郎 さん）" in text_of(content) for content in lw.to_user(STAFF)[before:])
