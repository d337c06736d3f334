"""Console input helpers: answers with Japanese choice labels, kind names in Japanese, line reading with
prompt_toolkit (history, line editing) or plain lines, and the console's own short messages."""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TextIO, cast

from bot import identity
from bot.i18n import Catalog
from bot.ports import AskIfReport, IncidentView, InputSpec, ReportInput, StepView
from bot.triage import short_input
from bot.triage.access import AccessPolicy
from bot.triage.classify import KINDS
from bot.triage.service import Triage
from bot.triage.urls import first_url, source_key

PLATFORM = "console"
# A line opening by saying it is another matter (「別件ですが、…」): the console has no channel apart from the
# incident's "thread", so such a line is a new report, never a note on the incident in focus.
ANOTHER_MATTER = re.compile(r"^(別件|別の件|別の案件|別のトラブル|もう[一1]件|(another|separate|different) "
                            r"(matter|issue|incident|problem))", re.IGNORECASE)
# One line longer than this is refused (the core keeps 40,000 characters of a report; refusing says so).
MAX_LINE = 40_000

TEXT: dict[str, dict[str, str]] = {
    "too_long": {"ja": "入力が長すぎます（{length:,} 文字）。1 回の入力は {max:,} 文字までです。何も保存していません。"
                       "分けて入力するか、要点をまとめてください。",
                 "en": "That input is too long ({length:,} characters; at most {max:,}). Nothing was saved. "
                       "Split it or summarise it."},
    "no_equals": {"ja": "「{token}」は 項目=値 の形ではありません。値に空白を含むときは 項目=\"値\" のように"
                        "引用符で囲んでください。",
                  "en": "\"{token}\" is not key=value. Quote values with spaces: key=\"two words\"."},
    "quote": {"ja": "引用符が閉じていません。値に空白を含むときは 項目=\"値\" のように引用符で囲んでください。",
              "en": "A quotation mark is not closed. Quote values with spaces like key=\"two words\"."},
    "ask": {"ja": "{label}（{id}{required}）を入力してください。{choices}空行で{empty}。/cancel で中止します。",
            "en": "Enter {label} ({id}{required}). {choices}Empty line: {empty}; /cancel stops."},
    "ask_required": {"ja": "、必須", "en": ", required"},
    "ask_choices": {"ja": "選択肢: {options}。", "en": "Choices: {options}. "},
    "empty_skip": {"ja": "この項目を空欄にします", "en": "leave it empty"},
    "empty_required": {"ja": "もう一度お聞きします（必須）", "en": "you will be asked again (required)"},
    "empty_keep": {"ja": "「{value}」のままにします", "en": "keep \"{value}\""},
    "cancelled": {"ja": "入力を中止しました。手順はそのままです。", "en": "Input cancelled; the step is unchanged."},
    "no_inputs": {"ja": "この手順には入力項目がありません。/done で完了します。",
                  "en": "This step has no inputs; /done completes it."},
    "url_hint": {"ja": "{label}として入力するには /done {id}={url} と入力してください（メモでは入力されません）。",
                 "en": "To enter it as {label}: /done {id}={url} (a note enters nothing)."},
    "joined": {"ja": "前の入力に続けて、{lines} 行を一つの報告として読みました（別の報告にするときは、先に前の質問に"
                     "答えてください）。",
               "en": "Read with your previous input as one report ({lines} lines; to report it separately, answer "
                     "the earlier question first)."},
    "unsaved": {"ja": "入力途中の回答は保存していません。続きから入力するには、次の行をそのまま入力してください："
                      "\n{command}",
                "en": "The answers typed so far were not saved. To enter them again, type this line:\n{command}"},
    "dropped": {"ja": "※ 回答により、不要になった手順が {count} つあります（全 {before} 手順 → 全 {after} 手順）。",
                "en": "Note: your answers made {count} step(s) unnecessary ({before} steps → {after} steps)."},
    "interrupted": {"ja": "（Ctrl-C）入力を取り消しました。終了するには /quit または Ctrl-D を押してください。",
                    "en": "(Ctrl-C) Input discarded. Type /quit or press Ctrl-D to leave."},
}
# Default console users' names in English (app.yaml may name them; names it gives are kept as they are).
ENGLISH_NAMES = {"担当 山田": "Yamada (staff)", "広報 佐藤": "Sato (PR)", "情報セキュリティ 鈴木": "Suzuki (security)"}


