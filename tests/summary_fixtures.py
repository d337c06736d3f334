"""Fixtures for the summary and scheduler tests: small private playbooks, runtimes, odd histories."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.clock import JST, Clock
from bot.config import Secrets, Settings, parse_file_settings
from bot.wiring import Runtime, build_runtime
from storage.models import Escalation, Incident, IncidentReporter
from storage.timeline import append_event

REPO = Path(__file__).resolve().parent.parent
KINDS = ("flaming", "impersonation", "misinformation", "leak", "account_takeover")
PR = "slack:U_PR"
SECURITY = "slack:U_SEC"


def _choice(input_id: str, values: tuple[str, ...]) -> dict[str, Any]:
    return {"id": input_id, "type": "choice", "required": True, "label": {"ja": input_id, "en": input_id},
            # personal_data = yes restricts, as in the shipped playbooks (a start-up check asks for the marker)
            "choices": [{"value": v, "label": {"ja": v, "en": v}}
                        | ({"restricts": True} if (input_id, v) == ("personal_data", "yes") else {}) for v in values]}


def _step(step_id: str, inputs: list[dict[str, Any]]) -> dict[str, Any]:
    silent: dict[str, dict[str, Any]] = {pid: {} for pid in ("asahikawa", "urausu", "iwaki", "chikugo")}
    return {"id": step_id, "title": {"ja": step_id, "en": step_id},
            "instructions": {"ja": "手順です。", "en": "A step."}, "fallback": silent, "inputs": inputs}


def write_playbooks(directory: Path) -> Path:
    """Minimal valid playbooks for every kind (independent of the repository's playbooks in progress)."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "playbooks" / "profiles", directory / "profiles", dirs_exist_ok=True)
    for kind in KINDS:
        playbook = {
            "kind": kind, "title": {"ja": kind, "en": kind}, "topic": {"ja": kind, "en": kind},
            "restricted": kind == "leak",
            "steps": [
                _step("intake", [_choice("spread", ("small", "large")), _choice("press", ("no", "yes")),
                                 _choice("personal_data", ("no", "yes"))]),
                _step("respond", []),
            ],
        }
        (directory / f"{kind}.yaml").write_text(yaml.safe_dump(playbook, allow_unicode=True), encoding="utf-8")
    return directory


def summary_settings(database_url: str, playbooks: Path, *, locale: str = "ja", secrets: Secrets | None = None,
                     **overrides: Any) -> Settings:
    """Settings with a two-level escalation chain, PR and security members and a summary channel."""
    data: dict[str, Any] = {
        "locale": locale, "profile": "asahikawa",
        "access": {"pr_members": [PR], "security_officers": [SECURITY]},
        "escalation": {"levels": [
            {"section": "pr_section", "after_minutes": 30, "mention": "S_PR"},
            {"section": "department_head", "after_minutes": 60, "mention": "U_HEAD"},
            {"section": "review_committee", "after_minutes": 60},
        ], "office_hours": {"always_for_severities": ["low", "medium", "high", "critical"]}},
        "slack": {"summary_channel": "C_SUMMARY"},
    }
    data.update(overrides)
    return Settings(source="test-app.yaml", file=parse_file_settings(data, "test-app.yaml"),
                    database_url=database_url, playbooks_dir=playbooks, secrets=secrets or Secrets())


def make_runtime(database_url: str, playbooks: Path, clock: Clock, **overrides: Any) -> Runtime:
    """A runtime on the given database with the private playbooks."""
    return build_runtime(summary_settings(database_url, playbooks, **overrides), clock=clock)


def insert_incident(runtime: Runtime, *, kind: str, created_at: datetime, status: str = "reported",
                    platform: str | None = "x", department: str | None = None, restricted: bool = False,
                    text: str = "テスト", url: str | None = None, acknowledged_at: datetime | None = None,
                    resolved_at: datetime | None = None, updated_at: datetime | None = None,
                    merged_into_id: int | None = None, events: Sequence[tuple[str, datetime, dict[str, Any]]] = (),
                    pending_escalation_due: datetime | None = None) -> int:
    """Insert an incident with an arbitrary history (timeline events appended through the real chain)."""
    with runtime.triage.deps.sessions.begin() as session:
        incident = Incident(
            kind=kind, status=status, severity="medium", profile="asahikawa", restricted=restricted, text=text,
            source_url=url, platform=platform, department=department, reporter_id="U_STAFF",
            reporter_name="山田", created_at=created_at, updated_at=updated_at or created_at,
            acknowledged_at=acknowledged_at, resolved_at=resolved_at, merged_into_id=merged_into_id)
        session.add(incident)
        session.flush()
        session.add(IncidentReporter(incident_id=incident.id, user_id="U_STAFF", name="山田", reported_at=created_at))
        append_event(session, incident_id=incident.id, type_="reported", actor="U_STAFF", at=created_at,
                     new_value="reported")
        for type_, at, payload in events:
            payload = dict(payload)
            old, new = payload.pop("old", None), payload.pop("new", None)
            append_event(session, incident_id=incident.id, type_=type_, actor="U_PR", at=at, old_value=old,
                         new_value=new, data=payload)
        if pending_escalation_due is not None:
            session.add(Escalation(incident_id=incident.id, level=2, section="department_head",
                                   due_at=pending_escalation_due, status="pending"))
        return incident.id


def jst(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    """A time in Asia/Tokyo in November 2026 (W46 = 9–15, W47 = 16–22)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=JST)


def _status(at: datetime, old: str, new: str) -> tuple[str, datetime, dict[str, Any]]:
    return ("status_changed", at, {"old": old, "new": new})


def _ack(at: datetime) -> tuple[str, datetime, dict[str, Any]]:
    return ("acknowledged", at, {"new": "U_PR"})


def _escalated(at: datetime, level: int) -> tuple[str, datetime, dict[str, Any]]:
    return ("escalated", at, {"new": "department_head", "level": level})


def seed_two_weeks(runtime: Runtime) -> dict[str, int]:
    """The hand-computed fixture of test_summary.py (see the expectations there); returns ids by letter."""
    ids: dict[str, int] = {}

    def add(letter: str, **fields: Any) -> None:
        ids[letter] = insert_incident(runtime, **fields)

    # -- week before (W46) --
    add("J", kind="impersonation", platform="facebook", department="観光課", created_at=jst(10, 10),
        status="closed", acknowledged_at=jst(10, 10, 20), resolved_at=jst(10, 12), updated_at=jst(11, 9),
        events=[_ack(jst(10, 10, 20)), ("merged_report", jst(10, 11), {"reporter": "U_X"}),
                _status(jst(10, 12), "acknowledged", "resolved"), _status(jst(11, 9), "resolved", "closed")])
    add("I", kind="flaming", created_at=jst(15, 23, 59), status="responding", acknowledged_at=jst(16, 0, 9),
        updated_at=jst(16, 0, 9),
        events=[_ack(jst(16, 0, 9)), ("merged_report", jst(16, 0, 30), {"reporter": "U_Y"})])
    # -- this week (W47) --
    add("A", kind="flaming", department="広報広聴課", created_at=jst(16, 9), status="closed",
        acknowledged_at=jst(16, 9, 10), resolved_at=jst(17, 9), updated_at=jst(18, 9),
        events=[_ack(jst(16, 9, 10)), ("merged_report", jst(16, 11), {"reporter": "U_Y"}),
                ("merged_report", jst(17, 12), {"reporter": "U_Z"}),
                _status(jst(17, 9), "responding", "resolved"), _status(jst(18, 9), "resolved", "closed")])
    add("F", kind="flaming", created_at=jst(16, 10), status="merged", merged_into_id=ids["A"],
        updated_at=jst(16, 10, 5), events=[_status(jst(16, 10, 5), "reported", "merged")])
    add("B", kind="flaming", department="観光課", created_at=jst(17, 8), status="responding",
        acknowledged_at=jst(17, 9), updated_at=jst(17, 9),
        events=[_escalated(jst(17, 8, 35), 2), _escalated(jst(17, 8, 50), 3), _ack(jst(17, 9))])
    add("C", kind="impersonation", platform="facebook", department="観光課", created_at=jst(18, 10),
        status="resolved", acknowledged_at=jst(18, 10, 30), resolved_at=jst(19, 8), updated_at=jst(19, 8),
        events=[_ack(jst(18, 10, 30)), _status(jst(18, 14), "responding", "resolved"),
                _status(jst(18, 15), "resolved", "responding"), _status(jst(19, 8), "responding", "resolved")])
    add("E", kind="leak", platform="facebook", department="子育て支援課", restricted=True,
        text="個人情報ABCが写った写真", url="https://secret.example/leak", created_at=jst(19, 12),
        status="responding", acknowledged_at=jst(19, 13, 30), updated_at=jst(19, 13, 30),
        events=[_escalated(jst(19, 12, 30), 2), _ack(jst(19, 13, 30))], pending_escalation_due=jst(23, 8))
    add("G", kind="account_takeover", platform="x", created_at=jst(20, 8), status="declined",
        updated_at=jst(20, 9), events=[_status(jst(20, 9), "reported", "declined")])
    add("D", kind="misinformation", platform=None, created_at=jst(22, 23, 59, 59), status="reported",
        pending_escalation_due=jst(23, 8))
    # -- outside both weeks --
    add("H", kind="flaming", created_at=jst(23, 0), status="reported")
    add("K", kind="misinformation", created_at=jst(1, 10, month=10), status="responding",
        acknowledged_at=jst(1, 10, 5, month=10), updated_at=jst(23, 8),
        events=[_ack(jst(1, 10, 5, month=10)), _escalated(jst(1, 10, 4, month=10), 2)])
    return ids
