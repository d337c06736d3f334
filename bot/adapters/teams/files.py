"""Record files in Teams: a bot sends files only in personal chat, with the user's consent."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.adapters.teams.request_checks import loopback
from bot.delivery.content import Attachment
from bot.records.service import RecordFile, RecordsDesk

CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
CONSENT_INVOKE = "fileConsent/invoke"
INVOKE_OK = {"status": 200}
UPLOAD_TIMEOUT = 60.0
# The files handed over at closing, as RecordsDesk names them: INC-0012-report.docx, INC-0012-timeline.xlsx.
_RECORD_NAME = re.compile(r"^INC-(\d{4,9})-(report\.docx|timeline\.xlsx)$")


class TeamsFileError(Exception):
    """The consent could not be turned into a file (unknown file, upload refused); `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Consent:
    """A parsed fileConsent/invoke value."""

    accepted: bool
    filename: str
    upload_url: str | None = None
    content_url: str | None = None
    name: str | None = None
    unique_id: str | None = None
    file_type: str | None = None


def consent_card(file: Attachment, description: str) -> dict[str, Any]:
    """One FileConsentCard attachment (what Teams shows before the user accepts)."""
    context = {"file": file.filename}
    return {"contentType": CONSENT_CARD, "name": file.filename,
            "content": {"description": description[:1000], "sizeInBytes": len(file.data),
                        "acceptContext": context, "declineContext": context}}


def consent_cards(files: Sequence[Attachment], comment: str) -> dict[str, Any]:
    """The personal-chat message offering the files (a TeamsPort.upload sends this to the user's 1:1 chat)."""
    return {"type": "message", "text": comment, "attachments": [consent_card(f, f.title) for f in files]}


def parse_consent(value: Any, *, loopback_ok: bool = False) -> Consent | None:
    """The invoke's value as a Consent; None when it is not a file consent this bot offered. The upload URL must
    be https (loopback http only when `loopback_ok`: tests and local runs, never in service)."""
    if not isinstance(value, dict) or value.get("type") != "fileUpload":
        return None
    context = value.get("context") or {}
    filename = context.get("file") if isinstance(context, dict) else None
    if not isinstance(filename, str) or not _RECORD_NAME.match(filename):
        return None
    if value.get("action") != "accept":
        return Consent(False, filename)
    info = value.get("uploadInfo") or {}
    url = info.get("uploadUrl")
    if not isinstance(url, str) or not (url.startswith("https://") or loopback_ok and url.startswith("http://")
                                        and loopback(urlsplit(url).hostname)):
        return None
    return Consent(True, filename, url, info.get("contentUrl"), info.get("name"), info.get("uniqueId"),
                   info.get("fileType"))


def record_file(desk: RecordsDesk, filename: str, user: str) -> RecordFile:
    """The named record file made again for the accepting user (access checked, refusals recorded)."""
    found = _RECORD_NAME.match(filename)
    if found is None:
        raise TeamsFileError("unknown_file")
    incident_id, (kind, fmt) = int(found.group(1)), found.group(2).split(".")
    if kind == "report":
        return desk.report_for_recipient(incident_id, user, fmt)
    return desk.timeline_for_recipient(incident_id, user, fmt)


async def put_file(session: aiohttp.ClientSession, upload_url: str, data: bytes) -> None:
    """PUT the whole file to the upload session Teams opened (one range: small files)."""
    headers = {"Content-Length": str(len(data)), "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    async with session.put(upload_url, data=data, headers=headers,
                           timeout=aiohttp.ClientTimeout(total=UPLOAD_TIMEOUT)) as response:
        if response.status not in (200, 201):
            raise TeamsFileError(str(response.status))


def file_info_card(consent: Consent) -> dict[str, Any]:
    """The FileInfoCard attachment that shows the uploaded file in the chat."""
    return {"contentType": INFO_CARD, "contentUrl": consent.content_url, "name": consent.name or consent.filename,
            "content": {"uniqueId": consent.unique_id, "fileType": consent.file_type}}


async def answer_consent(desk: RecordsDesk, user: str, value: Any, session: aiohttp.ClientSession, *,
                         loopback_ok: bool = False) -> dict[str, Any]:
    """The reply to a fileConsent/invoke from `user` (a namespaced id): the FileInfoCard after the upload, or a
    text (declined, unknown). Raises PermissionDenied for a user who may not receive it (recorded by the core)."""
    cat = desk.deps.catalog
    consent = parse_consent(value, loopback_ok=loopback_ok)
    if consent is None:
        return {"type": "message", "text": cat.t("records.teams.unknown")}
    if not consent.accepted:
        return {"type": "message", "text": cat.t("records.teams.declined", file=consent.filename)}
    assert consent.upload_url is not None
    file = await asyncio.to_thread(record_file, desk, consent.filename, user)  # database and document work
    await put_file(session, consent.upload_url, file.content)
    return {"type": "message", "attachments": [file_info_card(consent)]}
