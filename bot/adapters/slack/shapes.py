"""Payload shape checks: the fields our listeners and Bolt's matchers read have the types and forms Slack gives."""

# Ids look like ids, timestamps like timestamps, our buttons' values like the values the renderer puts on them. Text
# fields are only checked to be strings: their content is the core's. A refusal names the field, never its value.

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.adapters.slack import render as ids

MAX_BODY_BYTES = 2 * 1024 * 1024  # a 40,000-character message escaped as \uXXXX pairs is ~0.5 MB
MAX_TEXT = 200_000  # characters in one text field; Slack's own limit is 40,000 (the core keeps that much)

_ID = re.compile(r"[A-Z0-9][A-Z0-9_]{0,49}")  # users, channels, teams, user groups, bots (Slack's are upper-case)
_TS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")
_STEP_VALUE = re.compile(r"[0-9]{1,12}\|[a-z0-9_]{1,40}\|[A-Za-z0-9_\-]{1,80}")  # render.StepRef.encode()
_KIND_BLOCK = re.compile(r"kind\|[0-9]{1,12}")
_ACK_VALUE = re.compile(r"[0-9]{1,12}")
_URL = re.compile(r"https?://[^\s]{1,2000}")
LISTENED_EVENTS = frozenset({"message", "app_mention", "reaction_added"})
KNOWN_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited", "block_actions", "view_submission",
                         "view_closed", "message_action", "shortcut", "block_suggestion", "interactive_message",
                         "dialog_submission"})


class Malformed(Exception):
    """A payload field that is not what Slack sends; the message names the field, never its value."""


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str, *,
         required: bool = False) -> Any:
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


def _match(data: Mapping[str, Any], where: str, pattern: re.Pattern[str], *keys: str,
           required: bool = False) -> str | None:
    """Each key (when present, or always when required) a string in Slack's form; returns the last one."""
    value = None
    for key in keys:
        value = _get(data, key, str, where, required=required)
        if value is not None and not pattern.fullmatch(value):
            raise Malformed(f"{where}.{key} is not in Slack's form")
    return value


def _strings(data: Mapping[str, Any], where: str, *keys: str) -> None:
    for key in keys:
        _get(data, key, str, where)


