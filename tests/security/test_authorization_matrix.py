"""Who may do what: every interactive action and command × every role × ordinary and restricted (leak)
incidents.

The expected table is written out below by hand, from the issue and the guidelines (a leak is seen and
handled by its reporters, PR and the security officer only; only PR acknowledges, merges and closes ordinary
incidents; outsiders do nothing) — it is not read from bot/triage/access.py, so a change to the code's matrix
that nobody meant shows up here as a failing cell.

Every cell runs the action the way it really arrives: Slack actions as signed requests through the real Bolt
app (the outsider is a Slack Connect user whom users.info calls `is_stranger`), the rest through the core
the adapters call (and the export CLI through `incident-bot timeline N --as USER`). A cell passes when an
allowed action had its effect, and a refused one had none, was told to the user in plain words and logged.

After the walk, the restricted incidents' texts (each carries a LEAKMARK) are looked for where they must
never be: the PR channel, the weekly summary (text, JSON and the Slack post), exports and timelines for
anyone not allowed, and every log record.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_driver import answers_from_view, find_element, pending_step

from bot.ports import Actor
from bot.triage import lifecycle
from bot.triage.access import PermissionDenied
from bot.triage.service import Triage
from tests.security.conftest import (
    COREPORTER,
    ELSEWHERE,
    FLAMING,
    LEAK,
    OUTSIDER,
    PR,
    PR_CHANNEL,
    REPORT,
    REPORTER,
    SECURITY,
    STAFF,
    SUMMARY,
    Bot,
    LogCapture,
    record_text,
    serve_config,
)

INLINE = True
ROLES = {"reporter": REPORTER, "coreporter": COREPORTER, "staff": STAFF, "pr": PR, "security": SECURITY,
         "outsider": OUTSIDER}
ROLE_OF = {user: role for role, user in ROLES.items()}

# Y = allowed, N = refused; "ordinary/restricted". The incident is always reported by the reporter.
EXPECTED_TABLE = """
action            reporter  coreporter  staff  pr   security  outsider
report_channel    Y/Y       Y/Y         Y/Y    Y/Y  Y/Y       N/N
report_dm         Y/Y       Y/Y         Y/Y    Y/Y  Y/Y       N/N
report_mention    Y/Y       Y/Y         Y/Y    Y/Y  Y/Y       N/N
report_slash      Y/Y       Y/Y         Y/Y    Y/Y  Y/Y       N/N
report_shortcut   Y/Y       Y/Y         Y/Y    Y/Y  Y/Y       N/N
view_details      Y/Y       Y/N         Y/N    Y/Y  Y/Y       N/N
step_done         Y/Y       Y/N         Y/N    Y/Y  Y/Y       N/N
step_skip         Y/Y       Y/N         Y/N    Y/Y  Y/Y       N/N
skip_all          N/N       N/N         N/N    N/N  N/N       N/N
step_input        Y/Y       Y/N         Y/N    Y/Y  Y/Y       N/N
step_submit       Y/Y       Y/N         Y/N    Y/Y  Y/Y       N/N
kind_select       Y/N       Y/N         N/N    Y/Y  Y/Y       N/N
acknowledge       N/N       N/N         N/N    Y/Y  N/N       N/N
capture           Y/Y       Y/N         Y/N    Y/Y  Y/Y       N/N
resolve           N/N       N/N         N/N    Y/Y  Y/Y       N/N
resolve_acked     Y/N       Y/N         N/N    Y/Y  Y/Y       N/N
close             N/N       N/N         N/N    Y/Y  N/Y       N/N
decline           N/N       N/N         N/N    Y/Y  N/Y       N/N
reopen            N/N       N/N         N/N    Y/Y  N/Y       N/N
merge             N/N       N/N         N/N    Y/Y  N/N       N/N
export            N/N       N/N         N/N    Y/Y  Y/Y       N/N
export_cli        N/N       N/N         N/N    Y/Y  Y/Y       N/N
"""


def _expected() -> dict[tuple[str, str, bool], bool]:
    lines = [line.split() for line in EXPECTED_TABLE.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    table: dict[tuple[str, str, bool], bool] = {}
    for action, *cells in rows:
        assert len(cells) == len(header), action
        for role, cell in zip(header, cells, strict=True):
            ordinary, restricted = cell.split("/")
            table[(action, role, False)] = ordinary == "Y"
            table[(action, role, True)] = restricted == "Y"
    return table


EXPECTED = _expected()
ACTIONS = sorted({action for action, _, _ in EXPECTED}, key=list(EXPECTED_TABLE.split()).index)
CELLS = [
    pytest.param(action, role, restricted, id=f"{action}-{role}-{'restricted' if restricted else 'ordinary'}")
    for action in ACTIONS
    for role in ROLES
    for restricted in (False, True)
]
TARGET_KIND = "misinformation"


# -- the world a cell runs in --------------------------------------------------------------------------------
@dataclass
class Incident:
    id: int
    root: str  # ts of the message its conversation hangs under
    restricted: bool
    mark: str
    channel: str  # where the conversation lives: the report channel, or the reporter's DM when restricted
    url: str


def report_text(bot: Bot, restricted: bool) -> tuple[str, str]:
    n = bot.next()
    mark = f"LEAKMARK{n:05d}" if restricted else f"PLAINMARK{n:05d}"
    url = f" https://www.facebook.com/asahikawa_fake/posts/{n}" if restricted else ""
    return (LEAK if restricted else FLAMING).format(n=n) + f"{url} {mark}", mark


def fresh(bot: Bot, restricted: bool, *, coreported: bool = False) -> Incident:
    """An incident reported by the reporter in the report channel: thread, intro, step 1, PR message; with
    coreported, the co-reporter then reports the same post in the report channel (merged into it)."""
    text, mark = report_text(bot, restricted)
    message, _ = bot.driver.post_message(REPORTER, text, REPORT)
    incident_id = bot.runtime.triage.queries.by_conversation("slack", REPORT, message["ts"])
    assert incident_id is not None
    view = bot.runtime.triage.queries.view(incident_id, None)
    assert view.restricted is restricted and view.source_url
    home = bot.adapter.ledger.home(incident_id)
    assert home is not None and home.thread is not None
    assert (home.channel == REPORT) is not restricted  # a restricted incident lives in the reporter's DM
    if coreported:
        said = "情報漏えいです。住民の氏名と住所が写った写真があります" if restricted else "市の投稿が炎上しています"
        bot.driver.post_message(COREPORTER, f"{said} {view.source_url}", REPORT)
        assert "merged_report" in bot.events(incident_id)
    return Incident(incident_id, home.thread, restricted, mark, home.channel, view.source_url)


def core_as(bot: Bot, user: str) -> Triage:
    """The core as the Slack adapter hands it out when `user` acts (outsiders recognised by users.info)."""
    bot.adapter.people.actor(user)
    return bot.adapter.people.triage()


def actor(bot: Bot, user: str) -> Actor:
    return bot.adapter.people.actor(user)


def thread(bot: Bot, incident: Incident) -> list[dict[str, Any]]:
    return bot.fake.thread_messages(incident.channel, incident.root)


def intro(bot: Bot, incident: Incident) -> dict[str, Any]:
    found = [m for m in thread(bot, incident)
             if any(b.get("block_id", "").startswith("kind|") for b in m.get("blocks") or [])]
    if found:
        return found[0]
    # A restricted incident's intro shows no kind control (plan.intro): the click is forged, as an
    # old copy or a crafted payload would be, so the core's rule is what decides.
    received = next(m for m in thread(bot, incident) if "を受け付けました" in str(m.get("text", "")))
    control = {"type": "actions", "block_id": f"kind|{incident.id}",
               "elements": [{"type": "static_select", "action_id": "kind_select"}]}
    return {**received, "blocks": [*(received.get("blocks") or []), control]}


def pr_message(bot: Bot, incident: Incident) -> dict[str, Any]:
    for message in bot.fake.channel_messages(PR_CHANNEL):
        try:
            _, button = find_element(message, "acknowledge")
        except AssertionError:
            continue
        if button.get("value") == str(incident.id):
            return message
    raise AssertionError(f"no PR message for {incident.id}")


def step_state(bot: Bot, incident: Incident, index: int) -> str:
    return bot.runtime.triage.steps.views(incident.id, f"slack:{REPORTER}")[index].status


def status(bot: Bot, incident_id: int) -> str:
    return bot.runtime.triage.queries.view(incident_id, None).status


# -- one function per action: does it, returns whether its effect happened -----------------------------------
@dataclass
class Done:
    effect: bool
    response_body: str = ""


def _report_effect(bot: Bot, before: int) -> bool:
    return bot.incident_count() > before


def do_report_channel(bot: Bot, user: str, restricted: bool) -> Done:
    text, _ = report_text(bot, restricted)
    before = bot.incident_count()
    bot.driver.post_message(user, text, REPORT)
    return Done(_report_effect(bot, before))


def do_report_dm(bot: Bot, user: str, restricted: bool) -> Done:
    text, _ = report_text(bot, restricted)
    before = bot.incident_count()
    bot.driver.post_message(user, text, "D" + user[1:], channel_type="im")
    return Done(_report_effect(bot, before))


def do_report_mention(bot: Bot, user: str, restricted: bool) -> Done:
    text, _ = report_text(bot, restricted)
    before = bot.incident_count()
    message = bot.fake.add_message(ELSEWHERE, f"<@U_BOT> {text}", user)
    bot.driver.event(
        {
            "type": "app_mention",
            "user": user,
            "text": message["text"],
            "channel": ELSEWHERE,
            "ts": message["ts"],
            "event_ts": message["ts"],
        }
    )
    return Done(_report_effect(bot, before))


def do_report_slash(bot: Bot, user: str, restricted: bool) -> Done:
    text, _ = report_text(bot, restricted)
    before = bot.incident_count()
    bot.driver.slash(user, text, REPORT)
    return Done(_report_effect(bot, before))


def do_report_shortcut(bot: Bot, user: str, restricted: bool) -> Done:
    text, _ = report_text(bot, restricted)
    before = bot.incident_count()
    message = bot.fake.add_message(REPORT, text, STAFF)
    opened = len(bot.fake.views)
    bot.driver.shortcut(user, message)
    if user == OUTSIDER:  # refused before the form opens (session 20 authz walk #2): nothing to type into
        assert len(bot.fake.views) == opened, "the shortcut's form opened for an outsider"
        return Done(_report_effect(bot, before))
    assert len(bot.fake.views) == opened + 1, "the shortcut's confirm modal did not open"
    response = bot.driver.submit_view(user, bot.fake.views[-1], {"report_text": text})
    return Done(_report_effect(bot, before), response.body)


def do_view_details(bot: Bot, user: str, incident: Incident) -> Done:
    view = core_as(bot, user).queries.view(incident.id, f"slack:{user}")
    return Done(view.details_visible and view.text is not None and incident.mark in view.text)


def do_step_skip(bot: Bot, user: str, incident: Incident) -> Done:
    step = pending_step(bot.fake, incident.channel, incident.root)
    assert step is not None
    bot.driver.click(user, step, "step_skip")
    return Done(step_state(bot, incident, 0) == "skipped")


def do_skip_all(bot: Bot, user: str, incident: Incident) -> Done:
    """Skip every step: never ends the incident (skipped required steps, nobody acknowledged)."""
    may_skip = EXPECTED[("step_skip", ROLE_OF[user], incident.restricted)]
    for _ in range(30):
        step = pending_step(bot.fake, incident.channel, incident.root)
        if step is None:
            break
        bot.driver.click(user, step, "step_skip")
        if not may_skip:
            break
    states = {view.status for view in bot.runtime.triage.steps.views(incident.id, f"slack:{REPORTER}")}
    assert states == ({"skipped"} if may_skip else {"pending"}), states
    return Done(status(bot, incident.id) == lifecycle.RESOLVED)


def do_step_done(bot: Bot, user: str, incident: Incident) -> Done:
    first = pending_step(bot.fake, incident.channel, incident.root)
    assert first is not None
    bot.driver.click(REPORTER, first, "step_skip")  # step 1 asks for inputs; step 2 is a plain "done" step
    second = pending_step(bot.fake, incident.channel, incident.root)
    assert second is not None and second["ts"] != first["ts"]
    bot.driver.click(user, second, "step_done")
    return Done(step_state(bot, incident, 1) == "done")


def _answers(view: dict[str, Any], incident: Incident) -> dict[str, str]:
    answers = answers_from_view(view)
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block["element"]["type"] == "plain_text_input":
            answers[block["block_id"]] = f"{incident.mark} 回答"  # what a leak's answers may say
    return answers


def do_step_input(bot: Bot, user: str, incident: Incident) -> Done:
    step = pending_step(bot.fake, incident.channel, incident.root)
    assert step is not None
    opened = len(bot.fake.views)
    bot.driver.click(user, step, "step_input")
    if len(bot.fake.views) == opened:
        return Done(False)  # refused before the modal opened
    view = bot.fake.views[-1]
    response = bot.driver.submit_view(user, view, _answers(view, incident))
    return Done(step_state(bot, incident, 0) == "done", response.body)


def do_step_submit(bot: Bot, user: str, incident: Incident) -> Done:
    """A modal opened for the reporter, submitted by someone else (a forged or replayed submission)."""
    step = pending_step(bot.fake, incident.channel, incident.root)
    assert step is not None
    bot.driver.click(REPORTER, step, "step_input")
    view = bot.fake.views[-1]
    response = bot.driver.submit_view(user, view, _answers(view, incident))
    return Done(step_state(bot, incident, 0) == "done", response.body)


def do_kind_select(bot: Bot, user: str, incident: Incident) -> Done:
    bot.driver.click(user, intro(bot, incident), "kind_select", selected=TARGET_KIND)
    return Done(bot.runtime.triage.queries.view(incident.id, None).kind == TARGET_KIND)


def do_acknowledge(bot: Bot, user: str, incident: Incident) -> Done:
    bot.driver.click(user, pr_message(bot, incident), "acknowledge")
    return Done(bot.runtime.triage.queries.view(incident.id, None).acknowledged_at is not None)


def do_capture(bot: Bot, user: str, incident: Incident) -> Done:
    reply = bot.fake.add_message(
        incident.channel, f"{incident.mark} 追記: 状況が変わりました", user, thread_ts=incident.root
    )
    bot.driver.react(user, incident.channel, reply["ts"])
    return Done("note" in bot.events(incident.id))


def _status_change(
    target: str, setup: Callable[[Bot, Incident], None] | None = None
) -> Callable[[Bot, str, Incident], Done]:
    def run(bot: Bot, user: str, incident: Incident) -> Done:
        if setup is not None:
            setup(bot, incident)
        try:
            # A decline carries its reason (the core asks for one): the matrix is about who, not what is typed.
            reason = "訓練の投稿のため" if target == lifecycle.DECLINED else ""
            core_as(bot, user).incidents.change_status(incident.id, target, actor(bot, user), reason)
        except PermissionDenied:
            return Done(False)
        return Done(status(bot, incident.id) == target)

    return run


def _acknowledged(bot: Bot, incident: Incident) -> None:
    bot.runtime.triage.incidents.acknowledge(incident.id, actor(bot, PR))


def _resolved_by_pr(bot: Bot, incident: Incident) -> None:
    bot.runtime.triage.incidents.change_status(incident.id, lifecycle.RESOLVED, actor(bot, PR))


def do_merge(bot: Bot, user: str, incident: Incident) -> Done:
    target = fresh(bot, restricted=False)
    try:
        core_as(bot, user).incidents.merge(incident.id, target.id, actor(bot, user))
    except PermissionDenied:
        return Done(False)
    return Done(status(bot, incident.id) == lifecycle.MERGED)


def do_export(bot: Bot, user: str, incident: Incident) -> Done:
    try:
        text = core_as(bot, user).queries.export(incident.id, f"slack:{user}", "json")
    except PermissionDenied:
        return Done(False)
    return Done(json.loads(text)["incident"]["id"] == incident.id)


def do_export_cli(bot: Bot, user: str, incident: Incident) -> Done:
    from bot.main import run

    out = io.StringIO()
    code = run(
        ["--config", str(bot_config(bot)), "timeline", str(incident.id), "--as", f"slack:{user}", "--format", "json"],
        stdout=out,
        stderr=out,
    )
    return Done(code == 0 and json.loads(out.getvalue())["incident"]["id"] == incident.id, out.getvalue())


def bot_config(bot: Bot) -> Path:
    """app.yaml for the command line, on the bot's database."""
    import yaml

    path = Path(bot.runtime.settings.database_url.removeprefix("sqlite:///")).parent / "cli.yaml"
    if not path.exists():
        config = yaml.safe_load(serve_config(path.parent).read_text(encoding="utf-8"))
        config["database_url"] = bot.runtime.settings.database_url
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


