"""Session 12 Slack walk (docs/qa/session12_walk_slack.md): what staff did on a bad day, as tests."""

from __future__ import annotations

from conftest import OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import action_ids, answers_from_view, pending_step, text_of

LEAK = "市のFacebookに住民の名簿が載ってしまっています。山田太郎 090-1234-5678 相馬市中村1-2-3 など。情報漏えいです"
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/soma_fake/status/1"
QUOTE = "> 山田太郎 090-1234-5678 相馬市中村1-2-3\nこれヤバくないですか"


def _ephemerals_to(slack: SlackEnv, user: str) -> list[str]:
    return [call.args.get("text") or "" for call in slack.fake.calls_to("chat.postEphemeral", user=user)]


def test_a_colleague_quoting_a_leak_in_its_public_thread_is_told_privately_to_delete_it(slack: SlackEnv) -> None:
    """#1: the reporter is told to delete her post; a colleague who quotes the personal data under it in the
    public thread was told nothing, and the quote stayed in the report channel."""
    report, _ = slack.driver.post_message(STAFF, LEAK, REPORT)
    [incident_id] = slack.incident_ids()
    before = len(slack.fake.calls)
    slack.driver.post_message(OTHER, QUOTE, REPORT, thread_ts=report["ts"])
    [advice] = _ephemerals_to(slack, OTHER)
    assert "INC-0001 は閲覧制限付きの案件" in advice and "削除してください" in advice  # not the kind (s21)
    later = slack.fake.calls[before:]
    sent = " ".join(str(call.args) for call in later if call.method != "users.info")
    assert "090-1234-5678" not in sent and "山田太郎" not in sent  # advised, never repeated
    assert slack.incident_ids() == [incident_id]


