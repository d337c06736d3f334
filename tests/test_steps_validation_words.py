"""A refused choice names the choices by their labels, as every platform shows and reads them."""

from bot.i18n import Catalog
from bot.ports import InputSpec
from bot.triage.steps import field_problem


def _spec() -> InputSpec:
    return InputSpec(id="urgent", type="choice", label="対応の確定に時間がかかりますか", required=True,
                     choices=(("yes", "はい"), ("no", "いいえ（すぐに対応できる）")))


def test_a_refused_choice_is_named_by_its_labels() -> None:
    said = field_problem(Catalog.load("ja"), _spec(), "たぶん")
    assert said == ("「対応の確定に時間がかかりますか」は次のいずれかを選んでください: "
                    "「はい」「いいえ（すぐに対応できる）」")


def test_in_english_the_labels_are_quoted_and_listed() -> None:
    said = field_problem(Catalog.load("en"), _spec(), "maybe")
    assert said == '"対応の確定に時間がかかりますか" must be one of: "はい", "いいえ（すぐに対応できる）"'