REPORTS = {
    "report_channel": do_report_channel,
    "report_dm": do_report_dm,
    "report_mention": do_report_mention,
    "report_slash": do_report_slash,
    "report_shortcut": do_report_shortcut,
}
ON_INCIDENT: dict[str, Callable[[Bot, str, Incident], Done]] = {
    "view_details": do_view_details,
    "step_done": do_step_done,
    "step_skip": do_step_skip,
    "skip_all": do_skip_all,
    "step_input": do_step_input,
    "step_submit": do_step_submit,
    "kind_select": do_kind_select,
    "acknowledge": do_acknowledge,
    "capture": do_capture,
    "resolve": _status_change(lifecycle.RESOLVED),
    "resolve_acked": _status_change(lifecycle.RESOLVED, _acknowledged),
    "close": _status_change(lifecycle.CLOSED, _resolved_by_pr),
    "decline": _status_change(lifecycle.DECLINED),
    "reopen": _status_change(lifecycle.RESPONDING, _resolved_by_pr),
    "merge": do_merge,
    "export": do_export,
    "export_cli": do_export_cli,
}
SLACK_ACTIONS = set(REPORTS) | {
    "step_done",
    "step_skip",
    "step_input",
    "step_submit",
    "kind_select",
    "acknowledge",
    "capture",
}
READS = {"view_details"}  # refusals that show less rather than say no
NOT_REFUSALS = {"skip_all"}  # allowed step by step; "no" means the incident did not end


