"""Load-time checks of playbook files and draft templates; every error names file and field path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Template, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import ValidationError

from bot.triage.playbook_models import InputDef, Playbook, PlaybookError, Step
from bot.triage.profiles import LOCALES, Profile, describe_validation_error, display_path
from bot.triage.templating import CONTEXT_NAMES, answer_ids_used, expression_source, undeclared_names
from bot.triage.validation_text import both, yaml_problem

# The intake answers the core turns into a severity (bot/triage/severity.py) and their allowed values.
SEVERITY_INPUTS: dict[str, frozenset[str]] = {
    "spread": frozenset({"small", "medium", "large"}),
    "press": frozenset({"yes", "no", "unknown"}),
    "personal_data": frozenset({"yes", "no", "unknown"}),
}
# An input label asking whether personal data is involved (個人情報の有無, 個人が特定できる情報, personal data), not
# one about the law or the office (個人情報保護委員会への報告, personal data protection).
PERSONAL_DATA_LABEL = re.compile(r"個人情報(?!保護|の(?:保護|取扱))|個人が特定|個人を特定|"
                                 r"personal (?:data|information)(?! protection)", re.IGNORECASE)
TITLE_LINE = re.compile(r"^\{#\s*title:\s*(?P<title>.+?)\s*#\}")


@dataclass(frozen=True)
class DraftTemplate:
    """A compiled draft: title and template per locale."""

    id: str
    titles: dict[str, str]
    templates: dict[str, Template]
    sources: dict[str, str]  # file label per locale, for error messages


def read_playbook(path: Path) -> Playbook:
    """Parse and validate one playbook file (schema only)."""
    source = display_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(both(f"{source}: 読み込めません。UTF-8 で保存されているか、読み取り権限を"
                                 "確認してください。",
                                 f"{source}: cannot read: {exc}")) from None
    except yaml.YAMLError as exc:
        raise PlaybookError(yaml_problem(source, exc)) from None
    if not isinstance(data, dict):
        raise PlaybookError(both(f"{source}: 「項目名: 値」の形で書いてください。",
                                 f"{source}: (top level): expected a mapping, got {type(data).__name__}"))
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        raise PlaybookError(both(f"{source}: {describe_validation_error(exc)}",
                                 f"{source}: {describe_validation_error(exc, 'en')}")) from None
    if playbook.kind != path.stem:
        raise PlaybookError(both(f"{source}: kind: ファイル名と同じ {path.stem!r} にしてください"
                                 f"（入力値: {playbook.kind!r}）。",
                                 f"{source}: kind: must equal the file name {path.stem!r} (got {playbook.kind!r})"))
    return playbook


def _known(keys: Any) -> str:
    return ", ".join(sorted(keys)) or "(none)"


def check_structure(playbook: Playbook, source: str, builtins: Mapping[str, Profile]) -> None:
    """Step ids, profile keys, clause keys, coverage of every built-in profile, inputs."""
    seen_steps: set[str] = set()
    seen_inputs: dict[str, tuple[str, Step]] = {}
    for i, step in enumerate(playbook.steps):
        where = f"{source}: steps[{i}]"
        if step.id in seen_steps:
            raise PlaybookError(f"{where}.id: duplicate step id {step.id!r}")
        seen_steps.add(step.id)
        for j, pid in enumerate(step.profiles or []):
            if pid not in builtins:
                raise PlaybookError(_unknown_profile(f"{where}.profiles[{j}]", pid, builtins))
        for pid, keys in step.clauses.items():
            _check_clauses(keys, builtins, pid, f"{where}.clauses.{pid}")
        for pid, fallback in step.fallback.items():
            _check_clauses(fallback.clauses, builtins, pid, f"{where}.fallback.{pid}.clauses")
            if pid in step.clauses:
                raise PlaybookError(
                    f"{where}.fallback.{pid}: the step already has clauses for {pid!r}; "
                    "give either clauses or a fallback"
                )
            if fallback.own and (fallback.clauses or fallback.practice):
                field = "clauses" if fallback.clauses else "practice"
                # An own step is labelled 自治体の運用設定 alone: citing a clause or calling it general practice
                # would say the guideline (or common practice) is where it comes from.
                raise PlaybookError(both(
                    f"{where}.fallback.{pid}.{field}: own: true の手順は自治体の運用設定として表示し、ガイドラインの"
                    f"条項を引用しません。{field} を削除してください（ガイドラインの条項に基づく手順なら own: true を"
                    f"削除し clauses に条項を、一般的な対応なら own: true の代わりに practice: true を書きます）。",
                    f"{where}.fallback.{pid}.{field}: a step with own: true is shown as the municipality's own setting "
                    f"and cites no clause; remove {field} (or remove own: true if the step rests on the guideline or "
                    f"is general practice)"))
            if fallback.note is not None and not fallback.clauses and not fallback.practice and not fallback.own:
                # The note replaces the one saying the general rule applies, yet its clauses would still be cited.
                raise PlaybookError(both(
                    f"{where}.fallback.{pid}.clauses: 説明（note）があり条項がないため、この手順の根拠として一般原則の"
                    f"条項が表示されますが、説明はそれに触れていません。自治体が独自に定めた手順なら own: true を、"
                    f"一般的な対応なら practice: true を加えてください（どちらも条項を引用せず、ガイドラインの定めで"
                    f"ないと表示します）。"
                    f"ガイドラインの条項に基づく手順なら clauses にその条項を書いてください。",
                    f"{where}.fallback.{pid}.clauses: a note without clauses shows the general rule's clauses as the "
                    f"step's basis, which the note does not explain; add own: true for the municipality's own step, "
                    f"practice: true for general practice, or list the clauses it rests on"))
        if isinstance(step.actor, dict):
            for pid in step.actor:
                if pid not in builtins:
                    raise PlaybookError(_unknown_profile(f"{where}.actor.{pid}", pid, builtins))
        for pid, profile in builtins.items():
            actor = step.actor_for(pid)
            if step.applies_to(pid) and actor not in profile.actors:
                field = f"actor.{pid}" if isinstance(step.actor, dict) else "actor"
                raise PlaybookError(both(
                    f"{where}.{field}: 実施者 {actor!r} はプロファイル {pid!r} の actors にありません"
                    f"（ある実施者: {_known(profile.actors)}）。",
                    f"{where}.{field}: actor {actor!r} is not defined by profile {pid!r} "
                    f"(its actors: {_known(profile.actors)})"))
        for pid in builtins:
            if step.applies_to(pid) and pid not in step.clauses and pid not in step.fallback:
                raise PlaybookError(both(
                    f"{where}.clauses.{pid}: この手順の {pid!r} の根拠条項がありません。clauses.{pid} に"
                    f"その自治体のガイドラインの条項を書くか、定めがなければ fallback.{pid} に書いてください"
                    "（README「自治体プロファイル」）。",
                    f"{where}.clauses.{pid}: missing; give the {pid!r} guideline's clauses "
                    f"or a fallback.{pid} saying it is silent"))
        for j, dont in enumerate(step.donts):
            for k, pid in enumerate(dont.profiles or []):
                if pid not in builtins:
                    raise PlaybookError(_unknown_profile(f"{where}.donts[{j}].profiles[{k}]", pid, builtins))
        for j, item in enumerate(step.inputs):
            _check_input(item, f"{where}.inputs[{j}]", step, seen_inputs, builtins)
    for pid, notice in playbook.first_notice.items():
        _check_clauses(notice.clauses, builtins, pid, f"{source}: first_notice.{pid}.clauses")
    _check_severity_inputs(playbook, source)


def _unknown_profile(where: str, pid: str, builtins: Mapping[str, Profile]) -> str:
    return both(f"{where}: プロファイル {pid!r} はありません（profiles/ にあるもの: {_known(builtins)}）。"
                "profiles/<id>.yaml の id と同じ名前で書いてください。",
                f"{where}: unknown profile {pid!r} (known: {_known(builtins)})")


def _check_clauses(keys: list[str], builtins: Mapping[str, Profile], pid: str, where: str) -> None:
    if pid not in builtins:
        raise PlaybookError(_unknown_profile(where, pid, builtins))
    catalogue = builtins[pid].clauses
    for key in keys:
        if key not in catalogue:
            raise PlaybookError(both(
                f"{where}: 条項 {key!r} はプロファイル {pid!r} の clauses にありません"
                f"（ある条項: {_known(catalogue)}）。"
                f"条項の番号か、profiles/{pid}.yaml の clauses への本文の書き忘れを確認してください。",
                f"{where}: unknown clause {key!r} (known: {_known(catalogue)})"))


def _check_input(
    item: InputDef, where: str, step: Step, seen: dict[str, tuple[str, Step]], builtins: Mapping[str, Profile]
) -> None:
    """Input ids are unique in a playbook, except in per-profile variants of a step (disjoint profiles)."""
    if item.id in seen:
        other_where, other = seen[item.id]
        overlap = [pid for pid in builtins if step.applies_to(pid) and other.applies_to(pid)]
        if overlap or other is step:
            raise PlaybookError(
                f"{where}.id: duplicate input id {item.id!r} (already at {other_where}"
                f"{'; both apply to ' + ', '.join(overlap) if overlap else ''})"
            )
    seen[item.id] = (where.split(": ", 1)[-1], step)
    if item.type == "choice" and len(item.choices) < 2:
        raise PlaybookError(f"{where}.choices: a choice input needs at least two choices")
    if item.type != "choice" and item.choices:
        raise PlaybookError(f"{where}.choices: only a choice input has choices (type is {item.type!r})")
    values = [c.value for c in item.choices]
    if len(set(values)) != len(values):
        raise PlaybookError(f"{where}.choices: duplicate choice values {values}")
    _check_restricts(item, where)


def asks_personal_data(item: InputDef) -> bool:
    """Whether an input asks if personal data is involved (by its id or its label in either locale)."""
    return item.id == "personal_data" or bool(PERSONAL_DATA_LABEL.search(f"{item.label.ja} {item.label.en}"))


def _check_restricts(item: InputDef, where: str) -> None:
    """A choice that restricts the incident (`restricts: true`) is marked; an input asking about personal data
    marks one, or says `restricts: false` where no choice is to restrict (a municipality's own field id or choice
    would otherwise never restrict the incident, silently)."""
    marks = [choice.restricts for choice in item.choices]
    if item.choices and all(marks):
        raise PlaybookError(both(
            f"{where}.choices: すべての選択肢に restricts: true があり、どれを選んでも閲覧制限になります。"
            "個人情報が含まれることを示す選択肢（「含まれる」など）にだけ restricts: true を書いてください。",
            f"{where}.choices: every choice has restricts: true, so any answer restricts the incident; mark only "
            "the choice saying personal data is involved"))
    if item.type == "choice" and asks_personal_data(item) and all(mark is None for mark in marks) and not any(
            choice.restricting(item.id) for choice in item.choices):  # unmarked personal_data: yes restricts
        yes = next((i for i, choice in enumerate(item.choices)
                    if choice.value == "yes" or choice.label.ja.startswith(("含まれる", "あり", "はい"))), 0)
        raise PlaybookError(both(
            f"{where}.choices[{yes}].restricts: 個人情報の有無を尋ねる入力ですが、閲覧制限にする選択肢がありません。"
            f"個人情報が含まれることを示す選択肢に restricts: true を書いてください（その回答で案件を閲覧制限にし、"
            f"公開の場所に内容を出さなくなります）。どの回答でも制限しない場合は、その選択肢に restricts: false と"
            f"書いてください。",
            f"{where}.choices[{yes}].restricts: this input asks about personal data but no choice restricts the "
            f"incident; add restricts: true to the choice saying personal data is involved (or restricts: false "
            f"where no answer is to restrict it)"))


def _check_severity_inputs(playbook: Playbook, source: str) -> None:
    found = {item.id: item for item in playbook.inputs()}
    for input_id, allowed in SEVERITY_INPUTS.items():
        item = found.get(input_id)
        if item is None or item.type != "choice":
            raise PlaybookError(
                f"{source}: steps: no choice input {input_id!r}; the intake step must ask it "
                "so the core can compute the severity"
            )
        values = {c.value for c in item.choices}
        if not values <= allowed:
            raise PlaybookError(
                f"{source}: steps: input {input_id!r}: choice values {sorted(values - allowed)} "
                f"are not understood by the severity rules (allowed: {_known(allowed)})"
            )


def compile_template(
    env: SandboxedEnvironment, text: str, where: str, answer_ids: set[str] | None, first_line: int = 1
) -> Template:
    """Compile a template, rejecting unknown context names and (when given) unknown answer ids."""
    try:
        unknown = undeclared_names(env, text)
        template = env.from_string(text)
    except TemplateSyntaxError as exc:
        line = exc.lineno + first_line - 1
        raise PlaybookError(both(
            f"{where}: {line} 行目: テンプレート（Jinja2）の書き方に誤りがあります（{exc.message}）。"
            "{{ }}・{% %} の閉じ忘れや、{% if %} に対応する {% endif %} を確認してください。",
            f"{where}: template error at line {line}: {exc.message}")) from None
    if unknown:
        raise PlaybookError(both(
            f"{where}: テンプレートに使えない名前 {sorted(unknown)} があります（使える名前: "
            f"{', '.join(sorted(CONTEXT_NAMES))}）。",
            f"{where}: unknown name(s) {sorted(unknown)} in template "
            f"(available: {', '.join(sorted(CONTEXT_NAMES))})"))
    if answer_ids is not None:
        _check_answer_ids(env, text, where, answer_ids)
    return template


def compile_when(env: SandboxedEnvironment, expression: str, where: str, answer_ids: set[str]) -> Any:
    """Compile a `when` expression, rejecting bad syntax, unknown names and unknown answer ids."""
    try:
        unknown = undeclared_names(env, expression_source(expression))
        compiled = env.compile_expression(expression)
    except TemplateSyntaxError as exc:
        raise PlaybookError(f"{where}: bad expression {expression!r}: {exc.message}") from None
    if unknown:
        raise PlaybookError(f"{where}: unknown name(s) {sorted(unknown)} in expression {expression!r}")
    _check_answer_ids(env, expression_source(expression), where, answer_ids)
    return compiled


def _check_answer_ids(env: SandboxedEnvironment, text: str, where: str, answer_ids: set[str]) -> None:
    unknown = answer_ids_used(env, text) - answer_ids
    if unknown:
        raise PlaybookError(both(
            f"{where}: 回答 {sorted(unknown)} はこのプレイブックの入力項目にありません"
            f"（入力項目: {_known(answer_ids)}）。",
            f"{where}: answers {sorted(unknown)} are not inputs of this playbook "
            f"(inputs: {_known(answer_ids)})"))


def load_draft(
    env: SandboxedEnvironment, drafts_dir: Path, draft_id: str, used_at: str, answer_ids: set[str]
) -> DraftTemplate:
    """Read and compile <draft_id>.<locale>.j2 for every locale; the first line is {# title: ... #}."""
    titles: dict[str, str] = {}
    templates: dict[str, Template] = {}
    sources: dict[str, str] = {}
    for locale in LOCALES:
        path = drafts_dir / f"{draft_id}.{locale}.j2"
        label = display_path(path)
        if not path.is_file():
            raise PlaybookError(both(f"{used_at}: 下書き {draft_id!r} のテンプレート {label} がありません。",
                                     f"{used_at}: draft {draft_id!r} has no template file {label}"))
        text = path.read_text(encoding="utf-8")
        match = TITLE_LINE.match(text)
        if match is None:
            raise PlaybookError(both(f"{label}: 1 行目: 「{{# title: 訂正文 #}}」の形の題名を書いてください。",
                                     f"{label}: line 1: expected a title comment like '{{# title: 訂正文 #}}'"))
        titles[locale] = match.group("title")
        body = text[match.end() :]
        stripped = body.lstrip("\n")  # the file's line numbers, not the template's, in messages
        templates[locale] = compile_template(env, stripped, label, answer_ids,
                                             1 + text[: match.end()].count("\n") + len(body) - len(stripped))
        sources[locale] = label
    return DraftTemplate(id=draft_id, titles=titles, templates=templates, sources=sources)


def step_where(source: str, index: int) -> str:
    """The field path prefix of a step."""
    return f"{source}: steps[{index}]"


def applicable_profiles(step: Step, profiles: Mapping[str, Profile]) -> list[Profile]:
    """The profiles (built-in or custom) a step is meant for."""
    return [p for p in profiles.values() if step.applies_to(p.base or p.id)]
