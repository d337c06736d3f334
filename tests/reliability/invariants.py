"""What must hold after any run, whatever was killed, cut or locked on the way: read from the database, the fake
Slack's record and `incident-bot timeline verify`. Each check returns problems as sentences (empty: all good)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from tests.reliability.harness import BotProcess, Ledger, action_ids, all_messages, has_buttons, meta_of, posts, rows


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def slack_problems(fake: Any, engine: Engine) -> list[str]:
    """Nothing posted twice; every post belongs to an incident the database has."""
    problems = []
    counted = Counter(meta for meta in map(meta_of, all_messages(fake)) if meta is not None)
    problems += [f"INC-{incident:04d} {purpose}: posted {n} times"
                 for (incident, purpose), n in counted.items() if n > 1]
    known = {row.id for row in rows(engine, "SELECT id FROM incidents")}
    problems += [f"INC-{incident:04d} {purpose}: posted, but no such incident"
                 for incident, purpose in counted if incident not in known]
    return problems


def ledger_problems(ledger: Ledger, engine: Engine) -> list[str]:
    """Everything users were shown as done is in the database, once."""
    problems = list(ledger.violations)
    keys = {row.key: row.incident_id for row in rows(engine, "SELECT key, incident_id FROM intake_keys")}
    created: list[int] = []
    merged: Counter[int] = Counter()
    threads = {row.id: row.conversation_thread for row in rows(engine, "SELECT id, conversation_thread FROM incidents")}
    for event_id, (user, ts, incident, was_created) in ledger.reports.items():
        if incident is None:  # stored, then the bot died before answering (the user posted again)
            stored_as = keys.get(event_id)
            if stored_as is None:
                problems.append(f"report {event_id} by {user}: HTTP 200, not stored")
            elif threads.get(stored_as) == ts:
                problems.append(f"report {event_id} by {user}: created INC-{stored_as:04d}, never shown")
            else:
                merged.update([stored_as])
            continue
        if keys.get(event_id) != incident:
            problems.append(f"report {event_id} by {user}: shown as INC-{incident:04d}, stored as {keys.get(event_id)}")
        if was_created:
            created.append(incident)
        else:
            merged.update([incident])
    if len(set(created)) != len(created):
        problems.append(f"two reports shown as the same new incident: {created}")
    stored = sorted(row.id for row in rows(engine, "SELECT id FROM incidents"))
    if stored != sorted(created):
        problems.append(f"incidents stored {stored}, users were shown {sorted(created)}")
    events: dict[int, Counter[str]] = {}
    steps: dict[int, Counter[str]] = {}
    notes: dict[int, list[str]] = {}
    for row in rows(engine, "SELECT incident_id, type, data FROM timeline_events WHERE incident_id IS NOT NULL"):
        events.setdefault(row.incident_id, Counter())[row.type] += 1
        data = _json(row.data) or {}
        if row.type in ("step_completed", "step_skipped"):
            steps.setdefault(row.incident_id, Counter())[str(data.get("step"))] += 1
        if row.type == "note":
            notes.setdefault(row.incident_id, []).append(str(data.get("link") or ""))
    for incident in stored:
        seen = events.get(incident, Counter())
        for kind in ("reported", "classified", "notified"):
            if seen[kind] != 1:
                problems.append(f"INC-{incident:04d}: {seen[kind]} '{kind}' events")
        if seen["merged_report"] != merged[incident]:
            problems.append(f"INC-{incident:04d}: {seen['merged_report']} merged_report events, "
                            f"{merged[incident]} merges shown")
        expected_acks = 1 if incident in ledger.acknowledged else 0
        if seen["acknowledged"] != expected_acks:
            problems.append(f"INC-{incident:04d}: {seen['acknowledged']} acknowledged events, {expected_acks} shown")
        for step, count in steps.get(incident, Counter()).items():
            if count != 1:
                problems.append(f"INC-{incident:04d} step {step}: completed {count} times")
    states = {(row.incident_id, f"step:{row.kind}:{row.step_id}"): row.status
              for row in rows(engine, "SELECT incident_id, kind, step_id, status FROM step_states")}
    for incident, purpose in sorted(ledger.steps):
        if states.get((incident, purpose)) not in ("done", "skipped"):
            problems.append(f"INC-{incident:04d} {purpose}: shown closed, stored {states.get((incident, purpose))}")
    for ts, incident in ledger.captured.items():
        found = [link for link in notes.get(incident, []) if ts.replace(".", "") in link]
        # A note whose permalink could not be had (two instances: the kill switch answers the survivor's
        # chat.getPermalink with an error when it kills the other one) is stored without a link, once: its key.
        keyed = [key for key, owner in keys.items() if key.startswith("pin:") and key.endswith(f":{ts}")
                 and owner == incident]
        if len(found) > 1 or (not found and len(keyed) != 1):
            problems.append(f"INC-{incident:04d}: pinned message {ts} confirmed, {len(found)} notes")
    for incident in ledger.acknowledged:
        acked = rows(engine, "SELECT acknowledged_at FROM incidents WHERE id = :id", id=incident)
        if not acked or acked[0].acknowledged_at is None:
            problems.append(f"INC-{incident:04d}: acknowledgement shown, not stored")
    return problems


def escalation_problems(fake: Any, engine: Engine, now: datetime) -> list[str]:
    """Every due escalation fired exactly once: one post, one 'escalated' event; nothing overdue left."""
    problems = []
    escalated = Counter((row.incident_id, _json(row.data).get("level")) for row in rows(
        engine, "SELECT incident_id, data FROM timeline_events WHERE type = 'escalated'"))
    for row in rows(engine, "SELECT incident_id, level, status, due_at FROM escalations WHERE level > 1"):
        sent = len(posts(fake, row.incident_id, f"escalation:{row.level}"))
        if row.status == "sent" and (sent != 1 or escalated[(row.incident_id, row.level)] != 1):
            problems.append(f"INC-{row.incident_id:04d} level {row.level}: sent, {sent} posts, "
                            f"{escalated[(row.incident_id, row.level)]} events")
        if row.status == "pending" and _aware(row.due_at) <= now:
            problems.append(f"INC-{row.incident_id:04d} level {row.level}: overdue and never fired")
        if row.status == "cancelled" and sent > 1:
            problems.append(f"INC-{row.incident_id:04d} level {row.level}: cancelled but posted {sent} times")
    return problems


def leftover_problems(fake: Any, engine: Engine) -> list[str]:
    """No button left on something already done (a done step, an acknowledged incident)."""
    problems = []
    states = {(row.incident_id, f"step:{row.kind}:{row.step_id}"): row.status
              for row in rows(engine, "SELECT incident_id, kind, step_id, status FROM step_states")}
    acked = {row.id for row in rows(engine, "SELECT id FROM incidents WHERE acknowledged_at IS NOT NULL")}
    ended = {row.id for row in rows(engine, "SELECT id FROM incidents WHERE status IN ('resolved', 'closed')")}
    for message in all_messages(fake):
        meta = meta_of(message)
        if meta is None or not has_buttons(message):
            continue
        incident, purpose = meta
        if purpose.startswith("step:") and states.get((incident, purpose), "pending") != "pending":
            problems.append(f"INC-{incident:04d} {purpose}: done, still shows buttons")
        notice = purpose == "pr_message" or purpose.startswith("escalation:")
        # An acknowledged notice may offer 対応完了にする (incident_resolve) while the incident is open, nothing else.
        if notice and incident in acked and set(action_ids(message)) - {"incident_resolve"}:
            problems.append(f"INC-{incident:04d} {purpose}: acknowledged, still shows the button")
        if notice and incident in ended and "incident_resolve" in action_ids(message):
            problems.append(f"INC-{incident:04d} {purpose}: ended, still offers to end it")
    return problems


def verify_problems(bot: BotProcess) -> list[str]:
    """`incident-bot timeline verify` on the database: exit 0."""
    code, output = bot.run_here("timeline", "verify")
    return [] if code == 0 else [f"timeline verify: exit {code}: {output[-2000:]}"]


def log_problems(bot: BotProcess) -> list[str]:
    """No unexpected exception in the bot's log."""
    text = bot.log_text()
    return [f"{bot.name}: {marker} in its log:\n{bot.log_tail(60)}"
            for marker in ("Traceback", "slack.unexpected") if marker in text]


