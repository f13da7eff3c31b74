"""What the database itself refuses, whatever code writes to it; and the migrations match the models."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from opennrm.coordination.models import (
    ActionPlan,
    Attendance,
    Decision,
    Goal,
    Measure,
    MeetingDocument,
    Membership,
    PlanVersion,
    ProgressReport,
    ReportingPeriod,
)


def _refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_the_migrations_match_the_models(db):
    call_command("makemigrations", "coordination", "--check", "--dry-run", stdout=StringIO())


def test_codes_are_unique_within_a_plan(coord):
    _refused(lambda: Goal.objects.create(plan=coord.plan, code="1", title={"en": "Again"}))
    _refused(
        lambda: Measure.objects.create(
            plan=coord.plan, goal=coord.goals["2"], code="1.1", text={"en": "x"}, responsible=coord.inst_a
        )
    )
    _refused(lambda: PlanVersion.objects.create(plan=coord.plan, number=1, change_note="x", snapshot={}))
    _refused(
        lambda: ReportingPeriod.objects.create(
            plan=coord.plan, name="2025", starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1), due_on=date(2026, 3, 1)
        )
    )


def test_periods_run_forwards(coord):
    _refused(
        lambda: ActionPlan.objects.create(
            code="backwards", title={"en": "x"}, period_start=date(2026, 1, 1), period_end=date(2025, 1, 1)
        )
    )
    _refused(
        lambda: ReportingPeriod.objects.create(
            plan=coord.plan, name="x", starts_on=date(2026, 1, 2), ends_on=date(2026, 1, 1), due_on=date(2026, 3, 1)
        )
    )


def test_one_report_per_measure_period_and_institution(coord):
    measure = coord.measures["1.1"]
    ProgressReport.objects.create(measure=measure, period=coord.period, institution=coord.inst_a)
    _refused(lambda: ProgressReport.objects.create(measure=measure, period=coord.period, institution=coord.inst_a))


def test_one_open_seat_per_institution_and_a_seat_ends_after_it_begins(group):
    _refused(lambda: Membership.objects.create(group=group.group, institution=group.inst_a, since=date(2026, 1, 1)))
    _refused(
        lambda: Membership.objects.create(
            group=group.group, institution=group.inst_a, since=date(2026, 1, 1), until=date(2025, 1, 1)
        )
    )


def test_a_document_is_a_link_or_a_file_never_both_or_neither(group):
    meeting = group.meeting_held
    _refused(lambda: MeetingDocument.objects.create(meeting=meeting, title="Neither"))
    _refused(
        lambda: MeetingDocument.objects.create(
            meeting=meeting, title="Both", url="https://example.lv", filename="a.pdf", content=b"%PDF"
        )
    )


def test_attendance_and_decision_numbers_are_unique_per_meeting(group):
    seat = group.memberships["test-inst-a"]
    Attendance.objects.create(meeting=group.meeting_held, membership=seat, present=True)
    _refused(lambda: Attendance.objects.create(meeting=group.meeting_held, membership=seat, present=False))
    _refused(lambda: Decision.objects.create(meeting=group.meeting_held, number="2025/1", text="Again"))


def test_names_read_well(group):
    assert str(group.plan) == "Test plan 2025–2027"
    assert str(group.measures["1.1"]) == "1.1 Train specialists"
    assert str(group.goals["1"]) == "1 Prevention"
    assert str(group.group) == "Test working group"
    assert str(group.memberships["test-ngo"]) == "test-group: test-ngo"
    assert str(group.decision) == "2025/1"
    assert str(group.meeting_held) == f"test-group {timezone.localtime(group.meeting_held.starts_at):%Y-%m-%d}"
    assert str(group.plan.versions.get()) == "test-plan v1"
