"""The Teams app package (manifest.json + two icons, zipped) to upload in Teams or the Teams admin center."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from bot.adapters.data_templates import render_data
from bot.i18n import Catalog

ACCENT = "#1F4E79"
# Resource-specific consent the package asks for, and what for. Nothing else is requested: no Graph
# permission, no SSO ("identity"), no proactive 1:1 messages to team members ("messageTeamMembers").
RSC_PERMISSIONS = {
    "ChannelMessage.Read.Group": "posts in the report channels reach the bot without an @mention",
}
SCOPES = ["personal", "team", "groupChat"]
COMMAND_ID = "reportIncident"  # the message action 「インシデントとして報告」 (extension.py answers it)


def manifest(app_id: str, catalog: Catalog, *, developer: str, website: str, privacy: str, terms: str,
             version: str = "1.0.0") -> dict[str, Any]:
    """manifest.json (bot/templates/teams-manifest.json.j2) for the bot registered as `app_id` (the Entra app
    registration's client id)."""
    data: dict[str, Any] = render_data(
        "teams-manifest.json.j2", t=catalog.t, app_id=app_id, developer=developer, website=website, privacy=privacy,
        terms=terms, version=version, accent=ACCENT, scopes=SCOPES, command_id=COMMAND_ID,
        permissions=list(RSC_PERMISSIONS))
    return data


def _icon(size: int, outline: bool) -> bytes:
    """A plain icon: a filled square (color, 192 px) or a white mark on transparency (outline, 32 px)."""
    from PIL import Image, ImageDraw

    if outline:
        image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        ImageDraw.Draw(image).rectangle([6, 6, size - 7, size - 7], outline=(255, 255, 255, 255), width=3)
    else:
        image = Image.new("RGBA", (size, size), ACCENT)
        margin = size // 4
        ImageDraw.Draw(image).rectangle([margin, margin, size - margin, size - margin],
                                        outline=(255, 255, 255, 255), width=size // 16)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def package(app_id: str, catalog: Catalog, **fields: str) -> bytes:
    """The zip Teams accepts: manifest.json, color.png (192×192), outline.png (32×32)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(app_id, catalog, **fields), ensure_ascii=False,
                                                     indent=2))
        archive.writestr("color.png", _icon(192, outline=False))
        archive.writestr("outline.png", _icon(32, outline=True))
    return buffer.getvalue()
