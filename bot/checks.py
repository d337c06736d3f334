"""Start-up checks that span config, profile and playbooks (platform checks: bot/check_cli.py)."""

from __future__ import annotations

from bot.config import ConfigError, Settings
from bot.triage.classify import KINDS
from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile


def check_kinds(settings: Settings, library: PlaybookLibrary, profile: Profile) -> None:
    """Every kind the classifier can return needs a playbook with steps for the active profile (else a real
    report would find no playbook and create no incident)."""
    base = profile.base or profile.id
    where = ", ".join(str(p) for p in (settings.playbooks_dir, settings.extra_playbooks_dir) if p is not None)
    problems = []
    for kind in KINDS:
        if kind not in library.kinds():
            problems.append(f"{kind}: プレイブック {kind}.yaml がありません / no playbook {kind}.yaml")
        elif not any(step.applies_to(base) for step in library.playbook(kind).steps):
            problems.append(f"{kind}: プロファイル {profile.id} 向けの手順がありません / "
                            f"no step applies to profile {profile.id}")
    if problems:
        raise ConfigError("\n".join(f"{settings.source}: {line}" for line in problems)
                          + f"\n(探した場所 / looked in: {where})")
