"""LINE WORKS' documented limits on message content, as a checker shared by the fake API and the tests.

Text 2,000 characters; flex altText 400, a bubble's JSON at most 30 KB; quick reply 13 items; postback label 20,
data 300, displayText 300 (required in quick replies).
"""

from __future__ import annotations

import json
from typing import Any

# A Flexible Template bubble's JSON is at most 30 KB (LINE WORKS' container reference). Measured as the bot sends it
# (requests' json=, non-ASCII escaped: six bytes a kanji) and in thousands, so a notice passing here passes there.
BUBBLE_BYTES = 30_000


def problems(content: Any) -> list[str]:
    """What is wrong with a message content object (empty when LINE WORKS would accept it)."""
    found: list[str] = []
    if not isinstance(content, dict):
        return ["content is not an object"]
    kind = content.get("type")
    if kind == "text":
        body = content.get("text")
        if not isinstance(body, str) or not body:
            found.append("text is empty")
        elif len(body) > 2000:
            found.append(f"text has {len(body)} characters (max 2000)")
    elif kind == "flex":
        alt = content.get("altText")
        if not isinstance(alt, str) or not alt:
            found.append("altText is empty")
        elif len(alt) > 400:
            found.append(f"altText has {len(alt)} characters (max 400)")
        contents = content.get("contents")
        if not isinstance(contents, dict) or contents.get("type") not in ("bubble", "carousel"):
            found.append("flex contents is not a bubble or carousel")
        else:
            found += _flex_texts(contents)
            size = len(json.dumps(contents))
            if size > BUBBLE_BYTES:
                found.append(f"flex contents is {size} bytes of JSON (max {BUBBLE_BYTES})")
    elif kind == "image":
        if not content.get("fileId") and not (content.get("previewImageUrl") and content.get("originalContentUrl")):
            found.append("image needs fileId, or previewImageUrl and originalContentUrl")
    elif kind == "file":
        if not content.get("fileId") and not content.get("originalContentUrl"):
            found.append("file needs fileId or originalContentUrl")
    else:
        found.append(f"unsupported content type {kind!r}")
    quick = content.get("quickReply")
    if quick is not None:
        items = quick.get("items") if isinstance(quick, dict) else None
        if not isinstance(items, list) or not items:
            found.append("quickReply.items is empty")
        else:
            if len(items) > 13:
                found.append(f"quickReply has {len(items)} items (max 13)")
            for index, item in enumerate(items):
                found += [f"quickReply.items[{index}]: {p}" for p in _action(item.get("action"), quick=True)]
    return found


def _action(action: Any, *, quick: bool) -> list[str]:
    if not isinstance(action, dict):
        return ["action is missing"]
    found = []
    label = action.get("label")
    if not isinstance(label, str) or not label or len(label) > 20:
        found.append(f"label {label!r} is empty or over 20 characters")
    if action.get("type") == "postback":
        data = action.get("data")
        if not isinstance(data, str) or not data or len(data) > 300:
            found.append("postback data is empty or over 300 characters")
        shown = action.get("displayText")
        if quick and (not isinstance(shown, str) or not shown):
            found.append("displayText is required in a quick reply")
        elif isinstance(shown, str) and len(shown) > 300:
            found.append("displayText is over 300 characters")
    elif action.get("type") not in ("message", "uri", "copy"):
        found.append(f"action type {action.get('type')!r}")
    return found


def _flex_texts(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "text" and (not isinstance(node.get("text"), str) or not node["text"]):
            found.append("a flex text component is empty")
        for value in node.values():
            found += _flex_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += _flex_texts(value)
    return found
