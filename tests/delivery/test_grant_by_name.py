"""「権限付与 INC-0001 鈴木 次郎」: a display name with a space is read whole and matched against the incident's
reporters (s18 Teams walk #7, the part left in session 19); a name that fits several or none grants nothing and
says which people it could mean."""

from __future__ import annotations

from bot.delivery import command_run
from bot.delivery.commands import Command, read
from bot.delivery.refusals import Refusals
from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, STAFF
from tests.delivery.test_delivery_plan import LEAK

PR_ACTOR = Actor(PR, "広報 太郎", "slack")
THIRD = "slack:U_THIRD"


def _leak(runtime: Runtime, *people: tuple[str, str]) -> int:
    """A leak reported by 山田 and then by each (id, name) of `people`: co-reporters without the role."""
    first = runtime.triage.incidents.report(ReportInput(LEAK.format(n=1), Actor(STAFF, "山田 花子", "slack"),
                                                        idempotency_key="ev0"))
    assert first.incident is not None
    for n, (user, name) in enumerate(people, 1):
        runtime.triage.incidents.report(ReportInput(LEAK.format(n=1), Actor(user, name, "slack"),
                                                    idempotency_key=f"ev{n}"))
    return first.incident.id


def _run(runtime: Runtime, text: str, actor: Actor = PR_ACTOR) -> command_run.Ran:
    command = read(text, runtime.triage.catalog.t)
    assert isinstance(command, Command)
    return command_run.run(runtime.triage, actor, command, command_run.Platform(
        Refusals(runtime.triage.catalog, "slack"), lambda user: "", lambda incident: True))


def _granted(runtime: Runtime, incident_id: int, user: str) -> bool:
    return runtime.triage.queries.view(incident_id, user).details_visible


def test_the_whole_name_is_read() -> None:
    assert read("権限付与 INC-0001 鈴木 次郎", lambda key, **_: key) == Command("grant", 1, user="鈴木 次郎")
    assert read("権限付与 INC-0001 鈴木　次郎", lambda key, **_: key) == Command("grant", 1, user="鈴木 次郎")
    assert read("grant 3 slack:U_OTHER", lambda key, **_: key) == Command("grant", 3, user="slack:U_OTHER")


def test_a_co_reporter_named_with_a_space_is_granted(runtime: Runtime) -> None:
    incident_id = _leak(runtime, (OTHER, "鈴木 次郎"), (THIRD, "鈴木 三郎"))
    ran = _run(runtime, "権限付与 INC-0001 鈴木 次郎")
    assert ran.refused is None and "付与しました" in ran.said[0] and "鈴木 次郎" in ran.said[0], ran.said
    assert _granted(runtime, incident_id, OTHER) and not _granted(runtime, incident_id, THIRD)
    _run(runtime, "権限付与 INC-0001 鈴木三郎")  # written without the space: the same name
    assert _granted(runtime, incident_id, THIRD)


def test_a_name_that_fits_several_grants_nothing_and_names_them(runtime: Runtime) -> None:
    incident_id = _leak(runtime, (OTHER, "鈴木 次郎"), (THIRD, "鈴木 三郎"))
    [said] = _run(runtime, "権限付与 INC-0001 鈴木").said
    assert "鈴木 次郎" in said and OTHER in said and "鈴木 三郎" in said and THIRD in said, said
    assert "付与していません" in said
    assert not _granted(runtime, incident_id, OTHER) and not _granted(runtime, incident_id, THIRD)


def test_a_name_that_fits_nobody_grants_nothing_and_says_the_whole_name(runtime: Runtime) -> None:
    incident_id = _leak(runtime, (OTHER, "鈴木 次郎"))
    [said] = _run(runtime, "権限付与 INC-0001 高橋 四郎").said
    assert "「高橋 四郎」" in said and "付与していません" in said, said
    assert not _granted(runtime, incident_id, OTHER)
    assert not _granted(runtime, incident_id, "slack:高橋 四郎")


def test_a_bystander_learns_nobodys_name(runtime: Runtime) -> None:
    _leak(runtime, (OTHER, "鈴木 次郎"), (THIRD, "鈴木 三郎"))
    ran = _run(runtime, "権限付与 INC-0001 鈴木", Actor("slack:U_NOBODY", "佐藤 一郎", "slack"))
    assert ran.refused is not None and OTHER not in ran.said[0] and "鈴木 次郎" not in ran.said[0]
