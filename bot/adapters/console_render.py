"""Console rendering of a playbook step as plain text."""

from __future__ import annotations

from collections.abc import Callable

from bot.ports import StepView


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
