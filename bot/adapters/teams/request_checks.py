"""Checks on a request to POST /api/messages before the SDK sees it: signed tokens, and anonymous mode's limits."""

from __future__ import annotations

import ipaddress
import json
import logging
from urllib.parse import urlsplit

import jwt
from aiohttp import web

log = logging.getLogger("incident_bot.teams")


def loopback(host: str | None) -> bool:
    """Whether a host name or address is this machine."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# hardening: a token the SDK could not look a key up for is refused before it is handed over.
def signed_token(header: str | None) -> bool:
    """Whether a bearer token names a signature the SDK can check (an RS/ES/PS algorithm and a key id)."""
    try:  # PyJWT comes with the SDK, which verifies the token with it afterwards
        fields = jwt.get_unverified_header((header or "").partition(" ")[2].strip())
    except jwt.PyJWTError:
        return False
    kid = fields.get("kid")
    return str(fields.get("alg", ""))[:2] in ("RS", "ES", "PS") and isinstance(kid, str) and bool(kid)


def unsigned_refusal(request: web.Request) -> web.StreamResponse | None:
    """401 for a token the SDK cannot look a signing key up for (it would fail with 500: alg none, no kid)."""
    if signed_token(request.headers.get("Authorization")):
        return None
    log.warning("teams.unsigned_token_refused")
    return web.json_response({"error": "Invalid token or authentication failed."}, status=401)


async def anonymous_refusal(request: web.Request) -> web.StreamResponse | None:
    """Anonymous mode is for the local Agents Playground: local callers with a local service URL only."""
    # Without a token nothing proves who sent an activity, and the answers go to its serviceUrl.
    # hardening: behind a reverse proxy every caller is loopback; a forwarded request is someone else's.
    if any(request.headers.get(name) for name in ("Forwarded", "X-Forwarded-For", "X-Real-IP")):
        log.warning("teams.anonymous_forwarded_refused")
        return web.json_response({"error": "anonymous mode refuses forwarded requests"}, status=403)
    if not loopback(request.remote):
        log.warning("teams.anonymous_refused remote=%s", request.remote)
        return web.json_response({"error": "anonymous mode accepts local requests only"}, status=403)
    try:
        body = await request.json()
    except (json.JSONDecodeError, ValueError):
        return None  # the SDK answers 400
    service_url = body.get("serviceUrl") if isinstance(body, dict) else None
    if service_url and not loopback(urlsplit(str(service_url)).hostname):
        log.warning("teams.anonymous_service_url_refused")
        return web.json_response({"error": "anonymous mode answers local service URLs only"}, status=403)
    return None
