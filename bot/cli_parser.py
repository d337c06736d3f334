"""The argument parser of `incident-bot`: bilingual help, --config accepted before or after the subcommand."""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

DESCRIPTION = ("SNS インシデント対応ボット（市役所・町役場向け）。"
               "コマンドを省略するとコンソールチャットを起動します。\n"
               "SNS incident response bot for Japanese city halls; without a command it starts the console chat.")
EPILOG = ("設定ファイル: --config PATH、環境変数 INCIDENT_BOT_CONFIG、または ./app.yaml の順に探します。"
          "データベース: DATABASE_URL、app.yaml の database_url、"
          "または app.yaml と同じフォルダーの incident-bot.db。\n"
          "Config: --config PATH, else $INCIDENT_BOT_CONFIG, else ./app.yaml. Database: $DATABASE_URL, else "
          "database_url in app.yaml, else incident-bot.db next to app.yaml.")


# argparse's own messages (English) and what they say, for the Japanese line printed before them.
_ARGPARSE_JA = (
    (re.compile(r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)"),
     "{0}: 「{1}」は指定できません（指定できる値: {2}）"),
    (re.compile(r"argument (\S+): invalid (\w+) value: '([^']*)'"), "{0}: 「{2}」は指定できない値です"),
    (re.compile(r"argument (\S+): expected one argument"), "{0}: 値を指定してください"),
    (re.compile(r"the following arguments are required: (.*)"), "必須の引数がありません: {0}"),
    (re.compile(r"unrecognized arguments: (.*)"), "使えない引数です: {0}"),
)


class _Parser(argparse.ArgumentParser):
    """argparse that says what is wrong in Japanese first, then in its own English (exit code 2, as before)."""

    def error(self, message: str) -> NoReturn:
        japanese = "引数に誤りがあります"
        for pattern, text in _ARGPARSE_JA:
            match = pattern.search(message)
            if match:
                japanese = text.format(*match.groups())
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {japanese}（{self.prog} --help で使い方を表示します）\n"
                     f"{self.prog}: error: {message}\n")


