"""Editing the plan through the services: each change a version with its note, an audit event, checked values."""

from datetime import date
from decimal import Decimal

import pytest

from opennrm.audit.models import AuditEvent
from opennrm.coordination.models import ActionPlan, PlanVersion, ReportingPeriod
from opennrm.coordination.services import (
    goal_create,
    goal_update,
    measure_cancel,
    measure_create,
    measure_update,
    period_create,
    period_delete,
    period_update,
    plan_update,
    report_save_draft,
)
from opennrm.core.errors import ApplicationError, Forbidden


def _versions(plan) -> list[tuple[int, str]]:
    return list(PlanVersion.objects.filter(plan=plan).order_by("number").values_list("number", "change_note"))


def test_plan_update_writes_a_version_and_an_audit_event(coord):
    plan = plan_update(
        plan=coord.plan,
        by=coord.coordinator,
        change_note="Approved by the Cabinet.",
        approving_act="Test order No. 2",
        status=ActionPlan.Status.IN_FORCE,
    )
    assert plan.approving_act == "Test order No. 2"
    assert _versions(plan) == [(1, "First version."), (2, "Approved by the Cabinet.")]
    assert PlanVersion.objects.get(plan=plan, number=2).snapshot["plan"]["approving_act"] == "Test order No. 2"
    event = AuditEvent.objects.get(action="coordination.plan.updated")
    assert event.old_values == {"approving_act": "Test order No. 1"}
    assert event.new_values == {"approving_act": "Test order No. 2", "version": 2}


def test_an_update_that_changes_nothing_writes_no_version(coord):
    plan_update(plan=coord.plan, by=coord.coordinator, change_note="Nothing.", approving_act="Test order No. 1")
    assert len(_versions(coord.plan)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"change_note": " "}, "change_note"),
        ({"change_note": "x", "period_end": date(2024, 1, 1)}, "period_end"),
        ({"change_note": "x", "status": "forgotten"}, "status"),
        ({"change_note": "x", "title": {"xx": "Title"}}, "title"),
        ({"change_note": "x", "title": {"en": ""}}, "title"),
        ({"change_note": "x", "approving_act": "a" * 301}, "approving_act"),
    ],
)
def test_plan_update_refuses_bad_values_naming_the_field(coord, changes, field):
    with pytest.raises(ApplicationError) as refused:
        plan_update(plan=coord.plan, by=coord.coordinator, **changes)
    assert refused.value.field == field
    assert len(_versions(coord.plan)) == 1


def test_only_the_coordinator_changes_the_plan(coord):
    goal = coord.goals["1"]
    measure = coord.measures["1.1"]
    for user in (coord.reporter_a, coord.member, coord.observer, coord.staff):
        with pytest.raises(Forbidden):
            plan_update(plan=coord.plan, by=user, change_note="x", approving_act="y")
        with pytest.raises(Forbidden):
            goal_create(plan=coord.plan, by=user, change_note="x", code="9", title="Nine")
        with pytest.raises(Forbidden):
            measure_update(measure=measure, by=user, change_note="x", unit="z")
        with pytest.raises(Forbidden):
            measure_create(goal=goal, by=user, change_note="x", code="9.9", text="t", responsible=coord.inst_a)
        with pytest.raises(Forbidden):
            period_create(
                plan=coord.plan, by=user, name="x", starts_on="2026-01-01", ends_on="2026-06-30", due_on="2026-07-31"
            )


def test_goals_are_created_and_renamed_with_unique_codes(coord):
    goal = goal_create(plan=coord.plan, by=coord.coordinator, change_note="New goal.", code="3", title={"en": "Data"})
    assert goal.order == 3
    with pytest.raises(ApplicationError) as clash:
        goal_create(plan=coord.plan, by=coord.coordinator, change_note="x", code="1", title="Again")
    assert clash.value.field == "code"
    goal_update(goal=goal, by=coord.coordinator, change_note="Renamed.", title={"en": "Data and research"})
    goal.refresh_from_db()
    assert goal.title == {"en": "Data and research"}
    assert [n for n, _ in _versions(coord.plan)] == [1, 2, 3]


