"""What is wrong with a settings field is said in Japanese from pydantic's structured error, English with locale en."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.config import ConfigError, parse_file_settings
from bot.triage.validation_text import JA, describe_errors, describe_first, explain


class _Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "x"
    count: int = Field(default=1, gt=0, lt=10)
    ratio: float = Field(default=0.5, ge=0, le=1)
    flag: bool = False
    locale: Literal["ja", "en"] = "ja"
    items: list[str] = Field(default_factory=list, min_length=1, max_length=2)
    code: str = Field(default="abc", min_length=2, max_length=4, pattern=r"^[a-z]+$")
    url: AnyHttpUrl | None = None
    own: str = "ok"

    @field_validator("own")
    @classmethod
    def _own(cls, value: str) -> str:
        if value != "ok":
            raise ValueError("値は ok だけです")
        return value


def _errors(**data: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        _Sample.model_validate({"items": ["a"], **data})
    return info.value.errors()  # type: ignore[return-value]


@pytest.mark.parametrize(("data", "kind", "japanese"), [
    ({"surplus": 1}, "extra_forbidden", "使えない項目名です"),
    ({"name": 5}, "string_type", "文字列で指定してください"),
    ({"count": "many"}, "int_parsing", "整数で指定してください"),
    ({"count": 1.5}, "int_from_float", "小数ではなく整数で指定してください"),
    ({"count": 0}, "greater_than", "0 より大きい値を指定してください"),
    ({"count": 10}, "less_than", "10 より小さい値を指定してください"),
    ({"ratio": -1}, "greater_than_equal", "0 以上の値を指定してください"),
    ({"ratio": 2}, "less_than_equal", "1 以下の値を指定してください"),
    ({"ratio": "half"}, "float_parsing", "数値で指定してください"),
    ({"flag": "maybe"}, "bool_parsing", "true か false で指定してください"),
    ({"locale": "fr"}, "literal_error", "'ja'・'en' のいずれかを指定してください"),
    ({"items": []}, "too_short", "1 個以上必要です（いまは 0 個）"),
    ({"items": ["a", "b", "c"]}, "too_long", "2 個以内にしてください（いまは 3 個）"),
    ({"items": "a"}, "list_type", "一覧（リスト）で指定してください"),
    ({"code": "a"}, "string_too_short", "2 文字以上で指定してください"),
    ({"code": "abcde"}, "string_too_long", "4 文字以内で指定してください"),
    ({"code": "AB"}, "string_pattern_mismatch", "書式が正しくありません（形式: ^[a-z]+$）"),
    ({"url": "ftp://x"}, "url_scheme", "URL は 'http'・'https' で始めてください"),
    ({"url": "not a url"}, "url_parsing", "URL として読めません"),
    ({"own": "no"}, "value_error", "値は ok だけです"),
])
def test_each_error_type_is_explained_in_japanese(data: dict[str, Any], kind: str, japanese: str) -> None:
    [error] = _errors(**data)
    assert error["type"] == kind
    said = explain(error)
    assert said.startswith(japanese), said
    assert not re.search(r"[A-Za-z]{4,} (should|are|is)", said)  # no pydantic English sentence left in
    assert explain(error, "en") == error["msg"]  # English selectable, pydantic's own words


def test_a_missing_field_is_said_required_without_a_value() -> None:
    class Needs(BaseModel):
        name: str

    with pytest.raises(ValidationError) as info:
        Needs.model_validate({})
    assert describe_errors(info.value) == ["name: 必須の項目です。値を書いてください"]
    assert describe_errors(info.value, "en") == ["name: Field required"]


def test_an_untranslated_type_keeps_pydantic_words_behind_a_japanese_lead() -> None:
    error = {"type": "no_such_type_yet", "loc": ("a",), "msg": "Something odd", "input": 1}
    assert explain(error) == "値が正しくありません（Something odd）"


def test_the_first_error_counts_the_rest() -> None:
    with pytest.raises(ValidationError) as info:
        _Sample.model_validate({"items": [], "name": 5, "flag": "maybe"})
    assert describe_first(info.value).endswith("（ほかに 2 件の誤り）")
    assert describe_first(info.value, "en").endswith(" (and 2 more error(s))")
    assert "name: 文字列で指定してください（入力値: 5）" in describe_errors(info.value)


@pytest.mark.parametrize(("data", "japanese", "english"), [
    ({"escalation": {"office_hours": {"weekdays": [7]}}},
     "escalation.office_hours.weekdays: 曜日は 0（月曜）から 6（日曜）の数で指定してください",
     "escalation.office_hours.weekdays: weekdays are 0 (Monday) to 6 (Sunday)"),
    ({"escalation": {"office_hours": {"holidays": ["1月1日"]}}},
     "escalation.office_hours.holidays[0]: 休日「1月1日」は YYYY-MM-DD の形で指定してください",
     "escalation.office_hours.holidays[0]: holiday '1月1日' is not YYYY-MM-DD"),
    ({"slack": {"slash_command": "incident"}},
     "slack.slash_command: スラッシュコマンドは「/」に続けて",
     "slack.slash_command: a slash command is '/' followed by"),
])
def test_our_own_validators_speak_both_languages(data: dict[str, Any], japanese: str, english: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"app.yaml: {japanese}")):
        parse_file_settings(data, "app.yaml")
    with pytest.raises(ConfigError, match=re.escape(f"app.yaml: {english}")):
        parse_file_settings({**data, "locale": "en"}, "app.yaml")


def test_app_yaml_in_english_keeps_english() -> None:
    with pytest.raises(ConfigError) as info:
        parse_file_settings({"locale": "en", "retention": {"default_days": -1}}, "app.yaml")
    assert str(info.value) == "app.yaml: retention.default_days: Input should be greater than or equal to 0 (got -1)"


def test_every_japanese_template_formats_with_its_context() -> None:
    # A template naming a ctx key pydantic does not give would fall back silently; keep the names honest.
    known = {"expected", "min_length", "max_length", "actual_length", "pattern", "gt", "ge", "lt", "le",
             "multiple_of", "error", "expected_schemes", "discriminator", "expected_tags", "day",
             "unit", "written", "meant"}  # bot/config_values.number: a wait written in another unit
    for kind, template in JA.items():
        names = set(re.findall(r"{(\w+)", template))
        assert names <= known, (kind, names - known)


@pytest.mark.parametrize(("locale", "words"), [("ja", "teams.pr_channel: 文字列で指定してください（入力値: 5）"),
                                               ("en", "teams.pr_channel: Input should be a valid string (got 5)")])
def test_a_platform_block_is_worded_like_the_rest_of_app_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              locale: str, words: str) -> None:
    from bot.main import run

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    for variable in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    config = tmp_path / "app.yaml"
    config.write_text(f"profile: asahikawa\nlocale: {locale}\nteams:\n  pr_channel: 5\n", encoding="utf-8")
    out = io.StringIO()
    assert run(["--config", str(config), "teams"], stdout=out, stderr=out) == 2
    assert f"app.yaml: {words}" in out.getvalue()
