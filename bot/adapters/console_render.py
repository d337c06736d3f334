"""Console rendering of a playbook step and of an incident's standing (状況 INC-0001, /status) as plain text."""

from __future__ import annotations

from collections.abc import Callable

from bot.delivery import content as c
from bot.delivery import status
from bot.ports import Actor, AskIfReport, StepView
from bot.triage.service import Triage


def render_step(step: StepView, t: Callable[..., str]) -> str:
    """A step as plain text: heading, instructions, sources, don'ts, inputs, drafts."""
    lines = [t("step.heading", index=step.index, total=step.total, title=step.title), step.instructions.strip()]
    if step.fallback_note:
        lines.append(f"※ {step.fallback_note}")
    if step.citations:
        lines.append(t("step.citations", citations=" / ".join(step.citations)))
    if step.donts:
        lines.append(t("step.donts"))
        lines.extend(f"  ✕ {item}" for item in step.donts)
    if step.inputs:
        lines.append(t("step.inputs"))
        for item in step.inputs:
            required = f" ({t('step.required')})" if item.required else ""
            choices = " [" + " / ".join(f"{v}={label}" for v, label in item.choices) + "]" if item.choices else ""
            known = f" = {item.value}" if item.value else ""
            lines.append(f"  {item.id}{required}: {item.label}{choices}{known}")
    if step.drafts:
        lines.append(t("step.drafts"))
        for draft in step.drafts:
            lines.append(f"----- {draft.title} -----")
            lines.append(draft.text.strip())
            lines.append("-" * 24)
    lines.append(t("console.actions"))
    return "\n".join(line for line in lines if line is not None)


def render_steps(triage: Triage, incident_id: int, user: str) -> str:
    """/steps: each step of the incident's playbook with how far it is."""
    views = triage.steps.views(incident_id, user)
    lines = [f"{v.index}. [{triage.catalog.label('step_status', v.status)}] {v.title}" for v in views]
    # N counts the steps that may still apply (s17 #15): the ones not listed are conditional, not lost.
    gaps = sorted(set(range(1, max((v.total for v in views), default=0) + 1)) - {v.index for v in views})
    if gaps:
        lines.append(triage.catalog.t("console.steps_conditional",
                                      numbers=triage.catalog.t("console.steps_joiner").join(map(str, gaps))))
    return "\n".join(lines)


def render_ask(ask: AskIfReport, t: Callable[..., str]) -> str:
    """The private question: numbered kinds, 0 for 「報告ではない」."""
    lines = [ask.question]
    # A chance that rounds to 0% says nothing (the other platforms leave it out too: presenting.chances).
    lines.extend(t("console.ask_choice", number=i, label=choice.label, probability=f"{choice.probability:.0%}")
                 if round(choice.probability * 100) else t("console.ask_choice_plain", number=i, label=choice.label)
                 for i, choice in enumerate(ask.choices, 1))
    if ask.decline is not None:
        lines.append(t("console.ask_decline", label=ask.decline))
    lines.append(t("console.ask_howto"))
    return "\n".join(lines)


def render_standing(triage: Triage, actor: Actor, incident_id: int, t: Callable[..., str]) -> tuple[str, bool]:
    """The standing as bot/delivery/status.py words it, and whether the asker may continue its current step: the
    console is their own private conversation, so its card is shown here (the last words say where it went)."""
    said, posts = status.asked(triage, actor, incident_id, private=True, home_is_private=lambda _: True)
    steps = [op.content.step for op in (posts.ops if posts else ()) if isinstance(getattr(op, "content", None), c.Step)]
    current = triage.steps.current(incident_id, actor.user_id) if not steps and said else None
    if current is not None and said[-1] == t("standing.card_home.default", index=current.index):
        steps = [current]  # the reporter's 「カードは…個人チャットにあります」: this console is that chat, so the step
    shown = [*said[:-1], *(render_step(step, t) for step in steps)] if steps else list(said)
    return "\n".join(shown), bool(steps)
