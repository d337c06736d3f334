"""What is wrong with a settings field, said from pydantic's structured error (type, ctx, loc): Japanese by
default, pydantic's own English when the locale is en. The one wording for app.yaml, profiles and playbooks."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

# Keyed by pydantic's error type (https://docs.pydantic.dev/latest/errors/validation_errors/); {names} are its ctx.
JA: dict[str, str] = {
    "missing": "必須の項目です。値を書いてください",
    "extra_forbidden": "使えない項目名です（書き誤りか、別の場所に書く項目です）",
    "literal_error": "{expected} のいずれかを指定してください",
    "enum": "{expected} のいずれかを指定してください",
    "string_type": "文字列で指定してください",
    "string_too_short": "{min_length} 文字以上で指定してください",
    "string_too_long": "{max_length} 文字以内で指定してください",
    "string_pattern_mismatch": "書式が正しくありません（形式: {pattern}）",
    "int_type": "整数で指定してください",
    "int_parsing": "整数で指定してください",
    "int_from_float": "小数ではなく整数で指定してください",
    "float_type": "数値で指定してください",
    "float_parsing": "数値で指定してください",
    "bool_type": "true か false で指定してください",
    "bool_parsing": "true か false で指定してください",
    "list_type": "一覧（リスト）で指定してください",
    "tuple_type": "一覧（リスト）で指定してください",
    "set_type": "一覧（リスト）で指定してください",
    "dict_type": "「名前: 値」の組（マッピング）で指定してください",
    "model_type": "「名前: 値」の組（マッピング）で指定してください",
    "model_attributes_type": "「名前: 値」の組（マッピング）で指定してください",
    "too_short": "{min_length} 個以上必要です（いまは {actual_length} 個）",
    "too_long": "{max_length} 個以内にしてください（いまは {actual_length} 個）",
    "greater_than": "{gt} より大きい値を指定してください",
    "greater_than_equal": "{ge} 以上の値を指定してください",
    "less_than": "{lt} より小さい値を指定してください",
    "less_than_equal": "{le} 以下の値を指定してください",
    "multiple_of": "{multiple_of} の倍数を指定してください",
    "finite_number": "有限の数値を指定してください",
    "url_type": "URL を文字列で指定してください",
    "url_parsing": "URL として読めません（{error}）",
    "url_scheme": "URL は {expected_schemes} で始めてください",
    "url_too_long": "URL は {max_length} 文字以内で指定してください",
    "time_type": "時刻を HH:MM の形で指定してください",
    "time_parsing": "時刻を HH:MM の形で指定してください",
    "date_type": "日付を YYYY-MM-DD の形で指定してください",
    "date_parsing": "日付を YYYY-MM-DD の形で指定してください",
    "date_from_datetime_parsing": "日付を YYYY-MM-DD の形で指定してください",
    "datetime_type": "日時を YYYY-MM-DDTHH:MM の形で指定してください",
    "datetime_parsing": "日時を YYYY-MM-DDTHH:MM の形で指定してください",
    "time_delta_type": "時間の長さ（秒数）で指定してください",
    "time_delta_parsing": "時間の長さ（秒数）で指定してください",
    "none_required": "値は書かないでください（null）",
    "union_tag_invalid": "{discriminator} は {expected_tags} のいずれかを指定してください",
    "union_tag_not_found": "{discriminator} を指定してください",
    # Our own validators (bot/config.py) raise PydanticCustomError with these types and ctx.
    "weekday_range": "曜日は 0（月曜）から 6（日曜）の数で指定してください",
    "holiday_format": "休日「{day}」は YYYY-MM-DD の形で指定してください",
    "slash_command_format": "スラッシュコマンドは「/」に続けて半角英小文字・数字・「-」・「_」を 31 文字以内で"
                            "指定してください",
    "clock_time": "時刻は 09:00 のように「時:分」の形で書いてください",
    "other_unit": "{unit}の数で指定してください（{written} は {meant} と書きます）",
    "other_unit_plain": "{unit}の数を整数で指定してください",
    "slack_id_format": "Slack の ID（チャンネルは C…・G…、ユーザーは U…・W…、ユーザーグループは S… で始まる"
                       "半角の英大文字と数字）を書いてください。チャンネル名（#…）や表示名（@…）では照合できません",
}

_CHOICES = re.compile(r", | or ")


def _ctx(error: Mapping[str, Any]) -> dict[str, Any]:
    ctx = {key: value for key, value in (error.get("ctx") or {}).items()}
    for key in ("expected", "expected_schemes", "expected_tags"):
        if isinstance(ctx.get(key), str):
            # pydantic writes choices as "'a', 'b' or 'c'"; Japanese lists them with 「・」.
            ctx[key] = _CHOICES.sub("・", ctx[key])
    for key, value in ctx.items():
        if isinstance(value, float) and value.is_integer():
            ctx[key] = int(value)  # a float field's bound 1.0 is written 1 in app.yaml
    return ctx


def explain(error: Mapping[str, Any], locale: str = "ja") -> str:
    """What is wrong with one field (no field name): pydantic's English for en, Japanese otherwise."""
    if locale == "en":
        return str(error["msg"])
    if error["type"] in ("value_error", "assertion_error"):
        # A validator's own message is kept as written; pydantic only prefixes it in English.
        return str((error.get("ctx") or {}).get("error") or error["msg"])
    template = JA.get(error["type"])
    if template is None:
        # An error type not translated yet: say so in Japanese and keep pydantic's words so nothing is lost.
        return f"値が正しくありません（{error['msg']}）"
    try:
        return template.format(**_ctx(error))
    except (KeyError, IndexError, ValueError):
        return f"値が正しくありません（{error['msg']}）"


