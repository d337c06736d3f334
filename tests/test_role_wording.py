"""Messages and records name the role each municipality's guideline names (いわき市: アカウント管理者, not 広報担当)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.i18n import Catalog
from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.triage.profiles import load_profiles
from bot.wiring import Runtime
from tests.conftest import PR, STAFF

REPO = Path(__file__).resolve().parents[1]
PROFILES = load_profiles(REPO / "playbooks" / "profiles")
# The role's name per profile: the guideline's own office where it never names 広報 (seeds 001, 002).
ROLE = {"asahikawa": ("広報担当", "PR"), "chikugo": ("総務広報課長", "the Director of General Affairs and PR"),
        "iwaki": ("アカウント管理者", "the account manager"), "urausu": ("総務課", "the General Affairs Division")}


@pytest.mark.parametrize("profile", sorted(ROLE))
def test_every_message_names_the_profiles_role(profile: str) -> None:
    ja, en = (Catalog.load(locale, PROFILES[profile].terms(locale)) for locale in ("ja", "en"))
    role_ja, role_en = ROLE[profile]
    assert ja.t("step.needs_role") == f"対応完了にするのは{role_ja}または情報セキュリティ担当です。"
    assert ja.t("records.actor.role_pr") == role_ja and en.t("records.actor.role_pr") == role_en
    assert en.t("step.needs_role") == f"Only {role_en} or the security officer can mark it resolved."
    if "広報" not in role_ja:  # the guideline never says 広報: no message does either
        assert [key for key in sorted(ja.keys()) if "広報" in ja.t(key)] == []
        assert [key for key in sorted(en.keys()) if "PR" in en.t(key).replace("PROBLEMS", "")] == []


@pytest.mark.parametrize("profile", ["chikugo", "iwaki", "urausu"])
def test_who_acknowledges_is_who_may_end_in_every_refusal(profile: str) -> None:
    """筑後市 (session 14 walk #12): 「確認できるのは総務広報課長として…」 but 「終結にする…のは広報担当です」
    for the same access.pr_members; a profile whose guideline names the office uses one name in both."""
    ja = Catalog.load("ja", PROFILES[profile].terms("ja"))
    office = PROFILES[profile].acknowledger.get("ja")
    assert f"確認できるのは{office}として" in ja.t("ack.denied") and ja.t("who_may.pr") == office


def test_iwaki_records_name_the_acknowledger_by_the_guidelines_office(runtime_factory: Callable[..., Runtime],
                                                                      sqlite_url: str) -> None:
    """The report of いわき市 said 「課長 渡辺（広報担当）」 next to 「アカウント管理者確認」 in the same table."""
    triage = runtime_factory(sqlite_url, profile="iwaki").triage
    outcome = triage.incidents.report(ReportInput(
        text="市の公式Xの投稿が炎上しています https://x.com/iwaki_fake/status/7", reporter=Actor(STAFF, "職員 佐藤"),
        idempotency_key="role-1"))
    assert outcome.incident is not None
    incident_id = outcome.incident.id
    triage.incidents.acknowledge(incident_id, Actor(PR, "課長 渡辺"))
    text = RecordsDesk(triage.deps).report_file(incident_id, None, "md").content.decode("utf-8")
    assert "課長 渡辺（アカウント管理者）" in text and "広報" not in text