def _common() -> argparse.ArgumentParser:
    """Options every subcommand accepts; SUPPRESS keeps a value given before the subcommand."""
    common = _Parser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, metavar="PATH",
                        help="設定ファイル app.yaml の場所 / path to app.yaml")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The full parser; every help text is Japanese first, then English."""
    common = _common()
    parser = _Parser(prog="incident-bot", description=DESCRIPTION, epilog=EPILOG,
                                     parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="コマンド / commands")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[common])

    chat = add("chat", "コンソールチャット（既定）/ console chat on the local database (the default)")
    chat.add_argument("--no-prompt", action="store_true", help="プロンプトを表示しない / print no prompt (piping)")
    init = add("init", "注釈付きの app.yaml を作成 / write a commented app.yaml")
    init.add_argument("path", nargs="?", help="書き込み先（既定: --config または ./app.yaml）/ where to write")
    init.add_argument("--force", action="store_true", help="既存のファイルを上書き / overwrite an existing file")
    classify = add("classify", "報告文の種別判定 / classify report text")
    classify.add_argument("text", nargs="?", help="判定する文章 / text to classify")
    classify.add_argument("--jsonl", action="store_true",
                          help="標準入力の 1 行ずつを判定し JSON Lines で出力 / "
                               "one text per stdin line, JSON lines out")
    classify.add_argument("--evaluate", action="store_true",
                          help="蓄積した判定例での正解率 / accuracy on the stored examples")
    classify.add_argument("--train", action="store_true",
                          help="リポジトリのコーパスと蓄積した判定例からモデルを作り直す（オフライン）/ "
                               "rebuild the model from the corpus and the stored examples (offline)")
    classify.add_argument("--out", help="--train の出力先（既定: 同梱のモデル）/ with --train: model file to write")
    classify.add_argument("--purge-examples", action="store_true",
                          help="保存期間（retention.unlinked_examples_days）を過ぎた「報告ではない」の判定例を消去 / "
                               "erase 「報告ではない」 examples past their retention period")
    classify.add_argument("--dry-run", action="store_true",
                          help="--purge-examples で対象の件数だけ表示 / with --purge-examples: only count")
    timeline = add("timeline", "タイムラインの出力、または verify で全体の検査 / "
                               "export a timeline or 'verify' the chain")
    timeline.add_argument("target", help="インシデント番号（12 / INC-0012）または verify / incident number or 'verify'")
    timeline.add_argument("--format", choices=("md", "csv", "json", "xlsx"), default="md")
    timeline.add_argument("--output", metavar="FILE",
                          help="書き込み先（xlsx の既定: INC-0012-timeline.xlsx）/ write to FILE")
    timeline.add_argument("--as", dest="as_user", metavar="USER_ID",
                          help="このユーザーの権限で出力（広報・情報セキュリティ担当のみ）/ export as this user")
    timeline.add_argument("--expect", metavar="SEQ:HASH",
                          help="verify で、以前に投稿された先頭ハッシュも照合 / also check a head posted earlier")
    incidents = add("incidents", "インシデント一覧 / list incidents")
    incidents.add_argument("--json", action="store_true", help="JSON で出力 / JSON output")
    incidents.add_argument("--open", action="store_true", help="対応中のものだけ / only open incidents")
    incidents.add_argument("--format", choices=("text", "xlsx"), default="text")
    incidents.add_argument("--output", metavar="FILE",
                           help="xlsx の書き込み先（既定: incidents-日付.xlsx）/ with xlsx: file to write")
    incidents.add_argument("--as", dest="as_user", metavar="USER_ID",
                           help="xlsx で、このユーザーの権限で一覧 / with xlsx: list as this chat user may")
    report = add("report", "SNSトラブル対応報告書の下書き（.docx / Markdown）/ draft the incident report")
    report.add_argument("target", help="インシデント番号（12 / INC-0012）/ incident number")
    report.add_argument("--format", choices=("docx", "md"), default="docx")
    report.add_argument("--output", metavar="FILE",
                        help="書き込み先（既定: INC-0012-report.docx、'-' は標準出力）/ file to write ('-' = stdout)")
    report.add_argument("--calendar", choices=("wareki", "western"),
                        help="和暦または西暦（既定: 日本語は和暦）/ dates in 和暦 or 西暦")
    report.add_argument("--as", dest="as_user", metavar="USER_ID",
                        help="このユーザーの権限で作成（広報・情報セキュリティ担当のみ）/ as this chat user may")
    serve = add("serve", "Slack アプリ（HTTP、POST /slack/events）とスケジューラー / Slack app over HTTP")
    serve.add_argument("--port", type=int, default=3000)
    # bandit B104: default of --host for the server commands.
    serve.add_argument("--host", default="0.0.0.0")  # nosec B104
    add("socket", "Slack アプリ（Socket Mode）とスケジューラー / Slack app in Socket Mode")
    teams = add("teams", "Microsoft Teams アプリ、または manifest でアプリパッケージ作成 / Teams app, or 'manifest'")
    teams.add_argument("action", nargs="?", choices=("serve", "manifest"), default="serve",
                       help="serve（既定）または manifest（アップロード用 zip を作成）/ serve (default) or manifest")
    teams.add_argument("--port", type=int, default=3978)
    # bandit B104: default of --host for the server commands.
    teams.add_argument("--host", default="0.0.0.0")  # nosec B104
    teams.add_argument("--app-id", help="manifest: Entra アプリの ID（TEAMS_APP_ID）/ the app registration's id")
    teams.add_argument("--out", default="sns-incident-bot.zip", help="manifest: 出力する zip / zip to write")
    teams.add_argument("--locale", choices=("ja", "en"), default="ja", help="manifest: 表示言語 / language")
    for option, default in (("--developer", "SNS incident bot"), ("--website", "https://www.example.jp/"),
                            ("--privacy", "https://www.example.jp/privacy"),
                            ("--terms", "https://www.example.jp/terms"), ("--version", "1.0.0")):
        teams.add_argument(option, default=default, help=f"manifest: {option[2:]}")
    works = add("lineworks", "LINE WORKS のボット（コールバック受付、POST /lineworks/callback）とスケジューラー / "
                             "LINE WORKS bot (callback endpoint) with the scheduler")
    works.add_argument("--port", type=int, default=3979)
    # bandit B104: default of --host for the server commands.
    works.add_argument("--host", default="0.0.0.0")  # nosec B104
    manifest = add("manifest", "Slack アプリのマニフェスト（YAML）を出力 / print the Slack app manifest")
    manifest.add_argument("--url", help="HTTP モードの Request URL（既定: SLACK_REQUEST_URL、なければ Socket Mode）/ "
                                        "request URL for HTTP mode (default: $SLACK_REQUEST_URL, else Socket Mode)")
    summary = add("summary", "週次まとめの表示・投稿 / print or post a weekly summary")
    summary.add_argument("--week", help="その週の日付（例 2026-11-23）か ISO 週（例 2026-W47）。既定: 先週 / "
                         "a day of the week or an ISO week (default: last week)")
    summary.add_argument("--month", nargs="?", const="", help="月次: 年-月（例 2026-11）。月の指定なしは先月 / "
                         "a month instead of a week, e.g. 2026-11 (no value: last month)")
    summary.add_argument("--format", choices=("text", "json"), default="text")
    summary.add_argument("--chart", help="グラフ PNG の保存先 / write the chart PNG here")
    summary.add_argument("--post", action="store_true",
                         help="slack.summary_channel（なければ lineworks.summary_channel）に投稿 / post it there")
    retention = add("retention", "保存期間を過ぎた個人情報の消去 / erase personal data past its retention period")
    retention.add_argument("--dry-run", action="store_true", help="対象の表示だけ / only list what is due")
    retention.add_argument("--json", action="store_true", help="JSON で出力 / JSON output")
    add("check", "設定・プロファイル・プレイブックの検証 / validate app.yaml, profiles and playbooks")
    add("migrate", "データベースのスキーマ更新 / bring the database schema up to date")
    return parser
