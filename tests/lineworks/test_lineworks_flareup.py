"""A resolved incident's post reported again on LINE WORKS (a flare-up): PR's room is told, the reporter chooses
with postback quick replies in their 1:1 chat."""

from __future__ import annotations

from typing import Any

from bot.adapters.lineworks import postback as pb
from bot.triage import lifecycle
from tests.lineworks.harness import OTHER, PR, PR_ROOM, REPORT_ROOM, LwEnv, quick_data, resolved, text_of

URL = "https://x.com/asahikawa_fake/status/5151"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"
AGAIN = f"また炎上が再燃しています。引用での批判が増えています {URL}"


def _resolved(lw: LwEnv) -> int:
    return resolved(lw, FLAMING)


def _offer(lw: LwEnv, user: str) -> dict[str, Any]:
    offers = [c for c in lw.to_user(user) if any(pb.decode(d).action == pb.FLAREUP for d in quick_data(c))]
    assert offers, "no reopen-or-new quick replies"
    return offers[-1]


def _press(lw: LwEnv, user: str, offer: dict[str, Any], kind: str) -> None:
    lw.press(user, next(d for d in quick_data(offer) if pb.decode(d).kind == kind))


def test_pr_hears_and_a_bystanders_reopen_is_refused_and_new_opens_one(lw: LwEnv) -> None:
    incident_id = _resolved(lw)
    before = len(lw.to_room(PR_ROOM))
    lw.say(OTHER, AGAIN, REPORT_ROOM)
    assert [v.id for v in lw.runtime.triage.queries.list(None)] == [incident_id]
    told = lw.to_room(PR_ROOM)[before:]
    assert len(told) == 1 and "【再燃】INC-0001" in text_of(told[0])
    offer = _offer(lw, OTHER)
    assert "最初の報告先に知らせました" in text_of(offer)  # only PR may reopen: no option they would be refused on
    assert "INC-0001 の対応を再開する" not in str(offer["quickReply"])
    new = pb.decode(next(d for d in quick_data(offer) if pb.decode(d).kind == "new"))
    lw.press(OTHER, pb.encode(pb.FLAREUP, new.incident_id, new.token, "reopen"))  # forged
    assert lw.runtime.triage.queries.view(incident_id, None).status == lifecycle.RESOLVED
    assert "権限がありません" in text_of(lw.to_user(OTHER)[-1])
    assert "access_denied" in [e.type for e in lw.runtime.triage.queries.timeline(incident_id, None)]
    _press(lw, OTHER, offer, "new")
    _press(lw, OTHER, offer, "new")  # pressed twice: one new incident
    first, second = sorted(v.id for v in lw.runtime.triage.queries.list(None))
    assert first == incident_id and lw.runtime.triage.queries.view(second, None).text == AGAIN


def test_pr_reopens_with_the_quick_reply(lw: LwEnv) -> None:
    incident_id = _resolved(lw)
    lw.say(PR, AGAIN)
    assert "INC-0001 の対応を再開する" in str(_offer(lw, PR)["quickReply"])
    _press(lw, PR, _offer(lw, PR), "reopen")
    assert lw.runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING


def test_pr_reopens_from_the_flare_up_notice_in_its_room(lw: LwEnv) -> None:
    """LINE WORKS has no typed commands: the notice to PR's room carries the reopen quick reply."""
    incident_id = _resolved(lw)
    before = len(lw.to_room(PR_ROOM))
    lw.say(OTHER, AGAIN, REPORT_ROOM)
    [notice] = lw.to_room(PR_ROOM)[before:]
    [reopen] = quick_data(notice)
    assert pb.decode(reopen).action == pb.FLAREUP and pb.decode(reopen).incident_id == incident_id
    lw.press(PR, reopen, PR_ROOM)
    assert lw.runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING
    assert "【再開】INC-0001" in text_of(lw.to_room(PR_ROOM)[-1])  # the room hears who reopened it