def qualified(user_id: str) -> str:
    """A console user's id as the core stores it: a bare id is the console's, a namespaced one is kept."""
    return user_id if identity.split(user_id)[0] else identity.qualify(PLATFORM, user_id)


def role_missing(key: str, user_id: str, access: AccessPolicy, catalog: Catalog) -> str:
    """For /as pr (/as security): how to give the console user the role app.yaml gives only to others; else ""."""
    field, members = {"pr": ("pr_members", access.pr_members),
                      "security": ("security_officers", access.security_officers)}.get(key, ("", frozenset()))
    if not field or qualified(user_id) in members:
        return ""
    # Never acts as app.yaml's person: the timeline would name someone who did not act.
    return "\n" + catalog.t("console.role_missing", id=qualified(user_id), field=f"access.{field}")


def closest_command(typed: str, known: Iterable[str]) -> str | None:
    """The known command a typo most likely meant (/stpe → /step); None when nothing is close."""
    known = list(known)
    swapped = [name for name in known if sorted(name) == sorted(typed)]  # letters swapped: /dnoe is /done
    matches = swapped or difflib.get_close_matches(typed, known, n=1, cutoff=0.6)
    return matches[0] if matches else None


def text(key: str, locale: str, **params: object) -> str:
    """A console message in the locale."""
    return TEXT[key]["en" if locale == "en" else "ja"].format(**params)


def choice_value(spec: InputSpec, answer: str) -> str | None:
    """The choice value an answer means, read by the core's one rule (bot/triage/short_input.py)."""
    return short_input.choice_value(spec.choices, answer)


def kind_value(answer: str, catalogs: Iterable[Catalog]) -> str:
    """A kind id from its id, its label in any locale or a common Japanese alias, in any width."""
    labels = {kind: [catalog.label("kind", kind) for catalog in catalogs] for kind in KINDS}
    return short_input.kind_value(answer, KINDS, labels)


def parse_answers(rest: str, locale: str) -> dict[str, str]:
    """`key=value key="two words"` (＝ and 全角スペース too) into a mapping; ValueError that says how to quote."""
    lexer = shlex.shlex(rest, posix=True)
    lexer.whitespace += "\u3000"  # a full-width space separates answers like a half-width one
    lexer.whitespace_split, lexer.commenters = True, ""  # as shlex.split: "#" starts no comment
    try:
        tokens = list(lexer)
    except ValueError:
        raise ValueError(text("quote", locale)) from None
    answers: dict[str, str] = {}
    for token in tokens:
        key, sep, value = re.split("([=＝])", token, maxsplit=1) if re.search("[=＝]", token) else (token, "", "")
        if not sep or not short_input.fold(key):
            raise ValueError(text("no_equals", locale, token=token))
        answers[short_input.fold(key)] = value
    return answers


def remark_on(triage: Triage, incident_id: int, user: str, line: str) -> StepView | None:
    """The open step a typed line is a remark on (a note, as a reply in a thread), None when no step is open or
    the line is worded as a report about another post than the incident's, or says it is another matter (a console
    has no thread to tell them apart: that is a new report). An incident without a post of its own keeps the line."""
    step = triage.steps.current(incident_id, user)
    if step is not None and ANOTHER_MATTER.match(short_input.fold(line).lstrip()):
        return None
    url, post = first_url(line), triage.queries.view(incident_id, user).source_url if step else None
    if step is None or url is None or not post or source_key(url) == source_key(post):
        return step
    return None if triage.deps.classifier.classify(line).outcome == "report" else step