def describe_loc(loc: tuple[Any, ...]) -> str:
    """A pydantic location as a field path, e.g. steps[2].clauses.iwaki."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _got(error: Mapping[str, Any], locale: str) -> str:
    got = error.get("input")
    if isinstance(got, (dict, list)) or error["type"] == "missing":
        return ""
    if error["type"] == "extra_forbidden" and locale != "en":
        return ""  # the field name is the mistake; its value only adds noise
    return f" (got {got!r})" if locale == "en" else f"（入力値: {got!r}）"


def _held(hint: Any) -> Any:
    """The model, mapping or list an annotation holds (Optional and unions unwrapped to the first such)."""
    options = get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)
    for option in options:
        if (isinstance(option, type) and issubclass(option, BaseModel)) or get_origin(option) in (dict, list, tuple):
            return option
    return None


def field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names (and aliases) allowed where `loc` points, following nested models, mappings and lists;
    [] when the path leads through anything else."""
    current: Any = model
    for part in loc:
        current = _held(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            current = field.annotation if field is not None else None
        elif get_origin(current) is dict:
            current = get_args(current)[-1]
        elif get_origin(current) in (list, tuple) and isinstance(part, int):
            current = get_args(current)[0]
        else:
            return []
    current = _held(current)
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return []
    return [*current.model_fields, *(f.alias for f in current.model_fields.values() if f.alias)]


# Field names as a Japanese administrator may write them (app.yaml's keys are English; values may be Japanese).
JA_KEYS = {"言語": "locale", "表示言語": "locale", "プロファイル": "profile", "自治体": "profile",
           "広報担当": "pr_members", "確認者": "pr_members", "情報セキュリティ担当": "security_officers",
           "段階": "levels", "エスカレーション": "escalation", "部署": "section", "通知先": "section",
           "待ち時間": "after_minutes", "分": "after_minutes", "メンション": "mention",
           "再通知の上限": "renotice_limit",
           "再通知回数": "renotice_limit", "再通知の回数": "renotice_limit", "開庁時間": "office_hours",
           "開始": "start", "始業": "start", "終了": "end", "終業": "end", "曜日": "weekdays", "休日": "holidays",
           "祝日": "national_holidays", "年末年始": "year_end_holidays", "報告チャンネル": "report_channels",
           "広報チャンネル": "pr_channel", "名前": "name", "名称": "name", "部署名": "name",
           "データベース": "database_url", "保存期間": "default_days"}


def _suggestion(error: Mapping[str, Any], locale: str, model: type[BaseModel] | None) -> str:
    """For an unknown field name, the allowed one it most likely meant (acess → access; 待ち時間 → after_minutes)."""
    loc = tuple(error["loc"])
    if model is None or error["type"] != "extra_forbidden" or not loc or not isinstance(loc[-1], str):
        return ""
    allowed = field_names(model, loc[:-1])
    if not loc[-1].isascii():  # a Japanese key: the English one to write, or every one that may stand here
        meant = JA_KEYS.get(loc[-1].strip())
        if meant in allowed:
            return (f" (keys are written in English: did you mean {meant}?)" if locale == "en"
                    else f"。項目名は英字で書きます。「{meant}」のことですか？")
        if allowed:
            return (f" (keys are written in English; here: {', '.join(allowed)})" if locale == "en"
                    else f"。項目名は英字で書きます（ここに書ける項目名: {', '.join(allowed)}）")
    close = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.75)
    if not close:
        return ""
    return f" (did you mean {close[0]}?)" if locale == "en" else f"。「{close[0]}」のことですか？"