def _obj(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> dict[str, Any]:
    return _get(data, key, dict, where, required=required) or {}


def _user(body: Mapping[str, Any]) -> None:
    user = _obj(body, "user", "body", required=True)
    _match(user, "user", _ID, "team_id")
    _strings(user, "user", "name", "username")
    _match(user, "user", _ID, "id", required=True)


def _message(data: Mapping[str, Any], where: str) -> None:
    _match(data, where, _TS, "ts", "thread_ts")
    _match(data, where, _ID, "user")
    _strings(data, where, "text")
    blocks = _get(data, "blocks", list, where)
    if blocks is not None and not all(isinstance(b, dict) for b in blocks):
        raise Malformed(f"{where}.blocks has the wrong type")


def _event(body: Mapping[str, Any]) -> None:
    _strings(body, "body", "event_id")
    _match(body, "body", _ID, "team_id")
    event = _obj(body, "event", "event", required=True)
    kind = _get(event, "type", str, "event", required=True)
    if kind not in LISTENED_EVENTS:
        return  # Bolt reads only the type of events nobody here listens to
    _match(event, "event", _ID, "channel", required=kind != "reaction_added")  # every message event names one
    _strings(event, "event", "subtype", "bot_id", "channel_type", "reaction")
    _match(event, "event", _ID, "user_team")
    _match(event, "event", _TS, "event_ts")
    _message(event, "event")
    item = _obj(event, "item", "event", required=kind == "reaction_added")
    on_message = _get(item, "type", str, "event.item") == "message"
    _match(item, "event.item", _ID, "channel", required=on_message)
    _match(item, "event.item", _TS, "ts", required=on_message)


def _action(body: Mapping[str, Any]) -> None:
    actions = _get(body, "actions", list, "body", required=True)
    if not actions or not all(isinstance(a, dict) for a in actions):
        raise Malformed("body.actions is empty or has the wrong type")
    for action in actions:
        action_id = _get(action, "action_id", str, "action", required=True)
        block_id, value = _get(action, "block_id", str, "action"), _get(action, "value", str, "action")
        option = _obj(action, "selected_option", "action")
        _strings(option, "action.selected_option", "value")
        if action_id in (ids.STEP_DONE, ids.STEP_SKIP, ids.STEP_INPUT) and not _STEP_VALUE.fullmatch(value or ""):
            raise Malformed("action.value is not a step reference")
        if action_id == ids.ACKNOWLEDGE and not _ACK_VALUE.fullmatch(value or ""):
            raise Malformed("action.value is not an incident number")
        if action_id == ids.KIND_SELECT and (not _KIND_BLOCK.fullmatch(block_id or "")
                                         or not isinstance(option.get("value"), str)):
            raise Malformed("action.block_id or selected_option is not ours")
        if action_id == ids.STEP_INPUT:
            _get(body, "trigger_id", str, "body", required=True)


def _metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(_get(view, "private_metadata", str, "view") or "{}")
    except ValueError:
        return {}  # not ours: the handlers read it as empty
    return data if isinstance(data, dict) else {}


def _view(body: Mapping[str, Any]) -> None:
    view = _obj(body, "view", "view", required=True)
    _get(view, "type", str, "view", required=True)  # Bolt's matchers read it
    callback = _get(view, "callback_id", str, "view")
    _strings(view, "view", "id")
    for block in _get(view, "blocks", list, "view") or []:
        if not isinstance(block, dict):
            raise Malformed("view.blocks has the wrong type")
        if block.get("type") == "input":
            _get(block, "block_id", str, "view.blocks", required=True)
            _strings(_obj(block, "label", "view.blocks"), "view.blocks.label", "text")
    for block in _obj(_obj(view, "state", "view"), "values", "view.state").values():
        if not isinstance(block, dict) or not all(isinstance(field, dict) for field in block.values()):
            raise Malformed("view.state.values has the wrong type")
        field = block.get(ids.INPUT_ACTION) or {}
        _strings(field, "view.state.values", "value")
        _strings(_obj(field, "selected_option", "view.state.values"), "view.state.values", "value")
    meta = _metadata(view)
    if callback == ids.STEP_SUBMIT:
        number = meta.get("i")
        if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 10**12:
            raise Malformed("view.private_metadata.i is not an incident number")
        _get(meta, "k", str, "metadata", required=True)
        _get(meta, "s", str, "metadata", required=True)
        _match(meta, "metadata", _ID, "c")
        _match(meta, "metadata", _TS, "t", "m")
    elif callback == ids.REPORT_SUBMIT:
        _match(meta, "metadata", _ID, "c")
        _match(meta, "metadata", _TS, "ts", "th")
        _strings(meta, "metadata", "k", "p")
        _match(meta, "metadata", _URL, "r")


def _shortcut(body: Mapping[str, Any]) -> None:
    callback = _get(body, "callback_id", str, "body")
    _get(body, "trigger_id", str, "body", required=callback == ids.REPORT_SHORTCUT)
    _match(body, "body", _URL, "response_url")
    _match(body, "body", _TS, "message_ts")
    channel = _obj(body, "channel", "channel", required=callback == ids.REPORT_SHORTCUT)
    _match(channel, "channel", _ID, "id", required=bool(channel))
    _message(_obj(body, "message", "message"), "message")


def _command(body: Mapping[str, Any]) -> None:
    _get(body, "command", str, "command", required=True)
    _match(body, "command", _ID, "user_id", "channel_id", required=True)
    _strings(body, "command", "text", "trigger_id", "command_ts")
    _match(body, "command", _URL, "response_url")


def _common(body: Mapping[str, Any]) -> None:
    """What Bolt's own middleware and matchers read from any body, whatever its type."""
    for key in ("team", "channel", "user", "enterprise"):
        if body.get(key) is not None and not isinstance(body[key], (dict, str)):
            raise Malformed(f"body.{key} has the wrong type")
    for key in ("event", "view", "container", "message", "authorizations", "actions"):
        if key in body and body[key] is None and key in ("event", "view", "authorizations", "actions"):
            raise Malformed(f"body.{key} is null")  # Bolt reads these with .get(key, {})
        _get(body, key, list if key in ("authorizations", "actions") else dict, "body")
    _strings(body, "body", "callback_id", "command", "trigger_id", "response_url", "event_id")


def shape_problem(body: Any) -> str | None:
    """What is wrong with a signed payload's shape (a short description without values), or None."""
    try:
        if not isinstance(body, dict):
            raise Malformed("body is not an object")
        kind = _get(body, "type", str, "body")
        _common(body)
        if kind is None and "command" in body:
            _command(body)
        if kind is None or kind not in KNOWN_TYPES:
            return None  # nothing of ours listens to it: Bolt answers 404
        container = _obj(body, "container", "container")
        _match(container, "container", _ID, "channel_id")
        _match(container, "container", _TS, "message_ts", "thread_ts")
        if kind == "event_callback":
            _event(body)
        elif kind == "url_verification":
            _get(body, "challenge", str, "body", required=True)
        elif kind == "block_actions":
            _user(body)
            _action(body)
            _match(_obj(body, "channel", "channel"), "channel", _ID, "id")
            _message(_obj(body, "message", "message"), "message")
            _match(body, "body", _URL, "response_url")
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
        user, team = event.get("user"), event.get("user_team")
    else:
        user_obj = body.get("user") if isinstance(body.get("user"), dict) else {}
        user, team = user_obj.get("id"), user_obj.get("team_id")
    if isinstance(user, str) and isinstance(team, str) and _ID.fullmatch(user) and _ID.fullmatch(team):
        return user, team
    return None
