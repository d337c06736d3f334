"""The step answer that restricts an incident is playbook data (`restricts: true` on a choice), not a constant: a
municipality's own playbook with its own field for 「個人情報が含まれる」 restricted nothing, silently."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.clock import FixedClock
from bot.config import ConfigError
from bot.ports import Actor, ReportInput
from bot.triage.playbook import PlaybookLibrary, load_library
from bot.triage.playbook_models import PlaybookError
from bot.triage.profiles import Profile
from bot.wiring import Runtime, build_runtime
from tests.conftest import PR, STAFF, make_settings
from tests.helpers import answers_for

REPO = Path(__file__).resolve().parents[1]
FIRST = Actor(STAFF, "山田 花子", "slack")
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/city/status/22"


def _own_flaming(tmp_path: Path, restricts: bool | None, *, both: bool = False) -> Path:
    """flaming.yaml with the town's own question after intake: 住民の個人情報が写っていますか (ari / nashi)."""
    data = yaml.safe_load((REPO / "playbooks" / "flaming.yaml").read_text(encoding="utf-8"))
    intake = data["steps"][0]
    ari = {"value": "ari", "label": {"ja": "写っている", "en": "Yes"}}
    if restricts is not None:
        ari["restricts"] = restricts
    nashi = {"value": "nashi", "label": {"ja": "写っていない", "en": "No"}} | ({"restricts": True} if both else {})
    intake["inputs"].append({"id": "kojin_joho", "type": "choice", "label": {"ja": "住民の個人情報が写っていますか",
                                                                     "en": "Is a resident's data visible?"},
                             "choices": [ari, nashi]})
    own = tmp_path / "own"
    own.mkdir(exist_ok=True)
    (own / "flaming.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return own


def _runtime(tmp_path: Path, clock: FixedClock, extra: Path) -> Runtime:
    settings = make_settings(f"sqlite:///{tmp_path / 'bot.db'}").model_copy(update={"extra_playbooks_dir": extra})
    return build_runtime(settings, clock=clock)


def _answer_intake(runtime: Runtime, extra: dict[str, str]):  # noqa: ANN202
    reported = runtime.triage.incidents.report(ReportInput(FLAMING, FIRST, idempotency_key="k22", explicit=True,
                                                           kind_hint="flaming"))
    assert reported.incident is not None and not reported.incident.restricted
    step = runtime.triage.steps.current(reported.incident.id, STAFF)
    assert step is not None and step.step_id == "intake"
    answers = answers_for(step) | {"personal_data": "no"} | extra
    return reported.incident.id, runtime.triage.steps.complete(reported.incident.id, "intake", FIRST, answers=answers)


def test_an_own_field_marked_restricts_restricts_the_incident(tmp_path: Path, clock: FixedClock) -> None:
    runtime = _runtime(tmp_path, clock, _own_flaming(tmp_path, True))
    try:
        incident_id, outcome = _answer_intake(runtime, {"kojin_joho": "ari"})
        assert outcome.became_restricted and runtime.triage.queries.view(incident_id, PR).restricted
        [event] = [e for e in runtime.triage.queries.timeline(incident_id, None) if e.type == "restricted"]
        assert event.data.get("via") == "step" and event.data.get("step") == "intake"
    finally:
        runtime.close()


def test_the_own_fields_other_choice_leaves_it_public(tmp_path: Path, clock: FixedClock) -> None:
    runtime = _runtime(tmp_path, clock, _own_flaming(tmp_path, True))
    try:
        incident_id, outcome = _answer_intake(runtime, {"kojin_joho": "nashi"})
        assert not outcome.became_restricted and not runtime.triage.queries.view(incident_id, PR).restricted
    finally:
        runtime.close()


def test_an_own_personal_data_field_without_the_marker_stops_start_up_naming_file_and_field(
        tmp_path: Path, clock: FixedClock) -> None:
    with pytest.raises(ConfigError) as caught:
        _runtime(tmp_path, clock, _own_flaming(tmp_path, None))
    said = str(caught.value)
    assert "flaming.yaml" in said and "steps[0].inputs[" in said and "choices[0].restricts" in said, said
    assert "restricts: true" in said and "個人情報" in said


def test_restricts_false_says_no_answer_restricts(tmp_path: Path, clock: FixedClock) -> None:
    runtime = _runtime(tmp_path, clock, _own_flaming(tmp_path, False))
    try:
        incident_id, outcome = _answer_intake(runtime, {"kojin_joho": "ari"})
        assert not outcome.became_restricted and not runtime.triage.queries.view(incident_id, PR).restricted
    finally:
        runtime.close()


def test_an_old_copy_of_a_shipped_playbook_without_the_marker_loads_and_still_restricts(
        profiles: dict[str, Profile], tmp_path: Path) -> None:
    """A municipality's playbooks_dir copied before the marker existed: personal_data = yes keeps restricting (as the
    constant did) and start-up goes on; refusing it would stop a working bot on upgrade."""
    own = tmp_path / "old"
    own.mkdir()
    text = (REPO / "playbooks" / "misinformation.yaml").read_text(encoding="utf-8")
    (own / "misinformation.yaml").write_text(text.replace(", restricts: true}", "}"), encoding="utf-8")
    library = load_library(REPO / "playbooks", profiles, own)
    marked = {(item.id, choice.value) for item in library.playbook("misinformation").inputs()
              for choice in item.choices if choice.restricting(item.id)}
    assert marked == {("personal_data", "yes")}


def test_every_choice_restricting_is_refused(profiles: dict[str, Profile], tmp_path: Path) -> None:
    own = _own_flaming(tmp_path, True, both=True)
    with pytest.raises(PlaybookError, match=r"flaming\.yaml: steps\[0\]\.inputs\[\d+\]\.choices: すべての選択肢"):
        load_library(REPO / "playbooks", profiles, own)


def test_the_shipped_playbooks_restrict_where_the_constant_did(library: PlaybookLibrary) -> None:
    """Every kind's personal_data = yes, and nothing else (the constant was {"personal_data": "yes"})."""
    marked = {(kind, item.id, choice.value) for kind in library.kinds() for item in library.playbook(kind).inputs()
              for choice in item.choices if choice.restricts}
    assert marked == {(kind, "personal_data", "yes") for kind in library.kinds()}