def test_a_measure_is_created_with_its_indicator_and_institutions(coord):
    measure = measure_create(
        goal=coord.goals["2"],
        by=coord.coordinator,
        change_note="A new measure.",
        code="2.2",
        text={"lv": "Jauns pasākums", "en": "A new measure"},
        responsible="test-ngo",
        co_responsible=[coord.inst_b, "test-inst-a"],
        deadline=date(2027, 6, 30),
        indicator={"en": "Shelter places"},
        baseline="10",
        target="12,5",
        unit="places",
        funding_source="Test grant",
    )
    assert measure.plan == coord.plan and measure.responsible == coord.ngo
    assert {i.code for i in measure.co_responsible.all()} == {"test-inst-a", "test-inst-b"}
    assert measure.target == Decimal("12.5")
    event = AuditEvent.objects.get(action="coordination.measure.created")
    assert event.new_values["co_responsible"] == ["test-inst-a", "test-inst-b"]
    assert event.new_values["goal"] == "2"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "1.2"}, "code"),
        ({"code": "a b"}, "code"),
        ({"responsible": "no-such"}, "responsible"),
        ({"co_responsible": [{"not": "an institution"}]}, "co_responsible"),
        ({"deadline": date(2030, 1, 1)}, "deadline"),
        ({"deadline": "31.12.2026"}, "deadline"),
        ({"target": "a lot"}, "target"),
        ({"unit": "u" * 51}, "unit"),
        ({"text": {}}, "text"),
        ({"co_responsible": ["test-inst-a"]}, "co_responsible"),
    ],
)
def test_measure_update_refuses_bad_values_naming_the_field(coord, changes, field):
    with pytest.raises(ApplicationError) as refused:
        measure_update(measure=coord.measures["1.1"], by=coord.coordinator, change_note="x", **changes)
    assert refused.value.field == field
    assert len(_versions(coord.plan)) == 1


def test_measure_update_changes_only_what_is_given_and_records_it(coord):
    measure = measure_update(
        measure=coord.measures["1.1"],
        by=coord.coordinator,
        change_note="Moved and shared.",
        goal=coord.goals["2"],
        co_responsible=[coord.ngo],
        deadline=None,
    )
    assert measure.goal == coord.goals["2"] and measure.deadline is None
    assert [i.code for i in measure.co_responsible.all()] == ["test-ngo"]
    assert measure.target == 300
    event = AuditEvent.objects.get(action="coordination.measure.updated")
    assert event.old_values == {"goal": "1", "deadline": "2026-12-31", "co_responsible": ["test-inst-b"]}
    assert event.new_values["co_responsible"] == ["test-ngo"]
    assert _versions(coord.plan)[-1] == (2, "Moved and shared.")


def test_a_cancelled_measure_stays_with_its_reports(coord):
    report = report_save_draft(
        measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="not_started"
    )
    measure = measure_cancel(measure=coord.measures["1.2"], by=coord.coordinator, change_note="Dropped.")
    assert measure.cancelled
    report.refresh_from_db()
    assert report.measure == measure


def test_periods_are_checked_against_the_plan_and_each_other(coord):
    by = coord.coordinator
    period = period_create(
        plan=coord.plan, by=by, name="2026", starts_on="2026-01-01", ends_on="2026-12-31", due_on="2027-01-31"
    )
    assert period.due_on == date(2027, 1, 31)
    assert _versions(coord.plan)[-1][1] == "Reporting period added: 2026."
    for values, field in (
        ({"name": "2025"}, "name"),
        ({"ends_on": "2025-12-01", "starts_on": "2026-01-01"}, "ends_on"),
        ({"due_on": "2025-01-01"}, "due_on"),
        ({"ends_on": "2028-06-30"}, "starts_on"),
        ({"name": ""}, "name"),
    ):
        arguments = {"name": "2026 H2", "starts_on": "2026-07-01", "ends_on": "2026-12-31", "due_on": "2027-01-31"}
        with pytest.raises(ApplicationError) as refused:
            period_create(plan=coord.plan, by=by, **(arguments | values))
        assert refused.value.field == field
    period_update(period=period, by=by, due_on="2027-02-15")
    period.refresh_from_db()
    assert period.due_on == date(2027, 2, 15)
    with pytest.raises(ApplicationError):
        period_update(period=period, by=by, name="2025")
    period_delete(period=period, by=by)
    assert not ReportingPeriod.objects.filter(pk=period.pk).exists()


def test_a_period_with_reports_cannot_be_removed(coord):
    report_save_draft(measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="on_track")
    with pytest.raises(ApplicationError):
        period_delete(period=coord.period, by=coord.coordinator)
    assert ReportingPeriod.objects.filter(pk=coord.period.pk).exists()
