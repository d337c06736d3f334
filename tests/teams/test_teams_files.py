"""Teams record files: FileConsentCard → fileConsent/invoke accept → PUT to the upload URL → FileInfoCard,
against a local upload server that keeps what was PUT (read back with python-docx)."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
import pytest
from docx import Document
from sqlalchemy import select

from bot.adapters.teams.files import (
    CONSENT_CARD,
    INFO_CARD,
    answer_consent,
    consent_cards,
    parse_consent,
)
from bot.delivery.closing import attachment
from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.triage.access import PermissionDenied
from bot.wiring import Runtime
from storage.models import TimelineEvent
from tests.conftest import OTHER, PR, STAFF

LEAK = "市の公式Facebookに住民の個人情報が写った写真を誤って投稿してしまいました。LEAKMARK 情報漏えいです"


class UploadServer:
    """Stands in for the OneDrive upload session URL Teams hands the bot: keeps each PUT's body and headers."""

    def __init__(self, status: int = 201) -> None:
        self.puts: list[tuple[str, dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                server.puts.append((self.path, dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/upload/session-1"

    def __enter__(self) -> UploadServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def uploads() -> Iterator[UploadServer]:
    with UploadServer() as server:
        yield server


def consent_value(filename: str, upload_url: str, action: str = "accept") -> dict[str, Any]:
    """What Teams sends in the fileConsent/invoke activity's value."""
    return {"type": "fileUpload", "action": action, "context": {"file": filename},
            "uploadInfo": {"contentUrl": "https://contoso.sharepoint.com/personal/x/Documents/" + filename,
                           "name": filename, "uploadUrl": upload_url, "uniqueId": "1150D938-8870-4044",
                           "fileType": filename.rsplit(".", 1)[1]}}


def answer(desk: RecordsDesk, user: str, value: Any) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with aiohttp.ClientSession() as session:
            return await answer_consent(desk, user, value, session, loopback_ok=True)
    return asyncio.run(run())


def ended_leak(runtime: Runtime) -> int:
    outcome = runtime.triage.incidents.report(ReportInput(text=LEAK, reporter=Actor(STAFF, "山田 花子"),
                                                          kind_hint="leak"))
    assert outcome.incident is not None and outcome.incident.restricted
    runtime.triage.incidents.change_status(outcome.incident.id, "resolved", Actor(PR))
    return outcome.incident.id


def test_consent_card_then_upload_then_file_info_card(runtime: Runtime, uploads: UploadServer) -> None:
    desk = RecordsDesk(runtime.triage.deps)
    incident_id = ended_leak(runtime)
    report = attachment(desk.report_for_recipient(incident_id, STAFF))
    offer = consent_cards([report], "報告書（案）です")
    [card] = offer["attachments"]
    assert card["contentType"] == CONSENT_CARD and card["name"] == "INC-0001-report.docx"
    assert card["content"]["sizeInBytes"] == len(report.data) and card["content"]["acceptContext"] == {
        "file": "INC-0001-report.docx"}  # the context names the file, never carries it

    reply = answer(desk, STAFF, consent_value("INC-0001-report.docx", uploads.url))
    [(path, headers, body)] = uploads.puts
    assert path == "/upload/session-1" and headers["Content-Range"] == f"bytes 0-{len(body) - 1}/{len(body)}"
    text = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    assert "SNSトラブル対応報告書" in text
    [info] = reply["attachments"]
    assert info["contentType"] == INFO_CARD and info["name"] == "INC-0001-report.docx"
    assert info["content"] == {"uniqueId": "1150D938-8870-4044", "fileType": "docx"}


def test_the_timeline_too(runtime: Runtime, uploads: UploadServer) -> None:
    desk = RecordsDesk(runtime.triage.deps)
    ended_leak(runtime)
    reply = answer(desk, PR, consent_value("INC-0001-timeline.xlsx", uploads.url))
    assert uploads.puts[0][2].startswith(b"PK") and reply["attachments"][0]["name"] == "INC-0001-timeline.xlsx"


def test_a_bystander_accepting_gets_nothing_and_is_recorded(runtime: Runtime, uploads: UploadServer) -> None:
    desk = RecordsDesk(runtime.triage.deps)
    incident_id = ended_leak(runtime)
    with pytest.raises(PermissionDenied):
        answer(desk, OTHER, consent_value("INC-0001-report.docx", uploads.url))
    assert uploads.puts == []
    with runtime.triage.deps.sessions.begin() as session:
        denied = session.execute(select(TimelineEvent).where(TimelineEvent.incident_id == incident_id,
                                                             TimelineEvent.type == "access_denied",
                                                             TimelineEvent.actor == OTHER)).all()
    assert len(denied) == 1


def test_declined_and_foreign_consents(runtime: Runtime, uploads: UploadServer) -> None:
    desk = RecordsDesk(runtime.triage.deps)
    ended_leak(runtime)
    declined = answer(desk, STAFF, consent_value("INC-0001-report.docx", uploads.url, action="decline"))
    assert "取りやめました" in declined["text"]
    for value in (consent_value("secrets.txt", uploads.url), {"type": "other"},
                  consent_value("INC-0001-report.docx", "http://evil.example/upload")):
        assert "もう用意できません" in answer(desk, STAFF, value)["text"]
    assert uploads.puts == []
    assert parse_consent(consent_value("INC-0001-report.docx", "https://x.sharepoint.com/u")) is not None
    assert parse_consent(consent_value("INC-0001-report.docx", uploads.url)) is None  # http only in tests


def test_a_refused_upload_is_an_error(runtime: Runtime) -> None:
    from bot.adapters.teams.files import TeamsFileError

    desk = RecordsDesk(runtime.triage.deps)
    ended_leak(runtime)
    with UploadServer(status=403) as refusing, pytest.raises(TeamsFileError) as raised:
        answer(desk, STAFF, consent_value("INC-0001-report.docx", refusing.url))
    assert raised.value.code == "403"