def user_key(typed: str, users: Mapping[str, object]) -> str:
    """The console user /as means: the key in any case (/as PR), else the one user whose name holds the typed
    word (/as 広報, /as 佐藤); else the word as typed (then refused with the users there)."""
    typed = short_input.fold(typed)
    by_case = [key for key in users if key.casefold() == typed.casefold()]
    by_name = [key for key, user in users.items() if typed and typed in str(getattr(user, "name", ""))]
    return (by_case or (by_name if len(by_name) == 1 else []) or [typed])[0]


def unknown_user(typed: str, users: Mapping[str, object], t: Callable[..., str]) -> str:
    """A bare name that is no console user (/grant other): refused, else the role would go to 「console:other」,
    nobody. Another platform's id is written with its prefix (slack:U0123ABCD), as in app.yaml's access."""
    name = short_input.fold(typed).lstrip("@")
    if not name or name in users or identity.split(name)[0]:
        return ""
    return t("console.unknown_user", user=name, users=", ".join(users))


def url_hint(step: StepView, line: str, locale: str) -> list[str]:
    """A note naming a post while the step still asks for one: the command that enters it (a note fills nothing)."""
    url = first_url(line)
    spec = next((spec for spec in step.inputs if spec.type == "url" and not spec.value), None)
    return [text("url_hint", locale, id=spec.id, url=url, label=spec.label)] if url and spec else []


def bad_choice(spec: InputSpec, t: Callable[..., str], locale: str) -> str:
    """A field's answer that is none of its choices: the choices by their labels, as the core says them."""
    return t("input.bad_choice", field=spec.label, options=short_input.choices_said(spec.choices, locale))


def still_missing(specs: Sequence[InputSpec], answers: Mapping[str, str]) -> list[InputSpec]:
    """Required inputs neither typed nor known, to be asked one by one; none when an answer names no input of the
    step (the core then says which)."""
    if not set(answers) <= {spec.id for spec in specs}:
        return []
    return [spec for spec in specs if spec.required and not (answers.get(spec.id) or spec.value)]


def resolve_choices(specs: Sequence[InputSpec], answers: Mapping[str, str], t: Callable[..., str],
                    locale: str) -> tuple[dict[str, str], list[str]]:
    """Answers with choice labels turned into values, and one message per field that matches no choice."""
    by_id = {spec.id: spec for spec in specs}
    resolved, problems = dict(answers), []
    for key, value in answers.items():
        spec = by_id.get(key)
        if spec is None or not spec.choices or not value:
            continue
        chosen = choice_value(spec, value)
        if chosen is None:
            problems.append(bad_choice(spec, t, locale))
        else:
            resolved[key] = chosen
    return resolved, problems


def line_reader(stdin: TextIO, stdout: TextIO, interactive: bool) -> Callable[[str], str | None]:
    """Read one line (None at end of input): prompt_toolkit with history and line editing on a terminal, plain
    lines otherwise (pipes, transcript tests). History stays in memory: reports may hold personal data."""
    if interactive:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory

        session: PromptSession[str] = PromptSession(history=InMemoryHistory())

        def prompt_line(prompt: str) -> str | None:
            try:
                return session.prompt(prompt)
            except EOFError:
                return None

        return prompt_line

    def plain_line(prompt: str) -> str | None:
        if prompt:
            stdout.write(prompt)
            stdout.flush()
        line = stdin.readline()
        return line.rstrip("\n") if line else None

    return plain_line


def continued(pending: tuple[ReportInput, AskIfReport] | None, line: str, locale: str) -> tuple[str, str]:
    """A line typed while 「報告しますか？」 is unanswered, read with that report's text (a paste arrives line by line
    through a pipe: each new question used to drop the line before it), and the sentence that says so."""
    if pending is None:
        return line, ""
    joined = f"{pending[0].text}\n{line}"
    return joined, text("joined", locale, lines=joined.count("\n") + 1) + "\n"


