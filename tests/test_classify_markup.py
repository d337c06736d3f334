"""Reports as the platforms deliver them: adapters hand the core plain text, and markup never reaches the features."""

from __future__ import annotations

import json
import re
import time

from bench.eval_classify import main as eval_main
from bench.platform_text import SLACK_BOT_USER, TEAMS_BOT_NAME, delivered
from bot.adapters.slack.text import slack_to_plain, strip_mentions_of
from bot.adapters.teams.text import message_text
from bot.triage.classifier_features import prepare
from bot.triage.classify import classify
from tests.conftest import REPO

BATCH = REPO / "tests" / "data" / "corpus" / "t_platform_markup_heldout.jsonl"
TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?>")
EMOJI_CODE = re.compile(r":[a-z0-9_+'-]*[a-z][a-z0-9_+'-]*:")


def _rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in BATCH.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- Teams: HTML reduced to the text a person reads -------------------------------------------------------------


def test_teams_pasted_table_becomes_one_line_per_row() -> None:
    html = ("<p>【報告】</p><table><tbody><tr><td><p>発生</p></td><td><p>本日10時頃</p></td></tr>"
            "<tr><th>内容</th><td>名簿の写った写真を投稿</td></tr></tbody></table><p>対応をお願いします。</p>")
    assert message_text(html) == "【報告】\n発生 本日10時頃\n内容 名簿の写った写真を投稿\n対応をお願いします。"


def test_teams_paragraphs_and_list_items_stay_apart() -> None:
    html = "<p>福祉課です。</p><ul><li>記事（note）</li><li>批判が拡大中</li></ul><div>以上</div>"
    assert message_text(html) == "福祉課です。\n記事（note）\n批判が拡大中\n以上"


def test_teams_emoji_is_its_character_and_images_leave_no_tag() -> None:
    html = ('<p>荒れています&nbsp;<emoji id="1f630_anxiousfacewithsweat" alt="😰" title="冷や汗"></emoji></p>'
            '<p><img src="https://graph.example/hostedContents/1/$value" alt="image" itemtype="http://schema.skype.com/'
            'AMSImage"></p><h2>見出し</h2><hr>')
    assert message_text(html) == "荒れています 😰\n見出し"


def test_teams_mention_of_the_bot_is_gone_and_others_named() -> None:
    html = f"<p><at>{TEAMS_BOT_NAME}</at>&nbsp;<at>広報 佐藤</at> さん、市公式Xが乗っ取られました</p>"
    assert message_text(html, (TEAMS_BOT_NAME,)) == "@広報 佐藤 さん、市公式Xが乗っ取られました"


def test_teams_malformed_markup_costs_linear_time() -> None:
    # Unclosed tags made the old patterns scan to the end from every "<" (9 s for the first text, minutes for the
    # second); each of these takes milliseconds now, so 2 s is a wide margin on a loaded machine.
    for text in ("<at>" * 7000, '<emoji alt="' * 600, "<p" * 14000, "<td><p>a" * 4000):
        started = time.perf_counter()
        message_text(text)
        assert time.perf_counter() - started < 2.0, text[:12]


# -- Slack: emoji codes as the emoji the poster saw ---------------------------------------------------------------


def test_slack_emoji_codes_become_the_emoji() -> None:
    text = ":rotating_light::rotating_light: 市公式Xに覚えのない投稿 :warning: :fire: :thumbsup::skin-tone-2:"
    assert slack_to_plain(text) == "🚨🚨 市公式Xに覚えのない投稿 ⚠️ 🔥 👍🏻"


def test_slack_custom_emoji_and_times_are_kept_as_written() -> None:
    assert slack_to_plain("了解 :kumaru_ok: 10:30:00 集合") == "了解 :kumaru_ok: 10:30:00 集合"


def test_slack_bot_mention_is_removed_and_person_named() -> None:
    text = f"<@{SLACK_BOT_USER}> <@U04KSATO|sato> さん、<https://x.com/a/status/1|x.com/a/status/1> が炎上"
    assert slack_to_plain(strip_mentions_of(text, SLACK_BOT_USER)) == "@sato さん、https://x.com/a/status/1 が炎上"


# -- the core: emoji codes carry no evidence --------------------------------------------------------------------


def test_emoji_codes_leave_the_features_unchanged() -> None:
    assert prepare("市公式Xが乗っ取られました :kumaru_sos: :Custom-Emoji:") == prepare("市公式Xが乗っ取られました")
    assert prepare("集合は10:30:00、件名:注意:") == "集合は0:0:0、件名:注意:"


def test_emoji_codes_do_not_change_the_outcome() -> None:
    said = "公式インスタのログイン通知、さっきのは私が新しいスマホで入ったからです"
    plain = f"{said} ご心配なく"
    marked = f":kumaru_bow: {said} :kumaru_ok: ご心配なく"
    assert classify(marked) == classify(plain)


# -- the held-out batch as delivered ------------------------------------------------------------------------------


def test_no_markup_of_the_batch_reaches_the_features() -> None:
    rows = _rows()
    assert {row["platform"] for row in rows} == {"slack", "teams", "lineworks"}
    leaked = [prepare(delivered(row)) for row in rows]
    leaked = [text for text in leaked if TAG.search(text) or EMOJI_CODE.search(text)]
    assert leaked == []


def test_eval_classify_scores_the_batch_as_delivered(capsys: object) -> None:
    assert eval_main([str(BATCH), "--summary", "--delivered"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    row = next(line for line in out.splitlines() if line.startswith("| t_platform_markup_heldout |")).split(" | ")
    assert row[1] == "150" and row[6] == "100"
    assert float(row[4]) >= 95.0 and int(row[5]) <= 1 and float(row[8]) >= 95.0
