"""Hypothesis strategies for hostile Slack requests: well-formed ones with hostile text, and broken ones.

Every generated text carries two markers: CANARY (must never reach a log line) and a Jinja expression
between JX1/JX2 (its evaluation, "JX149JX2", must never reach Slack). Mention markup in generated text
uses ids (U_EVIL…, S_EVIL…, C_EVIL…) the bot itself never mentions, so any of them in a mrkdwn text the
bot sent means user text was not escaped.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

CANARY = "ZQCANARYQZ"
JINJA = "JX1{{ 7*7 }}JX2"
JINJA_EVALUATED = ("JX149JX2", "JX3QQJX4")
# What Slack sends when someone types "<!here>" literally: unescaped by the adapter, it must be escaped again.
ESCAPED_PING = "&lt;!here&gt;"
FRAGMENTS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U_EVIL1>",
    "<@U_EVIL2|boss>",
    "<!subteam^S_EVIL>",
    "<!subteam^S_EVIL|@pr>",
    "<#C_EVIL|general>",
    "<!date^1392734382^{date}|Feb 18>",
    "&lt;!channel&gt;",
    "&lt;@U_EVIL3&gt;",
    "&amp;",
    "&",
    "<",
    ">",
    "<https://evil.example/p|click me>",
    "<mailto:a@b.c|mail>",
    "{{ 7*7 }}",
    "{{ config }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for x in 'ab' %}Q{% endfor %}",
    "JX3{% for x in 'ab' %}Q{% endfor %}JX4",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "${7*7}",
    "%s%s%n",
    "{0}",
    "{incident}",
    "'; DROP TABLE incidents; --",
    '" OR 1=1 --',
    "1; SELECT pg_sleep(5)",
    "' UNION SELECT text FROM incidents --",
    "\\x00",
    "\x00",
    "\ud800",
    "\udfff",
    "\ud83d",
    "\U0001f525",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\r\n",
    "\t",
    "*bold* _it_ ~s~ `code` ```block```",
    "> quote",
    "炎上しています",
    "個人情報が漏えいしました",
    "なりすまし",
    "https://x.com/asahikawa_fake/status/99",
    "https://x.com/evil/status/1?utm_source=a",
    "http://[::1",
    "https://ex\u2100ample.com/",
    "ｈｔｔｐｓ：／／ｘ．ｃｏｍ",
    "①②③",
    "ｶﾀｶﾅ",
    "𠮷野家",
    "e\u0301",
    "\U000e0041",
)
REPORT_OPENERS = (
    "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています ",
    "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです ",
    "市長になりすました偽アカウントがXで市の公式発表のような投稿をしています ",
    "市の公式アカウントが乗っ取られ、不審な投稿がされています ",
)
USERS = ("U_STAFF", "U_OTHER", "U_PR", "U_SEC", "U_EXT")
CHANNELS = ("C_REPORT", "C_RANDOM", "D_STAFF", "C_PR")
ACTION_IDS = ("step_done", "step_skip", "step_input", "kind_select", "acknowledge")
CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data",
    "application/json; charset=utf-8",
    "",
    "application/xml",
)

any_char = st.characters(exclude_categories=())  # surrogates included
odd_text = st.text(any_char, max_size=24)
fragment = st.sampled_from(FRAGMENTS)
# Strategies are built once here: building them inside the composites below costs more than drawing.
_PARTS = st.lists(st.one_of(fragment, fragment, odd_text), max_size=6)
_SIZES = st.sampled_from((0, 0, 0, 0, 0, 0, 3000, 40_000))
_FILLERS = st.sampled_from(("批判が続いています。", "<!channel> ", "&lt;", "a", "\ud83d\udd25", "{{ 7*7 }}"))
_OPENERS = st.sampled_from(REPORT_OPENERS)
_DICE = {n: st.integers(0, n) for n in (2, 3, 4, 5, 8, 10, 12, 40)}
_COUNT = st.integers(1, 3)
_BOOL = st.booleans()
_BIG = st.integers(0, 10**9)
_HOOK_N = st.integers(0, 10**6)
_ANY_INCIDENT = st.integers(0, 10**12)


@st.composite
def hostile_text(draw: st.DrawFn, *, report_share: int = 4) -> str:
    """Text built from dangerous fragments and random characters, sometimes 3,000 or 40,000 characters long;
    one time in report_share + 1 it opens like a real report (so the whole intake runs)."""
    text = "".join(draw(_PARTS))
    size = draw(_SIZES)
    if size:
        filler = draw(_FILLERS)
        text = (text + filler * (size // len(filler) + 1))[:size]
    opens = report_share in _DICE and draw(_DICE[report_share]) == 0
    opener = draw(_OPENERS) if opens else ""
    return f"{opener}{text} {CANARY} {JINJA} {ESCAPED_PING}"


_HOSTILE = hostile_text()
_HOSTILE_QUIET = hostile_text(report_share=-1)  # a clicked message's text: only displayed, never reported
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_text,
    fragment,
    st.just(""),
    st.lists(st.one_of(st.none(), st.integers(), odd_text), max_size=3),
    st.dictionaries(odd_text, st.one_of(st.none(), st.integers(), odd_text), max_size=3),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a node of a JSON-like value (the root excluded)."""
    found: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.append(prefix + (key,))
        found.extend(_paths(item, prefix + (key,)))
    return found


