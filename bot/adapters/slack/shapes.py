"""Payload shape checks: the fields our listeners and Bolt's matchers read have the types and forms Slack gives
them (ids look like ids, timestamps like timestamps, our buttons' values like the values the renderer puts on
them). Text fields are only checked to be strings: their content is the core's. A refusal names the field,
never its value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.adapters.slack.render import (
    ACKNOWLEDGE,
    INPUT_ACTION,
    KIND_SELECT,
    REPORT_SHORTCUT,
    REPORT_SUBMIT,
    STEP_DONE,
    STEP_INPUT,
    STEP_SKIP,
    STEP_SUBMIT,
)

MAX_BODY_BYTES = 2 * 1024 * 1024  # a 40,000-character message escaped as \uXXXX pairs is ~0.5 MB
MAX_TEXT = 200_000  # characters in one text field; Slack's own limit is 40,000 (the core keeps that much)

_ID = re.compile(
    r"[A-Z0-9][A-Z0-9_]{0,49}"
)  # users, channels, teams, user groups, bots (Slack's are upper-case)
_TS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")
_STEP_VALUE = re.compile(r"[0-9]{1,12}\|[a-z0-9_]{1,40}\|[A-Za-z0-9_\-]{1,80}")  # render.StepRef.encode()
_KIND_BLOCK = re.compile(r"kind\|[0-9]{1,12}")
_ACK_VALUE = re.compile(r"[0-9]{1,12}")
_URL = re.compile(r"https?://[^\s]{1,2000}")
LISTENED_EVENTS = frozenset({"message", "app_mention", "reaction_added"})
KNOWN_TYPES = frozenset(
    {
        "event_callback",
        "url_verification",
        "app_rate_limited",
        "block_actions",
        "view_submission",
        "view_closed",
        "message_action",
        "shortcut",
        "block_suggestion",
        "interactive_message",
        "dialog_submission",
    }
)

class Malformed(Exception):
    """A payload field that is not what Slack sends; the message names the field, never its value."""


def _get(
    data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str, *, required: bool = False
) -> Any:
    value = data.get(key)
    if value is None:
        if required:
            raise Malformed(f"{where}.{key} missing")
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise Malformed(f"{where}.{key} has the wrong type")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise Malformed(f"{where}.{key} too long")
    return value


def _matching(
    data: Mapping[str, Any], key: str, pattern: re.Pattern[str], where: str, *, required: bool = False
) -> str | None:
    value = _get(data, key, str, where, required=required)
    if value is not None and not pattern.fullmatch(value):
        raise Malformed(f"{where}.{key} is not in Slack's form")
    return value  # type: ignore[no-any-return]


def _obj(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> dict[str, Any]:
    return _get(data, key, dict, where, required=required) or {}


def _user(body: Mapping[str, Any]) -> str:
    user = _obj(body, "user", "body", required=True)
    _matching(user, "team_id", _ID, "user")
    _get(user, "name", str, "user")
    _get(user, "username", str, "user")
    return _matching(user, "id", _ID, "user", required=True) or ""


def _message(data: Mapping[str, Any], where: str) -> None:
    _matching(data, "ts", _TS, where)
    _matching(data, "thread_ts", _TS, where)
    _matching(data, "user", _ID, where)
    _get(data, "text", str, where)
    blocks = _get(data, "blocks", list, where)
    if blocks is not None and not all(isinstance(b, dict) for b in blocks):
        raise Malformed(f"{where}.blocks has the wrong type")


def _event(body: Mapping[str, Any]) -> None:
    _get(body, "event_id", str, "body")
    _matching(body, "team_id", _ID, "body")
    event = _obj(body, "event", "event", required=True)
    if _get(event, "type", str, "event", required=True) not in LISTENED_EVENTS:
        return  # Bolt reads only the type of events nobody here listens to
    if event["type"] != "reaction_added":
        _matching(event, "channel", _ID, "event", required=True)  # every message event names its channel
    _get(event, "subtype", str, "event")
    _get(event, "bot_id", str, "event")
    _get(event, "channel_type", str, "event")
    _get(event, "reaction", str, "event")
    _matching(event, "channel", _ID, "event")
    _matching(event, "user_team", _ID, "event")
    _matching(event, "event_ts", _TS, "event")
    _message(event, "event")
    item = _obj(event, "item", "event", required=event["type"] == "reaction_added")
    on_message = _get(item, "type", str, "event.item") == "message"
    _matching(item, "channel", _ID, "event.item", required=on_message)
    _matching(item, "ts", _TS, "event.item", required=on_message)


def _action(body: Mapping[str, Any]) -> None:
    actions = _get(body, "actions", list, "body", required=True)
    if not actions or not all(isinstance(a, dict) for a in actions):
        raise Malformed("body.actions is empty or has the wrong type")
    for action in actions:
        action_id = _get(action, "action_id", str, "action", required=True)
        block_id = _get(action, "block_id", str, "action")
        value = _get(action, "value", str, "action")
        option = _obj(action, "selected_option", "action")
        _get(option, "value", str, "action.selected_option")
        if action_id in (STEP_DONE, STEP_SKIP, STEP_INPUT) and not _STEP_VALUE.fullmatch(value or ""):
            raise Malformed("action.value is not a step reference")
        if action_id == ACKNOWLEDGE and not _ACK_VALUE.fullmatch(value or ""):
            raise Malformed("action.value is not an incident number")
        if action_id == KIND_SELECT and (
            not _KIND_BLOCK.fullmatch(block_id or "") or not isinstance(option.get("value"), str)
        ):
            raise Malformed("action.block_id or selected_option is not ours")
        if action_id == STEP_INPUT:
            _get(body, "trigger_id", str, "body", required=True)


def _state_values(view: Mapping[str, Any]) -> None:
    values = _obj(_obj(view, "state", "view"), "values", "view.state")
    for block in values.values():
        if not isinstance(block, dict) or not all(isinstance(field, dict) for field in block.values()):
            raise Malformed("view.state.values has the wrong type")
        field = block.get(INPUT_ACTION) or {}
        _get(field, "value", str, "view.state.values")
        _get(_obj(field, "selected_option", "view.state.values"), "value", str, "view.state.values")


def _metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    text = _get(view, "private_metadata", str, "view")
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}  # not ours: the handlers read it as empty
    return data if isinstance(data, dict) else {}


def _view(body: Mapping[str, Any]) -> None:
    view = _obj(body, "view", "view", required=True)
    _get(view, "type", str, "view", required=True)  # Bolt's matchers read it
    callback = _get(view, "callback_id", str, "view")
    _get(view, "id", str, "view")
    blocks = _get(view, "blocks", list, "view") or []
    for block in blocks:
        if not isinstance(block, dict):
            raise Malformed("view.blocks has the wrong type")
        if block.get("type") == "input":
            _get(block, "block_id", str, "view.blocks", required=True)
            _get(_obj(block, "label", "view.blocks"), "text", str, "view.blocks.label")
    _state_values(view)
    meta = _metadata(view)
    if callback == STEP_SUBMIT:
        if (
            not isinstance(meta.get("i"), int)
            or isinstance(meta.get("i"), bool)
            or not 0 < meta["i"] < 10**12
        ):
            raise Malformed("view.private_metadata.i is not an incident number")
        _get(meta, "k", str, "metadata", required=True)
        _get(meta, "s", str, "metadata", required=True)
        _matching(meta, "c", _ID, "metadata")
        _matching(meta, "t", _TS, "metadata")
        _matching(meta, "m", _TS, "metadata")
    elif callback == REPORT_SUBMIT:
        _matching(meta, "c", _ID, "metadata")
        _matching(meta, "ts", _TS, "metadata")
        _matching(meta, "th", _TS, "metadata")
        _get(meta, "k", str, "metadata")
        _matching(meta, "r", _URL, "metadata")
        _get(meta, "p", str, "metadata")


def _shortcut(body: Mapping[str, Any]) -> None:
    callback = _get(body, "callback_id", str, "body")
    _get(body, "trigger_id", str, "body", required=callback == REPORT_SHORTCUT)
    _matching(body, "response_url", _URL, "body")
    _matching(body, "message_ts", _TS, "body")
    channel = _obj(body, "channel", "channel", required=callback == REPORT_SHORTCUT)
    _matching(channel, "id", _ID, "channel", required=bool(channel))
    _message(_obj(body, "message", "message"), "message")


def _command(body: Mapping[str, Any]) -> None:
    _get(body, "command", str, "command", required=True)
    _matching(body, "user_id", _ID, "command", required=True)
    _matching(body, "channel_id", _ID, "command", required=True)
    _get(body, "text", str, "command")
    _get(body, "trigger_id", str, "command")
    _get(body, "command_ts", str, "command")
    _matching(body, "response_url", _URL, "command")


def shape_problem(body: Any) -> str | None:
    """What is wrong with a signed payload's shape (a short description without values), or None."""
    try:
        if not isinstance(body, dict):
            raise Malformed("body is not an object")
        kind = _get(body, "type", str, "body")
        # What Bolt's own middleware and matchers read from any body, whatever its type.
        for key in ("team", "channel", "user", "enterprise"):
            if body.get(key) is not None and not isinstance(body[key], (dict, str)):
                raise Malformed(f"body.{key} has the wrong type")
        for key in ("event", "view", "container", "message", "authorizations", "actions"):
            if key in body and body[key] is None and key in ("event", "view", "authorizations", "actions"):
                raise Malformed(f"body.{key} is null")  # Bolt reads these with .get(key, {})
            _get(body, key, list if key in ("authorizations", "actions") else dict, "body")
        for key in ("callback_id", "command", "trigger_id", "response_url", "event_id"):
            _get(body, key, str, "body")
        if kind is None and "command" in body:
            _command(body)
            return None
        if kind is None or kind not in KNOWN_TYPES:
            return None  # nothing of ours listens to it: Bolt answers 404
        container = _obj(body, "container", "container")
        _matching(container, "channel_id", _ID, "container")
        _matching(container, "message_ts", _TS, "container")
        _matching(container, "thread_ts", _TS, "container")
        if kind == "event_callback":
            _event(body)
        elif kind == "url_verification":
            _get(body, "challenge", str, "body", required=True)
        elif kind == "block_actions":
            _user(body)
            _action(body)
            _obj(body, "channel", "channel")
            _matching(body.get("channel") or {}, "id", _ID, "channel")
            _message(_obj(body, "message", "message"), "message")
            _matching(body, "response_url", _URL, "body")
        elif kind in ("view_submission", "view_closed"):
            _user(body)
            _view(body)
        elif kind in ("message_action", "shortcut"):
            _user(body)
            _shortcut(body)
        return None
    except Malformed as problem:
        return str(problem)


def user_team(body: Any) -> tuple[str, str] | None:
    """(user id, the user's own team id) when a well-formed payload says which team its user belongs to."""
    if not isinstance(body, dict):
        return None
    event = body.get("event")
    if isinstance(event, dict):
        team = event.get("user_team")
        user = event.get("user")
    else:
        user_obj = body.get("user") if isinstance(body.get("user"), dict) else {}
        user, team = user_obj.get("id"), user_obj.get("team_id")
    if isinstance(user, str) and isinstance(team, str) and _ID.fullmatch(user) and _ID.fullmatch(team):
        return user, team
    return None
