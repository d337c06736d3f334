"""Municipality profiles: sections, first recipients, actors, general rule and clause catalogue of a guideline."""

from __future__ import annotations

import copy
import difflib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot.triage.validation_text import both, describe_first, yaml_problem

Locale = Literal["ja", "en"]
LOCALES: tuple[Locale, ...] = ("ja", "en")
# Keys a custom profile (app.yaml) may override; the guideline and its clauses stay the built-in's.
# No profile carries an escalation chain: guidelines name only whom to tell first; further levels are the
# municipality's own setting (app.yaml escalation.levels), never a clause.
OVERRIDABLE = frozenset(
    {"id", "extends", "name", "sections", "first_report_to", "general_rule", "actors", "residents", "date_style",
     "acknowledger", "pr_role"}
)
# `western` is the report command's word for the same calendar (`report --calendar wareki|western`).
DateStyle = Annotated[Literal["wareki", "gregorian"],
                      BeforeValidator(lambda value: "gregorian" if value == "western" else value)]


class ProfileError(Exception):
    """An invalid profile; the message names the file (or source) and the field path."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(_Model):
    """A text in Japanese and English."""

    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        """The text for a locale (Japanese when the locale is unknown)."""
        return self.en if locale == "en" else self.ja


class Section(_Model):
    """A section or office the guideline names (who is told, who decides)."""

    name: LocalText
    clauses: list[str] = Field(default_factory=list)
    contact: str | None = None

    def name_for(self, locale: str) -> str:
        """The section's name in a locale."""
        return self.name.get(locale)


class GuidelineRef(_Model):
    """The guideline a profile comes from, as titled in its text."""

    title: str
    date: str | None = None
    revised: str | None = None
    citation_prefix: str = Field(min_length=1)
    citation_prefix_en: str = Field(min_length=1)
    source: str | None = None


class GeneralRule(_Model):
    """The municipality's general rule, used where its guideline is silent."""

    ja: str
    en: str
    clauses: list[str] = Field(min_length=1)

    def get(self, locale: str) -> str:
        """The rule's text in a locale."""
        return self.en if locale == "en" else self.ja


class Profile(_Model):
    """A municipality profile; `base` is the built-in profile whose guideline and playbook mapping apply."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    base: str = ""
    name: LocalText
    guideline: GuidelineRef
    sections: dict[str, Section]
    first_report_to: list[str] = Field(min_length=1)  # every section the guideline names, told at once
    first_report_clauses: list[str] = Field(min_length=1)  # where the guideline names them
    # Set when a custom profile names other first recipients than its guideline: shown as 自治体の運用設定.
    first_report_own: bool = False
    acknowledger: LocalText  # who acknowledges a notice, as labels say it (広報広聴課確認済み)
    # The people of access.pr_members (acknowledge, end, grant) as messages name them, where the guideline gives
    # that office to someone other than 広報 (いわき市: アカウント管理者); unset: the catalogue's 広報担当.
    pr_role: LocalText | None = None
    actors: dict[str, LocalText] = Field(min_length=1)  # who carries out a step: reporter, account_manager...
    residents: LocalText  # 市民 / 町民, as the municipality's notices say it
    date_style: DateStyle = "gregorian"
    general_rule: GeneralRule
    clauses: dict[str, str] = Field(min_length=1)

    def name_for(self, locale: str) -> str:
        """The municipality's name in a locale."""
        return self.name.get(locale)

    def terms(self, locale: str) -> dict[str, str]:
        """The catalogue's terms this municipality names its own way ({ack_by}, {pr_role}; bot/i18n.py)."""
        own = {"ack_by": self.acknowledger.get(locale)}
        if self.pr_role is not None:
            own["pr_role"] = self.pr_role.get(locale)
        return own

    def section_name(self, key: str, locale: str) -> str:
        """A section's localized name (KeyError for an unknown key)."""
        return self.sections[key].name_for(locale)

    def actor_name(self, key: str, locale: str) -> str:
        """An actor's localized name (KeyError for an actor the profile does not define)."""
        return self.actors[key].get(locale)

    def first_recipients(self, locale: str) -> str:
        """The sections told first, joined (所属課局長及び総務課), labelled when the municipality's own setting."""
        names = [self.section_name(key, locale) for key in self.first_report_to]
        joined = " and the ".join(names) if locale == "en" else "及び".join(names)
        if not self.first_report_own:
            return joined
        return f"{joined} (the municipality's own setting)" if locale == "en" else f"{joined}（自治体の運用設定）"

    def section_names(self, locale: str) -> dict[str, str]:
        """Every section key mapped to its localized name."""
        return {key: section.name_for(locale) for key, section in self.sections.items()}

    def cite(self, clause: str, locale: str = "ja") -> str:
        """A full citation string, e.g. '旭川市ガイドライン 7(1)イ'."""
        if locale == "en":
            return f"{self.guideline.citation_prefix_en} guideline {clause}"
        return f"{self.guideline.citation_prefix}ガイドライン {clause}"

    def clause_text(self, clause: str) -> str:
        """The catalogue's quote of a clause (KeyError for an unknown key)."""
        return self.clauses[clause]