def leftover(guided: Guided | None, locale: str) -> str:
    """Answers typed in a guided input that Ctrl-C or Ctrl-D cut short, as the /done line that enters them again."""
    if guided is None or not guided.answers:
        return ""
    said = " ".join(f"{key}={value}" if re.fullmatch(r"[A-Za-z0-9:/._?&%#+@~=-]+", value)
                    else '{}="{}"'.format(key, value.replace("\\", "\\\\").replace('"', '\\"'))
                    for key, value in guided.answers.items())
    return "\n" + text("unsaved", locale, command=f"/done {said}")


class StepTotals:
    """The step count last shown per incident and kind: when answers make a conditional step drop out, the next
    heading (【手順 2/6】 after 【手順 1/7】) comes with a line that says why, so nobody looks for a missed step."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, str], int] = {}

    def dropped(self, step: StepView, incident: IncidentView | None, locale: str) -> list[str]:
        """The line explaining a smaller count than the last one shown, or none."""
        key = (step.incident_id, incident.kind if incident is not None else "")  # a corrected kind starts over
        before, self.seen[key] = self.seen.get(key), step.total
        if before is None or step.total >= before:
            return []
        return [text("dropped", locale, count=before - step.total, before=before, after=step.total)]


@dataclass
class Guided:
    """A step's inputs asked one at a time (/input, or /done without answers on a step that needs some)."""

    incident_id: int
    step_id: str
    specs: list[InputSpec]
    index: int = 0
    answers: dict[str, str] = field(default_factory=dict)


def ask_text(spec: InputSpec, locale: str) -> str:
    """The guided mode's question for one field: its choices, and what an empty line does."""
    options = " / ".join(f"{value}={label}" for value, label in spec.choices)
    return text("ask", locale, label=spec.label, id=spec.id,
                required=text("ask_required", locale) if spec.required else "",
                choices=text("ask_choices", locale, options=options) if spec.choices else "",
                empty=text("empty_keep", locale, value=spec.value[:80]) if spec.value else
                text("empty_required" if spec.required else "empty_skip", locale))


class LineChat(Protocol):
    """What read_loop drives: the console."""

    @property
    def guided(self) -> object: ...  # a guided input under way: /quit is then an answer, not the end
    @property
    def pending(self) -> object: ...  # an unanswered 「報告しますか？」: its report lives only until answered
    @property
    def locale(self) -> str: ...
    def welcome(self) -> str: ...
    def prompt(self) -> str: ...
    def handle(self, line: str) -> str: ...
    def interrupted(self) -> str: ...
    def finish(self) -> str: ...
    def t(self, key: str, **params: object) -> str: ...


def read_loop(chat: LineChat, stdin: TextIO, stdout: TextIO, prompt: bool, interactive: bool) -> None:
    """Read lines until /quit or end of input; on a terminal (`interactive`) with line editing and history,
    and Ctrl-C only discards the line being typed."""
    read, warned = line_reader(stdin, stdout, interactive), False
    stdout.write(chat.welcome() + "\n")
    stdout.flush()  # a pipe reader (another program, a test) sees the welcome before the first read
    while True:
        try:
            line = read(chat.prompt() if prompt or interactive else "")
        except KeyboardInterrupt:
            if not interactive:
                raise
            stdout.write(chat.interrupted() + "\n")
            continue
        quitting = line is None or (chat.guided is None and line.strip() in ("/quit", "/exit"))
        if quitting and line is not None and chat.pending is not None and not warned:
            warned = True  # said once: a second /quit leaves, and the question's report with it
            stdout.write(chat.t("console.quit_unanswered") + "\n")
            continue
        if quitting:
            if chat.guided is None and (finished := chat.finish()):  # a closing review's cause is kept
                stdout.write(finished + "\n")
            # Ctrl-D or the end of piped input in the middle of a step: what was typed is shown, not dropped
            if line is None and (left := leftover(cast(Guided | None, chat.guided), chat.locale)):
                stdout.write(left.lstrip("\n") + "\n")
            stdout.write(chat.t("console.bye") + "\n")
            return
        answer = chat.handle(line or "")
        if answer:
            stdout.write(answer + "\n")
            stdout.flush()