def _rebuild(value: Any, path: tuple[Any, ...], replacement: Any, drop: bool) -> Any:
    """A copy of value with the node at path replaced (or dropped); the copies share untouched nodes."""
    if not path:
        return replacement
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and head in value:
        out = dict(value)
        if drop and not rest:
            del out[head]
        else:
            out[head] = _rebuild(value[head], rest, replacement, drop)
        return out
    if isinstance(value, list) and isinstance(head, int) and head < len(value):
        out_list = list(value)
        if drop and not rest:
            del out_list[head]
        else:
            out_list[head] = _rebuild(value[head], rest, replacement, drop)
        return out_list
    return value


def mutate(draw: st.DrawFn, value: Any) -> Any:
    """The value as is (one time in three) or with one to three fields dropped or replaced by junk."""
    if draw(_DICE[2]) == 0:
        return value
    paths = _paths(value)
    if not paths or draw(_DICE[40]) == 0:
        return draw(junk)  # the whole thing is junk
    for _ in range(draw(_COUNT)):
        path = paths[draw(st.integers(0, len(paths) - 1))]
        drop = draw(_BOOL)
        value = _rebuild(value, path, None if drop else draw(junk), drop)
    return value


def ts_text(n: int) -> str:
    return f"{1763427600 + n}.{n % 1_000_000:06d}"


ts = st.integers(1, 10**6).map(ts_text)
user = st.sampled_from(USERS)
channel = st.sampled_from(CHANNELS)
_EVENT_KINDS = st.sampled_from(("message", "message", "app_mention", "reaction_added"))
_REACTIONS = st.sampled_from(("pushpin", "pushpin", "eyes"))
_SUBTYPES = st.sampled_from(("bot_message", "message_changed", "file_share", "x"))
_KINDS = st.sampled_from(("flaming", "leak", "impersonation", "misinformation", "account_takeover", "nope"))
_STEPS = st.sampled_from(("intake", "assess", "notify", "stay_calm", "identify", "press", "x", "a_b_c"))
_ACTIONS = st.sampled_from(ACTION_IDS)
_CALLBACKS = st.sampled_from(("step_submit", "step_submit", "report_submit", "other_view"))
_INPUT_NAMES = st.lists(
    st.sampled_from(
        ("post_url", "platform", "spread", "press", "personal_data", "summary", "note", "unknown")
    ),
    max_size=4,
    unique=True,
)
_ANSWER_WORDS = st.sampled_from(
    ("large", "no", "yes", "small", "https://x.com/a/status/1", "x", "javascript:1")
)
_REPORT_KINDS = st.one_of(
    st.none(), st.sampled_from(("flaming", "leak", "misinformation", "bogus")).map(lambda v: {"value": v})
)
_SHORTCUT_TYPES = st.sampled_from(("message_action", "message_action", "shortcut"))
_SHORTCUT_IDS = st.sampled_from(("report_incident", "report_incident", "other"))
_COMMANDS = st.sampled_from(("/incident", "/incident", "/other"))
_COMMAND_TEXT = st.one_of(_HOSTILE, st.sampled_from(("help", "", "ヘルプ")))
_FAMILIES = st.sampled_from(
    ("event", "event", "event", "action", "action", "view", "shortcut", "command", "raw")
)


