"""Session 14 Teams walk (docs/qa/session14_walk_teams.md): core rules found by 筑後市 and 浦臼町's staff."""

from __future__ import annotations

from bot.ports import Actor, ReportInput
from bot.triage.urls import source_key
from bot.wiring import Runtime
from tests.conftest import OTHER, STAFF

FB_SHARED = "https://www.facebook.com/chikugocity/posts/pfbid0abc?__cft__[0]=AZX&__tn__=%2CO%2CP-R"
FB_PLAIN = "https://facebook.com/chikugocity/posts/pfbid0abc"
FB_MOBILE = "https://m.facebook.com/chikugocity/posts/pfbid0abc?mibextid=Nif5oz"


def test_facebooks_click_and_share_tracking_does_not_make_another_post() -> None:
    """#1: Facebook adds __cft__[0] / __tn__ to links clicked in its feed and mibextid to shared links; the same
    post became three keys, so three colleagues' reports of one 炎上 opened three incidents."""
    assert source_key(FB_SHARED) == source_key(FB_PLAIN) == source_key(FB_MOBILE)
    # A query that names something else (a comment, a story) still tells posts apart.
    assert source_key(FB_PLAIN + "?comment_id=42") != source_key(FB_PLAIN)
    assert source_key("https://www.facebook.com/permalink.php?story_fbid=1&id=2") != source_key(
        "https://www.facebook.com/permalink.php?story_fbid=3&id=2")


def test_colleagues_reporting_one_facebook_post_from_feed_and_share_links_share_one_incident(
        runtime: Runtime) -> None:
    """#1 end to end: the second and third reports merge into the first (one notice to the section)."""
    first = runtime.triage.incidents.report(ReportInput(
        f"市のFacebookの投稿にコメントが殺到して炎上気味です {FB_SHARED}", Actor(STAFF, "山田 花子", "test")))
    second = runtime.triage.incidents.report(ReportInput(
        f"ゴミ分別の件、FBでめっちゃ叩かれてます。炎上してます {FB_MOBILE}", Actor(OTHER, "佐藤 一郎", "test")))
    assert first.incident is not None and second.incident is not None
    assert second.merged and second.incident.id == first.incident.id
    assert len(runtime.triage.queries.list(None)) == 1