def describe_validation_error(exc: ValidationError, locale: str = "ja") -> str:
    """The first pydantic error as 'field.path: what is wrong', noting how many more there are."""
    return describe_first(exc, locale)


def _known(keys: Any) -> str:
    return ", ".join(sorted(keys)) or "(none)"


def _meant(profile: Profile, written: str, locale: str) -> str:
    """The section key a first_report_to entry likely meant: a section written by its name (広報課), or a near key."""
    wanted = unicodedata.normalize("NFKC", written).strip().casefold()
    for key in profile.sections:
        if wanted in {unicodedata.normalize("NFKC", profile.section_name(key, lang)).casefold() for lang in LOCALES}:
            return (f" {written!r} is the name of section {key}: write {key} in first_report_to." if locale == "en"
                    else f"{written!r} は部署 {key} の名前です。first_report_to には {key} と書いてください。")
    close = difflib.get_close_matches(written, list(profile.sections), n=1, cutoff=0.75)
    if close:
        return f" Did you mean {close[0]}?" if locale == "en" else f"「{close[0]}」のことですか？"
    return ""


def check_references(profile: Profile, source: str, locale: str | None = None) -> None:
    """Raise ProfileError when a section or rule refers to something the profile lacks (`locale`: app.yaml's)."""

    def clause_ok(keys: list[str], where: str) -> None:
        for i, key in enumerate(keys):
            if key not in profile.clauses:
                raise ProfileError(both(
                    f"{source}: {where}[{i}]: 条項 {key!r} がこのプロファイルの clauses にありません"
                    f"（ある条項: {_known(profile.clauses)}）。条項の番号か、clauses への本文の書き忘れを"
                    "確認してください。",
                    f"{source}: {where}[{i}]: unknown clause {key!r} (known: {_known(profile.clauses)})"))

    for key, section in profile.sections.items():
        clause_ok(section.clauses, f"sections.{key}.clauses")
    for i, key in enumerate(profile.first_report_to):
        if key not in profile.sections:
            ja = (f"{source}: first_report_to[{i}]: 部署 {key!r} は sections にありません"
                  f"（使える部署: {_known(profile.sections)}）。{_meant(profile, key, 'ja')}")
            en = (f"{source}: first_report_to[{i}]: unknown section {key!r} (known: {_known(profile.sections)})"
                  f"{_meant(profile, key, 'en')}")
            raise ProfileError({"ja": ja, "en": en}.get(locale or "") or both(ja, en))
    clause_ok(profile.first_report_clauses, "first_report_clauses")
    if "reporter" not in profile.actors:
        raise ProfileError(both(f"{source}: actors.reporter: 必須の項目です（報告する職員の呼び方。"
                                "例: 発見した職員）。",
                                f"{source}: actors.reporter: required (the member of staff who reports)"))
    clause_ok(profile.general_rule.clauses, "general_rule.clauses")