def _home(error: Mapping[str, Any], locale: str, model: type[BaseModel] | None) -> str:
    """A known field found in another block (pr_members under custom_profiles when the `access:` line is missing):
    the block it belongs to."""
    loc = tuple(error["loc"])
    if model is None or len(loc) < 2 or not isinstance(loc[-1], str) or error["type"] not in (
            "extra_forbidden", "dict_type", "model_type") or loc[-1] in field_names(model, loc[:-1]):
        return ""
    blocks = [(name,) for name in model.model_fields]
    blocks += [(*block, name) for block in blocks for name in field_names(model, block)
               if field_names(model, (*block, name))]
    homes = [".".join(block) for block in blocks if block != loc[:-1] and loc[-1] in field_names(model, block)]
    if not homes:
        return ""
    line, also = homes[0].rsplit(".", 1)[-1], "".join(f" or {home}" for home in homes[1:])
    return (f" ({loc[-1]} belongs under {homes[0]}{also}: check that the '{line}:' line is there and the "
            "indentation)" if locale == "en" else
            f"。{loc[-1]} は {homes[0]}{''.join(f'（または {home}）' for home in homes[1:]) or ' '}の項目です"
            f"（「{line}:」の行がないか、字下げがずれていないか確認してください）")


def describe_error(error: Mapping[str, Any], locale: str = "ja", model: type[BaseModel] | None = None) -> str:
    """One error as 'field.path: what is wrong (the value given)', with the field meant when a name is mistyped."""
    return (f"{describe_loc(tuple(error['loc']))}: {explain(error, locale)}{_got(error, locale)}"
            f"{_suggestion(error, locale, model) or _home(error, locale, model)}")


def describe_errors(exc: ValidationError, locale: str = "ja", model: type[BaseModel] | None = None) -> list[str]:
    """Every error of a validation, one line each (`model`: the one validated, for mistyped names)."""
    return [describe_error(error, locale, model) for error in exc.errors()]


def describe_first(exc: ValidationError, locale: str = "ja") -> str:
    """The first error, noting how many more there are."""
    errors = exc.errors()
    more = len(errors) - 1
    if not more:
        suffix = ""
    elif locale == "en":
        suffix = f" (and {more} more error(s))"
    else:
        suffix = f"（ほかに {more} 件の誤り）"
    return describe_error(errors[0], locale) + suffix


_LEVEL_FIELDS = re.compile(r"^\s*(?:-\s+)?(section|after_minutes|mention)\s*:")