@st.composite
def event_payload(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(_EVENT_KINDS)
    who = draw(user)
    where = draw(channel)
    at = draw(ts)
    if kind == "reaction_added":
        event: dict[str, Any] = {
            "type": kind,
            "user": who,
            "reaction": draw(_REACTIONS),
            "item": {"type": "message", "channel": where, "ts": draw(ts)},
            "event_ts": at,
        }
    else:
        event = {
            "type": kind,
            "user": who,
            "text": draw(_HOSTILE),
            "channel": where,
            "ts": at,
            "event_ts": at,
            "channel_type": "im" if where.startswith("D") else "channel",
        }
        if draw(_DICE[5]) == 0:
            event["thread_ts"] = draw(ts)
        if draw(_DICE[8]) == 0:
            event["subtype"] = draw(_SUBTYPES)
    if who == "U_EXT":
        event["user_team"] = "T_OTHERORG"
    body = {
        "token": "legacy",
        "team_id": "T_TEST",
        "api_app_id": "A_TEST",
        "type": "event_callback",
        "event_id": f"EvFZ{draw(_BIG)}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": "T_TEST", "user_id": "U_BOT", "is_bot": True}],
    }
    return mutate(draw, body)  # type: ignore[no-any-return]


def _action(draw: st.DrawFn, incidents: st.SearchStrategy[int]) -> dict[str, Any]:
    action_id = draw(_ACTIONS)
    incident = draw(incidents)
    action: dict[str, Any] = {"action_id": action_id, "type": "button", "action_ts": draw(ts)}
    if action_id == "acknowledge":
        action["value"] = str(incident) if draw(_DICE[5]) else draw(odd_text)
    elif action_id == "kind_select":
        kind = draw(_KINDS)
        action.update(
            type="static_select",
            block_id=f"kind|{incident}",
            selected_option={"value": kind, "text": {"type": "plain_text", "text": kind}},
        )
    else:
        action["value"] = f"{incident}|{draw(_KINDS)}|{draw(_STEPS)}" if draw(_DICE[5]) else draw(odd_text)
    return action


def user_object(who: str) -> dict[str, str]:
    return {
        "id": who,
        "username": who.lower(),
        "name": who.lower(),
        "team_id": "T_OTHERORG" if who == "U_EXT" else "T_TEST",
    }


def _incidents(incidents: tuple[int, ...]) -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from(incidents), st.sampled_from(incidents), _ANY_INCIDENT)


@st.composite
def block_actions_payload(draw: st.DrawFn, incidents: tuple[int, ...], hook: str) -> dict[str, Any]:
    who = draw(user)
    where = draw(channel)
    action = _action(draw, _incidents(incidents))
    message = {
        "type": "message",
        "ts": draw(ts),
        "text": draw(_HOSTILE_QUIET),
        "blocks": [{"type": "section", "block_id": "b", "text": {"type": "mrkdwn", "text": "x"}}],
    }
    body = {
        "type": "block_actions",
        "user": user_object(who),
        "api_app_id": "A_TEST",
        "token": "legacy",
        "team": {"id": "T_TEST", "domain": "test"},
        "trigger_id": f"trig-{draw(_BIG)}",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": where,
            "is_ephemeral": False,
        },
        "channel": {"id": where, "name": "channel"},
        "message": message,
        "response_url": f"{hook}/hooks/fz{draw(_HOOK_N)}",
        "actions": [action],
    }
    return mutate(draw, body)  # type: ignore[no-any-return]


@st.composite
def view_submission_payload(draw: st.DrawFn, incidents: tuple[int, ...], hook: str) -> dict[str, Any]:
    who = draw(user)
    incident = draw(_incidents(incidents))
    callback = draw(_CALLBACKS)
    text = draw(_HOSTILE)
    if callback == "step_submit":
        meta: Any = {
            "i": incident,
            "k": draw(_KINDS),
            "s": draw(_STEPS),
            "c": draw(channel),
            "t": None,
            "m": None,
        }
        inputs = draw(_INPUT_NAMES)
        values: dict[str, Any] = {}
        for name in inputs:
            answer = (text, draw(odd_text), draw(_ANSWER_WORDS))[draw(_DICE[2])]
            values[f"in:{name}"] = {"value": {"type": "plain_text_input", "value": answer}}
        blocks = [
            {"type": "input", "block_id": f"in:{name}", "label": {"type": "plain_text", "text": name}}
            for name in inputs
        ]
    else:
        meta = {
            "c": draw(channel),
            "ts": draw(ts),
            "th": None,
            "k": f"trig-{draw(_BIG)}",
            "r": f"{hook}/hooks/fz{draw(_HOOK_N)}",
            "p": None,
        }
        values = {
            "report_text": {"value": {"type": "plain_text_input", "value": text}},
            "report_kind": {"value": {"type": "static_select", "selected_option": draw(_REPORT_KINDS)}},
        }
        blocks = [
            {"type": "input", "block_id": "report_text", "label": {"type": "plain_text", "text": "報告"}}
        ]
    metadata = json.dumps(meta, ensure_ascii=False) if draw(_DICE[10]) else draw(odd_text)
    body = {
        "type": "view_submission",
        "team": {"id": "T_TEST", "domain": "test"},
        "user": user_object(who),
        "api_app_id": "A_TEST",
        "token": "legacy",
        "trigger_id": f"trig-{draw(_BIG)}",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": callback,
            "private_metadata": metadata,
            "blocks": blocks,
            "state": {"values": values},
            "hash": "h",
        },
        "response_urls": [],
    }
    return mutate(draw, body)  # type: ignore[no-any-return]