def _validate(data: dict[str, Any], source: str, locale: str | None = None) -> Profile:
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(both(f"{source}: {describe_validation_error(exc)}",
                                f"{source}: {describe_validation_error(exc, 'en')}")) from None
    check_references(profile, source, locale)
    return profile


def _read_yaml(path: Path, source: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(both(f"{source}: 読み込めません。UTF-8 で保存されているか、読み取り権限を確認してください。",
                                f"{source}: cannot read: {exc}")) from None
    except yaml.YAMLError as exc:
        raise ProfileError(yaml_problem(source, exc)) from None


def display_path(path: Path) -> str:
    """A path relative to the working directory when possible, for error messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_profiles(directory: Path) -> dict[str, Profile]:
    """Load every built-in profile (<id>.yaml) in a directory, keyed by id."""
    profiles: dict[str, Profile] = {}
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise ProfileError(f"{display_path(Path(directory))}: no profile files (*.yaml)")
    for path in files:
        source = display_path(path)
        data = _read_yaml(path, source)
        if not isinstance(data, dict):
            raise ProfileError(both(f"{source}: 「項目名: 値」の形で書いてください。",
                                    f"{source}: (top level): expected a mapping, got {type(data).__name__}"))
        for forbidden in ("extends", "base"):
            if forbidden in data:
                raise ProfileError(both(
                    f"{source}: {forbidden}: profiles/ のファイルには書けません（組み込みを元にするなら app.yaml の "
                    "custom_profiles に書きます）。", f"{source}: {forbidden}: not allowed in a built-in profile"))
        if data.get("id") != path.stem:
            raise ProfileError(both(
                f"{source}: id: ファイル名と同じ {path.stem!r} にしてください（入力値: {data.get('id')!r}）。",
                f"{source}: id: must equal the file name {path.stem!r} (got {data.get('id')!r})"))
        profiles[path.stem] = _validate({**data, "base": path.stem}, source)
    return profiles


LOCALE_KEYS = frozenset(LOCALES)


def _merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else is replaced by the override. A text given in one language
    replaces both (the parent's other-language name would name another town or section)."""
    if isinstance(override, str) and isinstance(base, dict) and set(base) == LOCALE_KEYS and override.strip():
        return {locale: override for locale in LOCALES}  # `acknowledger: 広報課`, as an operator writes a name
    if isinstance(override, dict) and override and set(override) <= LOCALE_KEYS and isinstance(base, dict) \
            and set(base) == LOCALE_KEYS:
        given = next(str(value) for value in override.values())
        return {locale: str(override.get(locale) or given) for locale in LOCALES}
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def _as_text(value: Any) -> Any:
    """A name as app.yaml may write it (plain, one language, trailing spaces) as {ja, en}; anything else as is."""
    if isinstance(value, str) and value.strip():
        return {locale: value.strip() for locale in LOCALES}
    if isinstance(value, dict) and value and set(value) <= LOCALE_KEYS \
            and all(isinstance(text, str) for text in value.values()):
        given = next((text.strip() for text in value.values() if text.strip()), "")
        return {locale: str(value.get(locale) or given).strip() for locale in LOCALES}
    return value


def _plain_names(merged: dict[str, Any]) -> None:
    """Every name of a custom profile through _as_text: a section it adds and a pr_role its parent lacks too."""
    for key in ("name", "acknowledger", "pr_role", "residents"):
        if merged.get(key) is not None:
            merged[key] = _as_text(merged[key])
    if isinstance(merged.get("actors"), dict):
        merged["actors"] = {key: _as_text(value) for key, value in merged["actors"].items()}
    for section in (merged.get("sections") or {}).values() if isinstance(merged.get("sections"), dict) else ():
        if isinstance(section, dict) and "name" in section:
            section["name"] = _as_text(section["name"])


def bare_name(name: str) -> str:
    """A section's name without its bracketed gloss: アカウント管理者（課等の長） is the アカウント管理者."""
    return name.split("（", 1)[0].split(" (", 1)[0].strip()


def _follow_renamed_sections(parent: Profile, data: Mapping[str, Any], merged: dict[str, Any]) -> None:
    """The acknowledger, pr_role and actors the parent names after one of its sections take that section's new name,
    unless app.yaml names them itself: 大川市 renaming 総務広報課長 must not have 総務広報課長 acknowledge its
    notices."""
    sections = data.get("sections")
    if not isinstance(sections, Mapping):
        return
    renamed = {key: merged["sections"][key]["name"] for key, value in sections.items()
               if key in parent.sections and isinstance(value, Mapping) and "name" in value}

    def follow(text: LocalText) -> dict[str, str] | None:
        for key, name in renamed.items():
            old = parent.sections[key].name
            if text.ja in (old.ja, bare_name(old.ja)):
                return dict(name)
        return None

    if "acknowledger" not in data:
        merged["acknowledger"] = follow(parent.acknowledger) or merged["acknowledger"]
    if "pr_role" not in data and parent.pr_role is not None:  # PR's word in messages names the section too
        merged["pr_role"] = follow(parent.pr_role) or merged["pr_role"]
    own_actors = data.get("actors") if isinstance(data.get("actors"), Mapping) else {}
    for key, actor in parent.actors.items():
        if key not in own_actors:
            merged["actors"][key] = follow(actor) or merged["actors"][key]


def profile_from_dict(data: Mapping[str, Any], builtins: Mapping[str, Profile], source: str,
                      locale: str | None = None) -> Profile:
    """Build a custom profile (app.yaml) from a dict, resolving `extends` against the built-ins (`locale`: the
    file's language, for the messages that know it; else Japanese then English)."""
    if not isinstance(data, Mapping):
        raise ProfileError(both(f"{source}: 「項目名: 値」の形で書いてください。",
                                f"{source}: (top level): expected a mapping, got {type(data).__name__}"))
    for key in data:
        if key not in OVERRIDABLE:
            hint = (
                " (a custom profile keeps the guideline and clause catalogue of the profile it extends)"
                if key in ("guideline", "clauses", "base", "first_report_clauses")
                else " (further notification levels are the municipality's own setting: app.yaml "
                "escalation.levels)"
                if key == "escalation_chain"
                else ""
            )
            raise ProfileError(both(
                f"{source}: {key}: 独自のプロファイルには書けない項目です（書ける項目: {_known(OVERRIDABLE)}）。",
                f"{source}: {key}: cannot be set in a custom profile{hint}; allowed: {_known(OVERRIDABLE)}"))
    profile_id = data.get("id")
    if not isinstance(profile_id, str) or not profile_id:
        raise ProfileError(f"{source}: id: required (a non-empty string)")
    parent_id = data.get("extends")
    if parent_id is None and profile_id in builtins:
        parent_id = profile_id
    if parent_id is None:
        raise ProfileError(both(
            f"{source}: extends: 元にする組み込みプロファイル（{_known(builtins)}）を指定してください。",
            f"{source}: extends: required; a custom profile extends one of the built-in profiles ({_known(builtins)})"))
    if parent_id not in builtins:
        raise ProfileError(both(
            f"{source}: extends: 組み込みプロファイル {parent_id!r} はありません（使える名前: {_known(builtins)}）。",
            f"{source}: extends: unknown built-in profile {parent_id!r} (known: {_known(builtins)})"))
    parent = builtins[parent_id]
    overrides = {k: v for k, v in data.items() if k != "extends"}
    merged = _merge(parent.model_dump(mode="python"), overrides)
    _plain_names(merged)
    _follow_renamed_sections(parent, data, merged)
    merged["base"] = parent.base or parent.id
    merged["first_report_own"] = parent.first_report_own or list(merged["first_report_to"]) != parent.first_report_to
    return _validate(merged, source, locale)
