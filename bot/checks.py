"""Start-up checks that span config, profile and playbooks (platform checks: bot/check_cli.py)."""

from __future__ import annotations

import re

from bot.config import ConfigError, Settings
from bot.config_text import in_locale
from bot.triage.classify import KINDS
from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile, display_path
from bot.triage.validation_text import both


def check_kinds(settings: Settings, library: PlaybookLibrary, profile: Profile) -> None:
    """Every kind the classifier can return needs a playbook with steps for the active profile (else a real
    report would find no playbook and create no incident)."""
    base = profile.base or profile.id
    where = ", ".join(str(p) for p in (settings.playbooks_dir, settings.extra_playbooks_dir) if p is not None)
    problems = []
    locale = settings.file.locale
    for kind in KINDS:
        if kind not in library.kinds():
            problems.append(in_locale(locale, f"{kind}: プレイブック {kind}.yaml がありません",
                                      f"{kind}: no playbook {kind}.yaml"))
        elif not any(step.applies_to(base) for step in library.playbook(kind).steps):
            problems.append(in_locale(locale, f"{kind}: プロファイル {profile.id} 向けの手順がありません",
                                      f"{kind}: no step applies to profile {profile.id}"))
    if problems:
        raise ConfigError("\n".join(f"{settings.source}: {line}" for line in problems)
                          + in_locale(locale, f"\n（探した場所: {where}）", f"\n(looked in: {where})"))


def shadowing_hint(settings: Settings, message: str) -> str:
    """When the file a playbook/profile error names is app.yaml's playbooks_dir copy of a built-in file, say so: a
    copy from an older release (the first app.yaml pointed playbooks_dir at the repository's) fails the new rules."""
    extra = settings.extra_playbooks_dir
    if extra is None:
        return ""
    own = [path.stem for path in (extra / "profiles").glob("*.yaml")
           if not (settings.playbooks_dir / "profiles" / path.name).is_file()]
    if any(f"'{pid}'" in message or re.search(rf"\.{re.escape(pid)}[.:]", message) for pid in own):
        return ""  # a new municipality's own copies (README), not an outdated copy of a built-in: keep them
    for path in sorted(extra.rglob("*")):
        relative = path.relative_to(extra)
        builtin = settings.playbooks_dir / relative
        named = str(path) in message or display_path(path) in message
        if path.is_file() and builtin.is_file() and named:
            return "\n" + both(
                f"（{path} は同じ名前の組み込みファイル（{builtin}）を置き換えています。以前の版から写したもの"
                f"や書き換えていないものなら、このファイルを削除すると、この版の組み込みのものが使われます。）",
                f"({path} replaces the built-in {builtin}; if it is a copy from an older release or unchanged, "
                f"delete it to use this release's built-in file)")
    return ""
