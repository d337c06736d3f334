"""`incident-bot check`'s plain account of who is told when, so a municipality sees what its levels mean."""

from __future__ import annotations

from bot.triage.escalation import EscalationPlan


def schedule(plan: EscalationPlan, en: bool = False) -> str:
    """One line: who is told with the report, who after how many office-hour minutes, and the re-notices.

    A level's after_minutes is the wait after *that* level before the next one (or the re-notice): said here so a
    level written as "60 minutes after the report" is seen to wait on the level before it."""
    first, *later = plan.levels
    parts = [f"with the report: {first.section_name}" if en else f"報告と同時に {first.section_name}"]
    waited = first.wait_minutes
    for level in later:
        parts.append(f"{waited} min later (office hours, unacknowledged): {level.section_name}" if en
                     else f"確認がなければ {waited} 分後（開庁時間）に {level.section_name}")
        waited = level.wait_minutes
    last = plan.levels[-1].section_name
    if plan.renotice_limit:
        parts.append(f"then every {waited} min: {last} again (at most {plan.renotice_limit} times)" if en
                     else f"その後 {waited} 分ごとに {last} へ再通知（最大 {plan.renotice_limit} 回）")
    return ("escalation: who is told when: " if en else "escalation: 通知の順序: ") + " → ".join(parts)
