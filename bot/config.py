"""Typed settings loaded once from app.yaml plus environment variables."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Plain pydantic (no SDK import): the Teams block is validated with the rest of app.yaml at start-up.
from bot import yaml_text
from bot.config_ids import namespace_user_ids
from bot.config_levels import example as levels_example
from bot.config_people import spaced_ids
from bot.config_text import ime_slips, in_locale, text_locale
from bot.config_urls import url_problem
from bot.config_values import (
    ClockTime,
    Days,
    Flag,
    Holiday,
    Hours,
    Items,
    Minutes,
    OfficeDays,
    Seconds,
    SlackId,
    Times,
    weekday,
)
from bot.paths import DEFAULT_DB_NAME, beside, builtin_playbooks_dir, sqlite_url
from bot.triage.validation_text import both, describe_errors, yaml_problem

DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DB_NAME}"  # resolved beside app.yaml (bot/paths.py)
class ConfigError(Exception):
    """An invalid configuration; the message names the file, the field and what was expected."""


def unknown_profile(source: str, name: str, known: set[str] | Mapping[str, Any], locale: str | None = None) -> str:
    """app.yaml's profile names no built-in or custom profile (in app.yaml's locale when given)."""
    listed = ", ".join(sorted(known))
    return in_locale(locale, f"{source}: profile: プロファイル {name!r} はありません。組み込みの asahikawa（旭川市）・"
                f"urausu（浦臼町）・iwaki（いわき市）・chikugo（筑後市）か、custom_profiles で定義した名前を"
                f"指定してください（使える名前: {listed}）。",
                f"{source}: profile: unknown profile {name!r} (known: {listed})")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccessSettings(_Strict):
    """Who holds which role, by namespaced user id ("slack:U…", "teams:…", "lineworks:…", "console:…")."""

    pr_members: list[str] = Field(default_factory=list)
    security_officers: list[str] = Field(default_factory=list)


class EscalationLevel(_Strict):
    """One level of the escalation chain bound to the people who receive it."""

    section: str
    after_minutes: Minutes = Field(default=30, ge=1, le=7 * 24 * 60)
    mention: str | None = None

    @field_validator("mention")
    @classmethod
    def _blank_mentions_nobody(cls, value: str | None) -> str | None:
        # `mention: ""` or "  " pings nobody; read as unset so `check` names the level instead of passing it.
        return (value.strip() or None) if value is not None else None


class OfficeHours(_Strict):
    """When escalation clocks run (Asia/Tokyo)."""

    start: ClockTime = dt.time(8, 45)
    end: ClockTime = dt.time(17, 30)
    weekdays: OfficeDays = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    holidays: list[Holiday] = Field(default_factory=list, description="YYYY-MM-DD")
    # City halls close on 国民の祝日 and, by their 休日条例, 12/29–1/3; both are on unless a municipality says not.
    national_holidays: Flag = True
    year_end_holidays: Flag = True
    # Leaks and critical incidents do not wait for the next morning.
    always_for_severities: list[str] = Field(default_factory=lambda: ["critical"])

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in value):
            raise PydanticCustomError("weekday_range", "weekdays are 0 (Monday) to 6 (Sunday)")
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> OfficeHours:
        # Else counted on the wall clock (bot/triage/escalation.py): re-notices at night and on closed days.
        if self.end <= self.start:
            start, end = self.start.strftime("%H:%M"), self.end.strftime("%H:%M")
            raise ValueError(f"end（{end}）は start（{start}）より後の時刻にしてください（終日数える場合は "
                             f"start: 0:00、end: 23:59） / end ({end}) must be after start ({start})")
        return self

class EscalationSettings(_Strict):
    """Who is mentioned and when: leading levels naming a first recipient bind the first notice; the rest are the
    municipality's own levels (「自治体の運用設定」). While nobody acknowledges, the last level is told again at its
    interval up to renotice_limit times (also the municipality's setting: no guideline sets a count)."""

    levels: list[EscalationLevel] = Field(default_factory=list)
    renotice_limit: Times = Field(default=6, ge=0, le=50)
    office_hours: OfficeHours = Field(default_factory=OfficeHours)
    tick_seconds: Seconds = Field(default=60, ge=1, le=3600)


class SlackSettings(_Strict):
    """Where the Slack app listens and posts."""

    report_channels: list[SlackId] = Field(default_factory=list)
    pr_channel: SlackId | None = None
    summary_channel: SlackId | None = None
    restricted_channel: SlackId | None = None
    pr_members: list[SlackId] = Field(default_factory=list)
    pr_user_groups: list[SlackId] = Field(default_factory=list)
    slash_command: str = "/incident"
    capture_reaction: str = "pushpin"
    # Slack allows about one chat.postMessage per second per channel; the pacer keeps to it (0: no pacing).
    post_interval_seconds: float = Field(default=1.0, ge=0, le=60)
    delivery_queue_limit: Items = Field(default=5000, ge=10)

    @field_validator("slash_command")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not re.fullmatch(r"/[a-z0-9_\-]{1,31}", value):
            raise PydanticCustomError(
                "slash_command_format", "a slash command is '/' followed by up to 31 lowercase letters, digits, - or _")
        return value


class SummarySettings(_Strict):
    """Weekly summary schedule (Asia/Tokyo)."""

    day_of_week: Annotated[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                           BeforeValidator(weekday)] = "mon"
    time: ClockTime = dt.time(9, 0)
    grace_hours: Hours = Field(default=24, ge=0, le=24 * 7)


class ConsoleUser(_Strict):
    """A user the console chat can act as."""

    id: str
    name: str


class ConsoleSettings(_Strict):
    """Users selectable in the local console chat."""

    users: dict[str, ConsoleUser] = Field(
        default_factory=lambda: {
            # Person-like names: messages read 「広報 佐藤 さんが確認しました」 (English names: console_input.py).
            "staff": ConsoleUser(id="console-staff", name="担当 山田"),
            "pr": ConsoleUser(id="console-pr", name="広報 佐藤"),
            "security": ConsoleUser(id="console-security", name="情報セキュリティ 鈴木"),
        }
    )
    default_user: str = "staff"


# Retention in days: a strict whole number 0..36500 (no "yes" read as 1 day); 0 or null keeps data forever.
RetentionDays = Field(ge=0, le=36500, strict=True)
DEFAULT_RETENTION_DAYS = 1827  # at least five years, whatever the leap years; the guidelines fix no period


class RetentionSettings(_Strict):
    """How long ended incidents keep personal data; the municipality's own document rules decide (see
    bot/triage/retention.py and docs/operations.md). Days count from when the incident ended."""

    default_days: Annotated[Days, RetentionDays] | None = DEFAULT_RETENTION_DAYS
    by_kind: dict[str, Annotated[Days, RetentionDays] | None] = Field(default_factory=dict)
    # "ended": from closing (declining, merging); "next_fiscal_year": from 1 April (JST) of the next fiscal year.
    count_from: Literal["ended", "next_fiscal_year"] = "ended"
    # false: the daily job only reports what is due; erasing then takes `incident-bot retention`.
    erase: Flag = True
    # When the daily verification (and erasure) job runs, Asia/Tokyo.
    daily_at: ClockTime = dt.time(3, 30)
    # 「報告ではない」 answers kept as classifier examples belong to no incident: their text goes after this many
    # days from being stored (bot/triage/classifier_retention.py); examples of an incident go with its text.
    unlinked_examples_days: Annotated[Days, RetentionDays] | None = 365


class RateLimitSettings(_Strict):
    """Per-reporter limit on new incidents (co-reports of an open incident do not count); 0 turns it off.

    Off unless app.yaml sets it (the shipped app.yaml does): bulk imports and load tests report from one account.
    """

    max_new_incidents: Items = Field(default=0, ge=0, le=10_000)
    window_minutes: Minutes = Field(default=60, ge=1, le=7 * 24 * 60)


class FileSettings(_Strict):
    """The shape of app.yaml."""

    locale: Literal["ja", "en"] = "ja"
    profile: str = "asahikawa"
    custom_profiles: dict[str, dict[str, Any]] = Field(default_factory=dict)
    database_url: str | None = None
    # Optional: a folder whose playbooks, profiles/ and drafts/ add to or replace the built-in ones by file name.
    playbooks_dir: str | None = None
    access: AccessSettings = Field(default_factory=AccessSettings)
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    # The Teams adapter's own section: validated by the adapter (bot/adapters/teams/settings.py) when it starts.
    teams: dict[str, Any] = Field(default_factory=dict)
    # The LINE WORKS adapter's own section, validated by the adapter (bot/adapters/lineworks/settings.py).
    lineworks: dict[str, Any] = Field(default_factory=dict)
    summary: SummarySettings = Field(default_factory=SummarySettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)


class Secrets(_Strict):
    """Secrets, only ever from the environment."""

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None


class Settings(_Strict):
    """Everything the composition root needs, resolved."""

    source: str
    file: FileSettings
    database_url: str
    playbooks_dir: Path
    secrets: Secrets
    # app.yaml's playbooks_dir, layered over playbooks_dir (the built-in ones) file by file.
    extra_playbooks_dir: Path | None = None
    # Said once at start-up (bot/main.py): e.g. a user id read as Slack's although app.yaml named no platform.
    warnings: tuple[str, ...] = ()

    def __repr_args__(self) -> Any:  # repr() and str(): the database password is a secret like the tokens
        for name, value in super().__repr_args__():
            yield name, (re.sub(r"(://[^:/@]*:)[^@/]+@", r"\1***@", value) if name == "database_url" else value)


def format_validation_error(source: str, error: ValidationError, locale: str = "ja") -> str:
    """Turn a pydantic error into lines naming file, field and what is wrong (bot/triage/validation_text.py)."""
    return "\n".join(f"{source}: {line}" for line in describe_errors(error, locale, FileSettings))


def parse_file_settings(data: Mapping[str, Any] | None, source: str) -> FileSettings:
    """Validate the parsed YAML mapping into FileSettings, user ids namespaced (bot/config_ids.py)."""
    return parse_with_warnings(data, source)[0]


def parse_with_warnings(data: Mapping[str, Any] | None, source: str) -> tuple[FileSettings, tuple[str, ...]]:
    """FileSettings and the start-up warnings about how its user ids were read."""
    return namespace_user_ids(_validate(data, source), source)


def _validate(data: Mapping[str, Any] | None, source: str) -> FileSettings:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(both(f"{source}: (最上位): 「項目名: 値」の形で設定を書いてください"
                               f"（{type(data).__name__} が書かれています）。",
                               f"{source}: (top level): expected a mapping of settings, got {type(data).__name__}"))
    try:
        return FileSettings.model_validate(dict(data))
    except ValidationError as exc:
        # The file's own locale when it is readable: an English-speaking administrator keeps English.
        locale = "en" if data.get("locale") == "en" else "ja"
        # An odd chain: the shape it takes, from what was written; `slack: U0…` in a people list: the id to write.
        shown = levels_example(data, exc, source, locale) or spaced_ids(data, source, locale)
        raise ConfigError(format_validation_error(source, exc, locale) + (f"\n{shown}" if shown else "")) from None


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path.resolve()}: 設定ファイルがありません。`incident-bot init` で作成するか、--config で場所を指定して"
            f"ください。\n{path.resolve()}: file not found; create one with `incident-bot init` or pass --config PATH"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{path.resolve()}: フォルダーです。app.yaml ファイルを指定してください / "
                          f"is a folder; pass the app.yaml file") from None
    except UnicodeDecodeError as exc:
        said = text_locale(path.read_bytes().decode("utf-8", "replace"))
        raise ConfigError(in_locale(said, f"{path}: 文字コードが UTF-8 ではないため読み込めません（Shift_JIS で"
                                    f"保存されているかもしれません）。エディターで文字コードに UTF-8 を選んで"
                                    f"保存し直してください。",
                                    f"{path}: cannot read: {exc}; save it as UTF-8")) from None
    except OSError as exc:
        raise ConfigError(both(f"{path}: 読み込めません（{exc.strerror or exc}）。"
                               f"ファイルの読み取り権限を確認してください。",
                               f"{path}: cannot read: {exc}")) from None
    # Said in the language the file asks for, even when YAML cannot read the file (Japanese when it names none).
    said = text_locale(text)
    slips = ime_slips(text, str(path), said)
    if slips:
        raise ConfigError(slips)
    hidden = yaml_text.commented_values(text)
    if hidden:
        raise ConfigError("\n".join(in_locale(
            said,
            f"{path}: {line} 行目 {key}: 「{value}」は「#」で始まるため YAML ではコメントになり、値が空になります。"
            f"チャンネル名ではなくチャンネル ID（例: C0123ABCD）を書いてください"
            f"（文字として書くときは引用符で囲みます）。",
            f"{path}: line {line} {key}: {value!r} starts with '#', which YAML reads as a comment (the value is "
            f"empty); write the channel id, quoted if it must start with #") for line, key, value in hidden))
    try:
        return yaml_text.trimmed(yaml_text.load(text))
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_problem(str(path), exc, text, said)) from None


