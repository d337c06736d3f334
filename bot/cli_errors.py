"""What `incident-bot` says when something a user can cause or meet goes wrong: one short paragraph naming the
file or URL and what to do, Japanese first (English with locale en), never a traceback outside LOG_LEVEL=DEBUG."""

from __future__ import annotations

import errno
import re
import socket
import urllib.error
from pathlib import Path

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

MESSAGES: dict[str, dict[str, str]] = {
    "db_unreachable": {
        "ja": "データベースに接続できません: {url}\nサーバーが動いているか、DATABASE_URL（または app.yaml の "
              "database_url）が正しいかを確認してください。何も保存していません。",
        "en": "Cannot connect to the database: {url}\nCheck that the server is running and that DATABASE_URL "
              "(or database_url in app.yaml) is right. Nothing was saved.",
    },
    "db_missing": {
        "ja": "データベースに接続できましたが、指定したデータベースがありません: {url}\n（{detail}）"
              "PostgreSQL に作成する（createdb など）か、DATABASE_URL（または app.yaml の database_url）の"
              "データベース名を確認してください。何も保存していません。",
        "en": "The server answered, but the database does not exist: {url}\n({detail}) Create it (createdb) or "
              "check the database name in DATABASE_URL (or database_url in app.yaml). Nothing was saved.",
    },
    "db_auth": {
        "ja": "データベースのユーザー名またはパスワードが受け付けられません: {url}\n（{detail}）DATABASE_URL の"
              "ユーザー名・パスワードと、PostgreSQL の権限設定を確認してください。何も保存していません。",
        "en": "The database refused the user name or password: {url}\n({detail}) Check them in DATABASE_URL "
              "and the server's access rules. Nothing was saved.",
    },
    "db_no_host": {
        "ja": "データベースのサーバー名が見つかりません: {url}\n（{detail}）DATABASE_URL のホスト名と、DNS・"
              "ネットワークを確認してください。何も保存していません。",
        "en": "The database server's name cannot be found: {url}\n({detail}) Check the host name in "
              "DATABASE_URL and the DNS or network. Nothing was saved.",
    },
    "db_bad_option": {
        "ja": "データベースの接続の指定（URL の「?」の後）に誤りがあります: {url}\n（{detail}）項目名と値（例: "
              "sslmode=require）を確認してください。何も保存していません。",
        "en": "A connection option (after the URL's '?') is wrong: {url}\n({detail}) Check its name and value "
              "(e.g. sslmode=require). Nothing was saved.",
    },
    "db_cannot_open": {
        "ja": "データベースファイルを開けません: {url}\nフォルダーがあり、このユーザーで書き込めるかを確認してください"
              "（フォルダーを指していないかも確認してください）。何も保存していません。",
        "en": "Cannot open the database file: {url}\nCheck that its folder exists and is writable by this user, "
              "and that the path is not a folder. Nothing was saved.",
    },
    "db_corrupt": {
        "ja": "データベースファイルが SQLite のデータベースではないか、壊れています: {url}\nバックアップから戻すか、"
              "DATABASE_URL で別のファイルを指定してください。何も保存していません。",
        "en": "The database file is not an SQLite database or is damaged: {url}\nRestore it from a backup or "
              "point DATABASE_URL at another file. Nothing was saved.",
    },
    "db_locked": {
        "ja": "データベースが別のプロセスに使われていて（ロック中）書き込めません: {url}\nしばらく待ってやり直すか、"
              "同じファイルを使う他の incident-bot を止めてください。何も保存していません。",
        "en": "The database is locked by another process: {url}\nWait and try again, or stop the other "
              "incident-bot using the same file. Nothing was saved.",
    },
    "db_read_only": {
        "ja": "データベースが読み取り専用のため書き込めません: {url}\nファイルとフォルダーの書き込み権限を確認して"
              "ください。何も保存していません。",
        "en": "The database is read-only: {url}\nCheck write permission on the file and its folder. "
              "Nothing was saved.",
    },
    "db_second_server": {
        "ja": "このデータベース（SQLite）は、別の incident-bot のサーバー（serve・socket・teams・lineworks）が"
              "使用中です: {url}\nSQLite で動かせるのは 1 台だけです。先に動いている方を止めるか、複数台で動かす場合は "
              "PostgreSQL（DATABASE_URL=postgresql://…）を使ってください。何も保存していません。",
        "en": "Another incident-bot server (serve, socket, teams or lineworks) is using this SQLite database: "
              "{url}\nSQLite runs one instance only. Stop the other one, or use PostgreSQL "
              "(DATABASE_URL=postgresql://…) to run several. Nothing was saved.",
    },
    "db_other": {
        "ja": "データベースでエラーが起きました: {url}\n（{detail}）何も保存していません。",
        "en": "A database error occurred: {url}\n({detail}) Nothing was saved.",
    },
    "network_retry": {
        "ja": "{service} に接続できません（{detail}）。ネットワークとプロキシ（HTTPS_PROXY）を確認してください。"
              "{seconds} 秒後に自動で再接続します（止めるには Ctrl-C）。",
        "en": "Cannot reach {service} ({detail}). Check the network and the proxy (HTTPS_PROXY). "
              "Retrying by itself in {seconds} s (Ctrl-C to stop).",
    },
    "port_in_use": {
        "ja": "ポート {port} は使用中です。別のプロセスを止めるか、--port で別の番号を指定してください。",
        "en": "Port {port} is already in use. Stop the other process or choose another with --port.",
    },
    "interrupted": {
        "ja": "中断しました（Ctrl-C）。処理が終わった入力は保存されています。",
        "en": "Interrupted (Ctrl-C). Input that was fully processed has been saved.",
    },
    "unexpected": {
        "ja": "予期しないエラーで終了しました（{kind}）。LOG_LEVEL=DEBUG を設定して実行すると詳細が表示されます。",
        "en": "Stopped by an unexpected error ({kind}). Run with LOG_LEVEL=DEBUG to see the details.",
    },
    "config_error": {"ja": "設定エラー:\n{error}", "en": "Configuration error:\n{error}"},
    "startup": {"ja": "設定: {config}\nデータベース: {database}", "en": "Config: {config}\nDatabase: {database}"},
    "init_exists": {
        "ja": "{path} は既にあります。上書きする場合は --force を付けてください。",
        "en": "{path} already exists; add --force to overwrite it.",
    },
    "init_written": {
        "ja": "{path} を作成しました。内容を確認し、`incident-bot check --config {path}` で検証してください。",
        "en": "Wrote {path}. Review it, then run `incident-bot check --config {path}`.",
    },
    "init_failed": {"ja": "{path} に書き込めません: {detail}", "en": "Cannot write {path}: {detail}"},
}


