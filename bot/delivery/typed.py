"""A message typed to the bot, read the same on every platform: help, a command's usage, a command, or a report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.delivery import commands, typed_ack
from bot.delivery.status_question import asked_about
from bot.presenting import is_help


@dataclass(frozen=True)
class Typed:
    """What a typed text asks for: `help`, `usage` words, a `command` (not 「新規」) or a `report` (`new`: 「新規」)."""

    help: bool = False
    usage: str | None = None
    command: commands.Command | None = None
    report: str = ""
    new: bool = False

    @property
    def for_bot(self) -> bool:
        """Whether the text is for the bot itself rather than a report (help, usage or a command)."""
        return self.help or self.usage is not None or self.command is not None


def read(text: str, t: commands.Words, prefix: str = "", *, shown: str | None = None, addressed: bool = True,
         files: bool = False, acknowledges: Callable[[], bool] = lambda: False) -> Typed:
    """`text` read as typed to the bot; `shown`: the text as people see it (mentions named), what is reported;
    `prefix`: what the platform puts before a command (「/incident 」). A message not `addressed` to the bot (a
    report channel's post) or with `files` (they are what it reports) is a report, unless a report channel's post
    only asks how an incident stands (「INC-0001 どうなってる？」): answered privately rather than left unanswered,
    or is only a command word and a number (「INC-0001 終結」): a command attempt, never a follow-up.
    `acknowledges`: whether the sender may acknowledge (asked only of 「INC-0001 確認しました」): then it is the ack."""
    if not files and (acked := typed_ack.number(text)) is not None and acknowledges():
        # PR typing it means the notice's button: recorded as a 続報 it paged PR with PR's own words (walk s22).
        return Typed(command=commands.Command("acknowledge", acked))
    if not files and not addressed and (asked := asked_about(text)) is not None:
        return Typed(command=commands.Command("status", asked))
    if not files and not addressed and (near := commands.near(text)) is not None:
        # 「INC-0001 終結」 posted in a report channel is a command attempt, not news for PR: run as the command
        # (one who may not is refused privately and recorded) or its usage said privately.
        said = commands.read(near, t, prefix)
        if isinstance(said, commands.Usage):
            return Typed(usage=said.text)
        if said is not None and said.action != "new":
            return Typed(command=said)
    if files or not addressed:
        return Typed(report=text if shown is None else shown)
    if is_help(text):
        return Typed(help=True)
    said = commands.read(text, t, prefix)
    if isinstance(said, commands.Usage):
        return Typed(usage=said.text)
    if said is None:
        return Typed(report=text if shown is None else shown)
    if said.action != "new":
        return Typed(command=said)
    return Typed(report=said.text if shown is None else shown.strip().split(maxsplit=1)[1], new=True)


__all__ = ["Typed", "read"]