def _yaml_hints(exc: Exception, line: str, near: str) -> tuple[str, str]:
    """(Japanese, English) of what to look at for a YAML syntax error, from the parser's own problem and context."""
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    if "\\t" in problem:
        return ("タブ文字は使えません。字下げは半角スペースで書いてください。",
                "tabs cannot be used; indent with spaces.")
    if "\u3000" in near:
        return ("全角スペースがあります。字下げと「項目名: 値」のコロンの後は半角スペースで書いてください。",
                "there is a full-width space; indent and write 'key: value' with ASCII spaces.")
    if "：" in near:
        return ("全角のコロン（：）があります。「項目名: 値」は半角のコロンと半角スペースで書いてください。",
                "there is a full-width colon (：); write 'key: value' with an ASCII colon and space.")
    if "flow sequence" in context or "flow mapping" in context:
        pair = "[ ]" if "sequence" in context else "{ }"
        return (f"この行で開いた {pair[0]} が {pair[2]} で閉じていません（閉じ忘れか、区切りの「,」の誤り）。",
                f"the {pair[0]} opened here is not closed with {pair[2]} (or a ',' is missing).")
    if "quoted scalar" in context:
        return ("この行で始まる引用符（\" または '）が閉じていません。",
                "the quote (\" or ') opened here is not closed.")
    if "expected <block end>" in problem:
        ja = ("字下げがそろっていません。同じ階層の項目は同じ数の半角スペースで字下げします"
              "（一覧の「- 」の中の項目は、「- 」の後の文字の位置にそろえます）。")
        en = ("the indentation does not line up: items of one block are indented by the same number of spaces "
              "(inside a '- ' list item, line them up with the text after '- ').")
        if _LEVEL_FIELDS.match(line):
            example = "    - section: pr_section\n      after_minutes: 30\n      mention: U0123ABCD"
            ja += f"escalation.levels の一つの段階は次のように書きます:\n{example}"
            en += f" One escalation level is written:\n{example}"
        return ja, en
    if "mapping values are not allowed" in problem:
        return ("この行か前の行を確認してください: 項目名のコロンの後に半角スペースがない（profile:chikugo）、"
                "値の中に「: 」がある（値を引用符で囲みます）、字下げがずれている。",
                "check this line and the one before: a key without a space after its colon (profile:chikugo), a "
                "value containing ': ' (quote it), or indentation out of line.")
    return ("字下げ（半角スペース）、「項目名: 値」のコロンの後の空白、引用符の閉じ忘れを確認してください。",
            "check the indentation (spaces), the space after each key's colon and unclosed quotes.")


def yaml_problem(source: str, exc: Exception, text: str = "", locale: str | None = None) -> str:
    """A YAML syntax error as 'file: line, column (the line): what to check', in `locale` (None: Japanese then
    English, for files read before any locale is known)."""
    mark = getattr(exc, "problem_mark", None)
    if any(part in str(getattr(exc, "context", "")) for part in ("flow sequence", "flow mapping", "quoted scalar")):
        mark = getattr(exc, "context_mark", None) or mark  # where the unclosed [ { or quote was opened
    lines = text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    near = "".join(lines[max(mark.line - 1, 0):mark.line + 1]) if mark and lines else ""
    hint_ja, hint_en = _yaml_hints(exc, line, near)
    shown = line.strip()[:60]
    where_ja = f"{mark.line + 1} 行目 {mark.column + 1} 文字目" if mark else "位置不明"
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(unknown position)"
    problem = getattr(exc, "problem", None) or str(exc)
    ja = f"{source}: {where_ja}: YAML の書き方に誤りがあります" + (f"（この行: 「{shown}」）" if shown else "") \
        + f"。{hint_ja}"
    en = f"{source}: {where}: invalid YAML (" + (f"this line: '{shown}'; " if shown else "") \
        + f"parser: {problem}): {hint_en}"
    if locale is None:
        return both(ja, en)
    return en if locale == "en" else ja


def both(ja: str, en: str) -> str:
    """A configuration message in Japanese, then English (before the file's locale is known, or for both readers)."""
    return f"{ja}\n{en}"


__all__ = ["JA", "both", "describe_error", "describe_errors", "describe_first", "describe_loc", "explain",
           "yaml_problem"]