def say(key: str, locale: str, **params: object) -> str:
    """A message in the locale (Japanese unless en)."""
    return MESSAGES[key]["en" if locale == "en" else "ja"].format(**params)


def file_locale(path: Path) -> str:
    """The locale a config file asks for, read from its `locale:` line even when YAML cannot parse the rest ("ja"
    when it names none or cannot be read): the messages about a file that cannot be loaded follow what it says."""
    from bot.config_text import text_locale  # at call time: the CLI's failure words load nothing else up front

    try:
        return text_locale(path.read_bytes().decode("utf-8", "replace"))
    except OSError:
        return "ja"


def masked_url(url: str) -> str:
    """A database URL for display: the password hidden, SQLite shown as its file path."""
    url = re.sub(r"(://[^:/@]*:)[^@/]+@", r"\1***@", url)
    head, sep, rest = url.partition(":///")
    return rest if sep and head.startswith("sqlite") else url


def database_problem(exc: SQLAlchemyError) -> str:
    """The message key for a database failure (see MESSAGES)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "readonly" in text or "read-only" in text or "read only" in text:
        return "db_read_only"
    if "locked" in text or "busy" in text:
        return "db_locked"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return "db_corrupt"
    if "password authentication failed" in text or ("role \"" in text and "does not exist" in text):
        return "db_auth"
    if "database \"" in text and "does not exist" in text:
        return "db_missing"
    if "resolve host" in text or "name or service not known" in text or "translate host name" in text \
            or "nodename nor servname" in text:
        return "db_no_host"
    if "invalid connection option" in text or re.search(r"invalid \w+ value", text):
        return "db_bad_option"
    if "unable to open" in text or "is a directory" in text:
        return "db_cannot_open"
    if isinstance(exc, DBAPIError) and exc.connection_invalidated or "connect" in text or "timeout" in text:
        return "db_unreachable"
    return "db_other"


def is_network_error(exc: BaseException) -> bool:
    """A service that cannot be reached now but may be later (worth retrying on its own)."""
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return False
    if isinstance(exc, (urllib.error.URLError, socket.gaierror, ConnectionError, TimeoutError)):
        return True
    name = type(exc).__name__
    # aiohttp's and slack_sdk's connection errors, without importing either SDK here.
    return name in ("ClientConnectorError", "ClientConnectionError", "ServerDisconnectedError", "SlackClientError")


def network_detail(exc: BaseException) -> str:
    """A short reason for a network failure (no traceback, no URL credentials)."""
    reason = getattr(exc, "reason", None) or exc
    return masked_url(str(reason))[:200] or type(exc).__name__