@st.composite
def shortcut_payload(draw: st.DrawFn, hook: str) -> dict[str, Any]:
    who = draw(user)
    where = draw(channel)
    kind = draw(_SHORTCUT_TYPES)
    body: dict[str, Any] = {
        "type": kind,
        "callback_id": draw(_SHORTCUT_IDS),
        "trigger_id": f"trig-{draw(_BIG)}",
        "response_url": f"{hook}/hooks/fz{draw(_HOOK_N)}",
        "team": {"id": "T_TEST"},
        "user": user_object(who),
        "action_ts": draw(ts),
        "token": "legacy",
    }
    if kind == "message_action":
        at = draw(ts)
        body.update(
            channel={"id": where, "name": "c"},
            message_ts=at,
            message={"type": "message", "user": draw(user), "text": draw(_HOSTILE), "ts": at},
        )
    return mutate(draw, body)  # type: ignore[no-any-return]


@st.composite
def command_fields(draw: st.DrawFn, hook: str) -> dict[str, Any]:
    who = draw(user)
    fields: dict[str, Any] = {
        "token": "legacy",
        "team_id": "T_TEST",
        "team_domain": "test",
        "channel_id": draw(channel),
        "channel_name": "c",
        "user_id": who,
        "user_name": who.lower(),
        "command": draw(_COMMANDS),
        "text": draw(_COMMAND_TEXT),
        "api_app_id": "A_TEST",
        "response_url": f"{hook}/hooks/fz{draw(_HOOK_N)}",
        "trigger_id": f"trig-{draw(_BIG)}",
    }
    return mutate(draw, fields)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Request:
    """One request as it goes over the wire."""

    body: bytes
    headers: dict[str, str]
    family: str
    signed: bool = True
    payload: Any = None  # the structure the body was encoded from (None for raw bodies)

    def __repr__(self) -> str:  # what hypothesis prints for a failing example: short
        return (
            f"Request({self.family}, {len(self.body)} bytes, {self.headers.get('content-type')!r}, "
            f"{self.body[:300]!r})"
        )


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a str body: what a broken client would put on the wire
        return text.encode("utf-8", "surrogatepass")


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature over the raw bytes (whatever they are)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": stamp, "x-slack-signature": "v0=" + digest}


_RAW_BODIES = st.one_of(
    st.sampled_from(
        (
            "",
            "{",
            "[]",
            "[1, 2]",
            "null",
            "42",
            '"str"',
            "payload=",
            "payload=%7B",
            "payload=[]",
            "payload=null",
            '{"type": "block_actions", "actions": []}',
            '{"type": "event_callback", "event": "x"}',
            '{"type": ["a"]}',
            '{"type": {"a": 1}}',
            '{"type": "url_verification"}',
            '{"ssl_check": "1", "token": 1}',
            '{"authorizations": ["x"], "type": "event_callback"}',
            '{"team": "T", "user": 5}',
            '{"type": "view_submission", "view": null}',
            "\ufeff{}",
            "a=1&b=2",
            "payload=%ED%A0%80",
            "%FF%FE",
            "command=/incident",
            "command=/incident&user_id=U_STAFF",
        )
    ),
    odd_text,
    _HOSTILE,
    st.dictionaries(odd_text, junk, max_size=4).map(json.dumps),
)
_BROKEN_BYTES = st.sampled_from((b"\xff\xfe\x00", b'{"type": "\xc3\x28"}', b"payload=\x80", b"{}\xc0"))
_CONTENT_TYPES = st.sampled_from(CONTENT_TYPES)
_RETRIES = st.sampled_from(("1", "2", "x", ""))
_HOW = st.sampled_from(
    (
        "forged",
        "other_secret",
        "stale",
        "future",
        "missing",
        "junk_timestamp",
        "junk_signature",
        "body_changed",
    )
)
_HEX64 = st.binary(min_size=32, max_size=32).map(bytes.hex)
_OFFSETS = st.integers(310, 10**6)  # a clock tick between signing and checking must not make it fresh
_MISSING = st.sampled_from(("x-slack-signature", "x-slack-request-timestamp"))
_JUNK_STAMPS = st.sampled_from(("abc", "-1", "1e9", "١٢٣", " 1", "0x10", "99999999999999999999", "１２３"))
_JUNK_SIGNATURES = st.sampled_from(("v0=", "v1=" + "0" * 64, "v0=ÿÿ", "v0=" + "Z" * 64, "v0=" + "0" * 63))


