"""Session 11 walk on LINE WORKS (several staff, a wheel, a real process against the fake API): findings as tests."""

from __future__ import annotations

from collections.abc import Callable

from bot.adapters.lineworks import postback as pb
from bot.clock import FixedClock
from bot.triage import lifecycle
from tests.lineworks.harness import OTHER, PR, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, quick_data, resolved, text_of

URL = "https://x.com/asahikawa_fake/status/1865"
MISINFORMATION = "市が給付金10万円を配るという偽情報が拡散しています https://x.com/fake2/status/1234"
FLAMING = f"除雪の投稿に批判のリプライが殺到していて、炎上しているようです {URL}"


def _resolved(lw: LwEnv) -> int:
    return resolved(lw, FLAMING)


def _status(lw: LwEnv, incident_id: int) -> str:
    return lw.runtime.triage.queries.view(incident_id, None).status


def test_pr_closes_declines_and_reopens_by_typing_in_the_1to1_chat(lw: LwEnv) -> None:
    """「終結 INC-0001」 in the 1:1 chat was read as a new report (「インシデントとして報告しますか？」): nobody on
    LINE WORKS could close, decline, grant or reopen by command, as the README and the hints say one can."""
    incident_id = _resolved(lw)
    lw.say(PR, "終結 INC-0001")
    assert _status(lw, incident_id) == lifecycle.CLOSED
    assert "報告しますか" not in text_of(lw.to_user(PR)[-1])
    assert [v.id for v in lw.runtime.triage.queries.list(None)] == [incident_id]  # no report was made of it
    lw.say(PR, "再開 1")
    assert _status(lw, incident_id) == lifecycle.CLOSED  # a closed incident is not reopened: told why
    assert "INC-0001" in text_of(lw.to_user(PR)[-1])
    lw.say(STAFF, f"別件です。デマが拡散しています https://x.com/someone/status/77 {URL}z")
    other = max(v.id for v in lw.runtime.triage.queries.list(None))
    lw.say(PR, f"対象外 {other} 誤報のため")
    assert _status(lw, other) == lifecycle.DECLINED
    assert "誤報のため" in str([e.data for e in lw.runtime.triage.queries.timeline(other, None)])


def test_a_bystanders_typed_close_is_refused_and_recorded(lw: LwEnv) -> None:
    incident_id = _resolved(lw)
    lw.say(OTHER, "終結 INC-0001")
    assert _status(lw, incident_id) == lifecycle.RESOLVED
    assert "権限がありません" in text_of(lw.to_user(OTHER)[-1])
    assert "access_denied" in [e.type for e in lw.runtime.triage.queries.timeline(incident_id, None)]


def test_a_command_without_a_number_gets_its_usage_not_a_report_question(lw: LwEnv) -> None:
    lw.say(PR, "終結")
    said = text_of(lw.to_user(PR)[-1])
    assert "終結する案件の番号" in said and not quick_data(lw.to_user(PR)[-1])
    assert lw.runtime.triage.queries.list(None) == []


def test_new_reports_a_resolved_incidents_post_as_a_new_incident(lw: LwEnv) -> None:
    incident_id = _resolved(lw)
    lw.say(OTHER, f"新規 同じ投稿ですが、今度は別の誤りを指摘されています {URL}")
    ids = sorted(v.id for v in lw.runtime.triage.queries.list(None))
    assert ids[0] == incident_id and len(ids) == 2
    assert _status(lw, incident_id) == lifecycle.RESOLVED


def test_the_flare_up_tells_a_lineworks_colleague_how_to_report_anew_by_typing(lw: LwEnv) -> None:
    _resolved(lw)
    lw.say(OTHER, f"また炎上が再燃しています {URL}", REPORT_ROOM)
    offer = [c for c in lw.to_user(OTHER) if any(pb.decode(d).action == pb.FLAREUP for d in quick_data(c))][-1]
    assert "「新規 報告文」" in text_of(offer)
    assert "「再開 INC-0001」" in text_of(lw.to_room(PR_ROOM)[-1])


def test_help_lists_the_commands(lw: LwEnv) -> None:
    lw.say(STAFF, "help")
    assert "終結 INC-0001" in text_of(lw.to_user(STAFF)[0])


def test_a_report_finished_after_a_crash_still_says_the_first_notice_waits(lw_factory: Callable[..., LwEnv],
                                                                          core_clock: FixedClock) -> None:
    """旭川市 7(3)イ: a デマ is reported to 広報広聴課 only when 悪質. After SIGKILL the resumed receipt left out
    that line, so the reporter read the receipt as if PR had been told (nobody was: no notice, no re-notice)."""
    first = lw_factory(hold=True)  # stores the report, answers 200, dies before delivering
    assert first.say(STAFF, MISINFORMATION).status_code == 200
    first.stop()
    core_clock.advance(minutes=3)  # past the ledger's lease
    second = lw_factory()
    assert second.adapter.resume() == 1
    second.jobs.drain()
    said = "\n".join(text_of(c) for c in second.to_user(STAFF))
    assert "「悪質な場合」" in said and second.to_room(PR_ROOM) == []