def test_a_reply_in_an_ordinary_incidents_thread_gets_no_privacy_advice(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.driver.post_message(OTHER, "こちらでもリプ欄を見ています", REPORT, thread_ts=report["ts"])
    assert _ephemerals_to(slack, OTHER) == []


def _edited(slack: SlackEnv, message: dict[str, str], text: str, user: str = STAFF, edit_ts: str = "") -> None:
    """Slack's message_changed event for a user's edit of `message`."""
    slack.driver.event({"type": "message", "subtype": "message_changed", "hidden": True, "channel": REPORT,
                        "ts": slack.fake.new_ts(), "event_ts": slack.fake.new_ts(), "channel_type": "channel",
                        "message": {"type": "message", "user": user, "text": text, "ts": message["ts"],
                                    "edited": {"user": user, "ts": edit_ts or slack.fake.new_ts()},
                                    **({"thread_ts": message["thread_ts"]} if "thread_ts" in message else {})},
                        "previous_message": {"type": "message", "user": user, "text": message["text"],
                                             "ts": message["ts"]}})


def _deleted(slack: SlackEnv, message: dict[str, str], user: str = STAFF) -> None:
    slack.driver.event({"type": "message", "subtype": "message_deleted", "hidden": True, "channel": REPORT,
                        "ts": slack.fake.new_ts(), "event_ts": slack.fake.new_ts(), "channel_type": "channel",
                        "deleted_ts": message["ts"],
                        "previous_message": {"type": "message", "user": user, "text": message["text"],
                                             "ts": message["ts"]}})


def _notes(slack: SlackEnv, incident_id: int) -> list[str]:
    return [str(entry.data.get("text")) for entry in slack.runtime.triage.queries.timeline(incident_id, None)
            if entry.type == "note"]


def test_a_report_edited_after_posting_is_recorded_and_the_editor_told(slack: SlackEnv) -> None:
    """#2: the reporter fixed the URL in her post; the bot ignored message_changed, so the timeline and the Word
    report kept only the first text and she believed the incident had the new URL."""
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    fixed = FLAMING.replace("status/1", "status/2")
    _edited(slack, report, fixed, edit_ts="1763500000.000001")
    _edited(slack, report, fixed, edit_ts="1763500000.000001")  # the same edit delivered again: recorded once
    [note] = _notes(slack, incident_id)
    assert "報告のメッセージが編集されました" in note and "https://x.com/soma_fake/status/2" in note
    [told] = [t for t in _ephemerals_to(slack, STAFF) if "編集" in t]
    assert "INC-0001" in told and "報告内容は変わりません" in told


def test_a_reported_message_deleted_is_recorded(slack: SlackEnv) -> None:
    """#2: the leak's reporter deleted her post as the bot asked; the record did not say so."""
    report, _ = slack.driver.post_message(STAFF, LEAK, REPORT)
    [incident_id] = slack.incident_ids()
    _deleted(slack, report)
    [note] = _notes(slack, incident_id)
    assert "報告のメッセージが投稿者によって削除されました" in note and "090" not in note


def test_edits_of_other_messages_record_nothing(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    [pr_notice] = slack.fake.channel_messages("C_PR")
    reply, _ = slack.driver.post_message(OTHER, "見ています", REPORT, thread_ts=report["ts"])
    _edited(slack, {**reply, "thread_ts": report["ts"]}, "見ています（追記）", user=OTHER)
    slack.driver.event({"type": "message", "subtype": "message_changed", "hidden": True, "channel": "C_PR",
                        "ts": slack.fake.new_ts(), "channel_type": "channel",
                        "message": {"type": "message", "bot_id": "B_BOT", "text": "更新", "ts": pr_notice["ts"]}})
    assert _notes(slack, incident_id) == []


def test_a_kind_corrected_after_the_notice_redraws_prs_notice(slack: SlackEnv) -> None:
    """#3: the kind corrected by the reporter (筑後市: デマ → 炎上); PR's notice kept the first kind, and
    acknowledging redrew it so, while the thread, the summary and the records said 炎上."""
    text = "市長になりすましたアカウントがあります https://x.com/fake_soma_mayor"
    report, _ = slack.driver.post_message(STAFF, text, REPORT)
    [notice] = slack.fake.channel_messages(PR_CHANNEL)
    assert "【なりすまし】" in notice["text"]
    intro = next(m for m in slack.fake.thread_messages(REPORT, report["ts"]) if "kind_select" in action_ids(m))
    slack.driver.click(STAFF, intro, "kind_select", selected="flaming")
    shown = text_of(slack.fake.message(PR_CHANNEL, notice["ts"]))
    assert "【炎上】" in shown and "【なりすまし" not in shown and "種別が訂正されました" in shown
    assert "acknowledge" in action_ids(slack.fake.message(PR_CHANNEL, notice["ts"]))  # still to acknowledge
    slack.driver.click(PR, slack.fake.message(PR_CHANNEL, notice["ts"]), "acknowledge")
    acked = slack.fake.message(PR_CHANNEL, notice["ts"])
    assert "【炎上】" in text_of(acked) and "【なりすまし" not in text_of(acked) and not action_ids(acked)
    # corrected again once acknowledged: the acknowledgement stays on the notice
    intro = next(m for m in slack.fake.thread_messages(REPORT, report["ts"]) if "kind_select" in action_ids(m))
    slack.driver.click(STAFF, intro, "kind_select", selected="account_takeover")
    again = slack.fake.message(PR_CHANNEL, notice["ts"])
    assert "【アカウント乗っ取り" in text_of(again) and "さんが確認しました" in text_of(again) and not action_ids(again)


def test_a_post_edited_into_a_report_is_taken_as_one(slack: SlackEnv) -> None:
    """#2b: 「ちょっと見てください」 posted, then edited to say what and where; the edit was dropped, so the report
    reached nobody. Taken once, as the post would have been."""
    post, _ = slack.driver.post_message(STAFF, "ちょっと見てください", REPORT)
    assert slack.incident_ids() == []
    _edited(slack, post, FLAMING, edit_ts="1763500000.000002")
    _edited(slack, post, FLAMING, edit_ts="1763500000.000002")  # delivered again: one incident
    assert slack.incident_ids() == [1]
    assert slack.fake.channel_messages(PR_CHANNEL)
    assert slack.fake.thread_messages(REPORT, post["ts"])  # the steps in the post's own thread
    _edited(slack, post, FLAMING + " 追記", edit_ts="1763500000.000003")  # now a reported message: a note
    assert slack.incident_ids() == [1] and len(_notes(slack, 1)) == 1


def test_a_reply_under_a_leaks_notice_gets_no_privacy_advice(slack: SlackEnv) -> None:
    """The notice's channel is PR's (or the restricted one): PR discussing the leak under it is not told to
    delete anything; only the thread where it was reported in public is."""
    slack.driver.post_message(STAFF, LEAK, REPORT)
    [notice] = slack.fake.channel_messages(PR_CHANNEL)
    slack.driver.post_message(PR, "対応します。報告者に連絡しました", PR_CHANNEL, thread_ts=notice["ts"])
    assert _ephemerals_to(slack, PR) == []


def test_a_notice_redrawn_for_a_new_url_shows_the_severity_the_same_answers_set(slack: SlackEnv) -> None:
    """#4: step 1 answered with another URL and 「大量に拡散」: 【重大度の変更】 中 → 高 was posted, but the notice
    redrawn for the URL still said 重大度: 中."""
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [notice] = slack.fake.channel_messages(PR_CHANNEL)
    assert "重大度: 中" in notice["text"]
    step = pending_step(slack.fake, REPORT, report["ts"])
    assert step is not None
    slack.driver.click(STAFF, step, "step_input")
    view = slack.fake.views[-1]
    answers = answers_from_view(view)
    url_block = next(block for block in answers if block.endswith("post_url"))
    answers[url_block] = "https://x.com/soma_fake/status/9"
    slack.driver.submit_view(STAFF, view, answers)
    shown = text_of(slack.fake.message(PR_CHANNEL, notice["ts"]))
    assert "https://x.com/soma_fake/status/9" in shown
    assert "重大度: 高" in shown and "重大度: 中" not in shown


def test_a_merged_colleagues_edit_is_a_note_not_another_report(slack: SlackEnv) -> None:
    """Teams walk s18 #3 (Slack the same): a colleague's report merged into INC-0001, then edited (a typo fixed):
    read as a new report and merged again, each edit told 「まとめました」 and counted as one more report."""
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    url = FLAMING.split()[-1]
    theirs, _ = slack.driver.post_message(OTHER, f"市の公式Xの投稿が炎上しています。批判が増えています {url}", REPORT)
    merged_before = [e.type for e in slack.runtime.triage.queries.timeline(incident_id, None)].count("merged_report")
    told_before = len(_ephemerals_to(slack, OTHER))
    _edited(slack, theirs, f"市の公式Xの投稿が炎上しています。批判が増えています（追記: 引用も増えています） {url}",
            user=OTHER, edit_ts="1763500000.000004")
    events = [e.type for e in slack.runtime.triage.queries.timeline(incident_id, None)]
    assert events.count("merged_report") == merged_before == 1, events
    [note] = _notes(slack, incident_id)
    assert "報告のメッセージが編集されました" in note and "引用も増えています" in note
    told = _ephemerals_to(slack, OTHER)[told_before:]
    assert len(told) == 1 and "報告内容は変わりません" in told[0] and "まとめました" not in told[0], told
    assert slack.incident_ids() == [incident_id]


def test_a_status_question_in_the_report_channel_is_answered_privately(slack: SlackEnv) -> None:
    """Teams walk s18 #6 (Slack the same): 「INC-0001 どうなってる？」 posted in the report channel got no answer at
    all (read as a report, then as chatter). Answered to the asker only; nothing posted for everyone."""
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    posts_before = len(slack.fake.calls_to("chat.postMessage"))
    slack.driver.post_message(OTHER, "INC-0001 どうなってる？", REPORT)
    told = _ephemerals_to(slack, OTHER)
    assert any("INC-0001" in text and "炎上" in text for text in told), told
    later = slack.fake.calls_to("chat.postMessage")[posts_before:]
    assert all(call.args.get("thread_ts") for call in later if call.args.get("channel") == REPORT), later
    assert slack.incident_ids() == [incident_id]
    assert "merged_report" not in [e.type for e in slack.runtime.triage.queries.timeline(incident_id, None)]


def test_a_status_question_about_a_leak_in_the_report_channel_shows_nothing_of_it(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, LEAK, REPORT)
    [incident_id] = slack.incident_ids()
    before = len(slack.fake.calls)
    slack.driver.post_message(OTHER, "INC-0001 どうなってる？", REPORT)
    told = _ephemerals_to(slack, OTHER)
    assert told, "the question is answered"
    sent = " ".join(str(call.args) for call in slack.fake.calls[before:] if call.method != "users.info")
    assert "090-1234-5678" not in sent and "山田太郎" not in sent and "名簿" not in sent
    assert slack.incident_ids() == [incident_id]