@functools.cache
def _families(incidents: tuple[int, ...], hook: str) -> dict[str, st.SearchStrategy[Any]]:
    return {
        "event": event_payload(),
        "action": block_actions_payload(incidents, hook),
        "view": view_submission_payload(incidents, hook),
        "shortcut": shortcut_payload(hook),
        "command": command_fields(hook),
    }


@st.composite
def signed_request(draw: st.DrawFn, secret: str, incidents: tuple[int, ...], hook: str) -> Request:
    """A correctly signed request of any family, in any of the encodings a broken client might use."""
    family = draw(_FAMILIES)
    content_type = "application/json"
    data: Any = None
    if family == "event":
        data = draw(_families(incidents, hook)["event"])
        text = json.dumps(data, ensure_ascii=draw(_BOOL))
    elif family in ("action", "view", "shortcut"):
        data = draw(_families(incidents, hook)[family])
        try:
            text = urlencode({"payload": json.dumps(data, ensure_ascii=draw(_BOOL))})
        except UnicodeEncodeError:
            text = urlencode({"payload": json.dumps(data)})
        content_type = "application/x-www-form-urlencoded"
    elif family == "command":
        fields = data = draw(_families(incidents, hook)["command"])
        if not isinstance(fields, dict):
            fields = {"payload": json.dumps(fields)}
        try:
            text = urlencode({k: (v if isinstance(v, str) else json.dumps(v)) for k, v in fields.items()})
        except UnicodeEncodeError:
            text = urlencode({k: json.dumps(v) for k, v in fields.items()})
        content_type = "application/x-www-form-urlencoded"
    else:
        text = draw(_RAW_BODIES)
    body = _encode(text)
    if draw(_DICE[12]) == 0:
        body = draw(_BROKEN_BYTES)
    if draw(_DICE[3]) == 0:
        content_type = draw(_CONTENT_TYPES)
    headers = {"content-type": content_type, **sign(secret, body)}
    if draw(_DICE[10]) == 0:
        headers["x-slack-retry-num"] = draw(_RETRIES)
        headers["x-slack-retry-reason"] = "http_timeout"
    return Request(body, headers, family, payload=data)


@st.composite
def badly_signed_request(draw: st.DrawFn, secret: str) -> tuple[Request, str]:
    """A request that must be refused with 401, and the counter reason it must be counted under."""
    body = _encode(
        json.dumps(
            {
                "type": "event_callback",
                "event_id": "EvBAD",
                "event": {
                    "type": "message",
                    "user": "U_STAFF",
                    "channel": "C_REPORT",
                    "ts": "1763427601.000001",
                    "text": draw(_HOSTILE),
                },
            },
            ensure_ascii=False,
        )
    )
    how = draw(_HOW)
    now = int(time.time())
    headers = {"content-type": "application/json", **sign(secret, body)}
    reason = "bad_signature"
    if how == "forged":
        headers["x-slack-signature"] = "v0=" + draw(_HEX64)
    elif how == "other_secret":
        headers.update(sign("not-" + secret, body))
    elif how in ("stale", "future"):
        offset = draw(_OFFSETS)
        headers.update(sign(secret, body, timestamp=now - offset if how == "stale" else now + offset))
        reason = "stale_timestamp"
    elif how == "missing":
        del headers[draw(_MISSING)]
        reason = "missing_signature"
    elif how == "junk_timestamp":
        headers["x-slack-request-timestamp"] = draw(_JUNK_STAMPS)
        reason = "bad_timestamp"
    elif how == "junk_signature":
        headers["x-slack-signature"] = draw(_JUNK_SIGNATURES)
    else:
        body = body + b" "
    return Request(body, headers, f"unsigned:{how}", signed=False), reason