def resolve_database_url(path: Path, file_settings: FileSettings, env: Mapping[str, str]) -> str:
    """DATABASE_URL (a relative SQLite path from the cwd, as any shell path), else app.yaml's database_url,
    else incident-bot.db; both taken relative to the folder app.yaml is in."""
    from_env = env.get("DATABASE_URL")
    url = from_env or file_settings.database_url or DEFAULT_DATABASE_URL
    problem = url_problem(url, "DATABASE_URL" if from_env else f"{path}: database_url")
    if problem:  # before the file-path advice below: postgresql:/… is a mistyped URL, not a path
        raise ConfigError(problem)
    if not re.match(r"^(sqlite(\+\w+)?|postgres|postgresql(\+\w+)?)://", url):  # postgres:// as psql and libpq take it
        scheme = url.split(":")[0]
        field = "DATABASE_URL" if from_env else f"{path}: database_url"
        if "://" not in url:  # a file path (C:\data\bot.db, data/bot.db) as IT people write one: say the URL
            meant = "sqlite:///" + url.strip().replace("\\", "/")
            raise ConfigError(both(f"{field}: ファイルのパスは URL の形で {meant} のように書いてください"
                                   f"（sqlite:/// を付け、\\ は / にします）。",
                                   f"{field}: write a file path as a SQLite URL: {meant}"))
        raise ConfigError(both(f"{field}: sqlite:///ファイルのパス または postgresql://… の形で指定してください"
                               f"（入力値の形式: {scheme!r}）。",
                               f"{field}: expected sqlite:///PATH or postgresql://..., got {scheme!r}"))
    if re.fullmatch(r"sqlite(\+\w+)?:///\s*", url):  # e.g. sqlite:///$DB_PATH with the variable unset
        field = "DATABASE_URL" if from_env else f"{path}: database_url"
        raise ConfigError(both(f"{field}: SQLite のファイルのパスがありません（{url!r}）。このままではメモリー上の"
                               f"データベースになり、終了するとすべて消えます。"
                               f"sqlite:///ファイルのパス と書いてください。",
                               f"{field}: no SQLite file path in {url!r} (that would be an in-memory database, "
                               f"lost on exit); write sqlite:///PATH"))
    return sqlite_url(url, Path.cwd() if from_env else path.resolve().parent)


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Load app.yaml and the environment into Settings, or raise ConfigError."""
    env = os.environ if environ is None else environ
    path = Path(path)
    file_settings, warnings = parse_with_warnings(_read_yaml(path), str(path))
    database_url = resolve_database_url(path, file_settings, env)
    builtin = builtin_playbooks_dir()
    extra = beside(path, file_settings.playbooks_dir) if file_settings.playbooks_dir else None
    if extra is not None and not extra.is_dir():
        problems = [in_locale(
            file_settings.locale,
            f"{path}: playbooks_dir: フォルダー {extra} がありません（app.yaml のあるフォルダーからの相対パスとして"
            f"探しました）。組み込みのプレイブックだけを使う場合はこの行を削除してください。",
            f"{path}: playbooks_dir: folder {extra} does not exist (relative paths are taken from the folder of "
            f"app.yaml); remove the line to use only the built-in playbooks ({builtin})")]
        # Also name a misspelled profile now: otherwise it would only show once the folder is fixed.
        known = {p.stem for p in (builtin / "profiles").glob("*.yaml")} | set(file_settings.custom_profiles)
        if file_settings.profile not in known:
            problems.append(unknown_profile(str(path), file_settings.profile, known, file_settings.locale))
        raise ConfigError("\n".join(problems))
    secrets = Secrets(
        slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        slack_app_token=env.get("SLACK_APP_TOKEN") or None,
        slack_api_url=env.get("SLACK_API_URL") or None,
    )
    return Settings(
        source=str(path),
        file=file_settings,
        database_url=database_url,
        playbooks_dir=builtin,
        extra_playbooks_dir=None if extra is None or extra == builtin else extra,
        secrets=secrets,
        warnings=warnings,
    )