def _denials(bot: Bot, user: str, since_seq: int) -> list[str]:
    """The access_denied events recorded for a user after a timeline position (any incident, or none)."""
    from sqlalchemy import select

    from storage.models import TimelineEvent

    with bot.runtime.triage.deps.sessions.begin() as session:
        rows = (
            session.execute(
                select(TimelineEvent).where(
                    TimelineEvent.seq > since_seq,
                    TimelineEvent.type == "access_denied",
                    TimelineEvent.actor == f"slack:{user}",  # stored namespaced (issue 13)
                )
            )
            .scalars()
            .all()
        )
        return [str((row.data or {}).get("action")) for row in rows]


def _head(bot: Bot) -> int:
    from sqlalchemy import func, select

    from storage.models import TimelineEvent

    with bot.runtime.triage.deps.sessions.begin() as session:
        return int(session.execute(select(func.coalesce(func.max(TimelineEvent.seq), 0))).scalar_one())


def _told(bot: Bot, user: str, call_mark: int, done: Done) -> bool:
    """Whether the user was told in plain words that they may not (ephemeral, response_url or the modal)."""
    t = bot.runtime.triage.catalog.t
    refusals = (t("error.denied"), t("ack.denied"), t("correct.denied"), t("correct.denied_restricted"))
    texts = [
        json.dumps(json.loads(done.response_body), ensure_ascii=False)
        if done.response_body.startswith("{")
        else done.response_body
    ]
    for call in bot.calls_since(call_mark):
        if (
            call.method == "chat.postEphemeral"
            and call.args.get("user") == user
            or call.method == "response_url"
        ):
            texts.append(json.dumps(call.args, ensure_ascii=False))
    return any(refusal in text for refusal in refusals for text in texts)


