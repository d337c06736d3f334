"""「種別 INC-0001 情報漏えい」 typed in the 1:1 chat (bot/delivery/command_run.py): the kind button's use case and
plan, for PR and security who never see the reporter's quick replies."""

from __future__ import annotations

from tests.lineworks.harness import OTHER, PR, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, text_of

FLAMING = "除雪の投稿に批判のリプライが殺到していて、炎上しているようです https://x.com/asahikawa_fake/status/1865"


def test_pr_corrects_a_flaming_to_a_leak_by_typing_as_the_kind_button_does(lw: LwEnv) -> None:
    """The kind's quick replies are in the reporter's chat only: PR had no way to make an incident a leak."""
    lw.say(STAFF, FLAMING, REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert len(lw.to_room(PR_ROOM)) == 1
    lw.say(PR, "種別 INC-0001 情報漏えい")
    after = lw.runtime.triage.queries.view(view.id, None)
    assert after.kind == "leak" and after.restricted
    assert any("「情報漏えい」に訂正しました" in text_of(c) for c in lw.to_user(PR))
    room = lw.to_room(PR_ROOM)
    assert len(room) == 2 and "転送・引用しないでください" in text_of(room[1])  # as after the button
    said = [text_of(c) for c in lw.to_user(STAFF)]
    assert any("使われなくなりました" in t for t in said) and any("【手順 1/" in t for t in said[-3:])
    assert [v.id for v in lw.runtime.triage.queries.list(None)] == [view.id]  # a command, not a report


def test_a_bystanders_typed_kind_is_refused_with_who_may_and_a_bad_word_gets_usage(lw: LwEnv) -> None:
    lw.say(STAFF, FLAMING, REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    lw.say(OTHER, "種別 1 情報漏えい")
    assert "種別を訂正できるのは、報告者・" in text_of(lw.to_user(OTHER)[-1])
    assert "access_denied" in [e.type for e in lw.runtime.triage.queries.timeline(view.id, None)]
    lw.say(PR, "種別 1 大変です")
    said = text_of(lw.to_user(PR)[-1])
    assert "種別 INC-0001 情報漏えい" in said and "炎上、なりすまし、デマ、情報漏えい" in said
    lw.say(PR, "種別")
    assert "訂正後の種別を指定してください" in text_of(lw.to_user(PR)[-1])
    assert lw.runtime.triage.queries.view(view.id, None).kind == "flaming"
    assert [v.id for v in lw.runtime.triage.queries.list(None)] == [view.id]
