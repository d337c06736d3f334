"""The shape of a database URL as operators mistype it, said before anything tries to connect."""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url

from bot.triage.validation_text import both

# A scheme we know followed by too few slashes or no colon: postgresql:/…, postgresql//…, postgres:…, sqlite:/….
_SHORT = re.compile(r"^(?P<scheme>sqlite|postgres|postgresql)(\+\w+)?(:/?(?!/)|//?(?!/))", re.IGNORECASE)


def _masked(url: str) -> str:
    return re.sub(r"([:/][^:/@]*:)[^@/]+@", r"\1***@", url)  # also with the slashes missing


def url_problem(url: str, field: str) -> str | None:
    """Why a database URL cannot be right (a known scheme missing ':' or '/', a port that is no number), or None."""
    short = _SHORT.match(url.strip())
    if short and "://" not in url:
        scheme = short.group("scheme").lower()
        shape = "sqlite:///ファイルのパス" if scheme == "sqlite" else "postgresql://ユーザー@ホスト:5432/データベース名"
        shape_en = "sqlite:///PATH" if scheme == "sqlite" else "postgresql://USER@HOST:5432/DATABASE"
        return both(f"{field}: {scheme} の後の「://」の「:」か「/」が足りません。{shape} の形で書いてください"
                    f"（入力値: {_masked(url)!r}）。",
                    f"{field}: the ':' or a '/' of '://' after {scheme} is missing; write {shape_en} "
                    f"(got {_masked(url)!r})")
    if "://" not in url or url.startswith("sqlite"):  # a file path: resolve_database_url says how to write it
        return None
    try:
        make_url(url).port  # noqa: B018 - parsing it is the check
    except ValueError:
        port = url.split("@")[-1].split("/")[0].rpartition(":")[2]
        return both(f"{field}: ポート番号が数字ではありません（入力値: {port!r}）。ホスト名の後の「:」に続けて"
                    f"ポート番号（PostgreSQL の既定は 5432）を書くか、「:」ごと削除してください。",
                    f"{field}: the port is not a number (got {port!r}); write it after the host's ':' (PostgreSQL's "
                    f"default is 5432) or drop the ':'")
    return None