@pytest.mark.parametrize(("action", "role", "restricted"), CELLS)
def test_authorization_matrix(
    bot: Bot, log_capture: LogCapture, action: str, role: str, restricted: bool
) -> None:
    user = ROLES[role]
    allowed = EXPECTED[(action, role, restricted)]
    if action in REPORTS:
        seq, call_mark, log_mark = _head(bot), len(bot.fake.calls), log_capture.mark()
        done = REPORTS[action](bot, user, restricted)
    else:
        incident = fresh(bot, restricted, coreported=role == "coreporter")
        seq, call_mark, log_mark = _head(bot), len(bot.fake.calls), log_capture.mark()
        done = ON_INCIDENT[action](bot, user, incident)
    assert done.effect is allowed, (
        f"{role} {'may' if allowed else 'may not'} {action} "
        f"({'restricted' if restricted else 'ordinary'} incident)"
    )
    errors = [r.getMessage() for r in log_capture.since(log_mark) if r.levelno >= logging.ERROR]
    assert not errors, errors
    if allowed or action in READS or action in NOT_REFUSALS:
        return
    if action in SLACK_ACTIONS:
        assert _told(bot, user, call_mark, done), "the refusal was not told to the user"
        assert any(
            r.getMessage().startswith("slack.denied") and f"user=slack:{user}" in r.getMessage()
            for r in log_capture.since(log_mark)
        ), "the refusal was not logged"
    assert _denials(bot, user, seq), "the refusal was not recorded on the timeline"


