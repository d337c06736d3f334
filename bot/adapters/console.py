"""Console chat: the local way to use the bot, on the same core and database as every adapter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import OperationalError

from bot.adapters import console_input as ci
from bot.adapters.console_input import (
    ENGLISH_NAMES,
    MAX_LINE,
    PLATFORM,
    Guided,
    qualified,
    read_loop,
    text,
)
from bot.adapters.console_records import ConsoleRecords
from bot.adapters.console_render import render_ask, render_standing, render_step, render_steps
from bot.cli_errors import database_problem, masked_url, say
from bot.config import ConsoleSettings
from bot.delivery import commands
from bot.i18n import Catalog
from bot.ports import Actor, AskIfReport, Outcome, ReportInput
from bot.presenting import failure_text
from bot.triage import lifecycle
from bot.triage.access import PermissionDenied
from bot.triage.core import IncidentNotFound, InvalidRequest
from bot.triage.lifecycle import CLOSED, DECLINED, IllegalTransition
from bot.triage.restriction import HERE
from bot.triage.service import Triage
from bot.triage.short_input import fold, incident_number
from bot.triage.steps import field_problem


class ConsoleChat:
    """Turns typed lines into core calls and the outcomes into text; tests drive it like a transcript."""

    def __init__(self, triage: Triage, settings: ConsoleSettings, records_folder: Path | None = None) -> None:
        self.triage = triage
        english = triage.catalog.locale == "en"
        # Keyed by the id the core stores (a bare console id is namespaced), so /list and /timeline find them.
        names = {qualified(u.id): ENGLISH_NAMES.get(u.name, u.name) if english else u.name
                 for u in settings.users.values()}
        self.records = ConsoleRecords(triage, records_folder, names)  # files at the end, the closing review
        self.users = settings.users
        self.user_key = settings.default_user if settings.default_user in self.users else next(iter(self.users))
        self.focus: int | None = None
        self.guided: Guided | None = None
        # The open AskIfReport and the report it is about: only the poster (this console) sees it.
        self.pending: tuple[ReportInput, AskIfReport] | None = None
        self.totals = ci.StepTotals()  # a step count that drops is explained (README's 【手順 1/7】 → 【手順 2/6】)
        self.t = triage.catalog.t
        self.locale = triage.catalog.locale
        self.catalogs = [triage.catalog, *(Catalog.load(other) for other in ("ja", "en") if other != self.locale)]

    @property
    def actor(self) -> Actor:
        """The user the console is acting as."""
        user = self.users[self.user_key]
        name = ENGLISH_NAMES.get(user.name, user.name) if self.locale == "en" else user.name
        return Actor(user_id=qualified(user.id), display_name=name, platform=PLATFORM)

    def prompt(self) -> str:
        """The prompt: the user, and the field being asked in the guided mode."""
        if self.guided is not None:
            return f"{self.user_key}:{self.guided.specs[self.guided.index].id}> "
        return f"{self.user_key}> "

    def welcome(self) -> str:
        """The first line shown."""
        deps = self.triage.deps
        return self.t("console.welcome", profile=deps.profile.name_for(deps.catalog.locale),
                      locale=deps.catalog.locale, user=self.actor.display_name)

    # -- input ---------------------------------------------------------------------------------------------
    def handle(self, line: str) -> str:
        """Process one typed line and return what the bot answers."""
        line = line.strip()
        if len(line) > MAX_LINE:
            return text("too_long", self.locale, length=len(line), max=MAX_LINE)
        if self.guided is not None:
            return self._guided_line(line)
        if self.records.review is not None:
            return self._review_line(line)
        if not line:
            return ""
        return self._guard(lambda: self._line(line))

    def _review_line(self, line: str) -> str:
        """An answer to the closing review; /cancel stops it, any other command stops it and runs."""
        if not line.startswith("/"):
            return self._guard(lambda: self.records.answer(line, self.actor))
        stopped = self.records.cancel(None if fold(line).lower() == "/cancel" else self.actor)  # typed cause kept
        return stopped if fold(line).lower() in ("/cancel", "/quit") else stopped + "\n" + self.handle(line)

    def _line(self, line: str) -> str:
        if line.startswith(("/", "／")):
            return self._command(line)
        if (read := commands.read(line, self.t)) is not None:  # 終結 1, 再開 INC-0001: as typed on Slack and Teams
            return self._shared(read)
        if self.focus is not None and (step := ci.remark_on(self.triage, self.focus, self.actor.user_id, line)):
            # Like a reply in a Slack incident thread: conversation on that incident, not a new report.
            noted = self._render(self.triage.incidents.add_note(self.focus, self.actor, line))
            return "\n".join([noted, self.t("console.noted_hint"), *ci.url_hint(step, line, self.locale)])
        line, joined = ci.continued(self.pending, line, self.locale)  # the unanswered question's text is kept
        self.pending = None  # its text is in this report now (asked again if still unsure)
        return joined + self._report(line, None, explicit=True)

    def _guard(self, action: Callable[[], str]) -> str:
        """Run one action; user errors become one message (database trouble says nothing was saved)."""
        try:
            return action()
        except PermissionDenied as exc:  # who may, where the refusal can say (a reopen)
            return failure_text(exc, self.triage.catalog, self.focus) or self.t("error.denied")
        except InvalidRequest as exc:
            if isinstance(exc.__cause__, OperationalError):  # StorageUnavailable: say why when it will not pass
                key = database_problem(exc.__cause__)
                if key in ("db_read_only", "db_corrupt", "db_cannot_open"):
                    return self._database_message(key)
            return str(exc)
        except (IllegalTransition, IncidentNotFound) as exc:  # the core's words, with the INC-0000 reference
            return failure_text(exc, self.triage.catalog, self.focus) or str(exc)
        except ValueError as exc:
            return self.t("console.bad_arguments", error=str(exc))
        except OperationalError as exc:
            return self._database_message(database_problem(exc))

    def _database_message(self, key: str) -> str:
        self.guided = None
        bind = self.triage.deps.sessions.kw.get("bind")
        url = masked_url(bind.url.render_as_string(hide_password=True)) if bind is not None else ""
        return say(key, self.locale, url=url, detail=key)

    def _command(self, line: str) -> str:
        name, rest = (line.split(maxsplit=1) + [""])[:2]  # a full-width space separates too
        name, rest = fold(name), rest.strip()
        handlers: dict[str, Callable[[str], str]] = {
            "/help": lambda _: self.t("console.help", users=", ".join(self.users)),
            "/as": self._switch_user, "/report": self._report_command, "/answer": self._answer_ask,
            "/post": lambda r: self._report(r, None, explicit=False), "/done": lambda r: self._answer(r, False),
            "/input": lambda _: self._start_guided(),
            "/skip": lambda r: self._answer(r, True), "/step": self._show_step,
            "/steps": lambda _: render_steps(self.triage, self._need_focus(), self.actor.user_id),
            "/kind": self._kind, "/ack": self._ack, "/note": self._note, "/open": self._open, "/list": self._list,
            "/timeline": self._timeline, "/verify": lambda _: self.records.verify(), "/drafts": self._drafts,
            "/grant": self._grant, "/incident": self._incident_command, "/status": self._standing,
            "/resolve": lambda r: self._status(lifecycle.RESOLVED, r), "/close": lambda r: self._status(CLOSED, r),
            "/decline": lambda r: self._status(DECLINED, r), "/reopen": lambda r: self._status(lifecycle.RESPONDING, r),
        }
        handler = handlers.get(name.lower())
        if handler is None:
            guess = ci.closest_command(name.lower(), [*handlers, "/quit", "/exit"])
            if guess is not None:
                return self.t("console.did_you_mean", command=name, suggestion=guess)
            return self.t("console.unknown_command", command=name)
        return handler(rest)

    def _need_focus(self) -> int:
        if self.focus is None:
            raise InvalidRequest(self.t("console.no_focus"))
        return self.focus

    def _number(self, text: str) -> int | None:
        number = incident_number(text)  # INC-0001, inc-1, ＃１, ＩＮＣ－０００１
        if number is None and fold(text):
            raise InvalidRequest(self.t("console.usage_number"))
        return number

    # -- commands ------------------------------------------------------------------------------------------
    def _switch_user(self, rest: str) -> str:
        rest = ci.user_key(rest, self.users)
        if rest not in self.users:
            return self.t("console.unknown_user", user=rest, users=", ".join(self.users))
        self.user_key = rest
        return self.t("console.user", name=self.actor.display_name, id=self.users[rest].id) + ci.role_missing(
            rest, self.users[rest].id, self.triage.deps.access, self.triage.catalog)

    def _report_command(self, rest: str) -> str:
        kind, force_new = None, False
        if rest.startswith("--new"):  # a new incident although the same post's incident is resolved
            force_new, rest = True, rest.removeprefix("--new").strip()
        if rest.startswith("--kind"):
            _, _, rest = rest.partition(" ")
            kind, _, rest = rest.strip().partition(" ")
        if not rest.strip():
            return self.t("console.usage_report")
        return self._report(rest.strip(), kind or None, explicit=True, force_new=force_new, by_act=True)

    def _report(self, text: str, kind: str | None, *, explicit: bool, force_new: bool = False,
                by_act: bool = False) -> str:
        """A typed line (explicit by place), /report and 新規 (by act) or, with /post, a report-channel message."""
        report = ReportInput(text=text, reporter=self.actor, kind_hint=kind, platform=None, explicit=explicit,
                             force_new=force_new, by_act=by_act)
        return self._render(self.triage.incidents.report(report), report)

    def _answer_ask(self, rest: str) -> str:
        """/answer N: the poster's answer to the open question (0 = 「報告ではない」)."""
        if self.pending is None:
            return self.t("console.no_question")
        report, ask = self.pending
        number = fold(rest)
        if not number.isdigit() or int(number) > len(ask.choices) or (number == "0" and ask.decline is None):
            return self.t("console.usage_answer")
        kind = ask.choices[int(number) - 1].kind if int(number) else None
        self.pending = None
        return self._render(self.triage.incidents.answer(report, kind), report)

    def _answer(self, rest: str, skip: bool) -> str:
        incident_id = self._need_focus()
        step = self.triage.steps.current(incident_id, self.actor.user_id)
        if step is None:
            return self._no_step(incident_id)
        answers = ci.parse_answers(rest, self.locale)
        if not answers and not skip and any(spec.required for spec in step.inputs):
            return self._start_guided()
        answers, problems = ci.resolve_choices(step.inputs, answers, self.t, self.locale)
        if problems:
            return "\n".join(problems)
        if not skip and (missing := ci.still_missing(step.inputs, answers)):  # what was typed kept, the rest asked
            self.guided = Guided(incident_id, step.step_id, missing, answers=dict(answers))
            return self._ask()
        outcome = self.triage.steps.complete(incident_id, step.step_id, self.actor, skip=skip, answers=answers)
        return self._ending(outcome)

    def _no_step(self, incident_id: int) -> str:
        view = self.triage.queries.view(incident_id, self.actor.user_id)
        return self.t("console.step_hidden", ref=view.ref) if not view.details_visible else self.t("console.no_step")

    # -- guided input --------------------------------------------------------------------------------------
    def _start_guided(self) -> str:
        incident_id = self._need_focus()
        step = self.triage.steps.current(incident_id, self.actor.user_id)
        if step is None:
            return self._no_step(incident_id)
        if not step.inputs:
            return text("no_inputs", self.locale)
        self.guided = Guided(incident_id, step.step_id, list(step.inputs))
        return self._ask()

    def _ask(self) -> str:
        assert self.guided is not None
        return ci.ask_text(self.guided.specs[self.guided.index], self.locale)

    def _guided_line(self, line: str) -> str:
        guided = self.guided
        assert guided is not None
        if fold(line).startswith("/"):  # any command ends the questions and runs, as in the closing review
            self.guided = None
            done = fold(line).lower() in ("/cancel", "/quit")
            return text("cancelled", self.locale) + ("" if done else "\n" + self.handle(line))
        spec = guided.specs[guided.index]
        if line and spec.choices:
            chosen = ci.choice_value(spec, line)
            if chosen is None:
                return ci.bad_choice(spec, self.t, self.locale) + "\n" + self._ask()
            line = chosen
        line = line or spec.value  # an empty line keeps what is already known (the report's URL, an answer)
        problem = field_problem(self.triage.catalog, spec, line) if line else None
        if problem:  # said at once: the answers before it are kept, this one is asked again
            return problem + "\n" + self._ask()
        if not line and spec.required:
            return self._ask()
        if line:
            guided.answers[spec.id] = line
        guided.index += 1
        if guided.index < len(guided.specs):
            return self._ask()
        self.guided = None
        return self._guard(lambda: self._ending(self.triage.steps.complete(
            guided.incident_id, guided.step_id, self.actor, skip=False, answers=guided.answers)))

    def _show_step(self, _: str) -> str:
        incident_id = self._need_focus()
        step = self.triage.steps.current(incident_id, self.actor.user_id)
        return render_step(step, self.t) if step else self._no_step(incident_id)

    def _drafts(self, _: str) -> str:
        drafts = self.triage.steps.drafts(self._need_focus(), self.actor.user_id)
        if not drafts:
            return self.t("console.no_drafts")
        return "\n".join(f"----- {d.title} -----\n{d.text.strip()}\n{'-' * 24}" for d in drafts)

    def _kind(self, rest: str) -> str:
        kind, incident_id = ci.kind_value(rest, self.catalogs), self._need_focus()
        was = self.triage.queries.view(incident_id, self.actor.user_id).restricted  # became a leak: say redacted
        return self._render(self.triage.incidents.correct_kind(incident_id, kind, self.actor), was_restricted=was)

    def _ack(self, rest: str) -> str:
        incident_id = self._number(rest) or self._need_focus()
        try:
            return self._render(self.triage.incidents.acknowledge(incident_id, self.actor))
        except PermissionDenied:
            return self.t("ack.denied")

    def _grant(self, rest: str) -> str:
        return self._shared(commands.Command("grant", self._need_focus(), user=rest))

    def _user_id(self, typed: str) -> str:
        """A console user's key (or an id) as the core's user id."""
        typed = fold(typed).lstrip("@")
        return qualified(self.users[typed].id if typed in self.users else typed)

    def _incident_command(self, rest: str) -> str:
        """/incident 終結 1: Slack's slash command typed in the console."""
        listed = commands.Usage(self.t("commands.list", prefix="/incident "))
        return self._shared(commands.read(rest, self.t, "/incident ") or listed)

    def _shared(self, read: commands.Command | commands.Usage) -> str:
        """A command in the words Slack and Teams take (bot/delivery/commands.py), run by the same core calls."""
        if isinstance(read, commands.Usage):
            return read.text
        if read.action == "new":
            return self._report(read.text, None, explicit=True, force_new=True, by_act=True)
        if read.action == "status":
            return self._standing(str(read.incident_id))
        if read.action == "grant" and (unknown := ci.unknown_user(read.user, self.users, self.t)):
            return unknown  # a bare name that is no console user: the role would go to nobody
        name = self.records.names.get(self._user_id(read.user), "") if read.user else ""  # a console user's name
        return self._ending(read.run(self.triage, self.actor, person=self._user_id, name=name))

    def _standing(self, rest: str) -> str:
        """/status [番号], 状況 INC-0001: the standing; one who may continue the step continues it here."""
        incident_id = self._number(rest) or self._need_focus()
        shown, focus = render_standing(self.triage, self.actor, incident_id, self.t)
        self.focus = incident_id if focus else self.focus
        return shown

    def _note(self, rest: str) -> str:
        return self._render(self.triage.incidents.add_note(self._need_focus(), self.actor, rest))

    def _open(self, rest: str) -> str:
        incident_id = self._number(rest)
        if incident_id is None:
            raise InvalidRequest(self.t("console.usage_number"))
        view = self.triage.queries.view(incident_id, self.actor.user_id)
        self.focus = incident_id
        return self.t("console.focus", ref=view.ref) + "\n" + self.records.line(view)

    def _list(self, _: str) -> str:
        views = self.triage.queries.list(self.actor.user_id)
        return "\n".join(self.records.line(v) for v in views) or self.t("console.no_incidents")

    def _timeline(self, rest: str) -> str:
        return self.records.timeline(self._number(rest) or self._need_focus(), self.actor.user_id)

    def _status(self, target: str, rest: str = "") -> str:
        """/close, /decline 理由, /reopen 理由, /resolve: the incident typed first (3, INC-0003), else the open one."""
        head, tail = (rest.split(maxsplit=1) + ["", ""])[:2]
        number = incident_number(head) if head else None
        reason = (tail if number else rest).strip()  # a reason typed after any of them is kept, not dropped
        return self._ending(self.triage.incidents.change_status(number or self._need_focus(), target, self.actor,
                                                                reason=reason))

    def _ending(self, outcome: Outcome) -> str:
        """The outcome, then (when it ended the incident) the files written and the closing review asked."""
        shown = self._render(outcome)
        return "\n".join(part for part in (shown, self.records.ended(outcome.incident, self.actor)) if part)

    # -- output --------------------------------------------------------------------------------------------
    def _render(self, outcome: Outcome, report: ReportInput | None = None, was_restricted: bool = True) -> str:
        if outcome.incident is not None:
            self.focus = outcome.incident.id
        if outcome.duplicate and not outcome.messages:
            return self.t("console.duplicate")
        # A question with nothing opened is rendered whole below; its messages are the plain-text fallback.
        parts = list(outcome.messages) if outcome.ask is None or outcome.incident is not None else []
        if outcome.same_as_resolved and outcome.incident is not None:
            parts.append(self.t("console.same_post_choices", id=outcome.incident.id))
        if not was_restricted and outcome.incident is not None and outcome.incident.restricted:  # as Slack redacts
            parts.append(self.t("console.notices_redacted"))
        for note in (n for n in outcome.notifications if n.topic not in HERE and not outcome.duplicate):
            parts.append(self.t("console.notified", section=note.section_name, title=note.title))
        if outcome.step is not None and not outcome.became_restricted:  # then the first reporter's, not theirs
            parts.extend([*self.totals.dropped(outcome.step, outcome.incident, self.locale),
                          render_step(outcome.step, self.t)])
        if outcome.ask is not None and report is not None:
            self.pending = (report, outcome.ask)
            parts.append(render_ask(outcome.ask, self.t))
        return "\n".join(parts)

    def run(self, stdin: TextIO, stdout: TextIO, prompt: bool = True, interactive: bool = False) -> None:
        """Read lines until /quit or end of input (console_input.read_loop)."""
        read_loop(self, stdin, stdout, prompt, interactive)

    def finish(self) -> str:
        """At /quit or Ctrl-D: a closing review's cause typed so far is recorded (else nothing is said)."""
        return self._guard(lambda: self.records.cancel(self.actor)) if self.records.review is not None else ""

    def interrupted(self) -> str:
        """Ctrl-C on a terminal: the line being typed (and a guided input) dropped; answers typed are shown."""
        said, self.guided = text("interrupted", self.locale) + ci.leftover(self.guided, self.locale), None
        return said
