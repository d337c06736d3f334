"""A step's answers as typed: read in any width, checked (length, URL form, a known choice), stored."""

from __future__ import annotations

from bot.i18n import Catalog
from bot.ports import InputSpec
from bot.triage.core import InvalidRequest
from bot.triage.sanitize import PLATFORM_MAX, storable_map
from bot.triage.short_input import choice_value, choices_said, fold, url_value
from bot.triage.urls import is_http_url

MAX_ANSWER = 4000


def short_value(item: InputSpec, value: str) -> str:
    """An answer as stored: short fields read in any width (ｙｅｓ, 「中 」, a URL in 「」), free text as written."""
    if item.type == "choice":
        return choice_value(item.choices, value) or fold(value)
    if item.type == "url":
        return url_value(value)
    return fold(value) if item.type == "platform" else value.strip()


def field_problem(cat: Catalog, item: InputSpec, text: str) -> str | None:
    """What is wrong with one (non-empty, stripped) answer, or None: length, URL form, a known choice."""
    limit = PLATFORM_MAX if item.type == "platform" else MAX_ANSWER  # the platform goes into a column
    if len(text) > limit:
        return cat.t("input.too_long", field=item.label, max=limit)
    if item.type == "url" and not is_http_url(text):
        return cat.t("input.bad_url", field=item.label, value=text[:80])
    if item.type == "choice" and text not in {value for value, _ in item.choices}:
        return cat.t("input.bad_choice", field=item.label, options=choices_said(item.choices, cat.locale))
    return None


def validated(cat: Catalog, spec: tuple[InputSpec, ...], answers: dict[str, str], skip: bool) -> dict[str, str]:
    """The answers as stored (short_value), or InvalidRequest saying every problem; `skip`: none is required."""
    known = {item.id: item for item in spec}
    problems: list[str] = []
    clean: dict[str, str] = {}
    wrong: set[str] = set()  # typed but refused: said once, not "required" as well
    for key, value in storable_map(answers).items():  # lone surrogates and NULs cannot be stored
        key = fold(key)  # ｐｌａｔｆｏｒｍ typed full-width
        if key not in known:
            problems.append(cat.t("input.unknown", field=key[:80], known=", ".join(known) or "—"))
            continue
        text = short_value(known[key], value)
        if not text:
            continue
        problem = field_problem(cat, known[key], text)
        if problem:
            problems.append(problem)
            wrong.add(key)
        else:
            clean[key] = text
    if not skip:
        for item in spec:
            if item.required and item.id not in clean and item.id not in wrong:
                problems.append(cat.t("input.required", field=item.label))
    if problems:
        raise InvalidRequest("\n".join(problems))
    return clean