def test_the_outsider_was_recognised_from_slack(bot: Bot) -> None:
    """users.info's is_stranger made U_EXT an outsider in the adapter's access policy (and nobody else)."""
    bot.adapter.people.actor(OUTSIDER)
    policy = bot.adapter.people.triage().deps.access
    assert policy.roles_of(f"slack:{OUTSIDER}") == frozenset({"outsider"})
    for user in (REPORTER, STAFF, PR, SECURITY):
        assert "outsider" not in policy.roles_of(f"slack:{user}")


@pytest.mark.parametrize(
    ("user", "profile", "user_team", "outsider"),
    [
        pytest.param("U_CONNECT", {}, "T_OTHERORG", True, id="slack-connect-by-payload-team"),
        pytest.param("U_GUEST", {"is_restricted": True}, None, True, id="multi-channel-guest"),
        pytest.param("U_SCGUEST", {"is_ultra_restricted": True}, None, True, id="single-channel-guest"),
        pytest.param("U_FOREIGN", {"team_id": "T_OTHERORG"}, None, True, id="other-workspace-by-users-info"),
        pytest.param("U_MEMBER", {"team_id": "T_TEST"}, "T_TEST", False, id="member"),
    ],
)
def test_outsiders_are_recognised_however_slack_says_so(
    bot: Bot, user: str, profile: dict[str, Any], user_team: str | None, outsider: bool
) -> None:
    """A DM report from each: members are heard, guests and other organisations' users are refused."""
    bot.fake.add_user(user, "誰か")
    bot.fake.users[user].update(profile)
    text, _ = report_text(bot, restricted=False)
    message = bot.fake.add_message("D" + user[1:], text, user)
    event = {
        "type": "message",
        "channel": "D" + user[1:],
        "user": user,
        "text": text,
        "ts": message["ts"],
        "channel_type": "im",
        "event_ts": message["ts"],
    }
    if user_team:
        event["user_team"] = user_team
    before = bot.incident_count()
    bot.driver.event(event)
    assert (bot.incident_count() == before) is outsider
    assert ("outsider" in bot.adapter.people.triage().deps.access.roles_of(f"slack:{user}")) is outsider


