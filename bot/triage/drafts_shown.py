"""The drafts shown together once the last step is done, with every answer given: posted in the incident's
conversation like the other end-of-steps messages, so every platform shows them (not only the console's /drafts)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import Catalog
from bot.ports import StepView


def drafts_shown(catalog: Catalog, views: Iterable[StepView]) -> list[str]:
    """A line naming the drafts, then each draft (a later step's version of the same draft wins); none: nothing."""
    drafts = {draft.id: draft for view in views for draft in view.drafts}
    if not drafts:
        return []
    titles = catalog.t("step.list_separator").join(dict.fromkeys(draft.title for draft in drafts.values()))
    return [catalog.t("step.drafts_ready", titles=titles),
            *(catalog.t("step.draft_shown", title=draft.title, text=draft.text.strip()) for draft in drafts.values())]
