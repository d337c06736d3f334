"""Outsiders in Teams: guests and users of other tenants cannot report or act, and are told why (roster.py)."""

from __future__ import annotations

from collections.abc import Callable

from bot.adapters.teams.payloads import fields_of
from bot.adapters.teams.roster import Roster, classify
from bot.triage.access import AccessPolicy
from tests.teams.env import PR_CHANNEL, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.teams_driver import TENANT, User, personal_chat
from tests.teams.test_teams_scenarios import REPORTS, answers, pending_step

GUEST = User("29:guest-0001", "aad-guest-0001", "外部 ゲスト")
FOREIGN = User("29:foreign-0001", "aad-foreign-0001", "他組織 太郎")


def test_classify_guests_other_tenants_and_failed_lookups() -> None:
    home = "tenant-home"
    assert classify({"userRole": "user", "tenantId": home}, conversation_tenant=home, home_tenant=home) == "member"
    assert classify({"userRole": "guest", "tenantId": home}, conversation_tenant=home, home_tenant=home) == "guest"
    assert classify({"userRole": "user", "tenantId": "other"}, conversation_tenant=home,
                    home_tenant=home) == "external"  # a shared channel's member from elsewhere
    assert classify(None, conversation_tenant="other", home_tenant=home) == "external"  # a federated chat
    assert classify(None, conversation_tenant=home, home_tenant=home) == "unknown"
    assert classify({"userRole": "user"}, conversation_tenant=None, home_tenant=None) == "member"
    assert fields_of(None) == {} and fields_of({"userRole": "guest"}) == {"userRole": "guest"}


def test_the_roster_forgets_after_its_time_and_feeds_the_access_policy() -> None:
    now = [0.0]
    roster = Roster("tenant-home", monotonic=lambda: now[0], ttl=100.0, failed_ttl=10.0)
    roster.remember("teams:guest", "guest")
    roster.remember("teams:lost", "unknown")
    outsiders, unverified = roster.snapshot()
    policy = AccessPolicy().with_outsiders(outsiders).with_unverified(unverified)
    assert policy.outsiders == {"teams:guest"} and policy.unverified == {"teams:lost"}
    assert not policy.allows("report", "teams:guest", restricted=False)
    now[0] = 11.0  # a failed lookup is retried soon
    assert roster.standing("teams:lost") is None and roster.standing("teams:guest") == "guest"
    now[0] = 101.0
    assert roster.snapshot() == (frozenset(), frozenset())


def test_a_guest_is_refused_and_told_why(teams: TeamsEnv) -> None:
    teams.fake.members[GUEST.id] = {"id": GUEST.id, "aadObjectId": GUEST.aad, "userRole": "guest",
                                    "tenantId": TENANT}
    teams.driver.chat_message(GUEST, REPORTS["flaming"])
    assert teams.incident_ids() == []
    [answer] = teams.fake.posts_to(personal_chat(GUEST))
    assert "ゲストとして参加しているアカウント" in card_text(answer)
    assert [c.activity_id for c in teams.fake.lookups] == [GUEST.id]
    chat = personal_chat(GUEST)
    assert len(chat) > 150 and [c.conversation for c in teams.fake.lookups] == [chat]  # the full id, never cut
    teams.driver.chat_message(GUEST, REPORTS["leak"])  # asked again: the lookup is cached
    assert len(teams.fake.lookups) == 1 and teams.incident_ids() == []


def test_a_guest_cannot_act_on_a_step_card(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], "19:report-channel@thread.tacv2")
    thread = f"19:report-channel@thread.tacv2;messageid={root}"
    [incident_id] = teams.incident_ids()
    teams.fake.members[GUEST.id] = {"id": GUEST.id, "userRole": "guest"}
    step = pending_step(teams.fake, thread)
    assert step is not None
    response = teams.driver.execute(GUEST, step, thread, "step_done", answers(step))
    assert "ゲストとして参加しているアカウント" in response.body["value"]
    assert "step_completed" not in teams.events(incident_id)
    assert "access_denied" in teams.events(incident_id)  # the core refused and recorded it


def test_a_guest_on_an_old_client_is_refused_in_the_thread(teams: TeamsEnv) -> None:
    channel = "19:report-channel@thread.tacv2"
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], channel)
    thread = f"{channel};messageid={root}"
    [incident_id] = teams.incident_ids()
    teams.fake.members[GUEST.id] = {"id": GUEST.id, "userRole": "guest"}
    step = pending_step(teams.fake, thread)
    assert step is not None
    teams.driver.submit(GUEST, step, thread, "step_done", answers(step))  # the Action.Submit fallback
    assert "ゲストとして参加しているアカウント" in card_text(teams.fake.thread(channel, root)[-1])
    assert teams.fake.posts_to(personal_chat(GUEST)) == []  # the bot may not reach a guest's personal chat
    assert "step_completed" not in teams.events(incident_id)


def test_a_user_of_another_tenant_is_refused(teams_factory: Callable[..., TeamsEnv]) -> None:
    teams = teams_factory(tenant_id=TENANT)
    teams.fake.members[FOREIGN.id] = {"id": FOREIGN.id, "userRole": "user", "tenantId": "tenant-elsewhere"}
    teams.driver.chat_message(FOREIGN, REPORTS["impersonation"])
    assert teams.incident_ids() == []
    assert "他の組織（テナント）のアカウント" in card_text(teams.fake.posts_to(personal_chat(FOREIGN))[-1])
    teams.driver.chat_message(STAFF, REPORTS["impersonation"])  # a colleague of the home tenant still can
    assert len(teams.incident_ids()) == 1


def test_a_failed_lookup_keeps_restricted_incidents_closed(teams: TeamsEnv) -> None:
    teams.fake.fail("member", 503, times=1)
    teams.driver.chat_message(STAFF, REPORTS["leak"])  # a report is never lost to a directory outage
    [incident_id] = teams.incident_ids()
    view = teams.view(incident_id)
    assert view.restricted
    chat = personal_chat(STAFF)
    assert pending_step(teams.fake, chat) is None  # the playbook of a restricted incident is not shown
    anchor, intro = teams.fake.posts_to(chat)  # the restricted incident's home is the reporter's chat (plan.py)
    assert "報告を受け付けました" in card_text(anchor) and verbs(intro) == []  # no kind control on a leak's intro
    teams.driver.chat_message(STAFF, "種別 INC-0001 炎上")  # typed instead: refused the same way
    assert "所属を確認できなかった" in card_text(teams.fake.posts_to(chat)[-1])
    assert teams.view(incident_id).kind == "leak"
    assert "step_completed" not in teams.events(incident_id)
    assert not any("個人情報" in card_text(m) for m in teams.fake.posts_to(PR_CHANNEL))


def test_a_guest_posting_in_a_report_channel_is_told_in_the_thread(teams: TeamsEnv) -> None:
    channel = "19:report-channel@thread.tacv2"
    teams.fake.members[GUEST.id] = {"id": GUEST.id, "userRole": "guest", "tenantId": TENANT}
    root, _ = teams.driver.channel_post(GUEST, REPORTS["flaming"], channel)
    assert teams.incident_ids() == []
    [answer] = teams.fake.thread(channel, root)
    assert "ゲストとして参加しているアカウント" in card_text(answer)
    assert teams.fake.posts_to(PR_CHANNEL) == []