# -- restricted texts: nowhere they must not be --------------------------------------------------------------
def _leak_marks(bot: Bot) -> list[str]:
    return [
        v.text.split("LEAKMARK", 1)[1][:5]
        for v in bot.runtime.triage.queries.list(None, limit=100_000)
        if v.restricted and v.text and "LEAKMARK" in v.text
    ]


def _walk_restricted_cells(bot: Bot) -> None:
    """Every matrix action by every role on restricted incidents, as the matrix test does (its checks are its own)."""
    for action in ACTIONS:
        for role, user in ROLES.items():
            if action in REPORTS:
                REPORTS[action](bot, user, True)
            else:
                ON_INCIDENT[action](bot, user, fresh(bot, True, coreported=role == "coreporter"))


def test_restricted_texts_never_reach_pr_summary_exports_or_logs(bot: Bot, log_capture: LogCapture) -> None:
    from bot.adapters.console import ConsoleChat
    from bot.config import ConsoleSettings, ConsoleUser
    from bot.triage.summary import build_summary, render_summary
    from bot.triage.summary_model import IsoWeek

    triage = bot.runtime.triage
    if len(_leak_marks(bot)) <= 20:  # run alone (or after a -k selection): walk the restricted cells here
        _walk_restricted_cells(bot)
    marks = _leak_marks(bot)
    assert len(marks) > 20, "the walk made restricted incidents with marked texts"
    # Escalations for every unacknowledged incident (level 2 after the chain's wait), as the scheduler
    # sends them.
    bot.clock.advance(hours=30)
    assert triage.escalations.fire_due(bot.adapter.deliver_notification, "matrix") > 0
    # The weekly summary, as text, JSON and posted to Slack.
    week = IsoWeek.containing(bot.clock.now() - timedelta(hours=30))
    summary = build_summary(triage.deps.sessions, week, bot.clock.now())
    assert summary.current.new_restricted > 0 and summary.attention_restricted > 0
    texts = {
        "summary text": render_summary(summary, triage.catalog),
        "summary json": json.dumps(summary.to_dict(), ensure_ascii=False),
    }
    from bot.adapters.slack.summary_post import post_weekly_summary

    post_weekly_summary(bot.runtime, summary, None, bot.adapter.client)
    # What the bot sent to the PR and summary channels (posts, updates, escalations, the summary's file).
    for call in bot.fake.calls:
        if call.args.get("channel") in (PR_CHANNEL, SUMMARY) or call.method == "files.completeUploadExternal":
            texts[f"{call.method} to {call.args.get('channel')}"] = texts.get(
                f"{call.method} to {call.args.get('channel')}", ""
            ) + json.dumps(call.args, ensure_ascii=False)
    # Exports and timelines for those who may not see the details; the console's /timeline as a colleague.
    views = [v for v in triage.queries.list(None, limit=100_000) if v.restricted]
    chat = ConsoleChat(
        triage, ConsoleSettings(users={"staff": ConsoleUser(id=STAFF, name="佐藤")}, default_user="staff")
    )
    for view in views:
        for viewer in {f"slack:{STAFF}", f"slack:{OUTSIDER}"} - set(view.reporters):  # a reporter may see it
            entries = triage.queries.timeline(view.id, viewer)
            texts[f"timeline {view.id} as {viewer}"] = json.dumps(
                [e.__dict__ for e in entries], default=str, ensure_ascii=False
            )
            texts[f"view {view.id} as {viewer}"] = repr(triage.queries.view(view.id, viewer))
        if f"slack:{STAFF}" not in view.reporters:
            texts[f"console /timeline {view.id}"] = chat.handle(f"/timeline {view.id}")
            texts[f"console /open {view.id}"] = chat.handle(f"/open {view.id}")
    for where, text in texts.items():
        assert "LEAKMARK" not in text, where
    # Every log record of the whole module: no restricted text (no report text at all, in fact).
    for record in log_capture.records:
        line = record_text(record)
        assert "LEAKMARK" not in line and "PLAINMARK" not in line, line[:300]
    # And the details are really there for those who may see them (the searches above were not vacuous).
    # (A decline's note is its reason, not the captured message.)
    noted = next(v for v in views if v.reporters == (f"slack:{REPORTER}",) and "note" in bot.events(v.id)
                 and v.status != lifecycle.DECLINED)
    assert "LEAKMARK" in (triage.queries.view(noted.id, f"slack:{SECURITY}").text or "")
    assert "LEAKMARK" in triage.queries.export(noted.id, f"slack:{PR}", "md")  # the captured message, for PR
    assert "LEAKMARK" not in chat.handle(f"/timeline {noted.id}")  # and not for a colleague
