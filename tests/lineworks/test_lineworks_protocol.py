"""Signature, postback data, callback parsing and settings of the LINE WORKS adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.callbacks import (
    CallbackError,
    Ignored,
    Membership,
    PostbackPress,
    TextMessage,
    Unreadable,
    parse,
)
from bot.adapters.lineworks.settings import LineWorksCredentials, LineWorksSettings
from bot.adapters.lineworks.signature import header, sign, valid_signature, verify
from bot.adapters.lineworks.target import Target
from tests.lineworks.conftest import BOT_ID, BOT_SECRET

# The examples of LINE WORKS' callback reference, reshaped where a test needs it.
USER = "c72af563-0f21-4736-11e4-045237113344"
ROOM = "12345a12-b12c-12d3-e123fghijkl"
ISSUED = "2022-01-04T05:16:05.716Z"


def body(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def message(text: str = "hello", *, channel: str | None = ROOM, **content: object) -> dict:
    source: dict[str, object] = {"userId": USER, "domainId": 40029600}
    if channel is not None:
        source["channelId"] = channel
    return {"type": "message", "source": source, "issuedTime": ISSUED,
            "content": {"type": "text", "text": text, **content}}


# -- signature ---------------------------------------------------------------------------------------------------
def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    raw = body(message("炎上しています https://x.com/a/status/1"))
    signature = sign(raw, BOT_SECRET)
    assert valid_signature(raw, signature, BOT_SECRET)
    assert not valid_signature(raw + b" ", signature, BOT_SECRET)  # one byte more: the raw body is signed
    assert not valid_signature(raw, signature, BOT_SECRET + "x")
    assert not valid_signature(raw, "not base64!", BOT_SECRET)
    assert not valid_signature(raw, "", BOT_SECRET)
    # Re-serialising the JSON changes the bytes, so a verifier that parsed first would be wrong.
    assert not valid_signature(body(json.loads(raw)) .replace(b", ", b","), signature, BOT_SECRET)


def test_headers_are_matched_without_regard_to_case() -> None:
    raw = body(message())
    signature = sign(raw, BOT_SECRET)
    for sig_name, bot_name in (("X-WORKS-Signature", "X-WORKS-BotId"), ("x-works-signature", "x-works-botid"),
                               ("X-Works-Signature", "X-Works-Botid")):
        assert verify(raw, {sig_name: signature, bot_name: BOT_ID}, bot_id=BOT_ID, secret=BOT_SECRET).ok
    assert header([("X-WORKS-BOTID", "1")], "x-works-botid") == "1"


@pytest.mark.parametrize(("headers", "reason"), [
    ({}, "missing_signature"),
    ({"X-WORKS-Signature": "AAAA"}, "bad_signature"),
    ({"X-WORKS-Signature": "{sig}", "X-WORKS-BotId": "999"}, "other_bot"),
])
def test_refusals_say_why(headers: dict[str, str], reason: str) -> None:
    raw = body(message())
    filled = {k: v.format(sig=sign(raw, BOT_SECRET)) for k, v in headers.items()}
    verdict = verify(raw, filled, bot_id=BOT_ID, secret=BOT_SECRET)
    assert not verdict.ok and verdict.reason == reason


# -- postback data ----------------------------------------------------------------------------------------------
def test_postback_data_round_trips_and_stays_short() -> None:
    samples = [(pb.DONE, 12, "flaming", "s3_collect"), (pb.SKIP, 1, "leak", "notify"),
               (pb.INPUT, 9, "impersonation", "intake", "source_url"),
               (pb.CHOICE, 9, "impersonation", "intake", "spread", 2), (pb.KIND, 4, "account_takeover"),
               (pb.ACK, 4, 2), (pb.CANCEL, 77)]
    for action, *values in samples:
        data = pb.encode(action, *values)
        assert len(data) <= pb.DATA_LIMIT and pb.is_ours(data)
        decoded = pb.decode(data)
        assert decoded.action == action and decoded.incident_id == values[0]
    press = pb.decode(pb.encode(pb.CHOICE, 9, "impersonation", "intake", "spread", 2))
    assert (press.kind, press.step_id, press.field, press.index) == ("impersonation", "intake", "spread", 2)
    assert press.step_ref.encode() == "9|impersonation|intake"
    assert pb.decode(pb.encode(pb.ACK, 4, 3)).level == 3


@pytest.mark.parametrize("values", [(pb.DONE, 1, "a|b", "s"), (pb.DONE, "x", "k", "s"), (pb.KIND, 1),
                                    (pb.DONE, 1, "k", "s" * 300), ("z", 1)])
def test_postback_encoding_refuses_what_would_break_the_format(values: tuple) -> None:
    with pytest.raises(ValueError):
        pb.encode(*values)


@pytest.mark.parametrize(("data", "reason"), [
    ("action=buy", "foreign"), ("ib1|q|1", "unknown_action"), ("ib1|d|1|k", "wrong_fields"),
    ("ib1|d|x|k|s", "bad_incident"), ("ib1|c|1|k|s|f|-1", "bad_index"), ("ib1|" + "d" * 400, "too_long"),
])
def test_postback_decoding_names_the_problem(data: str, reason: str) -> None:
    with pytest.raises(pb.PostbackError) as caught:
        pb.decode(data)
    assert caught.value.reason == reason


# -- callbacks --------------------------------------------------------------------------------------------------
def test_text_in_a_room_and_in_a_one_to_one_chat() -> None:
    in_room = parse(body(message("炎上しています")))
    assert isinstance(in_room, TextMessage)
    assert in_room.text == "炎上しています" and in_room.source.channel_id == ROOM
    assert not in_room.source.direct and in_room.source.reply_to == Target.channel(ROOM)
    assert in_room.issued_at.year == 2022 and in_room.issued_at.utcoffset() is not None
    direct = parse(body(message("なりすましです", channel=None)))
    assert isinstance(direct, TextMessage) and direct.source.direct
    assert direct.source.reply_to == Target.user(USER)
    assert direct.source.reply_to.conversation().channel == f"user:{USER}"
    assert in_room.key != direct.key and in_room.key == parse(body(message("炎上しています"))).key


def test_postback_events_and_message_postbacks_become_presses() -> None:
    data = pb.encode(pb.DONE, 5, "flaming", "s1")
    event = {"type": "postback", "source": {"userId": USER, "channelId": ROOM, "domainId": 1},
             "issuedTime": ISSUED, "data": data}
    press = parse(body(event))
    assert isinstance(press, PostbackPress) and press.data.action == pb.DONE and press.data.incident_id == 5
    via_message = parse(body(message("「s1」を完了にします", channel=None, postback=data)))
    assert isinstance(via_message, PostbackPress) and via_message.source.direct
    other_bot = parse(body({**event, "data": "action=buy"}))
    assert isinstance(other_bot, Ignored)
    start_button = parse(body(message("利用開始", postback="start")))
    assert isinstance(start_button, TextMessage) and start_button.postback == "start"


def test_membership_and_other_events() -> None:
    joined = parse(body({"type": "joined", "source": {"channelId": ROOM, "domainId": 1}, "issuedTime": ISSUED,
                         "members": ["u1", "u2"]}))
    assert isinstance(joined, Membership) and joined.members == ("u1", "u2") and joined.channel_id == ROOM
    join = parse(body({"type": "join", "source": {"channelId": ROOM, "domainId": 1},
                       "issuedTime": "2022-01-04T05:16:05Z"}))
    assert isinstance(join, Membership) and join.type == "join"
    leave = parse(body({"type": "leave", "source": {"channelId": ROOM}, "issuedTime": ISSUED}))
    assert isinstance(leave, Membership) and leave.members == ()
    sticker = parse(body({**message(), "content": {"type": "sticker", "packageId": "1", "stickerId": "2"}}))
    assert isinstance(sticker, Unreadable) and sticker.content_type == "sticker" and sticker.source.user_id == USER
    assert isinstance(parse(body({"type": "begin", "source": {"userId": USER}, "issuedTime": ISSUED})), Ignored)


@pytest.mark.parametrize(("raw", "reason"), [
    (b"\xff\xfe", "body is not UTF-8 JSON"),
    (b"[1, 2]", "body is not a JSON object"),
    (b"{}", "type is missing"),
    (body({"type": "message", "issuedTime": ISSUED}), "source is missing"),
    (body({**message(), "source": {"channelId": ROOM}}), "source.userId is missing"),
    (body({**message(), "issuedTime": "yesterday"}), "issuedTime is not a date-time ('yesterday')"),
    (body({**message(), "issuedTime": "2022-01-04T05:16:05"}), "issuedTime has no time zone"),
    (body({**message(), "content": {"text": "x"}}), "content.type is missing"),
    (body({**message(), "content": {"type": "text"}}), "content.text is missing"),
    (body({**message(), "source": {"userId": USER, "channelId": 5}}), "source.channelId is not an id"),
    (body({**message(), "source": {"userId": USER, "domainId": "x"}}), "source.domainId is not a number"),
    (body({"type": "postback", "source": {"userId": USER}, "issuedTime": ISSUED}), "data is missing"),
    (body({"type": "postback", "source": {"userId": USER}, "issuedTime": ISSUED, "data": "ib1|d|1"}),
     "postback data is malformed (wrong_fields)"),
    (body({"type": "joined", "source": {"channelId": ROOM}, "issuedTime": ISSUED, "members": "u1"}),
     "members is not a list of user ids"),
    (body({"type": "join", "source": {}, "issuedTime": ISSUED}), "source.channelId is missing"),
])
def test_malformed_callbacks_are_rejected_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(CallbackError) as caught:
        parse(raw)
    assert caught.value.reason == reason


# -- settings --------------------------------------------------------------------------------------------------
def test_credentials_come_from_the_environment(environ: dict[str, str], key_file: Path) -> None:
    creds = LineWorksCredentials.from_env(environ)
    assert creds.missing() == [] and creds.bot_id == "2000001"
    assert creds.bot_secret is not None and "bot-secret" not in repr(creds)  # secrets stay out of logs
    assert "PRIVATE KEY" in creds.private_key()
    partial = LineWorksCredentials.from_env({"LW_BOT_ID": "1", "LW_CLIENT_ID": ""})
    assert partial.missing() == ["LW_BOT_SECRET", "LW_CLIENT_ID", "LW_CLIENT_SECRET", "LW_SERVICE_ACCOUNT",
                                 "LW_PRIVATE_KEY_FILE"]
    defaults = LineWorksCredentials()
    assert defaults.api_url == "https://www.worksapis.com/v1.0"
    assert defaults.auth_url == "https://auth.worksmobile.com/oauth2/v2.0"
    with pytest.raises(ValidationError, match="bot's number"):
        LineWorksCredentials.from_env({"LW_BOT_ID": "my-bot"})
    with pytest.raises(ValidationError, match="http"):
        LineWorksCredentials.from_env({"LW_API_URL": "ftp://x"})
    not_a_key = key_file.with_name("other.key")
    not_a_key.write_text("hello", encoding="utf-8")
    with pytest.raises(ValueError, match="not a PEM private key"):
        LineWorksCredentials(private_key_file=not_a_key).private_key()
    with pytest.raises(ValueError, match="cannot read"):
        LineWorksCredentials(private_key_file=key_file.with_name("missing.key")).private_key()


def test_settings_block_validates_ids() -> None:
    settings = LineWorksSettings.model_validate({"report_channels": [ROOM], "pr_channel": ROOM,
                                                 "pr_members": [USER, "pr@example.jp"]})
    assert settings.callback_path == "/lineworks/callback"
    with pytest.raises(ValidationError, match="channel id"):
        LineWorksSettings.model_validate({"pr_channel": "room with spaces"})
    with pytest.raises(ValidationError, match="user id"):
        LineWorksSettings.model_validate({"pr_members": [""]})
    with pytest.raises(ValidationError, match="Extra inputs"):
        LineWorksSettings.model_validate({"pr_chanel": ROOM})
    assert Target.decode(Target.channel(ROOM).encode()) == Target.channel(ROOM)
    with pytest.raises(ValueError):
        Target.decode("room:1")
