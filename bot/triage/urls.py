"""Finding and normalising the offending post's URL, so reports of the same post merge."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# A URL ends at a space (全角 too), a bracket or quote, Japanese punctuation or kana typed right after it
# (…/status/1です, …/status/1】): post URLs carry neither.
_URL_END = "\\s<>|\"'()「」『』（）【】〔〕［］〈〉《》、。，．！？：；\u3040-\u30ff"
_URL = re.compile(f"https?://[^{_URL_END}]+", re.IGNORECASE)
_HOST_ALIASES = {
    "twitter.com": "x.com",
    "mobile.twitter.com": "x.com",
    "mobile.x.com": "x.com",
    "m.facebook.com": "facebook.com",
    "m.youtube.com": "youtube.com",
}
# Facebook adds __cft__[0], __tn__, __xts__[0] to links clicked in its feed and mibextid / rdid to shared ones
# (all keys starting "__" are its click tracking); they name no other post.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|igshid|igsh|si|s|t|ref|ref_src|ref_url|mibextid|rdid|__\w+(\[\d*\])?)$")


def first_url(text: str) -> str | None:
    """The first http(s) URL in the text (Slack's <url|label> form included, ｈｔｔｐｓ：／／ typed full-width too),
    or None."""
    match = _URL.search(text or "")
    if match is None and text and not text.isascii():
        match = _URL.search(unicodedata.normalize("NFKC", text))
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


# Hosts whose service the reporter need not be asked for (the weekly summary counts by it).
_PLATFORMS = {
    "x.com": "X", "facebook.com": "Facebook", "fb.com": "Facebook", "instagram.com": "Instagram",
    "youtube.com": "YouTube", "youtu.be": "YouTube", "tiktok.com": "TikTok", "line.me": "LINE",
    "threads.net": "Threads", "threads.com": "Threads", "note.com": "note", "bsky.app": "Bluesky",
}


def platform_of(url: str | None) -> str | None:
    """The service a post URL belongs to (x.com → X), or None for hosts not known."""
    key = source_key(url)
    if key is None:
        return None
    host = urlsplit(key).hostname or ""
    for known, name in _PLATFORMS.items():
        if host == known or host.endswith("." + known):
            return name
    return None