def whole_incident_problems(engine: Engine) -> list[str]:
    """No half-written incident: each has its reporter, its intake key, its first events and its escalation rows
    (all written in the report's one transaction)."""
    problems = []
    reporters = {(row.incident_id, row.user_id) for row in rows(engine, "SELECT incident_id, user_id FROM "
                                                                        "incident_reporters")}
    keyed = {row.incident_id for row in rows(engine, "SELECT incident_id FROM intake_keys")}
    events: dict[int, Counter[str]] = {}
    for row in rows(engine, "SELECT incident_id, type FROM timeline_events WHERE incident_id IS NOT NULL"):
        events.setdefault(row.incident_id, Counter())[row.type] += 1
    levels: dict[int, set[int]] = {}
    for row in rows(engine, "SELECT incident_id, level FROM escalations"):
        levels.setdefault(row.incident_id, set()).add(row.level)
    for row in rows(engine, "SELECT id, reporter_id FROM incidents"):
        missing = [what for what, ok in (
            ("reporter", (row.id, row.reporter_id) in reporters), ("intake key", row.id in keyed),
            ("reported event", events.get(row.id, Counter())["reported"] == 1),
            ("classified event", events.get(row.id, Counter())["classified"] == 1),
            ("notified event", events.get(row.id, Counter())["notified"] == 1),
            ("escalation rows", levels.get(row.id, set()) >= {1, 2})) if not ok]
        if missing:
            problems.append(f"INC-{row.id:04d} half-written: no {', '.join(missing)}")
    return problems
