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


def _fields(data: Mapping[str, Any], where: str, required: tuple[str, ...] = (), **spec: Any) -> dict[str, Any]:
    """Each named field absent (unless required) or of its type; a pattern means a string in that form."""
    found: dict[str, Any] = {}
    for key, kind in spec.items():
        if data.get(key) is None:  # most named fields are absent from any one payload: no call for those
            if key in required:
                raise Malformed(f"{where}.{key} missing")
            found[key] = None
            continue
        pattern = kind if isinstance(kind, re.Pattern) else None
        found[key] = value = _get(data, key, str if pattern else kind, where)
        if pattern is not None and not pattern.fullmatch(value):
            raise Malformed(f"{where}.{key} is not in Slack's form")
    return found


def _obj(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> dict[str, Any]:
    return _get(data, key, dict, where, required=required) or {}


def _message(data: Mapping[str, Any], where: str) -> None:
    blocks = _fields(data, where, ts=_TS, thread_ts=_TS, user=_ID, text=str, blocks=list)["blocks"]
    if blocks is not None and not all(isinstance(b, dict) for b in blocks):
        raise Malformed(f"{where}.blocks has the wrong type")


def _event(body: Mapping[str, Any]) -> None:
    _fields(body, "body", event_id=str, team_id=_ID)
    event = _obj(body, "event", "event", required=True)
    kind = _get(event, "type", str, "event", required=True)
    if kind not in LISTENED_EVENTS:
        return  # Bolt reads only the type of events nobody here listens to
    _fields(event, "event", () if kind == "reaction_added" else ("channel",),  # every message event names one
            channel=_ID, subtype=str, bot_id=str, channel_type=str, reaction=str, user_team=_ID, event_ts=_TS)
    _message(event, "event")
    item = _obj(event, "item", "event", required=kind == "reaction_added")
    on_message = _get(item, "type", str, "event.item") == "message"
    _fields(item, "event.item", ("channel", "ts") if on_message else (), channel=_ID, ts=_TS)


def _action(body: Mapping[str, Any]) -> None:
    actions = _get(body, "actions", list, "body", required=True)
    if not actions or not all(isinstance(a, dict) for a in actions):
        raise Malformed("body.actions is empty or has the wrong type")
    for action in actions:
        found = _fields(action, "action", ("action_id",), action_id=str, block_id=str, value=str)
        action_id, value = found["action_id"], found["value"] or ""
        option = _obj(action, "selected_option", "action")
        _fields(option, "action.selected_option", value=str)
        if action_id in (ids.STEP_DONE, ids.STEP_SKIP, ids.STEP_INPUT) and not _STEP_VALUE.fullmatch(value):
            raise Malformed("action.value is not a step reference")
        if action_id == ids.ACKNOWLEDGE and not _ACK_VALUE.fullmatch(value):
            raise Malformed("action.value is not an incident number")
        if action_id == ids.KIND_SELECT and (not _KIND_BLOCK.fullmatch(found["block_id"] or "")
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
    callback = _fields(view, "view", ("type",), type=str, callback_id=str, id=str)["callback_id"]  # Bolt reads type
    for block in _get(view, "blocks", list, "view") or []:
        if not isinstance(block, dict):
            raise Malformed("view.blocks has the wrong type")
        if block.get("type") == "input":
            _fields(block, "view.blocks", ("block_id",), block_id=str)
            _fields(_obj(block, "label", "view.blocks"), "view.blocks.label", text=str)
    for block in _obj(_obj(view, "state", "view"), "values", "view.state").values():
        if not isinstance(block, dict) or not all(isinstance(field, dict) for field in block.values()):
            raise Malformed("view.state.values has the wrong type")
        field = block.get(ids.INPUT_ACTION) or {}
        _fields(field, "view.state.values", value=str)
        _fields(_obj(field, "selected_option", "view.state.values"), "view.state.values", value=str)
    meta = _metadata(view)
    if callback == ids.STEP_SUBMIT:
        number = meta.get("i")
        if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 10**12:
            raise Malformed("view.private_metadata.i is not an incident number")
        _fields(meta, "metadata", ("k", "s"), k=str, s=str, c=_ID, t=_TS, m=_TS)
    elif callback == ids.REPORT_SUBMIT:
        _fields(meta, "metadata", c=_ID, ts=_TS, th=_TS, k=str, r=_URL, p=str)


def _shortcut(body: Mapping[str, Any]) -> None:
    report = _get(body, "callback_id", str, "body") == ids.REPORT_SHORTCUT
    _fields(body, "body", ("trigger_id",) if report else (), trigger_id=str, response_url=_URL, message_ts=_TS)
    channel = _obj(body, "channel", "channel", required=report)
    _fields(channel, "channel", ("id",) if channel else (), id=_ID)
    _message(_obj(body, "message", "message"), "message")


def _common(body: Mapping[str, Any]) -> None:
    """What Bolt's own middleware and matchers read from any body, whatever its type."""
    for key in ("team", "channel", "user", "enterprise"):
        if body.get(key) is not None and not isinstance(body[key], (dict, str)):
            raise Malformed(f"body.{key} has the wrong type")
    for key in ("event", "view", "authorizations", "actions"):
        if key in body and body[key] is None:
            raise Malformed(f"body.{key} is null")  # Bolt reads these with .get(key, {})
    _fields(body, "body", event=dict, view=dict, container=dict, message=dict, authorizations=list, actions=list,
            callback_id=str, command=str, trigger_id=str, response_url=str, event_id=str)


def shape_problem(body: Any) -> str | None:
    """What is wrong with a signed payload's shape (a short description without values), or None."""
    try:
        if not isinstance(body, dict):
            raise Malformed("body is not an object")
        kind = _get(body, "type", str, "body")
        _common(body)
        if kind is None and "command" in body:
            _fields(body, "command", ("command", "user_id", "channel_id"), command=str, user_id=_ID, channel_id=_ID,
                    text=str, trigger_id=str, command_ts=str, response_url=_URL)
        if kind is None or kind not in KNOWN_TYPES:
            return None  # nothing of ours listens to it: Bolt answers 404
        _fields(_obj(body, "container", "container"), "container", channel_id=_ID, message_ts=_TS, thread_ts=_TS)
        if kind == "event_callback":
            _event(body)
        elif kind == "url_verification":
            _get(body, "challenge", str, "body", required=True)
        elif kind in ("block_actions", "view_submission", "view_closed", "message_action", "shortcut"):
            user = _obj(body, "user", "body", required=True)
            _fields(user, "user", ("id",), team_id=_ID, name=str, username=str, id=_ID)
            if kind == "block_actions":
                _action(body)
                _fields(_obj(body, "channel", "channel"), "channel", id=_ID)
                _message(_obj(body, "message", "message"), "message")
                _fields(body, "body", response_url=_URL)
            else:
                (_view if kind.startswith("view") else _shortcut)(body)
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
