"""Typed commands on every chat platform (終結 / 対象外 / 権限付与 / 再開 / 種別 / 新規 / 状況, or close / decline /
grant / reopen / kind / new / status, and a question about an incident in staff's words): read from a message's
text into the core use case to call, or a usage message; no platform imports. command_run.py runs them the same
way on every platform.

Slack reads the slash command's text, Teams a personal-chat message or an @mention; the console has its own
/close, /decline, /grant, /reopen and /report --new, which call the same core methods."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from bot import identity
from bot.delivery.status_question import asked_about
from bot.ports import Actor, Outcome
from bot.triage import lifecycle
from bot.triage.service import Triage
from bot.triage.short_input import KIND_ALIASES, fold, incident_number
from bot.triage.urls import first_url

Action = Literal["close", "decline", "grant", "reopen", "kind", "new", "status", "resolve", "acknowledge"]
# The first word of a command, as staff type it (folded: ＣＬＯＳＥ, /close and Close alike).
WORDS: dict[str, Action] = {
    "終結": "close", "close": "close", "クローズ": "close",
    "対象外": "decline", "decline": "decline",
    "権限付与": "grant", "grant": "grant",
    "再開": "reopen", "reopen": "reopen",
    "種別": "kind", "kind": "kind",
    "新規": "new", "new": "new",
    "状況": "status", "status": "status", "状態": "status", "進捗": "status",
    "対応完了": "resolve", "resolve": "resolve",
}
STATUS_ALSO = frozenset({"状態", "進捗"})  # read as 状況 only when nothing but the number follows
Words = Callable[..., str]  # the catalogue's t(key, **params)
TARGET = {"close": lifecycle.CLOSED, "decline": lifecycle.DECLINED, "reopen": lifecycle.RESPONDING,
          "resolve": lifecycle.RESOLVED}
# 「INC-0001 終結」「クローズ INC-0001 で」「INC-0001 対応完了でお願いします。」: a command word and a number, with
# nothing else than a polite tail. Past tense (「終結しました」) is news, not a request: left to be a report.
_REF = r"(?:inc\s*[-_ー]?\s*0*\d{1,9}|[#＃]\s*\d{1,9})"
_WORD = "|".join(sorted((re.escape(word) for word, action in WORDS.items() if action != "new"), key=len, reverse=True))
_TAIL = r"(?:で|に|を)?(?:お願いします|お願い|願います|してください|して下さい|します|です)?[\s。．.!！]*"
# 「終結でお願いします INC-1」: the request first, the number after it (a polite middle, never news words).
_MIDDLE = r"(?:で|に|を)?(?:お願いします|お願い|願います|してください|して下さい)[、,\s]*"
_NEAR = (re.compile(rf"(?P<ref>{_REF})\s*(?:の|を)?\s*(?P<word>{_WORD})(?![a-z]){_TAIL}", re.IGNORECASE),
         re.compile(rf"/?(?P<word>{_WORD})(?![a-z])\s*(?P<ref>{_REF}){_TAIL}", re.IGNORECASE),
         re.compile(rf"(?P<word>{_WORD}){_MIDDLE}(?P<ref>{_REF})(?:の件)?[\s。．.!！]*", re.IGNORECASE))


@dataclass(frozen=True)
class Command:
    """A command read: the action, its incident (none for `new`), the user to grant, a reason, a report's text, the
    kind word typed (read by the core as the kind buttons' values are)."""

    action: Action
    incident_id: int | None = None
    user: str = ""
    reason: str = ""
    text: str = ""
    kind: str = ""

    def run(self, triage: Triage, actor: Actor, person: Callable[[str], str] | None = None, name: str = "") -> Outcome:
        """Call the core for close, decline, grant, reopen or kind (`new` is a report: the adapter sends it with
        force_new); `person` turns the typed user into the core's user id (default: the actor's platform's),
        `name` is how the platform names that user."""
        assert self.incident_id is not None and self.action != "new"
        if self.action == "kind":
            return triage.incidents.correct_kind(self.incident_id, self.kind, actor)
        if self.action == "grant":
            user = (person or (lambda typed: user_id(actor, typed)))(self.user)
            return triage.roles.grant_reporter(self.incident_id, user, actor, name)
        return triage.incidents.change_status(self.incident_id, TARGET[self.action], actor, reason=self.reason)


@dataclass(frozen=True)
class Usage:
    """Bad input for a command: what to type instead, in the catalogue's words."""

    text: str


def user_id(actor: Actor, typed: str) -> str:
    """A typed user id as the core stores it: a namespaced one kept, a bare one the actor's platform's."""
    typed = fold(typed).lstrip("@")
    return typed if identity.split(typed)[0] or not typed else identity.qualify(actor.platform or "", typed)


def id_like(typed: str) -> bool:
    """Whether typed words can be a user id (one ASCII word); else they are a name, matched against reporters."""
    typed = fold(typed).lstrip("@")
    return bool(typed) and typed.isascii() and len(typed.split()) == 1


def is_command(text: str) -> bool:
    """Whether a message starts with a command word (`read` decides: an English one may start a sentence)."""
    words = text.split(maxsplit=1)  # a full-width space separates too
    return bool(words) and fold(words[0]).lower().lstrip("/") in WORDS


def near(text: str) -> str | None:
    """A text that is only a command word and an incident number (either order, a polite tail allowed), as the
    command reads it (「終結 INC-0001」); None for anything more (news that names an incident stays a report)."""
    folded = fold(text).strip()
    for pattern in _NEAR:
        if (found := pattern.fullmatch(folded)) is not None:
            return f"{found['word']} {found['ref'].replace(' ', '')}"
    return None


def read(text: str, t: Words, prefix: str = "") -> Command | Usage | None:
    """The command a text means, a usage message when it starts with a command word but is incomplete, or None
    when it is no command (a report; also an English command word before words, not a number).
    `prefix`: what the platform puts before the words (「/incident 」)."""
    text = near(text) or _word_first(_unglued(text))
    number = incident_number(text.strip()) if len(text.split()) == 1 else None
    if number is not None:  # 「1」, 「#3」 alone: a command's incident without its command, not a report
        ref = f"INC-{max(number, 1):04d}"
        return Usage(t("commands.number_only", prefix=prefix, ref=ref) + "\n" + t("commands.list", prefix=prefix))
    if not is_command(text):
        asked = asked_about(text)  # 「INC-0002 の状況どうなってますか？」: a question, not a report
        return None if asked is None else Command("status", asked)
    word, rest = (text.split(maxsplit=1) + [""])[:2]
    action, rest = WORDS[fold(word).lower().lstrip("/")], rest.strip()
    english = fold(word).isascii() and not fold(word).startswith("/")
    if action == "new":
        # 「New account is posting as …」 is a report: a capitalised English "New" before English words starts a
        # sentence (typed "new …", 「/new …」 or before a URL or Japanese it is the command). Read as a report,
        # nothing of it is lost; the reporter of a resolved post is offered 「新しい案件」 again.
        if english and word[:1].isupper() and rest[:1].isascii() and rest[:1].isalpha():
            return None
        return Command("new", text=rest) if rest else usage(t, prefix, "new")
    head, tail = (rest.split(maxsplit=1) + ["", ""])[:2]
    number = incident_number(head) if head else None
    if action == "status" and (number is None or number == 0):
        # 「状況 悪化しています」, "Status: fine": words after it, not a number, are a report's or chatter
        return usage(t, prefix, action) if not head else (Command("status", asked) if (asked := asked_about(
            text)) else None)
    if number is None or number == 0:
        # 「Close to 100 angry replies…」 is a report in English: an English word before no number is no command.
        return None if english and head else usage(t, prefix, action)
    if action == "status" and tail and (fold(word).lower().lstrip("/") in STATUS_ALSO or first_url(tail)):
        return None  # 「状況 INC-0001 別の投稿も炎上 <URL>」「状態 INC-0001 さらに悪化」: news naming it, a report
    if action == "grant":
        user = " ".join(tail.split())  # the whole name: a display name has a space (「鈴木 次郎」, s18 Teams #7)
        return Command("grant", number, user=user) if user else usage(t, prefix, "grant")
    if action == "kind":  # the word is checked against the playbooks by command_run.py (it knows the library)
        return Command("kind", number, kind=tail.strip()) if tail.strip() else usage(t, prefix, "kind")
    return Command(action, number, reason=tail.strip() if action == "decline" else "")


_GLUED = re.compile("(/?(?:" + "|".join(map(re.escape, sorted(WORDS, key=len, reverse=True))) + r"))[:：]?(\S.*)",
                    re.IGNORECASE | re.DOTALL)


def _unglued(text: str) -> str:
    """「終結INC-0001」「状況＃１」「終結：INC-0001」 as 「終結 INC-0001」, the command word typed without its space."""
    # Japanese is written without spaces, on a phone most of all: read as a report, such a close opened the report
    # form and a status question paged PR as a 続報 (walk s21 #1, #2). Only a number right after it counts.
    match = _GLUED.fullmatch(text.strip())
    if match is None or WORDS[fold(match.group(1)).lower().lstrip("/")] == "new":
        return text
    rest = match.group(2).split(maxsplit=1)
    return " ".join((match.group(1), *rest)) if incident_number(rest[0]) is not None else text


def _word_first(text: str) -> str:
    """「INC-0001 終結」 as 「終結 INC-0001」: staff write the number first too (「新規」 takes no number)."""
    words = text.split(maxsplit=2)
    if len(words) < 2 or incident_number(words[0]) is None:
        return text
    action = WORDS.get(fold(words[1]).lower().lstrip("/"))
    return " ".join((words[1], words[0], *words[2:])) if action not in (None, "new") else text


def usage(t: Words, prefix: str, action: Action, kinds: Iterable[str] = tuple(KIND_ALIASES)) -> Usage:
    """The usage message for one command, with the whole list (for `kind`, the kinds one may type)."""
    said = t(f"commands.usage_{action}", prefix=prefix, kinds=kind_words(t, kinds))
    return Usage(said + "\n" + t("commands.list", prefix=prefix))


def kind_words(t: Words, kinds: Iterable[str]) -> str:
    """The kinds as one types them: each label's head (「デマ・事実と反する投稿」 → デマ), which the core reads."""
    heads = dict.fromkeys(re.split(r"\s*[・（(]", t(f"kind.{kind}"), maxsplit=1)[0] for kind in kinds)
    return (", " if all(head.isascii() for head in heads) else "、").join(heads)


__all__ = ["Command", "Usage", "id_like", "is_command", "kind_words", "near", "read", "usage", "user_id"]
