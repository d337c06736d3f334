"""Composition root: build the core and its storage from Settings, once, with nothing global."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.chat_sections import platform_people
from bot.checks import check_kinds, shadowing_hint
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings, unknown_profile
from bot.config_text import in_locale
from bot.i18n import Catalog, listed
from bot.triage.access import AccessPolicy
from bot.triage.classify import Classifier
from bot.triage.core import CoreDeps
from bot.triage.escalation import ChainLevel, EscalationPlan, LevelOrigin, build_calendar
from bot.triage.intake_limit import RateLimit
from bot.triage.playbook import PlaybookError, PlaybookLibrary, load_library
from bot.triage.profiles import Profile, ProfileError, load_profiles, profile_from_dict
from bot.triage.retention import check_retention_kinds
from bot.triage.service import Triage
from storage.db import make_engine, make_session_factory, make_sqlite_folder, migrate

DEFAULT_WAIT_MINUTES = 30


@dataclass
class Runtime:
    """Everything a running bot holds: settings, engine and the core."""

    settings: Settings
    engine: Engine
    triage: Triage
    profiles: Mapping[str, Profile]
    library: PlaybookLibrary

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def resolve_profiles(settings: Settings) -> tuple[dict[str, Profile], Profile]:
    """Built-in profiles plus app.yaml's custom ones, and the selected profile."""
    profiles = load_profiles(settings.playbooks_dir / "profiles")
    extra = settings.extra_playbooks_dir
    if extra is not None and any((extra / "profiles").glob("*.yaml")):
        profiles.update(load_profiles(extra / "profiles"))
    for profile_id, data in settings.file.custom_profiles.items():
        source = f"{settings.source}: custom_profiles.{profile_id}"
        profiles[profile_id] = profile_from_dict({"id": profile_id, **data}, profiles, source, settings.file.locale)
    selected = named_profile(settings.file.profile, profiles)
    if selected is None:
        raise ConfigError(unknown_profile(settings.source, settings.file.profile, profiles, settings.file.locale))
    return profiles, profiles[selected]


def named_profile(written: str, profiles: Mapping[str, Profile]) -> str | None:
    """The profile app.yaml names as an IT person writes it: its id in any case, or the municipality's name
    (旭川市, Asahikawa City); None when it names none."""
    if written in profiles:
        return written
    wanted = unicodedata.normalize("NFKC", written).strip().casefold()
    names = {pid: {pid.casefold(), *(str(profile.name_for(lang) or "").casefold() for lang in ("ja", "en"))}
             for pid, profile in profiles.items()}
    return next((pid for pid, said in names.items() if wanted in said), None)


def _named_key(profile: Profile, written: str, locale: str) -> str:
    """When a level names a section by the name the profile gives it (危機管理室), the key to write instead."""
    wanted = unicodedata.normalize("NFKC", written).strip().casefold()
    for key in profile.sections:
        names = {unicodedata.normalize("NFKC", profile.section_name(key, lang)).casefold() for lang in ("ja", "en")}
        if wanted in names:
            return (f"; {written!r} is the name of section {key}: write section: {key}" if locale == "en"
                    else f"{written!r} は部署 {key} の名前です。section: {key} と書いてください。")
    close = difflib.get_close_matches(written, list(profile.sections), n=1, cutoff=0.75)  # jouhouseisaku
    if close:
        return f" (did you mean {close[0]}?)" if locale == "en" else f"「{close[0]}」のことですか？"
    return ""


def escalation_plan(settings: Settings, profile: Profile, locale: str) -> EscalationPlan:
    """Level 1 tells every first recipient the guideline names at once; then app.yaml's own levels; then, while
    nobody acknowledges, the last level again up to escalation.renotice_limit times. Leading app.yaml entries that
    name a first recipient bind the first notice (mention, wait) rather than adding a level."""
    hours = settings.file.escalation.office_hours
    calendar = build_calendar((hours.start.hour, hours.start.minute), (hours.end.hour, hours.end.minute),
                              hours.weekdays, hours.holidays, hours.always_for_severities,
                              hours.national_holidays, hours.year_end_holidays)
    configured = settings.file.escalation.levels
    for index, level in enumerate(configured):
        if level.section not in profile.sections:
            known = ", ".join(sorted(profile.sections))
            where = f"{settings.source}: escalation.levels[{index}].section"
            raise ConfigError(in_locale(settings.file.locale,
                                        f"{where}: プロファイル {profile.id} に部署 {level.section!r} はありません"
                                        f"（使える部署: {known}）。" + _named_key(profile, level.section, "ja"),
                                        f"{where}: unknown section {level.section!r} for profile {profile.id} "
                                        f"(known: {known})" + _named_key(profile, level.section, "en")))
    first = tuple(profile.first_report_to)
    lead = 0
    while lead < len(configured) and configured[lead].section in first:
        lead += 1
    bound = configured[:lead]
    # Every first-notice section is told at once, so the first notice pings each bound level's mention.
    mention = " ".join(dict.fromkeys(level.mention.strip() for level in bound if level.mention)) or None
    wait = bound[0].after_minutes if bound else DEFAULT_WAIT_MINUTES
    name = profile.first_recipients(locale)
    basis = listed(locale, (profile.cite(c, locale) for c in profile.first_report_clauses))
    origin: LevelOrigin = "municipal" if profile.first_report_own else "guideline"  # not a guideline clause: say so
    levels = [ChainLevel(1, first[0], name, mention, wait, first, origin, basis)]
    for level in configured[lead:]:
        levels.append(ChainLevel(len(levels) + 1, level.section, profile.section_name(level.section, locale),
                                 level.mention, level.after_minutes, (level.section,), "municipal"))
    return EscalationPlan(tuple(levels), calendar, settings.file.escalation.renotice_limit)


def build_runtime(settings: Settings, *, clock: Clock | None = None, engine: Engine | None = None,
                  run_migrations: bool = True) -> Runtime:
    """Validate playbooks and profiles, open the database and assemble the core."""
    try:
        profiles, profile = resolve_profiles(settings)
        library = load_library(settings.playbooks_dir, profiles, settings.extra_playbooks_dir)
    except (ProfileError, PlaybookError) as exc:
        raise ConfigError(str(exc) + shadowing_hint(settings, str(exc))) from None
    check_kinds(settings, library, profile)
    check_retention_kinds(settings.file.retention, library.kinds(), settings.source)
    if engine is None and run_migrations:
        make_sqlite_folder(settings.database_url)
    engine = engine or make_engine(settings.database_url)
    if run_migrations:
        migrate(engine)
    locale = settings.file.locale
    catalog = Catalog.load(locale, profile.terms(locale))
    platform_pr, platform_security = platform_people(settings)  # teams: / lineworks: blocks' people, namespaced
    access = AccessPolicy(
        pr_members=frozenset(settings.file.access.pr_members) | frozenset(settings.file.slack.pr_members) | platform_pr,
        security_officers=frozenset(settings.file.access.security_officers) | platform_security,
    )
    clock = clock or SystemClock()
    deps = CoreDeps(
        sessions=make_session_factory(engine), library=library, profile=profile, access=access,
        clock=clock, catalog=catalog, escalation=escalation_plan(settings, profile, locale),
        classifier=Classifier(),
        rate_limit=RateLimit(settings.file.rate_limit.max_new_incidents, settings.file.rate_limit.window_minutes),
        # SQLite serves one instance only (docs/operations.md): claims made before this start are a dead one's
        orphaned_before=clock.now() if engine.dialect.name == "sqlite" else None,
    )
    return Runtime(settings=settings, engine=engine, triage=Triage(deps), profiles=profiles, library=library)