def test_a_colleague_sharing_the_same_leaked_instagram_post_joins_the_first_report(lw: LwEnv) -> None:
    """Instagram's share link carries `igsh=` (it replaced `igshid=`): the same leaked post was a second leak
    incident, with a second notice to the restricted room."""
    lw.say(STAFF, "保育課の職員が個人のインスタに園児名簿の写真を載せています。氏名と住所が読めます "
                  "https://www.instagram.com/p/Cxyz123abc/", REPORT_ROOM)
    lw.say(OTHER, "名簿がインスタに上がっているのはこれですよね https://instagram.com/p/Cxyz123abc?igsh=MWQ1ZGUx",
           REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert view.kind == "leak"
    assert "merged_report" in [e.type for e in lw.runtime.triage.queries.timeline(view.id, None)]
    assert len([c for c in lw.to_room(PR_ROOM) if "INC-0002" in text_of(c)]) == 0


def test_an_unanswered_report_question_is_not_carried_onto_a_later_incidents_messages(lw: LwEnv) -> None:
    """「インシデントとして報告しますか？」's kind buttons were carried onto the next report's 「受け付けました」: under
    INC-0001's receipt, 「炎上」 read as a kind for INC-0001 but reported the earlier message as an incident."""
    lw.say(OTHER, "昨日の件、どうなりましたか")
    assert any(pb.decode(d).action == pb.ASK for d in quick_data(lw.to_user(OTHER)[-1]))
    asked = len(lw.to_user(OTHER))
    lw.say(OTHER, FLAMING, REPORT_ROOM)
    later = lw.to_user(OTHER)[asked:]
    assert later and not [d for c in later for d in quick_data(c) if pb.decode(d).action == pb.ASK]


def test_once_reopened_no_chat_keeps_offering_to_reopen(lw: LwEnv) -> None:
    """After PR reopened from its 1:1 offer, 「INC-0001 の対応を再開する」 stayed under 「対応中にしました」 and under
    the room's 【再開】 notice; pressing it again only said it was already 対応中."""
    incident_id = _resolved(lw)
    lw.say(PR, f"また批判のコメントが増えています {URL}")
    offer = [c for c in lw.to_user(PR) if any(pb.decode(d).action == pb.FLAREUP for d in quick_data(c))][-1]
    lw.press(PR, next(d for d in quick_data(offer) if pb.decode(d).kind == "reopen"))
    assert _status(lw, incident_id) == lifecycle.RESPONDING
    reopened = lw.to_room(PR_ROOM)[-1]
    assert "【再開】INC-0001" in text_of(reopened)
    for content in (reopened, lw.to_user(PR)[-1]):
        assert not [d for d in quick_data(content) if pb.decode(d).action == pb.FLAREUP]


def test_what_a_step_asks_to_record_can_be_kept_on_the_incidents_timeline(lw: LwEnv) -> None:
    """Step 2 asks to record the outcome of the consultation (協議の結果), but on LINE WORKS a 1:1 text was only
    「インシデントとして報告しますか？」: nothing could put it on the incident's record."""
    lw.say(STAFF, FLAMING, REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    said = "広報広聴課と協議しました。反論はせず、除雪計画の説明を追記する方向です。"
    lw.say(STAFF, said)
    question = lw.to_user(STAFF)[-1]
    # Her one open incident, under a day old: asked 続報 or new (session 22, as Slack's DM asks), 続報 records it.
    [followup] = [d for d in quick_data(question) if pb.decode(d).action == pb.FOLLOWUP and d.endswith("|followup")]
    lw.press(STAFF, followup)
    lw.press(STAFF, followup)  # pressed twice: recorded once
    notes = [e for e in lw.runtime.triage.queries.timeline(view.id, None) if e.type == "followup"]
    assert [e.data.get("text") for e in notes] == [said]
    assert "INC-0001 の続報として記録し" in "\n".join(text_of(c) for c in lw.to_user(STAFF)[-3:])
    assert len(lw.runtime.triage.queries.list(None)) == 1
    lw.say(OTHER, said)  # someone with no incident of their own: only the kinds
    assert not [d for d in quick_data(lw.to_user(OTHER)[-1]) if pb.decode(d).action == pb.NOTE]


def test_a_member_with_two_open_incidents_chooses_which_record_to_keep_it_on(lw: LwEnv) -> None:
    lw.say(STAFF, FLAMING, REPORT_ROOM)
    lw.say(STAFF, "市が給付金を配るというデマが拡散しています https://x.com/someone/status/2")
    lw.say(STAFF, "情報政策課に連絡済みです。担当者が原因を調べています。")
    offered = [pb.decode(d).incident_id for d in quick_data(lw.to_user(STAFF)[-1]) if pb.decode(d).action == pb.NOTE]
    assert offered == [2, 1]


def test_a_flare_up_notice_does_not_say_steps_are_being_guided(lw: LwEnv) -> None:
    """【再燃】 opens nothing, yet PR's room read 「対応手順は報告者との1対1のトークで案内しています。」 under it."""
    _resolved(lw)
    lw.say(OTHER, f"また炎上が再燃しています {URL}", REPORT_ROOM)
    notice = text_of(lw.to_room(PR_ROOM)[-1])
    assert "【再燃】INC-0001" in notice and "1対1のトークで案内" not in notice


def test_an_acknowledgement_a_crash_left_untold_is_told_after_the_restart(lw_factory: Callable[..., LwEnv],
                                                                        core_clock: FixedClock) -> None:
    """SIGKILL right after PR's 確認しました: stored (re-notices stopped), but neither the reporter nor the room
    was ever told; only reports were resumed."""
    first = lw_factory()
    first.say(STAFF, FLAMING, REPORT_ROOM)
    [view] = first.runtime.triage.queries.list(None)
    notice = first.to_room(PR_ROOM)[-1]
    first.stop()
    crashed = lw_factory(hold=True)  # stores the acknowledgement, answers 200, dies before telling anyone
    crashed.press(PR, next(d for d in quick_data(notice) if pb.decode(d).action == pb.ACK), PR_ROOM)
    assert crashed.runtime.triage.queries.view(view.id, None).status == lifecycle.ACKNOWLEDGED
    crashed.stop()
    core_clock.advance(minutes=3)  # past the ledger's lease
    told_before = len(crashed.to_user(STAFF))
    second = lw_factory()
    assert second.adapter.resume() == 1
    second.jobs.drain()
    assert second.adapter.resume() == 0  # told once: another tick or instance finds nothing
    told = [text_of(c) for c in second.to_user(STAFF)[told_before:]]
    assert [t for t in told if "広報 太郎 さんが確認しました" in t] and len(told) == 1
    assert "✅ INC-0001" in text_of(second.to_room(PR_ROOM)[-1])


def test_a_url_corrected_in_a_step_reaches_the_pr_room_posted_anew(lw: LwEnv) -> None:
    """LINE WORKS cannot change a sent message: PR's notice kept the wrong post's URL, and nothing said it changed."""
    lw.say(STAFF, FLAMING, REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert any(URL in text_of(message) for message in lw.to_room(PR_ROOM))
    before = len(lw.to_room(PR_ROOM))
    step = lw.runtime.triage.steps.current(view.id, "lineworks:" + STAFF)
    field = next(item for item in step.inputs if item.type == "url")
    corrected = "https://x.com/asahikawa_fake/status/2001"
    lw.press(STAFF, pb.encode(pb.INPUT, view.id, view.kind, step.step_id, field.id))
    lw.say(STAFF, corrected)
    for item in step.inputs:  # the step's required choices, each its first option
        if item.type == "choice" and item.required:
            lw.press(STAFF, pb.encode(pb.CHOICE, view.id, view.kind, step.step_id, item.id, 0))
    lw.press(STAFF, pb.encode(pb.DONE, view.id, view.kind, step.step_id))
    assert lw.runtime.triage.queries.view(view.id, None).source_url == corrected
    revised = lw.to_room(PR_ROOM)[before:]
    assert revised and any(corrected in text_of(message) for message in revised)


def test_a_leaks_co_reporter_is_told_to_unsend_without_being_promised_a_1to1_response(lw: LwEnv) -> None:
    """A colleague whose report was merged into a leak got the first reporter's advice, which says the response
    goes on in their 1:1 chat: nothing goes on there for a co-reporter."""
    lw.say(STAFF, "保育課の職員が個人のインスタに園児名簿の写真を載せています。氏名と住所が読めます "
                  "https://www.instagram.com/p/Cxyz123abc/", REPORT_ROOM)
    lw.say(OTHER, "名簿がインスタに上がっているのはこれですよね https://instagram.com/p/Cxyz123abc/", REPORT_ROOM)
    told = [text_of(message) for message in lw.to_user(OTHER)]
    advice = [text for text in told if "送信取消" in text]
    assert advice and all("1対1のトークで案内します" not in text for text in advice)
    assert any("1対1のトークで案内します" in text_of(message) for message in lw.to_user(STAFF))  # the reporter's
