"""Finding and normalising the offending post's URL, so reports of the same post merge."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_URL = re.compile(r"https?://[^\s<>|\"'「」『』（）()、。]+", re.IGNORECASE)
_HOST_ALIASES = {
    "twitter.com": "x.com",
    "mobile.twitter.com": "x.com",
    "mobile.x.com": "x.com",
    "m.facebook.com": "facebook.com",
    "m.youtube.com": "youtube.com",
}
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|igshid|si|s|t|ref|ref_src|ref_url)$")


def first_url(text: str) -> str | None:
    """The first http(s) URL in the text (Slack's <url|label> form included), or None."""
    match = _URL.search(text or "")
    return match.group(0).rstrip(".,;:!?") if match else None


def is_http_url(value: str) -> bool:
    """Whether the value is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value.strip()


def source_key(url: str | None) -> str | None:
    """A canonical form of a post URL: same post, same key (scheme, www, tracking, aliases ignored)."""
    if not url or not is_http_url(url):
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    host = _HOST_ALIASES.get(host, host)
    path = re.sub(r"/+$", "", parts.path) or "/"
    if host == "x.com":
        path = path.lower()
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    key = urlunsplit(("https", host, path, query, ""))
    return key[:512]
