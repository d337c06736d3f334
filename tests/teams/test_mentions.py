"""Teams `<at>` mentions of configured people and tags (mentions.py): checked, rendered, on PR cards."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from bot.adapters.teams.app import TeamsConfigError, teams_settings
from bot.adapters.teams.mentions import mention_entity, section_mentions
from bot.adapters.teams.settings import TeamsMention, TeamsSettings
from tests.teams.env import PR_CHANNEL, PR_TAG, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_of, card_text
from tests.teams.test_teams_scenarios import REPORTS

LEAD = {"id": "teams:aad-pr-lead", "name": "広報 課長"}


def test_one_entry_or_a_list_per_section() -> None:
    settings = TeamsSettings.model_validate({"mentions": {"pr_section": {"id": "tag-1", "name": "広報チーム",
                                                                         "type": "tag"},
                                                          "department_head": [LEAD, {"id": "29:x", "name": "係長"}]}})
    assert [m.id for m in section_mentions(settings, "pr_section")] == ["tag-1"]
    assert [m.name for m in section_mentions(settings, "department_head")] == ["広報 課長", "係長"]
    assert section_mentions(settings, "nobody") == [] and section_mentions(settings, None) == []


def test_an_entity_names_the_raw_teams_id_and_tags_are_typed() -> None:
    person = TeamsMention(id="teams:aad-1", name="山田")
    assert mention_entity(person) == {"type": "mention", "text": "<at>山田</at>",
                                      "mentioned": {"id": "aad-1", "name": "山田"}}
    assert mention_entity(PR_TAG)["mentioned"]["type"] == "tag"


@pytest.mark.parametrize(("entry", "field", "words"), [
    ({"id": "aad-1", "name": ""}, "mentions.pr_section[0].name", "1 文字以上で指定してください"),
    ({"id": "aad-1", "name": "  "}, "mentions.pr_section[0].name", "1 文字以上で指定してください"),
    ({"id": "slack:U1", "name": "広報"}, "mentions.pr_section[0].id", "slack の利用者 ID は Teams では使えません"),
    ({"id": "aad-1", "name": "広報", "type": "group"}, "mentions.pr_section[0].type", "'person'・'tag' のいずれか"),
    ({"id": "aad-1", "name": "<b>広報</b>"}, "mentions.pr_section[0].name", "name に < や > は使えません"),
    ([{"id": "aad-1", "name": "広報"}, "aad-2"], "mentions.pr_section[1]", "（マッピング）で指定"),
    ("aad-1", "mentions.pr_section[0]", "「名前: 値」の組（マッピング）で指定してください"),
    ([], "mentions.pr_section", "1 個以上必要です（いまは 0 個）"),
    ([{"id": f"aad-{i}", "name": "広報"} for i in range(21)], "mentions.pr_section", "20 個以内にしてください"),
])
def test_a_wrong_entry_is_refused_in_japanese_naming_the_field(entry: object, field: str, words: str) -> None:
    runtime = SimpleNamespace(settings=SimpleNamespace(source="app.yaml",
                                                       file=SimpleNamespace(teams={"mentions": {"pr_section": entry}})))
    with pytest.raises(TeamsConfigError) as refused:
        teams_settings(runtime)  # type: ignore[arg-type]
    message = str(refused.value)
    assert "app.yaml: teams.mentions" in message and field in message and words in message


def test_the_pr_card_mentions_everyone_configured(teams_factory: Callable[..., TeamsEnv]) -> None:
    teams = teams_factory(mentions={"pr_section": [PR_TAG, LEAD]})
    teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    text = card_text(pr_card)
    assert "<at>広報チーム</at> <at>広報 課長</at>" in text
    entities = card_of(pr_card)["msteams"]["entities"]
    assert [(e["mentioned"]["id"], e["mentioned"].get("type")) for e in entities] == [
        ("tag-pr-section", "tag"), ("aad-pr-lead", None)]
