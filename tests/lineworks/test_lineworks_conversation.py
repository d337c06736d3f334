"""The conversation rules on LINE WORKS: report rooms, the private question, kind correction with redaction,
guided input refused by the core, stale buttons, and start-up errors in Japanese."""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from typing import Any

import pytest

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.app import LineWorksConfigError, lineworks_credentials, lineworks_settings
from bot.adapters.lineworks.cli import lineworks
from bot.triage.classifier_model import Thresholds
from tests.lineworks.harness import OTHER, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, quick_data, text_of
from tests.lineworks.test_lineworks_scenarios import REPORTS, STAFF_ID, step_cards

UNSURE = "公式インスタのコメント欄がちょっと荒れ気味かもしれません https://www.instagram.com/p/abc123/"


def test_a_report_room_message_opens_the_incident_in_the_reporters_1to1_chat(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["flaming"], REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert view.reporter_id == STAFF_ID and len(step_cards(lw)) == 1
    assert lw.to_room(REPORT_ROOM) == []  # the room gets nothing: the playbook runs in the 1:1 chat
    lw.say(OTHER, "明日の研修資料、炎上対策の回を共有します", REPORT_ROOM)  # chatter: no reply anywhere
    lw.say(OTHER, REPORTS["impersonation"], "some-other-room")  # rooms that are not report rooms: ignored
    assert len(lw.runtime.triage.queries.list(None)) == 1 and lw.to_user(OTHER) == []


def test_a_leak_reported_in_a_room_gets_one_neutral_line_there(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["leak"], REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert view.restricted
    assert [text_of(c) for c in lw.to_room(REPORT_ROOM)] == ["詳細は個別に案内します。"]
    said = [text_of(c) for c in lw.to_user(STAFF)]
    assert any("個人情報が含まれている場合は" in t for t in said) and len(step_cards(lw)) == 1
    assert pb.DONE in {pb.decode(d).action for d in quick_data(lw.to_user(STAFF)[-1])} or \
        pb.SKIP in {pb.decode(d).action for d in quick_data(lw.to_user(STAFF)[-1])}
    assert "住所" not in " ".join(text_of(c) for c in lw.to_room(PR_ROOM))


def test_an_unsure_room_message_is_asked_about_privately(lw: LwEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every message unsure: the model's probabilities never reach 1.01, and nothing is below 0.
    monkeypatch.setattr(lw.runtime.triage.deps.classifier, "thresholds", Thresholds(report=1.01, chatter=0.0))
    lw.say(STAFF, UNSURE, REPORT_ROOM)
    assert lw.runtime.triage.queries.list(None) == []
    [question] = lw.to_user(STAFF)
    choices = [pb.decode(d) for d in quick_data(question)]
    assert choices[-1].kind == pb.DECLINE and "報告ではない" in str(question["quickReply"])
    assert lw.to_room(REPORT_ROOM) == []
    lw.press(STAFF, quick_data(question)[0])  # the likeliest kind
    [view] = lw.runtime.triage.queries.list(None)
    assert view.kind == choices[0].kind and view.source_url == "https://www.instagram.com/p/abc123/"
    assert len(step_cards(lw)) == 1

    lw.say(OTHER, UNSURE.replace("abc123", "zzz999"), REPORT_ROOM)
    [other_question] = lw.to_user(OTHER)
    lw.press(STAFF, quick_data(other_question)[0])  # someone else's question: not theirs to answer
    assert len(lw.runtime.triage.queries.list(None)) == 1
    lw.press(OTHER, quick_data(other_question)[-1])  # 「報告ではない」
    assert len(lw.runtime.triage.queries.list(None)) == 1


def test_an_unsure_1to1_message_notifies_nobody_until_a_kind_is_picked(lw: LwEnv,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1:1 message the classifier is unsure about was opened on its best guess and the PR room told under it; now
    it is asked about (every kind and 「報告ではない」), remembered in the database, and the kind picked opens it and
    tells the PR room once."""
    monkeypatch.setattr(lw.runtime.triage.deps.classifier, "thresholds", Thresholds(report=1.01, chatter=0.0))
    lw.say(STAFF, UNSURE)
    assert lw.runtime.triage.queries.list(None) == [] and lw.to_room(PR_ROOM) == []
    question = lw.to_user(STAFF)[-1]
    choices = [pb.decode(d) for d in quick_data(question)]
    assert [c.kind for c in choices if c.action == choices[0].action][-1] == pb.DECLINE
    kinds = [c.kind for c in choices if c.action == choices[0].action and c.kind != pb.DECLINE]
    assert sorted(kinds) == sorted(lw.runtime.library.kinds())
    picked = next(d for d in quick_data(question) if pb.decode(d).kind == "impersonation")
    lw.press(STAFF, picked)
    [view] = lw.runtime.triage.queries.list(None)
    assert view.kind == "impersonation" and len(lw.to_room(PR_ROOM)) == 1
    lw.press(STAFF, picked)  # pressed again: the same incident, the PR room told once
    assert len(lw.runtime.triage.queries.list(None)) == 1 and len(lw.to_room(PR_ROOM)) == 1


def test_a_kind_corrected_to_leak_redacts_the_notice_and_supersedes_the_step(lw: LwEnv) -> None:
    lw.say(STAFF, "市のFacebookの投稿が炎上しています。批判が殺到しています https://www.facebook.com/asahikawa/posts/9")
    [view] = lw.runtime.triage.queries.list(None)
    assert view.kind == "flaming" and len(lw.to_room(PR_ROOM)) == 1
    lw.press(STAFF, pb.encode(pb.KIND, view.id, "leak"))
    after = lw.runtime.triage.queries.view(view.id, None)
    assert after.kind == "leak" and after.restricted
    room = lw.to_room(PR_ROOM)
    assert len(room) == 2 and "転送・引用しないでください" in text_of(room[1])  # posts cannot be retracted
    said = [text_of(c) for c in lw.to_user(STAFF)]
    assert any("使われなくなりました" in t for t in said)
    assert "【手順 1/" in text_of(step_cards(lw)[-1]) and len(step_cards(lw)) == 2
    old = pb.encode(pb.DONE, view.id, "flaming", lw.runtime.triage.steps.current(view.id, STAFF_ID).step_id)
    lw.press(STAFF, old)  # a button of the playbook the incident left: the core's refusal, nothing done
    assert "種別の訂正前" in text_of(lw.to_user(STAFF)[-1])
    told = len(lw.to_user(STAFF))
    lw.press(STAFF, pb.encode(pb.INPUT, view.id, "flaming", "record", "spread"))  # an input field of it too
    assert len(lw.to_user(STAFF)) == told + 1 and "種別の訂正前" in text_of(lw.to_user(STAFF)[-1])
    assert after.kind == lw.runtime.triage.queries.view(view.id, None).kind == "leak"


def test_guided_input_answers_are_checked_by_the_core_when_the_step_is_done(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["impersonation"])
    [view] = lw.runtime.triage.queries.list(None)
    step = lw.runtime.triage.steps.current(view.id, STAFF_ID)
    url = next(item for item in step.inputs if item.type == "url")
    lw.press(STAFF, pb.encode(pb.INPUT, view.id, view.kind, step.step_id, url.id))
    assert "http:// または https://" in text_of(lw.to_user(STAFF)[-1])
    lw.say(STAFF, "not a url")  # the next 1:1 text answers the field (not a new report)
    assert len(lw.runtime.triage.queries.list(None)) == 1
    lw.press(STAFF, pb.encode(pb.DONE, view.id, view.kind, step.step_id))
    refused = lw.to_user(STAFF)[-1]
    assert refused["type"] == "flex" and "not a url" in text_of(refused) and "URL" in text_of(refused)
    assert lw.runtime.triage.steps.current(view.id, STAFF_ID).step_id == step.step_id
    # 「入力をやめる」 brings the step's controls back; nothing is answered.
    lw.press(STAFF, pb.encode(pb.INPUT, view.id, view.kind, step.step_id, url.id))
    lw.press(STAFF, pb.encode(pb.CANCEL, view.id))
    assert pb.encode(pb.DONE, view.id, view.kind, step.step_id) in quick_data(lw.to_user(STAFF)[-1])


def test_tampered_postback_data_is_refused_in_japanese(lw: LwEnv) -> None:
    response = lw.press(STAFF, "ib1|d|1")
    assert response.status_code == 400
    lw.say(STAFF, REPORTS["flaming"])
    [view] = lw.runtime.triage.queries.list(None)
    lw.press(OTHER, pb.encode(pb.SKIP, view.id, view.kind, "no-such-step"))
    assert lw.to_user(OTHER) and "INC-0001" not in text_of(lw.to_user(OTHER)[-1])


def test_settings_and_credentials_errors_name_the_field(lw_runtime: Callable[..., Any]) -> None:
    runtime = lw_runtime(pr_channel="bad channel id")
    with pytest.raises(LineWorksConfigError) as caught:
        lineworks_settings(runtime)
    assert "lineworks.pr_channel" in str(caught.value) and "設定に誤り" in str(caught.value)
    with pytest.raises(LineWorksConfigError) as missing:
        lineworks_credentials({"LW_BOT_ID": "2000001"})
    assert "LW_BOT_SECRET" in str(missing.value) and "環境変数が設定されていません" in str(missing.value)
    out = io.StringIO()
    assert lineworks(lw_runtime(), argparse.Namespace(host="127.0.0.1", port=0), out) == 2
    assert "環境変数" in out.getvalue()


def test_app_yaml_takes_a_lineworks_block_validated_by_the_adapter(tmp_path: Any) -> None:
    from bot.config import load_config
    from bot.wiring import build_runtime

    path = tmp_path / "app.yaml"
    path.write_text('lineworks:\n  report_channels: ["room-1"]\n  pr_channel: "room-2"\n'
                    '  pr_members: ["lineworks:pr-1"]\n', encoding="utf-8")
    runtime = build_runtime(load_config(path))
    try:
        settings = lineworks_settings(runtime)
        assert settings.report_channels == ["room-1"] and settings.pr_members == ["lineworks:pr-1"]
    finally:
        runtime.close()
    path.write_text('lineworks:\n  pr_members: ["slack:U123"]\n', encoding="utf-8")
    runtime = build_runtime(load_config(path))
    try:
        with pytest.raises(LineWorksConfigError) as caught:
            lineworks_settings(runtime)
        assert "lineworks.pr_members" in str(caught.value) and "LINE WORKS のユーザー ID" in str(caught.value)
    finally:
        runtime.close()


@pytest.mark.parametrize("room", [REPORT_ROOM, None])
def test_a_screenshot_sent_alone_is_asked_about_not_dropped(lw: LwEnv, room: str | None) -> None:
    """LINE WORKS sends an image as its own message with no text: it was ignored without a word, in the report
    room and in the 1:1 chat alike; the sender is asked, every kind offered, and a kind opens the report."""
    image = {**lw.message(STAFF, "", room), "content": {"type": "image", "fileId": "kjwsd-1"}}
    lw.send(image)
    assert lw.runtime.triage.queries.list(None) == []
    [question] = lw.to_user(STAFF)
    choices = [pb.decode(d) for d in quick_data(question)]
    assert len(choices) == 6 and choices[-1].kind == pb.DECLINE  # five kinds and 「報告ではない」
    leak = next(n for n, choice in enumerate(choices) if choice.kind == "leak")
    lw.press(STAFF, quick_data(question)[leak])
    [view] = lw.runtime.triage.queries.list(None)
    assert view.kind == "leak"
