"""Console records: /timeline with names, and at an incident's end the report and timeline written to a folder
and the closing review (原因・再発防止策) asked, optional.

Files go to `records/` beside a SQLite database file (else in the current folder's `records/`), never over an
existing file (name-2, name-3 …): an edited report is never lost. The review is asked line by line; an empty
line skips a question, /cancel or any other command ends the questions with nothing recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from bot import identity
from bot.clock import format_jst
from bot.delivery import closing
from bot.ports import Actor, IncidentView
from bot.records.model import reporter_names
from bot.records.sentences import Describer
from bot.records.service import RecordFile, RecordsDesk
from bot.records_cli import save_whole, unique_path
from bot.triage import lifecycle
from bot.triage.core import incident_ref
from bot.triage.service import Triage

FOLDER = "records"
# Control characters a terminal would act on (escape sequences, carriage returns), kept out of what it prints.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def records_folder(triage: Triage) -> Path:
    """Where the console writes record files: beside a SQLite database file, else in the current folder."""
    bind = triage.deps.sessions.kw.get("bind")
    if bind is not None:
        url = make_url(str(bind.url))
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database).resolve().parent / FOLDER
    return Path.cwd() / FOLDER


@dataclass
class Review:
    """The closing review being asked: which incident, and the answers so far."""

    incident_id: int
    ref: str
    answers: list[str] = field(default_factory=list)


class ConsoleRecords:
    """See the module docstring."""

    def __init__(self, triage: Triage, folder: Path | None = None, names: dict[str, str] | None = None) -> None:
        self.triage = triage
        self.folder = folder
        self.names = dict(names or {})  # the console's own users: their names, not their ids
        self.review: Review | None = None
        self.t = triage.catalog.t

    @property
    def desk(self) -> RecordsDesk:
        return RecordsDesk(self.triage.deps)

    def verify(self) -> str:
        """/verify: the chain, and the tables against it."""
        from bot.triage.audit import verify_database

        report, t = verify_database(self.triage.deps), self.triage.catalog.t
        if report.ok:
            return t("console.verify_ok", events=report.chain.events, head=report.chain.head_hash[:16])
        problems = report.problem_lines(self.triage.catalog)
        return "\n".join([t("console.verify_bad", count=len(problems)), *(f"  {line}" for line in problems)])

    def timeline(self, incident_id: int, user: str) -> str:
        """The readable timeline (names and section names, not ids) as the user may see it, as plain text for a
        terminal: one sentence per event with its basis (Markdown's escapes and pipes are for files)."""
        queries = self.triage.queries
        view, entries = queries.view(incident_id, user), queries.timeline(incident_id, user)
        names = {**self.names, **reporter_names(self.triage.deps, incident_id)} if view.details_visible else {}
        out = [self.t("console.timeline_heading", ref=view.ref, kind=view.kind_label, status=view.status_label)]
        for line in Describer.for_deps(self.triage.deps, names=names, hidden=not view.details_visible).describe(
                entries):
            basis = self.t("console.timeline_clauses", clauses=line.clauses) if line.clauses else ""
            # A note's own line breaks stay visible, indented under its event.
            said = f"{line.when}　{line.event}　{line.text}{basis}"  # the event's label, as the files' 種別 column
            out.append(_CONTROL.sub("", said).replace("\n", "\n  "))
        return "\n".join(out)

    def person(self, view: IncidentView) -> str:
        """The reporter's name for a list line: a console user's, else the name given when reporting (if the
        user may see the details), else the id without its platform prefix."""
        if view.reporter_id in self.names:
            return self.names[view.reporter_id]
        given = reporter_names(self.triage.deps, view.id).get(view.reporter_id) if view.details_visible else None
        return given or identity.split(view.reporter_id)[1]

    # -- at the end ----------------------------------------------------------------------------------------------
    def ended(self, view: IncidentView | None, actor: Actor) -> str:
        """After an outcome: if the incident has just ended, the files written and the first review question."""
        if view is None or not closing.has_ended(view):
            return ""
        parts = [self._not_done(view, actor.user_id), self.write(view.id, actor.user_id)]
        if self.desk.may_review(view.id, actor.user_id) and self.desk.review_version(view.id) == 0:
            self.review = Review(view.id, view.ref)
            parts.append(self.t("records.review.ask_cause", ref=view.ref))
        return "\n".join(part for part in parts if part)

    def _not_done(self, view: IncidentView, user: str) -> str:
        """Steps still pending when the incident ended (a /resolve before they were done): named, as the report
        marks them 未実施."""
        if not view.details_visible or view.status != lifecycle.RESOLVED:  # said once, when it is resolved
            return ""
        pending = [v.title for v in self.triage.steps.views(view.id, user) if v.status == "pending"]
        if not pending:
            return ""
        ja = self.triage.catalog.locale == "ja"  # titles have their own 「、」: each in brackets
        joined = "".join(f"「{t}」" for t in pending) if ja else ", ".join(f'"{t}"' for t in pending)
        return self.t("records.chat.not_done", ref=view.ref, count=len(pending), steps=joined)

    def answer(self, line: str, actor: Actor) -> str:
        """One answer to the review being asked: the next question, or the review recorded and files rewritten."""
        review = self.review
        assert review is not None
        review.answers.append(line.strip())
        if len(review.answers) < 2:
            return self.t("records.review.ask_prevention")
        self.review = None
        cause, prevention = review.answers
        if not cause and not prevention:
            return self.t("records.review.skipped")
        done = self.desk.record_review(review.incident_id, actor, cause=cause, prevention=prevention)
        return "\n".join([done, self.write(review.incident_id, actor.user_id)])

    def cancel(self, actor: Actor | None = None) -> str:
        """Stop asking: on /cancel (no actor) nothing is recorded and the report keeps its marked blanks; stopped by
        another command, /quit or Ctrl-D, the cause already typed is recorded, not dropped."""
        review, self.review = self.review, None
        if actor is None or review is None or not any(review.answers):
            return self.t("records.review.skipped")
        done = self.desk.record_review(review.incident_id, actor, cause=review.answers[0], prevention="")
        return "\n".join([done, self.write(review.incident_id, actor.user_id)])

    def line(self, view: IncidentView) -> str:
        """One incident in /list and /open: reference, status, kind, severity, reporter, time reported."""
        return self.t("console.incident_line", ref=view.ref, status=view.status_label, kind=view.kind_label,
                      severity=view.severity_label, reporter=self.person(view),
                      created=format_jst(view.created_at, self.triage.catalog.locale))

    def write(self, incident_id: int, user: str) -> str:
        """The report (.docx) and timeline (.xlsx) the user may receive, written; the message naming the paths."""
        desk = self.desk
        if not desk.may_receive(incident_id, user):
            return ""
        files = [desk.report_for_recipient(incident_id, user, closing.REPORT_FORMAT),
                 desk.timeline_for_recipient(incident_id, user, closing.TIMELINE_FORMAT)]
        folder = self.folder or records_folder(self.triage)
        folder.mkdir(parents=True, exist_ok=True)
        paths = [self._save(folder, file) for file in files]
        written = self.t("records.chat.written", ref=incident_ref(incident_id))
        return "\n".join([written, *(f"  {path}" for path in paths)])

    @staticmethod
    def _save(folder: Path, file: RecordFile) -> Path:
        path = unique_path(folder / file.filename)
        save_whole(path, file.content)
        return path
