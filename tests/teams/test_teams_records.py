"""Records at an incident's end in Teams, through the real SDK app over HTTP: the files offered with
FileConsentCards in personal chats (once per person and version), the consent accepted (PUT to a local upload
URL), the closing review card, and a restricted incident's files only to the people allowed."""

from __future__ import annotations

import io
import json
from typing import Any

from docx import Document

from bot.adapters.teams.files import CONSENT_CARD, INFO_CARD
from bot.delivery import closing
from bot.records.service import RecordsDesk
from tests.teams.env import OTHER, PR, PR2, PR_CHANNEL, REPORT, SECURITY, STAFF, TeamsEnv
from tests.teams.fake_connector import FakeConnector, card_text, verbs
from tests.teams.teams_driver import personal_chat
from tests.teams.test_teams_files import UploadServer, consent_value
from tests.teams.test_teams_scenarios import REPORTS, answers, pending_step, thread_of, walk_steps

CARD = "application/vnd.microsoft.card.adaptive"
FILES = ["INC-0001-report.docx", "INC-0001-timeline.xlsx"]


def offers(fake: FakeConnector) -> dict[str, list[dict[str, Any]]]:
    """Every message carrying FileConsentCards, by the conversation it was sent to."""
    found: dict[str, list[dict[str, Any]]] = {}
    for call in fake.calls_to("send"):
        if any(a.get("contentType") == CONSENT_CARD for a in call.body.get("attachments") or []):
            found.setdefault(call.conversation, []).append(call.body)
    return found


def acknowledged(teams: TeamsEnv) -> None:
    """The PR section acknowledges (an incident is resolved only after that)."""
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    assert teams.driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge").status == 200


def names(offer: dict[str, Any]) -> list[str]:
    return [a["name"] for a in offer["attachments"]]


def test_an_ordinary_incident_offers_its_files_to_the_reporter_once(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    root, _ = driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    home = thread_of(root)
    acknowledged(teams)
    walk_steps(driver, STAFF, home)
    [incident_id] = teams.incident_ids()
    view = teams.view(incident_id)
    assert view.status == "resolved"

    # The reporter's personal chat (opened by the bot): one message, one consent card per file.
    staff_chat = fake.chats[STAFF.id]
    [offer] = offers(fake)[staff_chat]
    assert list(offers(fake)) == [staff_chat] and names(offer) == FILES
    assert "INC-0001 の対応報告書（案）とタイムラインです" in offer["text"]
    assert all(a["content"]["sizeInBytes"] > 0 for a in offer["attachments"])
    # The PR section's channel cannot get files from a bot: it is told where they are offered.
    assert "個人チャットにお送りしています" in card_text(fake.posts_to(PR_CHANNEL)[-1])
    # The review invitation in the incident's thread, once.
    [invite] = [m for m in fake.posts_to(home) if verbs(m) == ["records_review"]]
    # It names the state reached: 対応完了 is not 終結 (PR still closes it), so never 「終了しました」.
    assert "INC-0001 は「対応完了」になりました" in card_text(invite) and "終了しました" not in card_text(invite)

    # Delivered again (a retry, a replay): the ledger has them; nothing is offered twice.
    desk = RecordsDesk(teams.bot.people.triage().deps)
    teams.bot.runner.run(closing.at_end(closing.p.Plan(incident_id, ()), desk, view, "teams", ender=view.reporter_id))
    assert len(offers(fake)[staff_chat]) == 1
    assert len([m for m in fake.posts_to(home) if verbs(m) == ["records_review"]]) == 1

    # The reporter accepts: the report is made again for them and PUT to the upload URL; the FileInfoCard follows.
    with UploadServer() as upload:
        accepted = driver.file_consent(STAFF, staff_chat, consent_value(FILES[0], upload.url))
        assert accepted.status == 200
        [(_, headers, body)] = upload.puts
    assert headers["Content-Range"] == f"bytes 0-{len(body) - 1}/{len(body)}"
    assert "SNSトラブル対応報告書" in "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    [info] = fake.posts_to(staff_chat)[-1]["attachments"]
    assert info["contentType"] == INFO_CARD and info["name"] == FILES[0]

    # The closing review from the card: recorded, then the updated report offered to the same person.
    reviewed = driver.execute(STAFF, invite, home, "records_review",
                              {"in_cause": "確認不足", "in_prevention": "投稿前の二重確認"})
    assert reviewed.status == 200 and reviewed.body["type"] == CARD
    assert "原因と再発防止策を記録しました" in json.dumps(reviewed.body, ensure_ascii=False)
    assert "review_recorded" in teams.events(incident_id)
    first, second = offers(fake)[staff_chat]
    assert "原因・再発防止策を反映した" in second["text"] and names(second) == FILES
    assert list(offers(fake)) == [staff_chat]


def test_a_blank_review_is_refused_with_a_reason(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    root, _ = driver.channel_post(STAFF, REPORTS["impersonation"], REPORT)
    home = thread_of(root)
    acknowledged(teams)
    walk_steps(driver, STAFF, home)
    [invite] = [m for m in fake.posts_to(home) if verbs(m) == ["records_review"]]
    refused = driver.execute(STAFF, invite, home, "records_review", {"in_cause": "", "in_prevention": " "})
    assert refused.status == 200 and "どちらかを入力してください" in refused.body["value"]
    assert "review_recorded" not in teams.events(teams.incident_ids()[0])


def test_a_restricted_incident_offers_its_files_only_to_the_people_allowed(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    driver.channel_post(STAFF, REPORTS["leak"], REPORT)
    [incident_id] = teams.incident_ids()
    home = fake.chats[STAFF.id]  # a leak lives in its reporter's personal chat
    acknowledged(teams)
    # A leak is ended by the PR section (here from a PR member's own chat), never by its reporter.
    pr_chat = personal_chat(PR)
    while (step := pending_step(fake, home)) is not None:
        assert driver.execute(PR, step, pr_chat, "step_done", answers(step)).status == 200
    assert teams.view(incident_id).status == "resolved"

    # The reporter, both PR members and the security officer, each in their personal chat; no channel.
    allowed = {home, pr_chat, fake.chats[PR2.id], fake.chats[SECURITY.aad or ""]}
    sent = offers(fake)
    assert set(sent) == allowed and all(len(sent[chat]) == 1 and names(sent[chat][0]) == FILES for chat in allowed)
    assert "個人チャットにお送りしています" not in fake.all_text()  # nothing about the records in a channel
    assert OTHER.id not in fake.chats
    # The review invitation goes to whoever ended it (the PR member), in their chat, not the reporter's.
    assert [verbs(m) for m in fake.posts_to(pr_chat) if verbs(m)] == [["records_review"]]
    assert not [m for m in fake.posts_to(home) if verbs(m) == ["records_review"]]

    # A bystander who gets hold of a consent is refused, recorded, and nothing is uploaded.
    with UploadServer() as upload:
        refused = driver.file_consent(OTHER, personal_chat(OTHER), consent_value(FILES[0], upload.url))
        assert refused.status == 200 and upload.puts == []
    assert teams.events(incident_id)[-1] == "access_denied"
    # The security officer accepts the timeline: it is uploaded to them.
    with UploadServer() as upload:
        driver.file_consent(SECURITY, fake.chats[SECURITY.aad or ""], consent_value(FILES[1], upload.url))
        [(_, _, body)] = upload.puts
    assert body.startswith(b"PK")
