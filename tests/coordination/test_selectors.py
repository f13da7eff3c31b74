"""Who sees what in the coordination module, and the figures the dashboard and the public page are built from."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opennrm.coordination import selectors
from opennrm.coordination.models import ActionPlan, ReviewState
from opennrm.coordination.selectors import NOT_REPORTED
from opennrm.coordination.services import (
    meeting_create,
    meeting_document_add,
    meeting_update,
    membership_end,
    period_create,
    plan_update,
    report_accept,
    report_save_draft,
    report_submit,
)
from opennrm.core.errors import NotFoundOrForbidden


def test_access_follows_the_capabilities(coord):
    access = {
        name: selectors.coordination_access(getattr(coord, name))
        for name in ("coordinator", "reporter_a", "member", "observer", "staff")
    }
    assert [a.read for a in access.values()] == [True, True, True, True, False]
    assert [a.manage for a in access.values()] == [True, False, False, False, False]
    assert [a.report for a in access.values()] == [False, True, False, False, False]
    assert [a.meetings for a in access.values()] == [True, False, True, False, False]
    assert access["reporter_a"].institution == coord.inst_a


def test_a_draft_plan_is_the_coordinators_alone(coord):
    plan_update(plan=coord.plan, by=coord.coordinator, change_note="Back to draft.", status=ActionPlan.Status.DRAFT)
    assert list(selectors.plans_visible(user=coord.coordinator)) == [coord.plan]
    for user in (coord.reporter_a, coord.member, coord.observer):
        assert not selectors.plans_visible(user=user).exists()
        with pytest.raises(NotFoundOrForbidden):
            selectors.access_plan(user=user, code="test-plan")
        with pytest.raises(NotFoundOrForbidden):
            selectors.access_measure(user=user, measure_id=coord.measures["1.1"].pk)
    assert selectors.plan_current(user=coord.observer) is None


def test_staff_without_a_coordination_capability_see_nothing(group):
    staff = group.staff
    assert not selectors.plans_visible(user=staff).exists()
    assert not selectors.measures_visible(user=staff).exists()
    assert not selectors.reports_visible(user=staff).exists()
    assert not selectors.meetings_visible(user=staff).exists()
    assert not selectors.decisions_visible(user=staff).exists()
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_working_group(user=staff, code="test-group")
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_meeting(user=staff, meeting_id=group.meeting_held.pk)


def test_a_draft_report_is_seen_only_by_its_institution(coord):
    draft = report_save_draft(
        measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="on_track"
    )
    assert selectors.access_report(user=coord.reporter_a, report_id=draft.pk) == draft
    for user in (coord.coordinator, coord.reporter_b, coord.observer, coord.member):
        with pytest.raises(NotFoundOrForbidden):
            selectors.access_report(user=user, report_id=draft.pk)
    assert selectors.report_of(user=coord.reporter_a, measure=coord.measures["1.1"], period=coord.period) == draft
    assert selectors.report_of(user=coord.reporter_b, measure=coord.measures["1.1"], period=coord.period) is None
    report_submit(measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="on_track")
    for user in (coord.coordinator, coord.reporter_b, coord.observer, coord.member):
        assert selectors.access_report(user=user, report_id=draft.pk).review_state == ReviewState.SUBMITTED
    assert list(selectors.reports_awaiting_review(user=coord.coordinator)) == [draft]
    assert not selectors.reports_awaiting_review(user=coord.observer).exists()


def test_measures_reportable_by_a_reporter_are_its_institutions_own(coord):
    mine = {m.code for m in selectors.measures_reportable_by(user=coord.reporter_a)}
    assert mine == {"1.1", "2.1"}
    assert {m.code for m in selectors.measures_reportable_by(user=coord.reporter_b)} == {"1.1", "1.2"}
    assert not selectors.measures_reportable_by(user=coord.coordinator).exists()
    assert selectors.can_report_on(user=coord.reporter_a, measure=coord.measures["2.1"])
    assert not selectors.can_report_on(user=coord.reporter_a, measure=coord.measures["1.2"])
    by_institution = selectors.measures_visible(user=coord.observer, institution=coord.inst_b)
    assert {m.code for m in by_institution} == {"1.1", "1.2"}


def test_report_slots_and_overdue_reports(coord):
    slots = selectors.report_slots(period=coord.period)
    assert [(s.measure.code, s.institution.code) for s in slots] == [
        ("1.1", "test-inst-a"),
        ("1.1", "test-inst-b"),
        ("1.2", "test-inst-b"),
        ("2.1", "test-ngo"),
        ("2.1", "test-inst-a"),
    ]
    report_submit(measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="done")
    assert len(selectors.reports_missing(period=coord.period)) == 4
    assert selectors.overdue_report_slots(user=coord.observer, today=date(2026, 1, 31)) == []
    overdue = selectors.overdue_report_slots(user=coord.observer, today=date(2026, 2, 1))
    assert len(overdue) == 4 and all(slot.report is None for slot in overdue)


def test_the_current_period_is_the_next_one_due(coord):
    later = period_create(
        plan=coord.plan,
        by=coord.coordinator,
        name="2026",
        starts_on="2026-01-01",
        ends_on="2026-12-31",
        due_on="2027-01-31",
    )
    assert selectors.period_current(plan=coord.plan, today=date(2026, 1, 31)) == coord.period
    assert selectors.period_current(plan=coord.plan, today=date(2026, 2, 1)) == later
    assert selectors.period_current(plan=coord.plan, today=date(2028, 1, 1)) == later


def test_plan_progress_counts_measures_by_goal_and_institution(coord):
    report_submit(
        measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="delayed", narrative="Late."
    )
    report_submit(measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_b, status="on_track")
    report_save_draft(measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="done")
    progress = selectors.plan_progress(plan=coord.plan, period=coord.period)
    assert progress.total == {"delayed": 1, NOT_REPORTED: 2}
    by_goal = {goal.code: dict(counts) for goal, counts in progress.by_goal.items()}
    assert by_goal == {"1": {"delayed": 1, NOT_REPORTED: 1}, "2": {NOT_REPORTED: 1}}
    by_institution = {i.code: dict(c) for i, c in progress.by_institution.items()}
    assert by_institution == {
        "test-inst-a": {"delayed": 1, NOT_REPORTED: 1},
        "test-inst-b": {"on_track": 1, NOT_REPORTED: 1},
        "test-ngo": {NOT_REPORTED: 1},
    }
    assert progress.measure_status[coord.measures["1.1"].pk] == "delayed"


def test_plan_progress_reads_few_queries_whatever_the_size(coord):
    with CaptureQueriesContext(connection) as queries:
        selectors.plan_progress(plan=coord.plan)
    assert len(queries) <= 6


def test_the_indicator_series_follows_the_responsible_institutions_submitted_values(coord):
    later = period_create(
        plan=coord.plan,
        by=coord.coordinator,
        name="2026",
        starts_on="2026-01-01",
        ends_on="2026-12-31",
        due_on="2027-01-31",
    )
    first = report_submit(
        measure=coord.measures["1.1"],
        period=coord.period,
        by=coord.reporter_a,
        status="on_track",
        indicator_value="100",
    )
    report_accept(report=first, by=coord.coordinator)
    report_submit(
        measure=coord.measures["1.1"], period=later, by=coord.reporter_a, status="on_track", indicator_value="180.5"
    )
    report_submit(
        measure=coord.measures["1.1"], period=later, by=coord.reporter_b, status="on_track", indicator_value="9"
    )
    series = selectors.indicator_series(measure=coord.measures["1.1"])
    assert [(p.period.name, p.value) for p in series] == [("2025", Decimal("100")), ("2026", Decimal("180.5"))]


def test_meeting_records_are_for_the_working_group_and_the_coordinator(group):
    meeting = meeting_update(meeting=group.meeting_held, by=group.coordinator, minutes="Confidential minutes.")
    meeting_document_add(meeting=meeting, by=group.coordinator, title="Slides", url="https://example.lv/slides")
    for user in (group.coordinator, group.member):
        assert selectors.can_see_meeting_records(user=user, meeting=meeting)
        assert selectors.meeting_documents(user=user, meeting=meeting).count() == 1
        assert len(selectors.meeting_attendance(user=user, meeting=meeting)) == 4
    for user in (group.observer, group.reporter_a):
        assert selectors.access_meeting(user=user, meeting_id=meeting.pk) == meeting
        assert not selectors.can_see_meeting_records(user=user, meeting=meeting)
        assert not selectors.meeting_documents(user=user, meeting=meeting).exists()
        assert selectors.meeting_attendance(user=user, meeting=meeting) == []
        document = meeting.documents.get()
        with pytest.raises(NotFoundOrForbidden):
            selectors.access_meeting_document(user=user, document_id=document.pk)
        # Decisions are for every reader.
        assert list(selectors.decisions_visible(user=user)) == [group.decision]


def test_upcoming_and_past_meetings(group):
    today = timezone.localdate()
    assert list(selectors.meetings_visible(user=group.observer, upcoming=True, today=today)) == [group.meeting_planned]
    assert list(selectors.meetings_visible(user=group.observer, upcoming=False, today=today)) == [group.meeting_held]


def test_open_tasks_and_who_may_complete_them(group):
    assert list(selectors.decision_tasks_visible(user=group.observer, open_only=True)) == [group.task]
    assert not selectors.decision_tasks_visible(user=group.observer, institution=group.inst_b).exists()
    assert selectors.can_complete_task(user=group.member, task=group.task)
    assert selectors.can_complete_task(user=group.coordinator, task=group.task)
    assert not selectors.can_complete_task(user=group.reporter_a, task=group.task)
    assert not selectors.can_complete_task(user=group.observer, task=group.task)


def test_the_public_summary_has_member_institutions_and_meeting_dates_only(group):
    meeting_update(meeting=group.meeting_held, by=group.coordinator, minutes="Not for the public.")
    private = meeting_create(
        group=group.group, by=group.coordinator, starts_at=timezone.make_aware(datetime(2025, 5, 5, 10)), public=False
    )
    cancelled = meeting_create(group=group.group, by=group.coordinator, starts_at=timezone.now() + timedelta(days=5))
    meeting_update(meeting=cancelled, by=group.coordinator, status="cancelled")
    membership_end(membership=group.memberships["test-inst-b"], by=group.coordinator, until=date(2025, 6, 30))
    public = selectors.public_working_group()
    assert public.name == "Test working group"
    assert [m.code for m in public.members] == ["test-inst-a", "test-ministry", "test-ngo"]
    assert public.meeting_dates == [date(2025, 3, 10), timezone.localtime(group.meeting_planned.starts_at).date()]
    assert private.starts_at.date() not in public.meeting_dates
    assert "Not for the public." not in repr(public) and "Test Delegate" not in repr(public)


def test_no_group_no_public_summary(db):
    assert selectors.public_working_group() is None
    assert selectors.working_group_current() is None


def test_members_to_tell_are_delegates_and_working_group_members_of_member_institutions(group):
    assert set(selectors.member_recipients(group=group.group)) == {group.member, group.coordinator}
    assert selectors.institution_reporters(institution=group.inst_a) == [group.reporter_a]
